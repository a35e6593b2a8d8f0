// Tests for include/sxtp/wire/messages.hpp, status.hpp, condition.hpp and conditions.hpp.
#include <sxtp/sx.hpp>
#include <sxtp/wire.hpp>

#include <boost/hana/define_struct.hpp>

#include <catch2/catch.hpp>

#include <string>

using namespace sxtp;

namespace {
template <class T>
typed::decode_error failure(const char* text) {
    auto r = typed::try_from_sx<T>(sx::read(text));
    REQUIRE_FALSE(r.has_value());
    return r.error();
}
} // namespace

TEST_CASE("wire: a full request decodes into its fields and re-encodes canonically") {
    const char* text = R"((request :verb navigate :path "/geography/capabilities"
        :headers {:accept "text/sx" :language "en"} :cookies {:session "tok_abc123" :prefs {:theme "dark"}}
        :params {:page 1 :per-page 20} :capabilities (fetch query) :body nil))";
    const sx::value v = sx::read(text);
    const auto r = typed::from_sx<request>(v);
    CHECK(r.verb.name() == "navigate");
    CHECK(r.path == "/geography/capabilities");
    REQUIRE(r.headers.has_value());
    CHECK(std::get<std::string>(*r.headers->accept) == "text/sx");
    CHECK(r.cookies->at(sx::keyword("session")) == sx::value("tok_abc123"));
    CHECK(r.params->at("per-page").as_int() == 20);
    CHECK(r.capabilities->size() == 2);
    REQUIRE(r.body.has_value());  // `:body nil` is a body that is nil, not an absent body
    CHECK(r.body->is_nil());
    CHECK_FALSE(r.tag.has_value());
    CHECK(sx::canonical(typed::to_sx(r)) == sx::canonical(v));
}

TEST_CASE("wire: fields of the wrong type are errors with their path") {
    CHECK(failure<request>(R"((request :verb "ping" :path "/"))").message() == ":verb: expected symbol, got string");
    CHECK(failure<request>(R"((request :verb ping))").message() == ":path: missing required field");
    CHECK(failure<request>(R"((request :verb ping :path "/" :headers {:timeout-ms "5"}))").message() ==
          ":headers :timeout-ms: expected integer, got string");
    CHECK(failure<request>(R"((request :verb ping :path "/" :verb fetch))").message() == ":verb: repeated field");
    CHECK(failure<request>(R"((response :status ok))").message() == "expected (request …), got (response …)");
    CHECK(failure<cancel>("(cancel :tag -1)").code == typed::error::invalid_value);
    CHECK(failure<cancel>(("(cancel :tag \"" + std::string(65, 'x') + "\")").c_str()).code == typed::error::invalid_value);
    CHECK(failure<credit>("(credit :tag 1 :n 1.5)").message() == ":n: expected integer, got float");
}

TEST_CASE("wire: unknown fields are ignored and unknown headers are kept") {
    const auto r = typed::from_sx<request>(sx::read(R"((request :verb ping :path "/" :future-field 1 :headers {:x-trace "abc" :host "h"}))"));
    CHECK(r.headers->host == "h");
    CHECK(r.headers->other.at(sx::keyword("x-trace")) == sx::value("abc"));
    CHECK(sx::canonical(typed::to_sx(r)) == R"((request :verb ping :path "/" :headers {:host "h" :x-trace "abc"}))");
}

TEST_CASE("wire: tags are integers or short strings") {
    const auto c = typed::from_sx<cancel>(sx::read("(cancel :tag 7)"));
    CHECK(c.tag == message_tag(7));
    CHECK(typed::from_sx<chunk>(sx::read(R"((chunk :tag "t-1" :seq 3 :body (x) :done false))")).tag == message_tag("t-1"));
    CHECK_THROWS_AS(message_tag(-1), std::invalid_argument);
    CHECK_THROWS_AS(message_tag(std::string(65, 'x')), std::invalid_argument);
}

