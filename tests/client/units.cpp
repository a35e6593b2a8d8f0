// Addresses, the cookie jar, TLS refusals and keepalive.
#include "../support/net_harness.hpp"

#include <sxtp/sx.hpp>

using namespace sxtp;
using namespace sxtp_test;

TEST_CASE("addresses: the three kinds, defaults and refusals") {
    auto a = net::parse_address("sxtp://example.com/blog/posts");
    REQUIRE(a.has_value());
    CHECK(a->transport == net::transport::tcp);
    CHECK(a->host == "example.com");
    CHECK(a->port == 5380);
    CHECK(a->path == "/blog/posts");

    a = net::parse_address("sxtps://[::1]:7000");
    REQUIRE(a.has_value());
    CHECK(a->transport == net::transport::tls);
    CHECK(a->host == "::1");
    CHECK(a->port == 7000);
    CHECK(a->path == "/");
    CHECK(a->to_string() == "sxtps://[::1]:7000");
    CHECK(net::parse_address("sxtps://h")->port == 5381);

    a = net::parse_address("unix:/run/blog.sock");
    REQUIRE(a.has_value());
    CHECK(a->transport == net::transport::unix_socket);
    CHECK(a->socket_path == "/run/blog.sock");
    CHECK(*net::parse_address(a->to_string()) == *a);

    a = net::parse_address("sxtp+unix://%2Frun%2Fblog.sock/posts/7");
    REQUIRE(a.has_value());
    CHECK(a->socket_path == "/run/blog.sock");
    CHECK(a->path == "/posts/7");

    for (const char* bad : {"http://x", "sxtp://", "sxtp://h:99999", "sxtp://h?x=1", "sxtp://u@h", "unix:relative.sock", "unix://x",
                            "sxtp+unix://relative/x", "sxtp+unix://%2Fa:5", "not a uri", ""}) {
        INFO(bad);
        auto r = net::parse_address(bad);
        REQUIRE_FALSE(r.has_value());
        CHECK(r.error().message.find("bad address") == 0);
    }
}

TEST_CASE("cookie jar: max-age, path and delete") {
    cookie_jar jar;
    const auto t0 = cookie_jar::clock::now();
    std::map<sx::keyword, cookie> set;
    cookie a;
    a.value = sx::value("1");
    a.path = "/blog";
    a.max_age = 10;
    set.emplace(sx::keyword("a"), a);
    cookie b;
    b.value = sx::read("(x y)");
    set.emplace(sx::keyword("b"), b);
    jar.apply(set, t0);
    CHECK(jar.for_path("/blog/posts", t0)->size() == 2);
    CHECK(jar.for_path("/blog", t0)->size() == 2);
    CHECK(jar.for_path("/blogger", t0)->size() == 1);  // a path matches whole segments
    CHECK(jar.for_path("/", t0)->count(sx::keyword("b")) == 1);
    CHECK(jar.for_path("/blog", t0 + std::chrono::seconds(11))->size() == 1);  // a expired
    cookie del;
    del.value = sx::value();
    del.delete_ = true;
    jar.apply({{sx::keyword("b"), del}}, t0);
    CHECK_FALSE(jar.for_path("/", t0));
    CHECK(jar.size() == 0);
}

TEST_CASE("client: cookies set by the server go back on matching paths") {
    harness h(kind::tcp);
    std::vector<std::string> seen;
    h.srv->handle_raw("login", "/account", [](const request&, call_context&) {
        response r;
        cookie c;
        c.value = sx::value("token-1");
        c.path = "/account";
        r.set_cookie.emplace();
        r.set_cookie->emplace(sx::keyword("session"), c);
        return r;
    });
    h.srv->handle_raw("look", "/account/{x}", [&](const request& q, call_context&) {
        seen.push_back(q.cookies ? sx::canonical(typed::to_sx(*q.cookies)) : "none");
        return response{};
    });
    h.srv->handle_raw("look", "/elsewhere", [&](const request& q, call_context&) {
        seen.push_back(q.cookies ? "cookies" : "none");
        return response{};
    });
    sxtp::client c(h.io.get_executor(), h.where, h.client_options());
    h.run([&]() -> asio::awaitable<void> {
        co_await c.call_raw(typed::from_sx<request>(sx::read(R"((request :verb look :path "/account/me"))")));
        co_await c.call_raw(typed::from_sx<request>(sx::read(R"((request :verb login :path "/account"))")));
        co_await c.call_raw(typed::from_sx<request>(sx::read(R"((request :verb look :path "/account/me"))")));
        co_await c.call_raw(typed::from_sx<request>(sx::read(R"((request :verb look :path "/elsewhere"))")));
    });
    CHECK(seen == std::vector<std::string>{"none", R"({:session "token-1"})", "none"});
}

