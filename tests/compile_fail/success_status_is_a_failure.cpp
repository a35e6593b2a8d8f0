// expect: an endpoint's success status must be ok, created, accepted
#include <sxtp/rpc/endpoint.hpp>
struct e : sxtp::endpoint<"create", "/things"> {
#ifdef SXTP_COMPILE_FAIL
    static constexpr auto success = sxtp::status_code::conflict;
#else
    static constexpr auto success = sxtp::status_code::created;
#endif
};
static_assert(sxtp::endpoint_check<e>::ok);
