// Definitions for sxtp/sx/reader.hpp: dict keys into canonical order
// (SPEC §1), with repeated keys refused.
#ifndef SXTP_SX_IMPL_READER_DICTS_HPP
#define SXTP_SX_IMPL_READER_DICTS_HPP

#include <algorithm>
#include <cstring>

namespace sxtp::sx {

// The usual dict: at most 16 keys, every one a keyword of at most 14 bytes.
// Each key becomes two big-endian words once, and the small array of them is
// insertion-sorted. Sets `order` (order[i]: the index of the entry that goes
// i-th) unless the keys are in order already; the entries are moved once, by
// the caller, into the dict's block. False (nothing set) when the dict is not
// of this kind or has a repeated key, which the general sort then handles and
// reports.
inline bool reader::sort_short_keywords(const frame& f, std::size_t m, const std::uint8_t*& order) {
    using va = detail::value_access;
    std::uint64_t hi[16], lo[16];  // each key's name as two big-endian words
    bool sorted = true;
    for (std::size_t i = 0; i < m; ++i) {
        const value& k = stack_[f.base + 2 * i];
        if (!k.is_keyword() || !va::both_inline(k, k)) return false;
        hi[i] = va::name_word(k, 2);
        lo[i] = va::name_word(k, 8);
        if (i > 0) {
            if (hi[i - 1] == hi[i] && lo[i - 1] == lo[i]) return false;
            sorted = sorted && (hi[i - 1] < hi[i] || (hi[i - 1] == hi[i] && lo[i - 1] < lo[i]));
        }
    }
    if (sorted) return true;
    // Records in a list usually share their keys in the same order: the
    // order found for the last unsorted dict is reused when its keys match.
    key_shape& shape = last_shape_;
    bool same = shape.size == m;
    for (std::size_t i = 0; i < m && same; ++i) same = shape.hi[i] == hi[i] && shape.lo[i] == lo[i];
    if (!same) {
        shape.size = 0;
        std::uint8_t* const sorting = shape.order;
        auto less = [&](std::uint8_t x, std::uint8_t y) { return hi[x] < hi[y] || (hi[x] == hi[y] && lo[x] < lo[y]); };
        for (std::size_t i = 0; i < m; ++i) {  // insertion sort of indices
            const auto t = static_cast<std::uint8_t>(i);
            std::size_t j = i;
            for (; j > 0 && less(t, sorting[j - 1]); --j) sorting[j] = sorting[j - 1];
            if (j > 0 && !less(sorting[j - 1], t)) return false;  // a repeat: let the general sort report it
            sorting[j] = t;
        }
        std::memcpy(shape.hi, hi, m * sizeof hi[0]);
        std::memcpy(shape.lo, lo, m * sizeof lo[0]);
        shape.size = m;
    }
    order = shape.order;
    return true;
}

// Puts the entries above f.base into canonical key order and rejects a
// repeated key (reported at its later occurrence). Short keywords, the
// common case, are sorted by sort_short_keywords, which may only set `order`
// for the caller to apply; other dicts are index-sorted in place. Keys that
// are all keywords (or all symbols) compare by name; any other mix by
// canonical text, formed once per key into one reused buffer, so hostile
// dicts (thousands of string keys) cost no allocation per comparison.
inline error reader::sort_dict(const frame& f, const std::uint8_t*& order) {
    const std::size_t m = (stack_.size() - f.base) / 2;
    auto key = [&](std::size_t i) -> const value& { return stack_[f.base + 2 * i]; };
    auto duplicate_at = [&](std::size_t i, std::size_t j) {
        lex_.set_error_at(begin_ + std::max(stack_.offset(f.base + 2 * i), stack_.offset(f.base + 2 * j)));
        return error::duplicate_key;
    };
    if (m < 2) return error{};
    if (m <= 16 && sort_short_keywords(f, m, order)) return error{};
    const kind first = key(0).type();
    bool names = first == kind::keyword || first == kind::symbol;
    for (std::size_t i = 1; i < m && names; ++i) names = key(i).type() == first;
    if (!names) {
        key_text_.clear();
        key_spans_.clear();
        for (std::size_t i = 0; i < m; ++i) {
            const std::size_t start = key_text_.size();
            detail::string_writer w(key_text_);
            (void)detail::write_atom(w, key(i));  // cannot fail: the reader made these atoms
            w.flush();
            key_spans_.emplace_back(start, key_text_.size() - start);
        }
    }
    auto compare = [&](std::size_t a, std::size_t b) {
        if (names) return compare_keys(key(a), key(b));
        const std::string_view x(key_text_.data() + key_spans_[a].first, key_spans_[a].second);
        const std::string_view y(key_text_.data() + key_spans_[b].first, key_spans_[b].second);
        const int c = x.compare(y);
        return c < 0 ? -1 : (c > 0 ? 1 : 0);
    };
    bool sorted = true;
    for (std::size_t i = 1; i < m && sorted; ++i) {
        const int c = compare(i - 1, i);
        if (c == 0) return duplicate_at(i - 1, i);
        sorted = c < 0;
    }
    if (sorted) return error{};
    order_.resize(m);
    for (std::size_t i = 0; i < m; ++i) order_[i] = i;
    std::sort(order_.begin(), order_.end(), [&](std::size_t a, std::size_t b) { return compare(a, b) < 0; });
    for (std::size_t i = 1; i < m; ++i)
        if (compare(order_[i - 1], order_[i]) == 0) return duplicate_at(order_[i - 1], order_[i]);
    // Apply the permutation: move the entries out, then back in sorted order.
    std::vector<value> entries;
    std::vector<std::size_t> offsets;
    entries.reserve(2 * m);
    offsets.reserve(2 * m);
    for (std::size_t i = 0; i < m; ++i)
        for (std::size_t k = 0; k < 2; ++k) {
            entries.push_back(std::move(stack_[f.base + 2 * order_[i] + k]));
            offsets.push_back(stack_.offset(f.base + 2 * order_[i] + k));
        }
    for (std::size_t i = 0; i < 2 * m; ++i) {
        stack_[f.base + i] = std::move(entries[i]);
        stack_.set_offset(f.base + i, offsets[i]);
    }
    return error{};
}

} // namespace sxtp::sx

#endif
