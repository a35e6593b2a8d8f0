// expect: it must return E::result or sxtp::reply<E>
// errors: 1
#include <sxtp/rpc/handler.hpp>
#include <boost/hana/define_struct.hpp>
#include <string>
struct post_ref { BOOST_HANA_DEFINE_STRUCT(post_ref, (std::string, id)); };
struct post { BOOST_HANA_DEFINE_STRUCT(post, (std::string, title)); };
struct get_post : sxtp::endpoint<"fetch", "/posts/{id}"> {
    using params = post_ref;
    using result = post;
};
struct context {};
#ifdef SXTP_COMPILE_FAIL
auto handler = [](const post_ref& p, const sxtp::no_body&, context&) { return p.id; };
#else
auto handler = [](const post_ref& p, const sxtp::no_body&, context&) { return sxtp::reply<get_post>(post{p.id}); };
#endif
[[maybe_unused]] constexpr bool checked = sxtp::handler_check<get_post, decltype(handler), context>::ok;
