// Character classes of the SX reader (SPEC §1), shared by the reader, the
// name validators and the printer.
#ifndef SXTP_SX_DETAIL_CHAR_CLASS_HPP
#define SXTP_SX_DETAIL_CHAR_CLASS_HPP

#include <array>
#include <bit>
#include <cstdint>
#include <cstring>
#include <string_view>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace sxtp::sx::detail {

enum char_class : std::uint8_t {
    cc_symbol = 1,        // may appear in a symbol, keyword or number token
    cc_digit = 2,
    cc_space = 4,         // space, tab, CR, LF
    cc_string_plain = 8,  // ASCII accepted raw inside a string literal: printable, DEL, tab, CR, LF
};

constexpr std::array<std::uint8_t, 256> make_char_classes() {
    std::array<std::uint8_t, 256> t{};
    for (int c = 'a'; c <= 'z'; ++c) t[c] |= cc_symbol;
    for (int c = 'A'; c <= 'Z'; ++c) t[c] |= cc_symbol;
    for (int c = '0'; c <= '9'; ++c) t[c] |= cc_symbol | cc_digit;
    for (char c : std::string_view("~!$%&*+-./<=>?@^_|:#")) t[static_cast<unsigned char>(c)] |= cc_symbol;
    for (char c : std::string_view(" \t\r\n")) t[static_cast<unsigned char>(c)] |= cc_space;
    for (int c = 0x20; c <= 0x7F; ++c)
        if (c != '"' && c != '\\') t[c] |= cc_string_plain;
    t['\t'] |= cc_string_plain;
    t['\n'] |= cc_string_plain;
    t['\r'] |= cc_string_plain;
    return t;
}

inline constexpr std::array<std::uint8_t, 256> char_classes = make_char_classes();

constexpr bool has_class(char c, char_class cls) noexcept {
    return (char_classes[static_cast<unsigned char>(c)] & cls) != 0;
}
constexpr bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }

/// SPEC §1: a token that begins with a digit, or with `+`, `-` or `.` followed
/// by a digit, must be a number.
constexpr bool starts_like_number(const char* p, const char* end) noexcept {
    if (p == end) return false;
    if (is_digit(*p)) return true;
    return (*p == '+' || *p == '-' || *p == '.') && end - p > 1 && is_digit(p[1]);
}
constexpr bool starts_like_number(std::string_view tok) noexcept { return starts_like_number(tok.data(), tok.data() + tok.size()); }

constexpr bool all_symbol_chars(std::string_view s) noexcept {
    for (char c : s)
        if (!has_class(c, cc_symbol)) return false;
    return true;
}

/// A byte the string scans stop at: not printable ASCII, or `"` or `\\`
/// (with `StopAtDel` also DEL; with `StopAtHigh` any byte >= 0x80, else only
/// 0xC2, the lead byte of a C1 control).
template <bool StopAtDel, bool StopAtHigh>
constexpr bool is_string_stop(unsigned char c) noexcept {
    return c < 0x20 || c == '"' || c == '\\' || (StopAtDel && c == 0x7F) || (StopAtHigh ? c >= 0x80 : c == 0xC2);
}

/// Index of the first of the eight bytes at `p` that is not printable ASCII
/// other than `"` and `\\` (and, with `StopAtDel`, other than DEL; with
/// `StopAtHigh` any byte >= 0x80 stops, else only 0xC2, the lead byte of a C1
/// control); 8 when there is none.
template <bool StopAtDel, bool StopAtHigh>
[[gnu::always_inline]] inline std::ptrdiff_t first_string_stop8(const char* p) noexcept {
    if constexpr (std::endian::native == std::endian::little) {
        constexpr std::uint64_t ones = 0x0101010101010101ULL, highs = 0x8080808080808080ULL;
        auto has_byte = [&](std::uint64_t x, unsigned char c) {
            const std::uint64_t y = x ^ (c * ones);
            return (y - ones) & ~y & highs;
        };
        std::uint64_t x;
        std::memcpy(&x, p, 8);
        std::uint64_t found = ((x - 0x20 * ones) & ~x & highs) | has_byte(x, '"') | has_byte(x, '\\');
        if constexpr (StopAtDel) found |= has_byte(x, 0x7F);
        if constexpr (StopAtHigh) found |= x & highs;
        else found |= has_byte(x, 0xC2);
        // Borrows only run upwards, so the lowest flagged byte is exact.
        return found ? std::countr_zero(found) >> 3 : 8;
    } else {
        for (std::ptrdiff_t i = 0; i < 8; ++i)
            if (is_string_stop<StopAtDel, StopAtHigh>(static_cast<unsigned char>(p[i]))) return i;
        return 8;
    }
}

