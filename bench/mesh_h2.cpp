// bench_mesh_h2: the Mesh transport (HTTP/2 /channel, JSON) against SXTP on
// the same typed handlers (rpc_calls.hpp: fetch, fetch from a coroutine,
// create with an 8-field body).
//
// Each server runs in its own process under `taskset -c 0`
// (`bench_mesh_h2 serve sxtp|h2`); the load comes from core 1: nghttp2's
// h2load for the Mesh transport (one /channel stream per call, one framed
// JSON message each way), bench_rpc's load client for SXTP. The clients
// differ, so the number that compares the servers is the server's CPU time
// per call (from /proc); throughput is printed too.
//
//   bench_mesh_h2 [SECONDS]       (default 3 s per run; needs h2load from nghttp2-client)
#include "load.hpp"
#include "rpc_calls.hpp"

#include <sxtp/mesh/channel_client.hpp>
#include <sxtp/mesh/channel_server.hpp>
#include <sxtp/server/server.hpp>

#include <boost/asio/io_context.hpp>

#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <thread>

namespace asio = boost::asio;
using bench_calls::call;

namespace {

void serve(const std::string& transport) {
    asio::io_context io;
    sxtp::server srv(io.get_executor());
    srv.handle<get_item>(serve_item);
    srv.handle<bench_calls::get_item_async>(bench_calls::serve_item_async);
    srv.handle<bench_calls::create_order>(bench_calls::serve_order);
    std::optional<sxtp::mesh::channel_server> channels;
    unsigned short port = 0;
    if (transport == "h2") {
        channels.emplace(io.get_executor(), srv.service());
        port = channels->listen("127.0.0.1", 0);
    } else {
        port = srv.listen("sxtp://127.0.0.1:0").port;
    }
    std::printf("%u\n", port);
    std::fflush(stdout);
    std::thread([&io] {  // stdin closes: stop
        char c;
        while (::read(0, &c, 1) > 0) {
        }
        asio::post(io, [&io] { io.stop(); });
    }).detach();
    io.run();
}

// The one message h2load posts per stream for call `c`.
std::string message_file(call c) {
    sxtp::mesh::channel_message m;
    switch (c) {
    case call::fetch: m.function_name = "fetch /items/{id}"; m.payload = boost::json::object{{"id", 42}}; break;
    case call::fetch_async: m.function_name = "fetch /async/items/{id}"; m.payload = boost::json::object{{"id", 42}}; break;
    default: {
        m.function_name = "create /orders";
        sxtp::sx::value b = sxtp::typed::to_sx(bench_calls::sample_order());
        sxtp::typed::to_plain<bench_calls::order>(b);
        m.payload = sxtp::mesh::to_json(b);
    }
    }
    const std::string path = "/tmp/bench_mesh_h2." + std::string(bench_calls::short_name(c)) + ".bin";
    std::ofstream(path, std::ios::binary) << sxtp::mesh::frame_message(m);
    return path;
}

struct h2_result {
    double rps = 0;
    std::size_t done = 0, failed = 0;
};

h2_result run_h2load(unsigned short port, const std::string& data, int clients, int streams, double seconds) {
    const std::string cmd = "taskset -c 1 h2load -t 1 -c " + std::to_string(clients) + " -m " + std::to_string(streams) + " -D " +
                            std::to_string(static_cast<int>(seconds)) + " -d " + data +
                            " -H 'x-service-name: bench' http://127.0.0.1:" + std::to_string(port) + "/channel 2>&1";
    h2_result r;
    FILE* p = ::popen(cmd.c_str(), "r");
    if (!p) return r;
    char line[1024];
    while (std::fgets(line, sizeof line, p)) {
        const std::string s(line);
        if (s.rfind("finished in", 0) == 0) {
            const auto comma = s.find(", ");
            r.rps = std::atof(s.c_str() + comma + 2);
        } else if (s.rfind("requests:", 0) == 0) {
            std::sscanf(s.c_str(), "requests: %*u total, %*u started, %zu done, %*u succeeded, %zu failed", &r.done, &r.failed);
        }
    }
    ::pclose(p);
    return r;
}

} // namespace

