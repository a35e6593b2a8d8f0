// Streams through the two sans-I/O connections (SPEC §3): the server's
// output is fed to a client connection and the other way round, so every
// test checks both sides of the wire.
#include <sxtp/sx.hpp>
#include <sxtp/wire.hpp>

#include <catch2/catch.hpp>

#include "../support/wire_feed.hpp"

#include <algorithm>
#include <string>
#include <vector>

using namespace sxtp;

namespace {

using test_support::feed;

// A server connection and a client connection joined back to back.
struct pair {
    wire::server_connection server;
    wire::client_connection client;

    // Client → server; returns the server's events up to need_more.
    std::vector<wire::connection_event> to_server() {
        feed(server, client.output());
        client.consume(client.output().size());
        std::vector<wire::connection_event> out;
        for (auto ev = server.next_event(); !std::holds_alternative<wire::need_more>(ev); ev = server.next_event()) {
            const bool failed = std::holds_alternative<wire::connection_failed>(ev);
            out.push_back(std::move(ev));
            if (failed) break;
        }
        return out;
    }
    // Server → client; returns the client's events up to need_more.
    std::vector<wire::client_event> to_client() {
        feed(client, server.output());
        server.consume(server.output().size());
        std::vector<wire::client_event> out;
        for (auto ev = client.next_event(); !std::holds_alternative<wire::need_more>(ev); ev = client.next_event()) {
            const bool failed = std::holds_alternative<wire::connection_failed>(ev);
            out.push_back(std::move(ev));
            if (failed) break;
        }
        return out;
    }
};

request req(std::string_view verb, std::string_view path, bool uploads = false) {
    request r;
    r.verb = sx::symbol(std::string(verb));
    r.path = std::string(path);
    if (uploads) r.stream = true;
    return r;
}

chunk chunk_of(sx::value body) {
    chunk c;
    c.body = std::move(body);
    return c;
}

wire::request_id only_request(const std::vector<wire::connection_event>& evs) {
    REQUIRE(evs.size() == 1);
    REQUIRE(std::holds_alternative<wire::incoming_request>(evs[0]));
    return std::get<wire::incoming_request>(evs[0]).id;
}

std::string written(wire::server_connection& s) {
    std::string out(s.output());
    s.consume(out.size());
    return out;
}

} // namespace

TEST_CASE("A tagged server stream arrives as head then numbered chunks then done", "[stream]") {
    pair p;
    const auto call = p.client.send(req("fetch", "/count"));
    const auto id = only_request(p.to_server());

    REQUIRE(p.server.open_stream(id, response{}));
    for (int i = 0; i < 3; ++i) REQUIRE(p.server.stream(id, chunk_of(sx::value(std::int64_t{i}))));
    CHECK(p.server.stream_credit(id) == wire::stream_window - 3);
    REQUIRE(p.server.respond(id, response{}));

    const auto evs = p.to_client();
    REQUIRE(evs.size() == 5);
    REQUIRE(std::holds_alternative<wire::stream_opened>(evs[0]));
    CHECK(std::get<wire::stream_opened>(evs[0]).id == call);
    CHECK(std::get<wire::stream_opened>(evs[0]).head.stream == true);
    for (int i = 0; i < 3; ++i) {
        const auto& item = std::get<wire::stream_item>(evs[1 + i]);
        const auto& c = std::get<chunk>(item.item);
        CHECK(c.seq == i);
        CHECK(c.body == sx::value(std::int64_t{i}));
    }
    const auto& end = std::get<wire::stream_ended>(evs[4]);
    CHECK(end.id == call);
    CHECK_FALSE(end.last.body.has_value());
    CHECK(p.client.in_flight() == 0);
    CHECK(p.server.unanswered() == 0);
    CHECK(p.server.in_flight() == 0);
}

