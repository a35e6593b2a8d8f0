// The SX lexer (SPEC §1): whitespace, comments and tokens, with every
// syntax check on atoms. Shared by sx::reader, which builds values, and the
// typed layer's direct decoder, which fills C++ objects.
#ifndef SXTP_SX_DETAIL_LEXER_HPP
#define SXTP_SX_DETAIL_LEXER_HPP

#include <sxtp/sx/detail/char_class.hpp>
#include <sxtp/sx/detail/utf8.hpp>
#include <sxtp/sx/value.hpp>  // brings detail/value_storage.hpp in the right order
#include <sxtp/sx/error.hpp>

#include <charconv>
#include <cstdint>
#include <string>
#include <string_view>
#include <system_error>

namespace sxtp::sx::detail {

struct token {
    enum class type : std::uint8_t {
        end, open_list, close_list, open_dict, close_dict, quote,
        string, symbol, keyword, integer, floating, nil, boolean,
    };
    type t = type::end;
    bool b = false;
    std::uint8_t text_flags = 0;  // strings: value_access::verified_utf8 / no_escapes
    bool can_overread = false;    // 16 bytes are readable from text.data()
    std::string_view text;        // string contents (decoded), symbol or keyword name
    std::int64_t i = 0;
    double f = 0;
    const char* start = nullptr;  // first byte of the token

    bool is_atom() const noexcept { return t >= type::string; }
};

/// The names that are not symbols: `nil` (type nil) and `true`, `false`
/// (type boolean, and `b`). False for any other name.
inline bool special_name(std::string_view name, token::type& t, bool& b) noexcept {
    if (name == "nil") {
        t = token::type::nil;
        return true;
    }
    if (name == "true" || name == "false") {
        t = token::type::boolean;
        b = name[0] == 't';
        return true;
    }
    return false;
}

/// Scans string text from `p` (just after the opening quote) up to the
/// closing quote or the first backslash, where it leaves `p`. Clears
/// value_access::no_escapes in `flags` when the canonical form will have to
/// escape a byte (a raw tab, CR, LF, DEL or C1 control). On error `p` is at
/// the offending byte (the end of input for error::unterminated_string).
[[gnu::always_inline]] inline error scan_string_text(const char*& p, const char* end, std::uint8_t& flags) noexcept {
    const auto* const uend = reinterpret_cast<const unsigned char*>(end);
    for (;;) {
        p = skip_plain_ascii(p, end);
        if (p == end) return error::unterminated_string;
        const auto c = static_cast<unsigned char>(*p);
        if (c == '"' || c == '\\') return error{};
        if (has_class(*p, cc_string_plain)) {  // raw tab, CR, LF or DEL
            flags &= static_cast<std::uint8_t>(~value_access::no_escapes);
            ++p;
            continue;
        }
        if (c < 0x80) return error::control_character;
        const std::size_t n = utf8_sequence_length(reinterpret_cast<const unsigned char*>(p), uend);
        if (n == 0) return error::invalid_utf8;
        if (c == 0xC2 && static_cast<unsigned char>(p[1]) <= 0x9F)  // C1 control
            flags &= static_cast<std::uint8_t>(~value_access::no_escapes);
        p += n;
    }
}

class lexer {
public:
    explicit lexer(std::string_view text = {}) noexcept { reset(text); }
    void reset(std::string_view text) noexcept {
        begin_ = p_ = error_at_ = text.data();
        end_ = begin_ + text.size();
    }

    /// The next token (type::end at the end of input). On error, error_at() tells where.
    /// A string token's text may live in the lexer: use it before the next call.
    error next(token& tok) {
        if (const error e = skip_space(); e != error{}) return e;
        tok.start = p_;
        if (p_ == end_) {
            tok.t = token::type::end;
            return error{};
        }
        switch (*p_) {
        case '(': ++p_; tok.t = token::type::open_list; return error{};
        case ')': ++p_; tok.t = token::type::close_list; return error{};
        case '{': ++p_; tok.t = token::type::open_dict; return error{};
        case '}': ++p_; tok.t = token::type::close_dict; return error{};
        case '\'': ++p_; tok.t = token::type::quote; return error{};
        case '"': return read_string(tok);
        default: return read_atom(tok);
        }
    }

    /// Skips whitespace and comments (validating the comments' UTF-8).
    error skip_space() {
        while (p_ < end_) {
            if (has_class(*p_, cc_space)) {
                ++p_;
            } else if (*p_ == ';') {
                while (p_ < end_ && *p_ != '\n') {
                    const auto* u = reinterpret_cast<const unsigned char*>(p_);
                    if (*u < 0x80) { ++p_; continue; }
                    const std::size_t n = utf8_sequence_length(u, reinterpret_cast<const unsigned char*>(end_));
                    if (n == 0) { error_at_ = p_; return error::invalid_utf8; }
                    p_ += n;
                }
            } else {
                break;
            }
        }
        return error{};
    }

