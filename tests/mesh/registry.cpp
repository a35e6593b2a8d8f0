// Redis discovery against a private redis-server: the RESP connection,
// register/expire/discover, withdraw, Redis down (cached nodes) and back
// (nodes re-registered).
#include "redis_helpers.hpp"

#include <sxtp/mesh/registry.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include <catch2/catch.hpp>

#include <exception>

using namespace sxtp::mesh;
using sxtp_test::redis_server;
namespace asio = boost::asio;

namespace {

using sxtp_test::run;

asio::awaitable<void> sleep_for(std::chrono::milliseconds d) {
    asio::steady_timer t(co_await asio::this_coro::executor, d);
    co_await t.async_wait(asio::use_awaitable);
}

redis_options at(const redis_server& r) {
    return sxtp_test::redis_at(r, std::chrono::milliseconds(1000), std::chrono::milliseconds(500));
}

} // namespace

TEST_CASE("redis: commands and replies through hiredis over Asio") {
    redis_server redis;
    asio::io_context io;
    redis_connection c(io.get_executor(), at(redis));
    run(io, [&]() -> asio::awaitable<void> {
        std::vector<std::string> set{"SET", "greeting", "hello world", "EX", "60"};
        auto ok = co_await c.command(set);
        CHECK(ok.type == redis_reply::kind::status);
        CHECK(ok.text == "OK");
        std::vector<std::string> get{"GET", "greeting"};
        auto v = co_await c.command(get);
        CHECK(v.type == redis_reply::kind::string);
        CHECK(v.text == "hello world");
        std::vector<std::string> missing{"GET", "nothing-here"};
        auto nil = co_await c.command(missing);
        CHECK(nil.is_nil());
        std::vector<std::string> incr{"INCRBY", "n", "41"};
        auto n = co_await c.command(incr);
        CHECK(n.integer == 41);
        std::vector<std::string> bad{"NOSUCHCOMMAND"};
        auto err = co_await c.command(bad);
        CHECK(err.is_error());
        std::vector<std::string> binary{"SET", "bin", std::string("a\0b\r\n", 5)};
        co_await c.command(binary);
        std::vector<std::string> getbin{"GET", "bin"};
        auto b = co_await c.command(getbin);
        CHECK(b.text == std::string("a\0b\r\n", 5));
    });
}

TEST_CASE("redis: a server that is down is an error reply, and the next command reconnects") {
    redis_server redis;
    asio::io_context io;
    redis_connection c(io.get_executor(), at(redis));
    run(io, [&]() -> asio::awaitable<void> {
        std::vector<std::string> ping{"PING"};
        auto a = co_await c.command(ping);
        CHECK(a.text == "PONG");
        redis.stop();
        auto down = co_await c.command(ping);
        CHECK(down.is_error());
        CHECK(down.text.rfind("ERR connection:", 0) == 0);
        redis.start();
        auto back = co_await c.command(ping);
        CHECK(back.text == "PONG");
    });
}

TEST_CASE("redis: close() at any step of a command in flight answers it and the next command reconnects") {
    redis_server redis;
    CHECK(sxtp_test::close_at_every_step(at(redis)) > 2);
}

TEST_CASE("registry: nodes register in the Mesh format, are discovered, expire and withdraw") {
    redis_server redis;
    asio::io_context io;
    registry_options fast;
    fast.ttl = std::chrono::seconds(1);
    fast.heartbeat = std::chrono::milliseconds(300);
    auto a = std::make_unique<registry>(io.get_executor(), at(redis), fast);
    registry b(io.get_executor(), at(redis), fast);
    registry watcher(io.get_executor(), at(redis), fast);
    run(io, [&]() -> asio::awaitable<void> {
        const std::string id_a = co_await a->announce("relations", "127.0.0.1", 7001);
        const std::string id_b = co_await b.announce("relations", "127.0.0.1", 7002, true);
        co_await b.announce("blog", "127.0.0.1", 7100);
        CHECK(id_a.size() == 36);
        CHECK(id_a[14] == '4');  // UUID v4

        // The stored value is the Mesh registry's JSON.
        redis_connection raw(io.get_executor(), at(redis));
        std::vector<std::string> get{"GET", "mesh:service:relations:" + id_a};
        auto value = co_await raw.command(get);
        const auto parsed = parse_node(value.text);
        REQUIRE(parsed);
        CHECK(parsed->port == 7001);
        CHECK(value.text.find("\"service_name\":\"relations\"") != std::string::npos);
        CHECK(value.text.find("\"protocol\":\"sxtp\"") != std::string::npos);
        std::vector<std::string> ttl{"TTL", "mesh:service:relations:" + id_a};
        auto t = co_await raw.command(ttl);
        CHECK(t.integer >= 0);
        CHECK(t.integer <= 1);

        // A Mesh HTTP/2 node (seed 003) is found as one; garbage under the same prefix is skipped.
        std::vector<std::string> other{"SET", "mesh:service:relations:other", R"({"id":"x","service_name":"relations","host":"h","port":1,"metadata":{}})"};
        co_await raw.command(other);
        std::vector<std::string> junk{"SET", "mesh:service:relations:junk", "{not json"};
        co_await raw.command(junk);

        auto all = co_await watcher.discover("relations");
        REQUIRE(all.size() == 3);
        std::vector<node> nodes;
        for (const auto& n : all) {
            if (n.id == "x") {
                CHECK(n.port == 0);
                CHECK(n.mesh_port == 1);
                CHECK_FALSE(n.mesh_tls);
            } else {
                nodes.push_back(n);
            }
        }
        REQUIRE(nodes.size() == 2);
        CHECK((nodes[0].id == id_a || nodes[1].id == id_a));
        const auto& tls_node = nodes[0].id == id_b ? nodes[0] : nodes[1];
        CHECK(tls_node.tls);
        std::vector<std::string> del{"DEL", "mesh:service:relations:other", "mesh:service:relations:junk"};
        co_await raw.command(del);

        // Heartbeats keep nodes past their TTL.
        co_await sleep_for(std::chrono::milliseconds(1600));
        nodes = co_await watcher.discover("relations");
        CHECK(nodes.size() == 2);

        // A node that stops beating (a crash: no DEL) expires within the TTL.
        a.reset();
        co_await sleep_for(std::chrono::milliseconds(1600));
        nodes = co_await watcher.discover("relations");
        REQUIRE(nodes.size() == 1);
        CHECK(nodes[0].id == id_b);

        // Withdraw deletes at once.
        co_await b.withdraw();
        nodes = co_await watcher.discover("relations");
        CHECK(nodes.empty());
        auto blog = co_await watcher.discover("blog");
        CHECK(blog.empty());
    });
}