TEST_CASE("The wire form of a stream is the one SPEC section 3 shows", "[stream]") {
    wire::server_connection s;
    std::string in;
    wire::write_frame(in, "(request :verb subscribe :path \"/events/live\")");
    feed(s, in);
    const auto ev = s.next_event();
    const auto id = std::get<wire::incoming_request>(ev).id;
    REQUIRE(s.open_stream(id, response{}));
    event e;
    e.type = sx::symbol("heartbeat");
    e.time = 1711612860;
    REQUIRE(s.stream(id, e));
    REQUIRE(s.stream(id, chunk_of(sx::value("x"))));
    REQUIRE(s.respond(id, response{}));
    std::string expected;
    wire::write_frame(expected, "(response :status ok :stream true)");
    wire::write_frame(expected, "(event :type heartbeat :time 1711612860)");
    wire::write_frame(expected, "(chunk :seq 0 :body \"x\")");
    wire::write_frame(expected, "(chunk :done true)");
    CHECK(written(s) == expected);
}

TEST_CASE("A stream without credit stops and goes on when the client grants more", "[stream]") {
    pair p;
    const auto call = p.client.send(req("fetch", "/many"));
    const auto id = only_request(p.to_server());
    REQUIRE(p.server.open_stream(id, response{}));
    while (p.server.stream_credit(id) > 0) REQUIRE(p.server.stream(id, chunk_of(sx::value("x"))));
    CHECK(p.to_client().size() == 1 + wire::stream_window);

    p.client.grant(call, 5);
    const auto evs = p.to_server();
    REQUIRE(evs.size() == 1);
    CHECK(std::get<wire::credit_received>(evs[0]).id == id);
    CHECK(p.server.stream_credit(id) == 5);

    SECTION("credit for a finished stream is ignored") {
        REQUIRE(p.server.respond(id, response{}));
        p.to_client();
        CHECK(p.server.stream_credit(id) == 0);
        std::string in;  // a stale credit from a client that lost track
        wire::write_frame(in, "(credit :tag 1 :n 10)");
        feed(p.server, in);
        CHECK(std::holds_alternative<wire::need_more>(p.server.next_event()));
        CHECK(p.server.output().empty());
    }
}

TEST_CASE("An untagged stream keeps its place: later untagged answers wait for its done chunk", "[stream]") {
    pair p;
    const auto a = p.client.send(req("subscribe", "/a"), false);
    const auto b = p.client.send(req("fetch", "/b"), false);
    const auto evs = p.to_server();
    REQUIRE(evs.size() == 2);
    const auto ida = std::get<wire::incoming_request>(evs[0]).id;
    const auto idb = std::get<wire::incoming_request>(evs[1]).id;

    REQUIRE(p.server.respond(idb, response{}));  // b finishes first: held
    CHECK(p.server.output().empty());
    CHECK(p.server.held(idb) > 0);
    REQUIRE(p.server.open_stream(ida, response{}));
    CHECK(p.server.stream_credit(ida) > wire::stream_window);  // paced by the output bound, not by credit
    REQUIRE(p.server.stream(ida, chunk_of(sx::value("one"))));
    auto first = p.to_client();
    REQUIRE(first.size() == 2);
    CHECK(std::get<wire::stream_opened>(first[0]).id == a);
    CHECK(std::get<wire::stream_item>(first[1]).id == a);

    REQUIRE(p.server.respond(ida, response{}));
    auto rest = p.to_client();
    REQUIRE(rest.size() == 2);
    CHECK(std::get<wire::stream_ended>(rest[0]).id == a);
    CHECK(std::get<wire::answer>(rest[1]).id == b);
}

TEST_CASE("A later untagged stream is held until the answers before it are out", "[stream]") {
    pair p;
    p.client.send(req("fetch", "/slow"), false);
    const auto b = p.client.send(req("subscribe", "/b"), false);
    const auto evs = p.to_server();
    const auto ida = std::get<wire::incoming_request>(evs[0]).id;
    const auto idb = std::get<wire::incoming_request>(evs[1]).id;
    REQUIRE(p.server.open_stream(idb, response{}));
    REQUIRE(p.server.stream(idb, chunk_of(sx::value(1))));
    CHECK(p.server.output().empty());
    const std::size_t held = p.server.held(idb);
    CHECK(held > 0);
    REQUIRE(p.server.respond(ida, response{}));
    CHECK(p.server.held(idb) == 0);
    const auto out = p.to_client();
    REQUIRE(out.size() == 3);
    CHECK(std::holds_alternative<wire::answer>(out[0]));
    CHECK(std::get<wire::stream_opened>(out[1]).id == b);
    CHECK(std::get<wire::stream_item>(out[2]).id == b);
}

