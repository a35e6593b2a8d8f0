// A bounded soak: a server on two threads, over TCP and then TLS, taking
// calls as fast as 96 concurrent callers make them for SXTP_SOAK_SECONDS
// each (default 5; CI runs it longer in the optimised build), with random
// deadlines, cancels, client disconnects and malformed frames mixed in.
//
// Asserted: every call ends exactly once with an answer allowed for what it
// did (a wrong one — a lost, doubled or misdirected answer breaks the
// client's connection as a protocol error and shows up as a connection
// failure where none was caused); every handler that started ended; every
// connection closes at the end; the process's memory is stable from the
// first fifth of the run to its end; and, in the sanitizer build, nothing
// leaks.
#include "../support/net_harness.hpp"

#include <sxtp/server/io_pool.hpp>

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/write.hpp>

#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <random>

using namespace sxtp;
using namespace sxtp_test;

namespace {

// Sanitizers keep freed memory in quarantine and shadow it: RSS says
// nothing about leaks there (LeakSanitizer does that job instead).
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
constexpr bool rss_is_meaningful = false;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
constexpr bool rss_is_meaningful = false;
#else
constexpr bool rss_is_meaningful = true;
#endif
#else
constexpr bool rss_is_meaningful = true;
#endif

std::size_t rss_bytes() {
    std::ifstream statm("/proc/self/statm");
    std::size_t pages = 0, resident = 0;
    statm >> pages >> resident;
    return resident * static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
}

std::chrono::seconds soak_seconds() {
    const char* s = std::getenv("SXTP_SOAK_SECONDS");
    const long n = s ? std::atol(s) : 0;
    return std::chrono::seconds(n > 0 ? n : 5);
}

struct tally {
    std::map<std::string, std::uint64_t> outcomes;  // "op/outcome" → count
    std::uint64_t issued = 0, ended = 0, unexpected = 0;
    std::string first_unexpected;
    void end(const std::string& op, const std::string& outcome, bool allowed) {
        ++ended;
        ++outcomes[op + "/" + outcome];
        if (!allowed && unexpected++ == 0) first_unexpected = op + " ended " + outcome;
    }
};

std::string outcome_of(const condition& c) { return std::string(c.type.name()); }

// One transport's run.
void soak(kind k) {
    INFO(name_of(k));
    io_pool pool(2);
    std::atomic<int> started{0}, ended{0};
    server_options so;
    if (k == kind::tls)
        so.tls = net::make_server_tls_context({.certificate_chain_pem = shared_certificate().certificate_pem,
                                               .private_key_pem = shared_certificate().private_key_pem,
                                               .certificate_chain_file = {},
                                               .private_key_file = {}});
    so.limits.max_in_flight = 1000;
    server srv(pool.executors(), so);
    srv.handle<svc::get_item>([](const svc::item_ref& r, const no_body&, call_context&) -> reply<svc::get_item> {
        if (r.id < 0) return svc::no_such_item{r.id};
        return svc::item{r.id, "item " + std::to_string(r.id)};
    });
    srv.handle<svc::sleep>([&](const svc::nap& n, const no_body&, call_context&) -> asio::awaitable<std::int64_t> {
        ++started;
        asio::steady_timer t(co_await asio::this_coro::executor, std::chrono::milliseconds(n.ms));
        boost::system::error_code ec;
        co_await t.async_wait(asio::redirect_error(asio::use_awaitable, ec));
        ++ended;
        co_return n.ms;
    });
    const auto where = srv.listen(loopback(k));
    pool.start();

    asio::io_context io;
    client_options co;
    if (k == kind::tls) co.tls = net::make_client_tls_context({.ca_pem = shared_certificate().certificate_pem, .ca_file = {}, .insecure = false});
    co.pool_size = 4;
    co.keepalive_interval = std::chrono::milliseconds(0);
    client main_client(io.get_executor(), where, co);

    tally t;
    std::mt19937_64 rng(12345);
    const auto duration = soak_seconds();
    const auto start = std::chrono::steady_clock::now();
    const auto stop_at = start + duration;
    std::size_t rss_early = 0;
    bool measured_early = false;

    // A well-behaved call, a deadline, a cancel, a disconnect or a malformed frame.
    auto one = [&](int pick, std::int64_t n) -> asio::awaitable<void> {
        ++t.issued;
        boost::system::error_code ignored;
        if (pick < 70) {  // an item, or a not-found
            const svc::item_ref ref{n % 3 == 0 ? -n : n};
            auto r = co_await main_client.call<svc::get_item>(ref);
            if (r.ok()) t.end("get", "ok", ref.id >= 0 && r.value().id == ref.id && r.value().name == "item " + std::to_string(ref.id));
            else t.end("get", outcome_of(r.condition()), ref.id < 0 && r.condition().type.name() == "no-such-item");
        } else if (pick < 80) {  // a deadline that may or may not pass
            call_options o;
            o.timeout = std::chrono::milliseconds(1 + n % 15);
            const svc::nap nap{n % 20};
            auto r = co_await main_client.call<svc::sleep>(nap, o);
            const std::string what = r.ok() ? "ok" : outcome_of(r.condition());
            t.end("deadline", what, (r.ok() && r.value() == nap.ms) || what == "deadline-exceeded");
        } else if (pick < 90) {  // cancelled by the caller after a moment
            // The signal outlives this scope: the timer may have fired (its
            // handler queued, beyond cancel()) just as the call finished.
            auto sig = std::make_shared<asio::cancellation_signal>();
            auto over = std::make_shared<bool>(false);
            asio::steady_timer timer(io, std::chrono::milliseconds(n % 5));
            timer.async_wait([sig, over](boost::system::error_code ec) {
                if (!ec && !*over) sig->emit(asio::cancellation_type::terminal);
            });
            bool done = false;
            std::string what;
            bool allowed = false;
            const svc::nap nap{20};
            asio::co_spawn(io, main_client.call<svc::sleep>(nap), asio::bind_cancellation_slot(sig->slot(), [&](std::exception_ptr, reply<svc::sleep> r) {
                what = r.ok() ? "ok" : outcome_of(r.condition());
                allowed = r.ok() || what == "cancelled";
                done = true;
            }));
            asio::steady_timer wait(io);
            while (!done) {
                wait.expires_after(std::chrono::milliseconds(2));
                co_await wait.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
            }
            *over = true;
            timer.cancel();
            t.end("cancel", what, allowed);
        } else if (pick < 95) {  // a client that goes away with a call in flight
            client gone(io.get_executor(), where, co);
            const svc::nap nap{30};
            bool done = false;
            std::string what;
            asio::co_spawn(io, gone.call<svc::sleep>(nap), [&](std::exception_ptr, reply<svc::sleep> r) {
                what = r.ok() ? "ok" : outcome_of(r.condition());
                done = true;
            });
            asio::steady_timer wait(io, std::chrono::milliseconds(2 + n % 10));
            co_await wait.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
            gone.close();
            while (!done) {
                wait.expires_after(std::chrono::milliseconds(1));
                co_await wait.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
            }
            t.end("disconnect", what, what == "connection-failed" || what == "ok");
        } else {  // malformed frames on a raw connection (TCP only: the TLS run does the same calls through TLS clients)
            if (k != kind::tcp) {
                auto r = co_await main_client.call<svc::get_item>(svc::item_ref{n});
                t.end("get", r.ok() ? "ok" : outcome_of(r.condition()), r.ok());
                co_return;
            }
            asio::ip::tcp::socket s(io);
            boost::system::error_code ec;
            co_await s.async_connect({asio::ip::make_address("127.0.0.1"), where.port}, asio::redirect_error(asio::use_awaitable, ec));
            const bool oversize = n % 2 == 0;
            const std::string bytes = oversize ? std::string("9999999999\n") : std::string("9\n(request ");
            co_await asio::async_write(s, asio::buffer(bytes), asio::redirect_error(asio::use_awaitable, ec));
            // The server's one answer, framed.
            wire::frame_reader in;
            std::string got;
            while (!ec) {
                const auto f = in.next();
                if (f.state == wire::frame::complete) {
                    got = std::string(f.payload);
                    break;
                }
                if (f.state == wire::frame::failed) break;
                auto room = in.prepare();
                const std::size_t m = co_await s.async_read_some(asio::buffer(room.data(), room.size()), asio::redirect_error(asio::use_awaitable, ec));
                in.commit(m);
            }
            const bool ok = oversize ? got.find("frame-too-large") != std::string::npos : got.find("malformed-message") != std::string::npos;
            t.end("malformed", oversize ? "frame" : "message", ok);
        }
    };

    int running = 96;
    auto caller = [&](int id) -> asio::awaitable<void> {
        std::int64_t n = id;
        std::uniform_int_distribution<int> pick(0, 99);
        while (std::chrono::steady_clock::now() < stop_at) {
            co_await one(pick(rng), n += 97);
            if (!measured_early && std::chrono::steady_clock::now() > start + duration / 5) {
                measured_early = true;
                rss_early = rss_bytes();
            }
        }
        --running;
    };
    for (int i = 0; i < 96; ++i) asio::co_spawn(io, caller(i), asio::detached);
    const auto hard_limit = stop_at + std::chrono::seconds(30);
    while (running > 0 && std::chrono::steady_clock::now() < hard_limit) io.run_one_for(std::chrono::milliseconds(50));
    const std::size_t rss_late = rss_bytes();

    std::cout << name_of(k) << " soak: " << t.ended << " calls in " << duration.count() << " s";
    for (const auto& [what, count] : t.outcomes) std::cout << ", " << what << " " << count;
    std::cout << "; rss " << rss_early / 1024 << " KiB → " << rss_late / 1024 << " KiB\n";

    CHECK(running == 0);
    CHECK(t.issued == t.ended);
    INFO(t.first_unexpected);
    CHECK(t.unexpected == 0);
    CHECK(t.outcomes["get/ok"] > 0);
    CHECK(t.outcomes["deadline/deadline-exceeded"] > 0);
    CHECK(t.outcomes["cancel/cancelled"] > 0);
    CHECK(t.outcomes["disconnect/connection-failed"] > 0);
    if (k == kind::tcp) CHECK(t.outcomes["malformed/message"] + t.outcomes["malformed/frame"] > 0);
    if (rss_is_meaningful) CHECK(rss_late < rss_early + (std::size_t{24} << 20));

    main_client.close();
    io.restart();
    io.run_for(std::chrono::milliseconds(50));
    // Every handler that started ended (cancelled ones too), and every connection closes.
    bool drained = false;
    asio::post(pool.executors()[0], [&] { srv.shutdown(std::chrono::seconds(2), [&] { drained = true; pool.release(); }); });
    pool.join();
    CHECK(drained);
    CHECK(started.load() > 0);
    CHECK(started.load() == ended.load());  // cancelled handlers ended too
    CHECK(srv.connections() == 0);
}

} // namespace

TEST_CASE("soak: calls with deadlines, cancels, disconnects and malformed frames over TCP then TLS") {
    soak(kind::tcp);
    soak(kind::tls);
}
