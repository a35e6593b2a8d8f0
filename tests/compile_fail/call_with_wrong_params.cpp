// expect: params must be of type E::params
#include <sxtp/rpc/request_builder.hpp>
#include <boost/hana/define_struct.hpp>
#include <string>
struct post_ref { BOOST_HANA_DEFINE_STRUCT(post_ref, (std::string, id)); };
struct user_ref { BOOST_HANA_DEFINE_STRUCT(user_ref, (std::string, id)); };
struct get_post : sxtp::endpoint<"fetch", "/posts/{id}"> { using params = post_ref; };
int main() {
#ifdef SXTP_COMPILE_FAIL
    (void)sxtp::make_request<get_post>(user_ref{"u1"});
#else
    (void)sxtp::make_request<get_post>(post_ref{"p1"});
#endif
}
