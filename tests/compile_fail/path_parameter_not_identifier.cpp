// expect: malformed path pattern
#include <sxtp/rpc/endpoint.hpp>
#ifdef SXTP_COMPILE_FAIL
struct e : sxtp::endpoint<"fetch", "/posts/{1st}"> {};
#else
struct e : sxtp::endpoint<"fetch", "/posts/first"> {};
#endif
static_assert(sxtp::endpoint_check<e>::ok);
