// sxtp/typed/handler.hpp — what a handler for an endpoint returns, and the
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
