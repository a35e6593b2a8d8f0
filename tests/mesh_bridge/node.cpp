// mesh_bridge_node: an sxtp service serving both SXTP and the Mesh transport
// (HTTP/2 /channel), announced in Redis, for the independent Python peer
// (tests/mesh_bridge/run.py).
//
//   mesh_bridge_node --redis-port P --role inventory|orders [--service NAME] [--max-message BYTES]
//
// Prints "READY <sxtp_port> <h2_port> <pid>" once announced; serves until
// SIGTERM or SIGINT, then withdraws.
#include "functions.hpp"

#include <sxtp/mesh/channel_client.hpp>
#include <sxtp/mesh/channel_server.hpp>
#include <sxtp/mesh/mesh_client.hpp>
#include <sxtp/server/server.hpp>

#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>

#include <unistd.h>

#include <iostream>

namespace asio = boost::asio;
using namespace sxtp;

namespace bridge_test {


struct item {
    BOOST_HANA_DEFINE_STRUCT(item, (std::int64_t, id), (std::string, name), (sx::symbol, kind), (double, price), (std::vector<std::string>, tags));
};
struct item_missing {
    static constexpr std::string_view sxtp_condition = "item-missing";
    static constexpr status_code sxtp_status = status_code::not_found;
    std::int64_t id = 0;
};
BOOST_DESCRIBE_STRUCT(item_missing, (), (id))
struct item_params {
    BOOST_HANA_DEFINE_STRUCT(item_params, (std::int64_t, id));
};
struct get_item : endpoint<"fetch", "/items/{id}"> {  // function name "fetch /items/{id}"
    using params = item_params;
    using result = item;
    using raises = sxtp::raises<item_missing>;
};
struct create_item : endpoint<"mutate", "/items"> {
    static constexpr std::string_view function_name = "create-item";
    using body = item;
    using result = item;
    static constexpr status_code success = status_code::created;
};
struct echo : endpoint<"mutate", "/echo"> {
    static constexpr std::string_view function_name = "echo";
    using body = sx::value;
    using result = sx::value;
};
struct slow_params {
    BOOST_HANA_DEFINE_STRUCT(slow_params, (std::int64_t, ms));
};
struct slow_result {
    BOOST_HANA_DEFINE_STRUCT(slow_result, (std::int64_t, slept));
};
struct slow : endpoint<"query", "/slow"> {
    static constexpr std::string_view function_name = "slow";
    using params = slow_params;
    using result = slow_result;
};
struct tick_params {
    BOOST_HANA_DEFINE_STRUCT(tick_params, (std::int64_t, n));
};
struct tick_done {
    BOOST_HANA_DEFINE_STRUCT(tick_done, (std::int64_t, total));
};
struct restocked {
    static constexpr std::string_view sxtp_event = "restocked";
    BOOST_HANA_DEFINE_STRUCT(restocked, (std::int64_t, id), (sx::symbol, kind));
};
struct tick : endpoint<"fetch", "/ticks"> {  // a stream: n chunks, one event, then the final answer
    static constexpr std::string_view function_name = "tick";
    using params = tick_params;
    using chunk = item;
    using events = sxtp::events<restocked>;
    using result = tick_done;
};
struct place_params {
    BOOST_HANA_DEFINE_STRUCT(place_params, (std::int64_t, item), (std::string, customer));
};
struct placed {
    BOOST_HANA_DEFINE_STRUCT(placed, (bridge_test::item, item), (std::string, customer), (std::string, greeting));
};

struct place : endpoint<"mutate", "/orders"> {
    static constexpr std::string_view function_name = "place";
    using params = place_params;
    using result = placed;
};

item make_item(std::int64_t id) { return item{id, "widget " + std::to_string(id), sx::symbol("gadget"), 9.5, {"new", "blue"}}; }

} // namespace bridge_test

