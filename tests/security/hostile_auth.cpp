// Hostile peers (the issue's points 2, 5 and 7): integers at the ends of
// int64 in :auth, grants and cookies; one key flooding the replay cache;
// grants carrying fields their MAC does not cover. Run under UBSan with
// -fno-sanitize-recover, a signed overflow aborts this binary.
#include <sxtp/client/cookie_jar.hpp>
#include <sxtp/security/policy.hpp>
#include <sxtp/sx.hpp>

#include <catch2/catch.hpp>

#include <chrono>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

using namespace sxtp;

namespace {

constexpr std::int64_t int64_min = std::numeric_limits<std::int64_t>::min();
constexpr std::int64_t int64_max = std::numeric_limits<std::int64_t>::max();
constexpr std::int64_t server_now = 1790000000;
constexpr std::string_view secret_a = "s3cret-a-0123456789";
constexpr std::string_view secret_b = "s3cret-b-9876543210";
constexpr std::string_view cookie_secret = "cookie-s3cret-hostile";

// A policy with keys "a" and "b" whose clock reads `*now`.
security_options options_at(const std::int64_t* now) {
    security_options o;
    o.hmac_keys = {{"a", {std::string(secret_a)}, "service-a", {"x"}}, {"b", {std::string(secret_b)}, "service-b", {"x"}}};
    o.cookie_secret = std::string(cookie_secret);
    o.clock = [now] { return *now; };
    return o;
}

request plain_request() {
    request r;
    r.verb = sx::symbol("fetch");
    r.path = "/things/1";
    return r;
}

request signed_request(std::string_view key_id, std::string_view secret, std::int64_t time, std::string nonce = {}) {
    request r = plain_request();
    security::sign(r, key_id, secret, time, std::move(nonce));
    return r;
}

// The refusal's reason ("" when admitted).
std::string reason(const security_policy& p, const request& r) {
    std::string why;
    const auto out = p.authenticate(r, &why);
    if (!out.refusal) return {};
    CHECK_FALSE(why.empty());
    return why;
}

bool admitted(const security_policy& p, const request& r) {
    const auto out = p.authenticate(r);
    return !out.refusal && out.caller && out.caller->authenticated;
}

// `g` with the MAC the server would give it.
sx::value sealed(security::grant g) {
    g.mac.reset();
    g.mac = security::hmac_sha256_hex(cookie_secret, sx::canonical(typed::to_sx(g)));
    return typed::to_sx(g);
}

request with_cookie(const sx::value& grant) {
    request r = plain_request();
    r.cookies.emplace();
    r.cookies->emplace(security_policy::grant_cookie_name(), grant);
    return r;
}

} // namespace

// -- point 2: peer integers at the ends of int64 -----------------------------------

TEST_CASE("hostile peers: hmac :time at INT64_MIN or INT64_MAX or -1 or 0 is refused without overflow") {
    std::int64_t now = server_now;
    const security_policy p(options_at(&now));
    // The issue's request: an unknown key id, time INT64_MIN; refused before the key is looked up.
    request issue = plain_request();
    issue.auth = sx::read(R"((hmac :key-id "unknown" :time -9223372036854775808 :nonce "n" :signature "s"))");
    CHECK(reason(p, issue).find("from the server's clock") != std::string::npos);
    for (const std::int64_t t : {int64_min, int64_max, std::int64_t{-1}, std::int64_t{0}, int64_min + 1, int64_max - 1}) {
        INFO("time " << t);
        request unknown = plain_request();
        unknown.auth = sx::read("(hmac :key-id \"unknown\" :time " + std::to_string(t) + " :nonce \"n\" :signature \"s\")");
        CHECK(reason(p, unknown).find("from the server's clock") != std::string::npos);
        // Correctly signed by a known key: the time alone refuses it.
        CHECK(reason(p, signed_request("a", secret_a, t)).find("from the server's clock") != std::string::npos);
    }
}

