// expect: a condition's sxtp_status must be a failure status
#include <sxtp/wire/condition.hpp>
#include <boost/hana/define_struct.hpp>
#include <string>
struct declined {
    static constexpr std::string_view sxtp_condition = "declined";
#ifdef SXTP_COMPILE_FAIL
    static constexpr sxtp::status_code sxtp_status = sxtp::status_code::ok;
#else
    static constexpr sxtp::status_code sxtp_status = sxtp::status_code::conflict;
#endif
    BOOST_HANA_DEFINE_STRUCT(declined, (std::string, reason));
};
int main() { (void)sxtp::make_condition(declined{"no"}); }
