// sxtp/security/policy.hpp — who a caller is and what it may do (SPEC §7):
// HMAC-signed internal calls, bearer tokens for public ones, server-signed
// capability cookies, and the capability check. Needs OpenSSL and Asio
// (the sxtp::net target).
//
//   sxtp::security_options sec;
//   sec.hmac_keys = {{.id = "blog", .secrets = {"s3cret"}, .principal = "blog-service", .capabilities = {"fetch", "db:read"}}};
//   sec.bearer = sxtp::security::static_tokens({{"tok-alice", {"alice", {"blog:read"}}}});
//   server_options.security = std::make_shared<sxtp::security_policy>(std::move(sec));
//
// Per request the server authenticates, then authorizes:
//
// 1. A `:cookies {:capabilities (grant …)}` must have exactly the fields the
//    MAC covers (those of security::grant, each once, nothing else), carry
//    the server's MAC and be unexpired, or the request is refused
//    `forbidden`/`unauthenticated`. A valid grant adds its capabilities.
// 2. `:auth (hmac …)` (see security/hmac.hpp): the time at most clock_skew
//    behind and future_skew ahead of the server's clock, the key id known,
//    the signature equal (constant time) under one of the key's secrets
//    (several: key rotation), and the nonce unseen in the window (per key
//    id: security/nonce_cache.hpp). `:auth (bearer "T")`:
//    the bearer validator decides. Any other `:auth`, or a failed check:
//    `unauthenticated`. No `:auth`: the anonymous principal.
// 3. Required (the endpoint's) ∪ listed (the request's `:capabilities`, and
//    its `:headers {:capabilities …}`) must lie in the
//    granted set: else `insufficient-capabilities` with `:detail {:missing
//    (…)}` for an authenticated caller, `unauthenticated` for an anonymous one.
//
// `ping` is always answered. Secrets, tokens and signatures never appear in
// conditions or in the log (conditions name the failed check only). Peer
// integers (`:time`, `:expires`) are compared, never subtracted unchecked:
// any int64 is refused or admitted without overflow.
#ifndef SXTP_SECURITY_POLICY_HPP
#define SXTP_SECURITY_POLICY_HPP

#include <sxtp/detail/saturating.hpp>
#include <sxtp/security/hmac.hpp>
#include <sxtp/security/nonce_cache.hpp>
#include <sxtp/security/principal.hpp>
#include <sxtp/wire/conditions.hpp>
#include <sxtp/wire/limits.hpp>

#include <boost/asio/awaitable.hpp>

#include <openssl/sha.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace sxtp {

namespace security {

/// An HMAC key id with its secrets (the first signs, any verifies: add the
/// new secret first, roll the clients, then drop the old one) and what its
/// holder is.
struct hmac_key {
    std::string id;
    std::vector<std::string> secrets;
    std::string principal;
    std::vector<std::string> capabilities;
};

/// Validates a bearer token: the caller, or nullopt to refuse it. May
/// suspend (ask an identity provider). Runs on the connection's executor.
using bearer_validator = std::function<boost::asio::awaitable<std::optional<sxtp::principal>>(std::string token)>;

/// A bearer_validator over a fixed table of tokens. Tokens are compared by
/// their SHA-256, so lookup time says nothing about how much of a guess was right.
class static_tokens {
public:
    static_tokens(std::map<std::string, sxtp::principal> table) : table_(std::make_shared<std::map<std::string, sxtp::principal>>()) {
        for (auto& [token, who] : table) {
            who.authenticated = true;
            table_->emplace(digest(token), std::move(who));
        }
    }
    boost::asio::awaitable<std::optional<sxtp::principal>> operator()(std::string token) const {
        const auto it = table_->find(digest(token));
        if (it == table_->end()) co_return std::nullopt;
        co_return it->second;
    }

private:
    static std::string digest(std::string_view token) {
        unsigned char d[SHA256_DIGEST_LENGTH];
        SHA256(reinterpret_cast<const unsigned char*>(token.data()), token.size(), d);
        return std::string(reinterpret_cast<const char*>(d), sizeof d);
    }
    std::shared_ptr<std::map<std::string, sxtp::principal>> table_;
};

/// A capability grant as it travels in the `:capabilities` cookie:
/// `(grant :subject "alice" :capabilities (blog:read) :expires T :mac "…")`,
/// the MAC being hex HMAC-SHA256 under the server's cookie secret of the
/// canonical form of the same grant without `:mac`. A cookie with any other
/// field, a repeated one or a positional item is refused: the MAC would not
/// cover it.
struct grant {
    static constexpr std::string_view sxtp_form = "grant";
    BOOST_HANA_DEFINE_STRUCT(grant,
        (std::string, subject),
        (std::vector<sx::symbol>, capabilities),
        (std::int64_t, expires),
        (std::optional<std::string>, mac));
};

} // namespace security

