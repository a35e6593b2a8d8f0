// Tests for include/sxtp/wire/client_connection.hpp, and the client and
// server connections talking to each other in memory.
#include <sxtp/sx.hpp>
#include <sxtp/wire.hpp>

#include <catch2/catch.hpp>

#include <algorithm>
#include <map>
#include <random>
#include <string>
#include <vector>

using namespace sxtp;

namespace {

template <class From, class To>
void pipe(From& from, To& to) {
    std::string_view bytes = from.output();
    while (!bytes.empty()) {
        auto room = to.prepare();
        if (room.empty()) break;
        const std::size_t n = std::min(room.size(), bytes.size());
        std::copy_n(bytes.data(), n, room.data());
        to.commit(n);
        from.consume(n);
        bytes = from.output();
    }
}

request make(std::string_view path) {
    request r;
    r.verb = sx::symbol("fetch");
    r.path = std::string(path);
    return r;
}

std::vector<wire::client_event> drain(wire::client_connection& c) {
    std::vector<wire::client_event> out;
    for (auto ev = c.next_event(); !std::holds_alternative<wire::need_more>(ev); ev = c.next_event()) {
        const bool end = std::holds_alternative<wire::connection_failed>(ev);
        out.push_back(std::move(ev));
        if (end) break;
    }
    return out;
}

void feed_client(wire::client_connection& c, std::string_view bytes) {
    auto room = c.prepare();
    REQUIRE(room.size() >= bytes.size());
    std::copy_n(bytes.data(), bytes.size(), room.data());
    c.commit(bytes.size());
}

std::string frame_of(std::string_view payload) {
    std::string out;
    wire::write_frame(out, payload);
    return out;
}

} // namespace

TEST_CASE("client and server connections: every call gets its own answer, in any order") {
    std::mt19937_64 rng(11);
    for (int round = 0; round < 100; ++round) {
        wire::client_connection client;
        wire::server_connection server;
        std::map<wire::call_id, std::string> expected;
        for (int i = 0, n = 1 + static_cast<int>(rng() % 20); i < n; ++i) {
            const std::string path = "/item/" + std::to_string(i);
            expected[client.send(make(path), rng() % 2)] = path;
        }
        pipe(client, server);
        std::vector<wire::incoming_request> running;
        for (auto ev = server.next_event(); !std::holds_alternative<wire::need_more>(ev); ev = server.next_event())
            if (auto* r = std::get_if<wire::incoming_request>(&ev)) running.push_back(std::move(*r));
        std::shuffle(running.begin(), running.end(), rng);
        for (auto& r : running) {
            response res;
            res.body = sx::value(r.req.path);
            server.respond(r.id, std::move(res));
        }
        pipe(server, client);
        std::size_t answered = 0;
        for (auto& ev : drain(client)) {
            auto* a = std::get_if<wire::answer>(&ev);
            REQUIRE(a != nullptr);
            CHECK(a->res.body->as_string() == expected.at(a->id));
            ++answered;
        }
        CHECK(answered == expected.size());
        CHECK(client.in_flight() == 0);
    }
}

TEST_CASE("client connection: cancel reaches the server and the call is answered cancelled") {
    wire::client_connection client;
    wire::server_connection server;
    const auto id = client.send(make("/slow"));
    pipe(client, server);
    auto ev = server.next_event();
    REQUIRE(std::holds_alternative<wire::incoming_request>(ev));
    const auto rid = std::get<wire::incoming_request>(ev).id;
    CHECK(client.cancel(id));
    CHECK_FALSE(client.cancel(9999));
    pipe(client, server);
    CHECK(std::holds_alternative<wire::cancel_requested>(server.next_event()));
    server.respond(rid, response{});
    pipe(server, client);
    const auto evs = drain(client);
    REQUIRE(evs.size() == 1);
    const auto& a = std::get<wire::answer>(evs[0]);
    CHECK(a.id == id);
    CHECK(a.res.status.code() == status_code::error);
}

TEST_CASE("client connection: a server that breaks the protocol fails every call once") {
    const std::pair<std::string, wire::error> cases[] = {
        {frame_of("(response :status ok :tag 77)"), wire::error::unknown_tag},
        {frame_of("(response :status ok)") + frame_of("(response :status ok)") + frame_of("(response :status ok)"),
         wire::error::unexpected_response},
        {frame_of("(event :type heartbeat)"), wire::error::unexpected_message},
        {frame_of("(response :status"), wire::error::malformed_message},
        {"junk\n", wire::error::malformed_frame},
    };
    for (const auto& [bytes, code] : cases) {
        INFO("bytes: " << bytes);
        wire::client_connection client;
        const auto a = client.send(make("/a"), false);
        const auto b = client.send(make("/b"), true);
        client.consume(client.output().size());
        feed_client(client, bytes);
        const auto evs = drain(client);
        std::vector<wire::call_id> failed;
        for (const auto& ev : evs)
            if (auto* f = std::get_if<wire::call_failed>(&ev)) {
                CHECK(f->error == code);
                failed.push_back(f->id);
            }
        // The untagged call may have been answered by the first untagged response.
        CHECK(std::find(failed.begin(), failed.end(), b) != failed.end());
        CHECK(failed.size() + (std::find(failed.begin(), failed.end(), a) == failed.end() ? 1u : 0u) == 2u);
        REQUIRE(std::holds_alternative<wire::connection_failed>(evs.back()));
        CHECK(client.failed());
        CHECK(client.prepare().empty());
        const auto late = client.send(make("/late"));
        const auto after = drain(client);
        REQUIRE(after.size() == 2);
        CHECK(std::get<wire::call_failed>(after[0]).id == late);
    }
}

TEST_CASE("client connection: closing fails what is in flight") {
    wire::client_connection client;
    const auto a = client.send(make("/a"));
    client.close();
    const auto evs = drain(client);
    REQUIRE(evs.size() == 2);
    CHECK(std::get<wire::call_failed>(evs[0]).id == a);
    CHECK(std::get<wire::call_failed>(evs[0]).error == wire::error::connection_closed);
    CHECK(client.in_flight() == 0);
}
