// sxtp/server/options.hpp — a server's settings (server_options: limits,
// timeouts, budgets, TLS, the log sink, security) and what a raw route
// declares (route_options). See server/server.hpp.
#ifndef SXTP_SERVER_OPTIONS_HPP
#define SXTP_SERVER_OPTIONS_HPP

#include <sxtp/security/policy.hpp>
#include <sxtp/server/interceptor.hpp>
#include <sxtp/server/log.hpp>
#include <sxtp/rpc/endpoint.hpp>
#include <sxtp/wire/limits.hpp>

#include <boost/asio/ssl/context.hpp>

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace sxtp {

/// Server settings.
struct server_options {
    wire::connection_limits limits;
    std::size_t max_connections = 10000;
    /// Connections from one source address (TCP and TLS; Unix sockets are
    /// local and not limited per peer): one more is closed at once, logged
    /// and counted, so one host cannot fill max_connections.
    std::size_t max_connections_per_peer = 256;
    /// Connections from one source address that have not yet authenticated
    /// (only with a security policy: without one nobody authenticates).
    std::size_t max_unauthenticated_per_peer = 32;
    std::chrono::milliseconds frame_read_timeout{30000};
    std::chrono::milliseconds idle_timeout{120000};
    std::chrono::milliseconds handshake_timeout{10000};
    /// Event streams send `(event :type heartbeat :time T)` when nothing
    /// else went out for this long; zero: never.
    std::chrono::milliseconds heartbeat_interval{15000};
    /// Answers written but not yet taken by the peer, per connection: a
    /// stream's producer waits while more than this is queued.
    std::size_t max_pending_output = std::size_t{4} << 20;
    /// The bytes one connection may hold for its peer — answers queued,
    /// being written or held for their turn behind an earlier untagged
    /// answer, the bookkeeping of each request not yet answered, and upload
    /// chunks not yet taken by their handler. While answers, bookkeeping
    /// and chunks are over this (and some answers wait), the server acts on
    /// no more of that connection's frames and reads nothing more from it
    /// until the peer reads (TCP then holds back the peer's sends); while
    /// chunks alone are over it, the server withholds upload credit instead
    /// (reading goes on, so credit and cancel still arrive); a held-back
    /// stream waits while held answers are over it. Nothing is dropped. The
    /// frame being read (at most frames.max_frame) and one message's values
    /// (limits.max_values) come on top.
    std::size_t connection_budget = std::size_t{8} << 20;
    /// Needed to listen on sxtps:// (net::make_server_tls_context).
    std::shared_ptr<boost::asio::ssl::context> tls;
    /// Receives what must not reach peers, with a level (server/log.hpp):
    /// handler exceptions (error); why a caller was refused and every
    /// server_event — malformed frames and messages, limits hit, timeouts,
    /// refusals — each with the peer's address, at most ten lines per kind
    /// a second (warning); the access log (info). Never a secret or token.
    /// A callable taking only the line gets warnings and errors. Default:
    /// discarded.
    log_sink log = {};
    /// One line per request through `log` at info level (logfmt: time,
    /// peer, verb, path, route, status, duration, answer bytes, tag,
    /// caller, trace id). Off by default; `log` must want info (a sink made with
    /// log_level::info or lower).
    bool access_log = false;
    /// Counts requests, durations, connections and bytes for
    /// server::metrics() and serves the Prometheus text on
    /// `(fetch metrics_path)` (server/metrics.hpp). Off by default. The text
    /// names the server's routes and its traffic: on a server others can
    /// reach, set metrics_capabilities (with a security policy) so that only
    /// your monitoring may read it.
    bool metrics = false;
    std::string metrics_path = "/metrics";
    /// Capabilities a caller needs for `(fetch metrics_path)`, checked like
    /// a route's. Empty: anyone who can call the server.
    std::vector<std::string> metrics_capabilities = {};
    /// Run in order around every routed call (server/interceptor.hpp).
    /// Empty (the default): nothing is called and nothing is paid.
    std::vector<std::shared_ptr<server_interceptor>> interceptors = {};
    /// Authentication and capability checks (security/policy.hpp). Without
    /// one every caller is anonymous, so a server whose routes declare
    /// capabilities refuses to listen (and dispatch() refuses their calls)
    /// unless trusted_network says that is intended.
    std::shared_ptr<const security_policy> security;
    /// Serve routes that declare capabilities without a security policy,
    /// checking nothing: every caller may call them. For a network where
    /// every peer is trusted (a private mesh behind its own gate, tests).
    /// Off by default: capabilities are enforced or the server does not
    /// start.
    bool trusted_network = false;
    /// SPEC §6's `:origin`, checked as a CORS-like allow-list: when not
    /// empty, a request whose `:origin` is not one of these (compared
    /// exactly, e.g. "https://app.example") is answered `forbidden`/
    /// `origin-not-allowed` before authentication. Requests without
    /// `:origin` (services, tools) are not affected. Empty: not checked.
    std::vector<std::string> allowed_origins;
};

/// What a raw route declares (server::handle_raw).
struct route_options {
    /// SPEC §8: with immutable or revalidate, success answers get
    /// `:content-hash` and `:cache`, and an equal `:if-match` gets not-modified.
    cache_policy cache = cache_policy::none;
    /// Capabilities a caller needs (checked when the server has a security policy).
    std::vector<std::string> capabilities = {};
};

} // namespace sxtp

#endif