    const char* begin() const noexcept { return begin_; }
    const char* end() const noexcept { return end_; }
    const char* pos() const noexcept { return p_; }
    void set_pos(const char* p) noexcept { p_ = p; }
    const char* error_at() const noexcept { return error_at_; }
    void set_error_at(const char* p) noexcept { error_at_ = p; }

private:
    error read_string(token& tok) {
        const char* const open = p_;
        const char* p = p_ + 1;
        const char* const s = p;
        const auto* const uend = reinterpret_cast<const unsigned char*>(end_);
        // Fast path: no escapes, so the text is a slice of the input.
        std::uint8_t flags = value_access::verified_utf8 | value_access::no_escapes;
        if (const error e = scan_string_text(p, end_, flags); e != error{}) {
            error_at_ = e == error::unterminated_string ? open : p;
            return e;
        }
        if (*p == '"') {
            tok.t = token::type::string;
            tok.text = std::string_view(s, static_cast<std::size_t>(p - s));
            tok.text_flags = flags;
            tok.can_overread = end_ - s >= 16;
            p_ = p + 1;
            return error{};
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
            if (has_class(*p, cc_string_plain)) {
                const char* run = p++;
                p = skip_plain_ascii(p, end_);
                while (p < end_ && has_class(*p, cc_string_plain)) ++p;
                scratch_.append(run, p);
                continue;
            }
            if (c == '"') {
                tok.t = token::type::string;
                tok.text = scratch_;
                tok.text_flags = value_access::verified_utf8;
                tok.can_overread = false;
                p_ = p + 1;
                return error{};
            }
            if (c >= 0x80) {
                const std::size_t n = utf8_sequence_length(reinterpret_cast<const unsigned char*>(p), uend);
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
                append_utf8(scratch_, cp);
                break;
            }
            default: error_at_ = esc; return error::invalid_escape;
            }
        }
    }

    error read_atom(token& tok) {
        const char* const s = p_;
        const char* p = p_;
        p = skip_symbol_chars(p, end_);
        if (p == s) { error_at_ = s; return error::unexpected_character; }
        p_ = p;
        const std::string_view tok_text(s, static_cast<std::size_t>(p - s));
        if (starts_like_number(tok_text)) {
            if (const error e = read_number(tok_text, tok); e != error{}) { error_at_ = s; return e; }
            return error{};
        }
        tok.can_overread = end_ - s >= 17;  // lets short names be copied with fixed-size loads
        if (tok_text[0] == ':') {
            if (tok_text.size() == 1) { error_at_ = s; return error::invalid_keyword; }
            tok.t = token::type::keyword;
            tok.text = tok_text.substr(1);
            return error{};
        }
        if (special_name(tok_text, tok.t, tok.b)) return error{};
        tok.t = token::type::symbol;
        tok.text = tok_text;
        return error{};
    }

    // SPEC §1: -?[0-9]+ is an integer; with (\.[0-9]+)? and/or ([eE][+-]?[0-9]+) a float.
    static error read_number(std::string_view text, token& tok) {
        const char* q = text.data();
        const char* const e = q + text.size();
        const bool negative = *q == '-';
        if (negative) ++q;
        auto digits = [&] {
            const char* d = q;
            while (q < e && is_digit(*q)) ++q;
            return q != d;
        };
        // Up to 18 digits cannot overflow: accumulate the integer part on the way.
        const char* const int_start = q;
        std::uint64_t acc = 0;
        while (q < e && is_digit(*q) && q - int_start < 18) acc = acc * 10 + static_cast<unsigned>(*q++ - '0');
        if (q == e && q != int_start) {
            const auto i = static_cast<std::int64_t>(acc);
            tok.t = token::type::integer;
            tok.i = negative ? -i : i;
            return error{};
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
            const auto r = std::from_chars(text.data(), e, tok.i);
            if (r.ec != std::errc{} || r.ptr != e) return error::integer_out_of_range;
            tok.t = token::type::integer;
            return error{};
        }
        if (fast_float(text, negative, tok.f)) {
            tok.t = token::type::floating;
            return error{};
        }
        const auto r = std::from_chars(text.data(), e, tok.f, std::chars_format::general);
        if (r.ec != std::errc{} || r.ptr != e) return error::float_out_of_range;
        tok.t = token::type::floating;
        return error{};
    }

    // Clinger's fast path for a syntactically valid float: with at most 15
    // significant digits the digits form an exact double, so do powers of ten
    // up to 1e22, and one IEEE multiplication or division of exact operands is
    // correctly rounded — the same double from_chars returns. False when the
    // number is outside that case.
public:
    /// 10^k for 0 <= k <= 22 (all exact doubles).
    static double power_of_ten(int k) noexcept {
        static constexpr double powers[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
                                            1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
        return powers[k];
    }

private:
    static bool fast_float(std::string_view text, bool negative, double& out) noexcept {
        const char* r = text.data() + (negative ? 1 : 0);
        const char* const e = text.data() + text.size();
        std::uint64_t m = 0;  // wraps past 19 digits, but is then not used
        int digits = 0, scale = 0;
        for (; r < e && is_digit(*r); ++r, ++digits) m = m * 10 + static_cast<unsigned>(*r - '0');
        if (r < e && *r == '.')
            for (++r; r < e && is_digit(*r); ++r, ++digits, --scale) m = m * 10 + static_cast<unsigned>(*r - '0');
        if (r < e) {  // an exponent: [eE][+-]?digits
            ++r;
            const bool minus = *r == '-';
            if (*r == '+' || *r == '-') ++r;
            int x = 0;
            for (; r < e; ++r)
                if (x < 1000) x = x * 10 + (*r - '0');
            scale += minus ? -x : x;
        }
        if (digits > 15 || scale < -22 || scale > 22) return false;
        double x = static_cast<double>(m);
        x = scale < 0 ? x / power_of_ten(-scale) : x * power_of_ten(scale);
        out = negative ? -x : x;
        return true;
    }

    const char* begin_ = nullptr;
    const char* end_ = nullptr;
    const char* p_ = nullptr;
    const char* error_at_ = nullptr;
    std::string scratch_;
};

} // namespace sxtp::sx::detail

#endif
