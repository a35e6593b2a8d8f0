// sxtp/server/stream.hpp — what a handler knows of its call (call_context),
// and the typed stream a streaming handler writes to and reads from.
//
// A handler of a streaming endpoint (server_streams<E>, or E::request_chunk) is
// callable as
//     handler(const E::params&, const E::body&, sxtp::stream<E>&)
// (or only what it uses of params and body, the stream last) and returns boost::asio::awaitable of void, E::result or reply<E>:
//
//   srv.handle<count_to>([](const count_params& p, sxtp::stream<count_to>& out)
//                            -> boost::asio::awaitable<void> {
//       for (std::int64_t i = 0; i < p.n; ++i)
//           if (!co_await out.write(i)) co_return;  // the call is over: stop
//   });
//
// Write a chunk as braces, `co_await out.write({7, "seven"})`, or as a named
// value — not as `co_await out.write(row{…})`: g++ 12 destroys an aggregate
// made inside a co_await expression twice, and braces are built inside
// write instead (typed/call_arg.hpp, docs/design.md).
//
// * write() / emit() wait while the stream has no credit (the client has not
//   read what it was sent) or the connection's output is over its bound:
//   a producer never buffers without bound and nothing is dropped. They
//   return false once the call is over (cancel, deadline, disconnect,
//   shutdown); the handler's coroutine is cancelled then as well.
// * The stream head `(response :status ok :stream true)` goes out with the
//   first write, or at open(); a handler that returns a declared condition
//   before it sends its head answers with a plain condition response; after
//   it, the stream ends `(chunk :done true :body (condition …))`.
// * read() gives the client's chunks (client-streaming endpoints), decoded
//   as E::request_chunk, and std::nullopt after the client's done chunk. A
//   chunk that does not decode ends the call `invalid`/`invalid-params`
//   (`:field ":chunk 3 :price"`), and read() gives nullopt.
// * Event endpoints send `(event :type heartbeat :time T)` when nothing
//   else went out for server_options::heartbeat_interval.
#ifndef SXTP_SERVER_STREAM_HPP
#define SXTP_SERVER_STREAM_HPP

#include <sxtp/security/principal.hpp>
#include <sxtp/rpc/call_decoder.hpp>
#include <sxtp/server/interceptor.hpp>
#include <sxtp/typed/call_arg.hpp>
#include <sxtp/wire/trace.hpp>
#include <sxtp/rpc/handler.hpp>
#include <sxtp/rpc/endpoint.hpp>
#include <sxtp/wire/conditions.hpp>
#include <sxtp/wire/messages.hpp>

#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>

namespace sxtp {

/// The connection's side of one streaming call (implemented by the server).
class stream_port {
public:
    virtual ~stream_port() = default;
    /// Sends the stream head (`head` with `:stream true`) unless it went out
    /// already; with `heartbeats`, starts them. False when the call is over.
    virtual boost::asio::awaitable<bool> open(sxtp::response head, bool heartbeats) = 0;
    /// Sends a chunk or an event once there is credit and room. False when the call is over.
    virtual boost::asio::awaitable<bool> send(std::variant<sxtp::chunk, sxtp::event> m) = 0;
    /// The client's next chunk; nullopt after its done chunk, or when the call is over.
    virtual boost::asio::awaitable<std::optional<sxtp::chunk>> receive() = 0;
    /// Ends the call `invalid` with condition `c` (a client chunk that does not decode).
    virtual void refuse(sxtp::condition c) = 0;
    /// Whether the stream head went out.
    virtual bool opened() const noexcept = 0;
};

/// Where a call's stream_port comes from (the server's connection).
class stream_port_source {
public:
    virtual stream_port& stream_port_for(std::uint64_t call) = 0;
    /// A request on this connection authenticated: its pre-authentication limits end.
    virtual void authenticated() {}

protected:
    ~stream_port_source() = default;
};

namespace detail {
/// A route as metrics, logs and interceptors name it: its verb and pattern
/// ("" for the built-ins and for requests no route matched) and its metrics slot.
struct route_info {
    std::string verb;
    std::string pattern;
    std::size_t slot = 0;
};
} // namespace detail

/// What a handler knows of its call.
struct call_context {
    call_context(const sxtp::request& r, std::string_view p, std::optional<std::chrono::steady_clock::time_point> d = std::nullopt)
        : request(r), peer(p), deadline(d) {}

    /// The request as it arrived (headers, cookies, params, body).
    const sxtp::request& request;
    /// The client: "127.0.0.1:53412", "[::1]:53412" or "unix".
    std::string_view peer;
    /// When the request's `:timeout-ms` runs out, if it has one.
    std::optional<std::chrono::steady_clock::time_point> deadline;

