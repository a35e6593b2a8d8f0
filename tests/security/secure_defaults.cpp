// Secure by default (SPEC §3–§8 read as a careful protocol engineer would):
// capabilities are enforced or the server does not start, cookie options
// are honoured, credentials stay off plaintext, the client cache honours
// :vary, :origin is checked, and the forms the seeds write are understood.
#include "../support/net_harness.hpp"

#include <sxtp/client/cache.hpp>
#include <sxtp/sx.hpp>

using namespace sxtp;
using namespace sxtp_test;

namespace {

struct vault : sxtp::endpoint<"fetch", "/vault"> {
    using result = std::string;
    using capabilities = sxtp::capabilities<"vault:read">;
};
struct item_id {
    BOOST_HANA_DEFINE_STRUCT(item_id, (std::int64_t, id));
};
struct fetch_item : sxtp::endpoint<"fetch", "/things/{id}"> {
    using params = item_id;
    using result = std::string;
};
struct rename_item : sxtp::endpoint<"mutate", "/things/{id}"> {
    using params = item_id;
    using body = std::string;
    using result = std::string;
};
struct payment_declined {
    static constexpr std::string_view sxtp_condition = "payment-declined";
    static constexpr status_code sxtp_status = status_code::conflict;
    BOOST_HANA_DEFINE_STRUCT(payment_declined, (sx::keyword, reason), (std::string, provider));
};

request make_request(std::string verb, std::string path) {
    request r;
    r.verb = sx::symbol(std::move(verb));
    r.path = std::move(path);
    return r;
}
std::map<sx::keyword, cookie> one_cookie(std::string name, cookie c) {
    std::map<sx::keyword, cookie> m;
    m.emplace(sx::keyword(std::move(name)), std::move(c));
    return m;
}
cookie value_cookie(std::string v) {
    cookie c;
    c.value = sx::value(std::move(v));
    return c;
}
template <class F>
std::string thrown_by(F f) {
    try {
        f();
    } catch (const std::exception& e) {
        return e.what();
    }
    return "";
}

} // namespace

TEST_CASE("secure defaults: a route that declares capabilities without a policy refuses to listen, in one sentence") {
    asio::io_context io;
    server srv(io.get_executor());
    srv.handle<vault>([](const no_params&, const no_body&, call_context&) -> std::string { return "gold"; });
    const std::string why = thrown_by([&] { srv.listen("sxtp://127.0.0.1:0"); });
    CHECK(why.find("fetch /vault requires capabilities") != std::string::npos);
    CHECK(why.find("server_options::security") != std::string::npos);
    CHECK(why.find("trusted_network") != std::string::npos);
    CHECK(std::count(why.begin(), why.end(), '.') <= 1);  // one sentence
    // dispatch() (no listening) refuses the call the same way
    std::optional<response> r;
    run_coroutine(io, [&]() -> asio::awaitable<void> { r = co_await srv.dispatch(make_request("fetch", "/vault")); }, 10s);
    REQUIRE(r);
    CHECK(r->status.code() == status_code::forbidden);
    CHECK(sx::canonical(*r->body).find("no security policy") != std::string::npos);
}

TEST_CASE("secure defaults: trusted_network serves such a route to every caller, as documented") {
    server_options o;
    o.trusted_network = true;
    harness h(kind::tcp, o);
    h.srv->handle<vault>([](const no_params&, const no_body&, call_context&) -> std::string { return "gold"; });
    client c(h.io.get_executor(), h.where, h.client_options());
    h.run([&]() -> asio::awaitable<void> {
        auto r = co_await c.call<vault>(no_params{});
        REQUIRE(r.ok());
        CHECK(r.value() == "gold");
    });
}

TEST_CASE("cookie jar: a :secure cookie goes only over TLS or a Unix socket") {
    cookie_jar jar;
    cookie c = value_cookie("s");
    c.secure = true;
    jar.apply(one_cookie("session", c), "api.example.com");
    CHECK_FALSE(jar.for_request("/", {"api.example.com", false, std::nullopt}));
    const auto sent = jar.for_request("/", {"api.example.com", true, std::nullopt});
    REQUIRE(sent);
    CHECK(sent->count(sx::keyword("session")) == 1);
}

