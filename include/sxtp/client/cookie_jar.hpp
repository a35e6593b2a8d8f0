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

/// Cookies set by `:set-cookie`, sent back on matching requests (SPEC §3,
/// §7), with the options a cookie carries honoured as browsers do:
///
/// * `:max-age` — seconds to keep it; 0 or less (or `:delete true`) deletes.
/// * `:path` — sent on that path and below ("/blog" matches "/blog/x", not
///   "/blogger"); default "/".
/// * `:domain` — sent to that host and its subdomains; a cookie whose domain
///   does not cover the host that set it is ignored. Without it the cookie
///   goes back to the setting host only.
/// * `:secure true` — sent only over a secure transport (TLS, or a Unix
///   socket, which never leaves the host); capability grants are secure.
/// * `:same-site` — `:strict` or `:lax` (the default): not sent on a request
///   made for another site, i.e. one whose `:origin` header names a host the
///   cookie's domain does not cover; `:none`: sent on such requests too, and
///   then only when `:secure` (a `:none` cookie without it is ignored).
class cookie_jar {
public:
    using clock = std::chrono::steady_clock;

    /// Where a request goes, as far as cookies care.
    struct destination {
        std::string host;                ///< the server's host name or address; empty: any
        bool secure = false;             ///< TLS or a Unix socket
        std::optional<std::string> origin_host;  ///< the host of the request's `:origin`, if it has one
    };

    /// Applies a response's `:set-cookie`, received from `host`. A `:max-age`
    /// of 0 or less deletes the cookie; any positive one is kept, its expiry
    /// saturating at the clock's last time point (any int64 is safe).
    void apply(const std::map<sx::keyword, cookie>& set, std::string_view host = {}, clock::time_point now = clock::now()) {
        for (const auto& [name, c] : set) {
            if (c.delete_.value_or(false) || (c.max_age && *c.max_age <= 0)) {
                jar_.erase(name);
                continue;
            }
            entry e;
            e.value = c.value;
            e.path = c.path.value_or("/");
            e.secure = c.secure.value_or(false);
            if (c.domain) {
                e.domain = lower(*c.domain);
                if (!e.domain.empty() && e.domain.front() == '.') e.domain.erase(0, 1);
                if (!host.empty() && !domain_matches(lower(host), e.domain)) continue;  // a server sets cookies for itself only
                e.host_only = false;
            } else {
                e.domain = lower(host);
            }
            const std::string_view site = c.same_site ? c.same_site->name() : std::string_view("lax");
            e.cross_site = site == "none";
            if (e.cross_site && !e.secure) continue;
            if (c.max_age) e.expires = expiry(now, *c.max_age);
            jar_.insert_or_assign(name, std::move(e));
        }
    }
    void apply(const std::map<sx::keyword, cookie>& set, clock::time_point now) { apply(set, std::string_view(), now); }
    /// The cookies for a request to `path` at `to`, or nullopt when none apply.
    std::optional<std::map<sx::keyword, sx::value>> for_request(std::string_view path, const destination& to, clock::time_point now = clock::now()) {
        std::map<sx::keyword, sx::value> out;
        const std::string host = lower(to.host);
        for (auto it = jar_.begin(); it != jar_.end();) {
            const entry& e = it->second;
            if (e.expires && *e.expires <= now) {
                it = jar_.erase(it);
                continue;
            }
            const bool host_ok = host.empty() || e.domain.empty() || (e.host_only ? host == e.domain : domain_matches(host, e.domain));
            const bool site_ok = e.cross_site || !to.origin_host || (e.domain.empty() ? true : domain_matches(lower(*to.origin_host), e.domain));
            if (host_ok && site_ok && (!e.secure || to.secure) && path_matches(e.path, path)) out.emplace(it->first, e.value);
            ++it;
        }
        if (out.empty()) return std::nullopt;
        return out;
    }
    /// for_request(path) for a secure destination with no host and no
    /// origin (every cookie whose path matches).
    std::optional<std::map<sx::keyword, sx::value>> for_path(std::string_view path, clock::time_point now = clock::now()) {
        return for_request(path, destination{{}, true, std::nullopt}, now);
    }
    std::size_t size() const noexcept { return jar_.size(); }

private:
    struct entry {
        sx::value value;
        std::string path;
        std::string domain;     // the host it goes to (host_only), or the domain whose hosts it goes to; "" for any
        bool host_only = true;
        bool secure = false;
        bool cross_site = false;  // :same-site :none
        std::optional<clock::time_point> expires;
    };
    static std::string lower(std::string_view s) {
        std::string out(s);
        for (char& c : out)
            if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
        return out;
    }
    // "a.example.com" and "example.com" match "example.com"; "badexample.com" does not.
    static bool domain_matches(std::string_view host, std::string_view domain) {
        if (host == domain) return true;
        return host.size() > domain.size() && host.ends_with(domain) && host[host.size() - domain.size() - 1] == '.';
    }
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
