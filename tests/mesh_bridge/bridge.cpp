// The Mesh transport's I/O-free parts: JSON ↔ SX, the typed plain form,
// message framing and parsing, and messages as calls of a service.
#include <sxtp/mesh/bridge.hpp>

#include <catch2/catch.hpp>

using namespace sxtp;
using sxtp::sx::value;
namespace json = boost::json;

namespace {

enum class mode { fast, careful };
BOOST_DESCRIBE_ENUM(mode, fast, careful)

struct auth_like {
    static constexpr std::string_view sxtp_form = "sig";
    BOOST_HANA_DEFINE_STRUCT(auth_like, (std::string, key_id), (std::int64_t, time));
};
struct thing {
    BOOST_HANA_DEFINE_STRUCT(thing, (std::int64_t, id), (sx::symbol, kind), (mode, how), (sx::keyword, slot), (double, weight),
                             (std::map<std::string, int>, counts), (std::map<sx::symbol, std::string>, by_symbol),
                             (std::optional<auth_like>, sig), (std::vector<sx::symbol>, tags), (value, extra));
};

struct id_params {
    BOOST_HANA_DEFINE_STRUCT(id_params, (std::int64_t, id), (std::optional<std::int64_t>, per_page));
};
struct get_thing : endpoint<"fetch", "/things/{id}"> {
    using params = id_params;
    using result = thing;
};
struct put_thing : endpoint<"mutate", "/things/{id}"> {
    static constexpr std::string_view function_name = "put-thing";
    using params = id_params;
    using body = thing;
    using result = thing;
};
struct store : endpoint<"mutate", "/store"> {
    static constexpr std::string_view function_name = "store";
    using body = thing;
};
struct stamp_result {
    BOOST_HANA_DEFINE_STRUCT(stamp_result, (std::string, who));
};
struct stamp : endpoint<"query", "/stamp"> {
    static constexpr std::string_view function_name = "stamp";
    using result = stamp_result;
};

thing sample() {
    thing t;
    t.id = 7;
    t.kind = sx::symbol("gadget");
    t.how = mode::careful;
    t.slot = sx::keyword("per-page");
    t.weight = 2.0;
    t.counts = {{"a", 1}, {"b c", 2}};
    t.by_symbol = {{sx::symbol("three"), "3"}};
    t.sig = auth_like{"k1", 1700000000};
    t.tags = {sx::symbol("x"), sx::symbol("y")};
    t.extra = value::dict(value::make_keyword("n"), 1, value::make_keyword("s"), value::make_symbol("sym"));
    return t;
}

void serve(service& s) {
    s.handle<get_thing>([](const id_params& p) {
        thing t = sample();
        t.id = p.id;
        return t;
    });
    s.handle<put_thing>([](const id_params& p, const thing& t) {
        thing out = t;
        out.id = p.id;
        return out;
    });
    s.handle<store>([](const thing&) { return no_result{}; });
    s.handle<stamp>([](call_context& ctx) { return stamp_result{std::string(ctx.metadata("x-service-name").value_or("?"))}; });
}

json::object answer_of(service& s, const mesh::channel_headers& h, std::string_view message_json) {
    auto m = mesh::parse_message(message_json);
    REQUIRE(m.has_value());
    auto c = mesh::to_call(s, h, std::move(*m));
    if (auto* refusal = std::get_if<mesh::channel_message>(&c)) return json::parse(mesh::frame_message(*refusal).substr(4)).as_object();
    auto& call = std::get<mesh::bridged_call>(c);
    call_context ctx(call.req, "test");
    ctx.metadata_ = h.metadata;
    auto r = s.resolve(call.req, ctx);
    REQUIRE(std::holds_alternative<response>(r));
    return json::parse(mesh::frame_message(mesh::answer_message(call, std::get<response>(r))).substr(4)).as_object();
}

} // namespace

TEST_CASE("mesh json: SX and JSON convert both ways and refuse what JSON cannot hold") {
    const value v = value::dict(value::make_keyword("a"), value::list(1, 2.5, "x", nullptr, true), value::make_keyword("b"), value::make_symbol("sym"),
                                value::make_keyword("c"), value::make_keyword("kw"), "not a keyword", 3);
    const json::value j = mesh::to_json(v);
    CHECK(json::serialize(j) == R"({"not a keyword":3,"a":[1,2.5E0,"x",null,true],"b":"sym","c":":kw"})");
    const value back = mesh::from_json(j);
    CHECK(back.at("a") == v.at("a"));
    CHECK(back.at("b") == value("sym"));  // untyped: a symbol comes back as its name
    CHECK(back.find(value("not a keyword"))->as_int() == 3);
    CHECK(mesh::from_json(json::parse("2.0")).is_float());
    CHECK(mesh::from_json(json::parse("2")).is_int());

    CHECK_THROWS_AS(mesh::to_json(value(std::numeric_limits<double>::infinity())), std::invalid_argument);
    CHECK_THROWS_AS(mesh::from_json(json::parse("18446744073709551615")), std::invalid_argument);
    value deep = value::make_list();
    for (int i = 0; i < 100; ++i) deep = value::list(std::move(deep));
    CHECK_THROWS_AS(mesh::to_json(deep), std::invalid_argument);
}

