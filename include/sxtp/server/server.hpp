// sxtp/server/server.hpp — an SXTP server on an Asio executor: TCP, TLS and
// Unix sockets; typed handlers bound per endpoint; deadlines, cancellation,
// limits, timeouts and graceful shutdown. Needs the sxtp::net target.
//
//   boost::asio::io_context io;
//   sxtp::server srv(io.get_executor());
//   srv.handle<get_post>([](const post_ref& p, const sxtp::no_body&, sxtp::call_context&) -> sxtp::reply<get_post> {
//       return post{p.id, "Hello"};
//   });
//   auto where = srv.listen("sxtp://127.0.0.1:0");   // the bound address, port filled in
//   io.run();
//
// Handlers may also return boost::asio::awaitable<E::result or reply<E>>;
// a coroutine handler is cancelled (Asio terminal cancellation: its pending
// operation fails with operation_aborted) when the client sends `cancel`,
// when the request's `:timeout-ms` passes, when its connection breaks, and
// when a shutdown's drain time runs out. call_context::cancelled() tells a
// handler that computes without awaiting.
//
// The server answers `ping` on any path, `inspect` on any routed path (SPEC
// §5, from the endpoint types: `{:available-verbs (…) :required-capabilities
// (…) :params-schema … :body-schema … :result-schema … :cache …}`, the
// schemas of the path's one endpoint, or under `:endpoints {verb …}` when
// several verbs share the path), `not-found`/`resource-not-found` for
// unknown paths, `invalid`/`unsupported-verb` for a known path and another
// verb, `invalid`/`invalid-params` (naming the field) when params or body do
// not decode, and `error`/`internal-error` when a handler throws (the
// exception text goes to the log sink only). Ordering, tags, cancel, the
// in-flight limit and framing errors are those of wire::server_connection.
//
// Limits and timeouts (server_options; defaults in brackets): frame size
// [16 MiB], values per message [524,288], requests in flight per
// connection [100], bytes held for one connection's peer [8 MiB: reading
// pauses], connections [10,000; 256 per source address; one more is
// accepted and closed at once], frame-read timeout [30 s: from the first
// byte of a frame to its last], idle timeout [120 s: no request in flight
// and no byte received], TLS handshake timeout [10 s]. What each limit
// refuses is counted (stats()) and logged; docs/security.md "Hostile peers".
//
// Threading: a server runs on one executor, or on several ("workers": one
// io_context per thread, see server/io_pool.hpp). The first executor
// accepts and owns the server's own state (listen, shutdown, connections(),
// pending_output() are called there); each accepted connection is given to
// the next worker in turn and lives on it entirely, so a connection's
// requests, streams and timers never need a lock. Handlers run on their
// connection's worker: with several workers one handler may be running on
// all of them at once (as with gRPC's thread pool), so what handlers share
// must be thread-safe, and so must server_options::log. Register handlers
// before listening. Each executor must run on one thread at a time (an
// io_context run by one thread, or a strand). The server must outlive the
// executors' run; shutdown() ends every connection first.
#ifndef SXTP_SERVER_SERVER_HPP
#define SXTP_SERVER_SERVER_HPP

#include <sxtp/net/address.hpp>
#include <sxtp/net/tls.hpp>
#include <sxtp/security/policy.hpp>
#include <sxtp/server/call_decoder.hpp>
#include <sxtp/server/metrics.hpp>
#include <sxtp/server/options.hpp>
#include <sxtp/server/route_table.hpp>
#include <sxtp/server/stats.hpp>
#include <sxtp/server/stream.hpp>
#include <sxtp/sx/hash.hpp>
#include <sxtp/typed/handler.hpp>
#include <sxtp/typed/request_builder.hpp>
#include <sxtp/wire/server_connection.hpp>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/basic_socket_acceptor.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/generic/stream_protocol.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace sxtp {


class server {
public:
    using executor_type = boost::asio::any_io_executor;
    using clock = std::chrono::steady_clock;

