// The bodies of the six example exchanges in seeds/spec.sx decode into typed
// structs and re-encode canonically equal to the originals.
#include <sxtp/sx.hpp>
#include <sxtp/typed.hpp>
#include <sxtp/wire.hpp>

#include <boost/hana/define_struct.hpp>

#include <catch2/catch.hpp>

#include "../support/files.hpp"

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

using namespace sxtp;
namespace fs = std::filesystem;

namespace example {

// (page :title "…" child…)
struct page {
    static constexpr std::string_view sxtp_form = "page";
    static constexpr std::string_view sxtp_rest = "children";
    BOOST_HANA_DEFINE_STRUCT(page, (std::string, title), (std::vector<sx::value>, children));
};
// (event :id "evt-42" :title "Jazz Night" :attendees 87)
struct event_summary {
    static constexpr std::string_view sxtp_form = "event";
    BOOST_HANA_DEFINE_STRUCT(event_summary, (std::string, id), (std::string, title), (int, attendees));
};
// {:tags (…) :body (article …) :title "…"}
struct new_post {
    BOOST_HANA_DEFINE_STRUCT(new_post, (std::vector<std::string>, tags), (sx::value, body), (std::string, title));
};
// {:created-at 1711612800 :id "post-789" :path "…"}
struct created_post {
    BOOST_HANA_DEFINE_STRUCT(created_post, (std::chrono::sys_seconds, created_at), (std::string, id), (std::string, path));
};
// (div :class "event-card" child…)
struct div {
    static constexpr std::string_view sxtp_form = "div";
    static constexpr std::string_view sxtp_rest = "children";
    static constexpr typed::rename sxtp_renames[] = {{"klass", "class"}};
    BOOST_HANA_DEFINE_STRUCT(div, (std::optional<std::string>, klass), (std::vector<sx::value>, children));
};
// {:available-verbs (…) :params-schema {…} :required-capabilities (…)}
struct inspect_result {
    BOOST_HANA_DEFINE_STRUCT(inspect_result,
        (std::vector<sx::symbol>, available_verbs),
        (std::map<sx::keyword, std::string>, params_schema),
        (std::vector<sx::symbol>, required_capabilities));
};

} // namespace example

namespace {

std::map<std::string, sx::value> examples() {
    std::map<std::string, sx::value> out;
    for (const sx::value& form : sx::read_all(test_support::slurp(test_support::data_path("seeds/spec.sx"))))
        if (form[1].name().starts_with("example-")) out.emplace(std::string(form[1].name()), form[2][1]);  // (define name (quote (…)))
    return out;
}

// The :body of the message at `index` of an exchange.
const sx::value& body_of(const sx::value& exchange, std::size_t index) { return *sx::form_view(exchange[index]).find("body"); }

template <class T>
T round_trip(const sx::value& original) {
    INFO("original: " << sx::canonical(original));
    const auto decoded = typed::try_from_sx<T>(original);
    if (!decoded) FAIL(decoded.error().message());
    CHECK(sx::canonical(typed::to_sx(*decoded)) == sx::canonical(original));
    return *decoded;
}

} // namespace

TEST_CASE("seed bodies: the six example exchanges") {
    const auto ex = examples();
    REQUIRE(ex.size() == 6);

    const auto page = round_trip<example::page>(body_of(ex.at("example-navigate"), 1));
    CHECK(page.title == "Capabilities");
    CHECK(page.children.size() == 2);

    round_trip<sx::value>(body_of(ex.at("example-query"), 0));  // a query expression is any SX
    const auto events = round_trip<std::vector<example::event_summary>>(body_of(ex.at("example-query"), 1));
    REQUIRE(events.size() == 2);
    CHECK(events[1].attendees == 120);

    const auto post = round_trip<example::new_post>(body_of(ex.at("example-mutate"), 0));
    CHECK(post.tags.size() == 3);
    const auto created = round_trip<example::created_post>(body_of(ex.at("example-mutate"), 1));
    CHECK(created.created_at.time_since_epoch().count() == 1711612800);

    const auto card = round_trip<example::div>(body_of(ex.at("example-subscribe"), 2));
    CHECK(card.klass == "event-card");

    const auto cond = round_trip<condition>(body_of(ex.at("example-error"), 1));
    CHECK(is_condition<conditions::resource_not_found>(cond));
    CHECK(cond.message == "No such post");
    CHECK(cond.retry == false);

    const auto inspected = round_trip<example::inspect_result>(body_of(ex.at("example-inspect"), 1));
    CHECK(inspected.params_schema.at(sx::keyword("payment-method")) == "symbol");
}

TEST_CASE("seed bodies: whole messages whose field order is the declared one round-trip too") {
    const auto ex = examples();
    round_trip<request>(ex.at("example-navigate")[0]);
    round_trip<response>(ex.at("example-navigate")[1]);
    round_trip<response>(ex.at("example-query")[1]);
    round_trip<response>(ex.at("example-mutate")[1]);
    round_trip<response>(ex.at("example-subscribe")[1]);
    round_trip<event>(ex.at("example-subscribe")[2]);
    round_trip<event>(ex.at("example-subscribe")[3]);
    round_trip<request>(ex.at("example-error")[0]);
    round_trip<response>(ex.at("example-error")[1]);
    round_trip<request>(ex.at("example-inspect")[0]);
    round_trip<response>(ex.at("example-inspect")[1]);
    // The query, mutate and subscribe requests list :capabilities before
    // :params, :cookies or :headers; they decode, and re-encode in the
    // declared order (a different list, so a different content hash).
    for (const char* name : {"example-query", "example-mutate", "example-subscribe"}) {
        const auto r = typed::try_from_sx<request>(ex.at(name)[0]);
        REQUIRE(r.has_value());
        CHECK(r->capabilities.has_value());
        CHECK(typed::from_sx<request>(typed::to_sx(*r)).capabilities == r->capabilities);
    }
}
