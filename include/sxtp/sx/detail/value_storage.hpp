// Storage of sx::value (heap text and item blocks) and the privileged
// access the reader, the printer and the tree algorithms use. Included by
// impl/value.hpp once sx::value is complete.
// Outside the guard on purpose: included first, this header lets value.hpp
// (which includes it back at its end) complete sx::value before going on.
#include <sxtp/sx/value.hpp>

#ifndef SXTP_SX_DETAIL_VALUE_STORAGE_HPP
#define SXTP_SX_DETAIL_VALUE_STORAGE_HPP

#include <bit>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <new>
#include <stdexcept>
#include <utility>
#include <vector>

namespace sxtp::sx {

namespace detail {

// A heap text: its size, then the bytes.
struct text_block {
    std::size_t size;
    char* chars() noexcept { return reinterpret_cast<char*>(this + 1); }
};

// A list's or dict's storage: a header, then `capacity` value slots of which
// `size` are constructed. A dict stores key, value, key, value… in canonical
// key order. While a tree is being destroyed, `next_pending` links the blocks
// still to free, so destruction needs neither recursion nor memory.
struct items_block {
    std::size_t size;
    union {
        std::size_t capacity;
        items_block* next_pending;
    };
    value* items() noexcept { return std::launder(reinterpret_cast<value*>(this + 1)); }
};
static_assert(sizeof(items_block) % alignof(value) == 0);

inline text_block* allocate_text(std::string_view s) {
    auto* b = static_cast<text_block*>(::operator new(sizeof(text_block) + s.size()));
    b->size = s.size();
    std::memcpy(b->chars(), s.data(), s.size());
    return b;
}

inline items_block* allocate_items(std::size_t capacity) {
    if (capacity > (std::numeric_limits<std::size_t>::max() - sizeof(items_block)) / sizeof(value))
        throw std::length_error("sx::value: container too large");
    auto* b = static_cast<items_block*>(::operator new(sizeof(items_block) + capacity * sizeof(value)));
    b->size = 0;
    b->capacity = capacity;
    return b;
}

// Privileged access for the reader and the tree algorithms below.
struct value_access {
    static items_block* block(const value& v) noexcept { return v.s_.wide.items; }
    static bool heap_text(const value& v) noexcept { return (v.s_.small.size & value::heap_bit) != 0; }
    static constexpr std::uint8_t verified_utf8 = value::verified_utf8;
    static constexpr std::uint8_t no_escapes = value::no_escapes;
    static std::uint8_t text_flags(const value& v) noexcept { return v.s_.small.size & (value::verified_utf8 | value::no_escapes); }
    // Marks a string's text as checked by the reader (see value::text_flags).
    static void set_text_flags(value& v, std::uint8_t flags) noexcept { v.s_.small.size |= flags; }
    static text_block* text(const value& v) noexcept { return v.s_.wide.text; }

