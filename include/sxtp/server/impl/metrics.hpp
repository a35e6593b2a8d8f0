// Definitions for sxtp/server/metrics.hpp.
#ifndef SXTP_SERVER_IMPL_METRICS_HPP
#define SXTP_SERVER_IMPL_METRICS_HPP

namespace sxtp {

SXTP_DECL server_metrics::server_metrics() {
    routes_.emplace_back("ping", "");
    routes_.emplace_back("health", "");
    routes_.emplace_back("inspect", "");
    routes_.emplace_back("other", "");
}

SXTP_DECL std::size_t server_metrics::add_route(std::string_view verb, std::string_view pattern) {
    routes_.emplace_back(std::string(verb), std::string(pattern));
    return routes_.size() - 1;
}

SXTP_DECL void server_metrics::answered(std::size_t slot, status_code s, std::chrono::nanoseconds d) noexcept {
    if (slot >= routes_.size()) slot = unrouted;
    auto& r = routes_[slot];
    r.by_status[static_cast<std::size_t>(s)].fetch_add(1, std::memory_order_relaxed);
    r.duration.observe(d);
}

SXTP_DECL std::string server_metrics::text(const server_stats& stats) const {
    using detail::exposition;
    std::string out;
    const auto labels = [](const detail::route_counters& r) {
        std::string l = "verb=\"";
        exposition::label_value(l, r.verb);
        l += "\",route=\"";
        exposition::label_value(l, r.route);
        l += '"';
        return l;
    };
    exposition::header(out, "sxtp_server_requests_total", "counter", "Requests answered, by verb, route and status.");
    for (const auto& r : routes_) {
        const std::string l = labels(r);
        for (std::size_t s = 0; s < r.by_status.size(); ++s) {
            const std::uint64_t n = r.by_status[s].load(std::memory_order_relaxed);
            if (n == 0) continue;
            const auto code = static_cast<status_code>(s);
            out += "sxtp_server_requests_total{" + l + ",status=\"";
            out += code == status_code::other ? std::string_view("other") : to_symbol_name(code);
            out += "\"} ";
            exposition::number(out, n);
            out += '\n';
        }
    }
    exposition::header(out, "sxtp_server_request_duration_seconds", "histogram",
                       "Time from a request's arrival to its answer (for a stream: to its end), by verb and route.");
    for (const auto& r : routes_) r.duration.write(out, "sxtp_server_request_duration_seconds", labels(r));
    const auto gauge = [&](std::string_view name, std::string_view type, std::string_view help, auto value) {
        exposition::header(out, name, type, help);
        out += name;
        out += ' ';
        exposition::number(out, value);
        out += '\n';
    };
    gauge("sxtp_server_in_flight_requests", "gauge", "Requests being handled.", in_flight.load(std::memory_order_relaxed));
    gauge("sxtp_server_connections", "gauge", "Open connections.", connections.load(std::memory_order_relaxed));
    gauge("sxtp_server_connections_accepted_total", "counter", "Connections accepted.", stats.connections_accepted);
    gauge("sxtp_server_received_bytes_total", "counter", "Bytes read from peers.", received_bytes.load(std::memory_order_relaxed));
    gauge("sxtp_server_sent_bytes_total", "counter", "Bytes written to peers.", sent_bytes.load(std::memory_order_relaxed));
    exposition::header(out, "sxtp_server_events_total", "counter",
                       "What the server refused, limited and closed: limits hit, malformed frames, refusals, timeouts, by kind.");
    for (std::size_t i = 0; i < stats.events.size(); ++i) {
        out += "sxtp_server_events_total{kind=\"";
        out += name_of(static_cast<server_event>(i));
        out += "\"} ";
        exposition::number(out, stats.events[i]);
        out += '\n';
    }
    return out;
}

} // namespace sxtp

#endif
