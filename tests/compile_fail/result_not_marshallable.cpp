// expect: the endpoint's result type cannot be marshalled to SX
#include <sxtp/rpc/endpoint.hpp>
#include <boost/hana/define_struct.hpp>
#include <string>
struct unreflected { std::string title; };
struct reflected { BOOST_HANA_DEFINE_STRUCT(reflected, (std::string, title)); };
struct e : sxtp::endpoint<"fetch", "/"> {
#ifdef SXTP_COMPILE_FAIL
    using result = unreflected;
#else
    using result = reflected;
#endif
};
static_assert(sxtp::endpoint_check<e>::ok);
