// expect: client.call<E>: the arguments do not fit the endpoint
// errors: 1
// client.call<E> given a value of another type: one sentence, not an
// overload failure listing every candidate.
#include <sxtp/client/client.hpp>
#include <boost/hana/define_struct.hpp>
#include <string>
struct post_ref { BOOST_HANA_DEFINE_STRUCT(post_ref, (std::string, id)); };
struct user_ref { BOOST_HANA_DEFINE_STRUCT(user_ref, (std::string, id)); };
struct post { BOOST_HANA_DEFINE_STRUCT(post, (std::string, title)); };
struct get_post : sxtp::endpoint<"fetch", "/posts/{id}"> {
    using params = post_ref;
    using result = post;
};
boost::asio::awaitable<void> use(sxtp::client& c) {
#ifdef SXTP_COMPILE_FAIL
    const user_ref who{"u1"};
#else
    const post_ref who{"p1"};
#endif
    auto r = co_await c.call<get_post>(who);
    (void)r;
}
