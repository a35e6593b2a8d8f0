// A program built with SXTP_SEPARATE_COMPILATION (detail/config.hpp): this
// TU registers handlers and makes typed calls; the server's and client's
// machinery comes from src.cpp. It links (no missing or duplicate symbol)
// and serves.
#include <sxtp/client/client.hpp>
#include <sxtp/server/server.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/hana/define_struct.hpp>

#include <catch2/catch.hpp>

#include <string>

namespace sep {
struct item_ref {
    BOOST_HANA_DEFINE_STRUCT(item_ref, (std::int64_t, id));
};
struct item {
    BOOST_HANA_DEFINE_STRUCT(item, (std::int64_t, id), (std::string, name));
};
struct get_item : sxtp::endpoint<"fetch", "/items/{id}"> {
    using params = item_ref;
    using result = item;
};
struct slow_item : sxtp::endpoint<"fetch", "/slow/{id}"> {
    using params = item_ref;
    using result = item;
};
} // namespace sep

#if !defined(SXTP_SEPARATE_COMPILATION) || SXTP_HEADER_DEFINITIONS
#error "test_separate must be built with SXTP_SEPARATE_COMPILATION (and without the definitions)"
#endif

TEST_CASE("separate compilation: a service TU without sxtp's definitions links and serves") {
    boost::asio::io_context io;
    sxtp::server srv(io.get_executor());
    srv.handle<sep::get_item>([](const sep::item_ref& r) { return sep::item{r.id, "plain"}; });
    srv.handle<sep::slow_item>([](const sep::item_ref& r) -> boost::asio::awaitable<sep::item> { co_return sep::item{r.id, "coroutine"}; });
    const auto where = srv.listen("sxtp://127.0.0.1:0");
    sxtp::client c(io.get_executor(), where);
    std::string plain, coroutine;
    boost::asio::co_spawn(io, [&]() -> boost::asio::awaitable<void> {
        auto a = co_await c.call<sep::get_item>({7});
        auto b = co_await c.call<sep::slow_item>({8});
        if (a.ok()) plain = a.value().name + std::to_string(a.value().id);
        if (b.ok()) coroutine = b.value().name + std::to_string(b.value().id);
        c.close();
        srv.shutdown(std::chrono::milliseconds(100));
    }, boost::asio::detached);
    io.run_for(std::chrono::seconds(10));
    CHECK(plain == "plain7");
    CHECK(coroutine == "coroutine8");
}
