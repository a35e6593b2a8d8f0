// The Mesh transport over real sockets, both ends sxtp: channel_client and
// http2_transport() against channel_server, h2c and h2 over TLS, deadlines,
// a node that is down, the TLS handshake bound, graceful shutdown.
#include "../support/certs.hpp"
#include "functions.hpp"

#include <sxtp/mesh/channel_stream.hpp>
#include <sxtp/mesh/channel_server.hpp>
#include <sxtp/server/server.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/steady_timer.hpp>

#include <catch2/catch.hpp>

namespace asio = boost::asio;
using namespace sxtp;
using sxtp_test::make_test_certificate;
using sxtp_test::test_certificate;
using bridge_test::add;
using bridge_test::add_params;
using bridge_test::add_result;

namespace {

struct nap_params {
    BOOST_HANA_DEFINE_STRUCT(nap_params, (std::int64_t, ms));
};
struct nap : endpoint<"query", "/nap"> {
    static constexpr std::string_view function_name = "nap";
    using params = nap_params;
    using result = nap_params;
};

struct tick_params {
    BOOST_HANA_DEFINE_STRUCT(tick_params, (std::int64_t, n));
};
struct tock {
    static constexpr std::string_view sxtp_event = "tock";
    BOOST_HANA_DEFINE_STRUCT(tock, (sx::symbol, kind), (std::int64_t, at));
};
struct tick_chunk {
    BOOST_HANA_DEFINE_STRUCT(tick_chunk, (std::int64_t, i), (sx::symbol, parity));
};
struct ticks : endpoint<"fetch", "/ticks"> {
    static constexpr std::string_view function_name = "ticks";
    using params = tick_params;
    using chunk = tick_chunk;
    using events = sxtp::events<tock>;
    using result = tick_params;
};

// A service with `add`, `nap` and the stream `ticks`, served over the Mesh transport (TLS when `tls`).
struct node_under_test {
    asio::io_context io;
    service svc;
    mesh::channel_server channels;
    unsigned short port = 0;
    explicit node_under_test(std::shared_ptr<asio::ssl::context> tls = nullptr, mesh::channel_limits limits = {})
        : channels(io.get_executor(), svc, limits, std::move(tls)) {
        svc.handle<add>(bridge_test::serve_add);
        svc.handle<nap>([](const nap_params& p) -> asio::awaitable<nap_params> {
            asio::steady_timer t(co_await asio::this_coro::executor, std::chrono::milliseconds(p.ms));
            co_await t.async_wait(asio::use_awaitable);
            co_return p;
        });
        svc.handle<ticks>([](const tick_params& p, sxtp::stream<ticks>& out) -> asio::awaitable<tick_params> {
            for (std::int64_t i = 0; i < p.n; ++i) {
                const tick_chunk c{i, sx::symbol(i % 2 ? "odd" : "even")};
                if (!co_await out.write(c)) co_return tick_params{i};
                if (i == 1) {
                    const tock t{sx::symbol("half"), i};
                    co_await out.emit(t);
                }
            }
            co_return p;
        });
        port = channels.listen("127.0.0.1", 0);
    }
    // Runs `body` to its end (at most 20 s).
    void run(std::function<asio::awaitable<void>()> body) {
        bool done = false;
        asio::co_spawn(io, body(), [&](std::exception_ptr e) {
            done = true;
            channels.shutdown(std::chrono::milliseconds(0));
            if (e) std::rethrow_exception(e);
        });
        io.run_for(std::chrono::seconds(20));
        REQUIRE(done);
    }
    mesh::node as_node(bool tls = false) const {
        mesh::node n;
        n.host = "127.0.0.1";
        n.mesh_port = port;
        n.mesh_tls = tls;
        return n;
    }
};

const test_certificate& cert() {
    static const test_certificate c = make_test_certificate();
    return c;
}

template <class E>
asio::awaitable<reply<E>> call_over(mesh::node_caller& c, typename E::params p, call_options opts = {}) {
    static const function_info f = function_of<E>();
    response r = co_await c.call(f, make_request<E>(p), plain_payload_of<E>(p, {}), opts);
    co_return client::reply_from<E>(std::move(r));
}

} // namespace

