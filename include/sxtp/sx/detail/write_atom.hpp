// Canonical text of atoms (SPEC §1), written through a buffered_writer.
#ifndef SXTP_SX_DETAIL_WRITE_ATOM_HPP
#define SXTP_SX_DETAIL_WRITE_ATOM_HPP

#include <sxtp/sx/detail/buffered_writer.hpp>
#include <sxtp/sx/detail/char_class.hpp>
#include <sxtp/sx/detail/ecma_float.hpp>
#include <sxtp/sx/detail/utf8.hpp>
#include <sxtp/sx/value.hpp>

#include <array>
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

// As string_byte_needs_check, for text known to be UTF-8: of the bytes at
// or above 0x80 only 0xC2 (the lead byte of a C1 control) needs a look.
inline constexpr auto trusted_byte_needs_check = [] {
    std::array<std::uint8_t, 256> t{};
    for (int c = 0; c < 0x20; ++c) t[c] = 1;
    t['"'] = t['\\'] = t[0x7F] = t[0xC2] = 1;
    return t;
}();

// Writes the escaped form of the special byte(s) at `p` (see
// string_byte_needs_check) to `o`; advances both. False: not UTF-8. With
// `Trusted` the text is known to be UTF-8 and only C1 controls are looked at.
template <bool Trusted>
bool write_special(const unsigned char*& p, const unsigned char* end, char*& o) noexcept {
    constexpr char hex[] = "0123456789abcdef";
    auto hex_escape = [&](unsigned c) {
        const char e[6] = {'\\', 'u', '0', '0', hex[(c >> 4) & 0xF], hex[c & 0xF]};
        std::memcpy(o, e, 6);
        o += 6;
    };
    const unsigned char c = *p;
    if (Trusted && c >= 0x80) {
        if (c == 0xC2 && p[1] <= 0x9F) {
            hex_escape(p[1]);
            p += 2;
        } else {
            *o++ = static_cast<char>(c);
            ++p;
        }
        return true;
    }
    if (c >= 0x80) {
        const std::size_t n = utf8_sequence_length(p, end);
        if (n == 0) return false;
        if (c == 0xC2 && p[1] <= 0x9F) {  // C1 control U+0080–U+009F
            hex_escape(p[1]);
        } else {
            std::memcpy(o, p, n);
            o += n;
        }
        p += n;
        return true;
    }
    switch (c) {
    case '"': *o++ = '\\'; *o++ = '"'; break;
    case '\\': *o++ = '\\'; *o++ = '\\'; break;
    case '\n': *o++ = '\\'; *o++ = 'n'; break;
    case '\t': *o++ = '\\'; *o++ = 't'; break;
    case '\r': *o++ = '\\'; *o++ = 'r'; break;
    default: hex_escape(c); break;
    }
    ++p;
    return true;
}

/// Writes a quoted, canonically escaped string. Escapes `"`, `\` and every
/// Unicode control character (U+0000–U+001F, U+007F–U+009F); the rest is raw
/// UTF-8. Returns error::invalid_utf8 for text that is not UTF-8; with
/// `Trusted` the caller vouches that it is.
template <class Writer, bool Trusted = false>
error write_string(Writer& out, std::string_view s) {
    auto* p = reinterpret_cast<const unsigned char*>(s.data());
    auto* const end = p + s.size();
    auto skip = [&](const unsigned char* q) {
        q = reinterpret_cast<const unsigned char*>(
            skip_plain_ascii_words<true, !Trusted>(reinterpret_cast<const char*>(q), reinterpret_cast<const char*>(end)));
        constexpr const auto& needs_check = Trusted ? trusted_byte_needs_check : string_byte_needs_check;
        while (q < end && !needs_check[*q]) ++q;
        return q;
    };
    // Output is at most 6 bytes per input byte (a \u00XX escape), plus quotes;
    // write it in pieces whose worst case fits the writer's room.
    constexpr std::size_t piece = (Writer::max_room - 2) / 6;
    out.put('"');
    while (p < end) {
        const unsigned char* const piece_end = end - p > static_cast<std::ptrdiff_t>(piece) ? p + piece : end;
        char* const first = out.room(static_cast<std::size_t>(piece_end - p) * 6 + 4);
        char* o = first;
        while (p < piece_end) {
            const unsigned char* q = skip(p);
            if (q > piece_end) q = piece_end;
            std::memcpy(o, p, static_cast<std::size_t>(q - p));
            o += q - p;
            p = q;
            if (p < piece_end && !write_special<Trusted>(p, end, o)) return error::invalid_utf8;
        }
        out.commit(o);
    }
    out.put('"');
    return error{};
}

