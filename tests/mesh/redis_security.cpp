// The registry's Redis with credentials and TLS, against a private
// redis-server configured that way: AUTH with a password and with an ACL
// user, TLS with a trusted and an untrusted certificate, and the registry
// announcing and discovering through TLS plus AUTH.
#include "../support/certs.hpp"
#include "redis_helpers.hpp"

#include <sxtp/mesh/internal.hpp>
#include <sxtp/mesh/registry.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include <catch2/catch.hpp>

#include <cstdio>
#include <fstream>

using namespace sxtp::mesh;
using sxtp_test::redis_server;
namespace asio = boost::asio;

namespace {

using sxtp_test::ping;
using sxtp_test::run;

redis_options at(const redis_server& r) {
    return sxtp_test::redis_at(r, std::chrono::milliseconds(2000), std::chrono::milliseconds(2000));
}

// The test certificate as files, for redis-server; removed with the object.
struct cert_files {
    sxtp_test::test_certificate cert = sxtp_test::make_test_certificate();
    std::string dir = "/tmp/sxtp-redis-tls-" + std::to_string(::getpid());
    std::string cert_file = dir + "-cert.pem", key_file = dir + "-key.pem";
    cert_files() {
        std::ofstream(cert_file) << cert.certificate_pem;
        std::ofstream(key_file) << cert.private_key_pem;
    }
    ~cert_files() {
        std::remove(cert_file.c_str());
        std::remove(key_file.c_str());
    }
    std::vector<std::string> redis_args() const {
        return {"--tls-cert-file", cert_file, "--tls-key-file", key_file, "--tls-ca-cert-file", cert_file, "--tls-auth-clients", "no"};
    }
};

} // namespace

TEST_CASE("redis security: AUTH with a password, and a wrong one refused without showing it") {
    redis_server redis({"--requirepass", "s3cret-pw"});
    asio::io_context io;
    auto good = at(redis);
    good.password = "s3cret-pw";
    auto wrong = at(redis);
    wrong.password = "not-the-pw";
    redis_connection ok(io.get_executor(), good), bad(io.get_executor(), wrong), none(io.get_executor(), at(redis));
    run(io, [&]() -> asio::awaitable<void> {
        const redis_reply a = co_await ping(ok);
        CHECK(a.text == "PONG");
        const redis_reply b = co_await ping(bad);
        REQUIRE(b.is_error());
        CHECK(b.text.find("AUTH refused") != std::string::npos);
        CHECK(b.text.find("not-the-pw") == std::string::npos);
        const redis_reply c = co_await ping(none);
        REQUIRE(c.is_error());
        CHECK(c.text.find("NOAUTH") != std::string::npos);
    });
}

TEST_CASE("redis security: AUTH as an ACL user") {
    redis_server redis({"--user", "default", "off", "--user", "mesh", "on", ">mesh-pw", "~mesh:*", "+@all"});
    asio::io_context io;
    auto user = at(redis);
    user.username = "mesh";
    user.password = "mesh-pw";
    auto other = at(redis);
    other.username = "mesh";
    other.password = "wrong";
    redis_connection ok(io.get_executor(), user), bad(io.get_executor(), other);
    run(io, [&]() -> asio::awaitable<void> {
        std::vector<std::string> set{"SET", "mesh:k", "v"};
        const auto got0 = co_await ok.command(set);  // (not inside a Catch macro: g++ 12 would await it again)
        CHECK(got0.text == "OK");
        std::vector<std::string> outside{"SET", "other:k", "v"};  // the ACL's key pattern holds
        const auto got1 = co_await ok.command(outside);  // (not inside a Catch macro: g++ 12 would await it again)
        CHECK(got1.is_error());
        const redis_reply b = co_await ping(bad);
        REQUIRE(b.is_error());
        CHECK(b.text.find("AUTH refused") != std::string::npos);
    });
}

TEST_CASE("redis security: TLS to a trusted server works, to an untrusted or plain one fails clearly") {
    cert_files files;
    redis_server redis(files.redis_args(), true);
    asio::io_context io;
    auto trusted = at(redis);
    trusted.tls = sxtp::net::make_client_tls_context({.ca_pem = files.cert.certificate_pem, .ca_file = {}, .insecure = false});
    auto untrusted = at(redis);
    untrusted.tls = sxtp::net::make_client_tls_context({.ca_pem = sxtp_test::make_test_certificate().certificate_pem, .ca_file = {}, .insecure = false});
    redis_connection ok(io.get_executor(), trusted), bad(io.get_executor(), untrusted), plain(io.get_executor(), at(redis));
    run(io, [&]() -> asio::awaitable<void> {
        const auto got2 = co_await ping(ok);  // (not inside a Catch macro: g++ 12 would await it again)
        CHECK(got2.text == "PONG");
        const redis_reply b = co_await ping(bad);
        REQUIRE(b.is_error());
        CHECK(b.text.find("TLS handshake failed") != std::string::npos);
        const auto got3 = co_await ping(plain);  // (not inside a Catch macro: g++ 12 would await it again)
        CHECK(got3.is_error());  // plain RESP to a TLS port: no answer it understands
    });
}

