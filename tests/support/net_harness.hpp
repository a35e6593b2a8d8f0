// Test support: a server on a private loopback address (TCP, TLS or a Unix
// socket under /tmp), a test service, and a bounded way to run coroutines.
#ifndef SXTP_TESTS_SUPPORT_NET_HARNESS_HPP
#define SXTP_TESTS_SUPPORT_NET_HARNESS_HPP

#include "certs.hpp"
#include "run_coroutine.hpp"

#include <sxtp/client/client.hpp>
#include <sxtp/server/server.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/hana/define_struct.hpp>

#include <catch2/catch.hpp>

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <exception>
#include <memory>
#include <string>

namespace sxtp_test {

namespace asio = boost::asio;
using namespace std::chrono_literals;

// -- the test service -----------------------------------------------------------
namespace svc {
struct item_ref {
    BOOST_HANA_DEFINE_STRUCT(item_ref, (std::int64_t, id));
};
struct item {
    BOOST_HANA_DEFINE_STRUCT(item, (std::int64_t, id), (std::string, name));
};
struct no_such_item {
    static constexpr std::string_view sxtp_condition = "no-such-item";
    static constexpr sxtp::status_code sxtp_status = sxtp::status_code::not_found;
    BOOST_HANA_DEFINE_STRUCT(no_such_item, (std::int64_t, id));
};
struct get_item : sxtp::endpoint<"fetch", "/items/{id}"> {
    using params = item_ref;
    using result = item;
    using raises = sxtp::raises<no_such_item>;
};
struct nap {
    BOOST_HANA_DEFINE_STRUCT(nap, (std::int64_t, ms));
};
/// Sleeps `ms` (cancellably), then answers the ms slept.
struct sleep : sxtp::endpoint<"query", "/sleep"> {
    using params = nap;
    using result = std::int64_t;
};
} // namespace svc

/// What the test service's handlers saw.
struct service_log {
    int started = 0;
    int finished = 0;
    int cancelled = 0;
};

inline void add_test_service(sxtp::server& srv, std::shared_ptr<service_log> log) {
    srv.handle<svc::get_item>([](const svc::item_ref& r, const sxtp::no_body&, sxtp::call_context&) -> sxtp::reply<svc::get_item> {
        if (r.id < 0) return svc::no_such_item{r.id};
        return svc::item{r.id, "item " + std::to_string(r.id)};
    });
    srv.handle<svc::sleep>([log](const svc::nap& n, const sxtp::no_body&, sxtp::call_context& ctx) -> asio::awaitable<std::int64_t> {
        ++log->started;
        asio::steady_timer t(co_await asio::this_coro::executor, std::chrono::milliseconds(n.ms));
        boost::system::error_code ec;
        co_await t.async_wait(asio::redirect_error(asio::use_awaitable, ec));
        if (ec || ctx.cancelled()) ++log->cancelled;
        else ++log->finished;
        co_return n.ms;
    });
}

// -- transports -----------------------------------------------------------------
enum class kind { tcp, tls, unix_socket };

inline const char* name_of(kind k) { return k == kind::tcp ? "tcp" : k == kind::tls ? "tls" : "unix"; }

inline const test_certificate& shared_certificate() {
    static const test_certificate c = make_test_certificate();
    return c;
}

inline std::string fresh_socket_path() {
    static std::atomic<int> n{0};
    return "/tmp/sxtp-test-" + std::to_string(::getpid()) + "-" + std::to_string(n++) + ".sock";
}

/// A listening address of kind `k` on loopback (port 0 / a fresh socket file).
inline sxtp::net::address loopback(kind k) {
    switch (k) {
    case kind::tcp: return *sxtp::net::parse_address("sxtp://127.0.0.1:0");
    case kind::tls: return *sxtp::net::parse_address("sxtps://127.0.0.1:0");
    case kind::unix_socket: break;
    }
    return *sxtp::net::parse_address("unix:" + fresh_socket_path());
}

/// A server of the test service on a private address.
struct harness {
    asio::io_context io;
    kind k;
    std::shared_ptr<service_log> log = std::make_shared<service_log>();
    std::unique_ptr<sxtp::server> srv;
    sxtp::net::address where;

    explicit harness(kind transport, sxtp::server_options opts = {}) : k(transport) {
        if (k == kind::tls && !opts.tls)
            opts.tls = sxtp::net::make_server_tls_context({.certificate_chain_pem = shared_certificate().certificate_pem,
                                                           .private_key_pem = shared_certificate().private_key_pem,
                                                           .certificate_chain_file = {},
                                                           .private_key_file = {}});
        srv = std::make_unique<sxtp::server>(io.get_executor(), std::move(opts));
        add_test_service(*srv, log);
        where = srv->listen(loopback(k));
    }
    ~harness() {
        if (srv) srv->stop_accepting();
    }

    /// Options for a client of this server (trusting the test certificate).
    sxtp::client_options client_options() const {
        sxtp::client_options o;
        if (k == kind::tls) o.tls = sxtp::net::make_client_tls_context({.ca_pem = shared_certificate().certificate_pem, .ca_file = {}, .insecure = false});
        return o;
    }

    /// Runs `make()`'s coroutine to completion (rethrowing what it throws);
    /// fails the test if it takes longer than `limit`.
    template <class F>
    void run(F make, std::chrono::milliseconds limit = 10s) {
        run_coroutine(io, std::move(make), limit);
    }

    /// Runs the io_context for `d` (letting connections wind down).
    void settle(std::chrono::milliseconds d) {
        io.restart();
        io.run_for(d);
        io.restart();
    }
};

} // namespace sxtp_test

#endif
