// sxtp/typed/handler.hpp — what a handler for an endpoint returns, and the
// trait the server uses to check a handler against its endpoint.
//
//   sxtp::reply<get_post> r = post{…};                        // success
//   sxtp::reply<get_post> r = post_not_found{"x"};            // a declared condition
//   sxtp::reply<get_post> r = {post_not_found{"x"}, "No such post"};
//
// A handler for endpoint E is callable as
//     handler(const typename E::params&, const typename E::body&, Context&)
// and returns E::result, reply<E>, or an awaitable (boost::asio::awaitable)
// of either. Context is the server's per-call context; `handler_check<E, F,
// Context>` states each rule as a sentence.
#ifndef SXTP_TYPED_HANDLER_HPP
#define SXTP_TYPED_HANDLER_HPP

#include <sxtp/typed/endpoint.hpp>
#include <sxtp/wire/condition.hpp>

#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <variant>

namespace boost::asio {
template <typename T, typename Executor>
class awaitable;
} // namespace boost::asio

namespace sxtp {

namespace detail {
template <class C, class Raises>
struct is_raised : std::false_type {};
template <class C, class... Cs>
struct is_raised<C, raises<Cs...>> : std::bool_constant<(std::is_same_v<C, Cs> || ...)> {};
} // namespace detail

/// The outcome of a call of endpoint E: its result, or one of the conditions
/// E declares in `raises` (with the status that condition declares).
template <class E>
class reply {
public:
    using result_type = typename E::result;
    /// A value-initialized result (as std::expected does; Asio needs it to co_spawn a call).
    reply()
        requires std::default_initializable<result_type>
    = default;

    reply(result_type r) : v_(std::move(r)) {}
    /// A declared condition; a condition E does not declare fails to compile.
    template <class C>
        requires condition_type<C>
    reply(const C& c, std::optional<std::string> message = std::nullopt) : status_(status_of<C>()), v_(make_condition(c, std::move(message))) {
        static_assert(detail::is_raised<C, typename E::raises>::value,
                      "sxtp::reply<E>: this condition is not declared by the endpoint; add it to the endpoint's using raises = sxtp::raises<...>");
    }

    /// An answer as it came from the wire: `c` may be any condition,
    /// framework ones (overloaded, deadline-exceeded, …) included.
    static reply from_wire(status_code s, sxtp::condition c) {
        reply r(wire_tag{}, std::move(c));
        r.status_ = s;
        return r;
    }

    bool ok() const noexcept { return v_.index() == 0; }
    /// The status to answer with: E::success, or the condition's status.
    status_code status() const noexcept { return ok() ? E::success : status_; }
    const result_type& value() const { return std::get<0>(v_); }
    result_type& value() { return std::get<0>(v_); }
    const sxtp::condition& condition() const { return std::get<1>(v_); }

private:
    struct wire_tag {};
    reply(wire_tag, sxtp::condition c) : v_(std::in_place_index<1>, std::move(c)) {}

    status_code status_ = E::success;
    std::variant<result_type, sxtp::condition> v_;
};

namespace detail {
template <class T>
struct awaited {
    using type = T;
};
template <class T, class Ex>
struct awaited<boost::asio::awaitable<T, Ex>> {
    using type = T;
};
} // namespace detail

/// Checks a handler type against endpoint E for a server whose per-call
/// context is Context.
template <class E, class F, class Context>
struct handler_check {
    static_assert(endpoint_check<E>::ok);
    static constexpr bool invocable =
        std::is_invocable_v<F&, const typename E::params&, const typename E::body&, Context&>;
    static_assert(invocable,
                  "sxtp: the handler does not match its endpoint: it must be callable as "
                  "handler(const E::params&, const E::body&, context&)");
    using returned = typename detail::awaited<std::remove_cvref_t<
        std::invoke_result_t<F&, const typename E::params&, const typename E::body&, Context&>>>::type;
    static_assert(std::is_same_v<returned, typename E::result> || std::is_same_v<returned, reply<E>>,
                  "sxtp: the handler does not match its endpoint: it must return E::result or sxtp::reply<E> "
                  "(or an awaitable of either)");
    static constexpr bool ok = true;
};

/// A handler that passes handler_check.
template <class F, class E, class Context>
concept handler_for = handler_check<E, F, Context>::ok;

} // namespace sxtp

#endif
