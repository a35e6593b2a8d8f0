// Tests for include/sxtp/server/service.hpp: the request pipeline without
// sockets — each stage (ping and health, origin, authentication, routing,
// authorization, interceptors, the typed call, caching, inspect, streams)
// and its error paths, fed decoded requests and call contexts.
#include <sxtp/security/hmac.hpp>
#include <sxtp/server/service.hpp>
#include <sxtp/sx.hpp>
#include <sxtp/typed.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/hana/define_struct.hpp>

#include <catch2/catch.hpp>

#include <chrono>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

using namespace sxtp;
namespace asio = boost::asio;

namespace svc_test {
struct item_ref {
    BOOST_HANA_DEFINE_STRUCT(item_ref, (std::int64_t, id));
};
struct item {
    BOOST_HANA_DEFINE_STRUCT(item, (std::int64_t, id), (std::string, name));
};
struct no_such_item {
    static constexpr std::string_view sxtp_condition = "no-such-item";
    static constexpr status_code sxtp_status = status_code::not_found;
    BOOST_HANA_DEFINE_STRUCT(no_such_item, (std::int64_t, id));
};
struct get_item : endpoint<"fetch", "/items/{id}"> {
    using params = item_ref;
    using result = item;
    using raises = sxtp::raises<no_such_item>;
    static constexpr auto cache = cache_policy::revalidate;
};
struct slow_item : endpoint<"fetch", "/slow/{id}"> {
    using params = item_ref;
    using result = item;
};
struct add_item : endpoint<"create", "/items"> {
    using body = item;
    using result = item;
    static constexpr auto success = status_code::created;
};
struct secret : endpoint<"fetch", "/secret"> {
    using result = std::string;
    using capabilities = sxtp::capabilities<"vault:read">;
};
struct whoami : endpoint<"fetch", "/whoami"> {
    using result = std::string;
};
struct explode : endpoint<"mutate", "/explode"> {};
struct count_to_params {
    BOOST_HANA_DEFINE_STRUCT(count_to_params, (std::int64_t, n));
};
struct count_to : endpoint<"subscribe", "/count"> {
    using params = count_to_params;
    using chunk = std::int64_t;
};
} // namespace svc_test

namespace {
using namespace svc_test;

request make(std::string_view text) { return typed::from_sx<request>(sx::read(text)); }

std::string type_of(const response& r) {
    const auto c = condition_of(r);
    return c ? std::string(c->type.name()) : std::string();
}

// The messages a streaming call sends, kept as a stream_port_source would
// hand them to a connection.
struct recording_port final : stream_port, stream_port_source {
    std::vector<response> heads;
    std::vector<std::variant<chunk, event>> sent;
    std::size_t capacity = 1000;  // messages taken before send() reports the call over
    bool authenticated_seen = false;

    stream_port& stream_port_for(std::uint64_t) override { return *this; }
    void authenticated() override { authenticated_seen = true; }
    asio::awaitable<bool> open(response head, bool) override {
        if (heads.empty()) heads.push_back(std::move(head));
        co_return true;
    }
    asio::awaitable<bool> send(std::variant<chunk, event> m) override {
        if (sent.size() >= capacity) co_return false;
        sent.push_back(std::move(m));
        co_return true;
    }
    asio::awaitable<std::optional<chunk>> receive() override { co_return std::nullopt; }
    void refuse(condition) override {}
    bool opened() const noexcept override { return !heads.empty(); }
};

// The answer of `req` as a connection would get it: inline when resolve()
// has it, else from run() on an io_context. `inline_answer` says which.
response answer_of(service& svc, const request& req, call_context& ctx, bool* inline_answer = nullptr) {
    auto r = svc.resolve(req, ctx);
    if (auto* a = std::get_if<response>(&r)) {
        if (inline_answer) *inline_answer = true;
        return std::move(*a);
    }
    if (inline_answer) *inline_answer = false;
    asio::io_context io;
    std::optional<response> out;
    asio::co_spawn(io, svc.run(req, std::get<service::deferred>(std::move(r)), ctx), [&](std::exception_ptr e, response a) {
        if (e) std::rethrow_exception(e);
        out = std::move(a);
    });
    io.run_for(std::chrono::seconds(10));
    REQUIRE(out.has_value());
    return std::move(*out);
}

response answer_of(service& svc, std::string_view text, bool* inline_answer = nullptr) {
    const request req = make(text);
    call_context ctx{req, "test"};
    return answer_of(svc, req, ctx, inline_answer);
}

void add_shop(service& svc) {
    svc.handle<get_item>([](const item_ref& r) -> reply<get_item> {
        if (r.id == 404) return no_such_item{r.id};
        return item{r.id, "item " + std::to_string(r.id)};
    });
    svc.handle<slow_item>([](const item_ref& r) -> asio::awaitable<item> {
        co_await asio::post(co_await asio::this_coro::executor, asio::use_awaitable);
        co_return item{r.id, "slow"};
    });
    svc.handle<add_item>([](const item& body) { return body; });
    svc.handle<explode>([](call_context&) -> reply<explode> { throw std::runtime_error("the secret reason"); });
}
} // namespace

