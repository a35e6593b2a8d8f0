// int64 arithmetic that clamps to the type's ends instead of overflowing:
// for times and lifetimes a peer chooses (`:time`, `:expires`, `:max-age`),
// where a signed overflow would be undefined behaviour.
#ifndef SXTP_DETAIL_SATURATING_HPP
#define SXTP_DETAIL_SATURATING_HPP

#include <cstdint>
#include <limits>

namespace sxtp::detail {

/// a + b, clamped to [INT64_MIN, INT64_MAX].
constexpr std::int64_t saturating_add(std::int64_t a, std::int64_t b) noexcept {
    std::int64_t r = 0;
    if (!__builtin_add_overflow(a, b, &r)) return r;
    return b > 0 ? std::numeric_limits<std::int64_t>::max() : std::numeric_limits<std::int64_t>::min();
}

/// a - b, clamped to [INT64_MIN, INT64_MAX].
constexpr std::int64_t saturating_sub(std::int64_t a, std::int64_t b) noexcept {
    std::int64_t r = 0;
    if (!__builtin_sub_overflow(a, b, &r)) return r;
    return b < 0 ? std::numeric_limits<std::int64_t>::max() : std::numeric_limits<std::int64_t>::min();
}

} // namespace sxtp::detail

#endif
