// Definitions for sxtp/sx/value.hpp.
#ifndef SXTP_SX_IMPL_VALUE_HPP
#define SXTP_SX_IMPL_VALUE_HPP

#include <sxtp/sx/detail/char_class.hpp>
#include <sxtp/sx/detail/value_storage.hpp>
#include <sxtp/sx/detail/write_atom.hpp>

#include <algorithm>
#include <bit>
#include <cstring>
#include <limits>
#include <new>
#include <stdexcept>
#include <vector>

namespace sxtp::sx {

constexpr std::string_view to_string(kind k) noexcept {
    switch (k) {
    case kind::nil: return "nil";
    case kind::boolean: return "boolean";
    case kind::integer: return "integer";
    case kind::floating: return "float";
    case kind::string: return "string";
    case kind::symbol: return "symbol";
    case kind::keyword: return "keyword";
    case kind::list: return "list";
    case kind::dict: return "dict";
    }
    return "?";
}

constexpr bool is_valid_symbol_name(std::string_view name) noexcept {
    return !name.empty() && name[0] != ':' && detail::all_symbol_chars(name) &&
           !detail::starts_like_number(name) && name != "true" && name != "false" && name != "nil";
}

constexpr bool is_valid_keyword_name(std::string_view name) noexcept {
    return !name.empty() && detail::all_symbol_chars(name);
}

inline symbol::symbol(std::string name) {
    if (!is_valid_symbol_name(name)) throw boost::system::system_error(error::invalid_name, name);
    name_ = std::move(name);
}

inline keyword::keyword(std::string name) {
    if (!is_valid_keyword_name(name)) throw boost::system::system_error(error::invalid_name, ':' + name);
    name_ = std::move(name);
}


// -- construction --------------------------------------------------------------

template <class B>
    requires std::same_as<B, bool>
value::value(B b) noexcept : s_{} {
    s_.wide.k = kind::boolean;
    s_.wide.b = b;
}

template <std::integral I>
    requires(!std::same_as<I, bool> && !std::same_as<I, char> && !std::same_as<I, char8_t>)
value::value(I i) : s_{} {
    if constexpr (std::is_unsigned_v<I> && sizeof(I) >= sizeof(std::int64_t)) {
        if (i > static_cast<std::make_unsigned_t<std::int64_t>>(std::numeric_limits<std::int64_t>::max()))
            throw boost::system::system_error(error::integer_out_of_range);
    }
    s_.wide.k = kind::integer;
    s_.wide.i = static_cast<std::int64_t>(i);
}

template <std::floating_point F>
value::value(F f) noexcept : s_{} {
    s_.wide.k = kind::floating;
    s_.wide.f = static_cast<double>(f);
}

inline value::value(kind k, std::string_view text) : s_{} {
    if (text.size() <= small_capacity) {
        s_.small.k = k;
        s_.small.size = static_cast<std::uint8_t>(text.size());
        if (!text.empty()) std::memcpy(s_.small.data, text.data(), text.size());
    } else {
        s_.wide.k = k;
        s_.wide.marker = heap_bit;
        s_.wide.text = detail::allocate_text(text);
    }
}

inline value::value(std::string_view s) : value(kind::string, s) {}
inline value::value(const symbol& s) : value(kind::symbol, s.name()) {
    if (s.name().empty()) throw boost::system::system_error(error::invalid_name, "empty symbol");
}
inline value::value(const keyword& k) : value(kind::keyword, k.name()) {
    if (k.name().empty()) throw boost::system::system_error(error::invalid_name, "empty keyword");
}

inline value::value(const value& other) : value(detail::value_access::deep_copy(other)) {}

inline value::value(value&& other) noexcept : s_(other.s_) { other.s_ = storage{}; }

inline value& value::operator=(const value& other) {
    if (this != &other) *this = value(other);
    return *this;
}

inline value& value::operator=(value&& other) noexcept {
    if (this != &other) {
        release();
        s_ = other.s_;
        other.s_ = storage{};
    }
    return *this;
}

inline value::~value() { release(); }

inline void value::release() noexcept {
    switch (type()) {
    case kind::string:
    case kind::symbol:
    case kind::keyword:
        if (s_.small.size & heap_bit) ::operator delete(s_.wide.text);
        break;
    case kind::list:
    case kind::dict:
        if (s_.wide.items) detail::value_access::destroy_tree(s_.wide.items);
        break;
    default: break;
    }
    s_ = storage{};
}

inline value value::make_symbol(std::string_view name) {
    if (!is_valid_symbol_name(name)) throw boost::system::system_error(error::invalid_name, std::string(name));
    return value(kind::symbol, name);
}
inline value value::make_keyword(std::string_view name) {
    if (!is_valid_keyword_name(name)) throw boost::system::system_error(error::invalid_name, ':' + std::string(name));
    return value(kind::keyword, name);
}
inline value value::make_symbol_unchecked(std::string_view name) { return value(kind::symbol, name); }
inline value value::make_keyword_unchecked(std::string_view name) { return value(kind::keyword, name); }

inline value value::make_list(std::size_t capacity) {
    return detail::value_access::container(kind::list, capacity ? detail::allocate_items(capacity) : nullptr);
}
inline value value::make_dict(std::size_t capacity) {
    return detail::value_access::container(kind::dict, capacity ? detail::allocate_items(2 * capacity) : nullptr);
}

template <class... Items>
value value::list(Items&&... items) {
    value v = make_list(sizeof...(Items));
    (v.push_back(value(std::forward<Items>(items))), ...);
    return v;
}

template <class... KeysAndValues>
value value::dict(KeysAndValues&&... kvs) {
    static_assert(sizeof...(KeysAndValues) % 2 == 0, "sx::value::dict(k1, v1, k2, v2, ...) needs an even number of arguments");
    value d = make_dict(sizeof...(KeysAndValues) / 2);
    value flat[] = {value(), value(std::forward<KeysAndValues>(kvs))...};
    for (std::size_t i = 1; i + 1 < std::size(flat); i += 2)
        if (!d.insert(std::move(flat[i]), std::move(flat[i + 1])).second)
            throw boost::system::system_error(error::duplicate_key);
    return d;
}

// -- access --------------------------------------------------------------------

namespace detail {
[[noreturn]] inline void throw_wrong_kind(kind expected, kind got) {
    throw boost::system::system_error(error::wrong_kind,
                                      "expected " + std::string(to_string(expected)) + ", got " + std::string(to_string(got)));
}
} // namespace detail

inline void value::require(kind k) const {
    if (type() != k) [[unlikely]]
        detail::throw_wrong_kind(k, type());
}

inline bool value::is_symbol(std::string_view n) const noexcept { return is_symbol() && text() == n; }
inline bool value::is_keyword(std::string_view n) const noexcept { return is_keyword() && text() == n; }

inline bool value::as_bool() const { require(kind::boolean); return s_.wide.b; }
inline std::int64_t value::as_int() const { require(kind::integer); return s_.wide.i; }
inline double value::as_float() const { require(kind::floating); return s_.wide.f; }
inline std::string_view value::as_string() const { require(kind::string); return text(); }

inline std::string_view value::name() const {
    if (!is_symbol() && !is_keyword())
        throw boost::system::system_error(error::wrong_kind, "expected symbol or keyword, got " + std::string(to_string(type())));
    return text();
}

inline std::string_view value::text() const noexcept {
    switch (type()) {
    case kind::string:
    case kind::symbol:
    case kind::keyword:
        if (s_.small.size & heap_bit) return {s_.wide.text->chars(), s_.wide.text->size};
        return {s_.small.data, static_cast<std::size_t>(s_.small.size & size_mask)};
    default: return {};
    }
}

inline std::size_t value::size() const noexcept {
    if (!is_container() || !block()) return 0;
    return is_list() ? block()->size : block()->size / 2;
}

inline std::span<value> value::items() {
    require(kind::list);
    return block() ? std::span<value>(block()->items(), block()->size) : std::span<value>();
}
inline std::span<const value> value::items() const {
    require(kind::list);
    return block() ? std::span<const value>(block()->items(), block()->size) : std::span<const value>();
}

inline void value::grow(std::size_t min_values) {
    detail::items_block* old = block();
    const std::size_t old_cap = old ? old->capacity : 0;
    if (min_values <= old_cap) return;
    const std::size_t cap = std::max(min_values, old_cap * 2);
    detail::items_block* b = detail::allocate_items(cap);
    if (old) {
        value* from = old->items();
        value* to = b->items();
        for (std::size_t i = 0; i < old->size; ++i) ::new (static_cast<void*>(to + i)) value(std::move(from[i]));
        b->size = old->size;
        ::operator delete(old);  // its items were moved out and hold nothing
    }
    s_.wide.items = b;
}

inline void value::reserve(std::size_t n) {
    if (is_list()) grow(n);
    else if (is_dict()) grow(2 * n);
    else require(kind::list);
}

inline value& value::push_back(value item) {
    require(kind::list);
    const std::size_t n = block() ? block()->size : 0;
    if (!block() || n == block()->capacity) grow(std::max<std::size_t>(4, n + 1));
    value* slot = ::new (static_cast<void*>(block()->items() + n)) value(std::move(item));
    ++block()->size;
    return *slot;
}

inline entry_range<value> value::entries() {
    require(kind::dict);
    return block() ? entry_range<value>(block()->items(), block()->size / 2) : entry_range<value>(nullptr, 0);
}
inline entry_range<const value> value::entries() const {
    require(kind::dict);
    return block() ? entry_range<const value>(block()->items(), block()->size / 2) : entry_range<const value>(nullptr, 0);
}

inline int compare_keys(const value& a, const value& b) {
    if (a.type() == b.type() && (a.is_keyword() || a.is_symbol())) {
        if (detail::value_access::both_inline(a, b)) return detail::value_access::compare_inline_names(a, b);
        const std::string_view x = a.text(), y = b.text();
        const int c = std::memcmp(x.data(), y.data(), std::min(x.size(), y.size()));
        if (c != 0) return c < 0 ? -1 : 1;
        return x.size() < y.size() ? -1 : (x.size() > y.size() ? 1 : 0);
    }
    const int c = detail::canonical_key_text(a).compare(detail::canonical_key_text(b));
    return c < 0 ? -1 : (c > 0 ? 1 : 0);
}

// Index (in entries) of the first key not less than `key`.
inline std::size_t value::dict_lower_bound(const value& key, bool& found) const {
    found = false;
    if (!block()) return 0;
    const value* it = block()->items();
    std::size_t lo = 0, hi = block()->size / 2;
    while (lo < hi) {
        const std::size_t mid = lo + (hi - lo) / 2;
        const int c = compare_keys(it[2 * mid], key);
        if (c < 0) lo = mid + 1;
        else if (c > 0) hi = mid;
        else { found = true; return mid; }
    }
    return lo;
}

inline const value* value::find(std::string_view keyword_name) const noexcept {
    if (!is_dict() || !block()) return nullptr;
    const value* it = block()->items();
    std::size_t lo = 0, hi = block()->size / 2;
    while (lo < hi) {
        const std::size_t mid = lo + (hi - lo) / 2;
        const value& k = it[2 * mid];
        int c;
        if (k.is_keyword()) c = k.text().compare(keyword_name);
        else c = static_cast<unsigned char>(detail::value_access::first_canonical_char(k)) < static_cast<unsigned char>(':') ? -1 : 1;
        if (c < 0) lo = mid + 1;
        else if (c > 0) hi = mid;
        else return &it[2 * mid + 1];
    }
    return nullptr;
}
inline value* value::find(std::string_view keyword_name) noexcept {
    return const_cast<value*>(std::as_const(*this).find(keyword_name));
}

inline const value* value::find(const value& key) const noexcept {
    if (!is_dict() || !key.is_atom()) return nullptr;
    try {
        bool found = false;
        const std::size_t i = dict_lower_bound(key, found);
        return found ? &block()->items()[2 * i + 1] : nullptr;
    } catch (...) {  // key text could not be formed (allocation failure)
        return nullptr;
    }
}

inline const value& value::at(std::string_view keyword_name) const {
    if (const value* v = find(keyword_name)) return *v;
    throw std::out_of_range("sx::value::at: no key :" + std::string(keyword_name));
}

inline std::pair<value*, bool> value::insert(value key, value val) {
    require(kind::dict);
    if (!key.is_atom()) throw boost::system::system_error(error::invalid_dict_key);
    bool found = false;
    const std::size_t i = dict_lower_bound(key, found);
    if (found) return {&block()->items()[2 * i + 1], false};
    const std::size_t n = block() ? block()->size : 0;
    if (!block() || n + 2 > block()->capacity) grow(std::max<std::size_t>(8, n + 2));
    value* it = block()->items();
    // Open a two-slot gap at 2*i by moving the tail up.
    for (std::size_t j = n; j > 2 * i; --j) {
        ::new (static_cast<void*>(it + j + 1)) value(std::move(it[j - 1]));
        it[j - 1].~value();
    }
    ::new (static_cast<void*>(it + 2 * i)) value(std::move(key));
    ::new (static_cast<void*>(it + 2 * i + 1)) value(std::move(val));
    block()->size = n + 2;
    return {&it[2 * i + 1], true};
}

inline value& value::insert_or_assign(value key, value val) {
    require(kind::dict);
    if (!key.is_atom()) throw boost::system::system_error(error::invalid_dict_key);
    bool found = false;
    const std::size_t i = dict_lower_bound(key, found);
    if (found) return block()->items()[2 * i + 1] = std::move(val);
    return *insert(std::move(key), std::move(val)).first;
}

inline bool value::erase(const value& key) {
    require(kind::dict);
    if (!key.is_atom()) return false;
    bool found = false;
    const std::size_t i = dict_lower_bound(key, found);
    if (!found) return false;
    value* it = block()->items();
    const std::size_t n = block()->size;
    for (std::size_t j = 2 * i; j + 2 < n; ++j) it[j] = std::move(it[j + 2]);
    it[n - 1].~value();
    it[n - 2].~value();
    block()->size = n - 2;
    return true;
}

inline bool operator==(const value& a, const value& b) { return detail::value_access::equal(a, b); }

} // namespace sxtp::sx

#endif
