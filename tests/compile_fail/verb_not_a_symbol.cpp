// expect: the verb must be a valid symbol name
#include <sxtp/rpc/endpoint.hpp>
#ifdef SXTP_COMPILE_FAIL
struct e : sxtp::endpoint<"12x", "/"> {};
#else
struct e : sxtp::endpoint<"fetch", "/"> {};
#endif
static_assert(sxtp::endpoint_check<e>::ok);
