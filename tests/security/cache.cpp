// Content-addressed caching (SPEC §8): the server's :content-hash, :cache and
// not-modified, and the client's response_cache for all three policies.
#include "../support/net_harness.hpp"

#include <sxtp/client/cache.hpp>
#include <sxtp/sx.hpp>
#include <sxtp/sx/hash.hpp>

#include <cstdio>
#include <fstream>

using namespace sxtp;
using namespace sxtp_test;

namespace {

struct page_ref {
    BOOST_HANA_DEFINE_STRUCT(page_ref, (std::string, name));
};
struct page {
    BOOST_HANA_DEFINE_STRUCT(page, (std::string, name), (std::int64_t, version));
};
struct get_revalidated : sxtp::endpoint<"navigate", "/pages/{name}"> {
    using params = page_ref;
    using result = page;
    static constexpr auto cache = sxtp::cache_policy::revalidate;
};
struct get_immutable : sxtp::endpoint<"fetch", "/assets/{name}"> {
    using params = page_ref;
    using result = page;
    static constexpr auto cache = sxtp::cache_policy::immutable;
};
struct get_uncached : sxtp::endpoint<"query", "/live/{name}"> {
    using params = page_ref;
    using result = page;
};

// Counts the handler runs; `version` changes what the pages say.
struct site {
    int runs = 0;
    std::int64_t version = 1;
    void serve(server& srv) {
        auto handler = [this](const page_ref& p, const no_body&, call_context&) -> page {
            ++runs;
            return {p.name, version};
        };
        srv.handle<get_revalidated>(handler);
        srv.handle<get_immutable>(handler);
        srv.handle<get_uncached>(handler);
    }
};

request page_request(std::string verb, std::string path) {
    request r;
    r.verb = sx::symbol(std::move(verb));
    r.path = std::move(path);
    return r;
}

#ifdef SXTP_CLI
// `sxtp hash FILE` of `text`, by the command-line tool.
std::string cli_hash(const std::string& text) {
    const std::string file = std::string("/tmp/sxtp-cache-test-") + std::to_string(::getpid()) + ".sx";
    {
        std::ofstream out(file, std::ios::binary);
        out << text;
    }
    std::string got;
    if (FILE* p = ::popen((std::string(SXTP_CLI) + " hash " + file).c_str(), "r")) {
        char buf[256];
        while (std::fgets(buf, sizeof buf, p)) got += buf;
        ::pclose(p);
    }
    std::remove(file.c_str());
    while (!got.empty() && (got.back() == '\n' || got.back() == '\r')) got.pop_back();
    return got;
}
#endif

} // namespace

TEST_CASE("cache: the server adds :content-hash and :cache and answers an equal :if-match not-modified", "[cache]") {
    harness h(kind::tcp);
    site s;
    s.serve(*h.srv);
    client c(h.io.get_executor(), h.where, h.client_options());
    h.run([&]() -> asio::awaitable<void> {
        const response first = co_await c.call_raw(page_request("navigate", "/pages/home"));
        REQUIRE(first.status.code() == status_code::ok);
        REQUIRE(first.headers);
        REQUIRE(first.headers->content_hash);
        REQUIRE(first.headers->cache);
        CHECK(first.headers->cache->name() == "revalidate");
        CHECK(*first.headers->content_hash == sx::content_hash(*first.body));
#ifdef SXTP_CLI
        CHECK(*first.headers->content_hash == cli_hash(sx::pretty(*first.body)));  // the tool agrees, from any layout
#endif

        call_options same;
        same.headers.emplace();
        same.headers->if_match = *first.headers->content_hash;
        response nm = co_await c.call_raw(page_request("navigate", "/pages/home"), same);
        nm.tag.reset();  // the connection's own
        CHECK(sx::canonical(typed::to_sx(nm)) == "(response :status not-modified :headers {:content-hash " +
                                                       sx::canonical(sx::value(*first.headers->content_hash)) + "})");

        call_options stale;
        stale.headers.emplace();
        stale.headers->if_match = "sha3-0000";
        const response full = co_await c.call_raw(page_request("navigate", "/pages/home"), stale);
        CHECK(full.status.code() == status_code::ok);
        CHECK(full.body);

        const response imm = co_await c.call_raw(page_request("fetch", "/assets/logo"));
        REQUIRE(imm.headers);
        CHECK(imm.headers->cache->name() == "immutable");
        CHECK(imm.headers->content_hash == sx::content_hash(*imm.body));

        const response none = co_await c.call_raw(page_request("query", "/live/feed"));
        CHECK_FALSE(none.headers);  // :none: neither header

        // inspect tells the policy
        const response ins = co_await c.call_raw(page_request("inspect", "/assets/logo"));
        CHECK(sx::canonical(*ins.body->find("cache")) == ":immutable");
    });
}

