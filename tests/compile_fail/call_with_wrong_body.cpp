// expect: body must be of type E::body
#include <sxtp/rpc/request_builder.hpp>
#include <boost/hana/define_struct.hpp>
#include <string>
struct post { BOOST_HANA_DEFINE_STRUCT(post, (std::string, title)); };
struct create_post : sxtp::endpoint<"create", "/posts"> { using body = post; };
int main() {
#ifdef SXTP_COMPILE_FAIL
    (void)sxtp::make_request<create_post>(sxtp::no_params{}, std::string("title"));
#else
    (void)sxtp::make_request<create_post>(sxtp::no_params{}, post{"title"});
#endif
}
