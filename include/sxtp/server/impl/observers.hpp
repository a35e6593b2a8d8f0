// Definitions for sxtp/server/service.hpp: what observes calls —
// interceptors, metrics (and their route) and the access log.
#ifndef SXTP_SERVER_IMPL_OBSERVERS_HPP
#define SXTP_SERVER_IMPL_OBSERVERS_HPP

#include <ctime>

namespace sxtp {

SXTP_DECL void service::set_up_observers() {
    for (const char* v : {"ping", "health", "inspect", "other"}) route_infos_.push_back({v, "", route_infos_.size()});
    observed_ = !options_.interceptors.empty() || options_.metrics || options_.access_log;
    for (const auto& i : options_.interceptors)
        if (!i) throw std::invalid_argument("sxtp: server_options::interceptors holds a null interceptor");
    if (!options_.metrics) return;
    metrics_ = std::make_unique<server_metrics>();
    handle_raw(
        "fetch", options_.metrics_path,
        [this](const sxtp::request&, call_context&) {
            response r;
            r.body = sx::value::make_string(metrics());
            r.headers.emplace();
            r.headers->content_type = "text/plain; version=0.0.4";
            return r;
        },
        route_options{.cache = cache_policy::none, .capabilities = options_.metrics_capabilities});
}

SXTP_DECL std::size_t service::add_route_info(std::string_view verb, std::string_view pattern) {
    const std::size_t slot = route_infos_.size();
    route_infos_.push_back({std::string(verb), std::string(pattern), slot});
    if (metrics_) metrics_->add_route(verb, pattern);  // the same index
    return slot;
}

SXTP_DECL std::optional<response> service::intercept(call_context& ctx) {
    for (const auto& i : options_.interceptors)
        if (auto r = i->before(ctx)) return r;
    return std::nullopt;
}

SXTP_DECL void service::observe(const call_context& ctx, response& r) const {
    if (options_.interceptors.empty()) return;
    const auto took = std::chrono::steady_clock::now() - ctx.started_;
    for (const auto& i : options_.interceptors) {
        try {
            i->after(ctx, r, took);
        } catch (const std::exception& e) {
            options_.log(log_level::error, std::string("interceptor after() failed: ") + e.what());
        } catch (...) {
            options_.log(log_level::error, "interceptor after() failed");
        }
    }
}

SXTP_DECL void service::record(const call_context& ctx, status_code s, std::size_t bytes_out) const {
    if (!metrics_ && !options_.access_log) return;
    const auto took = std::chrono::steady_clock::now() - ctx.started_;
    const std::size_t slot = ctx.route_ ? ctx.route_->slot : server_metrics::unrouted;
    if (metrics_) metrics_->answered(slot, s, took);
    if (!options_.access_log || !options_.log.enabled(log_level::info)) return;
    // logfmt: key=value, values quoted when they hold spaces, quotes or are
    // empty; what the peer sent is cut at 300 bytes, control bytes as '?'.
    std::string line = "access";
    const auto field = [&line](std::string_view key, std::string_view value) {
        line += ' ';
        line += key;
        line += '=';
        const std::size_t n = std::min<std::size_t>(value.size(), 300);
        const bool quote = value.empty() || value.find_first_of(" \"=\\") != std::string_view::npos;
        if (quote) line += '"';
        for (std::size_t i = 0; i < n; ++i) {
            const auto c = static_cast<unsigned char>(value[i]);
            if (c == '"' || c == '\\') line += '\\';
            line.push_back(c < 0x20 || c == 0x7f ? '?' : static_cast<char>(c));
        }
        if (quote) line += '"';
    };
    const auto now = std::chrono::system_clock::now();
    const std::time_t secs = std::chrono::system_clock::to_time_t(now);
    std::tm utc{};
    ::gmtime_r(&secs, &utc);
    char stamp[96];  // room for any int in every field (g++ checks the worst case)
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
    std::snprintf(stamp, sizeof stamp, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", utc.tm_year + 1900, utc.tm_mon + 1, utc.tm_mday, utc.tm_hour,
                  utc.tm_min, utc.tm_sec, static_cast<int>(ms));
    field("time", stamp);
    field("peer", ctx.peer);
    field("verb", ctx.verb());
    field("path", ctx.request.path);
    field("route", ctx.route());
    field("status", s == status_code::other ? std::string_view("other") : to_symbol_name(s));
    field("duration_us", std::to_string(std::chrono::duration_cast<std::chrono::microseconds>(took).count()));
    field("bytes", std::to_string(bytes_out));
    if (ctx.request.tag)
        field("tag", std::visit([](const auto& t) {
                  if constexpr (std::is_same_v<std::decay_t<decltype(t)>, std::string>) return t;
                  else return std::to_string(t);
              }, ctx.request.tag->get()));
    field("caller", ctx.caller().name);
    field("trace", ctx.trace().trace_id_hex());
    options_.log(log_level::info, line);
}

} // namespace sxtp

#endif
