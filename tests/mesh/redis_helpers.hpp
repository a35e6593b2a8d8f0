// Test support for the mesh tests: options for a private redis-server, a
// bounded coroutine runner, and the close-at-every-step check of a
// redis_connection.
#ifndef SXTP_TESTS_MESH_REDIS_HELPERS_HPP
#define SXTP_TESTS_MESH_REDIS_HELPERS_HPP

#include "../support/redis_server.hpp"
#include "../support/run_coroutine.hpp"

#include <sxtp/mesh/redis.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>

#include <catch2/catch.hpp>

#include <chrono>
#include <optional>

namespace sxtp_test {

/// Options for the private server `r`, with short deadlines.
inline sxtp::mesh::redis_options redis_at(const redis_server& r, std::chrono::milliseconds command_timeout,
                                          std::chrono::milliseconds connect_timeout) {
    sxtp::mesh::redis_options o;
    o.port = r.port();
    o.command_timeout = command_timeout;
    o.connect_timeout = connect_timeout;
    return o;
}

/// run_coroutine with the mesh tests' 20 s bound.
template <class F>
void run(boost::asio::io_context& io, F make) {
    run_coroutine(io, std::move(make), std::chrono::seconds(20));
}

inline boost::asio::awaitable<sxtp::mesh::redis_reply> ping(sxtp::mesh::redis_connection& c) {
    std::vector<std::string> cmd{"PING"};
    co_return co_await c.command(cmd);
}

/// close() after each step of a PING in flight (connect, handshake, write,
/// read): the PING is answered (PONG, or an "ERR connection:" reply), and
/// the next PING reconnects. Before the fix, close() freed the RESP reader
/// (and TLS stream) under the command: a crash once the write had finished.
/// Returns how many steps the PING took without a close.
inline int close_at_every_step(const sxtp::mesh::redis_options& o) {
    namespace asio = boost::asio;
    int steps = 0;
    {
        asio::io_context io;
        sxtp::mesh::redis_connection c(io.get_executor(), o);
        bool done = false;
        asio::co_spawn(io, [&]() -> asio::awaitable<void> {
            co_await ping(c);
            done = true;
        }, asio::detached);
        while (!done && steps < 10000 && io.run_one_for(std::chrono::seconds(5)) > 0) ++steps;
        REQUIRE(done);
    }
    for (int k = 0; k <= steps; ++k) {
        INFO("close() after step " << k << " of " << steps);
        asio::io_context io;
        sxtp::mesh::redis_connection c(io.get_executor(), o);
        std::optional<sxtp::mesh::redis_reply> first;
        asio::co_spawn(io, [&]() -> asio::awaitable<void> { first = co_await ping(c); }, asio::detached);
        for (int i = 0; i < k && !first && io.run_one_for(std::chrono::seconds(5)) > 0; ++i) {}
        c.close();
        const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
        while (!first && std::chrono::steady_clock::now() < until) io.run_one_for(std::chrono::milliseconds(50));
        REQUIRE(first);
        if (first->is_error()) CHECK(first->text.rfind("ERR connection:", 0) == 0);
        else CHECK(first->text == "PONG");
        run_coroutine(io, [&]() -> asio::awaitable<void> {
            const auto second = co_await ping(c);  // (not inside a Catch macro: g++ 12 would await it again)
            CHECK(second.text == "PONG");
        }, std::chrono::seconds(10));
    }
    return steps;
}

} // namespace sxtp_test

#endif