TEST_CASE("Cancel mid-stream ends it with a done chunk carrying the cancelled condition", "[stream]") {
    pair p;
    const auto call = p.client.send(req("subscribe", "/live"));
    const auto id = only_request(p.to_server());
    REQUIRE(p.server.open_stream(id, response{}));
    REQUIRE(p.server.stream(id, chunk_of(sx::value(1))));
    REQUIRE(p.client.cancel(call));
    const auto evs = p.to_server();
    REQUIRE(evs.size() == 1);
    CHECK(std::get<wire::cancel_requested>(evs[0]).id == id);
    CHECK_FALSE(p.server.stream(id, chunk_of(sx::value(2))));  // the handler learns it is over
    CHECK(p.server.stream_credit(id) == 0);
    CHECK(p.server.in_flight() == 1);                         // until its handler returns
    CHECK(p.server.respond(id, response{}));
    CHECK(p.server.in_flight() == 0);

    const auto out = p.to_client();
    REQUIRE(out.size() == 3);
    const auto& end = std::get<wire::stream_ended>(out[2]);
    CHECK(end.id == call);
    REQUIRE(end.last.body);
    const auto c = typed::from_sx<condition>(*end.last.body);
    CHECK(c.type.name() == "cancelled");
}

TEST_CASE("A handler's condition after the head ends the stream with it", "[stream]") {
    pair p;
    p.client.send(req("fetch", "/x"));
    const auto id = only_request(p.to_server());
    REQUIRE(p.server.open_stream(id, response{}));
    REQUIRE(p.server.respond(id, condition_response(status_code::error, make_condition(conditions::internal_error{}, "boom"))));
    const auto out = p.to_client();
    const auto& end = std::get<wire::stream_ended>(out.back());
    REQUIRE(end.last.body);
    CHECK(typed::from_sx<condition>(*end.last.body).type.name() == "internal-error");
}

TEST_CASE("The deadline and a drain that runs out end a stream with a done chunk", "[stream]") {
    pair p;
    p.client.send(req("subscribe", "/x"));
    p.client.send(req("subscribe", "/y"));
    const auto evs = p.to_server();
    const auto x = std::get<wire::incoming_request>(evs[0]).id;
    const auto y = std::get<wire::incoming_request>(evs[1]).id;
    REQUIRE(p.server.open_stream(x, response{}));
    REQUIRE(p.server.open_stream(y, response{}));
    REQUIRE(p.server.expire(x));
    p.server.abandon(condition_response(status_code::unavailable, make_condition(conditions::shutting_down{}, "bye")));
    const auto out = p.to_client();
    REQUIRE(out.size() == 4);
    CHECK(typed::from_sx<condition>(*std::get<wire::stream_ended>(out[2]).last.body).type.name() == "deadline-exceeded");
    CHECK(typed::from_sx<condition>(*std::get<wire::stream_ended>(out[3]).last.body).type.name() == "shutting-down");
}

TEST_CASE("A client stream: chunks in, credit back, the answer at the end", "[stream]") {
    pair p;
    const auto call = p.client.send(req("create", "/upload", true), false);  // streams are always tagged
    const auto id = only_request(p.to_server());
    for (int i = 0; i < 3; ++i) REQUIRE(p.client.send_chunk(call, chunk_of(sx::value(i))));
    chunk last;
    last.done = true;
    REQUIRE(p.client.send_chunk(call, last));
    CHECK_FALSE(p.client.send_chunk(call, chunk_of(sx::value(9))));  // after done
    const auto evs = p.to_server();
    REQUIRE(evs.size() == 4);
    for (int i = 0; i < 3; ++i) {
        const auto& c = std::get<wire::chunk_received>(evs[i]);
        CHECK(c.id == id);
        CHECK(c.c.seq == i);
    }
    CHECK(std::get<wire::chunk_received>(evs[3]).c.done == true);

    p.server.grant(id, 3);  // the stream is over: nothing to grant
    CHECK(p.server.output().empty());
    response r;
    r.body = sx::value(3);
    REQUIRE(p.server.respond(id, r));
    const auto out = p.to_client();
    REQUIRE(out.size() == 1);
    CHECK(std::get<wire::answer>(out[0]).id == call);
}

