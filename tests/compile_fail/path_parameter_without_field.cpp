// expect: has a {parameter} that is not a field of its params struct
#include <sxtp/rpc/endpoint.hpp>
#include <boost/hana/define_struct.hpp>
#include <string>
struct ref {
    BOOST_HANA_DEFINE_STRUCT(ref, (std::string, slug));
};
#ifdef SXTP_COMPILE_FAIL
struct e : sxtp::endpoint<"fetch", "/posts/{id}"> { using params = ref; };
#else
struct e : sxtp::endpoint<"fetch", "/posts/{slug}"> { using params = ref; };
#endif
static_assert(sxtp::endpoint_check<e>::ok);
