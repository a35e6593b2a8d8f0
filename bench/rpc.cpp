// Unary RPC over loopback TCP: an sxtp typed call against a raw Asio echo of
// the same bytes (the floor any framework on Asio pays), in the same run.
//
//   bench_rpc [seconds-per-measurement]
//
// Three shapes, one server thread, one client thread:
//   ping-pong      1 connection, one call at a time         (req/s, p50, p99)
//   16 concurrent  16 connections, one call at a time each  (req/s)
//   64 in flight   1 connection, 64 calls outstanding       (req/s)
// The echo peer writes back exactly the bytes of the sxtp request frame, and
// its client waits for that many bytes: the same bytes each way as the sxtp
// request (the sxtp answer is a little shorter than its request).
#include <sxtp/client/client.hpp>
#include <sxtp/server/server.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/read.hpp>
#include <boost/hana/define_struct.hpp>

#include <algorithm>
#include <chrono>
#include <deque>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

namespace asio = boost::asio;
using clock_type = std::chrono::steady_clock;

struct item_ref {
    BOOST_HANA_DEFINE_STRUCT(item_ref, (std::int64_t, id));
};
struct item {
    BOOST_HANA_DEFINE_STRUCT(item, (std::int64_t, id), (std::string, name), (std::int64_t, stock));
};
struct get_item : sxtp::endpoint<"fetch", "/items/{id}"> {
    using params = item_ref;
    using result = item;
};

struct result {
    double rps = 0;
    double p50_us = 0;
    double p99_us = 0;
};

namespace {

double percentile(std::vector<double>& v, double p) {
    if (v.empty()) return 0;
    std::sort(v.begin(), v.end());
    return v[std::min(v.size() - 1, static_cast<std::size_t>(p * static_cast<double>(v.size())))];
}

// Runs `connections` × `depth` loops of `one_call` for `seconds`; one_call(conn) awaits one round trip.
template <class Call>
result drive(asio::io_context& io, int connections, int depth, double seconds, Call one_call) {
    std::vector<double> lat;
    lat.reserve(1 << 20);
    std::size_t done = 0;
    const auto start = clock_type::now();
    const auto until = start + std::chrono::duration_cast<clock_type::duration>(std::chrono::duration<double>(seconds));
    int running = connections * depth;
    for (int c = 0; c < connections; ++c)
        for (int d = 0; d < depth; ++d)
            asio::co_spawn(io, [&, c]() -> asio::awaitable<void> {
                while (clock_type::now() < until) {
                    const auto t0 = clock_type::now();
                    co_await one_call(c);
                    lat.push_back(std::chrono::duration<double, std::micro>(clock_type::now() - t0).count());
                    ++done;
                }
                --running;
            }, asio::detached);
    while (running > 0) io.run_one();
    io.restart();
    const double took = std::chrono::duration<double>(clock_type::now() - start).count();
    result r;
    r.rps = static_cast<double>(done) / took;
    r.p50_us = percentile(lat, 0.50);
    r.p99_us = percentile(lat, 0.99);
    return r;
}

// -- raw Asio echo --------------------------------------------------------------
asio::awaitable<void> echo_session(asio::ip::tcp::socket s) {
    char buf[64 << 10];
    for (;;) {
        boost::system::error_code ec;
        const std::size_t n = co_await s.async_read_some(asio::buffer(buf), asio::redirect_error(asio::use_awaitable, ec));
        if (ec) co_return;
        co_await asio::async_write(s, asio::buffer(buf, n), asio::redirect_error(asio::use_awaitable, ec));
        if (ec) co_return;
    }
}

asio::awaitable<void> echo_accept(asio::ip::tcp::acceptor& a) {
    for (;;) {
        boost::system::error_code ec;
        auto s = co_await a.async_accept(asio::redirect_error(asio::use_awaitable, ec));
        if (ec) co_return;
        s.set_option(asio::ip::tcp::no_delay(true));
        asio::co_spawn(a.get_executor(), echo_session(std::move(s)), asio::detached);
    }
}

} // namespace

