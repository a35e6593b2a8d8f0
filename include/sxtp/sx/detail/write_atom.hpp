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

// The canonical escape of each ASCII byte that string_byte_needs_check
// flags: `\"`, `\\`, `\n`, `\t`, `\r`, else `\u00XX`.
struct ascii_escape {
    char text[6];
    std::uint8_t size;
};
inline constexpr auto ascii_escapes = [] {
    constexpr char hex[] = "0123456789abcdef";
    std::array<ascii_escape, 128> t{};
    for (int c = 0; c < 128; ++c) t[c] = {{'\\', 'u', '0', '0', hex[c >> 4], hex[c & 0xF]}, 6};
    t['"'] = {{'\\', '"'}, 2};
    t['\\'] = {{'\\', '\\'}, 2};
    t['\n'] = {{'\\', 'n'}, 2};
    t['\t'] = {{'\\', 't'}, 2};
    t['\r'] = {{'\\', 'r'}, 2};
    return t;
}();

// Writes the escaped form of the special byte(s) at `p` (see
// string_byte_needs_check) to `o`, which has room for 8 bytes; advances both.
// False: not UTF-8. With `Trusted` the text is known to be UTF-8 and of the
// bytes at or above 0x80 only C1 controls are looked at.
template <bool Trusted>
[[gnu::always_inline]] inline bool write_special(const unsigned char*& p, const unsigned char* end, char*& o) noexcept {
    const unsigned char c = *p;
    if (c < 0x80) {
        std::memcpy(o, ascii_escapes[c].text, 6);
        o += ascii_escapes[c].size;
        ++p;
        return true;
    }
    std::size_t n = 2;
    if (!Trusted) {
        n = utf8_sequence_length(p, end);
        if (n == 0) return false;
    }
    if (c == 0xC2 && p[1] <= 0x9F) {  // C1 control U+0080–U+009F
        std::memcpy(o, ascii_escapes[0].text, 4);  // \u00
        o[4] = "0123456789abcdef"[p[1] >> 4];
        o[5] = "0123456789abcdef"[p[1] & 0xF];
        o += 6;
        p += 2;
    } else if (Trusted) {  // another lead byte: its sequence follows as it is
        *o++ = static_cast<char>(c);
        ++p;
    } else {
        std::memcpy(o, p, n);
        o += n;
        p += n;
    }
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
    constexpr const auto& needs_check = Trusted ? trusted_byte_needs_check : string_byte_needs_check;
    // Output is at most 6 bytes per input byte (a \u00XX escape), plus quotes;
    // write it in pieces whose worst case (with slack for whole-chunk stores
    // and an escape that starts in the last chunk) fits the writer's room.
    constexpr std::size_t slack = 2 * text_chunk + 8;
    constexpr std::size_t piece = (Writer::max_room - slack) / 6;
    static_assert(piece >= 16);
    out.put('"');
    while (p < end) {
        const unsigned char* const piece_end = end - p > static_cast<std::ptrdiff_t>(piece) ? p + piece : end;
        char* o = out.room(static_cast<std::size_t>(piece_end - p) * 6 + slack);
        while (p < piece_end) {
            if (end - p >= text_chunk) {
                // Copy a whole chunk, then keep what precedes its first special byte.
                const std::ptrdiff_t i = copy_to_string_stop<true, !Trusted>(reinterpret_cast<const char*>(p), o);
                p += i;
                o += i;
                if (i == text_chunk) continue;
            } else if (!needs_check[*p]) {
                *o++ = static_cast<char>(*p++);
                continue;
            }
            if (!write_special<Trusted>(p, end, o)) return error::invalid_utf8;
        }
        out.commit(o);
    }
    out.put('"');
    return error{};
}

