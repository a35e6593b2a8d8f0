// Test support: runs a coroutine on an io_context to completion, bounded.
#ifndef SXTP_TESTS_SUPPORT_RUN_COROUTINE_HPP
#define SXTP_TESTS_SUPPORT_RUN_COROUTINE_HPP

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include <catch2/catch.hpp>

#include <chrono>
#include <exception>

namespace sxtp_test {

/// Runs `make()`'s coroutine on `io` until it finishes (rethrowing what it
/// throws); fails the test if that takes longer than `limit`.
template <class F>
void run_coroutine(boost::asio::io_context& io, F make, std::chrono::milliseconds limit) {
    bool done = false;
    std::exception_ptr failure;
    boost::asio::co_spawn(io, make(), [&](std::exception_ptr e) {
        failure = e;
        done = true;
    });
    const auto until = std::chrono::steady_clock::now() + limit;
    while (!done && std::chrono::steady_clock::now() < until) {
        io.run_one_for(std::chrono::milliseconds(50));
        if (io.stopped()) io.restart();
    }
    REQUIRE(done);
    if (failure) std::rethrow_exception(failure);
}

} // namespace sxtp_test

#endif
