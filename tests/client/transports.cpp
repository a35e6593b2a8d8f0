// One body of client/server tests, run over TCP, TLS and a Unix socket.
#include "../support/net_harness.hpp"

#include <sxtp/sx.hpp>
#include <sxtp/wire.hpp>

#include <boost/asio/bind_cancellation_slot.hpp>

#include <thread>
#include <vector>

using namespace sxtp;
using namespace sxtp_test;

TEST_CASE("client and server: typed calls over every transport") {
    const kind k = GENERATE(kind::tcp, kind::tls, kind::unix_socket);
    INFO(name_of(k));
    harness h(k);
    sxtp::client c(h.io.get_executor(), h.where, h.client_options());
    h.run([&]() -> asio::awaitable<void> {
        auto r = co_await c.call<svc::get_item>({7});
        REQUIRE(r.ok());
        CHECK(r.value().id == 7);
        CHECK(r.value().name == "item 7");

        auto missing = co_await c.call<svc::get_item>({-3});
        REQUIRE_FALSE(missing.ok());
        CHECK(missing.status() == status_code::not_found);
        auto d = condition_as<svc::no_such_item>(missing.condition());
        REQUIRE(d.has_value());
        CHECK(d->id == -3);

        // framework conditions come through the same way
        request nowhere;
        nowhere.verb = sx::symbol("fetch");
        nowhere.path = "/nowhere";
        auto raw = co_await c.call_raw(nowhere);
        CHECK(raw.status.code() == status_code::not_found);
        CHECK(typed::from_sx<condition>(*raw.body).type.name() == "resource-not-found");

        request ping;
        ping.verb = sx::symbol("ping");
        ping.path = "/";
        const response pong = co_await c.call_raw(ping);
        CHECK(pong.status.code() == status_code::ok);
    });
}

TEST_CASE("client and server: concurrent calls share one connection and finish out of order") {
    const kind k = GENERATE(kind::tcp, kind::tls, kind::unix_socket);
    INFO(name_of(k));
    harness h(k);
    sxtp::client c(h.io.get_executor(), h.where, h.client_options());
    std::vector<std::int64_t> finish_order;
    int done = 0;
    h.run([&]() -> asio::awaitable<void> {
        co_await c.call<svc::get_item>({1});  // connect first, so that all share it
        for (std::int64_t ms : {120, 10, 60, 30, 90}) {
            asio::co_spawn(h.io, [&, ms]() -> asio::awaitable<void> {
                auto r = co_await c.call<svc::sleep>({ms});
                REQUIRE(r.ok());
                CHECK(r.value() == ms);
                finish_order.push_back(ms);
                ++done;
            }, asio::detached);
        }
        asio::steady_timer t(h.io, 10ms);
        while (done < 5) {
            t.expires_after(10ms);
            co_await t.async_wait(asio::use_awaitable);
        }
    });
    CHECK(finish_order == std::vector<std::int64_t>{10, 30, 60, 90, 120});  // all concurrent: in order of duration
    CHECK(h.srv->connections() == 1);
}

TEST_CASE("client and server: a deadline ends the call deadline-exceeded and cancels the handler") {
    const kind k = GENERATE(kind::tcp, kind::tls, kind::unix_socket);
    INFO(name_of(k));
    harness h(k);
    sxtp::client c(h.io.get_executor(), h.where, h.client_options());
    h.run([&]() -> asio::awaitable<void> {
        const auto start = std::chrono::steady_clock::now();
        auto r = co_await c.call<svc::sleep>({5000}, {.timeout = 100ms, .headers = {}, .capabilities = {}});
        CHECK(std::chrono::steady_clock::now() - start < 2s);
        REQUIRE_FALSE(r.ok());
        CHECK(r.status() == status_code::error);
        CHECK(r.condition().type.name() == "deadline-exceeded");
        // the same connection goes on
        auto after = co_await c.call<svc::get_item>({2});
        CHECK(after.ok());
    });
    h.settle(100ms);
    CHECK(h.log->cancelled == 1);
    CHECK(h.log->finished == 0);
}

TEST_CASE("client and server: cancelling the awaiting coroutine sends cancel and the handler stops") {
    const kind k = GENERATE(kind::tcp, kind::tls, kind::unix_socket);
    INFO(name_of(k));
    harness h(k);
    sxtp::client c(h.io.get_executor(), h.where, h.client_options());
    asio::cancellation_signal stop;
    std::optional<reply<svc::sleep>> got;
    h.run([&]() -> asio::awaitable<void> {
        co_await c.call<svc::get_item>({1});
        asio::co_spawn(h.io, c.call<svc::sleep>({5000}),
                       asio::bind_cancellation_slot(stop.slot(), [&](std::exception_ptr, reply<svc::sleep> r) { got = std::move(r); }));
        asio::steady_timer t(h.io, 100ms);
        co_await t.async_wait(asio::use_awaitable);
        CHECK(h.log->started == 1);
        stop.emit(asio::cancellation_type::terminal);
        while (!got || h.log->cancelled == 0) {
            t.expires_after(10ms);
            co_await t.async_wait(asio::use_awaitable);
        }
    });
    REQUIRE(got);
    CHECK(got->condition().type.name() == "cancelled");
    CHECK(h.log->cancelled == 1);
}

