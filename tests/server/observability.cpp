// Health (like grpc.health.v1) and the route listing (inspect on "/").
#include "../support/net_harness.hpp"

#include <sxtp/sx.hpp>

using namespace sxtp;
using namespace sxtp_test;

namespace {
request health_request(std::optional<std::string> service = std::nullopt) {
    request r;
    r.verb = sx::symbol("health");
    r.path = "/";
    if (service) r.params = sx::value::dict(sx::value::make_keyword_unchecked("service"), sx::value(*service));
    return r;
}
std::string status_of(const response& r) {
    if (!r.status.is_success() || !r.body || !r.body->is_dict() || !r.body->find("status")) return std::string(r.status.name());
    return std::string(r.body->find("status")->name());
}
} // namespace

TEST_CASE("health: serving, per service, unknown services, and not-serving once a shutdown starts") {
    harness h(kind::tcp);
    h.srv->set_health("billing", true);
    h.srv->set_health("reports", false);
    client c(h.io.get_executor(), h.where, h.client_options());
    client during(h.io.get_executor(), h.where, h.client_options());
    h.run([&]() -> asio::awaitable<void> {
        const auto got0 = co_await c.call_raw(health_request());  // (not inside a Catch macro: g++ 12 would await it again)
        CHECK(status_of(got0) == "serving");
        const auto got1 = co_await c.call_raw(health_request("billing"));  // (not inside a Catch macro: g++ 12 would await it again)
        CHECK(status_of(got1) == "serving");
        const auto got2 = co_await c.call_raw(health_request("reports"));  // (not inside a Catch macro: g++ 12 would await it again)
        CHECK(status_of(got2) == "not-serving");
        const response unknown = co_await c.call_raw(health_request("nope"));
        CHECK(unknown.status.code() == status_code::not_found);
        // a connection open before the shutdown, a request still running
        const auto got3 = co_await during.call_raw(health_request());  // (not inside a Catch macro: g++ 12 would await it again)
        CHECK(status_of(got3) == "serving");
        svc::nap long_nap{3000};
        asio::co_spawn(h.io, [&]() -> asio::awaitable<void> { (void)co_await during.call<svc::sleep>(long_nap); }, asio::detached);
        asio::steady_timer t(h.io, std::chrono::milliseconds(50));
        co_await t.async_wait(asio::use_awaitable);
        h.srv->shutdown(std::chrono::seconds(5));
        t.expires_after(std::chrono::milliseconds(50));
        co_await t.async_wait(asio::use_awaitable);
        const auto got4 = co_await during.call_raw(health_request());  // (not inside a Catch macro: g++ 12 would await it again)
        CHECK(status_of(got4) == "not-serving");
        const auto got5 = co_await during.call_raw(health_request("billing"));  // (not inside a Catch macro: g++ 12 would await it again)
        CHECK(status_of(got5) == "not-serving");
    });
}

TEST_CASE("inspect on / lists every route with its verb, path, capabilities and schemas") {
    harness h(kind::tcp);
    client c(h.io.get_executor(), h.where, h.client_options());
    h.run([&]() -> asio::awaitable<void> {
        request r;
        r.verb = sx::symbol("inspect");
        r.path = "/";
        const response a = co_await c.call_raw(r);
        REQUIRE(a.status.code() == status_code::ok);
        REQUIRE(a.body);
        const sx::value* routes = a.body->find("routes");
        REQUIRE(routes);
        REQUIRE(routes->size() == 2);  // the test service: fetch /items/{id}, query /sleep
        std::vector<std::string> seen;
        for (const sx::value& d : routes->items()) {
            seen.push_back(std::string(d.find("verb")->name()) + " " + std::string(d.find("path")->as_string()));
            CHECK(d.find("params-schema"));
            CHECK(d.find("result-schema"));
            CHECK(d.find("required-capabilities"));
        }
        std::sort(seen.begin(), seen.end());
        CHECK(seen == std::vector<std::string>{"fetch /items/{id}", "query /sleep"});
    });
}
