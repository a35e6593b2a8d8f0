// expect: two raised conditions have the same sxtp_condition name
#include <sxtp/rpc/endpoint.hpp>
#include <boost/hana/define_struct.hpp>
#include <string>
struct a {
    static constexpr std::string_view sxtp_condition = "gone";
    BOOST_HANA_DEFINE_STRUCT(a, (std::string, why));
};
struct b {
#ifdef SXTP_COMPILE_FAIL
    static constexpr std::string_view sxtp_condition = "gone";
#else
    static constexpr std::string_view sxtp_condition = "moved";
#endif
    BOOST_HANA_DEFINE_STRUCT(b, (std::string, where));
};
struct e : sxtp::endpoint<"fetch", "/"> { using raises = sxtp::raises<a, b>; };
static_assert(sxtp::endpoint_check<e>::ok);
