// Calls written the natural way — braces inside the co_await expression —
// and with completion tokens. CI compiles this file with g++ 12 under
// AddressSanitizer too (tools/test.sh): g++ 12 destroys an aggregate
// temporary built inside a co_await expression twice, and these forms must
// not build one (client/call_arg.hpp).
#include "../support/net_harness.hpp"

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/asio/use_future.hpp>

#include <future>
#include <thread>

using namespace sxtp_test;
using namespace std::chrono_literals;
namespace asio = boost::asio;

namespace forms {
// Long strings: a double free of one is a crash under ASan, not a quiet no-op.
inline const std::string long_name = "a name well beyond the small-string buffer of std::string";

struct query {
    BOOST_HANA_DEFINE_STRUCT(query, (std::string, name), (std::int64_t, limit));
};
struct found {
    BOOST_HANA_DEFINE_STRUCT(found, (std::string, name), (std::int64_t, limit), (std::string, language));
};
struct find : sxtp::endpoint<"query", "/find"> {
    using params = query;
    using result = found;
};
struct by_id {
    BOOST_HANA_DEFINE_STRUCT(by_id, (std::int64_t, id));
};
struct get : sxtp::endpoint<"fetch", "/get/{id}"> {
    using params = by_id;
    using result = std::int64_t;
};
struct line {
    BOOST_HANA_DEFINE_STRUCT(line, (std::string, product), (std::int64_t, quantity), (std::vector<std::string>, notes));
};
struct order {
    BOOST_HANA_DEFINE_STRUCT(order, (std::string, summary));
};
struct create : sxtp::endpoint<"create", "/orders"> {
    using body = line;
    using result = order;
};
struct counted {
    BOOST_HANA_DEFINE_STRUCT(counted, (std::int64_t, n));
};
struct count : sxtp::endpoint<"fetch", "/count"> {
    using params = counted;
    using chunk = std::int64_t;
};
/// Streams n summaries, each written as braces.
struct lines : sxtp::endpoint<"fetch", "/lines"> {
    using params = counted;
    using chunk = order;
};
/// Takes lines, answers their summary.
struct upload : sxtp::endpoint<"create", "/upload"> {
    using request_chunk = line;
    using result = order;
};
} // namespace forms

namespace {

struct forms_server : harness {
    forms_server() : harness(kind::tcp) {
        srv->handle<forms::find>([](const forms::query& q, sxtp::call_context& ctx) {
            const auto& h = ctx.headers();
            const auto* lang = h.language ? std::get_if<std::string>(&*h.language) : nullptr;
            return forms::found{q.name, q.limit, lang ? *lang : std::string()};
        });
        srv->handle<forms::get>([](const forms::by_id& r) { return r.id * 2; });
        srv->handle<forms::create>([](const forms::line& l) {
            std::string s = std::to_string(l.quantity) + " x " + l.product;
            for (const auto& n : l.notes) s += " (" + n + ")";
            return forms::order{s};
        });
        srv->handle<forms::lines>([](const forms::counted& c, sxtp::stream<forms::lines>& out) -> asio::awaitable<void> {
            for (std::int64_t i = 0; i < c.n; ++i)
                if (!co_await out.write({std::to_string(i) + " " + forms::long_name})) co_return;
        });
        srv->handle<forms::upload>([](sxtp::stream<forms::upload>& in) -> asio::awaitable<forms::order> {
            std::string all;
            while (auto l = co_await in.read()) all += l->product + "/";
            co_return forms::order{all};
        });
        srv->handle<forms::count>([](const forms::counted& c, sxtp::stream<forms::count>& out) -> asio::awaitable<void> {
            for (std::int64_t i = 0; i < c.n; ++i)
                if (!co_await out.write(i)) co_return;
        });
    }
};

} // namespace

TEST_CASE("call forms: braces inside the co_await expression build params and bodies safely") {
    forms_server s;
    sxtp::client c(s.io.get_executor(), s.where, s.client_options());
    s.run([&]() -> asio::awaitable<void> {
        // (results are named: g++ 12 would await again inside a Catch macro)
        auto a = co_await c.call<forms::get>({42});
        REQUIRE(a);
        CHECK(*a == 84);
        auto b = co_await c.call<forms::find>({forms::long_name, 3}, {.timeout = 2s});
        REQUIRE(b);
        CHECK(b->name == forms::long_name);
        CHECK(b->limit == 3);
        // A field as nested braces holding values ({"a", "b"}: an initializer
        // list) does not compile inside a co_await expression under g++ 12
        // ("array used as initializer"): build it first, as a call_arg.
        sxtp::call_arg<forms::line> apples{"apples from the orchard on the hill", 2, {"ripe ones only, please", "no bruises"}};
        auto o = co_await c.call<forms::create>({}, std::move(apples));
        REQUIRE(o);
        CHECK(o->summary == "2 x apples from the orchard on the hill (ripe ones only, please) (no bruises)");
        auto o2 = co_await c.call<forms::create>({}, {"pears", 1, {}}, {.timeout = 2s});
        CHECK(o2.value().summary == "1 x pears");
    });
}

TEST_CASE("call forms: stream chunks written as braces inside co_await") {
    forms_server s;
    sxtp::client c(s.io.get_executor(), s.where, s.client_options());
    s.run([&]() -> asio::awaitable<void> {
        auto st = co_await c.open<forms::lines>({3});
        std::vector<std::string> got;
        while (auto l = co_await st.next()) got.push_back(l->summary);
        REQUIRE(got.size() == 3);
        CHECK(got[2] == "2 " + forms::long_name);
        auto up = co_await c.open<forms::upload>({});
        const bool a = co_await up.write({"a product name long enough for the heap", 1, {}});
        const bool b = co_await up.write({forms::long_name, 2, {}});
        CHECK(a);
        CHECK(b);
        up.finish();
        auto r = co_await up.result();
        CHECK(r.value().summary == "a product name long enough for the heap/" + forms::long_name + "/");
    });
}