TEST_CASE("cookie jar: :domain scopes a cookie to a domain and its hosts, and a host sets cookies for itself only") {
    cookie_jar jar;
    cookie wide = value_cookie("w");
    wide.domain = "Example.com";
    cookie foreign = value_cookie("f");
    foreign.domain = "other.org";
    jar.apply(one_cookie("wide", wide), "api.example.com");
    jar.apply(one_cookie("foreign", foreign), "api.example.com");  // ignored
    jar.apply(one_cookie("mine", value_cookie("m")), "api.example.com");  // host-only
    CHECK(jar.size() == 2);
    auto names = [&](std::string host) {
        std::vector<std::string> out;
        if (auto s = jar.for_request("/", {std::move(host), true, std::nullopt}))
            for (const auto& [k, v] : *s) out.emplace_back(k.name());
        return out;
    };
    CHECK(names("api.example.com") == std::vector<std::string>{"mine", "wide"});
    CHECK(names("www.example.com") == std::vector<std::string>{"wide"});
    CHECK(names("example.com") == std::vector<std::string>{"wide"});
    CHECK(names("badexample.com").empty());
    CHECK(names("other.org").empty());
}

TEST_CASE("cookie jar: :same-site keeps strict and lax cookies off requests made for another site") {
    cookie_jar jar;
    cookie strict = value_cookie("s");
    strict.same_site = sx::keyword("strict");
    cookie none_secure = value_cookie("n");
    none_secure.same_site = sx::keyword("none");
    none_secure.secure = true;
    cookie none_plain = value_cookie("p");
    none_plain.same_site = sx::keyword("none");  // ignored: :none needs :secure
    jar.apply(one_cookie("strict", strict), "shop.example");
    jar.apply(one_cookie("cross", none_secure), "shop.example");
    jar.apply(one_cookie("plain", none_plain), "shop.example");
    jar.apply(one_cookie("lax", value_cookie("l")), "shop.example");  // the default
    CHECK(jar.size() == 3);
    const auto same = jar.for_request("/", {"shop.example", true, std::string("shop.example")});
    REQUIRE(same);
    CHECK(same->size() == 3);
    const auto cross = jar.for_request("/", {"shop.example", true, std::string("evil.example")});
    REQUIRE(cross);
    CHECK(cross->size() == 1);
    CHECK(cross->count(sx::keyword("cross")) == 1);
}

TEST_CASE("secure defaults: a server over TLS issues grants :secure, and the client keeps them off plaintext") {
    for (kind k : {kind::tls, kind::tcp}) {
        INFO(name_of(k));
        security_options s;
        auto policy = std::make_shared<security_policy>(s);
        server_options o;
        o.security = policy;
        harness h(k, o);
        h.srv->handle_raw("grant", "/grant", [policy](const request&, call_context&) {
            response r;
            r.set_cookie.emplace();
            r.set_cookie->emplace(security_policy::grant_cookie_name(), policy->issue_grant("visitor", {"vault:read"}, std::chrono::seconds(60)));
            return r;
        });
        client c(h.io.get_executor(), h.where, h.client_options());
        h.run([&]() -> asio::awaitable<void> {
            const response r = co_await c.call_raw(make_request("grant", "/grant"));
            REQUIRE(r.set_cookie);
            const cookie& g = r.set_cookie->at(security_policy::grant_cookie_name());
            CHECK(g.secure.value_or(false) == (k == kind::tls));
        });
    }
    // A secure grant kept by a jar does not go back over sxtp://.
    cookie_jar jar;
    cookie g = value_cookie("grant");
    g.secure = true;
    jar.apply(one_cookie("capabilities", g), "127.0.0.1");
    CHECK_FALSE(jar.for_request("/vault", {"127.0.0.1", false, std::nullopt}));
}

