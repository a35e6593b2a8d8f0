// expect: a condition type needs a name
#include <sxtp/wire/condition.hpp>
#include <boost/hana/define_struct.hpp>
#include <string>
struct declined {
#ifndef SXTP_COMPILE_FAIL
    static constexpr std::string_view sxtp_condition = "declined";
#endif
    BOOST_HANA_DEFINE_STRUCT(declined, (std::string, reason));
};
int main() { (void)sxtp::make_condition(declined{"no"}); }
