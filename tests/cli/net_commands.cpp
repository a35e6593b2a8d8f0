// End to end: the sxtp tool (a separate process) against a server in this
// process, over TCP, TLS and a Unix socket — call, inspect, ping, subscribe
// with Ctrl-C, auth, colour, exit statuses.
#include "../support/net_harness.hpp"

#include <sxtp/sx.hpp>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <thread>
#include <vector>

using namespace sxtp;
using namespace sxtp_test;

namespace {

struct event_tick {
    static constexpr std::string_view sxtp_event = "tick";
    BOOST_HANA_DEFINE_STRUCT(event_tick, (std::int64_t, n));
};
// Emits tick events every 20 ms until cancelled; counts cancellations.
struct ticks : sxtp::endpoint<"subscribe", "/ticks"> {
    using events = sxtp::events<event_tick>;
    static constexpr bool streaming = true;
};
struct echo : sxtp::endpoint<"echo", "/echo"> {
    using body = sx::value;
    using result = sx::value;
};
struct guarded : sxtp::endpoint<"fetch", "/guarded"> {
    using result = std::string;
    using capabilities = sxtp::capabilities<"secret:read">;
};

// A tool run: its exit status and what it printed.
struct run_result {
    int status = -1;
    std::string out, err;
};

// Runs the tool with `args`; after the first line of output sends `signal_after_line` (0: none).
run_result run_tool(const std::vector<std::string>& args, int signal_after_line = 0, std::chrono::seconds limit = std::chrono::seconds(20)) {
    int out_pipe[2], err_pipe[2];
    REQUIRE(::pipe(out_pipe) == 0);
    REQUIRE(::pipe(err_pipe) == 0);
    const pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        ::dup2(out_pipe[1], 1);
        ::dup2(err_pipe[1], 2);
        ::close(out_pipe[0]);
        ::close(err_pipe[0]);
        std::vector<char*> argv;
        std::string tool = SXTP_CLI;
        argv.push_back(tool.data());
        std::vector<std::string> copy = args;
        for (auto& a : copy) argv.push_back(a.data());
        argv.push_back(nullptr);
        ::unsetenv("NO_COLOR");
        ::execv(tool.c_str(), argv.data());
        ::_exit(127);
    }
    ::close(out_pipe[1]);
    ::close(err_pipe[1]);
    run_result r;
    bool signalled = false;
    const auto until = std::chrono::steady_clock::now() + limit;
    pollfd fds[2] = {{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}};
    int open = 2;
    while (open > 0 && std::chrono::steady_clock::now() < until) {
        if (::poll(fds, 2, 100) <= 0) continue;
        for (int i = 0; i < 2; ++i) {
            if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP))) continue;
            char buf[4096];
            const ssize_t n = ::read(fds[i].fd, buf, sizeof buf);
            if (n <= 0) {
                ::close(fds[i].fd);
                fds[i].fd = -1;
                --open;
                continue;
            }
            (i == 0 ? r.out : r.err).append(buf, static_cast<std::size_t>(n));
        }
        if (signal_after_line && !signalled && r.out.find('\n') != std::string::npos) {
            ::kill(pid, signal_after_line);
            signalled = true;
        }
    }
    if (open > 0) ::kill(pid, SIGKILL);  // over the limit
    for (auto& f : fds)
        if (f.fd >= 0) ::close(f.fd);
    int wstatus = 0;
    ::waitpid(pid, &wstatus, 0);
    r.status = WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : 128 + WTERMSIG(wstatus);
    return r;
}

std::string write_temp(const std::string& name, const std::string& text) {
    const std::string path = "/tmp/sxtp-cli-test-" + std::to_string(::getpid()) + "-" + name;
    std::ofstream(path, std::ios::binary) << text;
    return path;
}

// Without a policy, the test service's guarded route is served unchecked
// (the server would otherwise refuse to listen).
inline server_options trusted_unless_secured(server_options o) {
    if (!o.security) o.trusted_network = true;
    return o;
}

// The test server, running on its own thread for the test's life.
struct live_server {
    std::shared_ptr<std::atomic<int>> cancelled = std::make_shared<std::atomic<int>>(0);
    harness h;
    std::thread thread;

    explicit live_server(kind k, server_options o = {}) : h(k, trusted_unless_secured(std::move(o))) {
        h.srv->handle<echo>([](const no_params&, const sx::value& b, call_context&) -> sx::value { return b; });
        h.srv->handle_raw("navigate", "/page", [](const request& req, call_context&) {  // answers the :host it was sent
            response r;
            r.body = sx::value::list(sx::value::make_symbol_unchecked("page"), req.headers && req.headers->host ? *req.headers->host : "");
            return r;
        });
        h.srv->handle<guarded>([](const no_params&, const no_body&, call_context& ctx) -> std::string { return "hello " + ctx.caller().name; });
        h.srv->handle<ticks>([c = cancelled](const no_params&, const no_body&, sxtp::stream<ticks>& out) -> asio::awaitable<void> {
            for (std::int64_t n = 1;; ++n) {
                if (!co_await out.emit(event_tick{n})) break;
                asio::steady_timer t(co_await asio::this_coro::executor, std::chrono::milliseconds(20));
                boost::system::error_code ec;
                co_await t.async_wait(asio::redirect_error(asio::use_awaitable, ec));
                if (ec || out.cancelled()) break;
            }
            ++*c;
        });
        thread = std::thread([this] {
            auto guard = asio::make_work_guard(h.io);
            h.io.run_for(std::chrono::seconds(60));
        });
    }
    ~live_server() {
        h.io.stop();
        thread.join();
    }
    std::string uri(std::string path = "/") const {
        if (h.k == kind::unix_socket) return h.where.to_string();
        auto a = h.where;
        a.path = std::move(path);
        return a.to_string();
    }
};

} // namespace