TEST_CASE("mesh transport: typed calls over h2c, several messages on one channel answered in order") {
    node_under_test n;
    n.run([&]() -> asio::awaitable<void> {
        auto caller = mesh::http2_transport({.service_name = "tester"})(n.io.get_executor(), n.as_node());
        for (int i = 0; i < 20; ++i) {
            auto r = co_await call_over<add>(*caller, {i, 1});
            REQUIRE(r);
            CHECK(r->sum == i + 1);
        }
        mesh::channel_client c(n.io.get_executor(), "127.0.0.1", n.port, {.service_name = "tester"});
        auto ch = co_await c.open();
        REQUIRE(ch);
        CHECK(ch->send({"nap", boost::json::object{{"ms", 100}}, {{"id", 1}}}));
        CHECK(ch->send({"add", boost::json::object{{"a", 1}, {"b", 2}}, {{"id", 2}}}));
        ch->end();
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
        auto first = co_await ch->next(deadline);
        auto second = co_await ch->next(deadline);
        auto end = co_await ch->next(deadline);
        REQUIRE(first);
        REQUIRE(second);
        CHECK(first->metadata.at("id") == 1);  // the slow one first: answers keep request order
        CHECK(second->metadata.at("id") == 2);
        CHECK_FALSE(end);
        CHECK(ch->error().empty());
        CHECK(ch->http_status() == 200);
    });
    CHECK(n.channels.stats().calls == 22);
}

TEST_CASE("mesh transport: a deadline is kept on both ends and a node that is down is a retryable connection-failed") {
    node_under_test n;
    n.run([&]() -> asio::awaitable<void> {
        auto caller = mesh::http2_transport({.service_name = "tester"})(n.io.get_executor(), n.as_node());
        const auto t0 = std::chrono::steady_clock::now();
        auto slow = co_await call_over<nap>(*caller, {2000}, {.timeout = std::chrono::milliseconds(200)});
        CHECK_FALSE(slow);
        CHECK(slow.condition().type.name() == "deadline-exceeded");
        CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::milliseconds(1500));

        mesh::node gone = n.as_node();
        gone.mesh_port = 1;  // nothing listens there
        auto dead = mesh::http2_transport({.service_name = "tester", .connect_timeout = std::chrono::milliseconds(500)})(n.io.get_executor(), gone);
        auto r = co_await call_over<add>(*dead, {1, 1});
        CHECK_FALSE(r);
        CHECK(r.condition().type.name() == "connection-failed");
        CHECK(r.condition().retry == true);

        // a TLS node without a TLS context on the calling side: refused before anything is sent
        auto wants_tls = mesh::http2_transport({.service_name = "tester"})(n.io.get_executor(), n.as_node(true));
        auto t = co_await call_over<add>(*wants_tls, {1, 1});
        CHECK_FALSE(t);
        CHECK(t.condition().type.name() == "connection-failed");
    });
}

TEST_CASE("mesh transport: h2 over TLS with ALPN h2, certificates checked") {
    auto server_tls = net::make_server_tls_context(
        {.certificate_chain_pem = cert().certificate_pem, .private_key_pem = cert().private_key_pem, .certificate_chain_file = {}, .private_key_file = {}}, "h2");
    node_under_test n(server_tls);
    n.run([&]() -> asio::awaitable<void> {
        auto trusted = net::make_client_tls_context({.ca_pem = cert().certificate_pem, .ca_file = {}, .insecure = false}, "h2");
        auto caller = mesh::http2_transport({.service_name = "tester", .tls = trusted})(n.io.get_executor(), n.as_node(true));
        auto r = co_await call_over<add>(*caller, {40, 2});
        REQUIRE(r);
        CHECK(r->sum == 42);

        const test_certificate other = make_test_certificate();
        auto untrusted = net::make_client_tls_context({.ca_pem = other.certificate_pem, .ca_file = {}, .insecure = false}, "h2");
        auto refused = mesh::http2_transport({.service_name = "tester", .tls = untrusted})(n.io.get_executor(), n.as_node(true));
        auto bad = co_await call_over<add>(*refused, {1, 1});
        CHECK_FALSE(bad);
        CHECK(bad.condition().type.name() == "connection-failed");
        CHECK(bad.condition().retry == true);
    });
}

