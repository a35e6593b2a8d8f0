// sxtp/client/metrics.hpp — a client's request metrics in the Prometheus
// text format (client_options::metrics; client::metrics()):
//
//   sxtp_client_requests_total{verb,route,status}      counter
//   sxtp_client_request_duration_seconds{verb,route}   histogram
//   sxtp_client_in_flight_requests                     gauge
//
// `route` is a typed call's path pattern ("/items/{id}"); raw calls count
// under route="" (their paths are not labels: a label per id would grow
// without bound).
#ifndef SXTP_CLIENT_METRICS_HPP
#define SXTP_CLIENT_METRICS_HPP

#include <sxtp/detail/prometheus.hpp>
#include <sxtp/wire/status.hpp>

#include <array>
#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>

namespace sxtp {

class client_metrics {
public:
    /// One call of `verb` on `route` answered `s` after `d`.
    void answered(std::string_view verb, std::string_view route, status_code s, std::chrono::nanoseconds d) {
        counters* c;
        {
            std::lock_guard lock(mutex_);
            auto& slot = by_route_[{std::string(verb), std::string(route)}];
            if (!slot) slot = std::make_unique<counters>();
            c = slot.get();
        }
        c->by_status[static_cast<std::size_t>(s)].fetch_add(1, std::memory_order_relaxed);
        c->duration.observe(d);
    }
    std::atomic<std::int64_t> in_flight{0};

    /// The exposition text (any thread).
    std::string text() const {
        using detail::exposition;
        std::lock_guard lock(mutex_);
        std::string out;
        const auto labels = [](const std::pair<std::string, std::string>& k) {
            std::string l = "verb=\"";
            exposition::label_value(l, k.first);
            l += "\",route=\"";
            exposition::label_value(l, k.second);
            return l + '"';
        };
        exposition::header(out, "sxtp_client_requests_total", "counter", "Calls answered, by verb, route and status.");
        for (const auto& [k, c] : by_route_)
            for (std::size_t s = 0; s < c->by_status.size(); ++s) {
                const std::uint64_t n = c->by_status[s].load(std::memory_order_relaxed);
                if (n == 0) continue;
                const auto code = static_cast<status_code>(s);
                out += "sxtp_client_requests_total{" + labels(k) + ",status=\"";
                out += code == status_code::other ? std::string_view("other") : to_symbol_name(code);
                out += "\"} " + std::to_string(n) + "\n";
            }
        exposition::header(out, "sxtp_client_request_duration_seconds", "histogram", "Time from a call's start to its answer, by verb and route.");
        for (const auto& [k, c] : by_route_) c->duration.write(out, "sxtp_client_request_duration_seconds", labels(k));
        exposition::header(out, "sxtp_client_in_flight_requests", "gauge", "Calls waiting for their answer.");
        out += "sxtp_client_in_flight_requests " + std::to_string(in_flight.load(std::memory_order_relaxed)) + "\n";
        return out;
    }

private:
    struct counters {
        std::array<std::atomic<std::uint64_t>, 13> by_status{};
        detail::duration_histogram duration;
    };
    mutable std::mutex mutex_;
    std::map<std::pair<std::string, std::string>, std::unique_ptr<counters>> by_route_;
};

} // namespace sxtp

#endif