    static value container(kind k, items_block* b) noexcept {
        value v;
        v.s_.wide.k = k;
        v.s_.wide.items = b;
        return v;
    }
    // Takes the block out of `v`, leaving an empty container of the same kind.
    static items_block* steal_block(value& v) noexcept {
        items_block* b = v.s_.wide.items;
        v.s_.wide.items = nullptr;
        return b;
    }
    // The 16 bytes of a value as two words, stored in memory order: byte 0
    // the kind, byte 1 the text flags and inline size, bytes 2–15 inline
    // text; bytes 8–15 the payload of a wide value. The reader builds values
    // in registers with these and stores each with two word writes.
    struct words {
        std::uint64_t lo, hi;
    };
    static void store(void* slot, words w) noexcept {
        std::memcpy(slot, &w.lo, 8);
        std::memcpy(static_cast<char*>(slot) + 8, &w.hi, 8);
    }
    static constexpr std::uint64_t head_word(kind k, std::uint8_t second) noexcept {
        if constexpr (std::endian::native == std::endian::little)
            return static_cast<std::uint64_t>(k) | std::uint64_t{second} << 8;
        else
            return static_cast<std::uint64_t>(k) << 56 | std::uint64_t{second} << 48;
    }
    static words scalar_words(kind k, std::uint64_t payload) noexcept { return {head_word(k, 0), payload}; }
    static words pointer_words(kind k, std::uint8_t marker, const void* p) noexcept {
        return {head_word(k, marker), reinterpret_cast<std::uintptr_t>(p)};
    }
    // Inline text of at most 14 bytes with `flags`. With `can_overread`, 16
    // bytes from s are readable, so the text is loaded with two fixed loads
    // and masked instead of copied byte by byte.
    [[gnu::always_inline]] static words inline_text_words(kind k, const char* s, std::size_t n, std::uint8_t flags,
                                                          bool can_overread) noexcept {
        const auto second = static_cast<std::uint8_t>(flags | n);
        if constexpr (std::endian::native == std::endian::little) {
            std::uint64_t w[2] = {0, 0};
            if (can_overread) {
                std::memcpy(w, s, 16);
                w[0] &= n >= 8 ? ~std::uint64_t{0} : (std::uint64_t{1} << (8 * n)) - 1;
                w[1] &= n <= 8 ? 0 : (std::uint64_t{1} << (8 * (n - 8))) - 1;
            } else if (n) {
                std::memcpy(w, s, n);
            }
            return {head_word(k, second) | w[0] << 16, w[0] >> 48 | w[1] << 16};
        } else {
            unsigned char bytes[16] = {};
            bytes[0] = static_cast<unsigned char>(k);
            bytes[1] = second;
            if (n) std::memcpy(bytes + 2, s, n);
            words w;
            std::memcpy(&w.lo, bytes, 8);
            std::memcpy(&w.hi, bytes + 8, 8);
            return w;
        }
    }
    static constexpr std::uint8_t heap_flag = value::heap_bit;
    static constexpr std::size_t small_text = value::small_capacity;

    // Frees every block reachable from `root`, without recursion or allocation.
    static void destroy_tree(items_block* root) noexcept {
        root->next_pending = nullptr;
        while (root) {
            items_block* next = root->next_pending;
            value* it = root->items();
            for (std::size_t i = 0, n = root->size; i < n; ++i) {
                value& v = it[i];
                if (v.is_container()) {
                    if (items_block* c = v.s_.wide.items) {
                        c->next_pending = next;
                        next = c;
                    }
                } else if ((v.is_string() || v.is_symbol() || v.is_keyword()) && heap_text(v)) {
                    ::operator delete(v.s_.wide.text);
                }
            }
            ::operator delete(root);
            root = next;
        }
    }

    // Copies an atom, or a container without its items.
    static value copy_shallow(const value& src) {
        value out;
        if (src.is_container()) {
            out.s_.wide.k = src.type();
        } else if ((src.is_string() || src.is_symbol() || src.is_keyword()) && heap_text(src)) {
            out.s_ = src.s_;
            out.s_.wide.text = allocate_text(src.text());
        } else {
            out.s_ = src.s_;
        }
        return out;
    }

    // Deep copy with an explicit work list instead of recursion.
    static value deep_copy(const value& src) {
        value root = copy_shallow(src);
        if (!src.is_container() || !block(src)) return root;
        std::vector<std::pair<items_block*, items_block*>> work;  // (from, to)
        auto start = [&](const value& from, value& to) {
            items_block* fb = block(from);
            items_block* tb = allocate_items(fb->size);
            to.s_.wide.items = tb;
            work.emplace_back(fb, tb);
        };
        start(src, root);
        while (!work.empty()) {
            auto [fb, tb] = work.back();
            work.pop_back();
            value* from = fb->items();
            value* to = tb->items();
            for (std::size_t i = 0; i < fb->size; ++i) {
                ::new (static_cast<void*>(to + i)) value(copy_shallow(from[i]));
                tb->size = i + 1;  // the copy so far stays destructible if an allocation throws
                if (from[i].is_container() && block(from[i])) start(from[i], to[i]);
            }
        }
        return root;
    }

