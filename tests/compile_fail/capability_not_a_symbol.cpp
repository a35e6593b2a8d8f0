// expect: every capability must be a valid symbol name
#include <sxtp/rpc/endpoint.hpp>
struct e : sxtp::endpoint<"fetch", "/"> {
#ifdef SXTP_COMPILE_FAIL
    using capabilities = sxtp::capabilities<"fetch", "db read">;
#else
    using capabilities = sxtp::capabilities<"fetch", "db:read">;
#endif
};
static_assert(sxtp::endpoint_check<e>::ok);
