// expect: C is not declared by the endpoint
#include <sxtp/rpc/handler.hpp>
#include <boost/hana/define_struct.hpp>
#include <string>
struct not_found { static constexpr std::string_view sxtp_condition = "not-found-here"; BOOST_HANA_DEFINE_STRUCT(not_found, (int, id)); };
struct other { static constexpr std::string_view sxtp_condition = "other"; BOOST_HANA_DEFINE_STRUCT(other, (int, id)); };
struct get_thing : sxtp::endpoint<"fetch", "/things"> { using result = std::string; using raises = sxtp::raises<not_found>; };
int main() {
    const sxtp::reply<get_thing> r = std::string("x");
#ifdef SXTP_COMPILE_FAIL
    (void)r.condition_as<other>();
#else
    (void)r.condition_as<not_found>();
#endif
}
