// Floats in the canonical form: ECMAScript Number::toString digits and
// layout (SPEC §1), with ".0" appended to integral-looking text.
#ifndef SXTP_SX_DETAIL_ECMA_FLOAT_HPP
#define SXTP_SX_DETAIL_ECMA_FLOAT_HPP

#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>

namespace sxtp::sx::detail {

/// Enough for every finite double in this format (the longest is about 25).
inline constexpr std::size_t ecma_float_max_chars = 40;

/// For positive, non-integral d below 1e15: finds the smallest k in 1..15
/// and the integer m < 2^52 with m / 10^k == d (as doubles), which gives
/// the shortest round-trip digits of d, as ECMAScript wants them: fewer
/// fraction digits mean fewer significant digits, and as m < 2^52 the doubles
/// near d are closer together than 10^-k, so no other m fits the same k.
/// Reading "m e-k" back gives m / 10^k correctly rounded (both are exact
/// doubles), which is what is checked. False when no k fits.
inline bool short_decimal(double d, std::uint64_t& m_out, int& k_out) noexcept {
    static constexpr double powers[] = {1e0, 1e1, 1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                        1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15};
    constexpr double limit = 4503599627370496.0;  // 2^52
    for (int k = 1; k <= 15; ++k) {
        const double scaled = d * powers[k];
        if (!(scaled < limit)) return false;
        // The rounded product is within 0.25 of the exact d·10^k, so the m
        // that fits (if any) is its nearest integer or a neighbour.
        const auto r = static_cast<std::uint64_t>(scaled + 0.5);
        for (std::uint64_t m : {r, r - 1, r + 1}) {
            if (m != 0 && m < static_cast<std::uint64_t>(limit) && static_cast<double>(m) / powers[k] == d) {
                m_out = m;
                k_out = k;
                return true;
            }
        }
    }
    return false;
}

/// Writes finite `d` at `out` and returns the end. `out` must have
/// `ecma_float_max_chars` of room.
inline char* write_ecma_float(char* out, double d) noexcept {
    if (d == 0) {
        const char* z = std::signbit(d) ? "-0.0" : "0.0";
        const std::size_t n = std::strlen(z);
        std::memcpy(out, z, n);
        return out + n;
    }
    if (d < 0) {
        *out++ = '-';
        d = -d;
    }
    // Integral values below 2^53: their exact digits are the shortest (adjacent
    // doubles there are at most 1 apart), so no shortest-digits search is needed.
    if (d < 9007199254740992.0 && d == static_cast<double>(static_cast<std::int64_t>(d))) {
        out = std::to_chars(out, out + 20, static_cast<std::int64_t>(d)).ptr;
        *out++ = '.';
        *out++ = '0';
        return out;
    }
    // A short decimal (most floats in messages: 0.5, 19.99, 1.25e-3): the
    // fewest fraction digits that read back as d, found exactly.
    if (d >= 1e-6 && d < 1e15) {
        std::uint64_t m = 0;
        int k = 0;
        if (short_decimal(d, m, k)) {
            char digits[24];
            char* const e = std::to_chars(digits, digits + sizeof digits, m).ptr;
            const int len = static_cast<int>(e - digits);
            if (len > k) {  // d >= 1: "int.frac"
                std::memcpy(out, digits, static_cast<std::size_t>(len - k));
                out += len - k;
                *out++ = '.';
                std::memcpy(out, digits + (len - k), static_cast<std::size_t>(k));
                return out + k;
            }
            *out++ = '0';  // d < 1: "0.", zeros, digits
            *out++ = '.';
            for (int i = len; i < k; ++i) *out++ = '0';
            std::memcpy(out, digits, static_cast<std::size_t>(len));
            return out + len;
        }
    }
    // The shortest round-trip digits, in scientific layout: "d[.ddd]e±x".
    char sci[32];
    const auto res = std::to_chars(sci, sci + sizeof sci, d, std::chars_format::scientific);
    char digits[20];
    int k = 0;
    const char* p = sci;
    for (; p < res.ptr && *p != 'e'; ++p)
        if (*p != '.') digits[k++] = *p;
    int exp10 = 0;
    std::from_chars(p + 1 + (p[1] == '+'), res.ptr, exp10);
    const int n = exp10 + 1;  // ECMAScript's n: value = 0.digits × 10^n

    auto put = [&](const char* s, int len) { std::memcpy(out, s, static_cast<std::size_t>(len)); out += len; };
    if (k <= n && n <= 21) {
        put(digits, k);
        for (int i = k; i < n; ++i) *out++ = '0';
        put(".0", 2);
    } else if (0 < n && n <= 21) {
        put(digits, n);
        *out++ = '.';
        put(digits + n, k - n);
    } else if (-6 < n && n <= 0) {
        put("0.", 2);
        for (int i = 0; i < -n; ++i) *out++ = '0';
        put(digits, k);
    } else {
        *out++ = digits[0];
        if (k > 1) {
            *out++ = '.';
            put(digits + 1, k - 1);
        }
        *out++ = 'e';
        *out++ = n - 1 < 0 ? '-' : '+';
        out = std::to_chars(out, out + 8, n - 1 < 0 ? 1 - n : n - 1).ptr;
    }
    return out;
}

} // namespace sxtp::sx::detail

#endif
