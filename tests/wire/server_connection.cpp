// Tests for include/sxtp/wire/server_connection.hpp.
#include <sxtp/sx.hpp>
#include <sxtp/wire.hpp>

#include <catch2/catch.hpp>

#include "../support/wire_feed.hpp"

#include <algorithm>
#include <random>
#include <string>
#include <vector>

using namespace sxtp;

namespace {

std::string frames(std::initializer_list<std::string_view> payloads) {
    std::string out;
    for (auto p : payloads) wire::write_frame(out, p);
    return out;
}

using test_support::feed;

// Drains events; returns the requests handed to handlers.
std::vector<wire::incoming_request> requests(wire::server_connection& c, std::vector<wire::request_id>* cancels = nullptr) {
    std::vector<wire::incoming_request> out;
    for (;;) {
        auto ev = c.next_event();
        if (std::holds_alternative<wire::need_more>(ev) || std::holds_alternative<wire::connection_failed>(ev)) return out;
        if (auto* r = std::get_if<wire::incoming_request>(&ev)) out.push_back(std::move(*r));
        if (auto* x = std::get_if<wire::cancel_requested>(&ev); x && cancels) cancels->push_back(x->id);
    }
}

// The responses written so far, decoded, and the output consumed.
std::vector<response> written(wire::server_connection& c) {
    wire::frame_reader in;
    in.feed(c.output());
    c.consume(c.output().size());
    std::vector<response> out;
    for (wire::frame f = in.next(); f.state == wire::frame::complete; f = in.next())
        out.push_back(typed::from_sx<response>(sx::read(f.payload)));
    return out;
}

response ok_body(std::string_view body) {
    response r;
    r.body = sx::value(body);
    return r;
}

std::string type_of(const response& r) { return std::string(typed::from_sx<condition>(*r.body).type.name()); }

} // namespace

TEST_CASE("server connection: untagged requests are answered in order") {
    wire::server_connection c;
    feed(c, frames({R"((request :verb a :path "/"))", R"((request :verb b :path "/"))", R"((request :verb c :path "/"))"}));
    auto rs = requests(c);
    REQUIRE(rs.size() == 3);
    CHECK(rs[1].req.verb.name() == "b");
    c.respond(rs[2].id, ok_body("c"));
    c.respond(rs[1].id, ok_body("b"));
    CHECK(written(c).empty());  // the first is not answered yet
    c.respond(rs[0].id, ok_body("a"));
    const auto out = written(c);
    REQUIRE(out.size() == 3);
    CHECK(out[0].body == sx::value("a"));
    CHECK(out[1].body == sx::value("b"));
    CHECK(out[2].body == sx::value("c"));
    CHECK(c.in_flight() == 0);
    CHECK(c.unanswered() == 0);
}

TEST_CASE("server connection: tagged requests are answered as they finish, with their tags") {
    wire::server_connection c;
    feed(c, frames({R"((request :tag 1 :verb a :path "/"))", R"((request :tag "two" :verb b :path "/"))", R"((request :verb u :path "/"))"}));
    auto rs = requests(c);
    REQUIRE(rs.size() == 3);
    c.respond(rs[1].id, ok_body("b"));
    auto out = written(c);
    REQUIRE(out.size() == 1);
    CHECK(out[0].tag == message_tag("two"));
    c.respond(rs[2].id, ok_body("u"));  // untagged, and first among the untagged
    c.respond(rs[0].id, ok_body("a"));
    out = written(c);
    REQUIRE(out.size() == 2);
    CHECK_FALSE(out[0].tag.has_value());
    CHECK(out[1].tag == message_tag(1));
    CHECK_FALSE(c.respond(rs[0].id, ok_body("again")));  // one terminal message per request
}

TEST_CASE("server connection: a cancelled request is answered once, as cancelled, at once") {
    wire::server_connection c;
    feed(c, frames({R"((request :tag 7 :verb slow :path "/"))", "(cancel :tag 7)", "(cancel :tag 7)", "(cancel :tag 99)"}));
    std::vector<wire::request_id> cancels;
    auto rs = requests(c, &cancels);
    REQUIRE(rs.size() == 1);
    CHECK(cancels == std::vector<wire::request_id>{rs[0].id});  // repeats and unknown tags are ignored
    const auto out = written(c);
    REQUIRE(out.size() == 1);
    CHECK(out[0].status.code() == status_code::error);
    CHECK(out[0].tag == message_tag(7));
    CHECK(type_of(out[0]) == "cancelled");
    CHECK(c.in_flight() == 1);  // counts until the handler has finished
    CHECK(c.respond(rs[0].id, ok_body("too late")));
    CHECK(written(c).empty());  // the handler's own answer is dropped
    CHECK(c.in_flight() == 0);
    CHECK_FALSE(c.respond(rs[0].id, ok_body("twice")));
}