TEST_CASE("wire: statuses include domain statuses") {
    const auto r = typed::from_sx<response>(sx::read("(response :status payment-required)"));
    CHECK(r.status.code() == status_code::other);
    CHECK(r.status.name() == "payment-required");
    CHECK_FALSE(r.status.is_success());
    CHECK(status("not-modified").code() == status_code::not_modified);
    CHECK(status("not-modified").is_success());
    CHECK(status(status_code::no_content).name() == "no-content");
    CHECK(sx::canonical(typed::to_sx(response{status_code::created, {}, {}, {}, {}, {}})) == "(response :status created)");
    CHECK_THROWS_AS(status("12x"), boost::system::system_error);
}

TEST_CASE("wire: decode_message dispatches on the head") {
    CHECK(std::holds_alternative<request>(*decode_message(sx::read(R"((request :verb ping :path "/"))"))));
    CHECK(std::holds_alternative<event>(*decode_message(sx::read("(event :type heartbeat :time 1711612860)"))));
    CHECK(std::holds_alternative<credit>(*decode_message(sx::read("(credit :tag 1 :n 64)"))));
    CHECK(decode_message(sx::read("(hello)")).error().message() == "unknown message head hello");
    CHECK(decode_message(sx::read("42")).error().code == typed::error::wrong_kind);
    CHECK(decode_message(sx::read("(request :verb 1 :path \"/\")")).error().message() == ":verb: expected symbol, got integer");
}

namespace shop {
struct payment_declined {
    static constexpr std::string_view sxtp_condition = "payment-declined";
    static constexpr status_code sxtp_status = status_code::conflict;
    BOOST_HANA_DEFINE_STRUCT(payment_declined, (std::string, reason), (int, attempts));
};
} // namespace shop

TEST_CASE("wire: conditions are types") {
    const condition c = make_condition(shop::payment_declined{"card expired", 2}, "Payment declined");
    CHECK(sx::canonical(typed::to_sx(c)) ==
          R"((condition :type payment-declined :message "Payment declined" :retry false :detail {:attempts 2 :reason "card expired"}))");
    CHECK(status_of<shop::payment_declined>() == status_code::conflict);
    CHECK(is_condition<shop::payment_declined>(c));
    const auto back = condition_as<shop::payment_declined>(c);
    REQUIRE(back.has_value());
    CHECK(back->reason == "card expired");
    CHECK(back->attempts == 2);
    CHECK(condition_as<conditions::overloaded>(c).error().message() == ":type: expected overloaded, got payment-declined");
    condition broken = c;
    broken.detail = sx::read("{:reason 5 :attempts 1}");
    CHECK(condition_as<shop::payment_declined>(broken).error().message() == ":detail :reason: expected string, got integer");
}

TEST_CASE("wire: the framework's conditions follow SPEC section 4") {
    CHECK(sx::canonical(typed::to_sx(make_condition(conditions::unsupported_verb{{sx::symbol("fetch"), sx::symbol("inspect")}}))) ==
          "(condition :type unsupported-verb :retry false :detail {:available-verbs (fetch inspect)})");
    CHECK(sx::canonical(typed::to_sx(make_condition(conditions::overloaded{}))) == "(condition :type overloaded :retry true)");
    CHECK(sx::canonical(typed::to_sx(make_condition(conditions::insufficient_capabilities{{sx::symbol("db:write")}}))) ==
          "(condition :type insufficient-capabilities :retry false :detail {:missing (db:write)})");
    CHECK(status_of<conditions::resource_not_found>() == status_code::not_found);
    CHECK(status_of<conditions::unsupported_verb>() == status_code::invalid);
    CHECK(status_of<conditions::unauthenticated>() == status_code::forbidden);
    CHECK(status_of<conditions::deadline_exceeded>() == status_code::error);
    CHECK(status_of<conditions::shutting_down>() == status_code::unavailable);
    CHECK(status_of<conditions::internal_error>() == status_code::error);
}