TEST_CASE("mesh json: a typed value goes through JSON and comes back exactly") {
    const thing t = sample();
    value v = typed::to_sx(t);
    typed::to_plain<thing>(v);
    const std::string text = json::serialize(mesh::to_json(v));
    CHECK(text.find(R"("kind":"gadget")") != std::string::npos);
    CHECK(text.find(R"("how":"careful")") != std::string::npos);
    CHECK(text.find(R"("slot":"per-page")") != std::string::npos);
    CHECK(text.find(R"("sig":{"key-id":"k1","time":1700000000})") != std::string::npos);
    CHECK(text.find(R"("by-symbol":{"three":"3"})") != std::string::npos);
    value back = mesh::from_json(json::parse(text));
    typed::from_plain<thing>(back);
    const auto decoded = typed::try_from_sx<thing>(back);
    REQUIRE(decoded.has_value());
    CHECK_FALSE(typed::to_sx(*decoded) == typed::to_sx(t));  // extra's symbol came back a string (an untyped position)
    thing expected = t;
    expected.extra = value::dict(value::make_keyword("n"), 1, value::make_keyword("s"), "sym");
    CHECK(typed::to_sx(*decoded) == typed::to_sx(expected));

    // An integer where the type wants a float, a keyword written with its colon.
    value loose = mesh::from_json(json::parse(R"({"id":1,"kind":"k","how":"fast","slot":":s","weight":3,"counts":{},"by-symbol":{},"tags":[],"extra":null})"));
    typed::from_plain<thing>(loose);
    const auto d2 = typed::try_from_sx<thing>(loose);
    REQUIRE(d2.has_value());
    CHECK(d2->weight == 3.0);
    CHECK(d2->slot == sx::keyword("s"));
}

TEST_CASE("mesh channel: framing splits messages anywhere and refuses empty and oversized ones") {
    mesh::channel_message m{"add", json::object{{"a", 1}}, json::object{{"id", 5}}};
    const std::string one = mesh::frame_message(m);
    const std::string two = one + one;
    for (std::size_t cut = 0; cut <= two.size(); ++cut) {
        mesh::message_framer f(1024);
        std::vector<std::string> got;
        auto collect = [&](std::string_view j) { got.emplace_back(j); };
        CHECK(f.append(std::string_view(two).substr(0, cut), collect) == mesh::message_framer::status::ok);
        CHECK(f.append(std::string_view(two).substr(cut), collect) == mesh::message_framer::status::ok);
        REQUIRE(got.size() == 2);
        CHECK(got[1] == one.substr(4));
        CHECK_FALSE(f.partial());
    }
    mesh::message_framer small(10);
    CHECK(small.append(one, [](std::string_view) {}) == mesh::message_framer::status::too_large);
    CHECK(small.held() <= one.size());
    mesh::message_framer any(10);
    std::vector<std::string> empty;
    CHECK(any.append(std::string("\0\0\0\0", 4), [&](std::string_view j) { empty.emplace_back(j); }) == mesh::message_framer::status::ok);
    CHECK(empty == std::vector<std::string>{""});
    CHECK(mesh::parse_message("").error() == mesh::message_error::bad_json);
    mesh::message_framer huge(1 << 20);
    CHECK(huge.append("\xff\xff\xff\xff", [](std::string_view) {}) == mesh::message_framer::status::too_large);

    CHECK(mesh::parse_message("{bad").error() == mesh::message_error::bad_json);
    CHECK(mesh::parse_message("[1]").error() == mesh::message_error::not_object);
    CHECK(mesh::parse_message(R"({"payload":1})").error() == mesh::message_error::bad_function_name);
    CHECK(mesh::parse_message(R"({"function_name":3})").error() == mesh::message_error::bad_function_name);
    CHECK(mesh::parse_message(R"({"function_name":"f","metadata":[]})").error() == mesh::message_error::bad_metadata);
    CHECK(mesh::parse_message(std::string(100, '[') + std::string(100, ']')).error() == mesh::message_error::bad_json);
    const auto ok = mesh::parse_message(R"({"function_name":"f"})");
    REQUIRE(ok.has_value());
    CHECK(ok->payload.is_null());
}

