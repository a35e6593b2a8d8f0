// The server's limits and timeouts, probed with raw sockets on loopback.
#include "../support/net_harness.hpp"

#include <sxtp/sx.hpp>
#include <sxtp/wire.hpp>

#include <boost/asio/read.hpp>

#include <string>

using namespace sxtp;
using namespace sxtp_test;

namespace {

using socket_type = asio::generic::stream_protocol::socket;

// A raw connection to the harness's address (TLS servers: plain TCP to the TLS port).
socket_type raw_connect(harness& h) {
    socket_type s(h.io);
    if (h.where.transport == net::transport::unix_socket) {
        s.connect(asio::local::stream_protocol::endpoint(h.where.socket_path));
    } else {
        const asio::generic::stream_protocol::endpoint ep(asio::ip::tcp::endpoint(asio::ip::make_address(h.where.host), h.where.port));
        s.connect(ep);
    }
    return s;
}

// Reads until EOF or error, running the server meanwhile; returns what arrived
// and how long it took. Bounded by `limit`.
struct read_result {
    std::string bytes;
    boost::system::error_code end;
    std::chrono::steady_clock::duration took;
};
read_result read_to_end(harness& h, socket_type& s, std::chrono::milliseconds limit = 5s) {
    read_result r;
    const auto start = std::chrono::steady_clock::now();
    h.run([&]() -> asio::awaitable<void> {
        char buf[4096];
        for (;;) {
            boost::system::error_code ec;
            const std::size_t n = co_await s.async_read_some(asio::buffer(buf), asio::redirect_error(asio::use_awaitable, ec));
            r.bytes.append(buf, n);
            if (ec) {
                r.end = ec;
                co_return;
            }
        }
    }, limit);
    r.took = std::chrono::steady_clock::now() - start;
    return r;
}

std::vector<response> responses_in(std::string_view bytes) {
    wire::frame_reader in;
    in.feed(bytes);
    std::vector<response> out;
    for (auto f = in.next(); f.state == wire::frame::complete; f = in.next()) out.push_back(typed::from_sx<response>(sx::read(f.payload)));
    return out;
}

std::string type_of(const response& r) { return std::string(typed::from_sx<condition>(*r.body).type.name()); }

std::string frame(std::string_view payload) {
    std::string out;
    wire::write_frame(out, payload);
    return out;
}

} // namespace

TEST_CASE("server limits: a client trickling one frame is cut off after the frame-read timeout") {
    const kind k = GENERATE(kind::tcp, kind::unix_socket);
    INFO(name_of(k));
    server_options o;
    o.frame_read_timeout = 200ms;
    harness h(k, o);
    auto s = raw_connect(h);
    asio::write(s, asio::buffer(std::string_view("40\n(request :verb ping")));
    const auto r = read_to_end(h, s);
    CHECK(r.bytes.empty());
    CHECK(r.end);
    CHECK(r.took >= 150ms);
    CHECK(r.took < 3s);
}

TEST_CASE("server limits: an idle connection is closed after the idle timeout, a busy one is not") {
    server_options o;
    o.idle_timeout = 200ms;
    harness h(kind::tcp, o);
    auto idle = raw_connect(h);
    const auto r = read_to_end(h, idle);
    CHECK(r.end);
    CHECK(r.took >= 150ms);

    // A request that takes longer than the idle timeout keeps its connection.
    auto busy = raw_connect(h);
    asio::write(busy, asio::buffer(frame(R"((request :verb query :path "/sleep" :params {:ms 500}))")));
    const auto b = read_to_end(h, busy);
    const auto answers = responses_in(b.bytes);
    REQUIRE(answers.size() == 1);
    CHECK(answers[0].status.code() == status_code::ok);
    CHECK(b.took >= 650ms);  // answered at 500 ms, then idle for 200 ms
}

TEST_CASE("server limits: a TLS client that never completes the handshake is cut off") {
    server_options o;
    o.handshake_timeout = 200ms;
    harness h(kind::tls, o);
    auto s = raw_connect(h);
    const auto r = read_to_end(h, s);
    CHECK(r.end);
    CHECK(r.took >= 150ms);
    CHECK(r.took < 3s);
}

