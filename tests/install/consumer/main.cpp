// A project outside the sxtp tree, built against the installed package.
#include <sxtp/client/client.hpp>
#include <sxtp/server/server.hpp>
#include <sxtp/sxtp.hpp>

#include <boost/asio/io_context.hpp>

#include <iostream>

int main() {
    const auto v = sxtp::sx::read("(request :verb ping :path \"/\")");
    std::cout << sxtp::sx::canonical(v) << ' ' << sxtp::sx::content_hash(v) << '\n';
    // sxtp::net: a server and a client on loopback.
    boost::asio::io_context io;
    sxtp::server server(io.get_executor());
    sxtp::client client(io.get_executor(), server.listen("sxtp://127.0.0.1:0"));
    int status = 1;
    boost::asio::co_spawn(io, [&]() -> boost::asio::awaitable<void> {
        const auto r = co_await client.call_raw(sxtp::typed::from_sx<sxtp::request>(v));
        status = r.status.code() == sxtp::status_code::ok ? 0 : 1;
        client.close();
        server.shutdown(std::chrono::seconds(1), [&] { io.stop(); });
    }, boost::asio::detached);
    io.run();
    return status;
}