    /// A server on one executor.
    explicit server(executor_type ex, server_options options = {}) : server(std::vector<executor_type>{std::move(ex)}, std::move(options)) {}
    /// A server on several executors (see Threading above); the first
    /// accepts. Throws std::invalid_argument when `workers` is empty.
    explicit server(std::vector<executor_type> workers, server_options options = {})
        : ex_(workers.empty() ? throw std::invalid_argument("sxtp: a server needs an executor") : workers.front()),
          workers_(std::move(workers)), options_(std::move(options)) {
        set_up_observers();
    }
    server(const server&) = delete;
    server& operator=(const server&) = delete;
    ~server() { stop_accepting(); }

    /// Binds `handler` to endpoint E. The handler must pass handler_check<E,
    /// F, call_context> — or, for a streaming endpoint, stream_handler_check<E, F>
    /// (see server/stream.hpp).
    template <class E, class F>
    void handle(F handler);

    /// The untyped escape hatch: `handler(const sxtp::request&, call_context&)`
    /// returns an sxtp::response (or an awaitable of one) for `verb` on
    /// `pattern`. inspect describes it with "any" schemas. Path parameters
    /// are left to the handler (route_table syntax applies to the pattern).
    template <class F>
    void handle_raw(std::string_view verb, std::string_view pattern, F handler, route_options options = {});

    /// Starts accepting on `where` (sxtp://, sxtps://, unix:… — see
    /// net/address.hpp) and returns the bound address (port 0 becomes the
    /// port the system chose). A stale Unix socket file is replaced; any
    /// other file at that name is an error. Throws boost::system::system_error
    /// when it cannot listen, std::invalid_argument for sxtps:// without
    /// server_options::tls.
    net::address listen(const net::address& where);
    /// listen(net::parse_address(uri)); throws std::invalid_argument for a bad address.
    net::address listen(std::string_view uri);
    /// Plain TCP on `where`; returns the bound port.
    unsigned short listen(const boost::asio::ip::tcp::endpoint& where);

    /// Stops accepting (and removes Unix socket files). Connections already open go on.
    void stop_accepting();

    /// Graceful shutdown: stops accepting; requests that arrive from now on
    /// are answered `unavailable`/`shutting-down` `:retry true`; a connection
    /// closes once its requests are answered; after `drain`, requests still
    /// unanswered are answered `unavailable`/`shutting-down` `:retry false`
    /// (they may have had effects), their handlers are cancelled, and every
    /// connection closes. `done` runs when the last connection has closed.
    void shutdown(std::chrono::milliseconds drain, std::function<void()> done = {});

    /// Open connections.
    std::size_t connections() const noexcept { return connections_.size(); }
    /// What the server refused, limited and closed so far (any thread).
    server_stats stats() const noexcept { return reporter_.snapshot(); }
    /// The Prometheus text (server/metrics.hpp) when server_options::metrics
    /// is set; empty otherwise. Any thread.
    std::string metrics() const { return metrics_ ? metrics_->text(stats()) : std::string(); }

    /// Health, as gRPC's grpc.health.v1: `(request :verb health :path P
    /// [:params {:service "NAME"}])` is answered on any path, like ping
    /// before authentication (load balancers ask it), with `{:status
    /// :serving}` or `{:status :not-serving}`. The server itself (no
    /// :service, or "") is serving until a graceful shutdown starts; a
    /// named service is what set_health() said last; an unknown name is
    /// `not-found`/`resource-not-found`. Any thread.
    void set_health(std::string service, bool serving);
    /// Bytes of answers waiting for their peers, over all connections (as
    /// each connection last published it: exact on one thread, a moment
    /// behind for connections on other workers).
    std::size_t pending_output() const;

    /// The answer to one request, by route (ping, inspect, not-found,
    /// unsupported-verb, a handler).
    boost::asio::awaitable<response> dispatch(sxtp::request req) {
        call_context ctx{req, "local", std::nullopt};
        co_return co_await dispatch(req, ctx);
    }