    /// True once the call is cancelled (client cancel, deadline, broken
    /// connection, drain timeout): its answer will be dropped.
    bool cancelled() const noexcept { return cancelled_ && *cancelled_; }
    /// The request's headers (empty when it has none).
    const sxtp::headers& headers() const noexcept {
        static const sxtp::headers none{};
        return request.headers ? *request.headers : none;
    }

    /// Headers and cookies a typed handler adds to its answer (success or
    /// condition), e.g. `:location` or `:content-hash`. A stream sends them
    /// with its head.
    std::optional<sxtp::headers> response_headers;
    std::optional<std::map<sx::keyword, cookie>> set_cookie;

    /// The caller, as the server's security_policy authenticated it: the
    /// anonymous principal when the request has no `:auth` or the server no
    /// policy.
    const principal& caller() const noexcept {
        static const principal anonymous{};
        return caller_ ? *caller_ : anonymous;
    }

    /// The verb of the call (as the request says it).
    std::string_view verb() const noexcept { return request.verb.name(); }
    /// The matched route's pattern ("/items/{id}"); "" before routing, for
    /// the built-ins (ping, health, inspect) and when no route matched.
    std::string_view route() const noexcept { return route_ ? std::string_view(route_->pattern) : std::string_view(); }
    /// This call's span of its trace (wire/trace.hpp): a child of the
    /// request's `:traceparent`, or the first span of a new trace when the
    /// request has none (or a malformed one). Pass it on to the calls the
    /// handler makes: `client.call<E>(p, {.trace = ctx.trace()})`.
    const trace_context& trace() const {
        if (!trace_) {
            std::optional<trace_context> t;
            if (request.headers)
                if (auto v = traceparent_of(*request.headers)) t = trace_context::from_traceparent(*v);
            trace_ = t ? *t : trace_context::start();
        }
        return *trace_;
    }
    /// What the transport said besides the request: for a call over the
    /// Mesh transport, its channel's HTTP/2 headers (`x-service-name`,
    /// `x-session-id`, others; lower-case names). Empty on SXTP.
    std::span<const std::pair<std::string, std::string>> metadata() const noexcept { return metadata_; }
    /// The value of metadata `name`, if any.
    std::optional<std::string_view> metadata(std::string_view name) const noexcept {
        for (const auto& m : metadata_)
            if (m.first == name) return std::string_view(m.second);
        return std::nullopt;
    }
    /// When the request arrived (set when the server has interceptors,
    /// metrics or an access log; otherwise the clock's epoch).
    std::chrono::steady_clock::time_point started() const noexcept { return started_; }

    std::shared_ptr<const principal> caller_;
    std::span<const std::pair<std::string, std::string>> metadata_;
    const bool* cancelled_ = nullptr;
    stream_port_source* ports_ = nullptr;
    std::uint64_t call_id_ = 0;
    const detail::route_info* route_ = nullptr;
    mutable std::optional<trace_context> trace_;
    std::chrono::steady_clock::time_point started_{};
    const std::vector<std::shared_ptr<server_interceptor>>* interceptors_ = nullptr;  // for streams; null: none
};

/// The typed stream of one call of endpoint E (see the top of this file).
template <class E>
class stream : public call_context {
public:
    using chunk_type = typename E::chunk;
    using request_chunk_type = typename E::request_chunk;

    stream(const call_context& ctx, stream_port& port) : call_context(ctx), port_(port) {}
    stream(const stream&) = delete;
    stream& operator=(const stream&) = delete;

    /// Sends the stream head now (with response_headers and set_cookie),
    /// rather than with the first write. False when the call is over.
    boost::asio::awaitable<bool> open()
        requires server_streams<E>
    {
        sxtp::response h = head();
        opening(h);
        return port_.open(std::move(h), E::events::size > 0);
    }

    /// Sends one chunk, waiting for credit. False when the call is over:
    /// stop. Braces build the chunk inside write — `co_await out.write({7,
    /// "seven"})` — which is safe under g++ 12 (typed/call_arg.hpp).
    template <class C = chunk_type>
        requires(!std::is_same_v<chunk_type, no_chunk>) && detail::exactly<C, chunk_type>
    boost::asio::awaitable<bool> write(C&& c) {
        sxtp::chunk m;
        m.body = typed::to_sx(c);  // before suspending: `c` may be a temporary of the caller's
        return send(std::move(m));
    }
    boost::asio::awaitable<bool> write(call_arg<chunk_type> c)
        requires(!std::is_same_v<chunk_type, no_chunk>)
    {
        return write(std::move(c).take());
    }