TEST_CASE("server limits: connections over the limit are closed at once, and room frees up") {
    server_options o;
    o.max_connections = 1;
    harness h(kind::tcp, o);
    auto first = raw_connect(h);
    h.settle(50ms);
    CHECK(h.srv->connections() == 1);
    auto second = raw_connect(h);
    const auto r = read_to_end(h, second);
    CHECK(r.bytes.empty());
    CHECK(r.end);
    first.close();
    h.settle(50ms);
    CHECK(h.srv->connections() == 0);
    auto third = raw_connect(h);
    asio::write(third, asio::buffer(frame(R"((request :verb ping :path "/"))")));
    third.shutdown(socket_type::shutdown_send);
    const auto t = read_to_end(h, third);
    REQUIRE(responses_in(t.bytes).size() == 1);
}

TEST_CASE("server limits: malformed payloads are answered and the connection survives") {
    const kind k = GENERATE(kind::tcp, kind::unix_socket);
    INFO(name_of(k));
    harness h(k);
    auto s = raw_connect(h);
    asio::write(s, asio::buffer(frame("(request :verb") + frame("(chunk :seq \"x\")") + frame("(response :status ok)") +
                                frame(R"((request :verb fetch :path "/items/5"))")));
    s.shutdown(socket_type::shutdown_send);
    const auto r = read_to_end(h, s);
    const auto answers = responses_in(r.bytes);
    REQUIRE(answers.size() == 4);
    CHECK(type_of(answers[0]) == "malformed-message");
    CHECK(typed::from_sx<condition>(*answers[0].body).detail->find("offset") != nullptr);  // where the reader stopped
    CHECK(type_of(answers[1]) == "malformed-message");
    CHECK(type_of(answers[2]) == "malformed-message");
    CHECK(answers[3].status.code() == status_code::ok);
}

TEST_CASE("server limits: an oversized or non-digit length is answered, then the connection closes") {
    const std::string bad = GENERATE(std::string("99999999999\n"), std::string("17000000\n("), std::string("4x\n(a)"));
    INFO(bad);
    server_options o;
    o.limits.frames.max_frame = 16 << 20;
    harness h(kind::tcp, o);
    auto s = raw_connect(h);
    asio::write(s, asio::buffer(frame(R"((request :verb ping :path "/"))") + bad));
    const auto r = read_to_end(h, s);
    const auto answers = responses_in(r.bytes);
    REQUIRE(answers.size() == 2);  // the ping before it, then the refusal
    CHECK(answers[0].status.code() == status_code::ok);
    CHECK(answers[1].status.code() == status_code::invalid);
    CHECK((type_of(answers[1]) == "frame-too-large" || type_of(answers[1]) == "malformed-frame"));
    CHECK(r.end);
}

TEST_CASE("server: the raw escape hatch sees the whole request and its peer") {
    harness h(kind::tcp);
    std::string seen_peer;
    h.srv->handle_raw("echo", "/raw/{anything}", [&](const request& req, call_context& ctx) {
        seen_peer = std::string(ctx.peer);
        response r;
        r.body = req.body.value_or(sx::value());
        r.set_cookie.emplace();
        cookie session;
        session.value = sx::value("abc");
        session.max_age = 60;
        session.path = "/raw";
        r.set_cookie->emplace(sx::keyword("session"), session);
        return r;
    });
    sxtp::client c(h.io.get_executor(), h.where, h.client_options());
    h.run([&]() -> asio::awaitable<void> {
        request q;
        q.verb = sx::symbol("echo");
        q.path = "/raw/x";
        q.body = sx::read("(any (thing) {:at all})");
        auto r = co_await c.call_raw(q);
        CHECK(sx::canonical(*r.body) == "(any (thing) {:at all})");
        CHECK(c.cookies().size() == 1);
        auto i = co_await c.call_raw(typed::from_sx<request>(sx::read(R"((request :verb inspect :path "/raw/y"))")));
        CHECK(sx::canonical(*i.body->find("params-schema")) == "\"any\"");
    });
    CHECK(seen_peer.starts_with("127.0.0.1:"));
}

TEST_CASE("server faults: a client that vanishes after every byte in turn leaves the server whole") {
    harness h(kind::tcp);
    const std::string bytes = frame(R"((request :verb fetch :path "/items/1"))") + frame(R"((request :tag 5 :verb query :path "/sleep" :params {:ms 20}))") +
                              frame("(cancel :tag 5)") + frame(R"((request :verb ping :path "/"))");
    for (std::size_t cut = 0; cut <= bytes.size(); ++cut) {
        auto s = raw_connect(h);
        asio::write(s, asio::buffer(bytes.data(), cut));
        boost::system::error_code ignored;
        if (cut % 2) s.shutdown(socket_type::shutdown_both, ignored);  // half the time a clean FIN, else a reset-like close
        s.close();
        h.settle(2ms);
    }
    h.settle(100ms);
    CHECK(h.srv->connections() == 0);  // every connection was cleaned up
    sxtp::client c(h.io.get_executor(), h.where, h.client_options());
    h.run([&]() -> asio::awaitable<void> {
        auto r = co_await c.call<svc::get_item>({3});
        CHECK(r.ok());
    });
}

