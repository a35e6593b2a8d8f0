// The mesh end to end on loopback: three nodes of a service discovered
// through a private redis-server; internal calls; a node killed under load;
// Redis stopped and restarted under load; a graceful shutdown.
#include "../support/net_harness.hpp"
#include "redis_helpers.hpp"

#include <sxtp/mesh/internal.hpp>

#include <map>
#include <set>

using namespace sxtp;
using namespace sxtp::mesh;
using sxtp_test::redis_server;
namespace asio = boost::asio;

namespace {

redis_options at(const redis_server& r) {
    return sxtp_test::redis_at(r, std::chrono::milliseconds(500), std::chrono::milliseconds(300));
}

registry_options fast_registry() {
    registry_options o;
    o.ttl = std::chrono::seconds(1);
    o.heartbeat = std::chrono::milliseconds(250);
    return o;
}

// What the nodes did, shared by all of them.
// A typed endpoint the nodes serve: mesh_client::call<E>.
struct shout_params {
    BOOST_HANA_DEFINE_STRUCT(shout_params, (std::string, text), (std::int64_t, times));
};
struct shout : sxtp::endpoint<"query", "/shout"> {
    using params = shout_params;
    using result = std::string;
};

struct ledger {
    std::map<std::string, int> served;        // node → calls answered
    std::map<std::int64_t, int> actions;      // action id → times performed (any node)
    std::vector<std::string> inbox;
};

// One node of "relations": a server with the internal routes, announced in the registry.
struct relations_node {
    std::string name;
    std::unique_ptr<server> srv;
    std::unique_ptr<registry> reg;
    net::address where;

    relations_node(asio::io_context& io, std::string n, const redis_server& redis, std::shared_ptr<ledger> l,
                   std::shared_ptr<const component_registry> comps)
        : name(std::move(n)) {
        server_options so;
        so.heartbeat_interval = std::chrono::milliseconds(0);
        srv = std::make_unique<server>(io.get_executor(), so);
        serve_data(*srv, "whoami", [l, me = name](const sx::value&, call_context&) -> sx::value {
            ++l->served[me];
            return sx::value(me);
        });
        srv->handle<shout>([me = name](const shout_params& p) {
            std::string out = me + ":";
            for (std::int64_t i = 0; i < p.times; ++i) out += " " + p.text;
            return out;
        });
        serve_data(*srv, "trace", [](const sx::value&, call_context& ctx) -> sx::value {  // the span this node's call runs in
            return sx::value::list(ctx.trace().trace_id_hex(), ctx.trace().parent_id_hex());
        });
        serve_data(*srv, "slow", [l, me = name](const sx::value&, call_context&) -> asio::awaitable<sx::value> {
            asio::steady_timer t(co_await asio::this_coro::executor, std::chrono::milliseconds(300));
            co_await t.async_wait(asio::use_awaitable);
            ++l->served[me];
            co_return sx::value(me);
        });
        serve_action(*srv, "relate", [l, me = name](const sx::value& body, call_context&) -> sx::value {
            ++l->served[me];
            ++l->actions[body.find("id")->as_int()];
            return sx::value(me);
        });
        serve_fragment(*srv, "nav-tree", comps, [](const sx::value&, call_context&) -> sx::value {
            return sx::read("(~nav-wrapper :items ((~nav-item :label \"A\")))");
        });
        serve_inbox(*srv, [l](const sx::value& activity, call_context&) -> response {
            l->inbox.push_back(sx::canonical(activity));
            response r;
            r.status = status_code::accepted;
            return r;
        });
        where = srv->listen("sxtp://127.0.0.1:0");
        reg = std::make_unique<registry>(io.get_executor(), at(redis), fast_registry());
    }
};

std::shared_ptr<component_registry> relation_components() {
    auto c = std::make_shared<component_registry>();
    c->add(sx::read("(defcomp ~nav-wrapper (&key items) (nav (~title-row :title \"Relations\") (ul items)))"));
    c->add(sx::read("(defcomp ~nav-item (&key label) (li label))"));
    c->add(sx::read("(defcomp ~title-row (&key title) (h2 title))"));
    c->add(sx::read("(defcomp ~unused (&key) (p))"));
    return c;
}

struct mesh_fixture {
    redis_server redis;
    asio::io_context io;
    std::shared_ptr<ledger> l = std::make_shared<ledger>();
    std::shared_ptr<component_registry> comps = relation_components();
    std::vector<std::unique_ptr<relations_node>> nodes;
    registry client_registry{io.get_executor(), at(redis), fast_registry()};
    std::unique_ptr<mesh_client> mesh;

