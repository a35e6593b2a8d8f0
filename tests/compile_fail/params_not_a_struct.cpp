// expect: an endpoint's params must be a struct reflected
#include <sxtp/rpc/endpoint.hpp>
#include <boost/hana/define_struct.hpp>
#include <vector>
struct list_params { BOOST_HANA_DEFINE_STRUCT(list_params, (std::vector<int>, ids)); };
struct e : sxtp::endpoint<"fetch", "/"> {
#ifdef SXTP_COMPILE_FAIL
    using params = std::vector<int>;
#else
    using params = list_params;
#endif
};
static_assert(sxtp::endpoint_check<e>::ok);
