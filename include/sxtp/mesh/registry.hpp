// sxtp/mesh/registry.hpp — service discovery through Redis, in the Mesh
// registry's format (SPEC §10, seed 003): a node of service S is the key
// `mesh:service:S:{uuid}` holding
//
//   {"id":"…","service_name":"S","host":"…","port":N,"metadata":{"protocol":"sxtp","tls":false}}
//
// set with a TTL (10 s) and refreshed by a heartbeat (3 s); deleted on
// withdraw(). Discovery scans `mesh:service:S:*` and reads the values;
// nodes of other protocols (Mesh's HTTP/2 nodes) are skipped. The last
// good answer per service is cached: when Redis is down, discover() returns
// it, and the heartbeat keeps trying (each beat reconnects), so a restarted
// Redis gets every announced node back within one beat. Needs the
// sxtp::mesh target (hiredis, Boost.JSON).
#ifndef SXTP_MESH_REGISTRY_HPP
#define SXTP_MESH_REGISTRY_HPP

#include <sxtp/mesh/redis.hpp>
#include <sxtp/security/hmac.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/json.hpp>

#include <map>
#include <optional>

namespace sxtp::mesh {

/// One node of a service, as the registry holds it.
struct node {
    std::string id;
    std::string service;
    std::string host;
    unsigned short port = 0;
    bool tls = false;
    friend bool operator==(const node&, const node&) = default;
};

struct registry_options {
    /// Key lifetime: a node that stops beating disappears after this.
    std::chrono::seconds ttl{10};
    /// How often announced nodes are refreshed.
    std::chrono::milliseconds heartbeat{3000};
    /// Keys scanned per SCAN step; nodes kept per service (a bound on what a registry can make us hold).
    std::size_t scan_count = 100;
    std::size_t max_nodes = 1024;
};

/// A fresh UUID version 4 (OpenSSL's CSPRNG).
inline std::string uuid_v4() {
    std::string h = security::random_hex(16);
    h[12] = '4';
    h[16] = "89ab"[std::stoi(std::string(1, h[16]), nullptr, 16) & 3];
    return h.substr(0, 8) + '-' + h.substr(8, 4) + '-' + h.substr(12, 4) + '-' + h.substr(16, 4) + '-' + h.substr(20);
}

/// The registry's JSON value of `n`.
inline std::string node_json(const node& n) {
    boost::json::object o;
    o["id"] = n.id;
    o["service_name"] = n.service;
    o["host"] = n.host;
    o["port"] = n.port;
    o["metadata"] = boost::json::object{{"protocol", "sxtp"}, {"tls", n.tls}};
    return boost::json::serialize(o);
}

/// A node from a registry value; nullopt for values that are not SXTP
/// nodes (other protocols, malformed JSON, missing or out-of-range fields).
inline std::optional<node> parse_node(std::string_view json) {
    boost::system::error_code ec;
    boost::json::value v = boost::json::parse(json, ec);
    if (ec || !v.is_object()) return std::nullopt;
    const auto& o = v.as_object();
    const auto* id = o.if_contains("id");
    const auto* service = o.if_contains("service_name");
    const auto* host = o.if_contains("host");
    const auto* port = o.if_contains("port");
    const auto* meta = o.if_contains("metadata");
    if (!id || !id->is_string() || !service || !service->is_string() || !host || !host->is_string() || !port || !port->is_int64())
        return std::nullopt;
    if (port->as_int64() <= 0 || port->as_int64() > 65535) return std::nullopt;
    if (!meta || !meta->is_object()) return std::nullopt;
    const auto* protocol = meta->as_object().if_contains("protocol");
    if (!protocol || !protocol->is_string() || protocol->as_string() != "sxtp") return std::nullopt;
    const auto* tls = meta->as_object().if_contains("tls");
    node n;
    n.id = std::string(id->as_string());
    n.service = std::string(service->as_string());
    n.host = std::string(host->as_string());
    n.port = static_cast<unsigned short>(port->as_int64());
    n.tls = tls && tls->is_bool() && tls->as_bool();
    return n;
}

/// Announces nodes and discovers services. Not thread-safe (one
/// executor). Destroying it without withdraw() stops the heartbeat without
/// deleting the keys (as a crash would: they expire after the TTL).
class registry {
public:
    using executor_type = boost::asio::any_io_executor;

    registry(executor_type ex, redis_options redis, registry_options o = {}) : ex_(ex), st_(std::make_shared<state>(ex, std::move(redis), o)) {}
    registry(const registry&) = delete;
    registry& operator=(const registry&) = delete;
    ~registry() {
        st_->alive = false;
        st_->beat.cancel();
        st_->redis.close();
    }

