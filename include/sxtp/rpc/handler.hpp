// sxtp/rpc/handler.hpp — what a handler for an endpoint returns, and the
// trait the server uses to check a handler against its endpoint.
//
//   sxtp::reply<get_post> r = post{…};                        // success
//   sxtp::reply<get_post> r = post_not_found{"x"};            // a declared condition
//   sxtp::reply<get_post> r = {post_not_found{"x"}, "No such post"};
//
// On the calling side a reply reads like std::expected:
//
//   auto r = co_await client.call<get_post>({7});
//   if (r) use(*r), use(r->title);
//   else if (auto nf = r.condition_as<post_not_found>()) …;   // a declared condition only
//   post p = r.value();   // throws sxtp::call_error (with the condition) when !r
//
// A handler for endpoint E takes what it uses of (params, body, context):
//     handler(const E::params&, const E::body&, Context&)
//     handler(const E::params&, Context&)   handler(const E::params&, const E::body&)
//     handler(const E::params&)
// and, for an endpoint without params, handler(body[, context]); without
// either, handler(context) or handler(). It returns E::result, reply<E>, or
// an awaitable (boost::asio::awaitable) of either. Context is the server's
// per-call context; `handler_check<E, F, Context>` states each rule as a
// sentence, and a mismatch is that one error.
#ifndef SXTP_RPC_HANDLER_HPP
#define SXTP_RPC_HANDLER_HPP

#include <sxtp/rpc/endpoint.hpp>
#include <sxtp/wire/condition.hpp>

#include <optional>
#include <stdexcept>
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

/// What reply<E>::value() throws when the call did not succeed: the
/// condition it answered, and its status. what() is "TYPE: MESSAGE".
class call_error : public std::runtime_error {
public:
    call_error(sxtp::condition c, status_code s)
        : std::runtime_error("sxtp: " + std::string(c.type.name()) + (c.message ? ": " + *c.message : std::string())), c_(std::move(c)), s_(s) {}
    const sxtp::condition& condition() const noexcept { return c_; }
    status_code status() const noexcept { return s_; }

private:
    sxtp::condition c_;
    status_code s_;
};

/// The outcome of a call of endpoint E: its result, or one of the conditions
/// E declares in `raises` (with the status that condition declares), or on
/// the calling side any condition the wire brought (framework ones too).
/// Reads like std::expected<E::result, condition>.
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
    bool has_value() const noexcept { return ok(); }
    explicit operator bool() const noexcept { return ok(); }
    /// The status to answer with: E::success, or the condition's status.
    status_code status() const noexcept { return ok() ? E::success : status_; }

    /// The result; throws call_error (carrying the condition) when there is none.
    const result_type& value() const& {
        check();
        return std::get<0>(v_);
    }
    result_type& value() & {
        check();
        return std::get<0>(v_);
    }
    result_type&& value() && {
        check();
        return std::get<0>(std::move(v_));
    }
    /// The result, or `fallback` when there is none.
    template <class U>
    result_type value_or(U&& fallback) const& {
        return ok() ? std::get<0>(v_) : static_cast<result_type>(std::forward<U>(fallback));
    }
    /// The result, unchecked (as std::expected: only when ok()).
    const result_type& operator*() const& noexcept { return *std::get_if<0>(&v_); }
    result_type& operator*() & noexcept { return *std::get_if<0>(&v_); }
    result_type&& operator*() && noexcept { return std::move(*std::get_if<0>(&v_)); }
    const result_type* operator->() const noexcept { return std::get_if<0>(&v_); }
    result_type* operator->() noexcept { return std::get_if<0>(&v_); }

    /// The condition; only when !ok() (throws std::bad_variant_access otherwise).
    const sxtp::condition& condition() const { return std::get<1>(v_); }
    /// The condition as C, one of the conditions E declares (`raises`): a
    /// condition E does not declare fails to compile. An error when the
    /// call succeeded, or answered another condition, or C's fields do not
    /// decode.
    template <class C>
    boost::system::result<C, typed::decode_error> condition_as() const {
        static_assert(detail::is_raised<C, typename E::raises>::value,
                      "sxtp::reply<E>::condition_as<C>: C is not declared by the endpoint; add it to the endpoint's using raises = "
                      "sxtp::raises<...>, or read condition() for framework conditions");
        if (ok()) return typed::decode_error{typed::error::wrong_kind, {}, "the call succeeded: there is no condition"};
        return sxtp::condition_as<C>(condition());
    }

