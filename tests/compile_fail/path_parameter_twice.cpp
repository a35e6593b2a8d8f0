// expect: a path parameter appears twice
#include <sxtp/rpc/endpoint.hpp>
#include <boost/hana/define_struct.hpp>
#include <string>
struct ids {
    BOOST_HANA_DEFINE_STRUCT(ids, (std::string, id), (std::string, other));
};
#ifdef SXTP_COMPILE_FAIL
struct e : sxtp::endpoint<"fetch", "/a/{id}/b/{id}"> { using params = ids; };
#else
struct e : sxtp::endpoint<"fetch", "/a/{id}/b/{other}"> { using params = ids; };
#endif
static_assert(sxtp::endpoint_check<e>::ok);