TEST_CASE("client and server: the in-flight limit answers overloaded with retry") {
    const kind k = GENERATE(kind::tcp, kind::unix_socket);
    INFO(name_of(k));
    server_options o;
    o.limits.max_in_flight = 2;
    harness h(k, o);
    sxtp::client c(h.io.get_executor(), h.where, h.client_options());
    std::vector<reply<svc::sleep>> replies;
    h.run([&]() -> asio::awaitable<void> {
        co_await c.call<svc::get_item>({1});
        for (int i = 0; i < 3; ++i)
            asio::co_spawn(h.io, c.call<svc::sleep>({200}), [&](std::exception_ptr, reply<svc::sleep> r) { replies.push_back(std::move(r)); });
        asio::steady_timer t(h.io, 10ms);
        while (replies.size() < 3) {
            t.expires_after(10ms);
            co_await t.async_wait(asio::use_awaitable);
        }
    });
    REQUIRE(replies.size() == 3);
    CHECK_FALSE(replies[0].ok());  // the third, refused at once, arrives first
    CHECK(replies[0].status() == status_code::unavailable);
    CHECK(replies[0].condition().type.name() == "overloaded");
    CHECK(replies[0].condition().retry == true);
    CHECK(replies[1].ok());
    CHECK(replies[2].ok());
}

TEST_CASE("client and server: graceful shutdown drains in-flight calls and refuses new ones") {
    const kind k = GENERATE(kind::tcp, kind::tls, kind::unix_socket);
    INFO(name_of(k));
    harness h(k);
    sxtp::client c(h.io.get_executor(), h.where, h.client_options());
    std::vector<reply<svc::sleep>> replies;
    bool drained = false;
    h.run([&]() -> asio::awaitable<void> {
        co_await c.call<svc::get_item>({1});
        for (int i = 0; i < 5; ++i)
            asio::co_spawn(h.io, c.call<svc::sleep>({150}), [&](std::exception_ptr, reply<svc::sleep> r) { replies.push_back(std::move(r)); });
        asio::steady_timer t(h.io, 50ms);
        co_await t.async_wait(asio::use_awaitable);
        h.srv->shutdown(5s, [&] { drained = true; });
        auto late = co_await c.call<svc::get_item>({2});
        CHECK(late.status() == status_code::unavailable);
        CHECK(late.condition().type.name() == "shutting-down");
        CHECK(late.condition().retry == true);
        while (!drained) {
            t.expires_after(10ms);
            co_await t.async_wait(asio::use_awaitable);
        }
    });
    REQUIRE(replies.size() == 5);
    for (const auto& r : replies) CHECK(r.ok());  // none lost
    CHECK(h.srv->connections() == 0);
}

TEST_CASE("client and server: a drain that runs out of time answers shutting-down without retry") {
    const kind k = GENERATE(kind::tcp, kind::unix_socket);
    INFO(name_of(k));
    harness h(k);
    sxtp::client c(h.io.get_executor(), h.where, h.client_options());
    std::optional<reply<svc::sleep>> got;
    bool drained = false;
    h.run([&]() -> asio::awaitable<void> {
        co_await c.call<svc::get_item>({1});
        asio::co_spawn(h.io, c.call<svc::sleep>({10000}), [&](std::exception_ptr, reply<svc::sleep> r) { got = std::move(r); });
        asio::steady_timer t(h.io, 50ms);
        co_await t.async_wait(asio::use_awaitable);
        h.srv->shutdown(100ms, [&] { drained = true; });
        while (!drained || !got) {
            t.expires_after(10ms);
            co_await t.async_wait(asio::use_awaitable);
        }
    });
    REQUIRE(got);
    CHECK(got->status() == status_code::unavailable);
    CHECK(got->condition().type.name() == "shutting-down");
    CHECK(got->condition().retry == false);
    CHECK(h.log->cancelled == 1);
}

TEST_CASE("client: the client reconnects after the server restarts") {
    const kind k = GENERATE(kind::tcp, kind::unix_socket);
    INFO(name_of(k));
    auto h = std::make_unique<harness>(k);
    client_options o = h->client_options();
    o.reconnect_backoff = 20ms;
    asio::io_context io;
    sxtp::client c(io.get_executor(), h->where, o);
    // The client runs on its own io_context; the server's is run alongside.
    auto pump = [&](auto&& pred) {
        const auto until = std::chrono::steady_clock::now() + 10s;
        while (!pred() && std::chrono::steady_clock::now() < until) {
            io.restart();
            io.run_for(5ms);
            h->io.restart();
            h->io.run_for(5ms);
        }
        REQUIRE(pred());
    };
    std::optional<reply<svc::get_item>> a, b;
    asio::co_spawn(io, c.call<svc::get_item>({1}), [&](std::exception_ptr, reply<svc::get_item> r) { a = std::move(r); });
    pump([&] { return a.has_value(); });
    CHECK(a->ok());
    // Restart the server on the same address.
    auto where = h->where;
    h->srv->shutdown(0ms);
    pump([&] { return h->srv->connections() == 0; });
    h.reset();
    h = std::make_unique<harness>(k);
    h->srv->stop_accepting();
    h->where = h->srv->listen(where);
    // The first call may see the old connection's end; a later one connects again.
    bool ok = false;
    for (int i = 0; i < 50 && !ok; ++i) {
        b.reset();
        asio::co_spawn(io, c.call<svc::get_item>({2}), [&](std::exception_ptr, reply<svc::get_item> r) { b = std::move(r); });
        pump([&] { return b.has_value(); });
        ok = b->ok();
        if (!ok) {
            CHECK(b->condition().type.name() == "connection-failed");
            std::this_thread::sleep_for(20ms);  // past the reconnect backoff
        }
    }
    CHECK(ok);
}