TEST_CASE("mesh bridge: function names and payload shapes reach the typed handlers") {
    service s;
    serve(s);
    CHECK(s.function("fetch /things/{id}"));
    CHECK(s.function("put-thing"));
    CHECK_FALSE(s.function("mutate /things/{id}"));  // it declared a name of its own
    const mesh::channel_headers h{{{"x-service-name", "orders"}, {"x-session-id", "s1"}}, std::nullopt};

    // params only: the payload is the params object, the path parameter included
    auto a = answer_of(s, h, R"({"function_name":"fetch /things/{id}","payload":{"id":9},"metadata":{"id":"call-1"}})");
    CHECK(a.at("metadata").at("status") == "ok");
    CHECK(a.at("metadata").at("id") == "call-1");
    CHECK(a.at("payload").at("id") == 9);
    CHECK(a.at("payload").at("kind") == "gadget");
    // params and body
    const std::string body = json::serialize(a.at("payload"));
    a = answer_of(s, h, R"({"function_name":"put-thing","payload":{"params":{"id":3},"body":)" + body + "}}");
    CHECK(a.at("metadata").at("status") == "ok");
    CHECK(a.at("payload").at("id") == 3);
    CHECK(a.at("payload").at("sig").at("key-id") == "k1");
    // body only, no result
    a = answer_of(s, h, R"({"function_name":"store","payload":)" + body + "}");
    CHECK(a.at("metadata").at("status") == "ok");
    CHECK(a.at("payload").is_null());
    // nothing: the handler sees the channel's headers as metadata
    a = answer_of(s, h, R"({"function_name":"stamp"})");
    CHECK(a.at("payload").at("who") == "orders");
    CHECK(answer_of(s, h, R"({"function_name":"stamp","payload":{}})").at("metadata").at("status") == "ok");
    CHECK(answer_of(s, h, R"({"function_name":"ping"})").at("metadata").at("status") == "ok");

    // refusals: each a clear condition in metadata.error
    auto refused = [&](std::string_view msg) { return answer_of(s, h, msg).at("metadata").as_object(); };
    auto md = refused(R"({"function_name":"nope"})");
    CHECK(md.at("status") == "not-found");
    CHECK(md.at("error").at("type") == "unknown-function");
    md = refused(R"({"function_name":"fetch /things/{id}","payload":{"per-page":2}})");
    CHECK(md.at("status") == "invalid");
    CHECK(md.at("error").at("detail").at("field") == ":params :id");
    md = refused(R"({"function_name":"fetch /things/{id}","payload":{"id":"x"}})");
    CHECK(md.at("status") == "invalid");
    md = refused(R"({"function_name":"fetch /things/{id}","payload":{"id":18446744073709551615}})");
    CHECK(md.at("status") == "invalid");
    md = refused(R"({"function_name":"put-thing","payload":[1]})");
    CHECK(md.at("error").at("detail").at("field") == ":payload");
    md = refused(R"({"function_name":"stamp","payload":{"x":1}})");
    CHECK(md.at("status") == "invalid");
    md = refused(R"({"function_name":"stamp","metadata":{"timeout-ms":"soon"}})");
    CHECK(md.at("status") == "invalid");
    md = refused(R"({"function_name":"stamp","metadata":{"no such header name!":1}})");
    CHECK(md.at("status") == "invalid");
}

TEST_CASE("mesh bridge: metadata becomes headers and auth; a bearer header applies to every call") {
    service s;
    serve(s);
    mesh::channel_headers h{{{"x-service-name", "orders"}}, std::string("tok")};
    auto m = mesh::parse_message(R"({"function_name":"stamp","metadata":{"id":4,"timeout-ms":250,"traceparent":"00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"}})");
    REQUIRE(m.has_value());
    auto c = mesh::to_call(s, h, std::move(*m));
    auto* call = std::get_if<mesh::bridged_call>(&c);
    REQUIRE(call);
    REQUIRE(call->req.headers);
    CHECK(call->req.headers->timeout_ms == 250);
    CHECK(call->req.headers->other.count(sx::keyword("traceparent")) == 1);
    REQUIRE(call->req.auth);
    CHECK(sx::canonical(*call->req.auth) == R"((bearer "tok"))");

    auto signed_m = mesh::parse_message(R"({"function_name":"stamp","metadata":{"auth":{"key-id":"k","time":1,"nonce":"n","signature":"00"}}})");
    REQUIRE(signed_m.has_value());
    c = mesh::to_call(s, h, std::move(*signed_m));
    call = std::get_if<mesh::bridged_call>(&c);
    REQUIRE(call);
    CHECK(sx::canonical(*call->req.auth) == R"((hmac :key-id "k" :nonce "n" :signature "00" :time 1))");
}

TEST_CASE("sx dict_of: entries in any order make the sorted dict, a later duplicate wins") {
    std::vector<std::pair<value, value>> entries;
    for (int i = 999; i >= 0; --i) entries.emplace_back(value::make_keyword("k" + std::to_string(i)), i);
    entries.emplace_back(value::make_keyword("k7"), "last");
    entries.emplace_back("a string key", 1);
    const value d = sx::dict_of(entries);
    value expected = value::make_dict();
    for (auto& e : entries) expected.insert_or_assign(e.first, e.second);
    CHECK(d == expected);
    CHECK(d.size() == 1001);
    CHECK(d.at("k7") == value("last"));
    CHECK_THROWS(sx::dict_of({{value::list(1), value(2)}}));  // a list is no key
}

namespace {
struct named_ping : endpoint<"query", "/p"> {
    static constexpr std::string_view function_name = "ping";
};
} // namespace

TEST_CASE("mesh bridge: the built-in function names cannot be taken") {
    service s;
    CHECK_THROWS_AS(s.handle<named_ping>([] { return no_result{}; }), std::invalid_argument);
}
