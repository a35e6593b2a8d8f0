// The client and server through a fault proxy (tests/support/fault_proxy.hpp):
// 1-byte writes, latency, resets either way. Calls end with clear answers,
// are repeated only when that is safe, and nothing is lost or done twice.
#include "../support/fault_proxy.hpp"
#include "../support/net_harness.hpp"

#include <map>

using namespace sxtp;
using namespace sxtp_test;

namespace {

struct work_ref {
    BOOST_HANA_DEFINE_STRUCT(work_ref, (std::int64_t, id), (std::string, pad));
};
struct work_done {
    BOOST_HANA_DEFINE_STRUCT(work_done, (std::int64_t, id), (std::int64_t, size));
};
// Records how often each id was executed.
struct do_work : sxtp::endpoint<"mutate", "/work"> {
    using body = work_ref;
    using result = work_done;
};

struct counting_server {
    std::map<std::int64_t, int> runs;
    harness h{kind::tcp};
    counting_server() {
        h.srv->handle<do_work>([this](const no_params&, const work_ref& w, call_context&) -> work_done {
            ++runs[w.id];
            return {w.id, static_cast<std::int64_t>(w.pad.size())};
        });
    }
    // Every id ran at most once; every id answered ok ran exactly once.
    void check_once(const std::map<std::int64_t, bool>& answered_ok) {
        for (const auto& [id, n] : runs) {
            INFO("id " << id);
            CHECK(n == 1);
        }
        for (const auto& [id, ok] : answered_ok)
            if (ok) {
                INFO("id " << id);
                CHECK(runs.count(id) == 1);
            }
    }
};

client_options through(const counting_server&) {
    client_options o;
    o.keepalive_interval = std::chrono::milliseconds(0);
    o.reconnect_backoff = std::chrono::milliseconds(10);
    return o;
}

net::address proxy_address(const fault_proxy& p) {
    net::address a;
    a.host = "127.0.0.1";
    a.port = p.port();
    return a;
}

std::string type_of(const condition& c) { return std::string(c.type.name()); }

} // namespace

TEST_CASE("faults: 1-byte writes both ways lose and duplicate nothing") {
    counting_server s;
    fault_proxy proxy(s.h.io, s.h.where.port, {.one_byte_writes = true});
    client c(s.h.io.get_executor(), proxy_address(proxy), through(s));
    std::map<std::int64_t, bool> ok;
    int done = 0;
    s.h.run([&]() -> asio::awaitable<void> {
        for (std::int64_t id = 0; id < 40; ++id) {
            asio::co_spawn(s.h.io, [&, id]() -> asio::awaitable<void> {
                const work_ref w{id, std::string(static_cast<std::size_t>(id * 37 % 300), 'x')};
                auto r = co_await c.call<do_work>(no_params{}, w);
                ok[id] = r.ok() && r.value().id == id && r.value().size == id * 37 % 300;
                ++done;
            }, asio::detached);
        }
        asio::steady_timer t(s.h.io);
        while (done < 40) {
            t.expires_after(std::chrono::milliseconds(5));
            co_await t.async_wait(asio::use_awaitable);
        }
    }, std::chrono::seconds(30));
    for (const auto& [id, good] : ok) CHECK(good);
    CHECK(ok.size() == 40);
    s.check_once(ok);
}

TEST_CASE("faults: latency meets deadlines with deadline-exceeded and is otherwise harmless") {
    counting_server s;
    fault_proxy proxy(s.h.io, s.h.where.port, {.latency = std::chrono::milliseconds(40)});
    client c(s.h.io.get_executor(), proxy_address(proxy), through(s));
    s.h.run([&]() -> asio::awaitable<void> {
        call_options fast;
        fast.timeout = std::chrono::milliseconds(10);
        const work_ref a{1, "a"};
        auto late = co_await c.call<do_work>(no_params{}, a, fast);
        REQUIRE_FALSE(late.ok());
        CHECK(type_of(late.condition()) == "deadline-exceeded");
        call_options patient;
        patient.timeout = std::chrono::seconds(5);
        const work_ref b{2, "b"};
        auto fine = co_await c.call<do_work>(no_params{}, b, patient);
        CHECK(fine.ok());
    });
}

TEST_CASE("faults: a reset after the request was sent is connection-failed, not retried") {
    counting_server s;
    // The request gets through; the connection is reset before the answer does.
    fault_proxy proxy(s.h.io, s.h.where.port, {.reset_after_downstream = 1});
    auto o = through(s);
    o.retry.max_attempts = 5;  // allowed, yet not used: the call may have had effects
    client c(s.h.io.get_executor(), proxy_address(proxy), o);
    std::map<std::int64_t, bool> ok;
    s.h.run([&]() -> asio::awaitable<void> {
        const work_ref w{7, "seven"};
        auto r = co_await c.call<do_work>(no_params{}, w);
        ok[7] = r.ok();
        REQUIRE_FALSE(r.ok());
        CHECK(type_of(r.condition()) == "connection-failed");
        CHECK(r.condition().retry == false);
        CHECK(r.condition().message == "the connection broke before the answer came");
    });
    CHECK(s.runs[7] == 1);  // done once, reported as failed: the caller decides
    CHECK(proxy.accepted() == 1);
    s.check_once(ok);
}