    /// The security policy (server_options::security), if any: handlers
    /// use it to issue capability cookies (security_policy::issue_grant).
    const security_policy* security() const noexcept { return options_.security.get(); }

private:
    // -- typed handlers -------------------------------------------------------
    template <class E, class F>
    void handle_unary(F handler);

    template <class E, class F>
    void handle_stream(F handler);

    // A request whose :stream does not fit the endpoint.
    static response stream_mismatch(bool sent_stream);

    // -- routing --------------------------------------------------------------
    // A request that needs a coroutine: a handler that suspends, or a bearer
    // token to validate first (no route yet: routing comes after authentication).
    struct deferred {
        std::optional<route_table::match> route;
    };

    // What a request resolves to: its answer, when it can be given without
    // suspending (ping, a refusal, inspect, not-found, unsupported-verb, a
    // handler that returns its value), or what must run as a coroutine.
    std::variant<response, deferred> resolve(const sxtp::request& req, call_context& ctx);

    // Routing and authorization, after authentication.
    std::variant<response, deferred> route(const sxtp::request& req, call_context& ctx);

    // The answer of a request that needs a coroutine.
    boost::asio::awaitable<response> run(const sxtp::request& req, deferred d, call_context& ctx);

    boost::asio::awaitable<response> dispatch(const sxtp::request& req, call_context& ctx);

    // An authenticated caller: the handler sees it; its connection leaves
    // the pre-authentication limits.
    static void admit(call_context& ctx, std::shared_ptr<const principal> who) {
        if (who->authenticated && ctx.ports_) ctx.ports_->authenticated();
        ctx.caller_ = std::move(who);
    }

    // A refused authentication: the peer learns which check failed, the log
    // also who was refused. Neither sees a secret.
    response refused(const sxtp::request& req, const call_context& ctx, condition c, std::string_view why) const;

    // -- observers: interceptors, metrics, the access log --------------------
    // The built-in routes' infos (route_infos_ 0…3, as server_metrics' slots),
    // the metrics and their route.
    void set_up_observers();
    // A route's info; its index is its metrics slot.
    std::size_t add_route_info(std::string_view verb, std::string_view pattern);
    // Runs the interceptors' before(): an answer when one refuses.
    std::optional<response> intercept(call_context& ctx);
    // Runs the interceptors' after() on an answer (not for streams' later messages).
    void observe(const call_context& ctx, response& r) const;
    // One answered request: metrics and the access log.
    void record(const call_context& ctx, status_code s, std::size_t bytes_out) const;
    bool observed() const noexcept { return observed_; }

    // The answer to `health` (see set_health).
    response health(const sxtp::request& req) const;
    // inspect on "/" where no route is: every route's description.
    response inspect_routes() const;

    // SPEC §6: `:origin` outside allowed_origins (counted, logged).
    response refused_origin(const sxtp::request& req, const call_context& ctx) const;

    // SPEC §8: a success answer of a cached route gets :content-hash and
    // :cache; a request whose :if-match equals the hash gets not-modified
    // without a body. The handler's own :content-hash is trusted.
    response cached(const sxtp::request& req, cache_policy policy, response r) const;

    static constexpr std::string_view cache_name(cache_policy p) {
        return p == cache_policy::immutable ? "immutable" : p == cache_policy::revalidate ? "revalidate" : "none";
    }

    // A handler threw: the peer gets internal-error, the log what happened.
    response handler_failed(const sxtp::request& req, const call_context& ctx, const std::exception& e);

    // SPEC §5's answer to inspect, from the descriptions of the path's endpoints.
    response inspect(std::string_view path) const;

    template <class E>
    static response to_response(const reply<E>& rep);

    static boost::asio::ip::tcp::endpoint to_tcp(const boost::asio::generic::stream_protocol::endpoint& g);

    // -- connections ----------------------------------------------------------
    using plain_socket = boost::asio::generic::stream_protocol::socket;
    using acceptor_type = boost::asio::basic_socket_acceptor<boost::asio::generic::stream_protocol>;
    using tls_stream = boost::asio::ssl::stream<plain_socket>;

