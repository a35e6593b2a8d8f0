// sxtp/typed/fixed_string.hpp — compile-time strings as template arguments
// (verbs, paths, keyword and condition names).
#ifndef SXTP_TYPED_FIXED_STRING_HPP
#define SXTP_TYPED_FIXED_STRING_HPP

#include <cstddef>
#include <string_view>

namespace sxtp {

/// A string literal usable as a template argument: `endpoint<"fetch", "/posts/{id}">`.
template <std::size_t N>
struct fixed_string {
    char chars[N]{};
    constexpr fixed_string(const char (&s)[N]) {
        for (std::size_t i = 0; i < N; ++i) chars[i] = s[i];
    }
    constexpr std::string_view view() const { return {chars, N - 1}; }
    constexpr operator std::string_view() const { return view(); }
    static constexpr std::size_t size() { return N - 1; }
};

} // namespace sxtp

#endif
