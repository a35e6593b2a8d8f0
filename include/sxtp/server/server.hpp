// sxtp/server/server.hpp — an SXTP server on an Asio executor: TCP, TLS and
// Unix sockets; typed handlers bound per endpoint; deadlines, cancellation,
// limits, timeouts and graceful shutdown. Needs the sxtp::net target.
// The server listens, accepts and keeps the connection table; each
// connection (server/connection.hpp) feeds its requests to the server's
// sxtp::service (server/service.hpp), the request pipeline.
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

#include <sxtp/detail/config.hpp>
#include <sxtp/net/address.hpp>
#include <sxtp/net/tls.hpp>
#include <sxtp/security/policy.hpp>
#include <sxtp/server/connection.hpp>
#include <sxtp/server/service.hpp>

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


class server final : connection_owner {
public:
    using executor_type = boost::asio::any_io_executor;
    using clock = std::chrono::steady_clock;

    /// A server on one executor.
    explicit server(executor_type ex, server_options options = {}) : server(std::vector<executor_type>{std::move(ex)}, std::move(options)) {}
    /// A server on several executors (see Threading above); the first
    /// accepts. Throws std::invalid_argument when `workers` is empty.
    explicit server(std::vector<executor_type> workers, server_options options = {})
        : ex_(workers.empty() ? throw std::invalid_argument("sxtp: a server needs an executor") : workers.front()),
          workers_(std::move(workers)), service_(std::move(options)) {}
    server(const server&) = delete;
    server& operator=(const server&) = delete;
    ~server() { stop_accepting(); }

    /// Binds `handler` to endpoint E (sxtp::service::handle).
    template <class E, class F>
    void handle(F handler) {
        service_.handle<E>(std::move(handler));
    }
    /// A raw route (sxtp::service::handle_raw).
    template <class F>
    void handle_raw(std::string_view verb, std::string_view pattern, F handler, route_options options = {}) {
        service_.handle_raw(verb, pattern, std::move(handler), std::move(options));
    }

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
    server_stats stats() const noexcept { return service_.stats(); }
    /// The Prometheus text (server/metrics.hpp) when server_options::metrics
    /// is set; empty otherwise. Any thread.
    std::string metrics() const { return service_.metrics(); }

    /// Health, as gRPC's grpc.health.v1: `(request :verb health :path P
    /// [:params {:service "NAME"}])` is answered on any path, like ping
    /// before authentication (load balancers ask it), with `{:status
    /// :serving}` or `{:status :not-serving}`. The server itself (no
    /// :service, or "") is serving until a graceful shutdown starts; a
    /// named service is what set_health() said last; an unknown name is
    /// `not-found`/`resource-not-found`. Any thread.
    void set_health(std::string service, bool serving) { service_.set_health(std::move(service), serving); }
    /// Bytes of answers waiting for their peers, over all connections (as
    /// each connection last published it: exact on one thread, a moment
    /// behind for connections on other workers).
    std::size_t pending_output() const;

    /// The answer to one request, by route (ping, inspect, not-found,
    /// unsupported-verb, a handler), as if from a local peer.
    boost::asio::awaitable<response> dispatch(sxtp::request req) {
        call_context ctx{req, "local", std::nullopt};
        co_return co_await service_.answer(req, ctx);
    }

    /// The security policy (server_options::security), if any: handlers
    /// use it to issue capability cookies (security_policy::issue_grant).
    const security_policy* security() const noexcept { return service_.security(); }

    /// The request pipeline every connection feeds (server/service.hpp):
    /// other transports feed it too.
    sxtp::service& service() noexcept { return service_; }
    const sxtp::service& service() const noexcept { return service_; }

private:
    using plain_socket = boost::asio::generic::stream_protocol::socket;
    using acceptor_type = boost::asio::basic_socket_acceptor<boost::asio::generic::stream_protocol>;
    using tls_stream = boost::asio::ssl::stream<plain_socket>;

    struct listener {
        listener(acceptor_type a, net::address w) : acceptor(std::move(a)), where(std::move(w)) {}
        acceptor_type acceptor;
        net::address where;
    };
    // Connections per source address (the server's executor only).
    struct peer_count {
        std::size_t open = 0;
        std::size_t unauthenticated = 0;
    };

    const server_options& options() const noexcept { return service_.options(); }

    static boost::asio::ip::tcp::endpoint to_tcp(const boost::asio::generic::stream_protocol::endpoint& g);
    // The peer's IP address, without its port ("unknown" when it is gone).
    static std::string source_of(const plain_socket& s);
    static std::string peer_name(const plain_socket& s);

    // Accepts onto the workers in turn.
    boost::asio::awaitable<void> accept_loop(std::shared_ptr<listener> l);

    // connection_owner, from the connection's executor: the server's own
    // state lives on ex_.
    void forget(connection_base* c) override;
    void peer_authenticated(connection_base* c) override;
    void leave_peer(connection_base& c);
    void check_drained();

    executor_type ex_;
    std::vector<executor_type> workers_;
    std::size_t next_worker_ = 0;
    sxtp::service service_;
    std::vector<std::shared_ptr<listener>> listeners_;
    std::map<connection_base*, std::shared_ptr<connection_base>> connections_;
    std::map<std::string, peer_count, std::less<>> peers_;  // by source address
    bool shutting_down_ = false;
    std::unique_ptr<boost::asio::steady_timer> drain_timer_;
    std::function<void()> on_drained_;
};

} // namespace sxtp

#if SXTP_HEADER_DEFINITIONS
#include <sxtp/server/impl/server.hpp>
#endif

#endif