    struct listener {
        listener(acceptor_type a, net::address w) : acceptor(std::move(a)), where(std::move(w)) {}
        acceptor_type acceptor;
        net::address where;
    };

    // What the server needs of a connection, whatever its stream.
    // Its own calls run on its executor; the server reads output_bytes from its own.
    struct connection_base {
        explicit connection_base(executor_type e) : ex(std::move(e)) {}
        virtual ~connection_base() = default;
        virtual void begin_shutdown() = 0;
        virtual void abandon() = 0;
        const executor_type& executor() const noexcept { return ex; }
        executor_type ex;
        std::atomic<std::size_t> output_bytes{0};  // answers queued, published by the connection
        std::string source;                        // the peer's address without its port ("" for a Unix socket); on ex_
        bool counted_unauthenticated = false;      // counted in its peer's unauthenticated connections; on ex_
    };
    // Connections per source address (the server's executor only).
    struct peer_count {
        std::size_t open = 0;
        std::size_t unauthenticated = 0;
    };

    // One call's cancellation, deadline and stream wake-ups (server/connection.hpp).
    struct call_state;
    // One connection on its worker, over a plain or a TLS stream (server/connection.hpp).
    template <class Stream>
    struct connection;

    // The peer's IP address, without its port ("unknown" when it is gone).
    static std::string source_of(const plain_socket& s);
    static std::string peer_name(const plain_socket& s);

    // The first route that declares capabilities when nothing would check
    // them (no policy, not a trusted network), as "VERB PATTERN".
    std::optional<std::string> unchecked_route() const;

    // A new connection's limits: the pre-authentication ones when the
    // security policy has them (never looser than the normal ones).
    wire::connection_limits first_limits() const;

    // Accepts onto the workers in turn (server/connection.hpp).
    boost::asio::awaitable<void> accept_loop(std::shared_ptr<listener> l);

    // From the connection's executor: the server's own state lives on ex_.
    void forget(connection_base* c);
    // A connection of `c`'s peer authenticated (from its executor).
    void peer_authenticated(connection_base* c);
    void leave_peer(connection_base& c);
    void check_drained();

    using route_params = std::vector<std::pair<std::string, std::string>>;
    // A route's handler: `sync` when it never suspends (run inline), else
    // `async`; with what the route declares.
    struct invoker {
        std::function<response(const sxtp::request&, const route_params&, call_context&)> sync;
        std::function<boost::asio::awaitable<response>(const sxtp::request&, const route_params&, call_context&)> async;
        std::vector<std::string> required;
        cache_policy cache = cache_policy::none;
        std::size_t info = 0;  // in route_infos_
    };
    template <class E>
    static invoker declared();

    executor_type ex_;
    std::vector<executor_type> workers_;
    std::size_t next_worker_ = 0;
    server_options options_;
    route_table routes_;
    std::vector<invoker> invokers_;
    std::vector<std::function<sx::value()>> describers_;
    std::vector<std::shared_ptr<listener>> listeners_;
    std::map<connection_base*, std::shared_ptr<connection_base>> connections_;
    std::map<std::string, peer_count, std::less<>> peers_;  // by source address
    mutable detail::server_reporter reporter_;  // counters and the rate-limited log: thread-safe
    std::deque<detail::route_info> route_infos_;  // stable: contexts point at them
    std::unique_ptr<server_metrics> metrics_;      // when options_.metrics
    bool observed_ = false;                         // interceptors, metrics or the access log
    bool shutting_down_ = false;
    std::atomic<bool> draining_{false};                  // shutdown began (read by every worker)
    mutable std::mutex health_mutex_;
    std::map<std::string, bool, std::less<>> health_;  // set_health()
    std::unique_ptr<boost::asio::steady_timer> drain_timer_;
    std::function<void()> on_drained_;
};

} // namespace sxtp

#include <sxtp/server/impl/server.hpp>
#include <sxtp/server/impl/pipeline.hpp>
#include <sxtp/server/impl/observers.hpp>
#include <sxtp/server/connection.hpp>

#endif
