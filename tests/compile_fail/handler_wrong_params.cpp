// expect: the handler does not match its endpoint: it must be callable as
// errors: 1
#include <sxtp/rpc/handler.hpp>
#include <boost/hana/define_struct.hpp>
#include <string>
struct post_ref { BOOST_HANA_DEFINE_STRUCT(post_ref, (std::string, id)); };
struct user_ref { BOOST_HANA_DEFINE_STRUCT(user_ref, (std::string, id)); };
struct post { BOOST_HANA_DEFINE_STRUCT(post, (std::string, title)); };
struct get_post : sxtp::endpoint<"fetch", "/posts/{id}"> {
    using params = post_ref;
    using result = post;
};
struct context {};
#ifdef SXTP_COMPILE_FAIL
auto handler = [](const user_ref& u, const sxtp::no_body&, context&) { return post{u.id}; };
#else
auto handler = [](const post_ref& p, const sxtp::no_body&, context&) { return post{p.id}; };
#endif
[[maybe_unused]] constexpr bool checked = sxtp::handler_check<get_post, decltype(handler), context>::ok;
