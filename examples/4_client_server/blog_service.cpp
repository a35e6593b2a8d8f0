// blog_service: the blog API of examples/2_endpoints served and called over
// a socket. The server and the client include the same endpoint header, so a
// call that does not match a declaration does not compile on either side.
//
//   blog_service                       # server and client in one process, on a private Unix socket
//   blog_service serve ADDRESS         # only the server (prints "listening on ADDRESS")
//   blog_service call ADDRESS          # only the client, against a running server
#include "../2_endpoints/blog_api.hpp"

#include <sxtp/client/client.hpp>
#include <sxtp/server/server.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include <iostream>
#include <map>
#include <unistd.h>

namespace {

// The service: an in-memory blog.
// The blog's endpoints declare capabilities; this demo serves them
// unchecked (no security policy: see examples/6_security for checking them).
sxtp::server_options demo_options() {
    sxtp::server_options o;
    o.trusted_network = true;
    return o;
}

void serve(sxtp::server& srv, std::map<std::string, blog_api::post>& posts) {
    using namespace blog_api;
    srv.handle<get_post>([&](const post_ref& r, const sxtp::no_body&, sxtp::call_context&) -> sxtp::reply<get_post> {
        auto it = posts.find(r.id);
        if (it == posts.end()) return post_not_found{r.id};
        return it->second;
    });
    srv.handle<create_post>([&](const sxtp::no_params&, const new_post& n, sxtp::call_context& ctx) -> post {
        post p{"post-" + std::to_string(posts.size() + 1), n.title, n.tags, std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now())};
        posts.emplace(p.id, p);
        ctx.response_headers.emplace();
        ctx.response_headers->location = "/blog/posts/" + p.id;
        return p;
    });
    srv.handle<list_posts>([&](const page& pg, const sxtp::no_body&, sxtp::call_context&) -> std::vector<post> {
        std::vector<post> out;
        for (const auto& [id, p] : posts)
            if (!pg.after || id > *pg.after) out.push_back(p);
        if (pg.per_page && out.size() > static_cast<std::size_t>(*pg.per_page)) out.resize(static_cast<std::size_t>(*pg.per_page));
        return out;
    });
}

// The client: create, fetch, list, and a fetch that fails with the declared condition.
boost::asio::awaitable<bool> use(sxtp::client& c) {
    using namespace blog_api;
    // Arguments are named first: g++ 12 destroys a temporary with a
    // destructor twice when it sits in the co_await expression itself.
    new_post hello;
    hello.title = "Hello, SXTP";
    hello.tags = {"intro"};
    auto created = co_await c.call<create_post>({}, hello);
    if (!created.ok()) {
        std::cout << "create failed: " << created.condition().type.name() << '\n';
        co_return false;
    }
    std::cout << "created " << created.value().id << " \"" << created.value().title << "\"\n";
    const post_ref ref{created.value().id};
    auto fetched = co_await c.call<get_post>(ref);
    std::cout << "fetched " << (fetched.ok() ? fetched.value().title : "nothing") << '\n';
    auto listed = co_await c.call<list_posts>({.per_page = 10, .after = std::nullopt});
    std::cout << "listed " << (listed.ok() ? listed.value().size() : 0) << " post(s)\n";
    const post_ref nowhere{"no-such-post"};
    auto missing = co_await c.call<get_post>(nowhere);
    if (auto nf = sxtp::condition_as<post_not_found>(missing.condition()); !missing.ok() && nf)
        std::cout << "fetch no-such-post: " << sxtp::to_symbol_name(missing.status()) << " / post-not-found " << nf->id << '\n';
    co_return fetched.ok() && listed.ok() && !missing.ok();
}

} // namespace

int main(int argc, char** argv) {
    const std::string mode = argc > 1 ? argv[1] : "both";
    boost::asio::io_context io;
    std::map<std::string, blog_api::post> posts;
    try {
        if (mode == "serve" && argc == 3) {
            sxtp::server srv(io.get_executor(), demo_options());
            serve(srv, posts);
            std::cout << "listening on " << srv.listen(argv[2]).to_string() << std::endl;
            boost::asio::signal_set signals(io, SIGINT, SIGTERM);
            signals.async_wait([&](boost::system::error_code, int) { srv.shutdown(std::chrono::seconds(5), [&] { io.stop(); }); });
            io.run();
            return 0;
        }
        if (mode != "both" && !(mode == "call" && argc == 3)) {
            std::cerr << "usage: blog_service [serve ADDRESS | call ADDRESS]\n";
            return 2;
        }
        std::optional<sxtp::server> srv;
        std::string address = argc == 3 ? argv[2] : "";
        if (mode == "both") {
            srv.emplace(io.get_executor(), demo_options());
            serve(*srv, posts);
            address = srv->listen("unix:/tmp/blog-service-" + std::to_string(::getpid()) + ".sock").to_string();
            std::cout << "serving on " << address << '\n';
        }
        sxtp::client client(io.get_executor(), address);
        bool ok = false;
        boost::asio::co_spawn(io, use(client), [&](std::exception_ptr e, bool r) {
            ok = !e && r;
            client.close();
            if (srv) srv->shutdown(std::chrono::seconds(1), [&] { io.stop(); });
            else io.stop();
        });
        io.run();
        return ok ? 0 : 1;
    } catch (const std::exception& e) {
        std::cerr << "blog_service: " << e.what() << '\n';
        return 1;
    }
}