    static bool atoms_equal(const value& a, const value& b) noexcept {
        switch (a.type()) {
        case kind::nil: return true;
        case kind::boolean: return a.s_.wide.b == b.s_.wide.b;
        case kind::integer: return a.s_.wide.i == b.s_.wide.i;
        case kind::floating: return std::bit_cast<std::uint64_t>(a.s_.wide.f) == std::bit_cast<std::uint64_t>(b.s_.wide.f);
        case kind::symbol:
        case kind::keyword:
            if (!heap_text(a) && !heap_text(b)) return std::memcmp(&a.s_, &b.s_, sizeof a.s_) == 0;
            return a.text() == b.text();
        case kind::string: return a.text() == b.text();
        default: return false;
        }
    }

    static bool equal(const value& a, const value& b) {
        if (a.type() != b.type()) return false;
        if (!a.is_container()) return atoms_equal(a, b);
        std::vector<std::pair<const value*, const value*>> work;  // pairs of containers to compare
        work.emplace_back(&a, &b);
        while (!work.empty()) {
            auto [x, y] = work.back();
            work.pop_back();
            items_block* bx = block(*x);
            items_block* by = block(*y);
            const std::size_t nx = bx ? bx->size : 0, ny = by ? by->size : 0;
            if (nx != ny) return false;
            for (std::size_t i = 0; i < nx; ++i) {
                const value& u = bx->items()[i];
                const value& w = by->items()[i];
                if (u.type() != w.type()) return false;
                if (u.is_container()) work.emplace_back(&u, &w);
                else if (!atoms_equal(u, w)) return false;
            }
        }
        return true;
    }

    // Inline text: 14 bytes of storage, of which `inline_size` are used.
    static const char* inline_data(const value& v) noexcept { return v.s_.small.data; }
    static std::size_t inline_size(const value& v) noexcept { return v.s_.small.size & value::size_mask; }
    static constexpr std::size_t inline_capacity = value::small_capacity;

    // Orders two inline names (≤ 14 bytes, zero-padded, never containing NUL)
    // with two big-endian word compares instead of a memcmp call.
    static bool both_inline(const value& a, const value& b) noexcept { return !heap_text(a) && !heap_text(b); }
    // Bytes [at, at + 8) of an inline name as a big-endian word: names order
    // as their words at 2, then at 8 (zero padding sorts first).
    // Reads the value as its two aligned words (a load straddling them could
    // not be forwarded from the reader's two stores, which costs a stall).
    static std::uint64_t name_word(const value& v, std::size_t at) noexcept {
        std::uint64_t lo, hi;
        std::memcpy(&lo, &v.s_, 8);
        std::memcpy(&hi, reinterpret_cast<const unsigned char*>(&v.s_) + 8, 8);
        if constexpr (std::endian::native == std::endian::little) {
            return __builtin_bswap64(at == 8 ? hi : (lo >> 16 | hi << 48));
        } else {
            return at == 8 ? hi : (lo << 16 | hi >> 48);
        }
    }
    static int compare_inline_names(const value& a, const value& b) noexcept {
        for (std::size_t at : {std::size_t{2}, std::size_t{8}}) {
            const std::uint64_t x = name_word(a, at), y = name_word(b, at);
            if (x != y) return x < y ? -1 : 1;
        }
        return 0;
    }

    // First byte of an atom's canonical text (for keyword lookups in mixed dicts).
    static char first_canonical_char(const value& v) noexcept {
        switch (v.type()) {
        case kind::nil: return 'n';
        case kind::boolean: return v.s_.wide.b ? 't' : 'f';
        case kind::integer: return v.s_.wide.i < 0 ? '-' : static_cast<char>('0' + 0);  // any digit sorts alike against ':'
        case kind::floating: return std::signbit(v.s_.wide.f) ? '-' : '0';
        case kind::string: return '"';
        case kind::keyword: return ':';
        case kind::symbol: return v.text()[0];
        default: return '\0';
        }
    }
};

} // namespace detail

} // namespace sxtp::sx

#endif
