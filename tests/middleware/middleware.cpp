// Middleware and observability over real sockets: server and client
// interceptors, metrics (parsed by prometheus_client's parser), the access
// log, trace propagation across two services, and blocking work.
#include "../support/net_harness.hpp"

#include <sxtp/server/blocking.hpp>

#include <cstdio>
#include <fstream>
#include <mutex>
#include <thread>

using namespace sxtp_test;
using namespace std::chrono_literals;
namespace asio = boost::asio;
namespace sx = sxtp::sx;

namespace mw {
struct ticks : sxtp::endpoint<"subscribe", "/ticks"> {
    using params = svc::nap;  // ms: how many ticks
    using chunk = std::int64_t;
};
struct trace_seen {
    BOOST_HANA_DEFINE_STRUCT(trace_seen, (std::string, trace_id), (std::string, span_id), (std::string, parent_id), (std::string, downstream));
};
struct traced : sxtp::endpoint<"fetch", "/traced"> {
    using result = trace_seen;
};
struct slow_sum : sxtp::endpoint<"query", "/slow-sum"> {
    using params = svc::nap;
    using result = std::int64_t;
};
} // namespace mw

namespace {

// Records what it sees; refuses /items/{id} for id 13 when asked to.
struct recorder : sxtp::server_interceptor {
    std::string name;
    std::vector<std::string>* order;
    bool refuse_13 = false;
    std::vector<std::string> seen_routes, answers;
    int opened = 0, messages = 0, ended = 0;
    std::string ended_status;
    recorder(std::string n, std::vector<std::string>* o) : name(std::move(n)), order(o) {}

    std::optional<sxtp::response> before(sxtp::call_context& ctx) override {
        order->push_back(name + ".before");
        seen_routes.push_back(std::string(ctx.verb()) + " " + std::string(ctx.route()));
        if (refuse_13 && ctx.request.path == "/items/13")
            return sxtp::refusal(sxtp::status_code::forbidden, sxtp::conditions::unauthenticated{}, "thirteen is refused");
        if (!ctx.response_headers) ctx.response_headers.emplace();
        ctx.response_headers->other[sx::keyword("seen-by-" + name)] = sx::value::make_string("yes");
        return std::nullopt;
    }
    void after(const sxtp::call_context& ctx, sxtp::response& r, std::chrono::nanoseconds elapsed) override {
        order->push_back(name + ".after");
        CHECK(elapsed.count() >= 0);
        CHECK(ctx.started().time_since_epoch().count() != 0);
        answers.push_back(std::string(ctx.verb()) + " " + ctx.request.path + " " +
                          std::string(r.status.code() == sxtp::status_code::other ? "other" : sxtp::to_symbol_name(r.status.code())));
        if (!r.headers) r.headers.emplace();
        r.headers->other[sx::keyword("after-" + name)] = sx::value(std::int64_t{1});
    }
    void stream_opened(const sxtp::call_context&, const sxtp::response&) override { ++opened; }
    void stream_message(const sxtp::call_context&, const std::variant<sxtp::chunk, sxtp::event>& m, bool outgoing) override {
        if (outgoing && std::holds_alternative<sxtp::chunk>(m)) ++messages;
    }
    void stream_ended(const sxtp::call_context&, const sxtp::response& outcome, std::chrono::nanoseconds) override {
        ++ended;
        ended_status = outcome.status.is_success() ? "ok" : "failed";
    }
};

sxtp::request req(std::string_view verb, std::string path) {
    sxtp::request r;
    r.verb = sx::symbol(std::string(verb));
    r.path = std::move(path);
    return r;
}

bool has_header(const sxtp::response& r, const std::string& k) { return r.headers && r.headers->other.count(sx::keyword(k)) > 0; }

void add_ticks(sxtp::server& srv) {
    srv.handle<mw::ticks>([](const svc::nap& n, sxtp::stream<mw::ticks>& out) -> asio::awaitable<void> {
        for (std::int64_t i = 0; i < n.ms; ++i)
            if (!co_await out.write(i)) co_return;
    });
}

} // namespace

