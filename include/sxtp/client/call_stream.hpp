// sxtp/client/call_stream.hpp — the typed stream call a client opens:
// client::open<E>() returns a call_stream<E> (see below). Included by
// client.hpp; needs the sxtp::net target.
#ifndef SXTP_CLIENT_CALL_STREAM_HPP
#define SXTP_CLIENT_CALL_STREAM_HPP

#include <sxtp/client/client.hpp>

#include <optional>
#include <string>
#include <variant>

namespace sxtp {

namespace detail {
template <class Events>
struct received_event_for;
template <class... Es>
struct received_event_for<events<Es...>> {
    /// One event a stream received: which declared event (with its body), its `:id` and `:time`.
    struct type {
        std::variant<Es...> body;
        std::optional<std::string> id;
        std::optional<std::int64_t> time;
        /// The event as `Ev`, or nullptr when it is another one.
        template <class Ev>
        const Ev* get() const noexcept {
            return std::get_if<Ev>(&body);
        }
    };
    // Decodes `e` as one of Es; nullopt for an unknown type, an error text for a bad body.
    static std::optional<type> decode(const sxtp::event& e, std::string& problem) {
        std::optional<type> out;
        const std::string_view name = e.type.name();
        auto try_one = [&]<class Ev>(std::type_identity<Ev>) {
            if (name != Ev::sxtp_event) return false;
            static const sx::value nil;
            auto v = typed::try_from_sx<Ev>(e.body ? *e.body : nil);
            if (!v) problem = ":event " + std::string(name) + (v.error().path.empty() ? "" : " " + v.error().path_string()) + ": " + v.error().message();
            else out = type{std::variant<Es...>(std::in_place_type<Ev>, std::move(*v)), e.id, e.time};
            return true;
        };
        (void)(try_one(std::type_identity<Es>{}) || ...);
        return out;
    }
};

template <class E>
using stream_item_of = std::conditional_t<
    E::events::size == 0, typename E::chunk,
    std::conditional_t<std::is_same_v<typename E::chunk, no_chunk>, typename received_event_for<typename E::events>::type,
                       std::variant<typename E::chunk, typename received_event_for<typename E::events>::type>>>;
} // namespace detail

/// One received event of endpoint E: `.body` is a std::variant of E's
/// event types (`.get<new_post>()`), with `.id` and `.time`.
template <class E>
using event_of = typename detail::received_event_for<typename E::events>::type;

/// A typed stream call of endpoint E, from client::open<E>().
///
///   auto s = co_await c.open<count_to>({.n = 5});
///   while (auto n = co_await s.next()) use(*n);     // E::chunk, event_of<E>, or a variant of both
///   if (!s.ok()) log(s.condition());                // how it ended
///
///   auto up = co_await c.open<upload>({});           // a client stream
///   for (auto& part : parts) if (!co_await up.write(part)) break;
///   up.finish();
///   sxtp::reply<upload> r = co_await up.result();
///
/// The client grants credit as next() takes items, so a slow reader slows
/// the server down instead of piling up messages; write() waits for the
/// server's credit the same way. Heartbeat events are counted, not
/// returned; events of types E does not declare are skipped (counted). A
/// chunk or event that does not decode ends the stream with
/// malformed-result (and cancels it). Leaving the stream before it ends —
/// cancel(), destruction, or cancelling the coroutine that awaits next() —
/// sends `cancel`.
template <class E>
class call_stream {
public:
    static_assert(is_stream_endpoint<E>, "sxtp::call_stream<E>: E is a unary endpoint; use client::call<E>");
    using item_type = detail::stream_item_of<E>;

    call_stream() = default;
    explicit call_stream(client::raw_stream s) : raw_(std::move(s)) {}