TEST_CASE("client faults: a server that breaks off after every byte of its answer in turn gives a clear error") {
    // A fake server: reads a request, writes the first `cut` bytes of a valid answer, closes.
    std::string answer;
    wire::write_frame(answer, R"((response :status ok :tag 1 :body {:id 1 :name "one"}))");
    asio::io_context io;
    asio::ip::tcp::acceptor acceptor(io, {asio::ip::make_address("127.0.0.1"), 0});
    std::size_t cut = 0;
    asio::co_spawn(io, [&]() -> asio::awaitable<void> {
        for (;;) {
            auto s = co_await acceptor.async_accept(asio::use_awaitable);
            char buf[1024];
            boost::system::error_code ec;
            co_await s.async_read_some(asio::buffer(buf), asio::redirect_error(asio::use_awaitable, ec));
            co_await asio::async_write(s, asio::buffer(answer.data(), cut), asio::redirect_error(asio::use_awaitable, ec));
            s.close();
        }
    }, asio::detached);
    net::address where;
    where.host = "127.0.0.1";
    where.port = acceptor.local_endpoint().port();
    for (cut = 0; cut <= answer.size(); ++cut) {
        INFO("cut after " << cut << " bytes");
        client_options o;
        o.keepalive_interval = 0ms;
        sxtp::client c(io.get_executor(), where, o);
        std::optional<reply<svc::get_item>> got;
        asio::co_spawn(io, c.call<svc::get_item>({1}), [&](std::exception_ptr e, reply<svc::get_item> r) {
            REQUIRE_FALSE(e);
            got = std::move(r);
        });
        const auto until = std::chrono::steady_clock::now() + 5s;
        while (!got && std::chrono::steady_clock::now() < until) io.run_one_for(20ms);
        REQUIRE(got);
        if (cut == answer.size()) {
            CHECK(got->ok());
        } else {
            REQUIRE_FALSE(got->ok());
            CHECK(got->condition().type.name() == "connection-failed");
            CHECK(got->condition().retry == false);  // it was sent
        }
        c.close();
        io.restart();
        io.run_for(2ms);
    }
}

TEST_CASE("server limits: a client that does not read its answers is pushed back, and nothing is lost") {
    server_options o;
    o.max_pending_output = 1024;
    o.limits.max_in_flight = 1 << 20;  // pings only; no overloaded answers
    harness h(kind::tcp, o);
    auto s = raw_connect(h);
    const std::string ping = frame(R"((request :verb ping :path "/"))");
    constexpr std::size_t count = 400000;  // 14 MB of requests, 10 MB of answers: more than socket buffers hold
    std::string all;
    for (std::size_t i = 0; i < count; ++i) all += ping;
    bool written = false;
    std::size_t peak = 0;
    asio::co_spawn(h.io, [&]() -> asio::awaitable<void> {
        co_await asio::async_write(s, asio::buffer(all), asio::use_awaitable);
        written = true;
    }, asio::detached);
    // Nobody reads for a while: the server must stop taking requests.
    h.run([&]() -> asio::awaitable<void> {
        asio::steady_timer t(h.io);
        for (int i = 0; i < 30; ++i) {
            t.expires_after(10ms);
            co_await t.async_wait(asio::use_awaitable);
            peak = std::max(peak, h.srv->pending_output());
        }
    });
    CHECK_FALSE(written);               // the client's sending is held up by TCP
    CHECK(peak <= 1024 + (96u << 10));  // the limit, plus the answers to one read (64 KiB) of requests
    // Now read: every request is answered, in order, none lost.
    std::size_t answers = 0;
    h.run([&]() -> asio::awaitable<void> {
        wire::frame_reader in;
        while (answers < count) {
            auto room = in.prepare();
            const std::size_t n = co_await s.async_read_some(asio::buffer(room.data(), room.size()), asio::use_awaitable);
            in.commit(n);
            for (auto f = in.next(); f.state == wire::frame::complete; f = in.next()) ++answers;
            peak = std::max(peak, h.srv->pending_output());
        }
    }, 60s);
    CHECK(answers == count);
    CHECK(written);
    CHECK(peak <= 1024 + (96u << 10));
}