TEST_CASE("middleware: server interceptors run in order and the first refusal answers the call") {
    std::vector<std::string> order;
    auto a = std::make_shared<recorder>("a", &order), b = std::make_shared<recorder>("b", &order);
    a->refuse_13 = true;
    sxtp::server_options o;
    o.interceptors = {a, b};
    harness h(kind::tcp, o);
    sxtp::client c(h.io.get_executor(), h.where, h.client_options());
    h.run([&]() -> asio::awaitable<void> {
        auto ok = co_await c.call<svc::get_item>({7});
        CHECK(ok.value().name == "item 7");
        CHECK(order == std::vector<std::string>{"a.before", "b.before", "a.after", "b.after"});
        order.clear();
        auto refused = co_await c.call<svc::get_item>({13});
        REQUIRE_FALSE(refused);
        CHECK(refused.status() == sxtp::status_code::forbidden);
        CHECK(refused.condition().type.name() == "unauthenticated");
        CHECK(refused.condition().message == std::optional<std::string>("thirteen is refused"));
        CHECK(order == std::vector<std::string>{"a.before", "a.after", "b.after"});  // b never asked before()
        // an async handler keeps the headers before() set; after() adds its own
        sxtp::request raw = req("query", "/sleep");
        raw.params = sx::read("{:ms 1}");
        auto slept = co_await c.call_raw(raw);
        CHECK(slept.status.is_success());
        CHECK(has_header(slept, "seen-by-a"));
        CHECK(has_header(slept, "seen-by-b"));
        CHECK(has_header(slept, "after-a"));
    });
    CHECK(a->seen_routes.front() == "fetch /items/{id}");
    CHECK(a->seen_routes.back() == "query /sleep");
}

TEST_CASE("middleware: after() sees every answer: not-found and ping included") {
    std::vector<std::string> order;
    auto a = std::make_shared<recorder>("a", &order);
    sxtp::server_options o;
    o.interceptors = {a};
    harness h(kind::tcp, o);
    sxtp::client c(h.io.get_executor(), h.where, h.client_options());
    h.run([&]() -> asio::awaitable<void> {
        const sxtp::request missing = req("fetch", "/nothing/here");
        auto nf = co_await c.call_raw(missing);
        CHECK(nf.status.code() == sxtp::status_code::not_found);
        CHECK(has_header(nf, "after-a"));
        const sxtp::request ping = req("ping", "/");
        auto pong = co_await c.call_raw(ping);
        CHECK(pong.status.is_success());
    });
    CHECK(a->answers == std::vector<std::string>{"fetch /nothing/here not-found", "ping / ok"});
    CHECK(a->seen_routes.empty());  // before() is for routed calls only
}

TEST_CASE("middleware: interceptors watch a stream open and pass its messages and end") {
    std::vector<std::string> order;
    auto a = std::make_shared<recorder>("a", &order);
    sxtp::server_options o;
    o.interceptors = {a};
    harness h(kind::tcp, o);
    add_ticks(*h.srv);
    sxtp::client c(h.io.get_executor(), h.where, h.client_options());
    h.run([&]() -> asio::awaitable<void> {
        auto s = co_await c.open<mw::ticks>({5});
        REQUIRE(s.head());
        CHECK(has_header(*s.head(), "seen-by-a"));  // before()'s headers go with the head
        CHECK(has_header(*s.head(), "after-a"));
        int n = 0;
        while (auto t = co_await s.next()) ++n;
        CHECK(n == 5);
    });
    for (int i = 0; i < 100 && a->ended < 1; ++i) h.settle(50ms);
    CHECK(a->opened == 1);
    CHECK(a->messages == 5);
    CHECK(a->ended == 1);
    CHECK(a->ended_status == "ok");
    // cancelled by the client: one after() (its head) and one stream_ended()
    const std::size_t answers_before = a->answers.size();
    h.run([&]() -> asio::awaitable<void> {
        auto s = co_await c.open<mw::ticks>({1000000});
        auto first = co_await s.next();
        CHECK(first);
        s.cancel();
    });
    for (int i = 0; i < 100 && a->ended < 2; ++i) h.settle(50ms);  // the cancel reaches the handler
    CHECK(a->opened == 2);
    CHECK(a->ended == 2);
    CHECK(a->answers.size() == answers_before + 1);
}