int main(int argc, char** argv) {
    const double seconds = argc > 1 ? std::atof(argv[1]) : 1.0;

    // One server thread runs both servers.
    asio::io_context server_io;
    sxtp::server srv(server_io.get_executor());
    srv.handle<get_item>([](const item_ref& r, const sxtp::no_body&, sxtp::call_context&) -> item { return {r.id, "widget", 17}; });
    const auto where = srv.listen("sxtp://127.0.0.1:0");
    asio::ip::tcp::acceptor echo(server_io, {asio::ip::make_address("127.0.0.1"), 0});
    asio::co_spawn(server_io, echo_accept(echo), asio::detached);
    auto guard = asio::make_work_guard(server_io);
    std::thread server_thread([&] { server_io.run(); });

    // The request the echo carries: exactly the sxtp client's frame.
    sxtp::request sample = sxtp::make_request<get_item>(item_ref{42}, sxtp::no_body{});
    sample.tag = sxtp::message_tag(1);
    std::string frame;
    sxtp::wire::write_message(frame, sxtp::message(sample));

    struct shape {
        const char* name;
        int connections;
        int depth;
    };
    const shape shapes[] = {{"ping-pong (1 conn)", 1, 1}, {"16 concurrent conns", 16, 1}, {"64 in flight (1 conn)", 1, 64}};
    std::printf("unary RPC over loopback TCP, one server thread, %.1f s per measurement\n", seconds);
    std::printf("%-24s %14s %10s %10s %14s %10s %10s %10s\n", "shape", "sxtp req/s", "p50 us", "p99 us", "echo req/s", "p50 us", "p99 us",
                "sxtp/echo");
    for (const shape& sh : shapes) {
        asio::io_context io;
        // sxtp: one client per connection (16 clients for 16 connections).
        std::vector<std::unique_ptr<sxtp::client>> clients;
        for (int c = 0; c < sh.connections; ++c) clients.push_back(std::make_unique<sxtp::client>(io.get_executor(), where));
        const item_ref ref{42};
        auto sx = drive(io, sh.connections, sh.depth, seconds, [&](int c) -> asio::awaitable<void> {
            auto r = co_await clients[static_cast<std::size_t>(c)]->call<get_item>(ref);
            if (!r.ok()) std::abort();
        });
        for (auto& c : clients) c->close();
        io.restart();
        io.run_for(std::chrono::milliseconds(50));
        io.restart();

        // echo: the same bytes. Each connection keeps `depth` frames out; one
        // loop per connection reads, and each frame's worth of bytes that comes
        // back completes one call and sends the next.
        std::vector<std::unique_ptr<asio::ip::tcp::socket>> socks;
        for (int c = 0; c < sh.connections; ++c) {
            auto s = std::make_unique<asio::ip::tcp::socket>(io);
            s->connect(echo.local_endpoint());
            s->set_option(asio::ip::tcp::no_delay(true));
            socks.push_back(std::move(s));
        }
        result ec_result;
        {
            std::vector<double> lat;
            std::size_t done = 0;
            const auto start = clock_type::now();
            const auto until = start + std::chrono::duration_cast<clock_type::duration>(std::chrono::duration<double>(seconds));
            int running = sh.connections;
            for (int c = 0; c < sh.connections; ++c)
                asio::co_spawn(io, [&, c]() -> asio::awaitable<void> {
                    auto& s = *socks[static_cast<std::size_t>(c)];
                    std::deque<clock_type::time_point> sent;
                    std::string out;
                    for (int d = 0; d < sh.depth; ++d) {
                        out += frame;
                        sent.push_back(clock_type::now());
                    }
                    co_await asio::async_write(s, asio::buffer(out), asio::use_awaitable);
                    std::size_t have = 0;
                    char buf[64 << 10];
                    while (!sent.empty()) {
                        have += co_await s.async_read_some(asio::buffer(buf), asio::use_awaitable);
                        out.clear();
                        while (have >= frame.size()) {
                            have -= frame.size();
                            const auto now = clock_type::now();
                            lat.push_back(std::chrono::duration<double, std::micro>(now - sent.front()).count());
                            sent.pop_front();
                            ++done;
                            if (now < until) {
                                out += frame;
                                sent.push_back(now);
                            }
                        }
                        if (!out.empty()) co_await asio::async_write(s, asio::buffer(out), asio::use_awaitable);
                    }
                    --running;
                }, asio::detached);
            while (running > 0) io.run_one();
            io.restart();
            const double took = std::chrono::duration<double>(clock_type::now() - start).count();
            ec_result.rps = static_cast<double>(done) / took;
            ec_result.p50_us = percentile(lat, 0.50);
            ec_result.p99_us = percentile(lat, 0.99);
        }
        for (auto& s : socks) s->close();
        std::printf("%-24s %14.0f %10.1f %10.1f %14.0f %10.1f %10.1f %9.2fx\n", sh.name, sx.rps, sx.p50_us, sx.p99_us, ec_result.rps,
                    ec_result.p50_us, ec_result.p99_us, sx.rps / ec_result.rps);
    }
    guard.reset();
    srv.stop_accepting();
    echo.close();
    server_io.stop();
    server_thread.join();
}
