// expect: the handler does not match its streaming endpoint: it must be callable as
// errors: 1
// A streaming handler that does not take its stream.
#include <sxtp/server/server.hpp>
#include <boost/hana/define_struct.hpp>
#include <cstdint>
struct upto { BOOST_HANA_DEFINE_STRUCT(upto, (std::int64_t, n)); };
struct count_to : sxtp::endpoint<"fetch", "/count"> {
    using params = upto;
    using chunk = std::int64_t;
};
void serve(sxtp::server& srv) {
#ifdef SXTP_COMPILE_FAIL
    srv.handle<count_to>([](const upto&) -> boost::asio::awaitable<void> { co_return; });
#else
    srv.handle<count_to>([](const upto&, sxtp::stream<count_to>&) -> boost::asio::awaitable<void> { co_return; });
#endif
}
