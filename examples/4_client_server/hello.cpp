#include <sxtp/client/client.hpp>
#include <sxtp/server/server.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/hana/define_struct.hpp>

#include <iostream>

// One endpoint, declared once, used by both sides.
struct greeting {
    BOOST_HANA_DEFINE_STRUCT(greeting, (std::string, name));
};
struct greet : sxtp::endpoint<"fetch", "/hello/{name}"> {
    using params = greeting;
    using result = std::string;
};

int main() {
    boost::asio::io_context io;

    sxtp::server server(io.get_executor());
    server.handle<greet>([](const greeting& g) -> std::string {  // takes what it uses: params, body, context
        return "Hello, " + g.name + "!";
    });
    const auto where = server.listen("sxtp://127.0.0.1:0");  // port 0: any free port

    sxtp::client client(io.get_executor(), where);
    boost::asio::co_spawn(io, [&]() -> boost::asio::awaitable<void> {
        sxtp::reply<greet> r = co_await client.call<greet>({"world"});  // (fetch "/hello/world")
        std::cout << (r.ok() ? r.value() : std::string(r.condition().type.name())) << '\n';
        client.close();
        server.shutdown(std::chrono::seconds(1), [&] { io.stop(); });
    }, boost::asio::detached);
    io.run();
}
