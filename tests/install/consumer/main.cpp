// A project outside the sxtp tree, built against the installed package.
#include <sxtp/sxtp.hpp>

#include <iostream>

int main() {
    const auto v = sxtp::sx::read("(request :verb ping :path \"/\")");
    std::cout << sxtp::sx::canonical(v) << ' ' << sxtp::sx::content_hash(v) << '\n';
    return v.is_list() ? 0 : 1;
}
