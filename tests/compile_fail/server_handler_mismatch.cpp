// expect: the handler does not match its endpoint: it must be callable as
// errors: 1
// A handler with the wrong params type, bound through server::handle: the
// sentence, and no cascade after it.
#include <sxtp/server/server.hpp>
#include <boost/hana/define_struct.hpp>
#include <string>
struct post_ref { BOOST_HANA_DEFINE_STRUCT(post_ref, (std::string, id)); };
struct user_ref { BOOST_HANA_DEFINE_STRUCT(user_ref, (std::string, id)); };
struct post { BOOST_HANA_DEFINE_STRUCT(post, (std::string, title)); };
struct get_post : sxtp::endpoint<"fetch", "/posts/{id}"> {
    using params = post_ref;
    using result = post;
};
void serve(sxtp::server& srv) {
#ifdef SXTP_COMPILE_FAIL
    srv.handle<get_post>([](const user_ref& u, sxtp::call_context&) { return post{u.id}; });
#else
    srv.handle<get_post>([](const post_ref& p, sxtp::call_context&) { return post{p.id}; });
#endif
}
