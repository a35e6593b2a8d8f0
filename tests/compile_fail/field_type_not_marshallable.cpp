// expect: this struct field's type cannot be marshalled to SX
#include <sxtp/typed/codec.hpp>
#include <boost/hana/define_struct.hpp>
#include <string>
struct opaque { int x; };
struct record {
#ifdef SXTP_COMPILE_FAIL
    BOOST_HANA_DEFINE_STRUCT(record, (std::string, name), (opaque, secret));
#else
    BOOST_HANA_DEFINE_STRUCT(record, (std::string, name), (int, secret));
#endif
};
int main() { (void)sxtp::typed::to_sx(record{}); }