TEST_CASE("service: ping and health are answered inline before routing") {
    service svc;
    bool at_once = false;
    const auto pong = answer_of(svc, R"((request :verb ping :path "/anywhere"))", &at_once);
    CHECK(at_once);
    CHECK(pong.status.code() == status_code::ok);
    CHECK_FALSE(pong.body.has_value());

    CHECK(sx::canonical(*answer_of(svc, R"((request :verb health :path "/"))").body) == "{:status :serving}");
    svc.set_health("billing", false);
    CHECK(sx::canonical(*answer_of(svc, R"((request :verb health :path "/" :params {:service "billing"}))").body) == "{:status :not-serving}");
    const auto unknown = answer_of(svc, R"((request :verb health :path "/" :params {:service "nope"}))");
    CHECK(unknown.status.code() == status_code::not_found);
    CHECK(type_of(unknown) == "resource-not-found");
    svc.begin_draining();
    CHECK(sx::canonical(*answer_of(svc, R"((request :verb health :path "/"))").body) == "{:status :not-serving}");
}

TEST_CASE("service: routing refuses unknown paths and verbs with their conditions") {
    service svc;
    add_shop(svc);
    const auto missing = answer_of(svc, R"((request :verb fetch :path "/nothing/here"))");
    CHECK(missing.status.code() == status_code::not_found);
    CHECK(type_of(missing) == "resource-not-found");
    const auto wrong = answer_of(svc, R"((request :verb remove :path "/items/7"))");
    CHECK(wrong.status.code() == status_code::invalid);
    CHECK(type_of(wrong) == "unsupported-verb");
    CHECK(sx::canonical(*condition_of(wrong)->detail) == "{:available-verbs (fetch)}");
}

TEST_CASE("service: a typed call decodes params and body and encodes the value or the declared condition") {
    service svc;
    add_shop(svc);
    bool at_once = false;
    const auto got = answer_of(svc, R"((request :verb fetch :path "/items/7"))", &at_once);
    CHECK(at_once);  // a plain handler runs inline: no coroutine
    CHECK(got.status.code() == status_code::ok);
    CHECK(sx::canonical(*got.body) == R"({:id 7 :name "item 7"})");

    const auto made = answer_of(svc, R"((request :verb create :path "/items" :body {:id 3 :name "three"}))");
    CHECK(made.status.code() == status_code::created);
    CHECK(sx::canonical(*made.body) == R"({:id 3 :name "three"})");

    const auto declared = answer_of(svc, R"((request :verb fetch :path "/items/404"))");
    CHECK(declared.status.code() == status_code::not_found);
    CHECK(type_of(declared) == "no-such-item");

    const auto bad_path = answer_of(svc, R"((request :verb fetch :path "/items/seven"))");
    CHECK(bad_path.status.code() == status_code::invalid);
    CHECK(type_of(bad_path) == "invalid-params");
    CHECK(condition_of(bad_path)->message.value_or("").find(":path id") != std::string::npos);

    const auto bad_body = answer_of(svc, R"((request :verb create :path "/items" :body {:id "x" :name "three"}))");
    CHECK(type_of(bad_body) == "invalid-params");
    CHECK(condition_of(bad_body)->message.value_or("").find(":id") != std::string::npos);
}

TEST_CASE("service: a coroutine handler is deferred to run() and answered from there") {
    service svc;
    add_shop(svc);
    bool at_once = true;
    const auto got = answer_of(svc, R"((request :verb fetch :path "/slow/9"))", &at_once);
    CHECK_FALSE(at_once);
    CHECK(sx::canonical(*got.body) == R"({:id 9 :name "slow"})");

    // answer() does both steps, as server::dispatch does.
    asio::io_context io;
    const request req = make(R"((request :verb fetch :path "/slow/10"))");
    std::optional<response> out;
    asio::co_spawn(io, [&]() -> asio::awaitable<void> {
        call_context ctx{req, "test"};
        out = co_await svc.answer(req, ctx);
    }, asio::detached);
    io.run_for(std::chrono::seconds(10));
    REQUIRE(out.has_value());
    CHECK(sx::canonical(*out->body) == R"({:id 10 :name "slow"})");
}

