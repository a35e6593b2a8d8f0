// sxtp/server/log.hpp — where a server's log lines go, with levels.
//
//   opts.log = [](std::string_view line) { std::cerr << line << '\n'; };        // warnings and errors
//   opts.log = {[](sxtp::log_level l, std::string_view line) { … }, sxtp::log_level::info};
//
// Levels: `error` (a handler threw), `warning` (a peer refused, limited or
// closed: server_event), `info` (the access log: one line per request, when
// server_options::access_log is set), `debug`. A sink made from a callable
// that takes only the line receives `warning` and above, as the server's
// log always did; one that takes the level receives `min` and above.
#ifndef SXTP_SERVER_LOG_HPP
#define SXTP_SERVER_LOG_HPP

#include <cstdint>
#include <functional>
#include <string_view>
#include <type_traits>
#include <utility>

namespace sxtp {

enum class log_level : std::uint8_t { debug, info, warning, error };

constexpr std::string_view name_of(log_level l) noexcept {
    switch (l) {
    case log_level::debug: return "debug";
    case log_level::info: return "info";
    case log_level::warning: return "warning";
    case log_level::error: return "error";
    }
    return "unknown";
}

/// A log destination and the lowest level it wants. Empty: nothing is
/// logged (and nothing is formatted).
class log_sink {
public:
    log_sink() = default;

    /// A callable taking the line: warnings and errors.
    template <class F>
        requires std::is_invocable_v<F&, std::string_view> && (!std::is_same_v<std::remove_cvref_t<F>, log_sink>)
    log_sink(F f)  // NOLINT: implicit, so that `opts.log = [](std::string_view) {…}` works
        : min_(log_level::warning) {
        if (empty(f)) return;  // an empty std::function or a null pointer: no sink
        f_ = [g = std::move(f)](log_level, std::string_view line) mutable { g(line); };
    }

    /// A callable taking the level and the line: `min` and above.
    template <class F>
        requires std::is_invocable_v<F&, log_level, std::string_view>
    log_sink(F f, log_level min = log_level::info) : min_(min) {
        if (!empty(f)) f_ = std::move(f);
    }

    explicit operator bool() const noexcept { return static_cast<bool>(f_); }
    /// Whether a line at `l` would be written (format it only then).
    bool enabled(log_level l) const noexcept { return f_ && l >= min_; }
    log_level min_level() const noexcept { return min_; }

    /// Writes `line` when the sink wants `l`. What the sink throws is
    /// swallowed: logging never fails the connection or call it reports on.
    void operator()(log_level l, std::string_view line) const noexcept {
        if (!enabled(l)) return;
        try {
            f_(l, line);
        } catch (...) {
        }
    }
    /// A warning (what the server's events report).
    void operator()(std::string_view line) const noexcept { (*this)(log_level::warning, line); }

private:
    template <class F>
    static bool empty(const F& f) noexcept {
        if constexpr (std::is_pointer_v<F> || std::is_member_pointer_v<F>) return f == nullptr;
        else if constexpr (requires { f == nullptr; }) return f == nullptr;  // std::function and the like
        else return false;
    }

    log_level min_ = log_level::warning;
    std::function<void(log_level, std::string_view)> f_;
};

} // namespace sxtp

#endif
