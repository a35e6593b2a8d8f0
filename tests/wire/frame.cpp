// Tests for include/sxtp/wire/frame.hpp and payload.hpp.
#include <sxtp/sx.hpp>
#include <sxtp/wire.hpp>

#include <catch2/catch.hpp>
#include <algorithm>
#include <cstring>

#include <string>
#include <vector>

using namespace sxtp;

namespace {
// Every complete frame the reader yields, feeding `bytes` `step` bytes at a time.
std::vector<std::string> frames_of(std::string_view bytes, std::size_t step, wire::frame_limits limits = {},
                                   boost::system::error_code* failure = nullptr) {
    wire::frame_reader in(limits);
    std::vector<std::string> out;
    for (std::size_t at = 0; at <= bytes.size(); at += step) {
        in.feed(bytes.substr(at, step));
        for (;;) {
            const wire::frame f = in.next();
            if (f.state == wire::frame::need_more) break;
            if (f.state == wire::frame::failed) {
                if (failure) *failure = f.error;
                return out;
            }
            out.emplace_back(f.payload);
        }
    }
    return out;
}
} // namespace

TEST_CASE("frame: the SPEC example, corrected by its erratum") {
    const std::string msg = R"((request :verb ping :path "/" :body nil))";
    REQUIRE(msg.size() == 40);
    CHECK(frames_of("40\n" + msg, 1000) == std::vector<std::string>{msg});
    CHECK(frames_of("43\n" + msg, 1000).empty());  // the seed's 43 waits for 3 more bytes
}

TEST_CASE("frame: pipelined frames come out whole at any chunk size") {
    std::string stream;
    std::vector<std::string> sent;
    for (int i = 0; i < 50; ++i) {
        sent.push_back("(chunk :seq " + std::to_string(i) + " :body \"" + std::string(static_cast<std::size_t>(i * 7), 'x') + "\")");
        wire::write_frame(stream, sent.back());
    }
    wire::write_frame(stream, "");  // an empty payload is a frame too
    sent.emplace_back();
    for (std::size_t step : {std::size_t{1}, std::size_t{2}, std::size_t{3}, std::size_t{11}, std::size_t{64}, stream.size()})
        CHECK(frames_of(stream, step) == sent);
}

TEST_CASE("frame: malformed length lines fail and stay failed") {
    for (const char* bad : {"abc\n", "\n", "12345678901\n", "-1\n", " 5\n", "5 \n", "1a\n", "+5\n"}) {
        INFO("input: " << bad);
        boost::system::error_code e;
        CHECK(frames_of(bad, 1, {}, &e).empty());
        CHECK(e == wire::error::malformed_frame);
    }
    wire::frame_reader in;
    in.feed("x\n3\nabc");
    CHECK(in.next().state == wire::frame::failed);
    CHECK(in.next().error == wire::error::malformed_frame);
    CHECK(in.prepare().empty());
    CHECK(frames_of("0000000003\nabc", 1) == std::vector<std::string>{"abc"});  // ten digits, leading zeros
}

TEST_CASE("frame: an oversized length fails before its payload is buffered") {
    boost::system::error_code e;
    CHECK(frames_of("101\n" + std::string(101, 'x'), 1000, {.max_frame = 100}, &e).empty());
    CHECK(e == wire::error::frame_too_large);
    CHECK(frames_of("100\n" + std::string(100, 'x'), 7, {.max_frame = 100}).size() == 1);

    wire::frame_reader in({.max_frame = 1000, .read_chunk = 64});
    in.feed("9999999999\n");  // announces ~10 GB
    CHECK(in.next().error == wire::error::frame_too_large);
    CHECK(in.capacity() < 2000);  // nothing was allocated for the announced size
}

