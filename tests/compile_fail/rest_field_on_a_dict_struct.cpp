// expect: sxtp_rest (positional items) needs a form struct
#include <sxtp/typed/codec.hpp>
#include <boost/hana/define_struct.hpp>
#include <string>
#include <vector>
struct page {
#ifndef SXTP_COMPILE_FAIL
    static constexpr std::string_view sxtp_form = "page";
#endif
    static constexpr std::string_view sxtp_rest = "children";
    BOOST_HANA_DEFINE_STRUCT(page, (std::string, title), (std::vector<sxtp::sx::value>, children));
};
int main() { (void)sxtp::typed::to_sx(page{}); }