int main(int argc, char** argv) {
    if (argc > 2 && std::string(argv[1]) == "serve") {
        serve(argv[2]);
        return 0;
    }
    const double seconds = argc > 1 ? std::max(1.0, std::atof(argv[1])) : 3.0;
    if (std::system("command -v h2load >/dev/null") != 0) {
        std::fprintf(stderr, "bench_mesh_h2: h2load not found (apt-get install nghttp2-client)\n");
        return 2;
    }
    const std::string self = bench_load::sibling("bench_mesh_h2");
    std::printf("Mesh transport (HTTP/2 /channel + JSON, load: h2load) vs SXTP (load: bench_rpc's client), the same typed handlers;\n"
                "each server alone on core 0, the load on core 1, %.0f s per run; server CPU per call from /proc\n\n", seconds);
    std::printf("%-30s %-14s %12s %14s %12s\n", "call", "shape", "SXTP calls/s", "Mesh calls/s", "CPU/call ratio");
    struct shape {
        const char* name;
        int conns, depth;
    } shapes[] = {{"1 conn, 1 in flight", 1, 1}, {"16 conns x 4", 16, 4}};
    for (call c : {call::fetch, call::fetch_async, call::create}) {
        const std::string data = message_file(c);
        std::vector<std::string> frames;
        for (int tag = 0; tag < 64; ++tag) frames.push_back(bench_calls::request_frame(c, tag));
        {  // the Mesh server's answer to that message is a success
            bench_load::server_process s(self, {"serve", "h2"});
            asio::io_context io;
            bool ok = false;
            asio::co_spawn(io, [&]() -> asio::awaitable<void> {
                sxtp::mesh::channel_client client(io.get_executor(), "127.0.0.1", s.port(), {.service_name = "bench"});
                auto ch = co_await client.open();
                if (!ch) co_return;
                std::ifstream f(data, std::ios::binary);
                const std::string framed((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
                ch->send(*sxtp::mesh::parse_message(std::string_view(framed).substr(4)));
                ch->end();
                auto m = co_await ch->next(std::chrono::steady_clock::now() + std::chrono::seconds(5));
                ok = m && m->metadata.contains("status") && m->metadata.at("status") == "ok";
            }, asio::detached);
            io.run();
            if (!ok) {
                std::fprintf(stderr, "bench_mesh_h2: the Mesh server does not answer %s with ok\n", std::string(bench_calls::name(c)).c_str());
                return 1;
            }
        }
        for (const auto& sh : shapes) {
            double sx_cpu = 0, h2_cpu = 0;
            bench_load::measurement sx;
            h2_result h2;
            {
                bench_load::server_process s(self, {"serve", "sxtp"});
                const double before = s.cpu_seconds();
                bench_load::pin_to_core(1);
                sx = bench_load::drive_frames(s.port(), frames, sh.conns, sh.depth, seconds);
                sx_cpu = (s.cpu_seconds() - before) / std::max<double>(1, static_cast<double>(sx.calls)) * 1e6;
            }
            {
                bench_load::server_process s(self, {"serve", "h2"});
                const double before = s.cpu_seconds();
                h2 = run_h2load(s.port(), data, sh.conns, sh.depth, seconds);
                h2_cpu = (s.cpu_seconds() - before) / std::max<double>(1, h2.rps * seconds) * 1e6;
            }
            std::printf("%-30s %-14s %12.0f %14.0f %8.2f (%.1f vs %.1f us)%s\n", std::string(bench_calls::name(c)).c_str(), sh.name, sx.rps, h2.rps,
                        sx_cpu > 0 ? h2_cpu / sx_cpu : 0.0, h2_cpu, sx_cpu, h2.failed ? "  (h2load reported failures)" : "");
        }
    }
    return 0;
}
