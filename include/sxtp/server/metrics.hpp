// sxtp/server/metrics.hpp — request metrics in the Prometheus text
// exposition format (version 0.0.4), counted without locks so that every
// worker thread of a server counts on its request path.
//
// A server counts when server_options::metrics is set; server::metrics()
// returns the text, and `(fetch "/metrics")` answers it (sxtp metrics URI
// prints it). The names (docs/design.md, "Middleware and observability"):
//
//   sxtp_server_requests_total{verb,route,status}          counter
//   sxtp_server_request_duration_seconds{verb,route}       histogram
//   sxtp_server_in_flight_requests                         gauge
//   sxtp_server_connections                                gauge
//   sxtp_server_connections_accepted_total                 counter
//   sxtp_server_received_bytes_total, …_sent_bytes_total   counter
//   sxtp_server_events_total{kind}                         counter (server_event: limits, malformed frames, refusals)
//
// `route` is the route's pattern ("/items/{id}"), never the path a peer
// sent, and `verb` a declared verb: a peer cannot grow the label sets.
// Requests that match no route count under verb="other", route="".
#ifndef SXTP_SERVER_METRICS_HPP
#define SXTP_SERVER_METRICS_HPP

#include <sxtp/detail/config.hpp>
#include <sxtp/detail/prometheus.hpp>
#include <sxtp/server/stats.hpp>
#include <sxtp/wire/status.hpp>

#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>
#include <string_view>

namespace sxtp {

namespace detail {

/// What is counted of one route (or of one built-in: ping, health, inspect, unrouted).
struct route_counters {
    route_counters(std::string v, std::string r) : verb(std::move(v)), route(std::move(r)) {}
    std::string verb, route;
    std::array<std::atomic<std::uint64_t>, 13> by_status{};  // indexed by status_code
    duration_histogram duration;
};

} // namespace detail

/// A server's metrics. Routes are added while handlers are bound (before
/// the server runs); counting and writing the text are thread-safe.
class server_metrics {
public:
    /// Slots of the built-in answers.
    static constexpr std::size_t ping = 0, health = 1, inspect = 2, unrouted = 3, builtins = 4;

    server_metrics();

    /// A slot for a route; returns its index.
    std::size_t add_route(std::string_view verb, std::string_view pattern);
    /// One request of slot `slot` answered with `s` after `d`.
    void answered(std::size_t slot, status_code s, std::chrono::nanoseconds d) noexcept;

    std::atomic<std::int64_t> in_flight{0};
    std::atomic<std::int64_t> connections{0};
    std::atomic<std::uint64_t> received_bytes{0};
    std::atomic<std::uint64_t> sent_bytes{0};

    /// The exposition text, with the server's event counters.
    std::string text(const server_stats& stats) const;

private:
    std::deque<detail::route_counters> routes_;  // stable addresses
};

} // namespace sxtp

#if SXTP_HEADER_DEFINITIONS
#include <sxtp/server/impl/metrics.hpp>
#endif

#endif
