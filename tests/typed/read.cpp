// Tests for typed::try_read / typed::read (decoding straight from text): its
// results and errors must be exactly those of the value path.
#include <sxtp/sx.hpp>
#include <sxtp/typed.hpp>

#include <boost/describe.hpp>
#include <boost/hana/define_struct.hpp>

#include <catch2/catch.hpp>

#include <map>
#include <optional>
#include <random>
#include <string>
#include <variant>
#include <vector>

using namespace sxtp;

namespace feed {
enum class state { draft, live };
BOOST_DESCRIBE_ENUM(state, draft, live)
struct author {
    BOOST_HANA_DEFINE_STRUCT(author, (std::string, name), (std::optional<std::string>, email));
};
struct entry {
    BOOST_HANA_DEFINE_STRUCT(entry,
        (std::int64_t, id),
        (std::string, title),
        (author, by),
        (double, score),
        (std::vector<std::string>, tags),
        (bool, published),
        (state, status),
        (std::optional<sx::value>, extra),
        (std::map<std::string, int>, counts),
        (std::variant<std::int64_t, std::string>, ref),
        (std::array<std::uint8_t, 2>, pair));
};
struct page {
    BOOST_HANA_DEFINE_STRUCT(page, (std::vector<entry>, items), (std::uint16_t, total), (std::optional<std::string>, next));
};
} // namespace feed

namespace {

const char* const sample = R"({:items ({:id 1 :title "first \"one\"" :by {:name "Ada"} :score 1.5 :tags ("a" "b") :published true
    :status live :extra (any 'thing {:x 1}) :counts {"views" 3} :ref 7 :pair (1 2)}
  {:id 2 :title "second" :by {:name "Grace" :email "g@x"} :score 2 :tags () :published false :status draft
    :counts {} :ref "r-2" :pair (3 4) :ignored-later {:deep (1 2 3)}}) :total 2 :next nil})";

// try_read must agree with the value path on `text`: same success and value, or same error.
void agree(const std::string& text) {
    INFO("text: " << text);
    const auto direct = typed::try_read<feed::page>(text);
    const auto tree = sx::try_read(text);
    if (!tree) {
        REQUIRE_FALSE(direct.has_value());
        CHECK(direct.error().code == tree.error().code);
        CHECK(direct.error().detail == tree.error().message());
        return;
    }
    const auto via_value = typed::try_from_sx<feed::page>(*tree);
    REQUIRE(direct.has_value() == via_value.has_value());
    if (direct) CHECK(typed::to_sx(*direct) == typed::to_sx(*via_value));
    else CHECK(direct.error().message() == via_value.error().message());
}

} // namespace

TEST_CASE("typed read: decodes straight from text") {
    const auto p = typed::read<feed::page>(sample);
    REQUIRE(p.items.size() == 2);
    CHECK(p.items[0].title == "first \"one\"");
    CHECK(p.items[0].extra == sx::read("(any (quote thing) {:x 1})"));
    CHECK(p.items[1].by.email == "g@x");
    CHECK(p.items[1].score == 2.0);
    CHECK(std::get<std::string>(p.items[1].ref) == "r-2");
    CHECK_FALSE(p.next.has_value());
    CHECK(p.total == 2);
    agree(sample);
}

TEST_CASE("typed read: errors are those of the value path") {
    CHECK(typed::try_read<feed::page>("{:items () :total 70000}").error().message() == ":total: integer 70000 out of range [0, 65535]");
    const auto syntax = typed::try_read<feed::page>("{:items (} :total 1}");
    CHECK(syntax.error().code == sx::error::mismatched_close);
    CHECK(syntax.error().detail == "closing bracket does not match the open one at 1:10 (offset 9)");
    CHECK(typed::try_read<feed::page>("{:items () :total 1 :total 2}").error().code == sx::error::duplicate_key);
    CHECK(typed::try_read<feed::page>("{:items () :total 1 :x 1 :x 2}").error().code == sx::error::duplicate_key);
    CHECK(typed::try_read<feed::page>("{:items () :total 1} extra").error().code == sx::error::trailing_data);
    CHECK_THROWS_AS(typed::read<feed::page>("{:total 1}"), typed::decode_exception);
    for (const char* t : {"{:items () :total 1}", "{:items () :total 1 \"k\" 2}", "{:items () :total 1 :next \"n\"}",
                          "{:items ('x) :total 1}", "; c\n{:items () :total 1} ; end", "{:items () :total 1.0}", "{:total 1}", "",
                          "{:items ({}) :total 1}", "{:items () :total 1 :next nil :next nil}"})
        agree(t);
}

TEST_CASE("typed read: agrees with the value path on mutated inputs") {
    std::mt19937_64 rng(424242);
    const std::string base = sample;
    const std::string pieces[] = {"(", ")", "{", "}", "\"", " ", ":id", ":title", "1", "-", "1e400", "'", "nil", ":total", "\\", "x"};
    for (int i = 0; i < 4000; ++i) {
        std::string t = base;
        for (int edits = 1 + static_cast<int>(rng() % 3); edits > 0; --edits) {
            const std::size_t at = rng() % (t.size() + 1);
            switch (rng() % 3) {
            case 0: if (at < t.size()) t.erase(at, 1 + rng() % 4); break;
            case 1: t.insert(at, pieces[rng() % std::size(pieces)]); break;
            default: if (at < t.size()) t[at] = static_cast<char>(' ' + rng() % 95); break;
            }
        }
        agree(t);
    }
}