TEST_CASE("hostile peers: a server clock at the ends of int64 compares without overflow") {
    for (const std::int64_t clock : {int64_max, int64_min, int64_max - 10, int64_min + 10}) {
        INFO("clock " << clock);
        std::int64_t now = clock;
        const security_policy p(options_at(&now));
        CHECK(admitted(p, signed_request("a", secret_a, clock)));
        const request far = signed_request("a", secret_a, clock > 0 ? int64_min : int64_max);
        CHECK(reason(p, far).find("from the server's clock") != std::string::npos);
        const request replay = signed_request("b", secret_b, clock, "same");
        CHECK(admitted(p, replay));
        CHECK(reason(p, replay) == "hmac nonce already used (replay)");
    }
}

TEST_CASE("hostile peers: grant :expires at the ends of int64") {
    std::int64_t now = server_now;
    const security_policy p(options_at(&now));
    for (const std::int64_t expires : {int64_min, std::int64_t{-1}, std::int64_t{0}, server_now}) {
        INFO("expires " << expires);
        const security::grant g{"mallory", {sx::symbol("x")}, expires, std::nullopt};
        CHECK(reason(p, with_cookie(sealed(g))) == "the capabilities cookie has expired");
    }
    const security::grant forever{"alice", {sx::symbol("x")}, int64_max, std::nullopt};
    const auto out = p.authenticate(with_cookie(sealed(forever)));
    REQUIRE_FALSE(out.refusal);
    CHECK(out.caller->name == "alice");

    // Issued with a lifetime at either end of std::chrono::seconds: saturated, never wrapped.
    const cookie longest = p.issue_grant("alice", {"x"}, std::chrono::seconds::max());
    CHECK(typed::from_sx<security::grant>(longest.value).expires == int64_max);
    CHECK(admitted(p, with_cookie(longest.value)));
    const cookie dead = p.issue_grant("alice", {"x"}, std::chrono::seconds::min());
    CHECK(typed::from_sx<security::grant>(dead.value).expires == server_now + int64_min);
    CHECK(reason(p, with_cookie(dead.value)) == "the capabilities cookie has expired");
    now = int64_max - 5;
    const cookie late = p.issue_grant("alice", {"x"}, std::chrono::seconds(60));
    CHECK(typed::from_sx<security::grant>(late.value).expires == int64_max);
    now = int64_min + 5;
    const cookie early = p.issue_grant("alice", {"x"}, std::chrono::seconds(-60));
    CHECK(typed::from_sx<security::grant>(early.value).expires == int64_min);
}

TEST_CASE("hostile peers: cookie :max-age at the ends of int64 through the cookie jar") {
    using clock = cookie_jar::clock;
    const auto set_cookie = [](std::int64_t max_age) {
        const auto r = typed::from_sx<response>(
            sx::read("(response :status ok :set-cookie {:session {:value \"v\" :max-age " + std::to_string(max_age) + "}})"));
        return *r.set_cookie;
    };
    for (const clock::time_point now : {clock::now(), clock::time_point::max() - std::chrono::seconds(1), clock::time_point::max(),
                                        clock::time_point::min(), clock::time_point::min() + std::chrono::seconds(1)}) {
        INFO("now " << now.time_since_epoch().count() << " ns");
        cookie_jar jar;
        jar.apply(set_cookie(int64_max), now);
        CHECK(jar.size() == 1);
        if (now != clock::time_point::max()) CHECK(jar.for_path("/", now));  // the expiry saturates at max(): due at once there
        jar.apply(set_cookie(int64_min), now);  // a non-positive max-age deletes
        CHECK(jar.size() == 0);
        jar.apply(set_cookie(int64_max - 1), now);
        jar.apply(set_cookie(-1), now);
        CHECK(jar.size() == 0);
        jar.apply(set_cookie(0), now);
        CHECK(jar.size() == 0);
        jar.apply(set_cookie(1), now);
        CHECK(jar.size() == 1);
    }
}

// -- point 5: the replay cache under one key's flood -----------------------------------

