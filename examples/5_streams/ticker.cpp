#include <sxtp/client/client.hpp>
#include <sxtp/server/server.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/hana/define_struct.hpp>

#include <iostream>

// A server stream: the client asks for n prices and reads them as they come.
struct ticker_params {
    BOOST_HANA_DEFINE_STRUCT(ticker_params, (std::string, symbol), (std::int64_t, n));
};
struct tick {
    BOOST_HANA_DEFINE_STRUCT(tick, (std::int64_t, seq), (double, price));
};
struct ticker : sxtp::endpoint<"subscribe", "/ticker"> {
    using params = ticker_params;
    using chunk = tick;  // a chunk type makes it a stream: each (chunk :seq … :body {:price … :seq …})
};

int main() {
    boost::asio::io_context io;

    sxtp::server server(io.get_executor());
    server.handle<ticker>([](const ticker_params& p, sxtp::stream<ticker>& out) -> boost::asio::awaitable<void> {
        for (std::int64_t i = 0; i < p.n; ++i) {
            const tick t{i, 100.0 + 0.25 * static_cast<double>(i)};
            if (!co_await out.write(t)) co_return;  // waits for credit; false once cancelled
        }
    });
    const auto where = server.listen("sxtp://127.0.0.1:0");

    sxtp::client client(io.get_executor(), where);
    boost::asio::co_spawn(io, [&]() -> boost::asio::awaitable<void> {
        auto prices = co_await client.open<ticker>({"SXTP", 5});
        while (auto t = co_await prices.next())  // credit flows back as you read
            std::cout << "tick " << t->seq << ": " << t->price << '\n';
        std::cout << (prices.ok() ? "done" : std::string(prices.condition().type.name())) << '\n';
        client.close();
        server.shutdown(std::chrono::seconds(1), [&] { io.stop(); });
    }, boost::asio::detached);
    io.run();
}
