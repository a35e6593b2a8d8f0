// expect: this condition is not declared by the endpoint
#include <sxtp/rpc/handler.hpp>
#include <boost/hana/define_struct.hpp>
#include <string>
struct post { BOOST_HANA_DEFINE_STRUCT(post, (std::string, title)); };
struct gone {
    static constexpr std::string_view sxtp_condition = "gone";
    BOOST_HANA_DEFINE_STRUCT(gone, (std::string, why));
};
struct moved {
    static constexpr std::string_view sxtp_condition = "moved";
    BOOST_HANA_DEFINE_STRUCT(moved, (std::string, to));
};
struct get_post : sxtp::endpoint<"fetch", "/post"> {
    using result = post;
    using raises = sxtp::raises<gone>;
};
int main() {
#ifdef SXTP_COMPILE_FAIL
    sxtp::reply<get_post> r = moved{"/elsewhere"};
#else
    sxtp::reply<get_post> r = gone{"deleted"};
#endif
    return r.ok();
}