TEST_CASE("hostile peers: one key's flood of future-signed nonces does not lock out another key (nonce cache)") {
    security::nonce_cache c;  // 262,144 nonces: 64 key ids of 4,096; 300 s behind, 30 s ahead
    using v = security::nonce_cache::verdict;
    const std::size_t share = c.per_key_limit();
    REQUIRE(share == 4096);
    const std::int64_t now = server_now, ahead = now + c.bounds().future_seconds;
    std::size_t largest = 0, largest_a = 0, fresh = 0;
    for (int i = 0; i < 300000; ++i) {
        fresh += c.check("a", "flood-" + std::to_string(i), ahead, now) == v::fresh;
        largest = std::max(largest, c.size());
        largest_a = std::max(largest_a, c.size("a"));
    }
    CHECK(largest <= c.bounds().max_entries);  // (c) memory stays within the caps
    CHECK(largest_a <= share);
    CHECK(fresh == share);  // then the share is full of times no later than the flood's: refused
    // (a) Another key, signing at the current time: accepted, and its replay refused.
    CHECK(c.check("b", "first", now, now) == v::fresh);
    CHECK(c.check("b", "first", now, now) == v::replayed);
    CHECK(c.check("b", "second", now - 300, now) == v::fresh);
    CHECK(c.check("b", "third", ahead, now) == v::fresh);
    // (b) The flooding key: its replays are refused, whether it still holds them or not.
    CHECK(c.check("a", "flood-0", ahead, now) == v::replayed);
    CHECK(c.check("a", "flood-299999", ahead, now) == v::forgotten);
    // Its fresh nonce at now: refused, its share remembers only later times (the documented rule).
    CHECK(c.check("a", "fresh", now, now) == v::forgotten);
    // A second later it can sign past the oldest it holds: that time becomes its floor.
    CHECK(c.check("a", "later", ahead + 1, now + 1) == v::fresh);
    CHECK(c.size("a") == 1);
    CHECK(c.check("a", "flood-0", ahead, now + 1) == v::forgotten);
    CHECK(c.check("a", "fresh", now + 1, now + 1) == v::forgotten);
    // Once the floor leaves the window, the key signs at its clock again; b never noticed.
    const std::int64_t clear = ahead + c.bounds().past_seconds + 1;
    CHECK(c.check("a", "fresh", clear, clear) == v::fresh);
    CHECK(c.check("b", "fourth", clear, clear) == v::fresh);
    // (d) Beyond the future allowance.
    CHECK(c.check("b", "too-early", clear + 31, clear) == v::out_of_window);
}

TEST_CASE("hostile peers: the nonce cache stays within its per-key and global caps") {
    security::nonce_cache c({.max_entries = 1024, .max_keys = 8, .past_seconds = 300, .future_seconds = 30});
    using v = security::nonce_cache::verdict;
    REQUIRE(c.per_key_limit() == 128);
    const std::int64_t now = server_now;
    std::size_t largest = 0;
    for (int k = 0; k < 8; ++k)
        for (int i = 0; i < 1000; ++i) {
            // Times rising within the window: each key keeps rolling its own share.
            (void)c.check("key-" + std::to_string(k), std::to_string(i), now - 300 + i % 330, now);
            largest = std::max(largest, c.size());
            CHECK(c.size("key-" + std::to_string(k)) <= 128);
        }
    CHECK(largest <= 1024);
    CHECK(c.key_count() == 8);
    CHECK(c.check("key-9", "n", now, now) == v::too_many_keys);  // never through security_policy: one slot per key id
    CHECK(c.check("key-0", "n", now + 30, now) == v::fresh);      // an existing key is unaffected
    CHECK(c.check("key-9", "n", now + 400, now + 400) == v::fresh);  // the others' state left the window
    CHECK(c.size() <= 1024);
}

TEST_CASE("hostile peers: one key's flood does not lock out another key (security_policy)") {
    std::int64_t now = server_now;
    security_options o = options_at(&now);
    o.max_nonces = 8192;  // 4,096 per key id
    const security_policy p(std::move(o));
    const std::int64_t ahead = now + 30;
    const request first = signed_request("a", secret_a, ahead, "flood-0");
    int admitted_a = 0;
    for (int i = 0; i < 20000; ++i) admitted_a += admitted(p, signed_request("a", secret_a, ahead, "flood-" + std::to_string(i)));
    CHECK(admitted_a == 4096);
    CHECK(admitted(p, signed_request("b", secret_b, now)));
    CHECK(admitted(p, signed_request("b", secret_b, now - 250)));
    CHECK(reason(p, first) == "hmac nonce already used (replay)");  // the flooder's replay
    CHECK(reason(p, signed_request("a", secret_a, now)) == "hmac :time is older than the replay cache remembers for this key; sign again");
}