/// What a security_policy checks (see the top of this file).
struct security_options {
    /// Keys accepted for `:auth (hmac …)`.
    std::vector<security::hmac_key> hmac_keys;
    /// Validator for `:auth (bearer "…")`; empty: bearer tokens are refused.
    security::bearer_validator bearer;
    /// Capabilities granted to callers without `:auth` (the anonymous principal).
    std::vector<std::string> anonymous_capabilities;
    /// Secret of the capability-cookie MAC; empty: a random one (cookies
    /// then die with the process and are not shared between servers).
    std::string cookie_secret;
    /// How far a signed request's `:time` may be behind the server's clock.
    std::chrono::seconds clock_skew{300};
    /// How far a signed request's `:time` may be ahead of the server's clock.
    /// Small, because the replay cache must remember a nonce for
    /// clock_skew + future_skew: a larger allowance lets a key fill its share
    /// with far-future nonces for longer.
    std::chrono::seconds future_skew{30};
    /// Nonces remembered, in all; each key id of hmac_keys gets an equal
    /// share (security/nonce_cache.hpp). Size it as keys × rate per key ×
    /// (clock_skew + future_skew).
    std::size_t max_nonces = 262144;
    /// Unix time in seconds; default: the system clock. (Tests inject one.)
    std::function<std::int64_t()> clock;
    /// Limits of a connection until one of its requests authenticates
    /// (`:auth` or a capability cookie), as Redis limits unauthenticated
    /// clients: small frames, few requests in flight.
    std::optional<wire::connection_limits> preauth_limits = wire::connection_limits{{.max_frame = 64 << 10}, 4};
};

/// Authentication and authorization for a server (server_options::security).
/// Thread-safe: one policy may serve every worker.
class security_policy {
public:
    /// What authentication decided: the caller, or why it is refused.
    struct outcome {
        std::shared_ptr<const principal> caller;
        std::optional<condition> refusal;
        /// The request carries a bearer token: authenticate_bearer() decides.
        bool needs_validator = false;
    };

    explicit security_policy(security_options o) : options_(std::move(o)), nonces_(cache_limits(options_)) {
        if (options_.cookie_secret.empty()) options_.cookie_secret = security::random_hex(32);
        auto anon = std::make_shared<principal>();
        anon->capabilities = options_.anonymous_capabilities;
        anonymous_ = std::move(anon);
        for (const auto& k : options_.hmac_keys) {
            auto p = std::make_shared<principal>(principal{k.principal, k.capabilities, true});
            keys_.emplace(k.id, key_entry{k.secrets, std::move(p)});
        }
    }

    const security_options& options() const noexcept { return options_; }

    /// The server's Unix time, in seconds.
    std::int64_t now() const {
        if (options_.clock) return options_.clock();
        return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
    }

    /// Authenticates `req` as far as it can without suspending: HMAC, the
    /// capability cookie, or anonymous. `why` receives what the log may see.
    outcome authenticate(const request& req, std::string* why = nullptr) const {
        outcome out;
        std::optional<security::grant> cookie;
        if (req.cookies) {
            if (auto it = req.cookies->find(grant_cookie_name()); it != req.cookies->end()) {
                std::string failed;
                cookie = check_grant(it->second, failed);
                if (!cookie) return refuse(std::move(failed), why);
            }
        }
        if (!req.auth) {
            out.caller = cookie ? with_grant(*anonymous_, *cookie) : anonymous_;
            return out;
        }
        const sx::value& a = *req.auth;
        const std::string_view scheme = a.is_list() && !a.empty() && a[0].is_symbol() ? a[0].name() : std::string_view();
        if (scheme == "bearer") {
            if (!options_.bearer) return refuse("bearer tokens are not accepted by this server", why);
            if (a.size() != 2 || !a[1].is_string()) return refuse(":auth (bearer \"TOKEN\") takes one string", why);
            out.needs_validator = true;
            return out;
        }
        if (scheme != "hmac") return refuse(":auth must be (hmac …) or (bearer \"TOKEN\")", why);
        auto h = typed::try_from_sx<security::hmac_auth>(a);
        if (!h) return refuse(":auth (hmac …): " + h.error().message(), why);
        std::string failed = check_hmac(req, *h);
        if (!failed.empty()) return refuse(std::move(failed), why);
        const auto& who = keys_.at(h->key_id).who;
        out.caller = cookie ? with_grant(*who, *cookie) : who;
        return out;
    }