TEST_CASE("service: a handler that throws answers internal-error and logs the reason only") {
    std::vector<std::string> logged;
    server_options o;
    o.log = [&](log_level, std::string_view line) { logged.emplace_back(line); };
    service svc(std::move(o));
    add_shop(svc);
    const auto r = answer_of(svc, R"((request :verb mutate :path "/explode"))");
    CHECK(r.status.code() == status_code::error);
    CHECK(type_of(r) == "internal-error");
    CHECK(sx::canonical(*r.body).find("secret reason") == std::string::npos);
    REQUIRE(logged.size() == 1);
    CHECK(logged[0].find("the secret reason") != std::string::npos);
    CHECK(svc.stats()[server_event::handler_failed] == 1);
}

TEST_CASE("service: authentication and authorization with HMAC and bearer tokens") {
    security_options s;
    s.hmac_keys = {{"k1", {"s3cret"}, "reporter", {"vault:read"}}};
    s.bearer = security::static_tokens({{"tok-1", principal{"token-user", {}, true}}});
    server_options o;
    o.security = std::make_shared<security_policy>(std::move(s));
    service svc(std::move(o));
    svc.handle<secret>([] { return std::string("the gold is in the cellar"); });
    svc.handle<whoami>([](call_context& ctx) { return ctx.caller().name; });
    const auto now = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();

    // anonymous: the route's capability is missing
    const auto anonymous = answer_of(svc, R"((request :verb fetch :path "/secret"))");
    CHECK(anonymous.status.code() == status_code::forbidden);

    // signed: admitted inline, and the connection hears of it
    request signed_req = make(R"((request :verb fetch :path "/secret"))");
    security::sign(signed_req, "k1", "s3cret", now, "nonce-1");
    recording_port port;
    call_context ctx{signed_req, "test"};
    ctx.ports_ = &port;
    bool at_once = false;
    const auto ok = answer_of(svc, signed_req, ctx, &at_once);
    CHECK(at_once);
    CHECK(ok.status.code() == status_code::ok);
    CHECK(ok.body->as_string() == "the gold is in the cellar");
    CHECK(port.authenticated_seen);
    CHECK(ctx.caller().name == "reporter");

    // a wrong secret: refused, counted, the peer told which check failed
    request forged = make(R"((request :verb fetch :path "/secret"))");
    security::sign(forged, "k1", "guess", now, "nonce-2");
    const auto no = answer_of(svc, forged, ctx);
    CHECK(no.status.code() == status_code::forbidden);
    CHECK(condition_of(no)->message.value_or("") == "hmac signature does not match");
    CHECK(svc.stats()[server_event::auth_refused] == 1);

    // a bearer token needs its validator: deferred, then routed
    const auto who = answer_of(svc, R"((request :verb fetch :path "/whoami" :auth (bearer "tok-1")))", &at_once);
    CHECK_FALSE(at_once);
    CHECK(who.body->as_string() == "token-user");
    const auto bad_token = answer_of(svc, R"((request :verb fetch :path "/whoami" :auth (bearer "tok-2")))");
    CHECK(bad_token.status.code() == status_code::forbidden);
}

TEST_CASE("service: capabilities without a policy are refused and reported as unchecked") {
    service svc;
    svc.handle<secret>([] { return std::string("x"); });
    CHECK(svc.unchecked_route() == std::optional<std::string>("fetch /secret"));
    const auto r = answer_of(svc, R"((request :verb fetch :path "/secret"))");
    CHECK(r.status.code() == status_code::forbidden);
    CHECK(type_of(r) == "unauthenticated");

    server_options trusted;
    trusted.trusted_network = true;
    service open(std::move(trusted));
    open.handle<secret>([] { return std::string("x"); });
    CHECK_FALSE(open.unchecked_route().has_value());
    CHECK(answer_of(open, R"((request :verb fetch :path "/secret"))").status.code() == status_code::ok);
}