TEST_CASE("mesh transport: a TLS peer that never finishes its handshake is closed at the bound") {
    auto server_tls = net::make_server_tls_context(
        {.certificate_chain_pem = cert().certificate_pem, .private_key_pem = cert().private_key_pem, .certificate_chain_file = {}, .private_key_file = {}}, "h2");
    mesh::channel_limits limits;
    limits.handshake_timeout = std::chrono::milliseconds(300);
    node_under_test n(server_tls, limits);
    n.run([&]() -> asio::awaitable<void> {
        asio::ip::tcp::socket s(n.io);
        co_await s.async_connect({asio::ip::make_address("127.0.0.1"), n.port}, asio::use_awaitable);
        const auto t0 = std::chrono::steady_clock::now();
        char c;
        boost::system::error_code ec;
        co_await asio::async_read(s, asio::buffer(&c, 1), asio::redirect_error(asio::use_awaitable, ec));
        CHECK(ec);  // closed, having sent nothing
        const auto took = std::chrono::steady_clock::now() - t0;
        CHECK(took >= std::chrono::milliseconds(250));
        CHECK(took < std::chrono::seconds(3));
    });
    CHECK(n.channels.stats().timeouts >= 1);
}

TEST_CASE("mesh transport: a streaming endpoint's chunks and events arrive typed, then its answer") {
    node_under_test n;
    n.run([&]() -> asio::awaitable<void> {
        mesh::channel_client c(n.io.get_executor(), "127.0.0.1", n.port, {.service_name = "tester"});
        auto s = co_await mesh::open_stream<ticks>(c, tick_params{4});
        std::vector<std::int64_t> got;
        std::vector<std::string> parity;
        int tocks = 0;
        while (auto item = co_await s.next()) {
            if (auto* ch = std::get_if<tick_chunk>(&*item)) {
                got.push_back(ch->i);
                parity.emplace_back(ch->parity.name());
            } else if (auto* t = std::get<1>(*item).get<tock>()) {
                CHECK(t->kind == sx::symbol("half"));  // a symbol again, through JSON
                CHECK(t->at == 1);
                ++tocks;
            }
        }
        CHECK(got == std::vector<std::int64_t>{0, 1, 2, 3});
        CHECK(parity == std::vector<std::string>{"even", "odd", "even", "odd"});
        CHECK(tocks == 1);
        REQUIRE(s.ok());
        CHECK(s.result()->n == 4);

        // a node that is not there: the stream has failed before it began, retryable
        mesh::channel_client gone(n.io.get_executor(), "127.0.0.1", 1, {.service_name = "tester", .connect_timeout = std::chrono::milliseconds(500)});
        auto f = co_await mesh::open_stream<ticks>(gone, tick_params{1});
        const auto none = co_await f.next();
        CHECK_FALSE(none);
        CHECK_FALSE(f.ok());
        CHECK(f.result().condition().type.name() == "connection-failed");
    });
}

TEST_CASE("mesh transport: a seed-003 answer without status is a success; a bearer token stays off h2c") {
    static const function_info f = function_of<add>();
    const auto plain = mesh::response_of(f, {"add", boost::json::object{{"sum", 5}}, {}});
    auto r = client::reply_from<add>(plain);
    REQUIRE(r);
    CHECK(r->sum == 5);
    const auto failed = mesh::response_of(f, {"add", nullptr, {{"error", boost::json::object{{"type", "bad-name"}, {"message", "no"}}}}});
    CHECK(client::reply_from<add>(failed).condition().type.name() == "bad-name");

    node_under_test n;
    n.run([&]() -> asio::awaitable<void> {
        auto leaky = mesh::http2_transport({.service_name = "tester", .bearer = "secret"})(n.io.get_executor(), n.as_node());
        auto refused = co_await call_over<add>(*leaky, {1, 1});
        CHECK_FALSE(refused);
        CHECK(refused.condition().type.name() == "connection-failed");
        auto trusted = mesh::http2_transport({.service_name = "tester", .bearer = "secret", .allow_plaintext_credentials = true})(n.io.get_executor(),
                                                                                                                                 n.as_node());
        auto ok = co_await call_over<add>(*trusted, {1, 1});
        CHECK(ok);  // no security policy here: the token is carried and not needed
    });
}

namespace {
struct guarded : endpoint<"query", "/guarded"> {
    static constexpr std::string_view function_name = "guarded";
    using capabilities = sxtp::capabilities<"admin">;
};
} // namespace

TEST_CASE("mesh transport: a route requiring capabilities nothing checks is not served") {
    asio::io_context io;
    service svc;
    svc.handle<guarded>([] { return no_result{}; });
    mesh::channel_server channels(io.get_executor(), svc);
    CHECK_THROWS_AS(channels.listen("127.0.0.1", 0), std::logic_error);
}
