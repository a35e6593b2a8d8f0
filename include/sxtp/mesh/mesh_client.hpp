// sxtp/mesh/mesh_client.hpp — calls to a service by name (SPEC §10): nodes
// come from the registry (refreshed every `refresh`), each node has its own
// sxtp::client, a call goes to the live node with the fewest calls
// outstanding (or round robin), and fails over:
//
// * a node whose connection fails is ejected for `eject` (doubling with
//   each failure in a row, at most `eject_max`), and skipped while ejected
//   unless no other node is left;
// * a call is repeated on another node only when that is safe — the
//   request never reached the wire (`connection-failed :retry true`), the
//   server said `unavailable` with `:retry true`, or the verb is one of
//   `fetch navigate query inspect ping` (no effects) — at most
//   `max_attempts` in all, within the call's deadline, and within a retry
//   budget (each call earns 0.2 retries, at most 10 banked), so that a
//   failing service is not hit with a retry storm.
//
// Every call ends in exactly one answer: the node's, or the last attempt's
// condition, or `unavailable`/`no-live-node` `:retry true` when the registry
// knows no node. Needs the sxtp::mesh target.
//
// Nodes that speak only seed 003's Mesh transport (HTTP/2 /channel, JSON)
// are called by typed call<E> when `mesh_options::mesh_transport` is set
// (mesh::http2_transport() from sxtp/mesh/channel_client.hpp, target
// sxtp::mesh_http2): the same balancing, failover and retries. A node that
// speaks both is called over SXTP. call_raw() calls SXTP nodes only (a raw
// request names no function).
#ifndef SXTP_MESH_MESH_CLIENT_HPP
#define SXTP_MESH_MESH_CLIENT_HPP

#include <sxtp/client/client.hpp>
#include <sxtp/mesh/registry.hpp>
#include <sxtp/rpc/function.hpp>

#include <boost/describe.hpp>

#include <algorithm>
#include <map>
#include <memory>

namespace sxtp::mesh {

namespace conditions {
/// No node of the service is registered (or every one is gone). (unavailable, `:retry true`)
struct no_live_node {
    static constexpr std::string_view sxtp_condition = "no-live-node";
    static constexpr status_code sxtp_status = status_code::unavailable;
    static constexpr bool sxtp_retry = true;
    std::string service;
};
BOOST_DESCRIBE_STRUCT(no_live_node, (), (service))
} // namespace conditions

/// How mesh_client calls a node that speaks only the Mesh transport.
class node_caller {
public:
    virtual ~node_caller() = default;
    /// Calls function `f` with `req` (its SXTP form: headers, auth) and the
    /// call's plain payload. Answers like client::call_raw: the node's
    /// answer, or connection-failed (`:retry true` when nothing was sent),
    /// or deadline-exceeded.
    virtual boost::asio::awaitable<response> call(const function_info& f, const sxtp::request& req, sx::value payload, call_options opts) = 0;
    /// Closes the connection; calls in flight end connection-failed.
    virtual void close() = 0;
};
/// Makes the caller of one node.
using node_caller_factory = std::function<std::unique_ptr<node_caller>(const boost::asio::any_io_executor&, const node&)>;

struct mesh_options {
    /// Options of each node's client (auth, TLS context, timeouts, pool size).
    client_options client;
    /// How long a discovered node list is used before asking the registry again.
    std::chrono::milliseconds refresh{2000};
    /// How long a failing node is skipped; doubles with each failure in a row.
    std::chrono::milliseconds eject{1000};
    std::chrono::milliseconds eject_max{30000};
    /// Attempts in all for a call that may be repeated.
    int max_attempts = 3;
    enum class balance { least_outstanding, round_robin } policy = balance::least_outstanding;
    /// Reaches nodes that speak only the Mesh transport (unset: they are skipped).
    node_caller_factory mesh_transport;
};

class mesh_client {
public:
    using executor_type = boost::asio::any_io_executor;
    using clock = std::chrono::steady_clock;

    mesh_client(executor_type ex, registry& r, mesh_options o = {}) : ex_(std::move(ex)), registry_(r), options_(std::move(o)) {}
    mesh_client(const mesh_client&) = delete;
    mesh_client& operator=(const mesh_client&) = delete;

