// expect: an entry of sxtp_renames names no field of this struct
#include <sxtp/typed/codec.hpp>
#include <boost/hana/define_struct.hpp>
#include <string>
struct anchor {
    BOOST_HANA_DEFINE_STRUCT(anchor, (std::string, klass));
#ifdef SXTP_COMPILE_FAIL
    static constexpr sxtp::typed::rename sxtp_renames[] = {{"class_", "class"}};
#else
    static constexpr sxtp::typed::rename sxtp_renames[] = {{"klass", "class"}};
#endif
};
int main() { (void)sxtp::typed::to_sx(anchor{}); }
