// Authentication and capabilities (SPEC §7): every refusal path, key
// rotation, bearer tokens, signed capability cookies, pre-auth limits, and
// a log that never sees a secret.
#include "../support/net_harness.hpp"

#include <sxtp/security/policy.hpp>
#include <sxtp/sx.hpp>

#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>

#include <mutex>
#include <thread>
#include <sys/socket.h>
#include <sys/time.h>
#include <vector>

using namespace sxtp;
using namespace sxtp_test;

namespace {

struct vault_ref {
    BOOST_HANA_DEFINE_STRUCT(vault_ref, (std::string, name));
};
// Needs vault:read; answers who asked.
struct read_vault : sxtp::endpoint<"fetch", "/vault/{name}"> {
    using params = vault_ref;
    using result = std::string;
    using capabilities = sxtp::capabilities<"vault:read">;
};
struct blob {
    BOOST_HANA_DEFINE_STRUCT(blob, (std::string, data));
};
// Needs nothing; takes a body of any size.
struct upload : sxtp::endpoint<"store", "/upload"> {
    using body = blob;
    using result = std::int64_t;
};

constexpr std::string_view secret_now = "s3cret-current-0123456789";
constexpr std::string_view secret_old = "s3cret-retired-9876543210";
constexpr std::string_view reader_secret = "s3cret-reader-5555";
constexpr std::string_view alice_token = "tok-alice-7f3e9c1d";
constexpr std::string_view cookie_secret = "cookie-s3cret-abcdef";

// What the server logged, shared by its threads (one here).
struct log_sink {
    std::mutex m;
    std::vector<std::string> lines;
    void operator()(std::string_view s) {
        std::lock_guard lock(m);
        lines.emplace_back(s);
    }
    // No line holds a secret, a token or a signature.
    void check_clean(const std::vector<std::string>& also = {}) {
        std::lock_guard lock(m);
        std::vector<std::string> forbidden{std::string(secret_now), std::string(secret_old), std::string(reader_secret),
                                           std::string(alice_token), std::string(cookie_secret)};
        forbidden.insert(forbidden.end(), also.begin(), also.end());
        for (const auto& line : lines)
            for (const auto& f : forbidden) {
                INFO(line);
                CHECK(line.find(f) == std::string::npos);
            }
    }
};

// A server with the vault, the upload, and a raw route that grants
// vault:read by cookie to whoever calls it with `:params {:ttl N}`.
struct secured {
    std::int64_t clock_offset = 0;  // the server's clock minus the real one
    std::shared_ptr<log_sink> log = std::make_shared<log_sink>();
    std::shared_ptr<security_policy> policy;
    harness h;

    static std::int64_t real_now() {
        return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
    }

    explicit secured(kind k = kind::tcp, std::vector<std::string> old_secrets = {std::string(secret_old)}) : h(k, options(old_secrets)) {
        h.srv->handle<read_vault>([](const vault_ref& v, const no_body&, call_context& ctx) -> std::string {
            return v.name + " for " + ctx.caller().name;
        });
        h.srv->handle<upload>([](const no_params&, const blob& b, call_context&) -> std::int64_t { return static_cast<std::int64_t>(b.data.size()); });
        h.srv->handle_raw("grant", "/grant", [p = policy](const request& req, call_context& ctx) {
            const std::int64_t ttl = req.params && req.params->is_dict() && req.params->find("ttl") ? req.params->find("ttl")->as_int() : 60;
            (void)ctx;
            response r;
            r.set_cookie.emplace();
            r.set_cookie->emplace(security_policy::grant_cookie_name(), p->issue_grant("visitor", {"vault:read"}, std::chrono::seconds(ttl)));
            return r;
        });
    }

    server_options options(std::vector<std::string> old_secrets) {
        security_options s;
        std::vector<std::string> secrets{std::string(secret_now)};
        secrets.insert(secrets.end(), old_secrets.begin(), old_secrets.end());
        s.hmac_keys = {{"blog", secrets, "blog-service", {"vault:read"}}, {"reader", {std::string(reader_secret)}, "reader", {"other"}}};
        s.bearer = security::static_tokens({{std::string(alice_token), principal{"alice", {"vault:read"}, true}}});
        s.cookie_secret = std::string(cookie_secret);
        s.clock = [this] { return real_now() + clock_offset; };
        policy = std::make_shared<security_policy>(std::move(s));
        server_options o;
        o.security = policy;
        o.log = [l = log](std::string_view m) { (*l)(m); };
        return o;
    }

