// One server of bench_rpc, in a process of its own (bench_rpc starts it
// under `taskset -c 0`): prints the port it listens on (127.0.0.1), then
// serves on one thread until its standard input closes.
//
//   bench_rpc_server sxtp [--interceptor]   the four calls of rpc_calls.hpp (typed handlers)
//   bench_rpc_server raw CALL               the limit: reads frames, answers each with the
//                                           sxtp server's answer bytes to CALL (its tag put in)
//   bench_rpc_server beast                  Beast HTTP/1.1 keep-alive + Boost.JSON
//   bench_rpc_server grpc                   gRPC 1.51, async completion queue, one poller
#include "grpc_unary.hpp"
#include "http_json.hpp"
#include "rpc_calls.hpp"

#include <sxtp/server/server.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <boost/json/src.hpp>

#include <unistd.h>

#include <charconv>
#include <cstdio>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

namespace asio = boost::asio;
namespace http = boost::beast::http;
namespace json = boost::json;
using tcp = asio::ip::tcp;
using bench_calls::call;

namespace {

// -- the raw limit ----------------------------------------------------------------
// Each whole frame read is answered with answers[tag]: no decoding, no
// allocation per call, one write per read.
asio::awaitable<void> raw_session(tcp::socket s, const std::vector<std::string>& answers) {
    std::string in;
    std::string out;
    std::vector<char> buf(64 << 10);
    for (;;) {
        boost::system::error_code ec;
        const std::size_t n = co_await s.async_read_some(asio::buffer(buf), asio::redirect_error(asio::use_awaitable, ec));
        if (ec) co_return;
        in.append(buf.data(), n);
        std::size_t at = 0;
        for (;;) {
            const std::size_t nl = in.find('\n', at);
            if (nl == std::string::npos) break;
            std::size_t len = 0;
            std::from_chars(in.data() + at, in.data() + nl, len);
            if (in.size() - nl - 1 < len) break;
            const std::string_view payload(in.data() + nl + 1, len);
            std::size_t tag = 0;
            if (const auto t = payload.find(":tag "); t != std::string_view::npos)
                std::from_chars(payload.data() + t + 5, payload.data() + payload.size(), tag);
            out += answers.at(tag);
            at = nl + 1 + len;
        }
        in.erase(0, at);
        if (out.empty()) continue;
        co_await asio::async_write(s, asio::buffer(out), asio::redirect_error(asio::use_awaitable, ec));
        if (ec) co_return;
        out.clear();
    }
}

// -- Beast HTTP/1.1 + JSON ----------------------------------------------------------
asio::awaitable<void> http_session(tcp::socket s) {
    boost::beast::flat_buffer buf;
    for (;;) {
        http::request<http::string_body> req;
        boost::system::error_code ec;
        co_await http::async_read(s, buf, req, asio::redirect_error(asio::use_awaitable, ec));
        if (ec) co_return;
        const std::string_view target = req.target();
        http::response<http::string_body> res{http::status::ok, req.version()};
        res.keep_alive(req.keep_alive());
        if (target == "/orders" && req.method() == http::verb::post) {
            const auto o = json::value_to<bench_http::order>(json::parse(req.body()));
            std::int64_t total = 0;
            for (const auto& l : o.lines) total += l.quantity * l.price_cents;
            res.set(http::field::content_type, "application/json");
            res.body() = json::serialize(json::value_from(bench_http::receipt{1001, total, "accepted"}));
        } else if (target != "/ping") {
            const std::string_view prefix = target.starts_with("/async/items/") ? "/async/items/" : "/items/";
            std::int64_t id = 0;
            std::from_chars(target.data() + prefix.size(), target.data() + target.size(), id);
            res.set(http::field::content_type, "application/json");
            res.body() = json::serialize(json::value_from(bench_http::item{id, "widget", 17}));
        }
        res.prepare_payload();
        co_await http::async_write(s, res, asio::redirect_error(asio::use_awaitable, ec));
        if (ec) co_return;
    }
}

template <class Session>
asio::awaitable<void> accept_loop(tcp::acceptor& a, Session session) {
    for (;;) {
        boost::system::error_code ec;
        auto s = co_await a.async_accept(asio::redirect_error(asio::use_awaitable, ec));
        if (ec) co_return;
        s.set_option(tcp::no_delay(true));
        asio::co_spawn(a.get_executor(), session(std::move(s)), asio::detached);
    }
}

void announce(int port) {
    std::printf("%d\n", port);
    std::fflush(stdout);
}

// Blocks until standard input closes (the bench is done with this server).
void wait_for_stdin_eof() {
    char c;
    while (::read(0, &c, 1) > 0) {}
}

} // namespace

int main(int argc, char** argv) {
    const std::string peer = argc > 1 ? argv[1] : "";
    if (peer == "grpc") {
        bench_grpc::unary_server s;
        announce(s.port());
        wait_for_stdin_eof();
        return 0;
    }
    asio::io_context io(1);
    std::unique_ptr<sxtp::server> srv;
    tcp::acceptor acceptor(io);
    std::vector<std::string> answers;
    int port = 0;
    if (peer == "sxtp") {
        sxtp::server_options o;
        struct noop : sxtp::server_interceptor {};
        if (argc > 2 && std::strcmp(argv[2], "--interceptor") == 0) o.interceptors = {std::make_shared<noop>()};
        srv = std::make_unique<sxtp::server>(io.get_executor(), std::move(o));
        srv->handle<get_item>(serve_item);
        srv->handle<bench_calls::get_item_async>(bench_calls::serve_item_async);
        srv->handle<bench_calls::create_order>(bench_calls::serve_order);
        port = srv->listen("sxtp://127.0.0.1:0").port;
    } else if (peer == "raw" || peer == "beast") {
        acceptor = tcp::acceptor(io, {asio::ip::make_address("127.0.0.1"), 0});
        port = acceptor.local_endpoint().port();
        if (peer == "raw") {
            const std::string which = argc > 2 ? argv[2] : "";
            call c = call::ping;
            for (call k : bench_calls::all_calls)
                if (bench_calls::short_name(k) == which) c = k;
            for (int tag = 0; tag < 256; ++tag) answers.push_back(bench_calls::answer_frame(c, tag));
            asio::co_spawn(io, accept_loop(acceptor, [&answers](tcp::socket s) { return raw_session(std::move(s), answers); }), asio::detached);
        } else {
            asio::co_spawn(io, accept_loop(acceptor, http_session), asio::detached);
        }
    } else {
        std::fprintf(stderr, "usage: bench_rpc_server sxtp [--interceptor] | raw CALL | beast | grpc\n");
        return 2;
    }
    announce(port);
    std::thread stdin_watch([&io] {
        wait_for_stdin_eof();
        asio::post(io, [&io] { io.stop(); });
    });
    io.run();
    stdin_watch.join();
    return 0;
}
