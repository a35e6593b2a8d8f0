// sxtp/client/options.hpp — a client's settings (client_options, with its
// retry_policy) and a call's (call_options). See client/client.hpp.
#ifndef SXTP_CLIENT_OPTIONS_HPP
#define SXTP_CLIENT_OPTIONS_HPP

#include <sxtp/client/cache.hpp>
#include <sxtp/client/interceptor.hpp>
#include <sxtp/wire/trace.hpp>
#include <sxtp/wire/frame.hpp>
#include <sxtp/wire/messages.hpp>

#include <boost/asio/ssl/context.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace sxtp {

/// Which calls a client repeats by itself: only those whose answer says
/// they may be (`:retry true` — the request was never sent, or the server
/// refused it unprocessed: overloaded, shutting down). A call that may
/// have had effects (`connection-failed :retry false`, any other answer)
/// is never repeated.
struct retry_policy {
    /// Attempts in all; 1: never repeat.
    int max_attempts = 1;
    /// Wait before the second attempt, doubling each time (±20 % jitter),
    /// always within the call's deadline.
    std::chrono::milliseconds backoff{50};
};

/// Client settings.
struct client_options {
    /// Connect (and TLS handshake) time limit.
    std::chrono::milliseconds connect_timeout{10000};
    /// Timeout of calls that give none; zero: none.
    std::chrono::milliseconds default_timeout{0};
    /// An idle connection is pinged after this long; zero: never.
    std::chrono::milliseconds keepalive_interval{30000};
    /// … and dropped when the ping is not answered within this.
    std::chrono::milliseconds keepalive_timeout{10000};
    /// Reconnect backoff: first delay and cap (doubling, with ±20 % jitter).
    std::chrono::milliseconds reconnect_backoff{100};
    std::chrono::milliseconds reconnect_backoff_max{10000};
    /// How many messages a server stream may run ahead of the reader
    /// (SPEC §3's window is 64; more is granted when the stream opens).
    /// Larger windows move more per round trip and cost up to this many
    /// messages of memory per stream.
    std::int64_t stream_window = 256;
    /// Connections to the address; calls are spread round robin.
    std::size_t pool_size = 1;
    wire::frame_limits limits = {};
    /// For sxtps://; default: net::make_client_tls_context() (the system's CAs, verification on).
    std::shared_ptr<boost::asio::ssl::context> tls = {};
    /// Set with an insecure tls context, so that host names are not checked either.
    bool tls_insecure = false;
    /// Signs every request with `:auth (hmac …)` (security/hmac.hpp) under
    /// this key id and secret, at the system clock's time with a fresh nonce.
    struct hmac_credentials {
        std::string key_id = {};
        std::string secret = {};
    };
    std::optional<hmac_credentials> hmac = {};
    /// Sends `:auth (bearer "TOKEN")` with every request. Over sxtps:// or a
    /// Unix socket; a client for sxtp:// with a token refuses to be made
    /// unless allow_plaintext_credentials is set.
    std::optional<std::string> bearer_token = {};
    /// Lets credentials travel over plain TCP: a bearer token, and cookies
    /// marked `:secure` (capability grants among them), which are otherwise
    /// sent only over TLS or a Unix socket. For a network you trust.
    bool allow_plaintext_credentials = false;
    /// Keeps cacheable answers (client/cache.hpp); null: no cache.
    std::shared_ptr<response_cache> cache = {};
    /// Repeating calls that may safely be repeated (unary calls only).
    retry_policy retry = {};
    /// Run in order around every unary call, not streams (client/interceptor.hpp).
    std::vector<std::shared_ptr<client_interceptor>> interceptors = {};
    /// Counts calls for client::metrics() (client/metrics.hpp).
    bool metrics = false;
    /// Sends `:traceparent` (wire/trace.hpp) with every request that has
    /// none: call_options::trace's, else a new trace's first span. About 70
    /// bytes a request; off: only calls given a trace carry one. A request
    /// that already has its `:auth` (signed by the caller) is left as it is.
    bool tracing = true;
};

/// Per-call settings.
struct call_options {
    /// This call's deadline, relative; sent as `:timeout-ms`.
    std::optional<std::chrono::milliseconds> timeout = {};
    /// Headers to send (timeout_ms is filled from `timeout`).
    std::optional<sxtp::headers> headers = {};
    /// Capabilities the call asks for (`:capabilities`).
    std::optional<std::vector<sx::symbol>> capabilities = {};
    /// The span this call is made in — a server handler's ctx.trace() — so
    /// that the callee continues its trace (`{.trace = ctx.trace()}`:
    /// trivially copyable, safe inside a co_await expression).
    std::optional<trace_context> trace = {};
};

} // namespace sxtp

#endif