    /// Finishes authenticating a request for which authenticate() said
    /// needs_validator: asks the bearer validator.
    boost::asio::awaitable<outcome> authenticate_bearer(const request& req, std::string* why = nullptr) const {
        std::optional<principal> who = co_await options_.bearer(std::string((*req.auth)[1].as_string()));
        if (!who) co_return refuse("bearer token refused", why);
        who->authenticated = true;
        outcome out;
        out.caller = std::make_shared<principal>(std::move(*who));
        if (req.cookies) {  // checked by authenticate() already
            if (auto it = req.cookies->find(grant_cookie_name()); it != req.cookies->end())
                if (std::string ignored; auto g = check_grant(it->second, ignored)) out.caller = with_grant(*out.caller, *g);
        }
        co_return out;
    }

    /// The refusal when `caller` lacks one of `required` or of what the
    /// request lists in `:capabilities`; nullopt when everything is granted.
    std::optional<std::pair<status_code, condition>> authorize(const principal& caller, std::span<const std::string> required,
                                                               const request& req) const {
        conditions::insufficient_capabilities missing;
        auto need = [&](std::string_view c) {
            if (caller.grants(c)) return;
            for (const auto& m : missing.missing)
                if (m.name() == c) return;
            missing.missing.emplace_back(std::string(c));
        };
        for (const std::string& c : required) need(c);
        if (req.capabilities)
            for (const auto& c : *req.capabilities) need(c.name());
        if (req.headers && req.headers->capabilities)  // SPEC §6's header says the same as the field
            for (const auto& c : *req.headers->capabilities) need(c.name());
        if (missing.missing.empty()) return std::nullopt;
        if (!caller.authenticated)
            return std::pair{status_code::forbidden, make_condition(conditions::unauthenticated{}, "authentication required", req.path)};
        return std::pair{status_code::forbidden, make_condition(missing, "insufficient capabilities", req.path)};
    }

    /// A `:set-cookie` entry granting `capabilities` to `subject` for `ttl`
    /// (see grant_cookie_name()). Put it in call_context::set_cookie.
    cookie issue_grant(std::string subject, std::vector<std::string> capabilities, std::chrono::seconds ttl, std::string path = "/") const {
        security::grant g;
        g.subject = std::move(subject);
        for (auto& c : capabilities) g.capabilities.emplace_back(std::move(c));
        g.expires = detail::saturating_add(now(), ttl.count());
        g.mac = grant_mac(g);
        cookie c;
        c.value = typed::to_sx(g);
        c.max_age = ttl.count();
        c.path = std::move(path);
        return c;
    }
    /// The cookie that carries capability grants: `:capabilities`.
    static const sx::keyword& grant_cookie_name() {
        static const sx::keyword k(std::string("capabilities"));
        return k;
    }

private:
    struct key_entry {
        std::vector<std::string> secrets;
        std::shared_ptr<const principal> who;
    };

    static outcome refuse(std::string reason, std::string* why) {
        outcome out;
        out.refusal = make_condition(conditions::unauthenticated{}, reason);
        if (why) *why = std::move(reason);
        return out;
    }

    // "" when the signature holds; else what failed (no secret in it).
    std::string check_hmac(const request& req, const security::hmac_auth& h) const {
        if (h.key_id.empty() || h.key_id.size() > security::max_nonce_size) return "hmac :key-id must be 1 to 64 bytes";
        if (h.nonce.empty() || h.nonce.size() > security::max_nonce_size) return "hmac :nonce must be 1 to 64 bytes";
        const std::int64_t t = now();
        const security::nonce_cache::limits& window = nonces_.bounds();
        if (h.time < detail::saturating_sub(t, window.past_seconds) || h.time > detail::saturating_add(t, window.future_seconds)) {
            std::int64_t distance = 0;
            const std::string accepted = " from the server's clock (accepted: " + std::to_string(window.past_seconds) + " s behind to " +
                                         std::to_string(window.future_seconds) + " s ahead)";
            if (__builtin_sub_overflow(h.time, t, &distance)) return "hmac :time is over 9223372036854775807 s" + accepted;
            return "hmac :time is " + std::to_string(distance) + " s" + accepted;
        }
        const auto k = keys_.find(h.key_id);
        if (k == keys_.end()) return "unknown hmac key id \"" + h.key_id + "\"";
        std::string text;
        try {
            text = security::string_to_sign(h.key_id, h.time, h.nonce, req);
        } catch (const std::exception&) {
            return "the request has no canonical form to verify";
        }
        bool match = false;
        for (const auto& secret : k->second.secrets)  // every secret, whatever matched: no early exit to time
            match = security::equal_constant_time(security::hmac_sha256_hex(secret, text), h.signature) || match;
        if (!match) return "hmac signature does not match";
        switch (nonces_.check(h.key_id, h.nonce, h.time, t)) {
        case security::nonce_cache::verdict::fresh: return {};
        case security::nonce_cache::verdict::replayed: return "hmac nonce already used (replay)";
        case security::nonce_cache::verdict::forgotten: return "hmac :time is older than the replay cache remembers for this key; sign again";
        case security::nonce_cache::verdict::out_of_window: return "hmac :time is outside the replay window";
        case security::nonce_cache::verdict::too_many_keys: return "the replay cache has no room for another key id";
        }
        return "hmac check failed";
    }