int main(int argc, char** argv) {
    using namespace bridge_test;
    unsigned short redis_port = 0;
    std::string role = "inventory", name;
    mesh::channel_limits limits;
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string k = argv[i], v = argv[i + 1];
        if (k == "--redis-port") redis_port = static_cast<unsigned short>(std::stoi(v));
        else if (k == "--role") role = v;
        else if (k == "--service") name = v;
        else if (k == "--max-message") limits.max_message = std::stoul(v);
    }
    if (name.empty()) name = role;
    asio::io_context io;
    server srv(io.get_executor());
    mesh::registry reg(io.get_executor(), mesh::redis_options{.port = redis_port});
    mesh::mesh_options mo;
    mo.mesh_transport = mesh::http2_transport({.service_name = name});
    mesh::mesh_client peers(io.get_executor(), reg, mo);
    if (role == "inventory") {
        srv.handle<add>(bridge_test::serve_add);
        srv.handle<get_item>([](const item_params& p) -> reply<get_item> {
            if (p.id == 404) return {item_missing{p.id}, "no item 404"};
            return make_item(p.id);
        });
        srv.handle<create_item>([](const item& i) { return i; });
        srv.handle<echo>([](const sx::value& v) { return v; });
        srv.handle<tick>([](const tick_params& p, sxtp::stream<tick>& out) -> asio::awaitable<tick_done> {
            for (std::int64_t i = 0; i < std::clamp<std::int64_t>(p.n, 0, 100000); ++i) {
                const item it = make_item(i);
                if (!co_await out.write(it)) co_return tick_done{i};
            }
            const restocked r{p.n, sx::symbol("gadget")};
            co_await out.emit(r);
            co_return tick_done{p.n};
        });
        srv.handle<slow>([](const slow_params& p) -> asio::awaitable<slow_result> {
            asio::steady_timer t(co_await asio::this_coro::executor, std::chrono::milliseconds(std::clamp<std::int64_t>(p.ms, 0, 5000)));
            co_await t.async_wait(asio::use_awaitable);
            co_return slow_result{p.ms};
        });
    } else {
        srv.handle<add>(bridge_test::serve_add);
        srv.handle<place>([&](const place_params& p) -> asio::awaitable<reply<place>> {
            auto got = co_await peers.call<get_item>("inventory", {p.item});  // an sxtp node: over SXTP
            if (!got) co_return reply<place>::from_wire(got.status(), got.condition());
            auto hello = co_await peers.call<greet>("py-greeter", {p.customer});  // a Mesh node: over HTTP/2 /channel
            if (!hello) co_return reply<place>::from_wire(hello.status(), hello.condition());
            co_return placed{*got, p.customer, hello->greeting};
        });
    }
    const auto where = srv.listen("sxtp://127.0.0.1:0");
    mesh::channel_server channels(io.get_executor(), srv.service(), limits);
    const unsigned short h2 = channels.listen("127.0.0.1", 0);
    asio::co_spawn(io, [&]() -> asio::awaitable<void> {
        mesh::announcement me;  // named: g++ 12 cannot build this aggregate inside co_await
        me.service = name;
        me.host = "127.0.0.1";
        me.port = where.port;
        me.mesh_port = h2;
        me.metadata["role"] = role;
        co_await reg.announce(std::move(me));
        std::cout << "READY " << where.port << ' ' << h2 << ' ' << ::getpid() << std::endl;
    }, asio::detached);
    asio::signal_set signals(io, SIGTERM, SIGINT);
    signals.async_wait([&](boost::system::error_code, int) {
        asio::co_spawn(io, [&]() -> asio::awaitable<void> {
            co_await reg.withdraw();
            channels.shutdown(std::chrono::milliseconds(500));
            srv.shutdown(std::chrono::milliseconds(500));
            asio::steady_timer t(io, std::chrono::milliseconds(800));
            co_await t.async_wait(asio::use_awaitable);
            io.stop();  // the mesh client's connections to other nodes end with the process
        }, asio::detached);
    });
    io.run();
}
