// The typed side of a call, with no network yet: the requests a client
// sends for the endpoints of blog_api.hpp, what `inspect` reports of them,
// and a typed reply read back from the wire.
#include "blog_api.hpp"

#include <iostream>

int main() {
    using namespace blog_api;
    namespace sx = sxtp::sx;
    namespace typed = sxtp::typed;

    // Client side: typed params become the wire request ({id} goes into the path).
    const sxtp::request get = sxtp::make_request<get_post>(post_ref{"hello-sxtp"});
    const sxtp::request list = sxtp::make_request<list_posts>(page{20, std::nullopt});
    const sxtp::request create = sxtp::make_request<create_post>(sxtp::no_params{}, new_post{"Hello", {"sx"}});
    for (const auto* r : {&get, &list, &create}) std::cout << typed::canonical(*r) << '\n';

    // What inspect reports of an endpoint, from its types.
    std::cout << '\n' << sx::pretty(sxtp::describe_endpoint<get_post>(), {.width = 72}) << "\n\n";

    // Server side: a handler's reply, a result or a declared condition.
    const sxtp::reply<get_post> found = post{"hello-sxtp", "Hello, SXTP", {"sx"}, std::chrono::sys_seconds{std::chrono::seconds{1711612800}}};
    const sxtp::reply<get_post> missing{post_not_found{"nope"}, "No such post"};
    std::cout << "found:   " << sxtp::to_symbol_name(found.status()) << ' ' << typed::canonical(found.value()) << '\n'
              << "missing: " << sxtp::to_symbol_name(missing.status()) << ' ' << typed::canonical(missing.condition()) << '\n';

    // Client side again: the response body, read straight into the result type.
    const post p = typed::read<post>(R"({:created-at 1711612800 :id "hello-sxtp" :tags ("sx") :title "Hello, SXTP"})");
    std::cout << "read back: " << p.title << '\n';

    // A body that does not match is an error with the field path.
    const auto bad = typed::try_read<post>(R"({:created-at "yesterday" :id "x" :tags () :title "t"})");
    std::cout << "rejected: " << bad.error().message() << '\n';
    return bad ? 1 : 0;
}