TEST_CASE("secure defaults: a client refuses to send a bearer token over plaintext TCP unless allowed") {
    asio::io_context io;
    client_options o;
    o.bearer_token = "tok-secret-123";
    const std::string why = thrown_by([&] { client c(io.get_executor(), "sxtp://127.0.0.1:5380", o); });
    CHECK(why.find("sxtps://") != std::string::npos);
    CHECK(why.find("allow_plaintext_credentials") != std::string::npos);
    CHECK(why.find("tok-secret-123") == std::string::npos);
    CHECK(thrown_by([&] { client c(io.get_executor(), "unix:/tmp/sxtp-never.sock", o); }).empty());
    CHECK(thrown_by([&] { client c(io.get_executor(), "sxtps://127.0.0.1:5381", o); }).empty());
    o.allow_plaintext_credentials = true;
    CHECK(thrown_by([&] { client c(io.get_executor(), "sxtp://127.0.0.1:5380", o); }).empty());
}

TEST_CASE("secure defaults: :origin outside the allow-list is refused origin-not-allowed") {
    server_options o;
    o.allowed_origins = {"https://app.example"};
    harness h(kind::tcp, o);
    client c(h.io.get_executor(), h.where, h.client_options());
    h.run([&]() -> asio::awaitable<void> {
        auto with_origin = [&](std::optional<std::string> origin) -> asio::awaitable<response> {
            request r = make_request("fetch", "/items/1");
            if (origin) {
                r.headers.emplace();
                r.headers->origin = *origin;
            }
            co_return co_await c.call_raw(std::move(r));
        };
        const response evil = co_await with_origin("https://evil.example");
        CHECK(evil.status.code() == status_code::forbidden);
        REQUIRE(evil.body);
        const auto cond = typed::from_sx<condition>(*evil.body);
        CHECK(cond.type.name() == "origin-not-allowed");
        const auto got0 = co_await with_origin("https://app.example");  // (not inside a Catch macro: g++ 12 would await it again)
        CHECK(got0.status.code() == status_code::ok);
        const auto got1 = co_await with_origin(std::nullopt);  // (not inside a Catch macro: g++ 12 would await it again)
        CHECK(got1.status.code() == status_code::ok);
    });
    CHECK(h.srv->stats()[server_event::origin_refused] == 1);
}

TEST_CASE("secure defaults: the :capabilities header counts like the :capabilities field") {
    security_options s;
    s.anonymous_capabilities = {"vault:read"};
    server_options o;
    o.security = std::make_shared<security_policy>(s);
    harness h(kind::tcp, o);
    h.srv->handle<vault>([](const no_params&, const no_body&, call_context&) -> std::string { return "gold"; });
    client c(h.io.get_executor(), h.where, h.client_options());
    h.run([&]() -> asio::awaitable<void> {
        request plain = make_request("fetch", "/vault");
        const auto got2 = co_await c.call_raw(plain);  // (not inside a Catch macro: g++ 12 would await it again)
        CHECK(got2.status.code() == status_code::ok);
        request asks = make_request("fetch", "/vault");
        asks.headers.emplace();
        asks.headers->capabilities = std::vector<sx::symbol>{sx::symbol("admin")};
        const response r = co_await c.call_raw(std::move(asks));
        CHECK(r.status.code() == status_code::forbidden);  // anonymous: unauthenticated
    });
}

TEST_CASE("secure defaults: a :link header that is not a dict is a malformed message") {
    auto decodes = [](std::string_view text) { return decode_message(sx::read(text)).has_value(); };
    CHECK_FALSE(decodes(R"((request :verb fetch :path "/" :headers {:link "/next"}))"));
    CHECK(decodes(R"((request :verb fetch :path "/" :headers {:link {:next "/page/2"}}))"));
    CHECK_FALSE(decodes(R"((response :status ok :headers {:link (a b)}))"));
}

TEST_CASE("secure defaults: a condition written as :status gives its status, and becomes the body") {
    auto m = decode_message(sx::read(R"((response :status (condition :type resource-not-found :message "No such post" :path "/x")))"));
    REQUIRE(m.has_value());
    const auto& r = std::get<response>(*m);
    CHECK(r.status.code() == status_code::not_found);
    REQUIRE(r.body);
    CHECK(typed::from_sx<condition>(*r.body).message == "No such post");
    auto domain = decode_message(sx::read(R"((response :status (condition :type payment-declined) :body "kept"))"));
    REQUIRE(domain.has_value());
    CHECK(std::get<response>(*domain).status.code() == status_code::error);  // a domain's own: error
    CHECK(*std::get<response>(*domain).body == sx::value("kept"));
}