TEST_CASE("client: TLS refuses a server whose certificate is not trusted, or whose name does not match") {
    // The server's certificate names only other.example.
    const auto named = make_test_certificate("other.example", "DNS:other.example");
    server_options o;
    o.tls = net::make_server_tls_context({.certificate_chain_pem = named.certificate_pem, .private_key_pem = named.private_key_pem,
                                          .certificate_chain_file = {}, .private_key_file = {}});
    harness h(kind::tls, o);
    // Trusting another certificate than the server's.
    sxtp::client a(h.io.get_executor(), h.where, h.client_options());
    // Trusting the server's certificate, calling it by an address it does not name.
    client_options trusting;
    trusting.tls = net::make_client_tls_context({.ca_pem = named.certificate_pem, .ca_file = {}, .insecure = false});
    sxtp::client b(h.io.get_executor(), h.where, trusting);
    // Insecure: no verification at all (for tools and tests only).
    client_options insecure;
    insecure.tls = net::make_client_tls_context({.ca_pem = {}, .ca_file = {}, .insecure = true});
    insecure.tls_insecure = true;
    sxtp::client c(h.io.get_executor(), h.where, insecure);
    h.run([&]() -> asio::awaitable<void> {
        auto ra = co_await a.call<svc::get_item>({1});
        CHECK(ra.status() == status_code::unavailable);
        CHECK(ra.condition().type.name() == "connection-failed");
        CHECK(ra.condition().retry == true);
        auto rb = co_await b.call<svc::get_item>({1});
        CHECK(rb.condition().type.name() == "connection-failed");
        auto one = co_await c.call<svc::get_item>({1});
        CHECK(one.ok());
    });
}

TEST_CASE("server: TLS refuses a client that offers ALPN protocols without sxtp/1") {
    harness h(kind::tls);
    auto ctx = net::make_client_tls_context({.ca_pem = shared_certificate().certificate_pem, .ca_file = {}, .insecure = false});
    const unsigned char h2[] = {2, 'h', '2'};
    SSL_CTX_set_alpn_protos(ctx->native_handle(), h2, sizeof h2);
    asio::ssl::stream<asio::ip::tcp::socket> s(h.io, *ctx);
    boost::system::error_code ec;
    h.run([&]() -> asio::awaitable<void> {
        co_await s.next_layer().async_connect({asio::ip::make_address("127.0.0.1"), h.where.port}, asio::use_awaitable);
        co_await s.async_handshake(asio::ssl::stream_base::client, asio::redirect_error(asio::use_awaitable, ec));
    });
    CHECK(ec);
}

TEST_CASE("client: a server that stops answering is detected by keepalive") {
    // A listener that accepts and then never reads or writes.
    asio::io_context io;
    asio::ip::tcp::acceptor acceptor(io, {asio::ip::make_address("127.0.0.1"), 0});
    asio::ip::tcp::socket held(io);
    acceptor.async_accept(held, [](boost::system::error_code) {});
    net::address where;
    where.host = "127.0.0.1";
    where.port = acceptor.local_endpoint().port();
    client_options o;
    o.keepalive_interval = 100ms;
    o.keepalive_timeout = 100ms;
    sxtp::client c(io.get_executor(), where, o);
    std::optional<reply<svc::get_item>> got;
    asio::co_spawn(io, c.call<svc::get_item>({1}), [&](std::exception_ptr, reply<svc::get_item> r) { got = std::move(r); });
    const auto start = std::chrono::steady_clock::now();
    while (!got && std::chrono::steady_clock::now() - start < 5s) io.run_one_for(50ms);
    REQUIRE(got);
    CHECK(got->condition().type.name() == "connection-failed");
    CHECK(got->condition().retry == false);  // it was sent: not safe to repeat blindly
    CHECK(std::chrono::steady_clock::now() - start < 2s);
}

TEST_CASE("client: a pool spreads calls over its connections") {
    harness h(kind::tcp);
    client_options o = h.client_options();
    o.pool_size = 3;
    sxtp::client c(h.io.get_executor(), h.where, o);
    int done = 0;
    h.run([&]() -> asio::awaitable<void> {
        for (int i = 0; i < 12; ++i)
            asio::co_spawn(h.io, c.call<svc::sleep>({50}), [&](std::exception_ptr, reply<svc::sleep> r) { done += r.ok(); });
        asio::steady_timer t(h.io, 10ms);
        while (done < 12) {
            t.expires_after(10ms);
            co_await t.async_wait(asio::use_awaitable);
        }
    });
    CHECK(done == 12);
    CHECK(h.srv->connections() == 3);
}
