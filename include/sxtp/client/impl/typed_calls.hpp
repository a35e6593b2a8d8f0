// Definitions for sxtp/client/client.hpp: the typed calls (templates, in
// every translation unit that makes them, also under
// SXTP_SEPARATE_COMPILATION).
#ifndef SXTP_CLIENT_IMPL_TYPED_CALLS_HPP
#define SXTP_CLIENT_IMPL_TYPED_CALLS_HPP

namespace sxtp {

template <class E>
boost::asio::awaitable<reply<E>> client::call_typed(typename E::params params, typename E::body body, call_options opts) {
    response r = co_await call_raw_as(make_request<E>(params, body), std::move(opts), std::string_view(E::path));
    co_return to_reply<E>(std::move(r));
}

template <class E>
inline reply<E> client::to_reply(response r) {
    if (!r.status.is_success()) {
        if (auto c = condition_of(r)) return reply<E>::from_wire(r.status.code(), std::move(*c));
        condition c;
        c.type = sx::symbol(std::string(r.status.name()));
        c.message = "a non-success answer without a condition";
        return reply<E>::from_wire(r.status.code(), std::move(c));
    }
    if constexpr (std::is_same_v<typename E::result, no_result>) {
        return reply<E>(no_result{});
    } else {
        static const sx::value nil;
        auto v = typed::try_from_sx<typename E::result>(r.body ? *r.body : nil);  // (a ternary with a temporary would copy the body)
        if (!v)
            return reply<E>::from_wire(status_code::invalid,
                                       make_condition(conditions::malformed_result{v.error().path_string(), v.error().message()},
                                                      "the answer does not match the endpoint's result: " + v.error().message()));
        return reply<E>(std::move(*v));
    }
}

} // namespace sxtp

#endif