TEST_CASE("call forms: named and moved values and designated initializers") {
    forms_server s;
    sxtp::client c(s.io.get_executor(), s.where, s.client_options());
    s.run([&]() -> asio::awaitable<void> {
        const forms::query q{forms::long_name, 5};
        auto a = co_await c.call<forms::find>(q);
        CHECK(a.value().name == forms::long_name);
        forms::query moved{forms::long_name, 6};
        auto b = co_await c.call<forms::find>(std::move(moved));
        CHECK(b.value().limit == 6);
        auto d = co_await c.call<forms::get>({.id = 7});  // designated: numbers only (see call_arg.hpp)
        CHECK(d.value() == 14);
        const forms::line l{"plums", 3, {"a note long enough to live on the heap"}};
        auto e = co_await c.call<forms::create>({}, l);
        CHECK(e.value().summary == "3 x plums (a note long enough to live on the heap)");
        sxtp::call_options opts;
        opts.headers.emplace();
        opts.headers->language = std::string("en-GB");
        auto f = co_await c.call<forms::find>({"x", 1}, opts);
        CHECK(f.value().language == "en-GB");
        // a stream, positionally
        auto st = co_await c.open<forms::count>({3});
        std::vector<std::int64_t> got;
        while (auto n = co_await st.next()) got.push_back(*n);
        CHECK(got == std::vector<std::int64_t>{0, 1, 2});
    });
}

TEST_CASE("call forms: async_call completes use_future and a callback and deferred") {
    forms_server s;
    sxtp::client c(s.io.get_executor(), s.where, s.client_options());
    // use_future: the io_context runs on another thread while this one waits.
    auto guard = asio::make_work_guard(s.io);
    std::thread runner([&] { s.io.run(); });
    std::future<sxtp::reply<forms::find>> fut = c.async_call<forms::find>({forms::long_name, 9}, asio::use_future);
    REQUIRE(fut.wait_for(10s) == std::future_status::ready);
    const sxtp::reply<forms::find> r = fut.get();
    CHECK(r.value().limit == 9);
    // a callback, with options
    std::promise<std::string> p;
    c.async_call<forms::create>({}, {"figs", 4, {}}, {.timeout = 2s},
                                [&](sxtp::reply<forms::create> rep) { p.set_value(rep ? rep->summary : "failed"); });
    auto answered = p.get_future();
    REQUIRE(answered.wait_for(10s) == std::future_status::ready);
    CHECK(answered.get() == "4 x figs");
    // async_open with a callback
    std::promise<std::int64_t> first;
    c.async_open<forms::count>({2}, [&](sxtp::call_stream<forms::count> st) {
        asio::co_spawn(s.io, [&first, st = std::move(st)]() mutable -> asio::awaitable<void> {
            auto n = co_await st.next();
            first.set_value(n ? *n : -1);
        }, asio::detached);
    });
    auto first_value = first.get_future();
    REQUIRE(first_value.wait_for(10s) == std::future_status::ready);
    CHECK(first_value.get() == 0);
    guard.reset();
    s.io.stop();
    runner.join();
    s.io.restart();

    // deferred, awaited: nothing runs until it is awaited
    s.run([&]() -> asio::awaitable<void> {
        auto op = c.async_call<forms::get>({21}, asio::deferred);
        auto rep = co_await std::move(op)(asio::use_awaitable);
        CHECK(rep.value() == 42);
        auto direct = co_await c.async_call<forms::get>({5}, {.timeout = 2s}, asio::use_awaitable);
        CHECK(direct.value() == 10);
    });
}

TEST_CASE("call forms: a cancellation slot on the token cancels the call") {
    harness h(kind::tcp);
    sxtp::client c(h.io.get_executor(), h.where, h.client_options());
    asio::cancellation_signal cancel;
    std::optional<sxtp::reply<svc::sleep>> got;
    const auto started = std::chrono::steady_clock::now();
    c.async_call<svc::sleep>({5000}, asio::bind_cancellation_slot(cancel.slot(), [&](sxtp::reply<svc::sleep> r) { got = std::move(r); }));
    asio::steady_timer t(h.io, 100ms);
    t.async_wait([&](boost::system::error_code) { cancel.emit(asio::cancellation_type::terminal); });
    while (!got && std::chrono::steady_clock::now() - started < 10s) h.io.run_one_for(50ms);
    REQUIRE(got);
    REQUIRE_FALSE(got->ok());
    CHECK(got->condition().type.name() == "cancelled");
    CHECK(std::chrono::steady_clock::now() - started < 4s);
    // the server saw the cancel
    const auto until = std::chrono::steady_clock::now() + 5s;
    while (h.log->cancelled == 0 && std::chrono::steady_clock::now() < until) h.io.run_one_for(50ms);
    CHECK(h.log->cancelled == 1);
    // partial cancellation too (co_spawn alone would let only terminal through)
    got.reset();
    const auto again = std::chrono::steady_clock::now();
    c.async_call<svc::sleep>({5000}, asio::bind_cancellation_slot(cancel.slot(), [&](sxtp::reply<svc::sleep> r) { got = std::move(r); }));
    asio::steady_timer t2(h.io, 100ms);
    t2.async_wait([&](boost::system::error_code) { cancel.emit(asio::cancellation_type::partial); });
    while (!got && std::chrono::steady_clock::now() - again < 10s) h.io.run_one_for(50ms);
    REQUIRE(got);
    REQUIRE_FALSE(got->ok());
    CHECK(got->condition().type.name() == "cancelled");
    CHECK(std::chrono::steady_clock::now() - again < 4s);
}