TEST_CASE("cli: call, inspect and ping over every transport") {
    const kind k = GENERATE(kind::tcp, kind::tls, kind::unix_socket);
    INFO(name_of(k));
    live_server s(k);
    std::vector<std::string> extra;
    if (k == kind::tls) extra = {"--cacert", write_temp("ca.pem", shared_certificate().certificate_pem)};
    auto with = [&](std::vector<std::string> args) {
        args.insert(args.end(), extra.begin(), extra.end());
        if (k == kind::unix_socket) args.insert(args.end(), {"--path", "/echo"});
        return args;
    };

    auto ok = run_tool(with({"call", s.uri("/echo"), "echo", "--body", "{:b (1 2) :a \"x\"}"}));
    CHECK(ok.status == 0);
    CHECK(ok.out == "{:a \"x\" :b (1 2)}\n");  // piped: no colour

    auto ins = run_tool(with({"inspect", s.uri("/echo")}));
    CHECK(ins.status == 0);
    CHECK(ins.out.find(":available-verbs (echo inspect)") != std::string::npos);

    auto ping = run_tool(with({"ping", s.uri("/"), "--count", "3"}));
    CHECK(ping.status == 0);
    CHECK(ping.out.find("seq=3 time=") != std::string::npos);
}

TEST_CASE("cli: health prints serving and exits 0, otherwise not; inspect on / lists the routes") {
    live_server s(kind::tcp);
    s.h.srv->set_health("down-svc", false);
    auto up = run_tool({"health", s.uri("/")});
    CHECK(up.status == 0);
    CHECK(up.out == "serving\n");
    auto down = run_tool({"health", s.uri("/"), "--service", "down-svc"});
    CHECK(down.status != 0);
    CHECK(down.out == "not-serving\n");
    auto unknown = run_tool({"health", s.uri("/"), "--service", "no-such"});
    CHECK(unknown.status == 4);
    auto routes = run_tool({"inspect", s.uri("/")});
    CHECK(routes.status == 0);
    CHECK(routes.out.find(":routes") != std::string::npos);
    CHECK(routes.out.find(":path \"/echo\"") != std::string::npos);
    CHECK(routes.out.find(":path \"/guarded\"") != std::string::npos);
}

TEST_CASE("cli: metrics prints the server's Prometheus text, and an error where there is none") {
    server_options o;
    o.metrics = true;
    live_server s(kind::tcp, o);
    run_tool({"ping", s.uri("/")});
    auto m = run_tool({"metrics", s.uri("/")});
    CHECK(m.status == 0);
    CHECK(m.out.rfind("# HELP sxtp_server_requests_total", 0) == 0);
    CHECK(m.out.find("sxtp_server_requests_total{verb=\"ping\",route=\"\",status=\"ok\"} 1") != std::string::npos);
    live_server without(kind::tcp);
    auto none = run_tool({"metrics", without.uri("/")});
    CHECK(none.status == 4);  // not-found: the route exists only with metrics on
}

TEST_CASE("cli: bad input, refusals and unreachable servers have their exit statuses") {
    live_server s(kind::tcp);
    auto bad_sx = run_tool({"call", s.uri("/echo"), "echo", "--body", "{:b [1]}"});
    CHECK(bad_sx.status == 1);
    CHECK(bad_sx.err.find("--body") != std::string::npos);
    CHECK(bad_sx.err.find("offset 4") != std::string::npos);

    auto missing = run_tool({"call", s.uri("/nowhere"), "fetch"});
    CHECK(missing.status == 4);
    CHECK(missing.err.find("status: not-found") != std::string::npos);
    CHECK(missing.err.find("resource-not-found") != std::string::npos);

    auto no_body = run_tool({"call", s.uri("/echo"), "echo"});
    CHECK(no_body.status == 4);
    CHECK(no_body.err.find("invalid-params") != std::string::npos);

    // a closed port on loopback: nothing listens there once the server is gone
    std::string dead;
    {
        live_server gone(kind::tcp);
        dead = gone.uri("/echo");
    }
    auto unreachable = run_tool({"call", dead, "echo", "--body", "1"});
    CHECK(unreachable.status == 3);
    CHECK(unreachable.err.find("connection-failed") != std::string::npos);

    auto usage = run_tool({"call"});
    CHECK(usage.status == 2);
    auto too_many = run_tool({"call", s.uri("/echo"), "echo", "extra"});
    CHECK(too_many.status == 2);
    auto bad_uri = run_tool({"ping", "http://example.com/"});
    CHECK(bad_uri.status == 2);
    auto help = run_tool({"call", "--help"});
    CHECK(help.status == 0);
    CHECK(help.out.find("--auth hmac:KEYID:SECRETFILE") != std::string::npos);
}