TEST_CASE("middleware: client interceptors add headers and answer locally and see every answer") {
    struct tenant : sxtp::client_interceptor {
        std::vector<std::string> after_seen;
        std::optional<sxtp::response> before(sxtp::request& req) override {
            if (req.path == "/items/99") return sxtp::refusal(sxtp::status_code::forbidden, sxtp::conditions::unauthenticated{}, "not from here");
            if (!req.headers) req.headers.emplace();
            req.headers->other[sx::keyword("tenant")] = sx::value::make_string("acme");
            return std::nullopt;
        }
        void after(const sxtp::request& req, sxtp::response& r, std::chrono::nanoseconds) override {
            after_seen.push_back(req.path + " " + std::string(sxtp::to_symbol_name(r.status.code())));
        }
    };
    std::string tenant_seen;
    harness h(kind::tcp);
    h.srv->handle_raw("fetch", "/whoami", [&](const sxtp::request& req, sxtp::call_context&) {
        if (req.headers) {
            auto it = req.headers->other.find(sx::keyword("tenant"));
            if (it != req.headers->other.end() && it->second.is_string()) tenant_seen = it->second.as_string();
        }
        return sxtp::response{};
    });
    auto t = std::make_shared<tenant>();
    auto co = h.client_options();
    co.interceptors = {t};
    sxtp::client c(h.io.get_executor(), h.where, co);
    h.run([&]() -> asio::awaitable<void> {
        const sxtp::request who = req("fetch", "/whoami");
        auto r = co_await c.call_raw(who);
        CHECK(r.status.is_success());
        auto local = co_await c.call<svc::get_item>({99});
        CHECK(local.status() == sxtp::status_code::forbidden);
        CHECK(local.condition().message == std::optional<std::string>("not from here"));
    });
    CHECK(tenant_seen == "acme");
    CHECK(t->after_seen == std::vector<std::string>{"/whoami ok", "/items/99 forbidden"});
    // one that throws: the call's answer is internal-error, never an exception
    struct broken : sxtp::client_interceptor {
        std::optional<sxtp::response> before(sxtp::request&) override { throw std::runtime_error("broken"); }
    };
    auto bo = h.client_options();
    bo.interceptors = {std::make_shared<broken>()};
    bo.metrics = true;
    sxtp::client b(h.io.get_executor(), h.where, bo);
    h.run([&]() -> asio::awaitable<void> {
        auto r = co_await b.call<svc::get_item>({1});
        REQUIRE_FALSE(r);
        CHECK(r.condition().type.name() == "internal-error");
    });
    CHECK(b.metrics().find("sxtp_client_in_flight_requests 0") != std::string::npos);
}

