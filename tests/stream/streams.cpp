// Streams end to end (SPEC §3): server streams, subscribe events with
// heartbeats, client streams, bidirectional streams, credit flow control,
// cancel, deadlines and disconnects — over TCP, TLS and Unix sockets.
#include "../support/net_harness.hpp"

#include <sxtp/sx.hpp>
#include <sxtp/wire.hpp>

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/read.hpp>

#include <algorithm>
#include <cctype>
#include <string>
#include <vector>

using namespace sxtp;
using namespace sxtp_test;

namespace streams {

struct count_params {
    BOOST_HANA_DEFINE_STRUCT(count_params, (std::int64_t, n), (std::optional<std::int64_t>, fail_at), (std::optional<std::int64_t>, pad));
};
struct too_many {
    static constexpr std::string_view sxtp_condition = "too-many";
    static constexpr status_code sxtp_status = status_code::invalid;
    BOOST_HANA_DEFINE_STRUCT(too_many, (std::int64_t, n));
};
struct gave_up {
    static constexpr std::string_view sxtp_condition = "gave-up";
    static constexpr status_code sxtp_status = status_code::conflict;
    BOOST_HANA_DEFINE_STRUCT(gave_up, (std::int64_t, at));
};
struct numbered {
    BOOST_HANA_DEFINE_STRUCT(numbered, (std::int64_t, i), (std::string, pad));
};
/// Streams 0 … n-1 (each padded with `pad` bytes); n < 0 is refused before
/// the stream; `fail_at` ends the stream with gave-up there.
struct count_to : endpoint<"fetch", "/count"> {
    using params = count_params;
    using chunk = numbered;
    using raises = sxtp::raises<too_many, gave_up>;
    static constexpr bool streaming = true;
};

struct new_item {
    static constexpr std::string_view sxtp_event = "new-item";
    BOOST_HANA_DEFINE_STRUCT(new_item, (std::int64_t, id));
};
/// One new-item event, then nothing (but heartbeats) until cancelled.
struct live : endpoint<"subscribe", "/live"> {
    using events = sxtp::events<new_item>;
    static constexpr bool streaming = true;
};

/// The client streams numbers; the answer is their sum.
struct sum : endpoint<"create", "/sum"> {
    using request_chunk = std::int64_t;
    using result = std::int64_t;
};

/// Bidirectional: every string the client sends comes back upper-cased.
/// (A chunk type makes it a server stream: no `streaming = true` needed.)
struct shout : endpoint<"mutate", "/shout"> {
    using request_chunk = std::string;
    using chunk = std::string;
};

struct observed {
    std::int64_t produced = 0;         // count_to chunks written
    int live_started = 0;
    int live_cancelled = 0;
    int live_returned = 0;
    std::size_t max_pending_output = 0;  // the server's queued bytes, sampled as count_to writes
};

void add(sxtp::server& srv, std::shared_ptr<observed> o) {
    srv.handle<count_to>([o, &srv](const count_params& p, const no_body&, stream<count_to>& out) -> asio::awaitable<reply<count_to>> {
        if (p.n < 0) co_return too_many{p.n};
        const std::string pad(static_cast<std::size_t>(p.pad.value_or(0)), 'x');
        for (std::int64_t i = 0; i < p.n; ++i) {
            if (p.fail_at && *p.fail_at == i) co_return gave_up{i};
            const numbered item{i, pad};  // named, not a temporary in the co_await (a g++ 12 bug: docs/design.md)
            if (!co_await out.write(item)) co_return reply<count_to>{};
            ++o->produced;
            o->max_pending_output = std::max(o->max_pending_output, srv.pending_output());
        }
        co_return reply<count_to>{};
    });
    srv.handle<live>([o](const no_params&, const no_body&, stream<live>& out) -> asio::awaitable<void> {
        ++o->live_started;
        try {
            co_await out.emit(new_item{99}, "evt-99", 1711612800);
            asio::steady_timer forever(co_await asio::this_coro::executor, std::chrono::hours(1));
            co_await forever.async_wait(asio::use_awaitable);
        } catch (const boost::system::system_error&) {
            ++o->live_cancelled;  // cancel, deadline, disconnect
            throw;
        }
        ++o->live_returned;
    });
    srv.handle<sum>([](const no_params&, const no_body&, stream<sum>& in) -> asio::awaitable<std::int64_t> {
        std::int64_t total = 0;
        while (auto n = co_await in.read()) total += *n;
        co_return total;
    });
    srv.handle<shout>([](const no_params&, const no_body&, stream<shout>& s) -> asio::awaitable<void> {
        while (auto text = co_await s.read()) {
            std::string up = *text;
            std::transform(up.begin(), up.end(), up.begin(), [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
            if (!co_await s.write(up)) co_return;
        }
    });
}

} // namespace streams

namespace {

struct stream_harness : harness {
    std::shared_ptr<streams::observed> seen = std::make_shared<streams::observed>();
    explicit stream_harness(kind k, sxtp::server_options opts = {}) : harness(k, std::move(opts)) { streams::add(*srv, seen); }

    // Runs the io_context until `pred` holds (at most `limit`).
    template <class P>
    bool until(P pred, std::chrono::milliseconds limit = 5s) {
        const auto end = std::chrono::steady_clock::now() + limit;
        while (!pred() && std::chrono::steady_clock::now() < end) {
            io.run_one_for(20ms);
            if (io.stopped()) io.restart();
        }
        return pred();
    }
};

asio::awaitable<void> pause(std::chrono::milliseconds d) {
    asio::steady_timer t(co_await asio::this_coro::executor, d);
    co_await t.async_wait(asio::use_awaitable);
}

} // namespace

TEST_CASE("A server stream arrives complete and in seq order over every transport") {
    const kind k = GENERATE(kind::tcp, kind::tls, kind::unix_socket);
    INFO(name_of(k));
    stream_harness h(k);
    sxtp::client c(h.io.get_executor(), h.where, h.client_options());
    h.run([&]() -> asio::awaitable<void> {
        auto s = co_await c.open<streams::count_to>({.n = 1000, .fail_at = {}, .pad = {}});
        REQUIRE(s.head().has_value());
        std::int64_t expected = 0;
        while (auto n = co_await s.next()) {
            REQUIRE(n->i == expected);
            ++expected;
        }
        CHECK(expected == 1000);
        CHECK(s.ended());
        CHECK(s.ok());
        auto again = co_await c.call<svc::get_item>({3});  // the connection goes on
        CHECK(again.ok());
    });
}

TEST_CASE("A 100000-chunk stream arrives complete and in order") {
    stream_harness h(kind::tcp);
    sxtp::client c(h.io.get_executor(), h.where, h.client_options());
    h.run(
        [&]() -> asio::awaitable<void> {
            auto s = co_await c.open<streams::count_to>({.n = 100000, .fail_at = {}, .pad = {}});
            std::int64_t expected = 0;
            bool in_order = true;
            while (auto n = co_await s.next()) in_order = in_order && n->i == expected++;
            CHECK(in_order);
            CHECK(expected == 100000);
            CHECK(s.ok());
        },
        60s);
}

TEST_CASE("A stream refused before its head is a plain condition and one ended early carries its condition") {
    stream_harness h(kind::tcp);
    sxtp::client c(h.io.get_executor(), h.where, h.client_options());
    h.run([&]() -> asio::awaitable<void> {
        auto refused = co_await c.open<streams::count_to>({.n = -1, .fail_at = {}, .pad = {}});
        CHECK_FALSE(refused.head().has_value());
        auto none = co_await refused.next();
        CHECK_FALSE(none.has_value());
        CHECK_FALSE(refused.ok());
        CHECK(refused.status() == status_code::invalid);
        auto tm = condition_as<streams::too_many>(refused.condition());
        REQUIRE(tm.has_value());
        CHECK(tm->n == -1);

        auto broken = co_await c.open<streams::count_to>({.n = 10, .fail_at = 4, .pad = {}});
        int got = 0;
        while (co_await broken.next()) ++got;
        CHECK(got == 4);
        CHECK_FALSE(broken.ok());
        CHECK(broken.status() == status_code::conflict);  // from the endpoint's raises
        auto g = condition_as<streams::gave_up>(broken.condition());
        REQUIRE(g.has_value());
        CHECK(g->at == 4);
    });
}

TEST_CASE("Subscribe: typed events, then heartbeats until cancelled, and the handler sees the cancel") {
    const kind k = GENERATE(kind::tcp, kind::unix_socket);
    sxtp::server_options o;
    o.heartbeat_interval = 40ms;
    stream_harness h(k, o);
    sxtp::client c(h.io.get_executor(), h.where, h.client_options());
    h.run([&]() -> asio::awaitable<void> {
        auto s = co_await c.open<streams::live>({});
        auto e = co_await s.next();
        REQUIRE(e.has_value());
        REQUIRE(e->get<streams::new_item>() != nullptr);
        CHECK(e->get<streams::new_item>()->id == 99);
        CHECK(e->id == "evt-99");
        CHECK(e->time == 1711612800);

        // next() waits through the heartbeats until the stream is cancelled
        asio::co_spawn(co_await asio::this_coro::executor, [&]() -> asio::awaitable<void> {
            co_await pause(300ms);
            s.cancel();
        }, asio::detached);
        auto nothing = co_await s.next();
        CHECK_FALSE(nothing.has_value());
        CHECK(s.heartbeats() >= 3);
        CHECK(s.condition().type.name() == "cancelled");
    });
    CHECK(h.until([&] { return h.seen->live_cancelled == 1; }));
    CHECK(h.seen->live_returned == 0);
}

TEST_CASE("Cancel mid-stream on the wire: the handler stops and the done chunk carries cancelled") {
    stream_harness h(kind::tcp);
    h.run([&]() -> asio::awaitable<void> {
        asio::ip::tcp::socket sock(co_await asio::this_coro::executor);
        co_await sock.async_connect({asio::ip::make_address("127.0.0.1"), h.where.port}, asio::use_awaitable);
        std::string out;
        wire::write_frame(out, "(request :verb subscribe :path \"/live\" :tag 7)");
        co_await asio::async_write(sock, asio::buffer(out), asio::use_awaitable);

        wire::frame_reader in;
        auto next_message = [&]() -> asio::awaitable<sx::value> {
            for (;;) {
                auto f = in.next();
                if (f.state == wire::frame::complete) co_return sx::read(f.payload);
                REQUIRE(f.state == wire::frame::need_more);
                auto room = in.prepare();
                const std::size_t n = co_await sock.async_read_some(asio::buffer(room.data(), room.size()), asio::use_awaitable);
                in.commit(n);
            }
        };
        const sx::value head = co_await next_message();
        CHECK(sx::canonical(head) == "(response :status ok :tag 7 :stream true)");
        const sx::value ev = co_await next_message();
        CHECK(sx::canonical(ev) == "(event :tag 7 :type new-item :id \"evt-99\" :body {:id 99} :time 1711612800)");

        out.clear();
        wire::write_frame(out, "(cancel :tag 7)");
        co_await asio::async_write(sock, asio::buffer(out), asio::use_awaitable);
        const sx::value last = co_await next_message();
        const auto end = typed::from_sx<chunk>(last);
        CHECK(end.tag == message_tag(7));
        CHECK(end.done == true);
        REQUIRE(end.body);
        CHECK(typed::from_sx<condition>(*end.body).type.name() == "cancelled");
    });
    CHECK(h.until([&] { return h.seen->live_cancelled == 1; }));
}

TEST_CASE("A slow consumer holds the producer back: queued bytes stay under the bound") {
    sxtp::server_options o;
    o.max_pending_output = 256 << 10;  // 256 KiB
    stream_harness h(kind::tcp, o);
    sxtp::client c(h.io.get_executor(), h.where, h.client_options());
    h.run(
        [&]() -> asio::awaitable<void> {
            // 16 KiB chunks: the window alone is 1 MiB, four times the bound
            const std::int64_t c_window = h.client_options().stream_window;
            auto s = co_await c.open<streams::count_to>({.n = 100000, .fail_at = {}, .pad = 16 << 10});
            for (int i = 0; i < 3; ++i) {  // one message a second
                auto n = co_await s.next();
                REQUIRE(n.has_value());
                CHECK(n->i == i);
                co_await pause(1s);
            }
            // the producer waits: at most the client's window (no credit came back yet)
            CHECK(h.seen->produced <= c_window);
            CHECK(h.seen->max_pending_output <= o.max_pending_output + (17 << 10));
            CHECK(h.srv->pending_output() <= o.max_pending_output + (17 << 10));
            s.cancel();
        },
        20s);
    CHECK(h.seen->produced < 100000);
}

TEST_CASE("A stalled stream does not stall other streams or unary calls on the same connection") {
    const kind k = GENERATE(kind::tcp, kind::tls);
    INFO(name_of(k));
    stream_harness h(k);
    sxtp::client c(h.io.get_executor(), h.where, h.client_options());  // one connection
    h.run(
        [&]() -> asio::awaitable<void> {
            auto stalled = co_await c.open<streams::count_to>({.n = 1000000, .fail_at = {}, .pad = {}});
            auto first = co_await stalled.next();
            REQUIRE(first.has_value());
            // never read again: the server runs out of credit for it
            auto other = co_await c.open<streams::count_to>({.n = 5000, .fail_at = {}, .pad = {}});
            std::int64_t got = 0;
            while (auto n = co_await other.next()) {
                REQUIRE(n->i == got);
                if (++got % 1000 == 0) {  // unary calls interleaved with the stream
                    auto r = co_await c.call<svc::get_item>({got});
                    REQUIRE(r.ok());
                    CHECK(r.value().id == got);
                }
            }
            CHECK(got == 5000);
            CHECK(other.ok());
            CHECK(h.seen->produced <= 5000 + h.client_options().stream_window);  // the stalled one: one window
            stalled.cancel();
        },
        30s);
}

TEST_CASE("A client that disconnects mid-stream cancels the handler") {
    stream_harness h(kind::tcp);
    {
        sxtp::client c(h.io.get_executor(), h.where, h.client_options());
        h.run([&]() -> asio::awaitable<void> {
            auto s = co_await c.open<streams::live>({});
            auto first = co_await s.next();
            CHECK(first.has_value());
            c.close();
            auto after = co_await s.next();
            CHECK_FALSE(after.has_value());
            CHECK(s.condition().type.name() == "connection-failed");
        });
    }
    CHECK(h.until([&] { return h.seen->live_cancelled == 1 && h.srv->connections() == 0; }));
}

TEST_CASE("A deadline ends a stream deadline-exceeded") {
    stream_harness h(kind::tcp);
    sxtp::client c(h.io.get_executor(), h.where, h.client_options());
    h.run([&]() -> asio::awaitable<void> {
        auto s = co_await c.open<streams::live>({}, {.timeout = 200ms, .headers = {}, .capabilities = {}});
        auto first = co_await s.next();
        CHECK(first.has_value());
        auto after = co_await s.next();
        CHECK_FALSE(after.has_value());
        CHECK(s.condition().type.name() == "deadline-exceeded");
        CHECK(s.status() == status_code::error);
    });
    CHECK(h.until([&] { return h.seen->live_cancelled == 1; }));
}

TEST_CASE("A client stream of more chunks than the window is summed") {
    const kind k = GENERATE(kind::tcp, kind::tls, kind::unix_socket);
    INFO(name_of(k));
    stream_harness h(k);
    sxtp::client c(h.io.get_executor(), h.where, h.client_options());
    h.run([&]() -> asio::awaitable<void> {
        auto up = co_await c.open<streams::sum>({});
        // (never co_await inside a Catch macro: g++ 12 evaluates it once per mention in the expansion)
        bool all_written = true;
        for (std::int64_t i = 1; i <= 1000; ++i) all_written = co_await up.write(i) && all_written;
        REQUIRE(all_written);
        up.finish();
        const bool after_finish = co_await up.write(1);
        CHECK_FALSE(after_finish);
        auto r = co_await up.result();
        REQUIRE(r.ok());
        CHECK(r.value() == 500500);

        auto empty = co_await c.open<streams::sum>({});
        empty.finish();
        auto zero = co_await empty.result();
        REQUIRE(zero.ok());
        CHECK(zero.value() == 0);
    });
}

TEST_CASE("A bidirectional stream answers each chunk as it comes") {
    stream_harness h(kind::tcp);
    sxtp::client c(h.io.get_executor(), h.where, h.client_options());
    h.run([&]() -> asio::awaitable<void> {
        auto s = co_await c.open<streams::shout>({});
        for (std::string word : {"hello", "stream", "world"}) {
            const bool written = co_await s.write(word);
            REQUIRE(written);
            auto back = co_await s.next();
            REQUIRE(back.has_value());
            std::string up = word;
            std::transform(up.begin(), up.end(), up.begin(), [](unsigned char ch) { return static_cast<char>(std::toupper(ch)); });
            CHECK(*back == up);
        }
        // more than the window both ways, written before anything is read
        asio::co_spawn(co_await asio::this_coro::executor, [&]() -> asio::awaitable<void> {
            for (int i = 0; i < 500; ++i) {
                std::string w = "w" + std::to_string(i);
                if (!co_await s.write(std::move(w))) co_return;
            }
            s.finish();
        }, asio::detached);
        int got = 0;
        while (auto w = co_await s.next()) {
            CHECK(*w == "W" + std::to_string(got));
            ++got;
        }
        CHECK(got == 500);
        CHECK(s.ok());
    });
}

TEST_CASE("A client chunk of the wrong type ends the call invalid-params naming the chunk") {
    stream_harness h(kind::tcp);
    sxtp::client c(h.io.get_executor(), h.where, h.client_options());
    h.run([&]() -> asio::awaitable<void> {
        request req = make_stream_request<streams::sum>({});
        auto s = co_await c.open_raw(req, {}, false);
        sx::value one(1), two("two");
        const bool wrote_one = co_await s.write(one);
        const bool wrote_two = co_await s.write(two);
        CHECK(wrote_one);
        CHECK(wrote_two);
        const response r = co_await s.answer();
        CHECK(r.status.code() == status_code::invalid);
        const auto cond = typed::from_sx<condition>(*r.body);
        CHECK(cond.type.name() == "invalid-params");
        const auto detail = condition_as<conditions::invalid_params>(cond);
        REQUIRE(detail.has_value());
        CHECK(detail->field == ":chunk 1");

        // a unary endpoint refuses a client stream, and a client-stream endpoint a plain request
        request wrong = make_request<svc::get_item>(svc::item_ref{1});
        wrong.stream = true;
        auto w = co_await c.open_raw(wrong, {}, false);
        w.finish();
        const response refused = co_await w.answer();
        CHECK(refused.status.code() == status_code::invalid);
        request plain = make_stream_request<streams::sum>({});
        plain.stream.reset();
        auto p = co_await c.call_raw(plain);
        CHECK(p.status.code() == status_code::invalid);
    });
}

TEST_CASE("inspect describes a stream's chunks and events") {
    stream_harness h(kind::tcp);
    h.run([&]() -> asio::awaitable<void> {
        request r;
        r.verb = sx::symbol("inspect");
        r.path = "/live";
        const response live = co_await h.srv->dispatch(r);
        CHECK(sx::canonical(*live.body->find("events")) == "{:new-item {:id \"integer\"}}");
        CHECK(live.body->find("streaming")->as_bool());
        r.path = "/sum";
        const response sum = co_await h.srv->dispatch(r);
        CHECK(sx::canonical(*sum.body->find("request-chunk-schema")) == "\"integer\"");
    });
}

TEST_CASE("A server granting INT64_MAX upload credit does not overflow the client's credit") {
    // A hostile server: reads the client's request, grants the most credit
    // an int64 can say (twice), takes the chunks and answers. Before the
    // client bounded the grant, UBSan stopped on a signed overflow here.
    asio::io_context io;
    asio::ip::tcp::acceptor acceptor(io, {asio::ip::make_address("127.0.0.1"), 0});
    const auto port = acceptor.local_endpoint().port();
    std::size_t chunks_seen = 0;
    asio::co_spawn(io, [&]() -> asio::awaitable<void> {
        auto sock = co_await acceptor.async_accept(asio::use_awaitable);
        wire::frame_reader in;
        auto next_message = [&]() -> asio::awaitable<sx::value> {
            for (;;) {
                auto f = in.next();
                if (f.state == wire::frame::complete) co_return sx::read(f.payload);
                auto room = in.prepare();
                const std::size_t n = co_await sock.async_read_some(asio::buffer(room.data(), room.size()), asio::use_awaitable);
                in.commit(n);
            }
        };
        const auto req = typed::from_sx<request>(co_await next_message());
        REQUIRE(req.tag);
        const std::string tag = sx::canonical(typed::to_sx(*req.tag));
        std::string out;
        wire::write_frame(out, "(credit :tag " + tag + " :n 9223372036854775807)");
        wire::write_frame(out, "(credit :tag " + tag + " :n 9223372036854775807)");
        co_await asio::async_write(sock, asio::buffer(out), asio::use_awaitable);
        for (;;) {
            const sx::value m = co_await next_message();
            if (!m.is_list() || m.items().empty() || m.items()[0].name() != "chunk") continue;  // the client's own credit
            const auto c = typed::from_sx<chunk>(m);
            if (c.done.value_or(false)) break;
            ++chunks_seen;
        }
        out.clear();
        wire::write_frame(out, "(response :tag " + tag + " :status ok :body 7)");
        co_await asio::async_write(sock, asio::buffer(out), asio::use_awaitable);
    }, [](std::exception_ptr e) {
        if (e) std::rethrow_exception(e);  // a failed REQUIRE in the fake server fails the test
    });
    sxtp::client c(io.get_executor(), "sxtp://127.0.0.1:" + std::to_string(port));
    std::optional<reply<streams::sum>> got;
    asio::co_spawn(io, [&]() -> asio::awaitable<void> {
        auto up = co_await c.open<streams::sum>({});
        for (std::int64_t i = 0; i < 200; ++i) co_await up.write(i);
        up.finish();
        got.emplace(co_await up.result());
    }, asio::detached);
    io.run_for(10s);
    REQUIRE(got);
    INFO((got->ok() ? std::string("ok") : got->condition().message.value_or("") + " " + std::string(got->condition().type.name())));
    REQUIRE(got->ok());
    CHECK(got->value() == 7);
    CHECK(chunks_seen == 200);
}
