// sxtp/mesh/channel_client.hpp — calls a node over seed 003's Mesh
// transport: one HTTP/2 connection (h2c with prior knowledge, or h2 over
// TLS) per node, a
// `POST /channel` stream per call, length-prefixed JSON messages
// (docs/mesh.md).
//
//   mesh::channel_client c(ex, "127.0.0.1", 7002, {.service_name = "orders"});
//   auto ch = co_await c.open();                     // a channel
//   ch->send({"greet", json::object{{"name", "ada"}}, {}});
//   ch->end();                                       // our half is done
//   while (auto m = co_await ch->next(deadline)) use(*m);  // every answer message, then nullopt
//
// With mesh_client, http2_transport() lets `mesh_client::call<E>` reach
// nodes that speak only the Mesh transport (balancing, failover and safe
// retries as for SXTP nodes). Every wait has a bound (connect, the call's
// timeout); what the server sends is bounded per message and per channel.
// Threading: one executor, run on one thread at a time. Needs the
// sxtp::mesh_http2 target.
#ifndef SXTP_MESH_CHANNEL_CLIENT_HPP
#define SXTP_MESH_CHANNEL_CLIENT_HPP

#include <sxtp/mesh/channel.hpp>
#include <sxtp/mesh/mesh_client.hpp>
#include <sxtp/rpc/function.hpp>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>

#include <nghttp2/nghttp2.h>

#include <deque>
#include <map>
#include <memory>

namespace sxtp::mesh {

struct channel_client_options {
    /// `x-service-name`: the calling service.
    std::string service_name = "sxtp";
    /// `x-session-id`, when set.
    std::optional<std::string> session_id = {};
    /// `authorization: Bearer …`, when set: over h2 (TLS) only, unless
    /// allow_plaintext_credentials (then h2c too). mesh_options::client's
    /// credentials apply to SXTP nodes; this applies to Mesh-transport nodes.
    std::optional<std::string> bearer = {};
    bool allow_plaintext_credentials = false;
    /// More channel headers (lower-case names).
    std::vector<std::pair<std::string, std::string>> headers = {};
    /// h2 over TLS with this client context (offering ALPN "h2":
    /// `net::make_client_tls_context(cfg, "h2")`); unset: h2c. The
    /// certificate is checked against the host unless the context is insecure.
    std::shared_ptr<boost::asio::ssl::context> tls = {};
    /// Connecting, the TLS handshake included.
    std::chrono::milliseconds connect_timeout{2000};
    /// Largest message accepted from the server; bytes of messages a
    /// channel holds before next() takes them (beyond: the channel fails).
    std::size_t max_message = 1 << 20;
    std::size_t max_held = 16u << 20;
};

namespace detail {
class channel_link;
struct channel_state;
} // namespace detail

/// One channel: send messages, end our half, read what the server sends.
class channel {
public:
    explicit channel(std::shared_ptr<detail::channel_state> s) : s_(std::move(s)) {}
    channel(const channel&) = delete;
    channel& operator=(const channel&) = delete;
    /// Resets the stream when it is still open (its calls are cancelled).
    ~channel();

    /// Queues one message. False when the channel is closed.
    bool send(const channel_message& m);
    /// Ends our half (END_STREAM after what is queued).
    void end();
    /// The next message from the server, waiting until `deadline`; nullopt
    /// when the server ended the stream (or it failed: see error()).
    boost::asio::awaitable<std::optional<channel_message>> next(std::chrono::steady_clock::time_point deadline);
    /// Why the channel failed (empty when it ended normally or is open):
    /// connect failure, connection lost, a reset, a malformed or oversized
    /// message, timeout.
    const std::string& error() const noexcept;
    /// Whether any of our bytes reached the connection (a failed call whose
    /// request was never written may be repeated).
    bool written() const noexcept;
    /// The HTTP status the server answered the channel with (0 before it).
    int http_status() const noexcept;

private:
    std::shared_ptr<detail::channel_state> s_;
};

/// HTTP/2 client of one node.
class channel_client {
public:
    using executor_type = boost::asio::any_io_executor;

    channel_client(executor_type ex, std::string host, unsigned short port, channel_client_options o = {});
    channel_client(const channel_client&) = delete;
    channel_client& operator=(const channel_client&) = delete;
    /// Closes the connection; open channels fail.
    ~channel_client();

    /// A new channel (connecting first when needed, within connect_timeout).
    /// Null, with `why` set, when the connection cannot be made.
    boost::asio::awaitable<std::shared_ptr<channel>> open(std::string* why = nullptr);

    /// Closes the connection; open channels fail with "closed".
    void close();

    const channel_client_options& options() const noexcept { return options_; }

private:
    executor_type ex_;
    std::string host_;
    unsigned short port_;
    channel_client_options options_;
    std::shared_ptr<detail::channel_link> link_;
};

/// The answer message `m` of a call of `f` as an SXTP response: the status
/// from `metadata.status`, a condition from `metadata.error`, the body from
/// `payload` made typed again (sxtp/typed/plain.hpp). An answer that says
/// neither status nor error (a node written to seed 003 alone) is a
/// success carrying its payload.
response response_of(const function_info& f, const channel_message& m);

/// The answer of a call that got no answer message: deadline-exceeded when
/// `ch` timed out, else connection-failed (`:retry true` when nothing was
/// written) naming why — `not_opened` for a channel that could not be made
/// (`ch` null), a refused channel's HTTP status, or the channel's error.
response channel_failure(const channel* ch, std::string not_opened = {});

/// The message of a typed call of `f` (payload per docs/mesh.md; `req`'s
/// headers and auth become metadata).
channel_message message_of(const function_info& f, const sxtp::request& req, sx::value plain_payload);

/// For mesh_options::mesh_transport: reach Mesh-transport nodes over HTTP/2
/// (h2 over TLS for nodes announced with `mesh_tls`: `o.tls` must be set then).
node_caller_factory http2_transport(channel_client_options o = {});

} // namespace sxtp::mesh

#include <sxtp/mesh/impl/channel_client.hpp>

#endif