/// Bytes looked at per step by first_string_stop: sixteen where SSE2 is
/// (every x86-64), else eight.
#if defined(__SSE2__)
inline constexpr std::ptrdiff_t text_chunk = 16;
#else
inline constexpr std::ptrdiff_t text_chunk = 8;
#endif

#if defined(__SSE2__)
// first_string_stop8 over the sixteen bytes of `x`.
template <bool StopAtDel, bool StopAtHigh>
[[gnu::always_inline]] inline std::ptrdiff_t first_string_stop16(__m128i x) noexcept {
    __m128i stop = _mm_or_si128(_mm_cmpeq_epi8(_mm_subs_epu8(x, _mm_set1_epi8(0x1F)), _mm_setzero_si128()),  // < 0x20
                                _mm_or_si128(_mm_cmpeq_epi8(x, _mm_set1_epi8('"')), _mm_cmpeq_epi8(x, _mm_set1_epi8('\\'))));
    if constexpr (StopAtDel) stop = _mm_or_si128(stop, _mm_cmpeq_epi8(x, _mm_set1_epi8(0x7F)));
    if constexpr (StopAtHigh) stop = _mm_or_si128(stop, x);  // the sign bit: any byte >= 0x80
    else stop = _mm_or_si128(stop, _mm_cmpeq_epi8(x, _mm_set1_epi8(static_cast<char>(0xC2))));
    const unsigned mask = static_cast<unsigned>(_mm_movemask_epi8(stop));
    return mask ? std::countr_zero(mask) : 16;
}
#endif

/// As first_string_stop8, over the `text_chunk` bytes at `p`.
template <bool StopAtDel, bool StopAtHigh>
[[gnu::always_inline]] inline std::ptrdiff_t first_string_stop(const char* p) noexcept {
#if defined(__SSE2__)
    return first_string_stop16<StopAtDel, StopAtHigh>(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
#else
    return first_string_stop8<StopAtDel, StopAtHigh>(p);
#endif
}

/// first_string_stop, which also copies the `text_chunk` bytes at `p` to `o`.
template <bool StopAtDel, bool StopAtHigh>
[[gnu::always_inline]] inline std::ptrdiff_t copy_to_string_stop(const char* p, char* o) noexcept {
#if defined(__SSE2__)
    const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));  // one load: the compiler cannot know o and p do not alias
    _mm_storeu_si128(reinterpret_cast<__m128i*>(o), x);
    return first_string_stop16<StopAtDel, StopAtHigh>(x);
#else
    const std::ptrdiff_t i = first_string_stop8<StopAtDel, StopAtHigh>(p);
    std::memcpy(o, p, 8);
    return i;
#endif
}

/// Skips, `text_chunk` then eight bytes at a time, bytes that are printable
/// ASCII other than `"` and `\\` (see first_string_stop8). Returns the first
/// byte that is not, or a position less than 8 bytes from `end`; the caller
/// finishes byte by byte.
template <bool StopAtDel, bool StopAtHigh = true>
inline const char* skip_plain_ascii_words(const char* p, const char* end) noexcept {
    while (end - p >= text_chunk) {
        const std::ptrdiff_t i = first_string_stop<StopAtDel, StopAtHigh>(p);
        if (i < text_chunk) return p + i;
        p += text_chunk;
    }
    if (text_chunk > 8 && end - p >= 8) {
        const std::ptrdiff_t i = first_string_stop8<StopAtDel, StopAtHigh>(p);
        p += i;
    }
    return p;
}

/// Reads up to `max` ASCII digits at `q` into `acc` (acc = 10 * acc + digit
/// for each), advancing `q`; `acc` must stay below 10^19 (`max` <= 18 with
/// acc 0). Eight bytes at a time where the input has them.
[[gnu::always_inline]] inline void read_digits(const char*& q, const char* end, std::uint64_t& acc, std::ptrdiff_t max) noexcept {
    if constexpr (std::endian::native == std::endian::little) {
        constexpr std::uint64_t ones = 0x0101010101010101ULL;
        // Eight digits, the first in the lowest byte, as a number (lanes of 2, 4, 8 digits).
        auto combine = [](std::uint64_t v) {
            v = (v * 10 + (v >> 8)) & 0x00FF00FF00FF00FFULL;
            v = (v * 100 + (v >> 16)) & 0x0000FFFF0000FFFFULL;
            return (v * 10000 + (v >> 32)) & 0xFFFFFFFFULL;
        };
        while (max >= 8 && end - q >= 8) {
            std::uint64_t x;
            std::memcpy(&x, q, 8);
            // Each byte minus '0' (borrows only run upwards, past the first
            // non-digit); a digit leaves 0–9, which adding 0x76 keeps below 0x80.
            const std::uint64_t t = x - 0x30 * ones;
            const std::uint64_t other = (t | (t + 0x76 * ones)) & (0x80 * ones);
            if (other) {
                const int n = std::countr_zero(other) >> 3;
                if (n == 0) return;
                constexpr std::uint64_t scale[8] = {1, 10, 100, 1000, 10000, 100000, 1000000, 10000000};
                acc = acc * scale[n] + combine(t << (8 * (8 - n)));  // the n digits, behind leading zeros
                q += n;
                return;
            }
            acc = acc * 100000000 + combine(t);
            q += 8;
            max -= 8;
        }
    }
    for (; max > 0 && q < end && is_digit(*q); --max) acc = acc * 10 + static_cast<unsigned>(*q++ - '0');
}