    /// Calls endpoint E on a node of `service`. Params and body as for
    /// client::call: positional braces (built inside the call, safe under
    /// g++ 12) or values. Pass a handler's span on with `{.trace = ctx.trace()}`.
    template <class E>
        requires has_body<E>
    boost::asio::awaitable<reply<E>> call(std::string service, call_arg<typename E::params> params, call_arg<typename E::body> body,
                                          call_options opts = {}) {
        return call_typed<E>(std::move(service), std::move(params).take(), std::move(body).take(), std::move(opts));
    }
    template <class E>
        requires(!has_body<E>)
    boost::asio::awaitable<reply<E>> call(std::string service, call_arg<typename E::params> params, call_options opts = {}) {
        return call_typed<E>(std::move(service), std::move(params).take(), no_body{}, std::move(opts));
    }

    /// The untyped call, with failover (SXTP nodes only).
    boost::asio::awaitable<response> call_raw(std::string service, sxtp::request req, call_options opts = {}) {
        return call_any(std::move(service), std::move(req), nullptr, {}, std::move(opts));
    }

    /// Calls sent to nodes (attempts), and how many of them were repeats.
    std::uint64_t attempts() const noexcept { return calls_; }
    std::uint64_t retries() const noexcept { return retries_; }
    /// The nodes of `service` as last discovered, with whether each is ejected now.
    std::vector<std::pair<node, bool>> nodes(const std::string& service) const {
        std::vector<std::pair<node, bool>> out;
        if (auto it = peers_.find(service); it != peers_.end())
            for (const auto& p : it->second) out.emplace_back(p->n, p->ejected_until > clock::now());
        return out;
    }

private:
    template <class E>
    boost::asio::awaitable<reply<E>> call_typed(std::string service, typename E::params params, typename E::body body, call_options opts) {
        static const function_info f = function_of<E>();
        sxtp::request req = make_request<E>(params, body);
        std::function<sx::value()> payload;
        if (options_.mesh_transport) payload = [&params, &body] { return plain_payload_of<E>(params, body); };
        response r = co_await call_any(std::move(service), std::move(req), &f, std::move(payload), std::move(opts));
        co_return client::reply_from<E>(std::move(r));
    }

    // One call with failover: SXTP nodes, and Mesh-transport nodes when `f` names the function.
    boost::asio::awaitable<response> call_any(std::string service, sxtp::request req, const function_info* f, std::function<sx::value()> payload,
                                              call_options opts) {
        const auto deadline = opts.timeout ? std::optional<clock::time_point>(clock::now() + *opts.timeout) : std::nullopt;
        budget_ = std::min(budget_ + 0.2, 10.0);
        response last = no_node(service);
        for (int attempt = 1;; ++attempt) {
            co_await refresh(service);
            auto p = pick(service, f != nullptr && payload);
            if (!p) co_return last;  // nobody (left) to ask
            call_options attempt_opts = opts;
            if (deadline) {
                const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(*deadline - clock::now());
                if (left.count() <= 0) co_return last;
                attempt_opts.timeout = left;
            }
            ++p->outstanding;
            ++calls_;
            if (p->c) last = co_await p->c->call_raw(req, std::move(attempt_opts));
            else last = co_await p->m->call(*f, req, payload(), std::move(attempt_opts));
            --p->outstanding;
            const bool broke = is_condition(last, "connection-failed");
            if (broke) eject(*p);
            else p->failures = 0;
            if (attempt >= options_.max_attempts || !may_repeat(req, last) || budget_ < 1.0) co_return last;
            budget_ -= 1.0;
            ++retries_;
        }
    }

    struct peer {
        node n;
        std::unique_ptr<client> c;        // an SXTP node
        std::unique_ptr<node_caller> m;   // or a Mesh-transport node
        int outstanding = 0;
        int failures = 0;
        clock::time_point ejected_until{};
    };

    static bool is_condition(const response& r, std::string_view type) {
        const auto c = condition_of(r);
        return c && c->type.name() == type;
    }

    // SPEC §10: never sent, or unavailable :retry true, or a verb without effects.
    static bool may_repeat(const sxtp::request& req, const response& r) {
        const auto c = condition_of(r);
        if (!c) return false;
        if (c->retry.value_or(false) && (c->type.name() == "connection-failed" || r.status.code() == status_code::unavailable)) return true;
        static constexpr std::string_view safe[] = {"fetch", "navigate", "query", "inspect", "ping"};
        const bool safe_verb = std::find(std::begin(safe), std::end(safe), req.verb.name()) != std::end(safe);
        return safe_verb && (c->type.name() == "connection-failed" || r.status.code() == status_code::unavailable);
    }

