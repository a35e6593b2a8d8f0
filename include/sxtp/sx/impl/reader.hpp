// Definitions for sxtp/sx/reader.hpp. The reader is iterative: nesting lives
// in `frames_`, finished items in `stack_`, so stack use is constant.
#ifndef SXTP_SX_IMPL_READER_HPP
#define SXTP_SX_IMPL_READER_HPP

#include <sxtp/sx/detail/char_class.hpp>
#include <sxtp/sx/detail/utf8.hpp>

#include <algorithm>
#include <charconv>
#include <system_error>

namespace sxtp::sx {

inline read_error reader::make_error(std::string_view text, error e) const {
    read_error r;
    r.code = e;
    r.offset = static_cast<std::size_t>(error_at_ - text.data());
    const std::string_view before = text.substr(0, r.offset);
    r.line = 1 + static_cast<std::size_t>(std::count(before.begin(), before.end(), '\n'));
    const std::size_t nl = before.rfind('\n');
    r.column = nl == std::string_view::npos ? r.offset + 1 : r.offset - nl;
    return r;
}

inline error reader::push(value v, const char* at) {
    stack_.push(std::move(v), static_cast<std::size_t>(at - begin_));
    return error{};
}

inline read_result<value> reader::read(std::string_view text) {
    std::vector<value> unused;
    if (const error e = parse(text, mode::one, unused); e != error{}) return make_error(text, e);
    value v = std::move(stack_[0]);
    stack_.clear();
    return v;
}

inline read_result<std::vector<value>> reader::read_all(std::string_view text) {
    std::vector<value> out;
    if (const error e = parse(text, mode::all, out); e != error{}) return make_error(text, e);
    return out;
}

inline error reader::parse(std::string_view text, mode m, std::vector<value>& out) {
    stack_.clear();
    frames_.clear();
    begin_ = text.data();
    end_ = begin_ + text.size();
    error_at_ = begin_;
    const char* p = begin_;
    bool have_top = false;
    for (;;) {
        while (p < end_) {  // whitespace and comments
            if (detail::has_class(*p, detail::cc_space)) {
                ++p;
            } else if (*p == ';') {
                while (p < end_ && *p != '\n') {
                    const auto* u = reinterpret_cast<const unsigned char*>(p);
                    if (*u < 0x80) { ++p; continue; }
                    const std::size_t n = detail::utf8_sequence_length(u, reinterpret_cast<const unsigned char*>(end_));
                    if (n == 0) { error_at_ = p; return error::invalid_utf8; }
                    p += n;
                }
            } else {
                break;
            }
        }
        if (p == end_) {
            error_at_ = p;
            if (!frames_.empty()) return error::unexpected_end;
            if (m == mode::one && !have_top) return error::empty_input;
            return error{};
        }
        if (m == mode::one && have_top) { error_at_ = p; return error::trailing_data; }

        error e{};
        switch (*p) {
        case '(':
        case '{':
        case '\'':
            if (frames_.size() >= options_.max_depth) { error_at_ = p; return error::depth_exceeded; }
            frames_.push_back({*p == '(' ? frame::type::list : *p == '{' ? frame::type::dict : frame::type::quote,
                               stack_.size(), static_cast<std::size_t>(p - begin_)});
            ++p;
            continue;
        case ')': e = close_container(p, frame::type::list); break;
        case '}': e = close_container(p, frame::type::dict); break;
        case '"': e = read_string(p); break;
        default: e = read_token(p); break;
        }
        if (e != error{}) return e;
        if (!frames_.empty()) {  // the common cases inline: an item of a list or a dict
            const frame& f = frames_.back();
            if (f.k == frame::type::list) continue;
            if (f.k == frame::type::dict) {
                if ((stack_.size() - f.base) % 2 == 1 && !stack_.back().is_atom()) {
                    error_at_ = begin_ + stack_.offset(stack_.size() - 1);
                    return error::invalid_dict_key;
                }
                continue;
            }
        }
        if ((e = finish_value(out, m, have_top)) != error{}) return e;
    }
}

// Called with a finished item on top of stack_: closes quotes around it,
// checks dict keys, and hands over top-level values.
inline error reader::finish_value(std::vector<value>& out, mode m, bool& have_top) {
    for (;;) {
        if (frames_.empty()) {
            if (m == mode::all) {
                out.push_back(std::move(stack_.back()));
                stack_.clear();
            }
            have_top = true;
            return error{};
        }
        const frame& f = frames_.back();
        if (f.k == frame::type::quote) {
            value q = value::make_list(2);
            q.push_back(value::make_symbol_unchecked("quote"));
            q.push_back(std::move(stack_.back()));
            stack_.back() = std::move(q);
            stack_.set_offset(stack_.size() - 1, f.offset);
            frames_.pop_back();
            continue;
        }
        if (f.k == frame::type::dict && (stack_.size() - f.base) % 2 == 1 && !stack_.back().is_atom()) {
            error_at_ = begin_ + stack_.offset(stack_.size() - 1);
            return error::invalid_dict_key;
        }
        return error{};
    }
}

inline error reader::close_container(const char*& p, frame::type closing) {
    if (frames_.empty()) { error_at_ = p; return error::unexpected_close; }
    const frame f = frames_.back();
    if (f.k != closing) { error_at_ = p; return error::mismatched_close; }
    const std::size_t n = stack_.size() - f.base;
    if (f.k == frame::type::dict) {
        if (n % 2) { error_at_ = p; return error::odd_dict; }
        if (const error e = sort_dict(f); e != error{}) return e;
    }
    detail::items_block* b = nullptr;
    if (n) {
        b = detail::allocate_items(n);
        stack_.relocate(f.base, b->items());
        b->size = n;
    }
    frames_.pop_back();
    push(detail::value_access::container(f.k == frame::type::list ? kind::list : kind::dict, b), begin_ + f.offset);
    ++p;
    return error{};
}

// Puts the entries above f.base into canonical key order and rejects a
// repeated key (reported at its later occurrence). Small dicts, the common
// case, are insertion-sorted in place; large ones are index-sorted.
inline error reader::sort_dict(const frame& f) {
    const std::size_t m = (stack_.size() - f.base) / 2;
    auto key = [&](std::size_t i) -> const value& { return stack_[f.base + 2 * i]; };
    auto duplicate_at = [&](std::size_t i, std::size_t j) {
        error_at_ = begin_ + std::max(stack_.offset(f.base + 2 * i), stack_.offset(f.base + 2 * j));
        return error::duplicate_key;
    };
    if (m <= 32) {
        for (std::size_t i = 1; i < m; ++i) {
            for (std::size_t j = i; j > 0; --j) {
                const int c = compare_keys(key(j - 1), key(j));
                if (c == 0) return duplicate_at(j - 1, j);
                if (c < 0) break;
                stack_.swap_adjacent(f.base + 2 * (j - 1), 2);
            }
        }
        return error{};
    }
    bool sorted = true;
    for (std::size_t i = 1; i < m && sorted; ++i) {
        const int c = compare_keys(key(i - 1), key(i));
        if (c == 0) return duplicate_at(i - 1, i);
        sorted = c < 0;
    }
    if (sorted) return error{};
    order_.resize(m);
    for (std::size_t i = 0; i < m; ++i) order_[i] = i;
    std::sort(order_.begin(), order_.end(), [&](std::size_t a, std::size_t b) { return compare_keys(key(a), key(b)) < 0; });
    for (std::size_t i = 1; i < m; ++i)
        if (compare_keys(key(order_[i - 1]), key(order_[i])) == 0) return duplicate_at(order_[i - 1], order_[i]);
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

inline error reader::read_string(const char*& p) {
    const char* const open = p;
    const char* s = ++p;
    const auto* const uend = reinterpret_cast<const unsigned char*>(end_);
    // Fast path: no escapes, so the text is a slice of the input. Note on the
    // way whether the canonical form will need to escape anything.
    std::uint8_t flags = detail::value_access::verified_utf8 | detail::value_access::no_escapes;
    for (;;) {
        p = detail::skip_plain_ascii(p, end_);
        if (p == end_) { error_at_ = open; return error::unterminated_string; }
        const auto c = static_cast<unsigned char>(*p);
        if (detail::has_class(*p, detail::cc_string_plain)) {  // raw tab, CR, LF or DEL
            flags &= static_cast<std::uint8_t>(~detail::value_access::no_escapes);
            ++p;
            continue;
        }
        if (c == '"') {
            value v = detail::value_access::text_value(kind::string, std::string_view(s, static_cast<std::size_t>(p - s)));
            detail::value_access::set_text_flags(v, flags);
            push(std::move(v), open);
            ++p;
            return error{};
        }
        if (c >= 0x80) {
            const std::size_t n = detail::utf8_sequence_length(reinterpret_cast<const unsigned char*>(p), uend);
            if (n == 0) { error_at_ = p; return error::invalid_utf8; }
            if (c == 0xC2 && static_cast<unsigned char>(p[1]) <= 0x9F) flags &= static_cast<std::uint8_t>(~detail::value_access::no_escapes);  // C1 control
            p += n;
            continue;
        }
        if (c == '\\') break;
        error_at_ = p;
        return error::control_character;
    }
    // Slow path: decode escapes into scratch_.
    scratch_.assign(s, p);
    auto hex4 = [&](const char* q, std::uint32_t& out) {
        if (end_ - q < 4) return false;
        out = 0;
        for (int i = 0; i < 4; ++i) {
            const char h = q[i];
            out <<= 4;
            if (h >= '0' && h <= '9') out |= static_cast<std::uint32_t>(h - '0');
            else if (h >= 'a' && h <= 'f') out |= static_cast<std::uint32_t>(h - 'a' + 10);
            else if (h >= 'A' && h <= 'F') out |= static_cast<std::uint32_t>(h - 'A' + 10);
            else return false;
        }
        return true;
    };
    for (;;) {
        if (p == end_) { error_at_ = open; return error::unterminated_string; }
        const auto c = static_cast<unsigned char>(*p);
        if (detail::has_class(*p, detail::cc_string_plain)) {
            const char* run = p++;
            p = detail::skip_plain_ascii(p, end_);
            while (p < end_ && detail::has_class(*p, detail::cc_string_plain)) ++p;
            scratch_.append(run, p);
            continue;
        }
        if (c == '"') {
            value v = detail::value_access::text_value(kind::string, scratch_);
            detail::value_access::set_text_flags(v, detail::value_access::verified_utf8);
            push(std::move(v), open);
            ++p;
            return error{};
        }
        if (c >= 0x80) {
            const std::size_t n = detail::utf8_sequence_length(reinterpret_cast<const unsigned char*>(p), uend);
            if (n == 0) { error_at_ = p; return error::invalid_utf8; }
            scratch_.append(p, n);
            p += n;
            continue;
        }
        if (c != '\\') { error_at_ = p; return error::control_character; }
        const char* const esc = p;
        if (++p == end_) { error_at_ = open; return error::unterminated_string; }
        switch (*p) {
        case '"': scratch_.push_back('"'); ++p; break;
        case '\\': scratch_.push_back('\\'); ++p; break;
        case 'n': scratch_.push_back('\n'); ++p; break;
        case 't': scratch_.push_back('\t'); ++p; break;
        case 'r': scratch_.push_back('\r'); ++p; break;
        case 'u': {
            std::uint32_t cp = 0;
            if (!hex4(p + 1, cp)) { error_at_ = esc; return error::invalid_escape; }
            p += 5;
            if (cp >= 0xDC00 && cp <= 0xDFFF) { error_at_ = esc; return error::lone_surrogate; }
            if (cp >= 0xD800 && cp <= 0xDBFF) {
                std::uint32_t lo = 0;
                if (end_ - p < 6 || p[0] != '\\' || p[1] != 'u' || !hex4(p + 2, lo) || lo < 0xDC00 || lo > 0xDFFF) {
                    error_at_ = esc;
                    return error::lone_surrogate;
                }
                p += 6;
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            }
            detail::append_utf8(scratch_, cp);
            break;
        }
        default: error_at_ = esc; return error::invalid_escape;
        }
    }
}

inline error reader::read_token(const char*& p) {
    const char* const s = p;
    while (p < end_ && detail::has_class(*p, detail::cc_symbol)) ++p;
    if (p == s) { error_at_ = s; return error::unexpected_character; }
    const std::string_view tok(s, static_cast<std::size_t>(p - s));
    if (detail::starts_like_number(tok)) {
        if (const error e = read_number(tok); e != error{}) { error_at_ = s; return e; }
        return error{};
    }
    const bool can_overread = end_ - p >= 16;  // lets short names be copied with fixed-size loads
    if (tok[0] == ':') {
        if (tok.size() == 1) { error_at_ = s; return error::invalid_keyword; }
        return push(detail::value_access::text_value(kind::keyword, tok.substr(1), can_overread), s);
    }
    if (tok.size() <= 5 && (tok[0] == 'n' || tok[0] == 't' || tok[0] == 'f')) {
        if (tok == "nil") return push(value(), s);
        if (tok == "true") return push(value(true), s);
        if (tok == "false") return push(value(false), s);
    }
    return push(detail::value_access::text_value(kind::symbol, tok, can_overread), s);
}

// SPEC §1: -?[0-9]+ is an integer; with (\.[0-9]+)? and/or ([eE][+-]?[0-9]+) a float.
inline error reader::read_number(std::string_view tok) {
    const char* q = tok.data();
    const char* const e = q + tok.size();
    const bool negative = *q == '-';
    if (negative) ++q;
    auto digits = [&] {
        const char* d = q;
        while (q < e && detail::is_digit(*q)) ++q;
        return q != d;
    };
    // Up to 18 digits cannot overflow: accumulate the integer part on the way.
    const char* const int_start = q;
    std::uint64_t acc = 0;
    while (q < e && detail::is_digit(*q) && q - int_start < 18) acc = acc * 10 + static_cast<unsigned>(*q++ - '0');
    const bool short_integer = q == e;
    if (short_integer && q != int_start) {
        const auto i = static_cast<std::int64_t>(acc);
        return push(value(negative ? -i : i), tok.data());
    }
    if (!digits() && q == int_start) return error::invalid_number;
    bool is_float = false;
    if (q < e && *q == '.') {
        ++q;
        if (!digits()) return error::invalid_number;
        is_float = true;
    }
    if (q < e && (*q == 'e' || *q == 'E')) {
        ++q;
        if (q < e && (*q == '+' || *q == '-')) ++q;
        if (!digits()) return error::invalid_number;
        is_float = true;
    }
    if (q != e) return error::invalid_number;
    if (!is_float) {
        std::int64_t i = 0;
        const auto r = std::from_chars(tok.data(), e, i);
        if (r.ec != std::errc{} || r.ptr != e) return error::integer_out_of_range;
        return push(value(i), tok.data());
    }
    double d = 0;
    const auto r = std::from_chars(tok.data(), e, d, std::chars_format::general);
    if (r.ec != std::errc{} || r.ptr != e) return error::float_out_of_range;
    return push(value(d), tok.data());
}

inline value read(std::string_view text, const read_options& options) {
    return reader(options).read(text).value();
}
inline read_result<value> try_read(std::string_view text, const read_options& options) {
    return reader(options).read(text);
}
inline std::vector<value> read_all(std::string_view text, const read_options& options) {
    return reader(options).read_all(text).value();
}
inline read_result<std::vector<value>> try_read_all(std::string_view text, const read_options& options) {
    return reader(options).read_all(text);
}

} // namespace sxtp::sx

#endif
