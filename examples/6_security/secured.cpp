#include <sxtp/client/client.hpp>
#include <sxtp/server/server.hpp>

#include <boost/hana/define_struct.hpp>

#include <iostream>

struct account {
    BOOST_HANA_DEFINE_STRUCT(account, (std::int64_t, id));
};
struct balance : sxtp::endpoint<"fetch", "/accounts/{id}/balance"> {
    using params = account;
    using result = std::int64_t;
    using capabilities = sxtp::capabilities<"accounts:read">;  // checked before the handler runs
    static constexpr auto cache = sxtp::cache_policy::revalidate;  // :content-hash, :if-match → not-modified
};

int main() {
    sxtp::security_options security;
    security.hmac_keys = {{.id = "billing", .secrets = {"s3cret"}, .principal = "billing-service", .capabilities = {"accounts:read"}}};
    security.bearer = sxtp::security::static_tokens({{"tok-alice", {.name = "alice", .capabilities = {}}}});

    boost::asio::io_context io;
    sxtp::server_options options;
    options.security = std::make_shared<sxtp::security_policy>(security);
    sxtp::server server(io.get_executor(), options);
    server.handle<balance>([](const account& a, sxtp::call_context& ctx) -> std::int64_t {
        std::cout << "asked by " << ctx.caller().name << '\n';
        return a.id * 100;
    });
    const auto where = server.listen("sxtp://127.0.0.1:0");

    sxtp::client_options signed_calls;  // internal: every request HMAC-signed
    signed_calls.hmac = sxtp::client_options::hmac_credentials{"billing", "s3cret"};
    signed_calls.cache = std::make_shared<sxtp::response_cache>();
    sxtp::client_options public_calls;  // public: a bearer token, over sxtps:// for real
    public_calls.bearer_token = "tok-alice";
    public_calls.allow_plaintext_credentials = true;  // this demo's loopback sxtp:// (else the client refuses)
    sxtp::client billing(io.get_executor(), where, signed_calls), alice(io.get_executor(), where, public_calls);

    boost::asio::co_spawn(io, [&]() -> boost::asio::awaitable<void> {
        auto first = co_await billing.call<balance>({7});
        auto again = co_await billing.call<balance>({7});  // revalidated: not-modified, body from the cache
        std::cout << "balance: " << first.value() << ", again: " << again.value()
                  << " (revalidated " << signed_calls.cache->stats().revalidated << ")\n";
        auto refused = co_await alice.call<balance>({7});
        std::cout << "alice: " << refused.condition().type.name() << '\n';  // insufficient-capabilities
        billing.close();
        alice.close();
        server.shutdown(std::chrono::seconds(1));
    }, boost::asio::detached);
    io.run();
}