TEST_CASE("hostile peers: a 300000-request flood through security_policy leaves other keys signing at now") {
    std::int64_t now = server_now;
    const security_policy p(options_at(&now));  // the default 262,144 nonces: 131,072 per key id
    for (int i = 0; i < 300000; ++i) (void)p.authenticate(signed_request("a", secret_a, now + 30, "flood-" + std::to_string(i)));
    CHECK(admitted(p, signed_request("b", secret_b, now)));
    now += 1;
    CHECK(admitted(p, signed_request("b", secret_b, now)));
}

TEST_CASE("hostile peers: a request signed beyond the future allowance is refused with its reason") {
    std::int64_t now = server_now;
    const security_policy p(options_at(&now));
    CHECK(admitted(p, signed_request("a", secret_a, now + 30)));
    CHECK(reason(p, signed_request("a", secret_a, now + 31)) ==
          "hmac :time is 31 s from the server's clock (accepted: 300 s behind to 30 s ahead)");
    CHECK(reason(p, signed_request("a", secret_a, now + 290)) ==
          "hmac :time is 290 s from the server's clock (accepted: 300 s behind to 30 s ahead)");
    CHECK(admitted(p, signed_request("a", secret_a, now - 300)));
    CHECK(reason(p, signed_request("a", secret_a, now - 301)) ==
          "hmac :time is -301 s from the server's clock (accepted: 300 s behind to 30 s ahead)");
    CHECK(reason(p, signed_request("a", secret_a, int64_min)) ==
          "hmac :time is over 9223372036854775807 s from the server's clock (accepted: 300 s behind to 30 s ahead)");

    security_options wider = options_at(&now);
    wider.future_skew = std::chrono::seconds(60);
    const security_policy w(std::move(wider));
    CHECK(admitted(w, signed_request("a", secret_a, now + 60)));
    CHECK(reason(w, signed_request("a", secret_a, now + 61)) ==
          "hmac :time is 61 s from the server's clock (accepted: 300 s behind to 60 s ahead)");
}

// -- point 7: grants carry exactly the fields their MAC covers ---------------------------

TEST_CASE("hostile peers: a grant with a field its MAC does not cover is refused") {
    std::int64_t now = server_now;
    const security_policy p(options_at(&now));
    const cookie issued = p.issue_grant("alice", {"x"}, std::chrono::seconds(600));
    const std::string text = sx::canonical(issued.value);
    REQUIRE(text.ends_with(')'));
    const auto edited = [&](std::string_view extra) { return sx::read(text.substr(0, text.size() - 1) + std::string(extra) + ")"); };

    const auto ok = p.authenticate(with_cookie(issued.value));
    REQUIRE_FALSE(ok.refusal);
    CHECK(ok.caller->name == "alice");

    CHECK(reason(p, with_cookie(edited(" :admin true"))) == "the capabilities cookie has a field the server did not sign (:admin)");
    CHECK(reason(p, with_cookie(edited(" :scope \"all\""))) == "the capabilities cookie has a field the server did not sign (:scope)");
    CHECK(reason(p, with_cookie(edited(" :subject \"root\""))) == "the capabilities cookie repeats :subject");
    CHECK(reason(p, with_cookie(edited(" :mac \"00\""))) == "the capabilities cookie repeats :mac");
    CHECK(reason(p, with_cookie(edited(" admin"))) == "the capabilities cookie has an item the server did not sign");
    CHECK(reason(p, with_cookie(edited(" :admin"))) == "the capabilities cookie has an item the server did not sign");

    security::grant unsigned_grant = typed::from_sx<security::grant>(issued.value);
    unsigned_grant.mac.reset();
    CHECK(reason(p, with_cookie(typed::to_sx(unsigned_grant))) == "the capabilities cookie has no :mac");
    CHECK(reason(p, with_cookie(sx::read("(grant :subject \"alice\" :capabilities (x) :expires 1790000600)"))) ==
          "the capabilities cookie has no :mac");
    CHECK(reason(p, with_cookie(sx::read("{:subject \"alice\"}"))) == "the capabilities cookie is not a server grant");
}