    client_options with_hmac(std::string key_id, std::string_view secret) const {
        auto o = h.client_options();
        o.hmac = client_options::hmac_credentials{std::move(key_id), std::string(secret)};
        return o;
    }
};

std::string type_of(const response& r) {
    if (!r.body) return "(none)";
    auto c = typed::try_from_sx<condition>(*r.body);
    return c ? std::string(c->type.name()) : "(not a condition)";
}
std::string condition_message(const response& r) {
    if (!r.body) return {};
    auto c = typed::try_from_sx<condition>(*r.body);
    return c && c->message ? *c->message : std::string();
}

request vault_request(std::string name = "gold") {
    request r;
    r.verb = sx::symbol("fetch");
    r.path = "/vault/" + name;
    return r;
}

} // namespace

TEST_CASE("hmac: the signed text and signature match the published vector") {
    // docs/security.md shows this vector; the signature was computed outside
    // this code base (Python's hmac module) from the text below.
    const request req = typed::from_sx<request>(sx::read(R"((request :body "hi" :params {:id 7} :path "/items/7" :tag 9 :verb fetch :headers {:timeout-ms 5000}))"));
    const std::string text = security::string_to_sign("k1", 1790000000, "n-1", req);
    CHECK(text == "SXTP-HMAC-SHA256\nk1\n1790000000\nn-1\n"
                  R"((request :verb fetch :path "/items/7" :headers {:timeout-ms 5000} :params {:id 7} :body "hi"))");
    CHECK(security::hmac_sha256_hex("s3cret", text) == "9c49b1612155cc300569496652dae2fde96766b3c45ef582a7acabfcea99ab1c");

    request signed_req = req;
    security::sign(signed_req, "k1", "s3cret", 1790000000, "n-1");
    const auto a = typed::from_sx<security::hmac_auth>(*signed_req.auth);
    CHECK(a.signature == "9c49b1612155cc300569496652dae2fde96766b3c45ef582a7acabfcea99ab1c");
    CHECK(sx::canonical(*signed_req.auth) ==
          R"((hmac :key-id "k1" :time 1790000000 :nonce "n-1" :signature "9c49b1612155cc300569496652dae2fde96766b3c45ef582a7acabfcea99ab1c"))");

    // The tag and the auth itself are not covered; everything else is.
    request retagged = signed_req;
    retagged.tag = message_tag(std::int64_t{44});
    CHECK(security::string_to_sign("k1", 1790000000, "n-1", retagged) == text);
    request edited = signed_req;
    edited.params = sx::read("{:id 8}");
    CHECK(security::string_to_sign("k1", 1790000000, "n-1", edited) != text);
}

TEST_CASE("hmac: constant-time comparison and random nonces") {
    CHECK(security::equal_constant_time("abc", "abc"));
    CHECK_FALSE(security::equal_constant_time("abc", "abd"));
    CHECK_FALSE(security::equal_constant_time("abc", "abcd"));
    const std::string a = security::random_hex(16), b = security::random_hex(16);
    CHECK(a.size() == 32);
    CHECK(a != b);
}