    mesh_fixture() {
        for (const char* n : {"node-a", "node-b", "node-c"}) nodes.push_back(std::make_unique<relations_node>(io, n, redis, l, comps));
        mesh_options mo;
        mo.refresh = std::chrono::milliseconds(200);
        mo.eject = std::chrono::milliseconds(500);
        mo.client.keepalive_interval = std::chrono::milliseconds(0);
        mo.client.reconnect_backoff = std::chrono::milliseconds(20);
        mesh = std::make_unique<mesh_client>(io.get_executor(), client_registry, mo);
    }
    ~mesh_fixture() {
        for (auto& n : nodes)
            if (n->srv) n->srv->stop_accepting();
    }

    template <class F>
    void run(F make) {
        sxtp_test::run_coroutine(io, std::move(make), std::chrono::seconds(30));
    }
    asio::awaitable<void> announce_all() {
        for (auto& n : nodes) co_await n->reg->announce("relations", "127.0.0.1", n->where.port);
    }
};

asio::awaitable<void> sleep_for(std::chrono::milliseconds d) {
    asio::steady_timer t(co_await asio::this_coro::executor, d);
    co_await t.async_wait(asio::use_awaitable);
}

std::string type_of(const response& r) {
    if (r.status.is_success()) return "ok";
    if (!r.body) return std::string(r.status.name());
    auto c = typed::try_from_sx<condition>(*r.body);
    return c ? std::string(c->type.name()) : std::string(r.status.name());
}

} // namespace

TEST_CASE("mesh: an internal call carries the caller's trace to the node that serves it") {
    mesh_fixture f;
    f.run([&]() -> asio::awaitable<void> {
        co_await f.announce_all();
        const trace_context mine = trace_context::start();  // as a handler's ctx.trace()
        const response r = co_await fetch_data(*f.mesh, "relations", "trace", {}, {.trace = mine});
        REQUIRE(r.status.is_success());
        REQUIRE(r.body);
        CHECK(sx::canonical(*r.body) == "(\"" + mine.trace_id_hex() + "\" \"" + mine.span_id_hex() + "\")");
        // typed, with braces inside the co_await (built by the call: safe under g++ 12)
        auto typed = co_await f.mesh->call<shout>("relations", {"a text long enough to live on the heap", 2}, {.trace = mine});
        REQUIRE(typed);
        CHECK(typed->find(": a text long enough to live on the heap a text long enough to live on the heap") != std::string::npos);
    });
}

TEST_CASE("mesh: internal calls by service name, spread over the nodes") {
    mesh_fixture f;
    component_registry mine;
    f.run([&]() -> asio::awaitable<void> {
        co_await f.announce_all();
        std::set<std::string> answered_by;
        for (int i = 0; i < 9; ++i) {
            const response r = co_await fetch_data(*f.mesh, "relations", "whoami");
            REQUIRE(r.status.is_success());
            answered_by.insert(std::string(r.body->as_string()));
        }
        CHECK(answered_by.size() == 3);  // every node took calls

        const response acted = co_await call_action(*f.mesh, "relations", "relate", sx::read("{:id 1 :from \"post-1\" :to \"post-2\"}"));
        CHECK(acted.status.is_success());
        CHECK(f.l->actions[1] == 1);

        const response frag = co_await fetch_fragment(*f.mesh, "relations", "nav-tree", sx::read("{:path \"/\"}"), mine);
        REQUIRE(frag.status.is_success());
        CHECK(sx::canonical(*frag.body) == "(~nav-wrapper :items ((~nav-item :label \"A\")))");
        CHECK(mine.has("~nav-wrapper"));
        CHECK(mine.has("~title-row"));   // used through ~nav-wrapper
        CHECK_FALSE(mine.has("~unused"));
        const std::size_t had = mine.size();
        const response again = co_await fetch_fragment(*f.mesh, "relations", "nav-tree", sx::value(), mine);
        CHECK(again.status.is_success());
        CHECK(mine.size() == had);  // :defs () the second time

        const response delivered =
            co_await send_internal_activity(*f.mesh, "relations", sx::read("(activity :type \"Like\" :actor \"alice\" :object \"post-1\")"));
        CHECK(delivered.status.code() == status_code::accepted);
        REQUIRE(f.l->inbox.size() == 1);
        CHECK(f.l->inbox[0] == "(activity :type \"Like\" :actor \"alice\" :object \"post-1\")");

        const response nobody = co_await fetch_data(*f.mesh, "no-such-service", "whoami");
        CHECK(nobody.status.code() == status_code::unavailable);
        CHECK(type_of(nobody) == "no-live-node");
    });
}