TEST_CASE("cache: the client serves immutable locally, revalidates, and keeps nothing for none", "[cache]") {
    harness h(kind::tcp);
    site s;
    s.serve(*h.srv);
    auto cache = std::make_shared<response_cache>(1 << 20);
    auto o = h.client_options();
    o.cache = cache;
    client c(h.io.get_executor(), h.where, o);
    h.run([&]() -> asio::awaitable<void> {
        // immutable: one trip, then local
        const get_immutable::params a_params{"logo"};  // named: g++ 12 destroys temporaries in a co_await twice
        auto a = co_await c.call<get_immutable>(a_params);
        const get_immutable::params b_params{"logo"};  // named: g++ 12 destroys temporaries in a co_await twice
        auto b = co_await c.call<get_immutable>(b_params);
        REQUIRE(a.ok());
        REQUIRE(b.ok());
        CHECK(b.value().version == 1);
        CHECK(s.runs == 1);
        CHECK(cache->stats().hits == 1);

        // revalidate: the server is asked each time; unchanged → not-modified, the kept body
        const get_revalidated::params r1_params{"home"};  // named: g++ 12 destroys temporaries in a co_await twice
        auto r1 = co_await c.call<get_revalidated>(r1_params);
        const get_revalidated::params r2_params{"home"};  // named: g++ 12 destroys temporaries in a co_await twice
        auto r2 = co_await c.call<get_revalidated>(r2_params);
        REQUIRE(r2.ok());
        CHECK(r2.value().name == "home");
        CHECK(s.runs == 3);
        CHECK(cache->stats().revalidated == 1);
        s.version = 2;  // changed: a full answer replaces the kept one
        const get_revalidated::params r3_params{"home"};  // named: g++ 12 destroys temporaries in a co_await twice
        auto r3 = co_await c.call<get_revalidated>(r3_params);
        REQUIRE(r3.ok());
        CHECK(r3.value().version == 2);
        CHECK(cache->stats().revalidated == 1);
        const get_revalidated::params r4_params{"home"};  // named: g++ 12 destroys temporaries in a co_await twice
        auto r4 = co_await c.call<get_revalidated>(r4_params);
        CHECK(r4.value().version == 2);
        CHECK(cache->stats().revalidated == 2);
        (void)r1;

        // params are part of the key
        const get_revalidated::params other_params{"about"};  // named: g++ 12 destroys temporaries in a co_await twice
        auto other = co_await c.call<get_revalidated>(other_params);
        CHECK(other.value().name == "about");

        // none: never kept
        const std::size_t kept = cache->size();
        const get_uncached::params n1_params{"feed"};  // named: g++ 12 destroys temporaries in a co_await twice
        auto n1 = co_await c.call<get_uncached>(n1_params);
        const get_uncached::params n2_params{"feed"};  // named: g++ 12 destroys temporaries in a co_await twice
        auto n2 = co_await c.call<get_uncached>(n2_params);
        CHECK(n2.ok());
        CHECK(cache->size() == kept);
        (void)n1;
    });
    CHECK(s.runs == 8);
    CHECK(cache->stats().misses == 6);  // a, r1, r3, about, n1, n2
}

TEST_CASE("cache: bounded by bytes, least recently used first", "[cache]") {
    response_cache cache(400);
    auto answer = [](std::string body) {
        response r;
        r.body = sx::value(std::move(body));
        r.headers.emplace();
        r.headers->content_hash = sx::content_hash(*r.body);
        r.headers->cache = sx::keyword(std::string("immutable"));
        return r;
    };
    for (int i = 0; i < 10; ++i) {
        auto req = page_request("fetch", "/k/" + std::to_string(i));
        cache.settle(response_cache::key(req), std::nullopt, answer(std::string(100, char('a' + i))));
        CHECK(cache.bytes() <= 400);
        if (i == 1) CHECK(cache.find(response_cache::key(page_request("fetch", "/k/0"))));  // touch 0: most recent
    }
    CHECK(cache.stats().evictions > 0);
    CHECK_FALSE(cache.find(response_cache::key(page_request("fetch", "/k/1"))));
    CHECK(cache.find(response_cache::key(page_request("fetch", "/k/9"))));
    // larger than the whole cache: not kept
    response_cache tiny(50);
    tiny.settle("k", std::nullopt, answer(std::string(100, 'z')));
    CHECK(tiny.size() == 0);
    // a failure drops what was kept under its key
    response fail = condition_response(status_code::not_found, make_condition(conditions::resource_not_found{}, "gone"));
    const auto key9 = response_cache::key(page_request("fetch", "/k/9"));
    cache.settle(key9, std::nullopt, fail);
    CHECK_FALSE(cache.find(key9));
}