TEST_CASE("nonce cache: replays, the window, and a bounded size with a floor") {
    security::nonce_cache c({.max_entries = 6, .max_keys = 2, .past_seconds = 300, .future_seconds = 30});  // 3 per key id
    using v = security::nonce_cache::verdict;
    CHECK(c.per_key_limit() == 3);
    CHECK(c.check("k", "n1", 1000, 1000) == v::fresh);
    CHECK(c.check("k", "n1", 1000, 1000) == v::replayed);
    CHECK(c.check("other", "n1", 1000, 1000) == v::fresh);  // nonces are per key id
    CHECK(c.check("k", "n2", 1001, 1001) == v::fresh);
    CHECK(c.check("k", "n3", 1002, 1002) == v::fresh);
    CHECK(c.size() == 4);
    CHECK(c.size("k") == 3);
    // k's share is full: its oldest (time 1000) goes and becomes k's floor.
    CHECK(c.check("k", "n4", 1003, 1003) == v::fresh);
    CHECK(c.size("k") == 3);
    CHECK(c.check("k", "n5", 1000, 1003) == v::forgotten);  // could replay a forgotten one
    CHECK(c.check("k", "n1", 1000, 1003) == v::forgotten);
    CHECK(c.check("other", "n2", 1000, 1003) == v::fresh);  // another key id: its own share, no floor
    // Past the window everything old leaves, and the floor with it.
    CHECK(c.check("k", "n6", 1400, 1400) == v::fresh);
    CHECK(c.size("k") == 1);
    CHECK(c.check("k", "n7", 1200, 1400) == v::fresh);  // inside the window again
    CHECK(c.check("k", "n8", 1099, 1400) == v::out_of_window);
    CHECK(c.check("k", "n8", 1431, 1400) == v::out_of_window);
    // Two key ids hold state: a third waits until one has nothing left in the window.
    CHECK(c.check("other", "n3", 1400, 1400) == v::fresh);
    CHECK(c.check("third", "n1", 1400, 1400) == v::too_many_keys);
    CHECK(c.check("third", "n1", 1800, 1800) == v::fresh);
    CHECK(c.key_count() == 1);
}

TEST_CASE("security: a signed client is admitted and its principal reaches the handler") {
    const kind k = GENERATE(kind::tcp, kind::tls);
    INFO(name_of(k));
    secured s(k);
    client c(s.h.io.get_executor(), s.h.where, s.with_hmac("blog", secret_now));
    s.h.run([&]() -> asio::awaitable<void> {
        const read_vault::params r_params{"gold"};  // named: g++ 12 destroys temporaries in a co_await twice
        auto r = co_await c.call<read_vault>(r_params);
        REQUIRE(r.ok());
        CHECK(r.value() == "gold for blog-service");
        const read_vault::params again_params{"silver"};  // named: g++ 12 destroys temporaries in a co_await twice
        auto again = co_await c.call<read_vault>(again_params);  // a fresh nonce each time
        REQUIRE(again.ok());
        request ping;
        ping.verb = sx::symbol("ping");
        ping.path = "/vault/gold";
        const response pong = co_await c.call_raw(ping);
        CHECK(pong.status.code() == status_code::ok);
    });
    s.log->check_clean();
}

TEST_CASE("security: refusals without auth, with a bad signature, an unknown key id or an unknown scheme") {
    secured s;
    client anonymous(s.h.io.get_executor(), s.h.where, s.h.client_options());
    client wrong_secret(s.h.io.get_executor(), s.h.where, s.with_hmac("blog", "not-the-secret"));
    client unknown_key(s.h.io.get_executor(), s.h.where, s.with_hmac("nobody", secret_now));
    s.h.run([&]() -> asio::awaitable<void> {
        const response none = co_await anonymous.call_raw(vault_request());
        CHECK(none.status.code() == status_code::forbidden);
        CHECK(type_of(none) == "unauthenticated");
        CHECK(condition_message(none) == "authentication required");

        const response bad = co_await wrong_secret.call_raw(vault_request());
        CHECK(bad.status.code() == status_code::forbidden);
        CHECK(type_of(bad) == "unauthenticated");
        CHECK(condition_message(bad) == "hmac signature does not match");

        const response unknown = co_await unknown_key.call_raw(vault_request());
        CHECK(type_of(unknown) == "unauthenticated");
        CHECK(condition_message(unknown) == "unknown hmac key id \"nobody\"");

        request odd = vault_request();
        odd.auth = sx::read(R"((basic "user:pass"))");
        const response scheme = co_await anonymous.call_raw(odd);
        CHECK(type_of(scheme) == "unauthenticated");

        request malformed = vault_request();
        malformed.auth = sx::read(R"((hmac :key-id "blog" :time "soon"))");
        const response m = co_await anonymous.call_raw(malformed);
        CHECK(type_of(m) == "unauthenticated");

        // An edited request fails its signature: sign, then change the path.
        request signed_req = vault_request("gold");
        security::sign(signed_req, "blog", secret_now, secured::real_now());
        signed_req.path = "/vault/platinum";
        const response edited = co_await anonymous.call_raw(signed_req);
        CHECK(condition_message(edited) == "hmac signature does not match");

        // Endpoints that need nothing stay open to anonymous callers.
        auto open = co_await anonymous.call<svc::get_item>({3});
        CHECK(open.ok());
    });
    s.log->check_clean({"not-the-secret", "user:pass"});
}