private:
    void check() const {
        if (!ok()) throw call_error(std::get<1>(v_), status_);
    }
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

namespace detail {
/// The argument lists a handler may take: only what it uses. With `Last` the
/// per-call context (unary) or the stream (a streaming handler, which
/// always takes its stream), tried in this order:
///   1 (params, body, last)   2 (params, last)   3 (params, body)   4 (params)
///   5 (body, last)  6 (body)          — when E has no params
///   7 (last)        8 ()              — when E has neither params nor body
/// Forms without `last` are not offered when `last_required`. `form` is 0
/// when none fits. A generic lambda fits the first form its arity allows:
/// give its parameters their types to choose another.
template <class E, class F, class Last, bool last_required>
struct handler_form {
    using P = const typename E::params&;
    using B = const typename E::body&;
    using F_ref = F&;
    using L_ref = Last&;
    static constexpr bool without_params = std::is_same_v<typename E::params, no_params>;
    static constexpr bool without_body = std::is_same_v<typename E::body, no_body>;
    static constexpr int form = std::is_invocable_v<F&, P, B, Last&>                                              ? 1
                                : std::is_invocable_v<F&, P, Last&>                                               ? 2
                                : !last_required && std::is_invocable_v<F&, P, B>                                 ? 3
                                : !last_required && std::is_invocable_v<F&, P>                                    ? 4
                                : without_params && std::is_invocable_v<F&, B, Last&>                             ? 5
                                : without_params && !last_required && std::is_invocable_v<F&, B>                  ? 6
                                : without_params && without_body && std::is_invocable_v<F&, Last&>                ? 7
                                : without_params && without_body && !last_required && std::is_invocable_v<F&>     ? 8
                                                                                                                  : 0;
    /// Calls `f` with the arguments its form takes.
    static decltype(auto) invoke(F& f, P p, B b, Last& last) {
        if constexpr (form == 1) return f(p, b, last);
        else if constexpr (form == 2) return f(p, last);
        else if constexpr (form == 3) return f(p, b);
        else if constexpr (form == 4) return f(p);
        else if constexpr (form == 5) return f(b, last);
        else if constexpr (form == 6) return f(b);
        else if constexpr (form == 7) return f(last);
        else if constexpr (form == 8) return f();
    }
};

// What invoke() returns; `no_form` when no form fits (so that a mismatch
// is one error, not a cascade).
struct no_form {};
template <class Form, bool fits = (Form::form != 0)>
struct form_result {
    using type = no_form;
};
template <class Form>
struct form_result<Form, true> {
    using type = std::remove_cvref_t<decltype(Form::invoke(std::declval<typename Form::F_ref>(), std::declval<typename Form::P>(),
                                                           std::declval<typename Form::B>(), std::declval<typename Form::L_ref>()))>;
};
} // namespace detail

/// Checks a handler type against endpoint E for a server whose per-call
/// context is Context: it takes what it uses of (params, body, context) —
/// see detail::handler_form — and returns E::result or reply<E>, or an
/// awaitable of either. A mismatch is one static_assert, stated as a sentence.
template <class E, class F, class Context>
struct handler_check {
    static_assert(endpoint_check<E>::ok);
    using form = detail::handler_form<E, F, Context, false>;
    static constexpr bool invocable = form::form != 0;
    static_assert(invocable,
                  "sxtp: the handler does not match its endpoint: it must be callable as handler(params, body, context), "
                  "handler(params, context), handler(params, body) or handler(params) with the endpoint's types "
                  "(const E::params&, const E::body&, context&); without params, handler(body[, context]); "
                  "with neither, handler(context) or handler()");
    using returned = typename detail::awaited<typename detail::form_result<form>::type>::type;
    static constexpr bool returns_ok = std::is_same_v<returned, typename E::result> || std::is_same_v<returned, reply<E>>;
    static_assert(!invocable || returns_ok,
                  "sxtp: the handler does not match its endpoint: it must return E::result or sxtp::reply<E> "
                  "(or an awaitable of either)");
    static constexpr bool ok = invocable && returns_ok;
};

/// A handler that passes handler_check.
template <class F, class E, class Context>
concept handler_for = handler_check<E, F, Context>::ok;

} // namespace sxtp

#endif