TEST_CASE("service: origins outside the allowed list are refused") {
    server_options o;
    o.allowed_origins = {"https://good.example"};
    service svc(std::move(o));
    add_shop(svc);
    CHECK(answer_of(svc, R"((request :verb fetch :path "/items/1" :headers {:origin "https://good.example"}))").status.code() == status_code::ok);
    const auto r = answer_of(svc, R"((request :verb fetch :path "/items/1" :headers {:origin "https://evil.example"}))");
    CHECK(r.status.code() == status_code::forbidden);
    CHECK(type_of(r) == "origin-not-allowed");
    CHECK(svc.stats()[server_event::origin_refused] == 1);
}

TEST_CASE("service: a cached route adds its hash and answers not-modified to if-match") {
    service svc;
    add_shop(svc);
    const auto first = answer_of(svc, R"((request :verb fetch :path "/items/5"))");
    REQUIRE(first.headers.has_value());
    REQUIRE(first.headers->content_hash.has_value());
    CHECK(first.headers->cache->name() == "revalidate");
    const std::string again = R"((request :verb fetch :path "/items/5" :headers {:if-match ")" + *first.headers->content_hash + R"("}))";
    const auto second = answer_of(svc, again);
    CHECK(second.status.code() == status_code::not_modified);
    CHECK_FALSE(second.body.has_value());
    const auto other = answer_of(svc, R"((request :verb fetch :path "/items/5" :headers {:if-match "sha256:00"}))");
    CHECK(other.status.code() == status_code::ok);
}

TEST_CASE("service: inspect describes a path's endpoints from their types") {
    service svc;
    add_shop(svc);
    const auto r = answer_of(svc, R"((request :verb inspect :path "/items/3"))");
    REQUIRE(r.status.code() == status_code::ok);
    const std::string d = sx::canonical(*r.body);
    CHECK(d.find(":available-verbs (fetch inspect)") != std::string::npos);
    CHECK(d.find(":cache :revalidate") != std::string::npos);
    CHECK(d.find(":params-schema") != std::string::npos);
    const auto all = answer_of(svc, R"((request :verb inspect :path "/"))");
    CHECK(all.body->find("routes")->items().size() == 4);
    CHECK(answer_of(svc, R"((request :verb inspect :path "/nowhere"))").status.code() == status_code::not_found);
}

TEST_CASE("service: an interceptor refuses before the handler and sees every answer after") {
    struct gate final : server_interceptor {
        int after_calls = 0;
        std::optional<response> before(call_context& ctx) override {
            if (ctx.request.path == "/items/13") return condition_response(status_code::forbidden, make_condition(conditions::unauthenticated{}, "unlucky"));
            return std::nullopt;
        }
        void after(const call_context&, response&, std::chrono::nanoseconds) override { ++after_calls; }
    };
    auto g = std::make_shared<gate>();
    server_options o;
    o.interceptors = {g};
    service svc(std::move(o));
    add_shop(svc);
    CHECK(svc.observed());
    const auto refused = answer_of(svc, R"((request :verb fetch :path "/items/13"))");
    CHECK(refused.status.code() == status_code::forbidden);
    CHECK(condition_of(refused)->message == "unlucky");
    const request req = make(R"((request :verb fetch :path "/items/12"))");
    call_context ctx{req, "test"};
    auto ok = answer_of(svc, req, ctx);
    CHECK(ok.status.code() == status_code::ok);
    CHECK(ctx.route() == "/items/{id}");
    svc.observe(ctx, ok);  // the connection calls it once the answer is out
    CHECK(g->after_calls == 1);
}

TEST_CASE("service: a streaming handler writes its messages to the context's port") {
    service svc;
    svc.handle<count_to>([](const count_to_params& p, stream<count_to>& out) -> asio::awaitable<void> {
        for (std::int64_t i = 1; i <= p.n; ++i)
            if (!co_await out.write(i)) co_return;
    });
    recording_port port;
    const request req = make(R"((request :verb subscribe :path "/count" :params {:n 3}))");
    call_context ctx{req, "test"};
    ctx.ports_ = &port;
    const auto end = answer_of(svc, req, ctx);
    CHECK(end.status.code() == status_code::ok);
    REQUIRE(port.heads.size() == 1);
    CHECK(port.heads[0].status.code() == status_code::ok);  // the connection adds :stream true
    REQUIRE(port.sent.size() == 3);
    CHECK(std::get<chunk>(port.sent[2]).body->as_int() == 3);

    // the call is over after one message: the handler stops
    recording_port closing;
    closing.capacity = 1;
    call_context ctx2{req, "test"};
    ctx2.ports_ = &closing;
    (void)answer_of(svc, req, ctx2);
    CHECK(closing.sent.size() == 1);

    // without a port (no connection) a stream is an internal error, not a crash
    call_context bare{req, "test"};
    CHECK(type_of(answer_of(svc, req, bare)) == "internal-error");
}