TEST_CASE("middleware: metrics in the Prometheus text format, as prometheus_client parses them") {
    sxtp::server_options o;
    o.metrics = true;
    harness h(kind::tcp, o);
    auto co = h.client_options();
    co.metrics = true;
    sxtp::client c(h.io.get_executor(), h.where, co);
    std::string text;
    h.run([&]() -> asio::awaitable<void> {
        for (int i = 0; i < 3; ++i) co_await c.call<svc::get_item>({i});
        co_await c.call<svc::get_item>({-1});  // no-such-item: not-found
        const sxtp::request junk = req("frobnicate", "/x/\"quoted\"\n");
        co_await c.call_raw(junk);
        const sxtp::request m = req("fetch", "/metrics");
        auto r = co_await c.call_raw(m);
        REQUIRE(r.status.is_success());
        REQUIRE(r.headers);
        CHECK(r.headers->content_type == std::optional<std::string>("text/plain; version=0.0.4"));
        text = std::string(r.body->as_string());
    });
    CHECK(h.srv->metrics().rfind("# HELP sxtp_server_requests_total", 0) == 0);  // what the route serves
    const std::string file = "/tmp/sxtp-metrics-" + std::to_string(::getpid()) + ".txt";
    for (const auto& [what, body] : {std::pair{"server", text}, std::pair{"client", c.metrics()}}) {
        INFO(what << " metrics:\n" << body);
        std::ofstream(file) << body;
        const std::string cmd = "/usr/bin/python3 " SXTP_TEST_SOURCE "/middleware/parse_metrics.py " + file + " > " + file + ".parsed";
        REQUIRE(std::system(cmd.c_str()) == 0);
        std::ifstream in(file + ".parsed");
        const std::string parsed((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        INFO("parsed:\n" << parsed);
        const std::string p = std::string("sxtp_") + what;
        CHECK(parsed.find("# " + p + "_requests counter") != std::string::npos);
        CHECK(parsed.find(p + "_requests_total{route=/items/{id},status=ok,verb=fetch} 3") != std::string::npos);
        CHECK(parsed.find(p + "_requests_total{route=/items/{id},status=not-found,verb=fetch} 1") != std::string::npos);
        CHECK(parsed.find("# " + p + "_request_duration_seconds histogram") != std::string::npos);
        CHECK(parsed.find(p + "_request_duration_seconds_count{route=/items/{id},verb=fetch} 4") != std::string::npos);
        CHECK(parsed.find(p + "_in_flight_requests{} ") != std::string::npos);
    }
    CHECK(text.find("sxtp_server_requests_total{verb=\"other\",route=\"\",status=\"not-found\"} 1") != std::string::npos);  // not the peer's verb
    CHECK(text.find("frobnicate") == std::string::npos);
    CHECK(text.find("sxtp_server_events_total{kind=\"malformed-frame\"} 0") != std::string::npos);
    CHECK(text.find("sxtp_server_connections 1") != std::string::npos);
    std::remove(file.c_str());
    std::remove((file + ".parsed").c_str());
}

TEST_CASE("middleware: the access log writes one line per request at info level") {
    std::vector<std::pair<sxtp::log_level, std::string>> lines;
    sxtp::server_options o;
    o.access_log = true;
    o.log = {[&](sxtp::log_level l, std::string_view line) { lines.emplace_back(l, std::string(line)); }, sxtp::log_level::info};
    harness h(kind::tcp, o);
    sxtp::client c(h.io.get_executor(), h.where, h.client_options());
    h.run([&]() -> asio::awaitable<void> {
        co_await c.call<svc::get_item>({5});
        co_await c.call<svc::sleep>({1});
    });
    REQUIRE(lines.size() == 2);
    CHECK(lines[0].first == sxtp::log_level::info);
    const std::string& l = lines[0].second;
    INFO(l);
    CHECK(l.rfind("access time=", 0) == 0);
    CHECK(l.find(" peer=127.0.0.1:") != std::string::npos);
    CHECK(l.find(" verb=fetch path=/items/5 route=/items/{id} status=ok duration_us=") != std::string::npos);
    CHECK(l.find(" bytes=") != std::string::npos);
    CHECK(l.find(" tag=") != std::string::npos);
    CHECK(l.find(" caller=\"\"") != std::string::npos);
    CHECK(l.find(" trace=") != std::string::npos);
    CHECK(lines[1].second.find(" verb=query path=/sleep route=/sleep status=ok") != std::string::npos);
    // an empty callable is no sink (it used to throw bad_function_call on the first line)
    const sxtp::log_sink empty = std::function<void(std::string_view)>{};
    CHECK_FALSE(empty);
    empty("nothing happens");
    const sxtp::log_sink throwing = [](std::string_view) { throw std::runtime_error("sink down"); };
    throwing("swallowed: logging never fails a connection");
    // a sink that takes only the line gets warnings, not the access log
    std::vector<std::string> warnings;
    sxtp::log_sink plain = [&](std::string_view line) { warnings.emplace_back(line); };
    CHECK_FALSE(plain.enabled(sxtp::log_level::info));
    CHECK(plain.enabled(sxtp::log_level::warning));
}

TEST_CASE("middleware: a trace id follows a call into the calls its handler makes") {
    // downstream: reports the trace it runs in
    harness down(kind::tcp);
    down.srv->handle<mw::traced>([](sxtp::call_context& ctx) {
        return mw::trace_seen{ctx.trace().trace_id_hex(), ctx.trace().span_id_hex(), ctx.trace().parent_id_hex(), ""};
    });
    // upstream: calls downstream within its own span, on the same io_context
    sxtp::server_options uo;
    sxtp::server up(down.io.get_executor(), uo);
    sxtp::client to_down(down.io.get_executor(), down.where, down.client_options());
    up.handle<mw::traced>([&](sxtp::call_context& ctx) -> asio::awaitable<mw::trace_seen> {
        auto d = co_await to_down.call<mw::traced>({}, {.trace = ctx.trace()});
        co_return mw::trace_seen{ctx.trace().trace_id_hex(), ctx.trace().span_id_hex(), ctx.trace().parent_id_hex(),
                                 d ? d->trace_id + "/" + d->parent_id : "failed"};
    });
    const auto up_where = up.listen("sxtp://127.0.0.1:0");
    sxtp::client c(down.io.get_executor(), up_where);
    down.run([&]() -> asio::awaitable<void> {
        const sxtp::trace_context mine = sxtp::trace_context::start();
        auto r = co_await c.call<mw::traced>({}, {.trace = mine});
        REQUIRE(r);
        CHECK(r->trace_id == mine.trace_id_hex());   // the caller's trace
        CHECK(r->parent_id == mine.span_id_hex());   // upstream's parent: the caller's span
        CHECK(r->span_id != mine.span_id_hex());     // … and a span of its own
        CHECK(r->downstream == mine.trace_id_hex() + "/" + r->span_id);  // downstream's parent: upstream's span
        // without a trace the client starts one; a malformed one starts anew at the server
        auto fresh = co_await c.call<mw::traced>({});
        REQUIRE(fresh);
        CHECK(fresh->trace_id.size() == 32);
        CHECK(fresh->parent_id != std::string(16, '0'));  // the client's new span is the parent
        sxtp::request bad = req("fetch", "/traced");
        bad.headers.emplace();
        bad.headers->other[sx::keyword("traceparent")] = sx::value::make_string("00-00000000000000000000000000000000-00f067aa0ba902b7-01");
        sxtp::client untraced(down.io.get_executor(), up_where, sxtp::client_options{.tracing = false});
        auto restarted = co_await untraced.call_raw(bad);
        REQUIRE(restarted.body);
        const auto seen = sxtp::typed::try_from_sx<mw::trace_seen>(*restarted.body);
        REQUIRE(seen.has_value());
        CHECK(seen->trace_id != std::string(32, '0'));
        CHECK(seen->parent_id == std::string(16, '0'));  // a new trace: no parent
    });
    up.stop_accepting();
}

TEST_CASE("middleware: blocking work runs off the I/O thread and a deadline asks it to stop") {
    sxtp::blocking_pool pool(2);
    harness h(kind::tcp);
    const auto io_thread = std::this_thread::get_id();
    std::atomic<bool> ran_elsewhere{false}, stop_seen{false};
    h.srv->handle<mw::slow_sum>([&](const svc::nap& n) -> asio::awaitable<std::int64_t> {
        co_return co_await pool.run([&, ms = n.ms](std::stop_token stop) -> std::int64_t {
            ran_elsewhere = std::this_thread::get_id() != io_thread;
            const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
            while (std::chrono::steady_clock::now() < until) {
                if (stop.stop_requested()) {
                    stop_seen = true;
                    return -1;
                }
                std::this_thread::sleep_for(1ms);
            }
            return ms;
        });
    });
    sxtp::client c(h.io.get_executor(), h.where, h.client_options());
    sxtp::client other(h.io.get_executor(), h.where, h.client_options());
    h.run([&]() -> asio::awaitable<void> {
        // while a call blocks for 2 s, a ping on the same I/O thread is answered
        // (were the thread blocked, the ping would wait the 2 s; the bound is
        // loose so that a busy machine does not fail it)
        bool slow_done = false;
        asio::co_spawn(h.io, [&]() -> asio::awaitable<void> {
            auto r = co_await c.call<mw::slow_sum>({2000});
            CHECK(r.value() == 2000);
            slow_done = true;
        }, asio::detached);
        const sxtp::request ping = req("ping", "/");
        const auto t0 = std::chrono::steady_clock::now();
        auto pong = co_await other.call_raw(ping);
        CHECK(pong.status.is_success());
        CHECK(std::chrono::steady_clock::now() - t0 < 1500ms);
        CHECK_FALSE(slow_done);
        while (!slow_done) {
            asio::steady_timer t(h.io, 10ms);
            co_await t.async_wait(asio::use_awaitable);
        }
        // a deadline: the function is asked to stop, and the caller gets deadline-exceeded
        auto late = co_await c.call<mw::slow_sum>({5000}, {.timeout = 100ms});
        REQUIRE_FALSE(late);
        CHECK(late.condition().type.name() == "deadline-exceeded");
    });
    for (int i = 0; i < 100 && !stop_seen; ++i) h.settle(50ms);
    CHECK(ran_elsewhere);
    CHECK(stop_seen);
}