    void eject(peer& p) {
        ++p.failures;
        auto d = options_.eject * (1 << std::min(p.failures - 1, 16));
        p.ejected_until = clock::now() + std::min<std::chrono::milliseconds>(d, options_.eject_max);
    }

    static response no_node(const std::string& service) {
        return condition_response(status_code::unavailable,
                                  make_condition(conditions::no_live_node{service}, "no live node of service " + service));
    }

    // Asks the registry when the list is older than `refresh`; keeps the
    // clients of nodes that stay, closes those of nodes that went.
    boost::asio::awaitable<void> refresh(const std::string& service) {
        auto& d = discovery_[service];
        if (!d) d = std::make_shared<discovery>(ex_);
        auto keep = d;
        if (d->in_flight) {  // another call is asking: wait for its answer (the asker set the timer)
            while (d->in_flight) {
                boost::system::error_code ec;
                co_await d->done.async_wait(boost::asio::redirect_error(boost::asio::use_awaitable, ec));
            }
            co_return;
        }
        if (d->at != clock::time_point{} && clock::now() - d->at < options_.refresh) co_return;
        d->in_flight = true;
        d->done.expires_at(clock::time_point::max());  // only here: setting it cancels waits in progress
        const std::vector<node> found = co_await registry_.discover(service);
        d->at = clock::now();
        d->in_flight = false;
        d->done.cancel();  // wake the waiters
        auto& list = peers_[service];
        std::vector<std::shared_ptr<peer>> next;
        for (const auto& n : found) {
            if (!n.port && (!n.mesh_port || !options_.mesh_transport)) continue;  // nothing to reach it with
            auto it = std::find_if(list.begin(), list.end(), [&](const auto& p) { return p->n.id == n.id; });
            if (it != list.end() && (*it)->n == n) {
                next.push_back(*it);
                continue;
            }
            auto p = std::make_shared<peer>();
            p->n = n;
            if (n.port) {
                net::address a;
                a.transport = n.tls ? net::transport::tls : net::transport::tcp;
                a.host = n.host;
                a.port = n.port;
                p->c = std::make_unique<client>(ex_, a, options_.client);
            } else {
                p->m = options_.mesh_transport(ex_, n);
            }
            next.push_back(std::move(p));
        }
        for (auto& p : list)
            if (std::find(next.begin(), next.end(), p) == next.end()) {  // calls in flight on it end connection-failed
                if (p->c) p->c->close();
                if (p->m) p->m->close();
            }
        list = std::move(next);
    }

    // A node to call: SXTP nodes, and Mesh-transport ones when `mesh_ok`.
    std::shared_ptr<peer> pick(const std::string& service, bool mesh_ok) {
        std::vector<std::shared_ptr<peer>> list;
        for (const auto& p : peers_[service])
            if (p->c || mesh_ok) list.push_back(p);
        if (list.empty()) return nullptr;
        const auto now = clock::now();
        std::vector<std::shared_ptr<peer>> live;
        for (const auto& p : list)
            if (p->ejected_until <= now) live.push_back(p);
        if (live.empty()) live = list;  // every node failing: try them anyway, rather than nothing
        if (options_.policy == mesh_options::balance::round_robin) return live[next_++ % live.size()];
        const auto least = std::min_element(live.begin(), live.end(), [](const auto& a, const auto& b) { return a->outstanding < b->outstanding; });
        // among equals, rotate so that an idle service still spreads its calls
        std::vector<std::shared_ptr<peer>> tied;
        for (const auto& p : live)
            if (p->outstanding == (*least)->outstanding) tied.push_back(p);
        return tied[next_++ % tied.size()];
    }

    executor_type ex_;
    registry& registry_;
    mesh_options options_;
    std::map<std::string, std::vector<std::shared_ptr<peer>>> peers_;
    // One service's discovery: when it was last asked, and whether it is being asked now.
    struct discovery {
        explicit discovery(const executor_type& ex) : done(ex) {}
        clock::time_point at{};
        bool in_flight = false;
        boost::asio::steady_timer done;  // cancelled when an answer is in
    };
    std::map<std::string, std::shared_ptr<discovery>> discovery_;
    std::size_t next_ = 0;
    double budget_ = 10.0;
    std::uint64_t calls_ = 0, retries_ = 0;
};

} // namespace sxtp::mesh

#endif
