// sxtp/server/interceptor.hpp — middleware around a server's calls, as
// gRPC's interceptors: an ordered chain (server_options::interceptors) that
// sees each call with its context — the request, the matched route, the
// caller, the deadline, the trace — may refuse it with a condition or add
// headers, sees every answer with its status and time, and watches streams
// open, pass messages and end.
//
//   struct audit : sxtp::server_interceptor {
//       std::optional<sxtp::response> before(sxtp::call_context& ctx) override {
//           if (ctx.route() == "/admin/{op}" && !ctx.caller().authenticated)
//               return sxtp::refusal(sxtp::status_code::forbidden, sxtp::conditions::unauthenticated{}, "admins only");
//           return std::nullopt;
//       }
//       void after(const sxtp::call_context& ctx, sxtp::response& r, std::chrono::nanoseconds took) override {
//           if (!r.headers) r.headers.emplace();
//           r.headers->other[sxtp::sx::keyword("server-ms")] = std::int64_t{took.count() / 1'000'000};
//       }
//   };
//   opts.interceptors = {std::make_shared<audit>()};
//
// (call_context is declared in server/stream.hpp: include
// <sxtp/server/server.hpp> where an interceptor is defined.) before() may
// add response headers (ctx.response_headers); the request is read-only.
//
// Order: before() runs first to last, after a call is authenticated,
// routed and its capabilities checked, just before its handler (routed
// calls and inspect; ping and health are answered without it); the first
// that returns a response answers the call and the rest are not asked.
// after() runs first to last on every answer a call gets from the server's
// pipeline (refusals, not-found, built-ins included), before it is sent.
// The callbacks run on the connection's thread, inline: keep them short,
// and thread-safe when the server has several workers. An exception from
// before(), or from a callback made while a stream's handler sends or
// reads (after() on its head, stream_opened(), stream_message()), ends
// the call with internal-error (logged); one from after() on an answer or
// from stream_ended() is logged and ignored. With no interceptors the
// server does not even read the clock for them.
#ifndef SXTP_SERVER_INTERCEPTOR_HPP
#define SXTP_SERVER_INTERCEPTOR_HPP

#include <sxtp/wire/condition.hpp>
#include <sxtp/wire/messages.hpp>

#include <chrono>
#include <optional>
#include <string>
#include <variant>

namespace sxtp {

struct call_context;

class server_interceptor {
public:
    virtual ~server_interceptor() = default;

    /// Before the handler: std::nullopt lets the call go on; a response
    /// answers it instead. May set ctx.response_headers (the handler's
    /// answer keeps them).
    virtual std::optional<response> before(call_context& ctx) {
        (void)ctx;
        return std::nullopt;
    }
    /// Every answer, before it is sent, with the time since the request
    /// arrived: may change its headers. For a stream, its head (the first
    /// answer) — stream_ended() sees the end.
    virtual void after(const call_context& ctx, response& r, std::chrono::nanoseconds elapsed) {
        (void)ctx, (void)r, (void)elapsed;
    }
    /// A server stream's head is going out.
    virtual void stream_opened(const call_context& ctx, const response& head) { (void)ctx, (void)head; }
    /// A message of a stream: one the handler writes (`outgoing`, as it is
    /// offered to the stream: a call cancelled meanwhile drops it) or a
    /// chunk of the client's stream the handler read.
    virtual void stream_message(const call_context& ctx, const std::variant<sxtp::chunk, sxtp::event>& m, bool outgoing) {
        (void)ctx, (void)m, (void)outgoing;
    }
    /// A server stream whose head went out ended: `outcome` is its
    /// handler's last answer (ok, or its condition) — also when the client
    /// cancelled it, its deadline passed or the connection broke (the peer
    /// was then answered by the server's wire layer).
    virtual void stream_ended(const call_context& ctx, const response& outcome, std::chrono::nanoseconds elapsed) {
        (void)ctx, (void)outcome, (void)elapsed;
    }
};

/// A condition response, for before(): `refusal(status_code::forbidden,
/// conditions::unauthenticated{}, "admins only")`.
template <class C>
response refusal(status_code s, const C& c, std::optional<std::string> message = std::nullopt) {
    return condition_response(s, make_condition(c, std::move(message)));
}

} // namespace sxtp

#endif