TEST_CASE("faults: a connection reset as it opens is reported, not repeated") {
    // The client has written its request when the reset comes: it cannot
    // know whether the server got it, so the call is not repeated.
    counting_server s;
    fault_proxy proxy(s.h.io, s.h.where.port, {.reset_first_connections = 1});
    auto o = through(s);
    o.retry.max_attempts = 4;
    client c(s.h.io.get_executor(), proxy_address(proxy), o);
    s.h.run([&]() -> asio::awaitable<void> {
        const work_ref w{4, "four"};
        auto r = co_await c.call<do_work>(no_params{}, w);
        REQUIRE_FALSE(r.ok());
        CHECK(type_of(r.condition()) == "connection-failed");
        CHECK(r.condition().retry == false);
    });
    CHECK(proxy.accepted() == 1);
    CHECK(s.runs.empty());
}

TEST_CASE("faults: refused connects are retried until one gets through, and the call runs once") {
    counting_server s;
    fault_proxy proxy(s.h.io, s.h.where.port, {});
    proxy.pause(std::chrono::milliseconds(150));
    auto o = through(s);
    o.retry.max_attempts = 8;
    o.retry.backoff = std::chrono::milliseconds(20);
    client c(s.h.io.get_executor(), proxy_address(proxy), o);
    std::map<std::int64_t, bool> ok;
    s.h.run([&]() -> asio::awaitable<void> {
        const work_ref w{3, "three"};
        auto r = co_await c.call<do_work>(no_params{}, w);
        ok[3] = r.ok();
        CHECK(r.ok());
    });
    CHECK(proxy.accepted() == 1);
    s.check_once(ok);

    // Without retries the same fault is reported at once, marked safe to repeat.
    counting_server s2;
    fault_proxy p2(s2.h.io, s2.h.where.port, {});
    p2.pause(std::chrono::milliseconds(500));
    client c2(s2.h.io.get_executor(), proxy_address(p2), through(s2));
    s2.h.run([&]() -> asio::awaitable<void> {
        const work_ref w{5, "five"};
        auto r = co_await c2.call<do_work>(no_params{}, w);
        REQUIRE_FALSE(r.ok());
        CHECK(type_of(r.condition()) == "connection-failed");
        CHECK(r.condition().retry == true);
    });
    CHECK(s2.runs.empty());
}

TEST_CASE("faults: a reset in the middle of a request (client to server) loses nothing silently") {
    counting_server s;
    fault_proxy proxy(s.h.io, s.h.where.port, {.reset_after_upstream = 30});  // inside the first frame
    client c(s.h.io.get_executor(), proxy_address(proxy), through(s));
    s.h.run([&]() -> asio::awaitable<void> {
        const work_ref w{9, std::string(200, 'y')};
        auto r = co_await c.call<do_work>(no_params{}, w);
        REQUIRE_FALSE(r.ok());
        CHECK(type_of(r.condition()) == "connection-failed");
        // the proxy stops resetting: the next call works on a new connection
        proxy.set({});
        const work_ref w2{10, "ten"};
        auto again = co_await c.call<do_work>(no_params{}, w2);
        CHECK(again.ok());
    });
    CHECK(s.runs.count(9) == 0);  // half a frame is never a request
    CHECK(s.runs[10] == 1);
}

TEST_CASE("faults: overloaded answers are retried when allowed") {
    sxtp::server_options so;
    so.limits.max_in_flight = 1;
    harness h(kind::tcp, so);
    auto o = h.client_options();
    o.retry.max_attempts = 10;
    o.retry.backoff = std::chrono::milliseconds(10);
    client c(h.io.get_executor(), h.where, o);
    int ok = 0;
    h.run([&]() -> asio::awaitable<void> {
        int done = 0;
        for (int i = 0; i < 3; ++i)
            asio::co_spawn(h.io, [&]() -> asio::awaitable<void> {
                auto r = co_await c.call<svc::sleep>({30});
                if (r.ok()) ++ok;
                ++done;
            }, asio::detached);
        asio::steady_timer t(h.io);
        while (done < 3) {
            t.expires_after(std::chrono::milliseconds(5));
            co_await t.async_wait(asio::use_awaitable);
        }
    });
    CHECK(ok == 3);  // each ran once the one slot was free
    CHECK(h.log->finished == 3);
}
