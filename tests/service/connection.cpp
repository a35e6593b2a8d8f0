// Tests for include/sxtp/server/connection.hpp over Beast's test stream:
// a connection generic over its stream, made without a server or a socket,
// and a stream that fails at its Nth operation — every step of a pipelined
// exchange (inline, coroutine and streaming calls) fails once in turn, and
// each time the connection ends, tells its owner, leaks nothing (ASan) and
// delivers only correct answers.
#include <sxtp/server/connection.hpp>
#include <sxtp/sx.hpp>
#include <sxtp/typed.hpp>
#include <sxtp/wire/client_connection.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/write.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/_experimental/test/stream.hpp>
#include <boost/hana/define_struct.hpp>

#include <catch2/catch.hpp>

#include <chrono>
#include <map>
#include <memory>
#include <string>

using namespace sxtp;
namespace asio = boost::asio;
namespace test = boost::beast::test;

namespace conn_test {
struct item_ref {
    BOOST_HANA_DEFINE_STRUCT(item_ref, (std::int64_t, id));
};
struct item {
    BOOST_HANA_DEFINE_STRUCT(item, (std::int64_t, id), (std::string, name));
};
struct get_item : endpoint<"fetch", "/items/{id}"> {
    using params = item_ref;
    using result = item;
};
struct slow_item : endpoint<"fetch", "/slow/{id}"> {
    using params = item_ref;
    using result = item;
};
struct count_params {
    BOOST_HANA_DEFINE_STRUCT(count_params, (std::int64_t, n));
};
struct count_to : endpoint<"subscribe", "/count"> {
    using params = count_params;
    using chunk = std::int64_t;
};
} // namespace conn_test

namespace {
using namespace conn_test;

struct owner final : connection_owner {
    int authenticated = 0;
    int forgotten = 0;
    void peer_authenticated(connection_base*) override { ++authenticated; }
    void forget(connection_base*) override { ++forgotten; }
};

void add_handlers(service& svc) {
    svc.handle<get_item>([](const item_ref& r) { return item{r.id, "item"}; });
    svc.handle<slow_item>([](const item_ref& r) -> asio::awaitable<item> {
        co_await asio::post(co_await asio::this_coro::executor, asio::use_awaitable);
        co_return item{r.id, "slow"};
    });
    svc.handle<count_to>([](const count_params& p, stream<count_to>& out) -> asio::awaitable<void> {
        for (std::int64_t i = 0; i < p.n; ++i)
            if (!co_await out.write(i)) co_return;
    });
}

request make(std::string_view text) { return typed::from_sx<request>(sx::read(text)); }

// What the client of one exchange saw.
struct outcome {
    int answers = 0;        // unary answers, each checked
    int stream_items = 0;   // chunks of the stream, each checked
    bool stream_ended = false;
    bool wrong = false;     // an answer that is not what was asked
    bool connection_ended = false;
};

// One exchange over a test stream whose server end fails from operation
// `fail_at` on: a ping, 3 inline fetches, 3 coroutine fetches and a 5-chunk
// stream, pipelined in one write; the client reads everything, then closes.
outcome exchange(std::size_t fail_at, owner& who, bool& finished) {
    asio::io_context io;
    service svc;
    add_handlers(svc);
    test::fail_count fc(fail_at);
    test::stream server_end(io, fc);
    test::stream client_end(io);
    server_end.connect(client_end);
    server_end.read_size(23);  // frames arrive in pieces
    auto conn = std::make_shared<connection<test::stream>>(svc, io.get_executor(), std::move(server_end), "test", &who);
    asio::co_spawn(io, conn->run(), [&finished](std::exception_ptr e) {
        if (e) std::rethrow_exception(e);
        finished = true;
    });
    conn.reset();  // the coroutines keep it

    outcome out;
    asio::co_spawn(io, [&]() -> asio::awaitable<void> {
        wire::client_connection c;
        std::map<wire::call_id, std::string> expected;
        expected[c.send(make(R"((request :verb ping :path "/"))"))] = "";
        for (int i = 1; i <= 3; ++i) {
            expected[c.send(make("(request :verb fetch :path \"/items/" + std::to_string(i) + "\")"))] = "{:id " + std::to_string(i) + " :name \"item\"}";
            expected[c.send(make("(request :verb fetch :path \"/slow/" + std::to_string(i) + "\")"))] = "{:id " + std::to_string(i) + " :name \"slow\"}";
        }
        const auto stream_id = c.send(make(R"((request :verb subscribe :path "/count" :params {:n 5}))"));
        const auto out_bytes = c.output();
        boost::system::error_code ec;
        co_await asio::async_write(client_end, asio::buffer(out_bytes.data(), out_bytes.size()), asio::redirect_error(asio::use_awaitable, ec));
        c.consume(out_bytes.size());
        while (!ec && (out.answers < 7 || !out.stream_ended)) {
            auto room = c.prepare();
            const auto n = co_await client_end.async_read_some(asio::buffer(room.data(), room.size()), asio::redirect_error(asio::use_awaitable, ec));
            if (ec) break;
            c.commit(n);
            for (auto ev = c.next_event(); !std::holds_alternative<wire::need_more>(ev); ev = c.next_event()) {
                if (auto* a = std::get_if<wire::answer>(&ev)) {
                    const auto it = expected.find(a->id);
                    const std::string got = a->res.body ? sx::canonical(*a->res.body) : std::string();
                    if (it == expected.end() || got != it->second || !a->res.status.is_success()) out.wrong = true;
                    ++out.answers;
                } else if (auto* s = std::get_if<wire::stream_item>(&ev)) {
                    const auto* ch = std::get_if<chunk>(&s->item);
                    if (s->id != stream_id || !ch || !ch->body || ch->body->as_int() != out.stream_items) out.wrong = true;
                    ++out.stream_items;
                } else if (auto* e = std::get_if<wire::stream_ended>(&ev)) {
                    out.stream_ended = e->id == stream_id;
                } else if (!std::holds_alternative<wire::stream_opened>(ev)) {
                    out.wrong = true;  // the server broke the protocol
                }
            }
        }
        out.connection_ended = ec.failed();
        client_end.close();  // the server reads its end of input
    }, asio::detached);
    io.run_for(std::chrono::seconds(20));
    return out;
}
} // namespace

TEST_CASE("connection: a stream that fails at every step in turn ends the connection cleanly") {
    std::size_t fail_at = 0;
    for (; fail_at < 400; ++fail_at) {
        owner who;
        bool finished = false;
        const outcome out = exchange(fail_at, who, finished);
        INFO("the stream fails from operation " << fail_at);
        CHECK(finished);             // run() ended: no hang
        CHECK(who.forgotten == 1);   // the owner heard of it, once
        CHECK_FALSE(out.wrong);      // what arrived is right
        if (out.answers == 7 && out.stream_items == 5 && out.stream_ended && !out.connection_ended) break;  // this many steps: no failure left
    }
    CHECK(fail_at > 3);    // the exchange took several operations: each failed once
    CHECK(fail_at < 400);  // and at last one went through whole
}

TEST_CASE("connection: a request over a test stream is answered and the owner told at the end") {
    owner who;
    bool finished = false;
    const outcome out = exchange(1000, who, finished);
    CHECK(out.answers == 7);
    CHECK(out.stream_items == 5);
    CHECK(out.stream_ended);
    CHECK_FALSE(out.wrong);
    CHECK(finished);
    CHECK(who.forgotten == 1);
    CHECK(who.authenticated == 0);
}