template <class Writer>
error write_atom_general(Writer& out, const value& v, bool sep);

/// Writes the canonical text of an atom, preceded by a space when `sep`.
/// Containers are not atoms and are left to the caller. Returns
/// error::non_finite_float or error::invalid_utf8.
///
/// The common atoms (short names, integers, short strings the reader found
/// free of escapes) are written here, inline; the rest in write_atom_general.
template <class Writer>
inline error write_atom(Writer& out, const value& v, bool sep = false) {
    using va = value_access;
    switch (v.type()) {
    case kind::keyword:
    case kind::symbol:
        if (!va::heap_text(v)) {
            char* o = out.room(va::inline_capacity + 2);
            *o = ' ';
            o += sep;
            *o = ':';
            o += v.is_keyword();
            std::memcpy(o, va::inline_data(v), va::inline_capacity);
            out.commit(o + va::inline_size(v));
            return error{};
        }
        break;
    case kind::integer: {
        char* o = out.room(25);
        *o = ' ';
        o += sep;
        out.commit(std::to_chars(o, o + 24, v.as_int()).ptr);
        return error{};
    }
    case kind::string:
        if ((va::text_flags(v) & va::no_escapes) && !va::heap_text(v)) {
            char* o = out.room(va::inline_capacity + 3);
            *o = ' ';
            o += sep;
            *o++ = '"';
            std::memcpy(o, va::inline_data(v), va::inline_capacity);
            o += va::inline_size(v);
            *o++ = '"';
            out.commit(o);
            return error{};
        }
        break;
    default: break;
    }
    return write_atom_general(out, v, sep);
}

template <class Writer>
error write_atom_general(Writer& out, const value& v, bool sep) {
    using va = value_access;
    switch (v.type()) {
    case kind::nil:
    case kind::boolean: {
        const std::string_view t = v.is_nil() ? "nil" : v.as_bool() ? "true" : "false";
        char* o = out.room(6);
        *o = ' ';
        o += sep;
        std::memcpy(o, t.data(), t.size());
        out.commit(o + t.size());
        return error{};
    }
    case kind::floating: {
        const double d = v.as_float();
        if (!std::isfinite(d)) return error::non_finite_float;
        char* o = out.room(ecma_float_max_chars + 1);
        *o = ' ';
        out.commit(write_ecma_float(o + sep, d));
        return error{};
    }
    case kind::string: {
        const std::uint8_t flags = va::text_flags(v);
        if (flags & va::no_escapes) {  // checked by the reader: a plain copy
            const std::string_view t = v.text();
            char* o = out.room(std::min<std::size_t>(t.size(), Writer::max_room - 3) + 3);
            *o = ' ';
            o += sep;
            *o++ = '"';
            if (t.size() + 3 <= Writer::max_room) {
                std::memcpy(o, t.data(), t.size());
                out.commit(o + t.size());
            } else {
                out.commit(o);
                out.put(t.data(), t.size());
            }
            out.put('"');
            return error{};
        }
        if (flags & va::verified_utf8) {
            if (sep) out.put(' ');
            return write_string<Writer, true>(out, v.text());
        }
        if (!va::heap_text(v)) {  // short: copy whole when nothing needs escaping
            const char* t = va::inline_data(v);
            const std::size_t n = va::inline_size(v);
            bool plain = true;
            for (std::size_t i = 0; i < n; ++i) plain &= !string_byte_needs_check[static_cast<unsigned char>(t[i])];
            if (plain) {
                char* o = out.room(va::inline_capacity + 3);
                *o = ' ';
                o += sep;
                *o++ = '"';
                std::memcpy(o, t, va::inline_capacity);
                o += n;
                *o++ = '"';
                out.commit(o);
                return error{};
            }
        }
        if (sep) out.put(' ');
        return write_string(out, v.text());
    }
    case kind::keyword:
    case kind::symbol: {
        // Long names only: write_atom writes inline ones itself.
        const auto t = v.text();
        if (sep) out.put(' ');
        if (v.is_keyword()) out.put(':');
        out.put(t.data(), t.size());
        return error{};
    }
    case kind::integer: break;  // always written by write_atom
    case kind::list:
    case kind::dict: break;
    }
    return error::wrong_kind;
}

// Text of an atom for key ordering; non-finite floats get a stable stand-in.
inline std::string canonical_key_text(const value& v) {
    std::string s;
    string_writer w(s);
    const error e = write_atom(w, v);
    w.flush();
    if (e != error{}) s = v.is_float() ? "~nonfinite" : "";
    return s;
}

} // namespace sxtp::sx::detail

#endif
