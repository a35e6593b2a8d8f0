// sxtp/detail/prometheus.hpp — the Prometheus text exposition format
// (0.0.4) as the server's and the client's metrics write it, and a
// lock-free duration histogram.
#ifndef SXTP_DETAIL_PROMETHEUS_HPP
#define SXTP_DETAIL_PROMETHEUS_HPP

#include <algorithm>
#include <array>
#include <atomic>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace sxtp::detail {

/// Prometheus text helpers (shared by the server's and the client's metrics).
struct exposition {
    /// A label value with `\`, `"` and line feeds escaped.
    static void label_value(std::string& out, std::string_view v);
    /// A number as Prometheus writes it.
    static void number(std::string& out, double v);
    static void number(std::string& out, std::uint64_t v) { out += std::to_string(v); }
    static void number(std::string& out, std::int64_t v) { out += std::to_string(v); }
    static void header(std::string& out, std::string_view name, std::string_view type, std::string_view help);
};

/// A duration histogram with fixed buckets (seconds), counted with atomics.
class duration_histogram {
public:
    static constexpr std::array<double, 14> bounds{0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01,
                                                   0.025,  0.05,    0.1,    0.25,  0.5,    1.0,   5.0};
    void observe(std::chrono::nanoseconds d) noexcept;
    /// `name_bucket{labels,le="…"}`, `name_sum{labels}`, `name_count{labels}`.
    void write(std::string& out, std::string_view name, std::string_view labels) const;

private:
    std::array<std::atomic<std::uint64_t>, bounds.size() + 1> buckets_{};  // the last: over every bound
    std::atomic<std::uint64_t> sum_ns_{0};
};

inline void exposition::label_value(std::string& out, std::string_view v) {
    for (char c : v) {
        if (c == '\\') out += "\\\\";
        else if (c == '"') out += "\\\"";
        else if (c == '\n') out += "\\n";
        else out.push_back(c);
    }
}

inline void exposition::number(std::string& out, double v) {
    if (std::isinf(v)) {
        out += v > 0 ? "+Inf" : "-Inf";
        return;
    }
    char buf[32];
    const auto r = std::to_chars(buf, buf + sizeof buf, v);
    out.append(buf, r.ptr);
}

inline void exposition::header(std::string& out, std::string_view name, std::string_view type, std::string_view help) {
    out += "# HELP ";
    out += name;
    out += ' ';
    out += help;
    out += "\n# TYPE ";
    out += name;
    out += ' ';
    out += type;
    out += '\n';
}

inline void duration_histogram::observe(std::chrono::nanoseconds d) noexcept {
    const double s = std::chrono::duration<double>(d).count();
    std::size_t i = 0;
    while (i < bounds.size() && s > bounds[i]) ++i;
    buckets_[i].fetch_add(1, std::memory_order_relaxed);
    sum_ns_.fetch_add(static_cast<std::uint64_t>(std::max<std::int64_t>(0, d.count())), std::memory_order_relaxed);
}

inline void duration_histogram::write(std::string& out, std::string_view name, std::string_view labels) const {
    std::uint64_t cumulative = 0;
    for (std::size_t i = 0; i <= bounds.size(); ++i) {
        cumulative += buckets_[i].load(std::memory_order_relaxed);
        out += name;
        out += "_bucket{";
        out += labels;
        if (!labels.empty()) out += ',';
        out += "le=\"";
        if (i < bounds.size()) {  // fixed notation ("0.0001", not "1e-04"), as other clients write it
            char buf[32];
            const auto r = std::to_chars(buf, buf + sizeof buf, bounds[i], std::chars_format::fixed);
            out.append(buf, r.ptr);
        } else {
            out += "+Inf";
        }
        out += "\"} ";
        exposition::number(out, cumulative);
        out += '\n';
    }
    const auto braces = [&](std::string_view suffix) {
        out += name;
        out += suffix;
        if (!labels.empty()) {
            out += '{';
            out += labels;
            out += '}';
        }
        out += ' ';
    };
    braces("_sum");
    exposition::number(out, static_cast<double>(sum_ns_.load(std::memory_order_relaxed)) / 1e9);
    out += '\n';
    braces("_count");
    exposition::number(out, cumulative);
    out += '\n';
}

} // namespace sxtp::detail

#endif
