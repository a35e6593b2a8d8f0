// expect: a streaming endpoint must name the type of its chunks
#include <sxtp/rpc/endpoint.hpp>
#include <string>
struct e : sxtp::endpoint<"subscribe", "/events"> {
#ifndef SXTP_COMPILE_FAIL
    using chunk = std::string;
#endif
    static constexpr bool streaming = true;
};
static_assert(sxtp::endpoint_check<e>::ok);