TEST_CASE("security: the clock-skew window holds both ways") {
    secured s;
    client c(s.h.io.get_executor(), s.h.where, s.with_hmac("blog", secret_now));
    s.h.run([&]() -> asio::awaitable<void> {
        s.clock_offset = 400;  // the server is ahead: the request is too old
        const response old = co_await c.call_raw(vault_request());
        CHECK(type_of(old) == "unauthenticated");
        CHECK(condition_message(old).find("from the server's clock") != std::string::npos);
        s.clock_offset = -400;  // the server is behind: the request is from the future
        const response future = co_await c.call_raw(vault_request());
        CHECK(type_of(future) == "unauthenticated");
        s.clock_offset = -250;  // 250 s from the future: beyond the 30 s allowed ahead
        const response early = co_await c.call_raw(vault_request());
        CHECK(type_of(early) == "unauthenticated");
        CHECK(condition_message(early).find("from the server's clock") != std::string::npos);
        s.clock_offset = 250;  // inside 300 s behind
        const response ahead = co_await c.call_raw(vault_request());
        CHECK(ahead.status.code() == status_code::ok);
        s.clock_offset = -25;  // inside 30 s ahead
        const response behind = co_await c.call_raw(vault_request());
        CHECK(behind.status.code() == status_code::ok);
    });
}

TEST_CASE("security: a replayed nonce is refused") {
    secured s;
    client c(s.h.io.get_executor(), s.h.where, s.h.client_options());
    s.h.run([&]() -> asio::awaitable<void> {
        request req = vault_request();
        security::sign(req, "blog", secret_now, secured::real_now());
        const response first = co_await c.call_raw(req);
        CHECK(first.status.code() == status_code::ok);
        const response replay = co_await c.call_raw(req);
        CHECK(replay.status.code() == status_code::forbidden);
        CHECK(condition_message(replay) == "hmac nonce already used (replay)");
    });
}

TEST_CASE("security: key rotation accepts every listed secret and nothing else") {
    {
        secured s;  // secrets: current and retired
        client now(s.h.io.get_executor(), s.h.where, s.with_hmac("blog", secret_now));
        client old(s.h.io.get_executor(), s.h.where, s.with_hmac("blog", secret_old));
        s.h.run([&]() -> asio::awaitable<void> {
            const read_vault::params a_params{"a"};  // named: g++ 12 destroys temporaries in a co_await twice
            auto a = co_await now.call<read_vault>(a_params);
            CHECK(a.ok());
            const read_vault::params b_params{"b"};  // named: g++ 12 destroys temporaries in a co_await twice
            auto b = co_await old.call<read_vault>(b_params);
            CHECK(b.ok());
        });
    }
    secured s(kind::tcp, {});  // the retired secret dropped
    client old(s.h.io.get_executor(), s.h.where, s.with_hmac("blog", secret_old));
    s.h.run([&]() -> asio::awaitable<void> {
        const response r = co_await old.call_raw(vault_request());
        CHECK(condition_message(r) == "hmac signature does not match");
    });
}

TEST_CASE("security: a missing capability is insufficient-capabilities with :missing") {
    secured s;
    client reader(s.h.io.get_executor(), s.h.where, s.with_hmac("reader", reader_secret));
    client blog(s.h.io.get_executor(), s.h.where, s.with_hmac("blog", secret_now));
    s.h.run([&]() -> asio::awaitable<void> {
        const response r = co_await reader.call_raw(vault_request());
        CHECK(r.status.code() == status_code::forbidden);
        const auto c = typed::from_sx<condition>(*r.body);
        CHECK(c.type.name() == "insufficient-capabilities");
        REQUIRE(c.detail);
        CHECK(sx::canonical(*c.detail) == "{:missing (vault:read)}");

        // listed capabilities count too
        call_options listed;
        listed.capabilities = std::vector<sx::symbol>{sx::symbol("vault:write"), sx::symbol("vault:read")};
        const response more = co_await blog.call_raw(vault_request(), listed);
        const auto m = typed::from_sx<condition>(*more.body);
        CHECK(m.type.name() == "insufficient-capabilities");
        REQUIRE(m.detail);
        CHECK(sx::canonical(*m.detail) == "{:missing (vault:write)}");
    });
}

