// A server on several workers (io_pool): connections spread over the
// threads, every call answered on its connection's thread, streams and
// graceful shutdown across threads.
#include <sxtp/client/client.hpp>
#include <sxtp/server/io_pool.hpp>
#include <sxtp/server/server.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/hana/define_struct.hpp>

#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

namespace asio = boost::asio;

namespace pool_test {
struct number {
    BOOST_HANA_DEFINE_STRUCT(number, (std::int64_t, n));
};
struct square : sxtp::endpoint<"fetch", "/square/{n}"> {
    using params = number;
    using result = number;
};
struct count_to : sxtp::endpoint<"fetch", "/count/{n}"> {
    using params = number;
    using chunk = number;
    static constexpr bool streaming = true;
};
} // namespace pool_test

using namespace pool_test;

TEST_CASE("a server on an io_pool spreads connections over its threads and answers every call") {
    sxtp::io_pool pool(2);
    REQUIRE(pool.size() == 2);
    sxtp::server srv(pool.executors());
    std::mutex m;
    std::set<std::thread::id> handler_threads;
    std::atomic<int> calls{0};
    srv.handle<square>([&](const number& p, const sxtp::no_body&, sxtp::call_context&) -> number {
        {
            std::lock_guard lock(m);
            handler_threads.insert(std::this_thread::get_id());
        }
        ++calls;
        return {p.n * p.n};
    });
    srv.handle<count_to>([](const number& p, const sxtp::no_body&, sxtp::stream<count_to>& out) -> asio::awaitable<void> {
        for (std::int64_t i = 1; i <= p.n; ++i)
            if (!co_await out.write(number{i})) co_return;
    });
    const auto where = srv.listen("sxtp://127.0.0.1:0");
    pool.start();

    constexpr int connections = 8, per_connection = 200;
    asio::io_context io;
    std::vector<std::unique_ptr<sxtp::client>> clients;
    for (int c = 0; c < connections; ++c) clients.push_back(std::make_unique<sxtp::client>(io.get_executor(), where));
    int right = 0, streamed = 0, running = connections;
    for (int c = 0; c < connections; ++c)
        asio::co_spawn(io, [&, c]() -> asio::awaitable<void> {
            auto& cl = *clients[static_cast<std::size_t>(c)];
            for (int i = 0; i < per_connection; ++i) {
                const std::int64_t n = c * 1000 + i;
                auto r = co_await cl.call<square>(number{n});
                if (r.ok() && r.value().n == n * n) ++right;
            }
            auto s = co_await cl.open<count_to>(number{100});
            std::int64_t expected = 1;
            while (auto x = co_await s.next())
                if (x->n == expected) ++expected;
            if (s.ok() && expected == 101) ++streamed;
            --running;
        }, asio::detached);
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (running > 0 && std::chrono::steady_clock::now() < until) io.run_one_for(std::chrono::milliseconds(100));
    CHECK(running == 0);
    CHECK(right == connections * per_connection);
    CHECK(streamed == connections);
    CHECK(calls.load() == connections * per_connection);
    {
        std::lock_guard lock(m);
        CHECK(handler_threads.size() == 2);  // connections alternate between the two workers
    }

    // Graceful shutdown from the accepting worker: every connection, on
    // either thread, closes, and `done` runs there.
    std::atomic<bool> drained{false};
    asio::post(pool.executors()[0], [&] { srv.shutdown(std::chrono::seconds(2), [&] { drained = true; }); });
    while (!drained && std::chrono::steady_clock::now() < until) io.run_one_for(std::chrono::milliseconds(20));
    CHECK(drained.load());
    std::atomic<std::size_t> open{99};
    asio::post(pool.executors()[0], [&] { open = srv.connections(); });
    for (int i = 0; i < 100 && open == 99; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    CHECK(open.load() == 0);
    for (auto& c : clients) c->close();
    io.run_for(std::chrono::milliseconds(50));
    pool.stop();
    pool.join();
}

TEST_CASE("an io_pool needs a thread and a server needs an executor") {
    CHECK_THROWS_AS(sxtp::io_pool(0), std::invalid_argument);
    CHECK_THROWS_AS(sxtp::server(std::vector<sxtp::server::executor_type>{}), std::invalid_argument);
}