TEST_CASE("server connection: the tag of a cancelled request may be used again while its handler winds down") {
    wire::server_connection c({.frames = {}, .max_in_flight = 2});
    feed(c, frames({R"((request :tag 7 :verb slow :path "/"))", "(cancel :tag 7)", R"((request :tag 7 :verb again :path "/"))",
                    R"((request :tag 8 :verb third :path "/"))"}));
    auto rs = requests(c);
    REQUIRE(rs.size() == 2);  // the third is over the limit: the cancelled handler still counts
    auto out = written(c);
    REQUIRE(out.size() == 2);
    CHECK(type_of(out[0]) == "cancelled");
    CHECK(type_of(out[1]) == "overloaded");
    c.respond(rs[1].id, ok_body("second"));
    out = written(c);
    REQUIRE(out.size() == 1);
    CHECK(out[0].tag == message_tag(7));
    CHECK(out[0].body->as_string() == "second");
}

TEST_CASE("server connection: an expired request is answered deadline-exceeded in its place") {
    wire::server_connection c;
    feed(c, frames({R"((request :verb first :path "/"))", R"((request :verb slow :path "/" :headers {:timeout-ms 5}))"}));
    auto rs = requests(c);
    REQUIRE(rs.size() == 2);
    CHECK(c.expire(rs[1].id));
    CHECK_FALSE(c.expire(rs[1].id));
    CHECK(written(c).empty());  // untagged: waits for the first
    c.respond(rs[0].id, ok_body("first"));
    auto out = written(c);
    REQUIRE(out.size() == 2);
    CHECK(type_of(out[1]) == "deadline-exceeded");
    CHECK(out[1].status.code() == status_code::error);
    CHECK(c.in_flight() == 1);
    c.respond(rs[1].id, ok_body("late"));
    CHECK(written(c).empty());
    CHECK(c.in_flight() == 0);
}

TEST_CASE("server connection: abandon answers everything left and keeps counting the handlers") {
    wire::server_connection c;
    feed(c, frames({R"((request :verb a :path "/"))", R"((request :tag 1 :verb b :path "/"))"}));
    auto rs = requests(c);
    c.begin_shutdown();
    response gone;
    gone.status = status_code::unavailable;
    c.abandon(gone);
    auto out = written(c);
    REQUIRE(out.size() == 2);
    CHECK(out[0].status.code() == status_code::unavailable);
    CHECK(c.done());
    CHECK(c.in_flight() == 2);
    for (const auto& r : rs) c.respond(r.id, ok_body("late"));
    CHECK(written(c).empty());
    CHECK(c.in_flight() == 0);
}

TEST_CASE("server connection: over the in-flight limit, requests are answered overloaded in their place") {
    wire::server_connection c({.frames = {}, .max_in_flight = 2});
    feed(c, frames({R"((request :verb a :path "/"))", R"((request :verb b :path "/"))", R"((request :verb c :path "/"))",
                    R"((request :tag 5 :verb d :path "/"))"}));
    auto rs = requests(c);
    REQUIRE(rs.size() == 2);
    auto out = written(c);
    REQUIRE(out.size() == 1);  // the tagged one at once; the untagged one waits for its turn
    CHECK(out[0].tag == message_tag(5));
    CHECK(out[0].status.code() == status_code::unavailable);
    CHECK(type_of(out[0]) == "overloaded");
    CHECK(typed::from_sx<condition>(*out[0].body).retry == true);
    c.respond(rs[0].id, ok_body("a"));
    c.respond(rs[1].id, ok_body("b"));
    out = written(c);
    REQUIRE(out.size() == 3);
    CHECK(type_of(out[2]) == "overloaded");
}

TEST_CASE("server connection: a repeated tag in flight is refused, the first goes on") {
    wire::server_connection c;
    feed(c, frames({R"((request :tag 1 :verb a :path "/"))", R"((request :tag 1 :verb b :path "/"))"}));
    auto rs = requests(c);
    REQUIRE(rs.size() == 1);
    auto out = written(c);
    REQUIRE(out.size() == 1);
    CHECK(out[0].status.code() == status_code::invalid);
    CHECK(c.respond(rs[0].id, ok_body("a")));
    CHECK(written(c).size() == 1);
    feed(c, frames({R"((request :tag 1 :verb again :path "/"))"}));  // free again once answered
    CHECK(requests(c).size() == 1);
}

