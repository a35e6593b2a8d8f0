// expect: an endpoint with a chunk type or events must say static constexpr bool streaming = true
#include <sxtp/typed/endpoint.hpp>
#include <string>
struct e : sxtp::endpoint<"subscribe", "/events"> {
    using chunk = std::string;
#ifndef SXTP_COMPILE_FAIL
    static constexpr bool streaming = true;
#endif
};
static_assert(sxtp::endpoint_check<e>::ok);