TEST_CASE("frame: the buffer is bounded while frames are not collected") {
    wire::frame_reader in({.max_frame = 100, .read_chunk = 32});
    std::string stream;
    for (int i = 0; i < 100; ++i) wire::write_frame(stream, "(x)");
    in.feed(stream);  // feed stops when the reader is full
    CHECK(in.buffered() <= 100 + 11 + 32);
    CHECK(in.capacity() <= 2 * (100 + 11 + 32));
    CHECK(in.prepare().empty());
    int n = 0;
    while (in.next().state == wire::frame::complete) ++n;
    CHECK(n > 0);
    CHECK_FALSE(in.prepare().empty());  // room again once drained
}

TEST_CASE("frame: the room offered adapts to the reads and an idle reader gives its buffer back") {
    wire::frame_reader in({.max_frame = 1 << 20, .read_chunk = 64 << 10, .min_read_chunk = 1024});
    CHECK(in.prepare().size() == 1024);  // a new reader starts small
    // Reads that fill the room grow it fourfold, up to read_chunk.
    std::vector<std::size_t> offered;
    std::string big;
    wire::write_frame(big, std::string(200000, 'x'));
    std::size_t fed = 0;
    while (fed < big.size()) {
        auto room = in.prepare();
        REQUIRE_FALSE(room.empty());
        offered.push_back(room.size());
        const std::size_t n = std::min(room.size(), big.size() - fed);
        std::memcpy(room.data(), big.data() + fed, n);
        in.commit(n);
        fed += n;
    }
    REQUIRE(offered.size() >= 4);
    CHECK(offered[0] == 1024);
    CHECK(offered[1] == 4096);
    CHECK(offered[2] == 16384);
    CHECK(offered[3] == 65536);
    CHECK(*std::max_element(offered.begin(), offered.end()) == 65536);
    auto f = in.next();
    REQUIRE(f.state == wire::frame::complete);
    CHECK(f.payload.size() == 200000);
    CHECK(in.next().state == wire::frame::need_more);
    CHECK(in.capacity() >= 200000);
    // Small reads halve the room; with nothing held the big buffer goes back.
    for (int i = 0; i < 12; ++i) {
        auto room = in.prepare();
        std::memcpy(room.data(), "3\nabc", 5);
        in.commit(5);
        auto g = in.next();
        REQUIRE(g.state == wire::frame::complete);
        CHECK(g.payload == "abc");
    }
    CHECK(in.prepare().size() == 1024);
    CHECK(in.capacity() <= 2048);
}

TEST_CASE("payload: messages, and malformed-message for everything else") {
    sx::reader rd;
    const auto ok = wire::decode_payload(R"((request :verb ping :path "/"))", rd);
    REQUIRE(ok.has_value());
    CHECK(std::holds_alternative<request>(*ok));

    const auto not_sx = wire::decode_payload("(request :verb ping", rd);
    REQUIRE_FALSE(not_sx.has_value());
    CHECK(sx::canonical(typed::to_sx(not_sx.error())) ==
          R"x((condition :type malformed-message :message "payload is not SX: unexpected end of input at 1:20 (offset 19)" )x"
          R"x(:retry false :detail {:column 20 :line 1 :offset 19}))x");
    CHECK(status_of<conditions::malformed_message>() == status_code::invalid);

    const auto bad_field = wire::decode_payload(R"((request :verb "ping" :path "/"))", rd);
    REQUIRE_FALSE(bad_field.has_value());
    CHECK(bad_field.error().message == "not a valid message: :verb: expected symbol, got string");
    CHECK(wire::decode_payload("(hello)", rd).error().type.name() == "malformed-message");
}

TEST_CASE("payload: write_message frames the canonical form") {
    std::string out;
    wire::write_message(out, message(typed::from_sx<request>(sx::read(R"((request :path "/" :verb ping))"))));
    CHECK(out == "30\n(request :verb ping :path \"/\")");
    sx::reader rd;
    const auto frames = frames_of(out, 5);
    REQUIRE(frames.size() == 1);
    CHECK(wire::decode_payload(frames[0], rd).has_value());
}
