// sxtp/mesh/channel_server.hpp — serves a `service` over seed 003's Mesh
// transport: HTTP/2 (h2c with prior knowledge, or h2 over TLS) streams opened with
// `POST /channel`, each carrying length-prefixed JSON messages
// (docs/mesh.md). The same typed handlers run, through the same pipeline
// (authentication, capabilities, interceptors, metrics), as on SXTP.
//
//   sxtp::server srv(io.get_executor());
//   srv.handle<get_item>(…);
//   sxtp::mesh::channel_server channels(io.get_executor(), srv.service());
//   unsigned short h2_port = channels.listen("127.0.0.1", 0);
//   mesh::announcement me;                          // named (g++ 12: no aggregate inside co_await)
//   me.service = "inventory"; me.host = "127.0.0.1"; me.port = sxtp_port; me.mesh_port = h2_port;
//   co_await registry.announce(std::move(me));
//
// HTTP/2 itself is nghttp2's (its session enforces the protocol; this file
// moves bytes and maps streams to calls). Every limit of channel_limits
// applies to every connection; nothing a peer sends is held beyond them.
// Threading: the executor must run on one thread at a time (as the
// server's; the service may be shared with a server on several workers).
// Shut it down with the server: `channels.shutdown(drain)` beside
// `srv.shutdown(drain)`. Needs the sxtp::mesh_http2 target (CMake:
// `target_link_libraries(app PRIVATE sxtp::mesh_http2)` after
// `find_package(sxtp CONFIG)`, or in the build tree).
#ifndef SXTP_MESH_CHANNEL_SERVER_HPP
#define SXTP_MESH_CHANNEL_SERVER_HPP

#include <sxtp/mesh/bridge.hpp>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>

#include <atomic>
#include <memory>
#include <set>

namespace sxtp::mesh {

/// What the Mesh transport refused and closed so far.
struct channel_stats {
    std::uint64_t connections = 0;         // accepted
    std::uint64_t refused_connections = 0; // over max_connections
    std::uint64_t calls = 0;               // messages answered
    std::uint64_t bad_messages = 0;        // malformed, unknown function, bad payload
    std::uint64_t streams_reset = 0;       // by us: too large, too slow, over budget, bad headers
    std::uint64_t protocol_errors = 0;     // connections nghttp2 found in error
    std::uint64_t timeouts = 0;            // idle, write stall
};

namespace detail {
class channel_connection;
}

/// Accepts Mesh-transport connections for one service.
class channel_server {
public:
    using executor_type = boost::asio::any_io_executor;

    /// `svc` must outlive the channel server. With `tls` (a server context
    /// selecting ALPN "h2": `net::make_server_tls_context(cfg, "h2")`) every
    /// connection is h2 over TLS; without, h2c.
    channel_server(executor_type ex, service& svc, channel_limits limits = {}, std::shared_ptr<boost::asio::ssl::context> tls = nullptr);
    channel_server(const channel_server&) = delete;
    channel_server& operator=(const channel_server&) = delete;
    /// Closes the listener and every connection at once.
    ~channel_server();

    /// Listens on host:port (port 0: a free one) and starts accepting;
    /// returns the bound port. Throws boost::system::system_error, and
    /// std::logic_error when a route requires capabilities that nothing
    /// would check (as server::listen).
    unsigned short listen(const std::string& host, unsigned short port);
    /// The bound port (0 before listen()).
    unsigned short port() const noexcept { return port_; }

    /// Stops accepting; each connection is told GOAWAY and closes once its
    /// calls are answered, or after `drain` at the latest.
    void shutdown(std::chrono::milliseconds drain = std::chrono::milliseconds(5000));

    /// Connections open now.
    std::size_t connections() const noexcept { return open_.size(); }
    channel_stats stats() const noexcept;
    const channel_limits& limits() const noexcept { return limits_; }

private:
    friend class detail::channel_connection;
    boost::asio::awaitable<void> accept_loop();
    void closed(detail::channel_connection* c) { open_.erase(c); }

    executor_type ex_;
    service& service_;
    channel_limits limits_;
    std::shared_ptr<boost::asio::ssl::context> tls_;
    boost::asio::ip::tcp::acceptor acceptor_;
    unsigned short port_ = 0;
    bool stopping_ = false;
    std::set<detail::channel_connection*> open_;
    std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
    struct counters {
        std::atomic<std::uint64_t> connections{0}, refused_connections{0}, calls{0}, bad_messages{0}, streams_reset{0}, protocol_errors{0},
            timeouts{0};
    } counters_;
};

} // namespace sxtp::mesh

#include <sxtp/mesh/impl/channel_connection.hpp>
#include <sxtp/mesh/impl/channel_server.hpp>

#endif
