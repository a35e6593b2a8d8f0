// expect: every raised type must be a condition type
#include <sxtp/rpc/endpoint.hpp>
#include <boost/hana/define_struct.hpp>
#include <string>
struct gone {
#ifndef SXTP_COMPILE_FAIL
    static constexpr std::string_view sxtp_condition = "gone";
#endif
    BOOST_HANA_DEFINE_STRUCT(gone, (std::string, why));
};
struct e : sxtp::endpoint<"fetch", "/"> { using raises = sxtp::raises<gone>; };
static_assert(sxtp::endpoint_check<e>::ok);