/// The first byte at or after `p` that cannot be part of a symbol, keyword or
/// number token (a byte without cc_symbol), eight bytes at a time.
[[gnu::always_inline]] inline const char* skip_symbol_chars(const char* p, const char* end) noexcept {
#if defined(__SSE2__)
    // Symbol bytes are 0x21–0x7E except " ' ( ) , ; [ \ ] ` { }.
    while (end - p >= 16) {
        const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
        auto eq = [&](__m128i y, char c) { return _mm_cmpeq_epi8(y, _mm_set1_epi8(c)); };
        const __m128i folded = _mm_and_si128(x, _mm_set1_epi8(static_cast<char>(0xDF)));  // [ and {, ] and }
        const __m128i paired = _mm_and_si128(x, _mm_set1_epi8(static_cast<char>(0xFE)));  // ( and )
        __m128i stop = _mm_cmpeq_epi8(_mm_subs_epu8(x, _mm_set1_epi8(0x20)), _mm_setzero_si128());  // <= 0x20
        stop = _mm_or_si128(stop, _mm_or_si128(eq(x, 0x7F), x));  // DEL, and the sign bit: >= 0x80
        stop = _mm_or_si128(stop, _mm_or_si128(eq(folded, '['), eq(folded, ']')));
        stop = _mm_or_si128(stop, _mm_or_si128(eq(paired, '('), eq(x, '"')));
        stop = _mm_or_si128(stop, _mm_or_si128(eq(x, '\''), eq(x, ',')));
        stop = _mm_or_si128(stop, _mm_or_si128(eq(x, ';'), eq(x, '\\')));
        stop = _mm_or_si128(stop, eq(x, '`'));
        if (const unsigned mask = static_cast<unsigned>(_mm_movemask_epi8(stop))) return p + std::countr_zero(mask);
        p += 16;
    }
#endif
    if constexpr (std::endian::native == std::endian::little) {
        constexpr std::uint64_t ones = 0x0101010101010101ULL, highs = 0x8080808080808080ULL;
        auto has_byte = [&](std::uint64_t x, unsigned char c) {
            const std::uint64_t y = x ^ (c * ones);
            return (y - ones) & ~y & highs;
        };
        // Symbol bytes are 0x21–0x7E except " ' ( ) , ; [ \ ] ` { }.
        while (end - p >= 8) {
            std::uint64_t x;
            std::memcpy(&x, p, 8);
            const std::uint64_t folded = x & (0xDF * ones);  // [ and {, ] and }
            const std::uint64_t stop = ((x - 0x21 * ones) & ~x & highs) | (x & highs) | has_byte(x, 0x7F) |
                                       has_byte(x & (0xFE * ones), '(') | has_byte(folded, '[') | has_byte(folded, ']') |
                                       has_byte(x, '"') | has_byte(x, '\'') | has_byte(x, ',') | has_byte(x, ';') |
                                       has_byte(x, '\\') | has_byte(x, '`');
            // Each test flags its lowest match exactly (borrows only run upwards).
            if (stop) return p + (std::countr_zero(stop) >> 3);
            p += 8;
        }
    }
    while (p < end && has_class(*p, cc_symbol)) ++p;
    return p;
}

/// The reader's scan over string text: the first byte that is not printable
/// ASCII other than `"`, `\\` and DEL.
inline const char* skip_plain_ascii(const char* p, const char* end) noexcept {
    p = skip_plain_ascii_words<true>(p, end);
    while (p < end && !is_string_stop<true, true>(static_cast<unsigned char>(*p))) ++p;
    return p;
}

} // namespace sxtp::sx::detail

#endif
