// mesh_bridge_call: an sxtp client calling a Mesh node written from seed
// 003 alone (tests/mesh_bridge/py_node.py), found in Redis, with typed
// endpoints over HTTP/2 /channel — through mesh_client (balancing,
// failover) and through a channel directly (several answer messages read
// as a stream).
//
//   mesh_bridge_call --redis-port P --service py-greeter
//
// Exits 0 when every check passes; prints one line per check.
#include "functions.hpp"

#include <sxtp/mesh/channel_stream.hpp>

#include <boost/asio/io_context.hpp>

#include <iostream>

namespace asio = boost::asio;
using namespace sxtp;
using bridge_test::greet;
using bridge_test::greeting;

namespace {

struct fail : endpoint<"query", "/fail"> {
    static constexpr std::string_view function_name = "fail";
    using result = greeting;
};
struct count_params {
    BOOST_HANA_DEFINE_STRUCT(count_params, (std::int64_t, n));
};
struct count_total {
    BOOST_HANA_DEFINE_STRUCT(count_total, (std::int64_t, total));
};
struct count : endpoint<"query", "/count"> {
    static constexpr std::string_view function_name = "count";
    using params = count_params;
    using result = count_total;
};
struct count_stream : endpoint<"query", "/count"> {  // the same function read as a stream
    static constexpr std::string_view function_name = "count";
    using params = count_params;
    using chunk = std::int64_t;
    using result = count_total;
};
struct who {
    BOOST_HANA_DEFINE_STRUCT(who, (std::string, service), (std::optional<std::string>, session));
};
struct whoami : endpoint<"query", "/whoami"> {
    static constexpr std::string_view function_name = "whoami";
    using result = who;
};
struct missing : endpoint<"query", "/missing"> {
    static constexpr std::string_view function_name = "no-such-function";
};

int failures = 0;
void check(bool ok, const std::string& what) {
    std::cout << (ok ? "PASS " : "FAIL ") << what << std::endl;
    if (!ok) ++failures;
}

} // namespace

int main(int argc, char** argv) {
    unsigned short redis_port = 0;
    std::string service = "py-greeter";
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string k = argv[i];
        if (k == "--redis-port") redis_port = static_cast<unsigned short>(std::stoi(argv[i + 1]));
        else if (k == "--service") service = argv[i + 1];
    }
    asio::io_context io;
    mesh::registry reg(io.get_executor(), mesh::redis_options{.port = redis_port});
    mesh::mesh_options mo;
    mo.refresh = std::chrono::milliseconds(0);  // see the dead node announced below at once
    mo.mesh_transport = mesh::http2_transport({.service_name = "sxtp-caller", .session_id = "s-42"});
    mesh::mesh_client peers(io.get_executor(), reg, mo);
    asio::co_spawn(io, [&]() -> asio::awaitable<void> {
        const auto nodes = co_await reg.discover(service);
        check(nodes.size() == 1 && nodes[0].mesh_port != 0 && nodes[0].port == 0, "discovered " + service + " as a Mesh node");
        if (nodes.empty()) co_return;

        auto g = co_await peers.call<greet>(service, {"ada"});
        check(g && g->greeting == "hello, ada", "greet: " + (g ? g->greeting : std::string(g.condition().type.name())));
        auto f = co_await peers.call<fail>(service, {});
        check(!f && f.status() == status_code::invalid && f.condition().type.name() == "bad-name" && f.condition().message == "no such name",
              "fail: a condition with status invalid and type bad-name");
        auto w = co_await peers.call<whoami>(service, {});
        check(w && w->service == "sxtp-caller" && w->session == "s-42", "whoami: the channel headers reached the node");
        auto m = co_await peers.call<missing>(service, {});
        check(!m && m.status() == status_code::not_found, "an unknown function: not-found");
        auto c = co_await peers.call<count>(service, {3});
        check(c && c->total == 3, "count as a unary call: the final answer");

        // Several messages on one channel read as a stream: chunks, then the final answer.
        mesh::channel_client direct(io.get_executor(), nodes[0].host, nodes[0].mesh_port, {.service_name = "sxtp-caller"});
        auto s = co_await mesh::open_stream<count_stream>(direct, count_params{4});
        std::vector<std::int64_t> chunks;
        while (auto n = co_await s.next()) chunks.push_back(*n);
        check(chunks == std::vector<std::int64_t>{0, 1, 2, 3}, "count 4 as a stream: four typed chunks in order");
        const auto total = s.result();
        check(s.ok() && total && total->total == 4, "count 4 as a stream: then the final answer");

        // Failover: a node that is registered but dead is ejected and the call goes to the live one.
        mesh::announcement dead;  // named: g++ 12 cannot build this aggregate inside co_await
        dead.service = service;
        dead.host = "127.0.0.1";
        dead.mesh_port = 1;  // nothing listens on port 1
        co_await reg.announce(std::move(dead));
        int ok = 0;
        for (int i = 0; i < 6; ++i) {
            auto r = co_await peers.call<greet>(service, {"bob"}, {.timeout = std::chrono::seconds(5)});
            if (r && r->greeting == "hello, bob") ++ok;
        }
        check(ok == 6, "failover: 6 of 6 safe calls answered with a dead node registered (" + std::to_string(ok) + ")");
        check(peers.retries() >= 1, "failover: the dead node's refusals were retried elsewhere");
        co_await reg.withdraw();
    }, [&](std::exception_ptr e) {
        if (e) {
            try {
                std::rethrow_exception(e);
            } catch (const std::exception& x) {
                std::cout << "FAIL exception: " << x.what() << std::endl;
                ++failures;
            }
        }
        io.stop();
    });
    io.run_for(std::chrono::seconds(40));
    std::cout << (failures ? "FAILED" : "OK") << std::endl;
    return failures ? 1 : 0;
}
