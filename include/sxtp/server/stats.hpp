// sxtp/server/stats.hpp — what a server refused, limited and closed, for
// operators: counted in server_stats and reported through the log sink
// (peer address, what happened, which limit), rate-limited.
#ifndef SXTP_SERVER_STATS_HPP
#define SXTP_SERVER_STATS_HPP

#include <sxtp/server/log.hpp>

#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

namespace sxtp {

/// The kinds of event a server counts and reports.
enum class server_event : std::uint8_t {
    connection_refused,       ///< over server_options::max_connections
    peer_connections_refused, ///< over max_connections_per_peer or max_unauthenticated_per_peer
    malformed_frame,          ///< a length line that is not 1–10 digits and a newline
    frame_too_large,          ///< a length over the frame limit
    malformed_message,        ///< a payload that is not a valid message (too many values included)
    overloaded,               ///< a request over the in-flight limit
    budget_exhausted,         ///< reading paused: the connection held its budget for the peer
    handshake_timeout,        ///< TLS handshake not done in time
    frame_read_timeout,       ///< a frame not complete in time (slowloris)
    idle_timeout,             ///< nothing in flight and nothing received for too long
    slow_peer,                ///< reading paused on the budget and the peer took no answer for the idle timeout
    auth_refused,             ///< authentication or a grant refused
    origin_refused,           ///< an `:origin` outside server_options::allowed_origins
    handler_failed,           ///< a handler threw (the peer got internal-error)
    count_                    // (the number of kinds)
};

/// A name for each kind, as the log and metrics spell it.
constexpr std::string_view name_of(server_event e) noexcept {
    constexpr std::array<std::string_view, static_cast<std::size_t>(server_event::count_)> names{
        "connection-refused", "peer-connections-refused", "malformed-frame",    "frame-too-large",
        "malformed-message",  "overloaded",               "budget-exhausted",   "handshake-timeout",
        "frame-read-timeout", "idle-timeout",             "slow-peer",        "auth-refused",
        "origin-refused",     "handler-failed"};
    const auto i = static_cast<std::size_t>(e);
    return i < names.size() ? names[i] : "unknown";
}

/// A snapshot of a server's counters (server::stats()).
struct server_stats {
    std::uint64_t connections_accepted = 0;
    /// How often each server_event happened, indexed by the enum.
    std::array<std::uint64_t, static_cast<std::size_t>(server_event::count_)> events{};
    std::uint64_t operator[](server_event e) const noexcept { return events[static_cast<std::size_t>(e)]; }
};

namespace detail {

// The counters, shared by a server's workers, and the rate-limited log:
// at most `burst` lines per kind in any second; the lines a kind loses are
// counted and said with its next line.
class server_reporter {
public:
    static constexpr int burst = 10;

    void accepted() noexcept { accepted_.fetch_add(1, std::memory_order_relaxed); }
    void count(server_event e) noexcept { counts_[index(e)].fetch_add(1, std::memory_order_relaxed); }

    // Counts `e` and logs "PEER: WHAT (KIND)" unless the kind's lines for
    // this second are spent. `what` is a string, or a callable returning
    // one (called only when the line is logged).
    template <class What>
    void report(server_event e, std::string_view peer, What&& what, const log_sink& log, log_level level = log_level::warning) {
        count(e);
        if (!log.enabled(level)) return;
        std::uint64_t suppressed = 0;
        if (!admit(e, suppressed)) return;
        std::string line(peer);
        line += ": ";
        if constexpr (std::is_invocable_v<What&>) append_clean(line, what());
        else append_clean(line, what);
        line += " (";
        line += name_of(e);
        line += ')';
        if (suppressed) line += "; " + std::to_string(suppressed) + " more not logged";
        log(level, line);
    }

    server_stats snapshot() const noexcept {
        server_stats s;
        s.connections_accepted = accepted_.load(std::memory_order_relaxed);
        for (std::size_t i = 0; i < s.events.size(); ++i) s.events[i] = counts_[i].load(std::memory_order_relaxed);
        return s;
    }

private:
    static constexpr std::size_t index(server_event e) noexcept { return static_cast<std::size_t>(e); }
    // Peer text goes into one log line: at most 300 bytes, control bytes
    // (a forged line break among them) shown as '?'.
    static void append_clean(std::string& line, std::string_view text) {
        const std::size_t n = std::min<std::size_t>(text.size(), 300);
        for (std::size_t i = 0; i < n; ++i) {
            const auto c = static_cast<unsigned char>(text[i]);
            line.push_back(c < 0x20 || c == 0x7f ? '?' : static_cast<char>(c));
        }
        if (n < text.size()) line += "…";
    }
    // Whether a line of kind `e` may be logged now; `suppressed`: the lines
    // of that kind not logged since its last one.
    bool admit(server_event e, std::uint64_t& suppressed) {
        std::lock_guard lock(mutex_);
        auto& w = windows_[index(e)];
        const auto now = std::chrono::steady_clock::now();
        if (now - w.start >= std::chrono::seconds(1)) {
            w.start = now;
            w.lines = 0;
        }
        if (w.lines >= burst) {
            ++w.suppressed;
            return false;
        }
        ++w.lines;
        suppressed = std::exchange(w.suppressed, 0);
        return true;
    }
    struct window {
        std::chrono::steady_clock::time_point start{};
        int lines = 0;
        std::uint64_t suppressed = 0;
    };
    std::atomic<std::uint64_t> accepted_{0};
    std::array<std::atomic<std::uint64_t>, static_cast<std::size_t>(server_event::count_)> counts_{};
    std::mutex mutex_;
    std::array<window, static_cast<std::size_t>(server_event::count_)> windows_{};
};

} // namespace detail
} // namespace sxtp

#endif