TEST_CASE("registry: records carry transports and user metadata; seed 003 records are Mesh nodes") {
    // An sxtp node serving both transports: `port` is the one a seed-003 peer uses.
    node both{"id-1", "inventory", "127.0.0.1", 7001, false, 7002, false, boost::json::object{{"zone", "eu-1"}}};
    const std::string json = node_json(both);
    const auto v = boost::json::parse(json).as_object();
    CHECK(v.at("port").as_int64() == 7002);
    CHECK(v.at("metadata").at("zone").as_string() == "eu-1");
    CHECK(v.at("metadata").at("transports").at("sxtp").at("port").as_int64() == 7001);
    const auto back = parse_node(json);
    REQUIRE(back);
    CHECK(*back == both);

    // SXTP only, as nodes announced before transports existed.
    const auto old = parse_node(R"({"id":"a","service_name":"s","host":"h","port":9,"metadata":{"protocol":"sxtp","tls":true}})");
    REQUIRE(old);
    CHECK(old->port == 9);
    CHECK(old->tls);
    CHECK(old->mesh_port == 0);

    // A plain seed-003 record: a Mesh node; its metadata is the user's.
    const auto mesh = parse_node(R"({"id":"b","service_name":"s","host":"h","port":50051,"metadata":{"region":"x"}})");
    REQUIRE(mesh);
    CHECK(mesh->port == 0);
    CHECK(mesh->mesh_port == 50051);
    CHECK(mesh->metadata.at("region").as_string() == "x");
    CHECK(parse_node(R"({"id":"c","service_name":"s","host":"h","port":5})"));  // metadata is optional in seed 003

    // Malformed records are skipped.
    CHECK_FALSE(parse_node(R"({"id":"d","service_name":"s","host":"h","port":70000})"));
    CHECK_FALSE(parse_node(R"({"id":"d","service_name":"s","host":"h","port":1,"metadata":{"protocol":"sxtp","transports":{}}})"));
    CHECK_FALSE(parse_node(R"({"id":"d","service_name":"s","host":"h","port":1,"metadata":7})"));
    CHECK_FALSE(parse_node("[1,2]"));
}

TEST_CASE("registry: with Redis down discovery answers the cached nodes, and a restarted Redis gets them back") {
    redis_server redis;
    asio::io_context io;
    registry_options fast;
    fast.ttl = std::chrono::seconds(2);
    fast.heartbeat = std::chrono::milliseconds(200);
    registry node_side(io.get_executor(), at(redis), fast);
    registry client_side(io.get_executor(), at(redis), fast);
    run(io, [&]() -> asio::awaitable<void> {
        const std::string id = co_await node_side.announce("market", "127.0.0.1", 7300);
        auto nodes = co_await client_side.discover("market");
        REQUIRE(nodes.size() == 1);

        redis.stop();  // everything in it is gone
        auto cached = co_await client_side.discover("market");
        REQUIRE(cached.size() == 1);
        CHECK(cached[0].id == id);
        CHECK(client_side.failures() > 0);

        redis.start();  // empty: the heartbeat must register again
        co_await sleep_for(std::chrono::milliseconds(600));
        auto again = co_await client_side.discover("market");
        REQUIRE(again.size() == 1);
        CHECK(again[0].id == id);
        co_await node_side.withdraw();
    });
}