    /// The next chunk or event; std::nullopt once the stream has ended.
    boost::asio::awaitable<std::optional<item_type>> next()
        requires server_streams<E>
    {
        for (;;) {
            if (failure_) co_return std::nullopt;
            auto m = co_await raw_.next();
            if (!m) co_return std::nullopt;
            std::string problem;
            if (auto* c = std::get_if<sxtp::chunk>(&*m)) {
                if constexpr (!std::is_same_v<typename E::chunk, no_chunk>) {
                    static const sx::value nil;
                    auto v = typed::try_from_sx<typename E::chunk>(c->body ? *c->body : nil);
                    if (v) co_return std::optional<item_type>(std::in_place, std::move(*v));
                    problem = ":chunk " + std::to_string(c->seq.value_or(-1)) + (v.error().path.empty() ? "" : " " + v.error().path_string()) +
                              ": " + v.error().message();
                } else {
                    problem = ":chunk: this endpoint streams events only";
                }
            } else {
                const auto& e = std::get<sxtp::event>(*m);
                if (e.type.name() == "heartbeat") {
                    ++heartbeats_;
                    continue;
                }
                if constexpr (E::events::size > 0) {
                    auto ev = detail::received_event_for<typename E::events>::decode(e, problem);
                    if (ev) co_return std::optional<item_type>(std::in_place, std::move(*ev));
                    if (problem.empty()) {
                        ++skipped_;
                        continue;
                    }
                } else {
                    ++skipped_;
                    continue;
                }
            }
            raw_.cancel();
            failure_ = condition_response(status_code::invalid, make_condition(conditions::malformed_result{problem, "does not decode"},
                                                                               "the stream sent what the endpoint does not declare: " + problem));
            co_return std::nullopt;
        }
    }

    /// Sends one chunk of the client's stream, waiting for credit. False
    /// when the call has ended: stop.
    /// (Braces build the chunk inside write: safe under g++ 12, typed/call_arg.hpp.)
    template <class C = typename E::request_chunk>
        requires client_streams<E> && detail::exactly<C, typename E::request_chunk>
    boost::asio::awaitable<bool> write(C&& c) {
        return raw_.write(typed::to_sx(c));  // converted before any suspension
    }
    boost::asio::awaitable<bool> write(call_arg<typename E::request_chunk> c)
        requires client_streams<E>
    {
        return write(std::move(c).take());
    }
    /// Ends the client's stream (`(chunk :done true)`).
    void finish()
        requires client_streams<E>
    {
        raw_.finish();
    }

    /// The answer of a client-streaming endpoint (waits for it).
    boost::asio::awaitable<reply<E>> result()
        requires(client_streams<E> && !server_streams<E>)
    {
        response r = co_await raw_.answer();
        co_return client::to_reply<E>(std::move(r));
    }

    /// Stops the stream (sends `cancel`).
    void cancel() { raw_.cancel(); }

    /// Whether the stream has ended.
    bool ended() const noexcept { return failure_ || raw_.outcome(); }
    /// Ended, and without a condition.
    bool ok() const noexcept { return !failure_ && raw_.outcome() && raw_.outcome()->status.is_success(); }
    /// The status it ended with (ok while it has not ended). A stream that
    /// ends with a done chunk carries only the condition: the status is the
    /// one E's raises declare for it, or SPEC §4's for framework conditions.
    status_code status() const {
        const auto& o = outcome();
        if (!o) return status_code::ok;
        if (o->status.is_success() || !raw_.outcome() || !raw_.head()) return o->status.code();
        const sxtp::condition c = condition();
        return [&]<class... Cs>(std::type_identity<raises<Cs...>>) {
            return conditions::status_among<Cs...>(c.type.name(), o->status.code());
        }(std::type_identity<typename E::raises>{});
    }
    /// The condition it ended with; an empty condition when ok().
    sxtp::condition condition() const {
        const auto& o = outcome();
        if (!o) return {};
        auto c = condition_of(*o);
        return c ? std::move(*c) : sxtp::condition{};
    }
    /// The stream head (headers, cookies), once it arrived.
    const std::optional<response>& head() const noexcept { return raw_.head(); }
    /// Heartbeat events received.
    std::size_t heartbeats() const noexcept { return heartbeats_; }
    /// Events of undeclared types skipped.
    std::size_t skipped() const noexcept { return skipped_; }
    /// The untyped stream underneath.
    client::raw_stream& raw() noexcept { return raw_; }

private:
    const std::optional<response>& outcome() const noexcept { return failure_ ? failure_ : raw_.outcome(); }

    client::raw_stream raw_;
    std::optional<response> failure_;
    std::size_t heartbeats_ = 0;
    std::size_t skipped_ = 0;
};

template <class E>
boost::asio::awaitable<call_stream<E>> client::open_typed(typename E::params params, typename E::body body, call_options opts) {
    sxtp::request req = make_stream_request<E>(params, body);
    raw_stream s = co_await open_raw(std::move(req), std::move(opts), server_streams<E> && !client_streams<E>);
    co_return call_stream<E>(std::move(s));
}

} // namespace sxtp

#endif