TEST_CASE("The server's credit reaches the client and a chunk beyond credit ends the request invalid", "[stream]") {
    pair p;
    const auto call = p.client.send(req("create", "/upload", true));
    const auto id = only_request(p.to_server());
    for (int i = 0; i < wire::stream_window; ++i) REQUIRE(p.client.send_chunk(call, chunk_of(sx::value(i))));
    CHECK(p.to_server().size() == static_cast<std::size_t>(wire::stream_window));

    p.server.grant(id, 2);
    auto credit = p.to_client();
    REQUIRE(credit.size() == 1);
    CHECK(std::get<wire::upload_credit>(credit[0]).id == call);
    CHECK(std::get<wire::upload_credit>(credit[0]).n == 2);

    for (int i = 0; i < 3; ++i) REQUIRE(p.client.send_chunk(call, chunk_of(sx::value(i))));
    const auto evs = p.to_server();
    REQUIRE(evs.size() == 3);
    CHECK(std::holds_alternative<wire::chunk_received>(evs[1]));
    CHECK(std::get<wire::cancel_requested>(evs[2]).id == id);
    const auto out = p.to_client();
    REQUIRE(out.size() == 1);
    const auto& a = std::get<wire::answer>(out[0]);
    CHECK(a.res.status.code() == status_code::invalid);
    CHECK(typed::from_sx<condition>(*a.res.body).message.value_or("").find("credit") != std::string::npos);
}

TEST_CASE("Client stream mistakes are refused with malformed-message", "[stream]") {
    wire::server_connection s;
    std::string in;
    SECTION("an untagged streaming request") {
        wire::write_frame(in, "(request :verb create :path \"/u\" :stream true)");
    }
    SECTION("an untagged chunk") {
        wire::write_frame(in, "(chunk :seq 0 :body 1)");
    }
    SECTION("a chunk for a request that does not stream") {
        wire::write_frame(in, "(request :verb fetch :path \"/u\" :tag 4)");
        wire::write_frame(in, "(chunk :tag 4 :seq 0 :body 1)");
    }
    feed(s, in);
    for (auto ev = s.next_event(); !std::holds_alternative<wire::need_more>(ev); ev = s.next_event()) {}
    wire::frame_reader out;
    out.feed(s.output());
    const wire::frame f = out.next();
    REQUIRE(f.state == wire::frame::complete);
    const auto r = typed::from_sx<response>(sx::read(f.payload));
    CHECK(r.status.code() == status_code::invalid);
    CHECK(typed::from_sx<condition>(*r.body).type.name() == "malformed-message");
}

TEST_CASE("The client refuses stream messages out of place", "[stream]") {
    wire::client_connection c;
    c.send(req("fetch", "/x"));
    std::string in;
    SECTION("a chunk before the stream head") {
        wire::write_frame(in, "(chunk :tag 1 :seq 0 :body 1)");
    }
    SECTION("a chunk out of sequence") {
        wire::write_frame(in, "(response :status ok :tag 1 :stream true)");
        wire::write_frame(in, "(chunk :tag 1 :seq 1 :body 1)");
    }
    SECTION("a second response head") {
        wire::write_frame(in, "(response :status ok :tag 1 :stream true)");
        wire::write_frame(in, "(response :status ok :tag 1)");
    }
    feed(c, in);
    bool failed = false;
    for (auto ev = c.next_event(); !std::holds_alternative<wire::need_more>(ev); ev = c.next_event()) {
        if (auto* f = std::get_if<wire::call_failed>(&ev)) {
            CHECK(f->error == wire::error::unexpected_message);
            failed = true;
        }
        if (std::holds_alternative<wire::connection_failed>(ev)) break;
    }
    CHECK(failed);
}

TEST_CASE("Credit granted before the stream opens adds to its window", "[stream]") {
    pair p;
    const auto call = p.client.send(req("fetch", "/big"));
    const auto id = only_request(p.to_server());
    p.client.grant(call, 192);  // a client that reads with a window of 256
    const auto evs = p.to_server();
    REQUIRE(evs.size() == 1);
    CHECK(std::holds_alternative<wire::credit_received>(evs[0]));
    REQUIRE(p.server.open_stream(id, response{}));
    CHECK(p.server.stream_credit(id) == 256);
}
