// mesh_demo: three services — blog, relations, market — find each other
// through a private redis-server and call each other over SXTP: a data
// fetch (blog asks relations while answering), an action, a fragment that
// brings its component definitions along, and an activity delivered to an
// inbox. Prints what happens.
//
//   mesh_demo [REDIS_SERVER_BINARY]      (default: redis-server on the PATH)
#include <sxtp/mesh/internal.hpp>
#include <sxtp/sx.hpp>

#include <boost/asio/io_context.hpp>

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <iostream>
#include <thread>

namespace asio = boost::asio;
using sxtp::sx::value;
using namespace sxtp::mesh;

namespace {

// A redis-server of our own on a free loopback port, stopped with the demo.
struct private_redis {
    unsigned short port = 0;
    pid_t pid = -1;
    explicit private_redis(const char* binary) {
        asio::io_context io;
        asio::ip::tcp::acceptor a(io, {asio::ip::make_address("127.0.0.1"), 0});
        port = a.local_endpoint().port();
        a.close();
        pid = ::fork();
        if (pid == 0) {
            const int null = ::open("/dev/null", O_WRONLY);
            ::dup2(null, 1);
            ::dup2(null, 2);
            const std::string p = std::to_string(port);
            ::execlp(binary, binary, "--port", p.c_str(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", static_cast<char*>(nullptr));
            ::_exit(127);
        }
        for (int i = 0; i < 500; ++i) {  // up to 5 s
            asio::ip::tcp::socket s(io);
            boost::system::error_code ec;
            s.connect({asio::ip::make_address("127.0.0.1"), port}, ec);
            if (!ec) return;
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
        throw std::runtime_error("redis-server did not start");
    }
    ~private_redis() {
        if (pid > 0) {
            ::kill(pid, SIGTERM);
            ::waitpid(pid, nullptr, 0);
        }
    }
};

// One service: its server, its registry entry, and a mesh client to call the others.
struct service {
    std::string name;
    sxtp::server srv;
    registry reg;
    mesh_client mesh;
    service(asio::io_context& io, std::string n, unsigned short redis_port)
        : name(std::move(n)), srv(io.get_executor()), reg(io.get_executor(), redis_options{.port = redis_port}), mesh(io.get_executor(), reg) {}
    asio::awaitable<void> start() {
        const auto where = srv.listen("sxtp://127.0.0.1:0");
        const std::string id = co_await reg.announce(name, "127.0.0.1", where.port);
        std::cout << "  " << name << " listens on " << where.to_string() << ", registered as mesh:service:" << name << ":" << id << '\n';
    }
};

} // namespace

int main(int argc, char** argv) {
    try {
        private_redis redis(argc > 1 ? argv[1] : "redis-server");
        std::cout << "redis-server on 127.0.0.1:" << redis.port << " (private to this demo)\n";
        asio::io_context io;
        service blog(io, "blog", redis.port), relations(io, "relations", redis.port), market(io, "market", redis.port);

        // relations: which posts relate to which, and an action to relate two.
        auto links = std::make_shared<std::map<std::string, std::vector<std::string>>>();
        (*links)["post-1"] = {"post-7"};
        serve_data(relations.srv, "related", [links](const value& params, sxtp::call_context&) -> value {
            value out = value::make_list();
            for (const auto& p : (*links)[std::string(params.find("post")->as_string())]) out.push_back(p);
            return out;
        });
        serve_action(relations.srv, "relate", [links](const value& body, sxtp::call_context& ctx) -> value {
            (*links)[std::string(body.find("from")->as_string())].push_back(std::string(body.find("to")->as_string()));
            std::cout << "  relations: related " << sxtp::sx::canonical(body) << " (asked by " << ctx.peer << ")\n";
            return value(true);
        });

        // blog: a post, answered with what relations says about it; a nav fragment; an inbox.
        serve_data(blog.srv, "post", [&blog](const value& params, sxtp::call_context&) -> asio::awaitable<value> {
            const std::string id(params.find("id")->as_string());
            const auto related = co_await fetch_data(blog.mesh, "relations", "related", value::dict(value::make_keyword_unchecked("post"), id));
            co_return value::list(value::make_symbol_unchecked("post"), value::make_keyword_unchecked("id"), id, value::make_keyword_unchecked("related"),
                                  related.body ? *related.body : value());
        });
        auto components = std::make_shared<component_registry>();
        components->add(sxtp::sx::read("(defcomp ~blog-nav-wrapper (&key items) (nav (~header-row :title \"Blog\") (ul items)))"));
        components->add(sxtp::sx::read("(defcomp ~blog-nav-item-link (&key href label) (li (a :href href label)))"));
        components->add(sxtp::sx::read("(defcomp ~header-row (&key title) (h2 title))"));
        serve_fragment(blog.srv, "nav-tree", components, [](const value&, sxtp::call_context&) -> value {
            return sxtp::sx::read("(~blog-nav-wrapper :items ((~blog-nav-item-link :href \"/posts/1\" :label \"First post\")))");
        });
        serve_inbox(blog.srv, [](const value& activity, sxtp::call_context&) -> sxtp::response {
            std::cout << "  blog inbox: " << sxtp::sx::canonical(activity) << '\n';
            sxtp::response r;
            r.status = sxtp::status_code::accepted;
            return r;
        });

        asio::co_spawn(io, [&]() -> asio::awaitable<void> {
            std::cout << "\n1. Three services start and register in Redis\n";
            co_await blog.start();
            co_await relations.start();
            co_await market.start();

            std::cout << "\n2. market fetches a post from blog; blog asks relations while answering (fetch_data)\n";
            auto post = co_await fetch_data(market.mesh, "blog", "post", sxtp::sx::read("{:id \"post-1\"}"));
            std::cout << "  market got: " << sxtp::sx::canonical(*post.body) << '\n';

            std::cout << "\n3. market relates two posts (call_action), then fetches again\n";
            auto done = co_await call_action(market.mesh, "relations", "relate", sxtp::sx::read("{:from \"post-1\" :to \"post-9\"}"));
            (void)done;
            post = co_await fetch_data(market.mesh, "blog", "post", sxtp::sx::read("{:id \"post-1\"}"));
            std::cout << "  market got: " << sxtp::sx::canonical(*post.body) << '\n';

            std::cout << "\n4. market fetches blog's nav fragment with the component definitions it lacks (fetch_fragment)\n";
            component_registry market_components;
            auto nav = co_await fetch_fragment(market.mesh, "blog", "nav-tree", value(), market_components);
            std::cout << "  content: " << sxtp::sx::canonical(*nav.body) << '\n';
            std::cout << "  market now has " << market_components.size() << " definitions: " << sxtp::sx::canonical(market_components.names()) << '\n';
            const std::size_t before = market_components.size();
            nav = co_await fetch_fragment(market.mesh, "blog", "nav-tree", value(), market_components);
            std::cout << "  asked again: " << market_components.size() - before << " new definitions (:defs ())\n";

            std::cout << "\n5. relations delivers an activity to blog's inbox (send_internal_activity)\n";
            auto delivered = co_await send_internal_activity(relations.mesh, "blog",
                                                             sxtp::sx::read("(activity :type \"Relate\" :object \"post-1\" :target \"post-9\")"));
            std::cout << "  answer: " << delivered.status.name() << '\n';

            std::cout << "\n6. Everyone leaves gracefully (DEL from Redis, drain)\n";
            for (service* s : {&blog, &relations, &market}) {
                co_await s->reg.withdraw();
                s->srv.shutdown(std::chrono::seconds(1));
            }
            registry look(io.get_executor(), redis_options{.port = redis.port});
            const auto left = co_await look.discover("blog");
            std::cout << "  blog nodes left in Redis: " << left.size() << "\ndone\n";
        }, [&](std::exception_ptr e) {
            if (e) std::rethrow_exception(e);
            io.stop();
        });
        io.run_for(std::chrono::seconds(30));
    } catch (const std::exception& e) {
        std::cerr << "mesh_demo: " << e.what() << '\n';
        return 1;
    }
}