TEST_CASE("mesh: a node killed under load: every call answered once, traffic moves to the others") {
    mesh_fixture f;
    std::map<std::string, int> outcomes;
    int issued = 0, answered = 0;
    std::map<std::string, int> served_after_kill_start;
    f.run([&]() -> asio::awaitable<void> {
        co_await f.announce_all();
        const auto stop_at = std::chrono::steady_clock::now() + std::chrono::milliseconds(2500);
        int running = 0;
        std::int64_t next_action = 100;
        for (int w = 0; w < 12; ++w) {
            ++running;
            asio::co_spawn(f.io, [&, w]() -> asio::awaitable<void> {
                while (std::chrono::steady_clock::now() < stop_at) {
                    ++issued;
                    response r;
                    if (w % 3 == 0) r = co_await call_action(*f.mesh, "relations", "relate", sx::value::dict(sx::value::make_keyword_unchecked("id"), next_action++));
                    else r = co_await fetch_data(*f.mesh, "relations", "whoami");
                    ++answered;
                    ++outcomes[(w % 3 == 0 ? "action/" : "fetch/") + type_of(r)];
                }
                --running;
            }, asio::detached);
        }
        co_await sleep_for(std::chrono::milliseconds(500));
        // Kill node-b: connections cut, nothing more accepted, no DEL (its key expires after the TTL).
        auto& b = *f.nodes[1];
        b.reg.reset();
        b.srv->shutdown(std::chrono::milliseconds(0));
        co_await sleep_for(std::chrono::milliseconds(1200));  // TTL (1 s) and then some
        served_after_kill_start = f.l->served;
        while (running > 0) co_await sleep_for(std::chrono::milliseconds(10));
    });
    CHECK(issued == answered);
    INFO("fetch ok " << outcomes["fetch/ok"] << ", action ok " << outcomes["action/ok"]);
    // Reads are repeated on another node when their node fails: all succeed.
    int failed_fetches = 0, doubled_actions = 0;
    for (const auto& [what, n] : outcomes)
        if (what.rfind("fetch/", 0) == 0 && what != "fetch/ok") failed_fetches += n;
    CHECK(failed_fetches == 0);
    // Actions are not repeated after they may have run; none ran twice.
    for (const auto& [id, n] : f.l->actions)
        if (n != 1) ++doubled_actions;
    CHECK(doubled_actions == 0);
    CHECK(outcomes["action/ok"] > 0);
    // In the last second node-b served nothing more; the others did.
    CHECK(f.l->served["node-b"] == served_after_kill_start["node-b"]);
    CHECK(f.l->served["node-a"] > served_after_kill_start["node-a"]);
    CHECK(f.l->served["node-c"] > served_after_kill_start["node-c"]);
}

TEST_CASE("mesh: Redis stopped under load, calls go on over the cached nodes, and nodes re-register when it is back") {
    mesh_fixture f;
    int failed = 0, ok = 0;
    f.run([&]() -> asio::awaitable<void> {
        co_await f.announce_all();
        for (int i = 0; i < 6; ++i) {
            const response r = co_await fetch_data(*f.mesh, "relations", "whoami");
            r.status.is_success() ? ++ok : ++failed;
        }
        f.redis.stop();
        const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(800);
        while (std::chrono::steady_clock::now() < until) {
            const response r = co_await fetch_data(*f.mesh, "relations", "whoami");
            r.status.is_success() ? ++ok : ++failed;
        }
        f.redis.start();  // empty: the nodes' heartbeats register them again
        co_await sleep_for(std::chrono::milliseconds(600));
        registry fresh(f.io.get_executor(), at(f.redis), fast_registry());
        const auto nodes = co_await fresh.discover("relations");
        CHECK(nodes.size() == 3);
    });
    CHECK(failed == 0);
    CHECK(ok > 6);
}

TEST_CASE("mesh: a graceful shutdown deregisters at once and drains what is in flight") {
    mesh_fixture f;
    f.run([&]() -> asio::awaitable<void> {
        co_await f.announce_all();
        // a slow call on each node, then node-a leaves gracefully
        int done = 0;
        std::vector<std::string> slow_results;
        for (int i = 0; i < 3; ++i)
            asio::co_spawn(f.io, [&]() -> asio::awaitable<void> {
                const response r = co_await fetch_data(*f.mesh, "relations", "slow");
                slow_results.push_back(type_of(r));
                ++done;
            }, asio::detached);
        co_await sleep_for(std::chrono::milliseconds(50));
        auto& a = *f.nodes[0];
        co_await a.reg->withdraw();
        bool drained = false;
        a.srv->shutdown(std::chrono::seconds(2), [&] { drained = true; });
        registry fresh(f.io.get_executor(), at(f.redis), fast_registry());
        const auto nodes = co_await fresh.discover("relations");
        CHECK(nodes.size() == 2);  // gone at once, not after the TTL
        while (done < 3) co_await sleep_for(std::chrono::milliseconds(10));
        for (const auto& r : slow_results) CHECK(r == "ok");  // the one on node-a finished
        while (!drained) co_await sleep_for(std::chrono::milliseconds(10));
    });
}