    /// Announces a node of `service` at host:port; returns its id. The
    /// first SET happens at once, then every heartbeat.
    boost::asio::awaitable<std::string> announce(std::string service, std::string host, unsigned short port, bool tls = false) {
        auto st = st_;
        node n{uuid_v4(), std::move(service), std::move(host), port, tls};
        const std::string id = n.id;
        st->announced.push_back(n);
        co_await set(*st, n);
        if (!st->beating) {
            st->beating = true;
            boost::asio::co_spawn(ex_, heartbeat(st), boost::asio::detached);
        }
        co_return id;
    }

    /// Stops the heartbeat and deletes every announced node (graceful shutdown).
    boost::asio::awaitable<void> withdraw() {
        auto st = st_;
        st->alive = false;
        st->beat.cancel();
        for (const auto& n : st->announced) {
            std::vector<std::string> del{"DEL", key(n)};  // named: g++ 12 cannot keep an initializer list across co_await
            co_await st->redis.command(std::move(del));
        }
        st->announced.clear();
        st->redis.close();
    }

    /// The live SXTP nodes of `service`, sorted by id; the cached list when
    /// Redis cannot be asked (empty if it never could).
    boost::asio::awaitable<std::vector<node>> discover(std::string service) {
        auto st = st_;
        std::vector<std::string> keys;
        std::string cursor = "0";
        const std::string pattern = "mesh:service:" + service + ":*";
        do {
            std::vector<std::string> scan{"SCAN", cursor, "MATCH", pattern, "COUNT", std::to_string(st->options.scan_count)};
            redis_reply r = co_await st->redis.command(std::move(scan));
            if (r.type != redis_reply::kind::array || r.items.size() != 2 || r.items[1].type != redis_reply::kind::array) {
                ++st->failures;
                co_return st->cache[service];
            }
            cursor = r.items[0].text;
            for (const auto& k : r.items[1].items)
                if (keys.size() < st->options.max_nodes) keys.push_back(k.text);
        } while (cursor != "0");
        std::vector<node> found;
        if (!keys.empty()) {
            std::vector<std::string> mget{"MGET"};
            mget.insert(mget.end(), keys.begin(), keys.end());
            redis_reply r = co_await st->redis.command(std::move(mget));
            if (r.type != redis_reply::kind::array) {
                ++st->failures;
                co_return st->cache[service];
            }
            for (const auto& v : r.items)
                if (v.type == redis_reply::kind::string)
                    if (auto n = parse_node(v.text); n && n->service == service) found.push_back(std::move(*n));
        }
        std::sort(found.begin(), found.end(), [](const node& a, const node& b) { return a.id < b.id; });
        st->cache[service] = found;
        co_return found;
    }

    /// The last list discover() got for `service`.
    const std::vector<node>& cached(const std::string& service) { return st_->cache[service]; }
    /// Redis operations that failed (discovery and heartbeats).
    std::uint64_t failures() const noexcept { return st_->failures; }

private:
    // Shared with the heartbeat, which may outlive the registry by one step.
    struct state {
        state(const executor_type& ex, redis_options r, registry_options o) : redis(ex, std::move(r)), options(o), beat(ex) {}
        redis_connection redis;
        registry_options options;
        boost::asio::steady_timer beat;
        std::vector<node> announced;
        std::map<std::string, std::vector<node>> cache;
        bool alive = true;
        bool beating = false;
        std::uint64_t failures = 0;
    };

    static std::string key(const node& n) { return "mesh:service:" + n.service + ":" + n.id; }

    static boost::asio::awaitable<void> set(state& st, const node& n) {
        std::vector<std::string> cmd{"SET", key(n), node_json(n), "EX", std::to_string(st.options.ttl.count())};
        redis_reply r = co_await st.redis.command(std::move(cmd));
        if (r.is_error()) ++st.failures;
    }

    // Refreshes every announced node; a Redis that was down gets them back.
    static boost::asio::awaitable<void> heartbeat(std::shared_ptr<state> st) {
        while (st->alive) {
            st->beat.expires_after(st->options.heartbeat);
            boost::system::error_code ec;
            co_await st->beat.async_wait(boost::asio::redirect_error(boost::asio::use_awaitable, ec));
            if (ec || !st->alive) co_return;
            for (std::size_t i = 0; i < st->announced.size() && st->alive; ++i) {
                const node n = st->announced[i];
                co_await set(*st, n);
            }
        }
    }

    executor_type ex_;
    std::shared_ptr<state> st_;
};

} // namespace sxtp::mesh

#endif