TEST_CASE("security: bearer tokens through the validator") {
    secured s;
    auto good = s.h.client_options();
    good.bearer_token = std::string(alice_token);
    good.allow_plaintext_credentials = true;  // the test's loopback sxtp://
    auto bad = s.h.client_options();
    bad.bearer_token = "tok-mallory";
    bad.allow_plaintext_credentials = true;
    client alice(s.h.io.get_executor(), s.h.where, good);
    client mallory(s.h.io.get_executor(), s.h.where, bad);
    s.h.run([&]() -> asio::awaitable<void> {
        const read_vault::params r_params{"gold"};  // named: g++ 12 destroys temporaries in a co_await twice
        auto r = co_await alice.call<read_vault>(r_params);
        REQUIRE(r.ok());
        CHECK(r.value() == "gold for alice");
        const response refused = co_await mallory.call_raw(vault_request());
        CHECK(type_of(refused) == "unauthenticated");
        CHECK(condition_message(refused) == "bearer token refused");
    });
    s.log->check_clean({"tok-mallory"});

    // A server without a validator refuses bearer tokens.
    security_options only_hmac;
    server_options o;
    o.security = std::make_shared<security_policy>(std::move(only_hmac));
    harness plain(kind::tcp, o);
    client c(plain.io.get_executor(), plain.where, good);
    plain.run([&]() -> asio::awaitable<void> {
        auto r = co_await c.call<svc::get_item>({1});
        CHECK_FALSE(r.ok());
        CHECK(r.condition().type.name() == "unauthenticated");
    });
}

TEST_CASE("security: capability cookies grant, and a forged or expired one is refused") {
    secured s;
    client c(s.h.io.get_executor(), s.h.where, s.h.client_options());
    s.h.run([&]() -> asio::awaitable<void> {
        request grant;
        grant.verb = sx::symbol("grant");
        grant.path = "/grant";
        grant.params = sx::read("{:ttl 60}");
        const response granted = co_await c.call_raw(grant);
        REQUIRE(granted.status.code() == status_code::ok);
        CHECK(c.cookies().size() == 1);

        const read_vault::params r_params{"gold"};  // named: g++ 12 destroys temporaries in a co_await twice
        auto r = co_await c.call<read_vault>(r_params);  // the jar sends the cookie
        REQUIRE(r.ok());
        CHECK(r.value() == "gold for visitor");

        // Edit the grant: add a capability, keep the MAC.
        const auto jar = c.cookies().for_path("/vault/gold");
        REQUIRE(jar);
        auto g = typed::from_sx<security::grant>(jar->at(security_policy::grant_cookie_name()));
        g.capabilities.emplace_back("vault:write");
        request forged = vault_request();
        forged.cookies.emplace();
        forged.cookies->emplace(security_policy::grant_cookie_name(), typed::to_sx(g));
        const response f = co_await c.call_raw(forged);
        CHECK(f.status.code() == status_code::forbidden);
        CHECK(condition_message(f) == "the capabilities cookie was altered or forged");

        // A grant made up by the client, MAC and all.
        security::grant made{"mallory", {sx::symbol("vault:read")}, secured::real_now() + 600, std::string(64, 'a')};
        request invented = vault_request();
        invented.cookies.emplace();
        invented.cookies->emplace(security_policy::grant_cookie_name(), typed::to_sx(made));
        const response i = co_await c.call_raw(invented);
        CHECK(condition_message(i) == "the capabilities cookie was altered or forged");

        // Expired: the server's clock moves past the grant's expiry.
        s.clock_offset = 120;
        const response e = co_await c.call_raw(vault_request());
        CHECK(e.status.code() == status_code::forbidden);
        CHECK(condition_message(e) == "the capabilities cookie has expired");
    });
    s.log->check_clean();
}