/// Writes a string the reader found free of escapes at `o` when it fits
/// before `lim`, preceded by a space when `sep`, and advances `o`. False
/// otherwise (nothing is written then).
[[gnu::always_inline]] inline bool write_plain_string(char*& o, const char* lim, const value& v, bool sep) noexcept {
    using va = value_access;
    if (!v.is_string() || !(va::text_flags(v) & va::no_escapes)) return false;
    const std::string_view t = v.text();
    if (static_cast<std::size_t>(lim - o) < t.size() + 3) return false;
    char* q = o;
    *q = ' ';
    q += sep;
    *q++ = '"';
    std::memcpy(q, t.data(), t.size());
    q += t.size();
    *q++ = '"';
    o = q;
    return true;
}

// Copies all inline_capacity bytes of v's inline text to `o`: both words are
// loaded before either is stored (a plain memcpy would reload the second
// after the first store, which might alias it for all the compiler knows).
[[gnu::always_inline]] inline void copy_inline_text(char* o, const value& v) noexcept {
    using va = value_access;
    static_assert(va::inline_capacity == 14);
    std::uint64_t a, b;
    std::memcpy(&a, va::inline_data(v), 8);
    std::memcpy(&b, va::inline_data(v) + 6, 8);
    std::memcpy(o, &a, 8);
    std::memcpy(o + 6, &b, 8);
}

// Writes v's inline text in quotes at `q` (room for inline_capacity + 2
// bytes); returns the end.
[[gnu::always_inline]] inline char* quote_inline_text(char* q, const value& v) noexcept {
    *q++ = '"';
    copy_inline_text(q, v);
    q += value_access::inline_size(v);
    *q++ = '"';
    return q;
}

/// Room that write_short_atom needs at its output.
inline constexpr std::size_t short_atom_room = 32;

/// Writes the common atoms — inline names, integers, and inline strings the
/// reader found free of escapes — at `o` (which has `short_atom_room` bytes
/// of room), preceded by a space when `sep`, and advances `o`. False when
/// `v` is not one of them (nothing is written then).
[[gnu::always_inline]] inline bool write_short_atom(char*& o, const value& v, bool sep) noexcept {
    using va = value_access;
    char* q = o;
    *q = ' ';
    q += sep;
    switch (v.type()) {
    case kind::keyword:
    case kind::symbol:
        if (va::heap_text(v)) return false;
        *q = ':';
        q += v.is_keyword();
        copy_inline_text(q, v);
        o = q + va::inline_size(v);
        return true;
    case kind::integer:
        o = std::to_chars(q, q + 24, v.as_int()).ptr;
        return true;
    case kind::string:
        if (!(va::text_flags(v) & va::no_escapes) || va::heap_text(v)) return false;
        o = quote_inline_text(q, v);
        return true;
    default: return false;
    }
}

template <class Writer>
error write_atom_general(Writer& out, const value& v, bool sep);

/// Writes the canonical text of an atom, preceded by a space when `sep`.
/// Containers are not atoms and are left to the caller. Returns
/// error::non_finite_float or error::invalid_utf8.
template <class Writer>
inline error write_atom(Writer& out, const value& v, bool sep = false) {
    char* o = out.room(short_atom_room);
    if (write_short_atom(o, v, sep)) {
        out.commit(o);
        return error{};
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
            if (write_plain_string(o, out.limit(), v, sep)) {
                out.commit(o);
                return error{};
            }
            if (sep) out.put(' ');  // longer than the writer's room
            out.put('"');
            out.put(t.data(), t.size());
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
                out.commit(quote_inline_text(o + sep, v));
                return error{};
            }
        }
        if (sep) out.put(' ');
        return write_string(out, v.text());
    }
    case kind::keyword:
    case kind::symbol: {
        // Long names only: write_short_atom writes inline ones.
        const auto t = v.text();
        if (sep) out.put(' ');
        if (v.is_keyword()) out.put(':');
        out.put(t.data(), t.size());
        return error{};
    }
    case kind::integer: break;  // always written by write_short_atom
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
