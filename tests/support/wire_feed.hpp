// Test helper: hands bytes to a sans-I/O connection (server or client) or a
// frame reader through its prepare()/commit() interface, as the I/O layer would.
#ifndef SXTP_TESTS_SUPPORT_WIRE_FEED_HPP
#define SXTP_TESTS_SUPPORT_WIRE_FEED_HPP

#include <catch2/catch.hpp>

#include <algorithm>
#include <string_view>

namespace test_support {

template <class Conn>
void feed(Conn& c, std::string_view bytes) {
    while (!bytes.empty()) {
        auto room = c.prepare();
        REQUIRE_FALSE(room.empty());
        const std::size_t n = std::min(room.size(), bytes.size());
        std::copy_n(bytes.data(), n, room.data());
        c.commit(n);
        bytes.remove_prefix(n);
    }
}

} // namespace test_support

#endif