TEST_CASE("security: the grant MAC matches the published vector") {
    security_options o;
    o.cookie_secret = "cookie-secret";
    o.clock = [] { return std::int64_t{1790000000}; };
    security_policy p(std::move(o));
    const cookie c = p.issue_grant("alice", {"vault:read"}, std::chrono::seconds(600));
    CHECK(sx::canonical(c.value) ==
          R"((grant :subject "alice" :capabilities (vault:read) :expires 1790000600 :mac "6cf199599e63827b9781078f11f95b3854f55522410b8dc303c91881364fa44d"))");
    CHECK(c.max_age == 600);
}

namespace {
// Writes one frame of `payload` on a raw socket and reads one answer.
// Reads time out after 5 s (SO_RCVTIMEO): a server that never answers fails the test.
std::string raw_exchange(asio::ip::tcp::socket& sock, wire::frame_reader& in, const std::string& payload) {
    const timeval five{5, 0};
    ::setsockopt(sock.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &five, sizeof five);
    std::string bytes;
    wire::write_frame(bytes, payload);
    boost::system::error_code write_error;  // a server that refuses the frame may stop reading it: its answer still comes
    asio::write(sock, asio::buffer(bytes), write_error);
    for (;;) {
        auto f = in.next();
        if (f.state == wire::frame::complete) return std::string(f.payload);
        if (f.state == wire::frame::failed) return "(framing failed)";
        auto room = in.prepare();
        boost::system::error_code ec;
        const std::size_t n = sock.read_some(asio::buffer(room.data(), room.size()), ec);
        if (ec) return "(closed)";
        in.commit(n);
    }
}
} // namespace

TEST_CASE("security: pre-auth limits until a request authenticates") {
    secured s;
    std::thread server_thread([&] { s.h.io.run_for(8s); });
    struct stop_io {
        secured& s;
        std::thread& t;
        ~stop_io() {
            s.h.io.stop();
            t.join();
        }
    } stopper{s, server_thread};
    const std::string big = "(request :verb store :path \"/upload\" :body {:data \"" + std::string(100 << 10, 'x') + "\"})";

    // Anonymous: a 100 KiB frame is over the 64 KiB pre-auth limit.
    {
        asio::io_context io;
        asio::ip::tcp::socket sock(io);
        sock.connect({asio::ip::make_address("127.0.0.1"), s.h.where.port});
        wire::frame_reader in;
        const std::string answer = raw_exchange(sock, in, big);
        CHECK(answer.find("frame-too-large") != std::string::npos);
        CHECK(answer.find(":limit 65536") != std::string::npos);
    }
    // Authenticated first (HMAC): the connection gets the normal limits.
    {
        asio::io_context io;
        asio::ip::tcp::socket sock(io);
        sock.connect({asio::ip::make_address("127.0.0.1"), s.h.where.port});
        wire::frame_reader in;
        request hello = vault_request();
        security::sign(hello, "blog", secret_now, secured::real_now());
        const std::string first = raw_exchange(sock, in, sx::canonical(typed::to_sx(hello)));
        CHECK(first.find(":status ok") != std::string::npos);
        const std::string answer = raw_exchange(sock, in, big);
        CHECK(answer == "(response :status ok :body 102400)");
    }
    // Anonymous: at most 4 requests in flight; a fifth is overloaded.
    {
        asio::io_context io;
        asio::ip::tcp::socket sock(io);
        sock.connect({asio::ip::make_address("127.0.0.1"), s.h.where.port});
        const timeval five{5, 0};
        ::setsockopt(sock.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &five, sizeof five);
        std::string bytes;
        for (int i = 0; i < 6; ++i) wire::write_frame(bytes, "(request :verb query :path \"/sleep\" :tag " + std::to_string(i) + " :params {:ms 300})");
        asio::write(sock, asio::buffer(bytes));
        wire::frame_reader in;
        int overloaded = 0, answered = 0;
        while (answered < 6) {
            auto f = in.next();
            if (f.state == wire::frame::complete) {
                ++answered;
                if (std::string_view(f.payload).find("overloaded") != std::string_view::npos) ++overloaded;
                continue;
            }
            REQUIRE(f.state == wire::frame::need_more);
            auto room = in.prepare();
            boost::system::error_code ec;
            const std::size_t n = sock.read_some(asio::buffer(room.data(), room.size()), ec);
            REQUIRE_FALSE(ec);
            in.commit(n);
        }
        CHECK(overloaded == 2);
    }
}
