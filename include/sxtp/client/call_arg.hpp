// sxtp/client/call_arg.hpp — what client::call<E> and open<E> take: the
// params and body as typed::call_arg (built from braces inside the call,
// safe under g++ 12: see typed/call_arg.hpp) or as values, and the check
// behind the one error for arguments that fit no overload.
#ifndef SXTP_CLIENT_CALL_ARG_HPP
#define SXTP_CLIENT_CALL_ARG_HPP

#include <sxtp/client/options.hpp>
#include <sxtp/typed/call_arg.hpp>
#include <sxtp/rpc/endpoint.hpp>

#include <cstddef>
#include <tuple>
#include <type_traits>
#include <utility>

namespace sxtp {

/// Endpoint E takes a request body.
template <class E>
concept has_body = !std::is_same_v<typename E::body, no_body>;

namespace detail {
// A body given as a value or as a call_arg (the overload for params given as
// a value or designated initializers: its body parameter is deduced too, so
// that braces prefer the call_arg overload).
template <class B, class E>
concept body_value = exactly<B, typename E::body> || exactly<B, call_arg<typename E::body>>;

template <class E, class B>
typename E::body body_of(B&& b) {
    if constexpr (exactly<B, typename E::body>) return std::forward<B>(b);
    else {
        call_arg<typename E::body> a = std::forward<B>(b);
        return std::move(a).take();
    }
}

// Whether client::call<E>/open<E> take arguments of types A...: the
// typed overloads, stated once for the catch-all that says what fits.
template <class P, class A>
inline constexpr bool fits_params = std::is_convertible_v<A, call_arg<P>> || exactly<A, P>;

template <class E, class... A>
constexpr bool call_args_fit() {
    using args = std::tuple<A...>;
    constexpr std::size_t n = sizeof...(A);
    constexpr std::size_t needed = has_body<E> ? 2 : 1;
    if constexpr (n < needed || n > needed + 1) {
        return false;
    } else {
        bool ok = fits_params<typename E::params, std::tuple_element_t<0, args>>;
        if constexpr (has_body<E>) ok = ok && std::is_convertible_v<std::tuple_element_t<1, args>, call_arg<typename E::body>>;
        if constexpr (n > needed) ok = ok && std::is_convertible_v<std::tuple_element_t<n - 1, args>, call_options>;
        return ok;
    }
}
} // namespace detail

} // namespace sxtp

#endif