TEST_CASE("wire: decode_payload's direct path agrees with the value tree") {
    // Taken directly when it can, from the tree when it cannot (a condition
    // status, positional items, repeats, comments, bad types): the same
    // message, or the same error, either way.
    const char* payloads[] = {
        R"((request :verb fetch :path "/items/42" :tag 7))",
        R"((request :verb create :path "/orders" :tag "t-1" :params {:a 1} :body {:lines ({:sku "A" :qty 2}) :note "x\ny"}))",
        R"((request :verb fetch :path "/a" :headers {:accept "text/sx" :x-custom 1 :timeout-ms 50} :cookies {:s "v"} :capabilities (fetch db:read) :stream false))",
        R"((request :verb fetch :path "/a" :auth (bearer "tok") :unknown-key (1 2 3)))",
        R"((response :status ok :tag 3 :body {:id 42 :name "widget" :stock 17}))",
        R"((response :status (condition :type not-found :message "no") :tag 3))",
        R"((chunk :tag 1 :seq 0 :body 5))",
        R"((event :tag 1 :type heartbeat :time 1790000000))",
        R"((credit :tag 1 :n 64))",
        R"((cancel :tag 1))",
        R"(  ; a comment first
           (request :verb fetch :path "/a"))",
        R"((request :verb fetch :path "/a" :path "/b"))",
        R"((request :verb fetch :path 7))",
        R"((request :verb fetch))",
        R"((request :verb fetch :path "/a" positional))",
        R"((request :verb "fetch" :path "/a"))",
        R"((request :verb fetch :path "/a" :tag -1))",
        R"((request :verb fetch :path "/a" :headers {:link 5}))",
        R"((request :verb fetch :path "/a") trailing)",
        R"((unknown :x 1))",
    };
    for (const char* p : payloads) {
        INFO(p);
        sx::reader reader;
        const auto direct = wire::detail::read_message_direct(p, reader);
        const auto v = sx::try_read(p);
        const auto by_tree = v ? decode_message(*v) : boost::system::result<message, typed::decode_error>(typed::decode_error{});
        if (direct) {
            REQUIRE(by_tree.has_value());
            CHECK(direct->index() == by_tree->index());
            const auto canonical = [](const message& m) { return std::visit([](const auto& x) { return typed::canonical(x); }, m); };
            CHECK(canonical(*direct) == canonical(*by_tree));
        }
        // and decode_payload, whichever path it takes, says what the tree says
        const auto got = wire::decode_payload(p);
        CHECK(got.has_value() == by_tree.has_value());
    }
    // the common messages do take the direct path
    sx::reader reader;
    CHECK(wire::detail::read_message_direct(R"((request :verb fetch :path "/items/42" :tag 7))", reader).has_value());
    CHECK(wire::detail::read_message_direct(R"((response :status ok :tag 3 :body {:id 42}))", reader).has_value());
    // a payload that could hold more values than the limit is read by the tree, which counts them
    reader.set_max_values(4);
    CHECK_FALSE(wire::detail::read_message_direct(R"((request :verb fetch :path "/items/42" :tag 7))", reader).has_value());
    CHECK_FALSE(wire::decode_payload(R"((request :verb fetch :path "/a" :params (1 2 3 4 5 6 7 8)))", 4).has_value());
}

TEST_CASE("typed: a form struct read straight from text equals the tree's decoding") {
    const char* ok = R"((condition :type not-found :message "no such item" :retry true :detail {:id 7}))";
    const auto direct = typed::try_read<condition>(ok);
    REQUIRE(direct.has_value());
    CHECK(typed::canonical(*direct) == typed::canonical(typed::from_sx<condition>(sx::read(ok))));
    // errors come from the value path, unchanged
    const auto repeated = typed::try_read<condition>(R"((condition :type a :type b))");
    REQUIRE_FALSE(repeated.has_value());
    CHECK(repeated.error().message() == typed::try_from_sx<condition>(sx::read(R"((condition :type a :type b))")).error().message());
    CHECK_FALSE(typed::try_read<condition>(R"((other :type a))").has_value());
}
