// expect: this type cannot be marshalled to SX
#include <sxtp/typed/codec.hpp>
#include <boost/hana/define_struct.hpp>
#ifdef SXTP_COMPILE_FAIL
struct plain { int x; };
#else
struct plain { BOOST_HANA_DEFINE_STRUCT(plain, (int, x)); };
#endif
int main() { (void)sxtp::typed::to_sx(plain{}); }
