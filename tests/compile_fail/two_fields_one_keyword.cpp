// expect: two fields of this struct map to the same keyword
#include <sxtp/typed/codec.hpp>
#include <boost/hana/define_struct.hpp>
struct paging {
    BOOST_HANA_DEFINE_STRUCT(paging, (int, per_page), (int, size));
#ifdef SXTP_COMPILE_FAIL
    static constexpr sxtp::typed::rename sxtp_renames[] = {{"size", "per-page"}};
#else
    static constexpr sxtp::typed::rename sxtp_renames[] = {{"size", "page-size"}};
#endif
};
int main() { (void)sxtp::typed::to_sx(paging{}); }
