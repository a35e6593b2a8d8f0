// sxtp/mesh/registry.hpp — service discovery through Redis, in the Mesh
// registry's format (SPEC §10, seed 003): a node of service S is the key
// `mesh:service:S:{uuid}` holding
//
//   {"id":"…","service_name":"S","host":"…","port":N,
//    "metadata":{"protocol":"sxtp","tls":false,
//                "transports":{"sxtp":{"port":N,"tls":false},"mesh-h2":{"port":M,"tls":false}}, …user keys}}
//
// set with a TTL (10 s) and refreshed by a heartbeat (3 s); deleted on
// withdraw(). The record's `port` is the one a seed-003 peer can use (the
// Mesh-transport port when the node serves it). Discovery scans
// `mesh:service:S:*` and reads the values: sxtp nodes say which transports
// they speak; any other record is a Mesh node speaking seed 003's HTTP/2
// `/channel` on `port` (docs/mesh.md, "Registry records"). The last
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
    /// The SXTP port (0: the node speaks no SXTP) and whether it is TLS.
    unsigned short port = 0;
    bool tls = false;
    /// The Mesh-transport port, HTTP/2 `/channel` (0: none), and whether it is h2 over TLS.
    unsigned short mesh_port = 0;
    bool mesh_tls = false;
    /// The user's metadata (seed 003's `metadata` without sxtp's reserved keys).
    boost::json::object metadata;
    friend bool operator==(const node&, const node&) = default;
};

/// What announce() registers: a node of `service` at `host`, with an SXTP
/// port, a Mesh-transport port, or both.
struct announcement {
    std::string service;
    std::string host;
    unsigned short port = 0;
    bool tls = false;
    unsigned short mesh_port = 0;
    bool mesh_tls = false;
    boost::json::object metadata;
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
    o["port"] = n.mesh_port ? n.mesh_port : n.port;
    boost::json::object md = n.metadata;
    boost::json::object transports;
    if (n.port) transports["sxtp"] = boost::json::object{{"port", n.port}, {"tls", n.tls}};
    if (n.mesh_port) transports["mesh-h2"] = boost::json::object{{"port", n.mesh_port}, {"tls", n.mesh_tls}};
    md["protocol"] = "sxtp";
    md["tls"] = n.mesh_port ? n.mesh_tls : n.tls;
    md["transports"] = std::move(transports);
    o["metadata"] = std::move(md);
    return boost::json::serialize(o);
}

namespace detail {
inline std::optional<std::pair<unsigned short, bool>> port_of(const boost::json::value* v) {
    if (!v || !v->is_int64() || v->as_int64() <= 0 || v->as_int64() > 65535) return std::nullopt;
    return std::pair{static_cast<unsigned short>(v->as_int64()), false};
}
inline std::optional<std::pair<unsigned short, bool>> transport_of(const boost::json::object& transports, std::string_view name) {
    const auto* t = transports.if_contains(name);
    if (!t || !t->is_object()) return std::nullopt;
    auto p = port_of(t->as_object().if_contains("port"));
    if (!p) return std::nullopt;
    const auto* tls = t->as_object().if_contains("tls");
    p->second = tls && tls->is_bool() && tls->as_bool();
    return p;
}
} // namespace detail

/// A node from a registry value (docs/mesh.md, "Registry records"); nullopt
/// for malformed JSON, missing or out-of-range fields, and sxtp records
/// naming no transport sxtp knows.
inline std::optional<node> parse_node(std::string_view json) {
    boost::system::error_code ec;
    boost::json::parse_options opt;
    opt.max_depth = 32;
    boost::json::value v = boost::json::parse(json, ec, {}, opt);
    if (ec || !v.is_object()) return std::nullopt;
    const auto& o = v.as_object();
    const auto* id = o.if_contains("id");
    const auto* service = o.if_contains("service_name");
    const auto* host = o.if_contains("host");
    if (!id || !id->is_string() || !service || !service->is_string() || !host || !host->is_string()) return std::nullopt;
    const auto port = detail::port_of(o.if_contains("port"));
    if (!port) return std::nullopt;
    node n;
    n.id = std::string(id->as_string());
    n.service = std::string(service->as_string());
    n.host = std::string(host->as_string());
    if (const auto* meta = o.if_contains("metadata"); meta && meta->is_object()) n.metadata = meta->as_object();
    else if (meta && !meta->is_null()) return std::nullopt;
    const auto* protocol = n.metadata.if_contains("protocol");
    const auto* tls = n.metadata.if_contains("tls");
    const bool record_tls = tls && tls->is_bool() && tls->as_bool();
    const bool is_sxtp = protocol && protocol->is_string() && protocol->as_string() == "sxtp";
    if (!is_sxtp) {  // a Mesh node (seed 003): HTTP/2 /channel on `port`
        n.mesh_port = port->first;
        n.mesh_tls = record_tls;
        return n;
    }
    if (const auto* t = n.metadata.if_contains("transports"); t && t->is_object()) {
        if (auto x = detail::transport_of(t->as_object(), "sxtp")) std::tie(n.port, n.tls) = *x;
        if (auto x = detail::transport_of(t->as_object(), "mesh-h2")) std::tie(n.mesh_port, n.mesh_tls) = *x;
        if (!n.port && !n.mesh_port) return std::nullopt;
    } else {  // an sxtp node of one transport
        n.port = port->first;
        n.tls = record_tls;
    }
    for (const char* reserved : {"protocol", "tls", "transports"}) n.metadata.erase(reserved);
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

    /// Announces a node of `service` at host:port (SXTP); returns its id.
    /// The first SET happens at once, then every heartbeat.
    boost::asio::awaitable<std::string> announce(std::string service, std::string host, unsigned short port, bool tls = false) {
        return announce(announcement{std::move(service), std::move(host), port, tls, 0, false, {}});
    }
    /// Announces a node with its transports and metadata; returns its id.
    /// Throws std::invalid_argument when it names no port or uses a reserved metadata key.
    boost::asio::awaitable<std::string> announce(announcement a) {
        if (!a.port && !a.mesh_port) throw std::invalid_argument("sxtp::mesh::registry::announce: no port (SXTP or Mesh transport)");
        for (const char* reserved : {"protocol", "tls", "transports"})
            if (a.metadata.contains(reserved))
                throw std::invalid_argument(std::string("sxtp::mesh::registry::announce: metadata key \"") + reserved + "\" is sxtp's");
        auto st = st_;
        node n{uuid_v4(), std::move(a.service), std::move(a.host), a.port, a.tls, a.mesh_port, a.mesh_tls, std::move(a.metadata)};
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

    /// The live nodes of `service` (sxtp and Mesh nodes), sorted by id; the cached list when
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