    std::string grant_mac(security::grant g) const {
        g.mac.reset();
        return security::hmac_sha256_hex(options_.cookie_secret, sx::canonical(typed::to_sx(g)));
    }

    // Each key id of the options gets an equal share of max_nonces.
    static security::nonce_cache::limits cache_limits(const security_options& o) {
        std::vector<std::string_view> ids;
        for (const auto& k : o.hmac_keys) ids.push_back(k.id);
        std::sort(ids.begin(), ids.end());
        const auto distinct = static_cast<std::size_t>(std::unique(ids.begin(), ids.end()) - ids.begin());
        return {.max_entries = o.max_nonces, .max_keys = std::max<std::size_t>(1, distinct), .past_seconds = o.clock_skew.count(),
                .future_seconds = o.future_skew.count()};
    }

    // "" when `v` is a grant form whose fields are exactly those of
    // security::grant, each once (typed decoding would ignore others, and the
    // MAC covers only these); else why not.
    static std::string grant_shape_error(const sx::value& v) {
        using fields = typed::detail::field_keywords<security::grant>;
        if (!v.is_list() || v.empty() || !v[0].is_symbol(security::grant::sxtp_form)) return "the capabilities cookie is not a server grant";
        const sx::form_view f(v);
        if (f.positional().begin() != f.positional().end()) return "the capabilities cookie has an item the server did not sign";
        std::array<bool, fields::count> seen{};
        for (const auto& a : f.arguments()) {
            std::size_t i = 0;
            while (i < fields::count && fields::name(i) != a.name) ++i;
            constexpr std::size_t echoed = 64;  // the name is the peer's text: echoed only when short
            if (i == fields::count)
                return "the capabilities cookie has a field the server did not sign" +
                       (a.name.size() <= echoed ? " (:" + std::string(a.name) + ")" : std::string());
            if (seen[i]) return "the capabilities cookie repeats :" + std::string(a.name);
            seen[i] = true;
        }
        for (std::size_t i = 0; i < fields::count; ++i)
            if (!seen[i]) return "the capabilities cookie has no :" + std::string(fields::name(i));
        return {};
    }

    // The grant in a `:capabilities` cookie, or nullopt with `failed` saying why not.
    std::optional<security::grant> check_grant(const sx::value& v, std::string& failed) const {
        if (failed = grant_shape_error(v); !failed.empty()) return std::nullopt;
        auto g = typed::try_from_sx<security::grant>(v);
        if (!g) failed = "the capabilities cookie is not a server grant";
        else if (!g->mac) failed = "the capabilities cookie has no :mac";
        else if (!security::equal_constant_time(grant_mac(*g), *g->mac)) failed = "the capabilities cookie was altered or forged";
        else if (g->expires <= now()) failed = "the capabilities cookie has expired";
        else return std::move(*g);
        return std::nullopt;
    }

    static std::shared_ptr<const principal> with_grant(const principal& base, const security::grant& g) {
        auto p = std::make_shared<principal>(base);
        if (!p->authenticated) p->name = g.subject;
        p->authenticated = true;
        for (const auto& c : g.capabilities)
            if (!p->grants(c.name())) p->capabilities.emplace_back(c.name());
        return p;
    }

    security_options options_;
    mutable security::nonce_cache nonces_;
    std::shared_ptr<const principal> anonymous_;
    std::map<std::string, key_entry, std::less<>> keys_;
};

} // namespace sxtp

#endif
