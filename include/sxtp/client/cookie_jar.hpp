// sxtp/client/cookie_jar.hpp — the cookies a client keeps from
// `:set-cookie` answers and sends back. See client/client.hpp.
#ifndef SXTP_CLIENT_COOKIE_JAR_HPP
#define SXTP_CLIENT_COOKIE_JAR_HPP

#include <sxtp/sx/value.hpp>
#include <sxtp/wire/messages.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace sxtp {

/// Cookies set by `:set-cookie`, sent back on matching paths (SPEC §3, §7).
class cookie_jar {
public:
    using clock = std::chrono::steady_clock;

    /// Applies a response's `:set-cookie`. A `:max-age` of 0 or less deletes
    /// the cookie; any positive one is kept, its expiry saturating at the
    /// clock's last time point (the server chooses it, any int64).
    void apply(const std::map<sx::keyword, cookie>& set, clock::time_point now = clock::now()) {
        for (const auto& [name, c] : set) {
            if (c.delete_.value_or(false) || (c.max_age && *c.max_age <= 0)) {
                jar_.erase(name);
                continue;
            }
            entry e{c.value, c.path.value_or("/"), std::nullopt};
            if (c.max_age) e.expires = expiry(now, *c.max_age);
            jar_.insert_or_assign(name, std::move(e));
        }
    }
    /// The cookies for a request to `path`, or nullopt when none apply.
    std::optional<std::map<sx::keyword, sx::value>> for_path(std::string_view path, clock::time_point now = clock::now()) {
        std::map<sx::keyword, sx::value> out;
        for (auto it = jar_.begin(); it != jar_.end();) {
            if (it->second.expires && *it->second.expires <= now) {
                it = jar_.erase(it);
                continue;
            }
            if (path_matches(it->second.path, path)) out.emplace(it->first, it->second.value);
            ++it;
        }
        if (out.empty()) return std::nullopt;
        return out;
    }
    std::size_t size() const noexcept { return jar_.size(); }

private:
    struct entry {
        sx::value value;
        std::string path;
        std::optional<clock::time_point> expires;
    };
    // now + max_age seconds (max_age > 0), or the clock's end where that overflows.
    static clock::time_point expiry(clock::time_point now, std::int64_t max_age) {
        using period = clock::duration::period;
        static_assert(period::num == 1, "sxtp: cookie_jar needs a clock whose tick divides a second");
        clock::duration::rep span = 0, at = 0;
        if (__builtin_mul_overflow(max_age, period::den, &span) || __builtin_add_overflow(now.time_since_epoch().count(), span, &at))
            return clock::time_point::max();
        return clock::time_point(clock::duration(at));
    }
    // "/blog" matches "/blog", "/blog/", "/blog/x" — not "/blogger".
    static bool path_matches(std::string_view cookie_path, std::string_view path) {
        if (!path.starts_with(cookie_path)) return false;
        return path.size() == cookie_path.size() || cookie_path.ends_with('/') || path[cookie_path.size()] == '/';
    }
    std::map<sx::keyword, entry> jar_;
};

} // namespace sxtp

#endif