TEST_CASE("server connection: malformed payloads are answered in order and the connection goes on") {
    wire::server_connection c;
    feed(c, frames({R"((request :verb a :path "/"))", "(request :verb", R"((request :verb "b" :path "/"))", "(credit :n 1)",
                    R"((request :verb c :path "/"))"}));
    auto rs = requests(c);
    REQUIRE(rs.size() == 2);
    c.respond(rs[1].id, ok_body("c"));
    c.respond(rs[0].id, ok_body("a"));
    const auto out = written(c);
    REQUIRE(out.size() == 5);
    CHECK(out[0].body == sx::value("a"));
    for (int i : {1, 2, 3}) {
        CHECK(out[i].status.code() == status_code::invalid);
        CHECK(type_of(out[i]) == "malformed-message");
    }
    CHECK(out[4].body == sx::value("c"));
    CHECK_FALSE(c.failed());
}

TEST_CASE("server connection: a framing error is answered after what came before, then the connection is done") {
    wire::server_connection c;
    feed(c, frames({R"((request :verb a :path "/"))"}) + "garbage\n");
    auto rs = requests(c);
    REQUIRE(rs.size() == 1);
    CHECK(c.failed());
    CHECK(c.prepare().empty());  // nothing more is read
    CHECK_FALSE(c.done());
    c.respond(rs[0].id, ok_body("a"));
    const auto out = written(c);
    REQUIRE(out.size() == 2);
    CHECK(out[0].body == sx::value("a"));
    CHECK(type_of(out[1]) == "malformed-frame");
    CHECK(c.done());

    wire::server_connection small({.frames = {.max_frame = 10}});
    feed(small, "11\n");
    CHECK(requests(small).empty());
    const auto too_large = written(small);
    REQUIRE(too_large.size() == 1);
    CHECK(type_of(too_large[0]) == "frame-too-large");
}

TEST_CASE("server connection: shutdown answers new requests and finishes the old") {
    wire::server_connection c;
    feed(c, frames({R"((request :tag 1 :verb a :path "/"))"}));
    auto rs = requests(c);
    c.begin_shutdown();
    feed(c, frames({R"((request :tag 2 :verb b :path "/"))"}));
    CHECK(requests(c).empty());
    auto out = written(c);
    REQUIRE(out.size() == 1);
    CHECK(type_of(out[0]) == "shutting-down");
    CHECK_FALSE(c.done());
    c.respond(rs[0].id, ok_body("a"));
    CHECK(written(c).size() == 1);
    CHECK(c.done());
}

TEST_CASE("server connection: every request gets exactly one terminal answer, in any interleaving") {
    std::mt19937_64 rng(7);
    for (int round = 0; round < 200; ++round) {
        wire::server_connection c({.frames = {}, .max_in_flight = 1 + rng() % 8});
        std::size_t requests_sent = 0, malformed_sent = 0;
        std::vector<std::int64_t> tags_sent;
        std::string bytes;
        for (int i = 0, n = 1 + static_cast<int>(rng() % 30); i < n; ++i) {
            const bool tagged = rng() % 2;
            const std::string marker = "m" + std::to_string(i);
            wire::write_frame(bytes, tagged ? "(request :tag " + std::to_string(i) + " :verb v :path \"" + marker + "\")"
                                            : "(request :verb v :path \"" + marker + "\")");
            ++requests_sent;
            if (tagged) tags_sent.push_back(i);
            if (tagged && rng() % 4 == 0) wire::write_frame(bytes, "(cancel :tag " + std::to_string(i) + ")");
            if (rng() % 10 == 0) {
                wire::write_frame(bytes, "(not a message");
                ++malformed_sent;
            }
        }
        feed(c, bytes);
        auto rs = requests(c);
        std::shuffle(rs.begin(), rs.end(), rng);
        for (const auto& r : rs) c.respond(r.id, ok_body(r.req.path));
        const auto out = written(c);
        CHECK(c.unanswered() == 0);
        CHECK(c.in_flight() == 0);
        // Exactly one answer per frame that needs one.
        CHECK(out.size() == requests_sent + malformed_sent);
        // Each tag answered exactly once.
        std::vector<std::int64_t> tags_answered;
        for (const auto& r : out)
            if (r.tag) tags_answered.push_back(std::get<std::int64_t>(r.tag->get()));
        std::sort(tags_answered.begin(), tags_answered.end());
        CHECK(tags_answered == tags_sent);
        // Untagged answers in the order of their requests.
        std::vector<int> untagged_order;
        for (const auto& r : out)
            if (!r.tag && r.body && r.body->is_string()) untagged_order.push_back(std::stoi(std::string(r.body->as_string()).substr(1)));
        CHECK(std::is_sorted(untagged_order.begin(), untagged_order.end()));
    }
}
