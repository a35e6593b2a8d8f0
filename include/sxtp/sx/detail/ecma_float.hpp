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
