// The server the hostile suite attacks, in a process of its own (so that the
// tests can read its memory from /proc and its sanitizer reports from its
// stderr): spec_tour-like endpoints — a plain typed handler, a coroutine
// handler, a typed body, an event stream that never ends — and, with
// --secure, an HMAC key, bearer tokens, capability grants and an endpoint
// that needs a capability.
//
// usage: hostile_server [--secure] [--frame-read-timeout MS] [--idle-timeout MS]
// Prints "port N" when it listens on 127.0.0.1; on SIGTERM or SIGINT shuts
// down (1 s drain), prints "stats KIND=N ..." and exits 0. The log sink
// writes to stderr, each line prefixed "log: ".
#include <sxtp/server/server.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/hana/define_struct.hpp>

#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>

namespace hostile {

using sxtp::sx::value;

struct item_ref {
    BOOST_HANA_DEFINE_STRUCT(item_ref, (std::int64_t, id));
};
struct item {
    BOOST_HANA_DEFINE_STRUCT(item, (std::int64_t, id), (std::string, name), (std::int64_t, stock));
};
struct get_item : sxtp::endpoint<"fetch", "/items/{id}"> {
    using params = item_ref;
    using result = item;
};
struct get_item_later : sxtp::endpoint<"fetch", "/later/{id}"> {
    using params = item_ref;
    using result = item;
};
struct nap {
    BOOST_HANA_DEFINE_STRUCT(nap, (std::int64_t, ms));
};
struct sleep : sxtp::endpoint<"query", "/sleep"> {
    using params = nap;
    using result = std::int64_t;
};
struct new_post {
    BOOST_HANA_DEFINE_STRUCT(new_post, (std::string, title), (value, body), (std::vector<std::string>, tags));
};
struct created_post {
    BOOST_HANA_DEFINE_STRUCT(created_post, (std::string, id), (std::string, path), (std::int64_t, created_at));
};
struct create_post : sxtp::endpoint<"create", "/blog/posts"> {
    using body = new_post;
    using result = created_post;
    static constexpr auto success = sxtp::status_code::created;
};
struct tick {
    static constexpr std::string_view sxtp_event = "tick";
    BOOST_HANA_DEFINE_STRUCT(tick, (std::int64_t, n));
};
struct live : sxtp::endpoint<"subscribe", "/events/live"> {
    using events = sxtp::events<tick>;
    static constexpr bool streaming = true;
};
struct secret : sxtp::endpoint<"fetch", "/vault"> {
    using result = std::string;
    using capabilities = sxtp::capabilities<"vault:read">;
};
struct grant_me : sxtp::endpoint<"fetch", "/grant"> {
    using result = std::string;
};

void serve(sxtp::server& srv) {
    srv.handle<get_item>([](const item_ref& r, const sxtp::no_body&, sxtp::call_context&) -> item { return {r.id, "item", 7}; });
    srv.handle<get_item_later>([](const item_ref& r, const sxtp::no_body&, sxtp::call_context&) -> boost::asio::awaitable<item> {
        co_return item{r.id, "later", 3};
    });
    srv.handle<sleep>([](const nap& n, const sxtp::no_body&, sxtp::call_context&) -> boost::asio::awaitable<std::int64_t> {
        boost::asio::steady_timer t(co_await boost::asio::this_coro::executor, std::chrono::milliseconds(std::clamp<std::int64_t>(n.ms, 0, 60000)));
        boost::system::error_code ec;
        co_await t.async_wait(boost::asio::redirect_error(boost::asio::use_awaitable, ec));
        co_return n.ms;
    });
    srv.handle<create_post>([](const sxtp::no_params&, const new_post& p, sxtp::call_context&) -> created_post {
        return {"post-1", "/blog/posts/" + std::to_string(p.title.size()), 1711612800};
    });
    srv.handle<live>([](const sxtp::no_params&, const sxtp::no_body&, sxtp::stream<live>& out) -> boost::asio::awaitable<void> {
        if (!co_await out.emit(tick{0})) co_return;
        boost::asio::steady_timer idle(co_await boost::asio::this_coro::executor, std::chrono::hours(24));
        boost::system::error_code ec;
        co_await idle.async_wait(boost::asio::redirect_error(boost::asio::use_awaitable, ec));
    });
    if (!srv.security()) return;  // a route that needs capabilities is served only with a policy to check them
    srv.handle<secret>([](const sxtp::no_params&, const sxtp::no_body&, sxtp::call_context&) -> std::string { return "gold"; });
    srv.handle<grant_me>([&srv](const sxtp::no_params&, const sxtp::no_body&, sxtp::call_context& ctx) -> std::string {
        if (srv.security()) {
            if (!ctx.set_cookie) ctx.set_cookie.emplace();
            ctx.set_cookie->emplace(sxtp::security_policy::grant_cookie_name(),
                                    srv.security()->issue_grant("tester", {"vault:read"}, std::chrono::seconds(600)));
        }
        return "granted";
    });
}

} // namespace hostile

int main(int argc, char** argv) {
    bool secure = false;
    sxtp::server_options options;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "--secure") {
            secure = true;
        } else if (a == "--frame-read-timeout" && i + 1 < argc) {
            options.frame_read_timeout = std::chrono::milliseconds(std::atoll(argv[++i]));
        } else if (a == "--idle-timeout" && i + 1 < argc) {
            options.idle_timeout = std::chrono::milliseconds(std::atoll(argv[++i]));
        } else {
            std::cerr << "usage: hostile_server [--secure] [--frame-read-timeout MS] [--idle-timeout MS]\n";
            return 2;
        }
    }
    options.log = [](std::string_view m) { std::cerr << "log: " << m << '\n'; };
    options.heartbeat_interval = std::chrono::seconds(1);
    if (secure) {
        sxtp::security_options s;
        s.hmac_keys = {{.id = "k1", .secrets = {"s3cret"}, .principal = "service-1", .capabilities = {"vault:read"}},
                       {.id = "k2", .secrets = {"other"}, .principal = "service-2", .capabilities = {}}};
        s.bearer = sxtp::security::static_tokens({{"tok-alice", {.name = "alice", .capabilities = {}}}});
        options.security = std::make_shared<sxtp::security_policy>(s);
    }
    boost::asio::io_context io;
    sxtp::server srv(io.get_executor(), options);
    hostile::serve(srv);
    const auto where = srv.listen("sxtp://127.0.0.1:0");
    std::cout << "port " << where.port << std::endl;
    boost::asio::signal_set signals(io, SIGTERM, SIGINT);
    signals.async_wait([&](boost::system::error_code, int) { srv.shutdown(std::chrono::seconds(1)); });
    io.run();
    const auto st = srv.stats();
    std::cout << "stats accepted=" << st.connections_accepted;
    for (std::size_t i = 0; i < st.events.size(); ++i)
        std::cout << ' ' << sxtp::name_of(static_cast<sxtp::server_event>(i)) << '=' << st.events[i];
    std::cout << std::endl;
    return 0;
}
