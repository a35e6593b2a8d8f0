// expect: more than 48 fields, Boost.Hana's limit
#include <sxtp/typed/codec.hpp>
#include <sxtp/typed/define_struct.hpp>
struct wide {
#ifdef SXTP_COMPILE_FAIL
    SXTP_DEFINE_STRUCT(wide, (int, f0), (int, f1), (int, f2), (int, f3), (int, f4), (int, f5), (int, f6), (int, f7), (int, f8), (int, f9), (int, f10), (int, f11), (int, f12), (int, f13), (int, f14), (int, f15), (int, f16), (int, f17), (int, f18), (int, f19), (int, f20), (int, f21), (int, f22), (int, f23), (int, f24), (int, f25), (int, f26), (int, f27), (int, f28), (int, f29), (int, f30), (int, f31), (int, f32), (int, f33), (int, f34), (int, f35), (int, f36), (int, f37), (int, f38), (int, f39), (int, f40), (int, f41), (int, f42), (int, f43), (int, f44), (int, f45), (int, f46), (int, f47), (int, f48));
#else
    SXTP_DEFINE_STRUCT(wide, (int, f0), (int, f1), (int, f2), (int, f3), (int, f4), (int, f5), (int, f6), (int, f7), (int, f8), (int, f9), (int, f10), (int, f11), (int, f12), (int, f13), (int, f14), (int, f15), (int, f16), (int, f17), (int, f18), (int, f19), (int, f20), (int, f21), (int, f22), (int, f23), (int, f24), (int, f25), (int, f26), (int, f27), (int, f28), (int, f29), (int, f30), (int, f31), (int, f32), (int, f33), (int, f34), (int, f35), (int, f36), (int, f37), (int, f38), (int, f39), (int, f40), (int, f41), (int, f42), (int, f43), (int, f44), (int, f45), (int, f46), (int, f47));
#endif
};
int main() { return sxtp::typed::to_sx(wide{}).size() == 0; }