    /// Emits event `ev` (one of E::events) with `:id id` (left out when
    /// empty) and `:time time` (seconds since the Unix epoch). False when the
    /// call is over: stop. (The id is a string_view so that a literal makes
    /// no temporary with a destructor inside the caller's co_await: see
    /// docs/design.md on g++ 12.)
    template <class Ev>
    boost::asio::awaitable<bool> emit(const Ev& ev, std::string_view id = {}, std::optional<std::int64_t> time = std::nullopt) {
        static_assert(detail::is_event_of<Ev, typename E::events>::value,
                      "sxtp::stream<E>::emit: this event is not declared by the endpoint; add it to using events = sxtp::events<...>");
        sxtp::event m;
        m.type = sx::symbol(std::string(Ev::sxtp_event));
        if (!id.empty()) m.id = std::string(id);
        m.time = time;
        m.body = typed::to_sx(ev);
        return send(std::move(m));
    }

    /// The client's next chunk; std::nullopt once the client has finished
    /// (or the call is over).
    boost::asio::awaitable<std::optional<request_chunk_type>> read()
        requires client_streams<E>
    {
        auto c = co_await port_.receive();
        if (!c) co_return std::nullopt;
        if (interceptors_) {
            const std::variant<sxtp::chunk, sxtp::event> m(*c);
            for (const auto& i : *interceptors_) i->stream_message(*this, m, false);
        }
        const std::string at = ":chunk " + std::to_string(received_++);
        if (!c->body) {
            port_.refuse(detail::invalid_params(at, "missing body"));
            co_return std::nullopt;
        }
        request_chunk_type v{};
        typed::decode_error e;
        if (!typed::decode_into(*c->body, v, e)) {
            port_.refuse(detail::invalid_params(e.path.empty() ? at : at + ' ' + e.path_string(), e.detail));
            co_return std::nullopt;
        }
        co_return std::optional<request_chunk_type>(std::move(v));
    }

    /// Whether the stream head went out.
    bool opened() const noexcept { return port_.opened(); }

    /// Internal: the head the stream opens with.
    sxtp::response head() const {
        sxtp::response h;
        h.headers = response_headers;
        h.set_cookie = set_cookie;
        return h;
    }

private:
    boost::asio::awaitable<bool> send(std::variant<sxtp::chunk, sxtp::event> m) {
        if (!port_.opened()) {
            sxtp::response h = head();  // named: g++ 12 mishandles temporaries inside co_await
            opening(h);
            if (!co_await port_.open(std::move(h), E::events::size > 0)) co_return false;
        }
        if (interceptors_)
            for (const auto& i : *interceptors_) i->stream_message(*this, m, true);
        co_return co_await port_.send(std::move(m));
    }

    // The interceptors see the head (and may add to its headers, as after()
    // does for an answer) before it goes out.
    void opening(sxtp::response& h) {
        if (!interceptors_) return;
        const auto took = std::chrono::steady_clock::now() - started_;
        for (const auto& i : *interceptors_) {
            i->after(*this, h, took);
            i->stream_opened(*this, h);
        }
    }

    stream_port& port_;
    std::size_t received_ = 0;
};

/// Checks a streaming handler type against endpoint E: it takes its stream
/// and what it uses of params and body — handler(params, body, stream),
/// handler(params, stream), without params handler(body, stream), with
/// neither handler(stream) — and is a coroutine. A mismatch is one
/// static_assert, stated as a sentence.
template <class E, class F>
struct stream_handler_check {
    static_assert(endpoint_check<E>::ok);
    using form = detail::handler_form<E, F, stream<E>, true>;
    static constexpr bool invocable = form::form != 0;
    static_assert(invocable,
                  "sxtp: the handler does not match its streaming endpoint: it must be callable as "
                  "handler(params, body, stream) or handler(params, stream) with the endpoint's types "
                  "(const E::params&, const E::body&, sxtp::stream<E>&); without params, handler(body, stream); "
                  "with neither, handler(stream)");
    using returned = typename detail::form_result<form>::type;
    static constexpr bool coroutine = requires { typename returned::executor_type; };
    static_assert(!invocable || coroutine,
                  "sxtp: a streaming handler is a coroutine: it returns boost::asio::awaitable<void>, "
                  "boost::asio::awaitable<E::result> or boost::asio::awaitable<sxtp::reply<E>>");
    using value = typename detail::awaited<returned>::type;
    static constexpr bool value_ok = std::is_void_v<value> || std::is_same_v<value, typename E::result> || std::is_same_v<value, reply<E>>;
    static_assert(!invocable || !coroutine || value_ok,
                  "sxtp: a streaming handler returns boost::asio::awaitable<void>, boost::asio::awaitable<E::result> "
                  "or boost::asio::awaitable<sxtp::reply<E>>");
    static constexpr bool void_ok = !std::is_void_v<value> || std::is_same_v<typename E::result, no_result>;
    static_assert(!invocable || !coroutine || !value_ok || void_ok,
                  "sxtp: a streaming handler that returns awaitable<void> needs an endpoint without a result; "
                  "return awaitable<E::result> instead");
    static constexpr bool ok = invocable && coroutine && value_ok && void_ok;
};

} // namespace sxtp

#endif