TEST_CASE("cli: a URI alone navigates") {
    live_server s(kind::tcp);
    auto alone = run_tool({s.uri("/page")});
    CHECK(alone.status == 0);
    CHECK(alone.out == "(page \"127.0.0.1\")\n");  // :headers {:host …} as SPEC §9 says
    auto call = run_tool({"call", s.uri("/page")});
    CHECK(call.out == alone.out);
}

TEST_CASE("cli: --full, headers, capabilities and colour") {
    live_server s(kind::tcp);
    auto full = run_tool({"call", s.uri("/echo"), "echo", "--body", "7", "--full", "--header", "accept=\"text/sx\""});
    CHECK(full.status == 0);
    CHECK(full.out == "(response :status ok :body 7)\n");

    auto coloured = run_tool({"call", s.uri("/echo"), "echo", "--body", "{:a \"x\" :n 1 :t true}", "--color"});
    CHECK(coloured.status == 0);
    CHECK(coloured.out.find("\x1b[32m\"x\"\x1b[0m") != std::string::npos);   // strings green
    CHECK(coloured.out.find("\x1b[36m:a\x1b[0m") != std::string::npos);      // keywords cyan
    CHECK(coloured.out.find("\x1b[33m1\x1b[0m") != std::string::npos);       // numbers yellow
    CHECK(coloured.out.find("\x1b[35mtrue\x1b[0m") != std::string::npos);    // true magenta

    auto bad_header = run_tool({"call", s.uri("/echo"), "echo", "--body", "1", "--header", "timeout-ms=\"soon\""});
    CHECK(bad_header.status == 1);
    CHECK(bad_header.err.find(":timeout-ms") != std::string::npos);
    auto bad_cap = run_tool({"call", s.uri("/echo"), "echo", "--body", "1", "--cap", "not a symbol"});
    CHECK(bad_cap.status == 1);
}

TEST_CASE("cli: --auth signs with HMAC or sends a bearer token") {
    security_options sec;
    sec.hmac_keys = {{"ops", {"cli-s3cret"}, "ops-team", {"secret:read"}}};
    sec.bearer = security::static_tokens({{"tok-cli", principal{"carol", {"secret:read"}, true}}});
    server_options o;
    o.security = std::make_shared<security_policy>(std::move(sec));
    live_server s(kind::tcp, o);
    const std::string secret_file = write_temp("secret", "cli-s3cret\n");

    auto anonymous = run_tool({"call", s.uri("/guarded"), "fetch"});
    CHECK(anonymous.status == 4);
    CHECK(anonymous.err.find("unauthenticated") != std::string::npos);

    auto hmac = run_tool({"call", s.uri("/guarded"), "fetch", "--auth", "hmac:ops:" + secret_file});
    CHECK(hmac.status == 0);
    CHECK(hmac.out == "\"hello ops-team\"\n");

    // A bearer token over sxtp:// is refused unless the caller says so.
    auto plaintext = run_tool({"call", s.uri("/guarded"), "fetch", "--auth", "bearer:tok-cli"});
    CHECK(plaintext.status != 0);
    CHECK(plaintext.err.find("sxtps://") != std::string::npos);
    CHECK(plaintext.err.find("tok-cli") == std::string::npos);

    auto bearer = run_tool({"call", s.uri("/guarded"), "fetch", "--auth", "bearer:tok-cli", "--plaintext-credentials"});
    CHECK(bearer.status == 0);
    CHECK(bearer.out == "\"hello carol\"\n");

    auto more = run_tool({"call", s.uri("/guarded"), "fetch", "--auth", "bearer:tok-cli", "--plaintext-credentials", "--cap", "admin"});
    CHECK(more.status == 4);
    CHECK(more.err.find("insufficient-capabilities") != std::string::npos);

    auto no_file = run_tool({"call", s.uri("/guarded"), "fetch", "--auth", "hmac:ops:/nonexistent/secret"});
    CHECK(no_file.status == 1);
    CHECK(no_file.err.find("cli-s3cret") == std::string::npos);
    std::remove(secret_file.c_str());
}

TEST_CASE("cli: subscribe prints events as they arrive and Ctrl-C cancels and exits 0") {
    live_server s(kind::tcp);
    auto r = run_tool({"subscribe", s.uri("/ticks")}, SIGINT);
    CHECK(r.status == 0);
    CHECK(r.out.rfind("(event :type tick :body {:n 1})\n", 0) == 0);
    // the server saw the cancel: its handler ended
    for (int i = 0; i < 100 && *s.cancelled == 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(20));
    CHECK(*s.cancelled == 1);

    auto wrong = run_tool({"subscribe", s.uri("/echo")});
    CHECK(wrong.status == 4);
}
