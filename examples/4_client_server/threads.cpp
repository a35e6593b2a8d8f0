#include <sxtp/client/client.hpp>
#include <sxtp/server/io_pool.hpp>
#include <sxtp/server/server.hpp>

#include <boost/hana/define_struct.hpp>

#include <iostream>

struct number {
    BOOST_HANA_DEFINE_STRUCT(number, (std::int64_t, n));
};
struct square : sxtp::endpoint<"fetch", "/square/{n}"> {
    using params = number;
    using result = number;
};

int main() {
    sxtp::io_pool pool(2);                 // two threads, an io_context each
    sxtp::server server(pool.executors());  // the first accepts; connections alternate
    server.handle<square>([](const number& x) -> number {
        return {x.n * x.n};  // runs inline on its connection's thread
    });
    const auto where = server.listen("sxtp://127.0.0.1:0");
    pool.start();

    boost::asio::io_context io;  // the clients' thread (this one)
    sxtp::client a(io.get_executor(), where), b(io.get_executor(), where);
    std::int64_t sum = 0;
    boost::asio::co_spawn(io, [&]() -> boost::asio::awaitable<void> {
        for (std::int64_t i = 1; i <= 10; ++i) {
            auto r = co_await (i % 2 ? a : b).call<square>({i});
            if (r.ok()) sum += r.value().n;
        }
        a.close();
        b.close();
    }, boost::asio::detached);
    io.run();
    std::cout << "sum of squares: " << sum << '\n';  // 385

    boost::asio::post(pool.executors()[0], [&] { server.shutdown(std::chrono::seconds(1), [&] { pool.release(); }); });
    pool.join();
}