TEST_CASE("redis security: close() at any step of a TLS command in flight answers it and the next command reconnects") {
    cert_files files;
    redis_server redis(files.redis_args(), true);
    auto o = at(redis);
    o.tls = sxtp::net::make_client_tls_context({.ca_pem = files.cert.certificate_pem, .ca_file = {}, .insecure = false});
    CHECK(sxtp_test::close_at_every_step(o) > 4);
}

TEST_CASE("redis security: the registry announces and discovers through TLS and AUTH") {
    cert_files files;
    auto args = files.redis_args();
    args.insert(args.end(), {"--requirepass", "reg-pw"});
    redis_server redis(args, true);
    asio::io_context io;
    auto o = at(redis);
    o.password = "reg-pw";
    o.tls = sxtp::net::make_client_tls_context({.ca_pem = files.cert.certificate_pem, .ca_file = {}, .insecure = false});
    registry announcer(io.get_executor(), o), watcher(io.get_executor(), o);
    run(io, [&]() -> asio::awaitable<void> {
        const std::string id = co_await announcer.announce("secure-svc", "127.0.0.1", 7443, true);
        CHECK_FALSE(id.empty());
        const auto nodes = co_await watcher.discover("secure-svc");
        REQUIRE(nodes.size() == 1);
        CHECK(nodes[0].port == 7443);
        co_await announcer.withdraw();
    });
}

TEST_CASE("redis security: internal calls between mesh nodes HMAC-signed over TLS, discovered through TLS Redis") {
    cert_files files;
    auto args = files.redis_args();
    args.insert(args.end(), {"--requirepass", "reg-pw"});
    redis_server redis(args, true);
    asio::io_context io;
    auto ro = at(redis);
    ro.password = "reg-pw";
    ro.tls = sxtp::net::make_client_tls_context({.ca_pem = files.cert.certificate_pem, .ca_file = {}, .insecure = false});

    // A node: TLS, a policy with one HMAC key, an internal data route.
    sxtp::security_options sec;
    sec.hmac_keys = {{.id = "mesh", .secrets = {"mesh-s3cret"}, .principal = "relations-caller", .capabilities = {}}};
    sxtp::server_options so;
    so.security = std::make_shared<sxtp::security_policy>(sec);
    so.tls = sxtp::net::make_server_tls_context({.certificate_chain_pem = files.cert.certificate_pem, .private_key_pem = files.cert.private_key_pem,
                                                 .certificate_chain_file = {}, .private_key_file = {}});
    sxtp::server node(io.get_executor(), so);
    serve_data(node, "whoami", [](const sxtp::sx::value&, sxtp::call_context& ctx) -> sxtp::sx::value { return sxtp::sx::value(ctx.caller().name); });
    const auto where = node.listen("sxtps://127.0.0.1:0");
    registry node_registry(io.get_executor(), ro), client_registry(io.get_executor(), ro);

    auto mesh_with = [&](std::string secret) {
        mesh_options mo;
        mo.client.tls = sxtp::net::make_client_tls_context({.ca_pem = files.cert.certificate_pem, .ca_file = {}, .insecure = false});
        mo.client.hmac = sxtp::client_options::hmac_credentials{"mesh", std::move(secret)};
        mo.client.keepalive_interval = std::chrono::milliseconds(0);
        return std::make_unique<mesh_client>(io.get_executor(), client_registry, mo);
    };
    auto signed_mesh = mesh_with("mesh-s3cret");
    auto wrong_mesh = mesh_with("not-the-secret");
    run(io, [&]() -> asio::awaitable<void> {
        co_await node_registry.announce("relations", "127.0.0.1", where.port, true);
        const sxtp::response r = co_await fetch_data(*signed_mesh, "relations", "whoami");
        REQUIRE(r.status.code() == sxtp::status_code::ok);
        CHECK(*r.body == sxtp::sx::value("relations-caller"));  // the signed caller reached the handler
        const sxtp::response refused = co_await fetch_data(*wrong_mesh, "relations", "whoami");
        CHECK(refused.status.code() == sxtp::status_code::forbidden);
        co_await node_registry.withdraw();
        node.stop_accepting();
    });
}
