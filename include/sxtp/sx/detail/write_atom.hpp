// Canonical text of atoms (SPEC §1). A Sink has `append(const char*, size_t)`
// and `push_back(char)`; std::string is one.
#ifndef SXTP_SX_DETAIL_WRITE_ATOM_HPP
#define SXTP_SX_DETAIL_WRITE_ATOM_HPP

#include <sxtp/sx/detail/ecma_float.hpp>
#include <sxtp/sx/detail/utf8.hpp>
#include <sxtp/sx/value.hpp>

#include <charconv>
#include <cmath>
#include <string_view>

namespace sxtp::sx::detail {

// 1: the byte needs a closer look (escape, DEL, C1 lead byte or any non-ASCII byte).
inline constexpr auto string_byte_needs_check = [] {
    std::array<std::uint8_t, 256> t{};
    for (int c = 0; c < 0x20; ++c) t[c] = 1;
    t['"'] = t['\\'] = t[0x7F] = 1;
    for (int c = 0x80; c < 0x100; ++c) t[c] = 1;
    return t;
}();

template <class Sink>
void write_hex_escape(Sink& out, unsigned c) {
    constexpr char hex[] = "0123456789abcdef";
    const char buf[6] = {'\\', 'u', '0', '0', hex[(c >> 4) & 0xF], hex[c & 0xF]};
    out.append(buf, 6);
}

/// Writes a quoted, canonically escaped string. Escapes `"`, `\` and every
/// Unicode control character (U+0000–U+001F, U+007F–U+009F); the rest is raw
/// UTF-8. Returns error::invalid_utf8 for text that is not UTF-8.
template <class Sink>
error write_string(Sink& out, std::string_view s) {
    out.push_back('"');
    auto* p = reinterpret_cast<const unsigned char*>(s.data());
    auto* const end = p + s.size();
    auto* run = p;
    auto flush = [&] { out.append(reinterpret_cast<const char*>(run), static_cast<std::size_t>(p - run)); };
    while (p < end) {
        if (!string_byte_needs_check[*p]) {
            ++p;
            continue;
        }
        const unsigned char c = *p;
        if (c >= 0x80) {
            const std::size_t n = utf8_sequence_length(p, end);
            if (n == 0) return error::invalid_utf8;
            if (c == 0xC2 && p[1] <= 0x9F) {  // C1 control U+0080–U+009F
                flush();
                write_hex_escape(out, p[1]);
                p += 2;
                run = p;
                continue;
            }
            p += n;
            continue;
        }
        flush();
        switch (c) {
        case '"': out.append("\\\"", 2); break;
        case '\\': out.append("\\\\", 2); break;
        case '\n': out.append("\\n", 2); break;
        case '\t': out.append("\\t", 2); break;
        case '\r': out.append("\\r", 2); break;
        default: write_hex_escape(out, c); break;
        }
        ++p;
        run = p;
    }
    flush();
    out.push_back('"');
    return error{};
}

/// Writes the canonical text of an atom. Containers are not atoms and are
/// left to the caller. Returns error::non_finite_float or error::invalid_utf8.
template <class Sink>
error write_atom(Sink& out, const value& v) {
    switch (v.type()) {
    case kind::nil: out.append("nil", 3); return error{};
    case kind::boolean:
        if (v.as_bool()) out.append("true", 4);
        else out.append("false", 5);
        return error{};
    case kind::integer: {
        char buf[24];
        const auto r = std::to_chars(buf, buf + sizeof buf, v.as_int());
        out.append(buf, static_cast<std::size_t>(r.ptr - buf));
        return error{};
    }
    case kind::floating: {
        const double d = v.as_float();
        if (!std::isfinite(d)) return error::non_finite_float;
        char buf[ecma_float_max_chars];
        out.append(buf, static_cast<std::size_t>(write_ecma_float(buf, d) - buf));
        return error{};
    }
    case kind::string: return write_string(out, v.text());
    case kind::keyword: out.push_back(':'); [[fallthrough]];
    case kind::symbol: {
        const auto t = v.text();
        out.append(t.data(), t.size());
        return error{};
    }
    case kind::list:
    case kind::dict: break;
    }
    return error::wrong_kind;
}

} // namespace sxtp::sx::detail

#endif