TEST_CASE("secure defaults: domain fields at the top level of a condition are kept and reachable") {
    const auto c = typed::from_sx<condition>(sx::read(R"((condition :type payment-declined :reason :insufficient-funds :provider "sumup"))"));
    CHECK(c.other.size() == 2);
    const auto p = condition_as<payment_declined>(c);
    REQUIRE(p.has_value());
    CHECK(p->reason.name() == "insufficient-funds");
    CHECK(p->provider == "sumup");
    // written back as they came
    CHECK(sx::canonical(typed::to_sx(c)) == R"((condition :type payment-declined :provider "sumup" :reason :insufficient-funds))");
    // :detail wins over a top-level field of the same name
    const auto both = typed::from_sx<condition>(
        sx::read(R"((condition :type payment-declined :provider "top" :detail {:reason :expired :provider "detail"}))"));
    const auto q = condition_as<payment_declined>(both);
    REQUIRE(q.has_value());
    CHECK(q->provider == "detail");
}

TEST_CASE("secure defaults: inspect on a path with several verbs keeps SPEC's top-level keys") {
    harness h(kind::tcp);
    h.srv->handle<fetch_item>([](const item_id& i, const no_body&, call_context&) -> std::string { return std::to_string(i.id); });
    h.srv->handle<rename_item>([](const item_id&, const std::string& b, call_context&) -> std::string { return b; });
    client c(h.io.get_executor(), h.where, h.client_options());
    h.run([&]() -> asio::awaitable<void> {
        const response r = co_await c.call_raw(make_request("inspect", "/things/7"));
        REQUIRE(r.body);
        const sx::value& b = *r.body;
        CHECK(sx::canonical(*b.find("available-verbs")) == "(fetch inspect mutate)");
        REQUIRE(b.find("params-schema"));
        CHECK(sx::canonical(*b.find("params-schema")) == R"({:id "integer"})");
        CHECK(sx::canonical(*b.find("result-schema")) == R"("string")");
        CHECK(b.find("required-capabilities"));
        CHECK_FALSE(b.find("body-schema"));  // the verbs differ: under :endpoints only
        REQUIRE(b.find("endpoints"));
        CHECK(b.find("endpoints")->size() == 2);
    });
}

TEST_CASE("cache: answers that vary by :language are kept per language", "[cache]") {
    harness h(kind::tcp);
    int runs = 0;
    h.srv->handle_raw("navigate", "/hello", [&runs](const request& req, call_context&) {
        ++runs;
        const std::string lang = req.headers && req.headers->language && std::holds_alternative<std::string>(*req.headers->language)
                                     ? std::get<std::string>(*req.headers->language)
                                     : "en";
        response r;
        r.body = sx::value(lang == "de" ? "Hallo" : "Hello");
        r.headers.emplace();
        r.headers->vary = std::vector<sx::keyword>{sx::keyword("language")};
        return r;
    }, {.cache = cache_policy::immutable});
    auto cache = std::make_shared<response_cache>(1 << 20);
    auto o = h.client_options();
    o.cache = cache;
    client c(h.io.get_executor(), h.where, o);
    h.run([&]() -> asio::awaitable<void> {
        auto in = [&](std::string lang) -> asio::awaitable<std::string> {
            call_options opts;
            opts.headers.emplace();
            opts.headers->language = lang;
            const response r = co_await c.call_raw(make_request("navigate", "/hello"), opts);
            co_return r.body ? std::string(r.body->as_string()) : std::string();
        };
        const auto got3 = co_await in("en");  // (not inside a Catch macro: g++ 12 would await it again)
        CHECK(got3 == "Hello");
        const auto got4 = co_await in("de");  // (not inside a Catch macro: g++ 12 would await it again)
        CHECK(got4 == "Hallo");  // not the English answer
        const auto got5 = co_await in("en");  // (not inside a Catch macro: g++ 12 would await it again)
        CHECK(got5 == "Hello");
        const auto got6 = co_await in("de");  // (not inside a Catch macro: g++ 12 would await it again)
        CHECK(got6 == "Hallo");
    });
    CHECK(runs == 2);  // one per language; the rest from the cache
    CHECK(cache->stats().hits == 2);
}
