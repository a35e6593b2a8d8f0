// Tests for include/sxtp/sx/document.hpp: reading into an arena.
#include <sxtp/sx/document.hpp>
#include <sxtp/sx/printer.hpp>
#include <sxtp/sx/reader.hpp>

#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdint>
#include <iterator>
#include <random>
#include <string>
#include <utility>
#include <vector>

using namespace sxtp::sx;

namespace {
const std::string sample =
    "{:items ({:id 1 :title \"a title longer than fourteen bytes\" :tags (\"x\" 'y)} {:id 2 :score 0.25})"
    " :next \"/p?page=2\" :esc \"tab\\there \\u00e9\" :flag true :n -7}";
}

TEST_CASE("document: reads the same values as the heap reader") {
    reader rd;
    document doc;
    REQUIRE(rd.read(sample, doc).has_value());
    CHECK(doc.forms().size() == 1);
    CHECK(doc.root() == read(sample));
    CHECK(canonical(doc.root()) == canonical(read(sample)));
    CHECK(doc.root().at("next").as_string() == "/p?page=2");
    CHECK(doc.root().at("esc").as_string() == "tab\there \u00e9");
    CHECK(doc.root().at("items")[0].at("tags")[1] == read("(quote y)"));
    CHECK(doc.arena_bytes() >= sample.size());

    REQUIRE(rd.read_all("1 (a b) ; comment\n \"s\" {}", doc).has_value());
    REQUIRE(doc.forms().size() == 4);
    CHECK(doc.forms()[0].as_int() == 1);
    CHECK(canonical(doc.forms()[1]) == "(a b)");
    CHECK(doc.forms()[2].as_string() == "s");
    CHECK(doc.forms()[3].is_dict());
    CHECK(doc.root().as_int() == 1);

    REQUIRE(rd.read_all("  ; nothing\n", doc).has_value());
    CHECK(doc.empty());
    CHECK(doc.root().is_nil());
}

TEST_CASE("document: a copy of a document value is independent of the document") {
    value copy;
    {
        reader rd;
        document doc;
        REQUIRE(rd.read(sample, doc).has_value());
        copy = doc.root();  // deep copy onto the heap
        value items = doc.root().at("items");
        items.push_back(value(3));  // the copy can be changed
        CHECK(items.size() == 3);
        CHECK(doc.root().at("items").size() == 2);
    }
    CHECK(copy == read(sample));
}

TEST_CASE("document: errors leave it empty and the reader reusable") {
    reader rd;
    document doc;
    REQUIRE(rd.read("(a b)", doc).has_value());
    const auto bad = rd.read("(a {:b 1 :b 2} \"long string for the arena\")", doc);
    REQUIRE_FALSE(bad.has_value());
    CHECK(bad.error().code == error::duplicate_key);
    CHECK(bad.error().offset == 9);
    CHECK(doc.empty());
    for (const char* text : {"(a", "{:a}", "(a))", "\"\\q\"", "(\"long string for the arena\" {:k (1 2 3)} ]"}) {
        INFO(text);
        CHECK_FALSE(rd.read(text, doc).has_value());
        CHECK(doc.empty());
    }
    CHECK_FALSE(rd.read("1 2", doc).has_value());
    REQUIRE(rd.read_all("1 2", doc).has_value());
    CHECK(doc.forms().size() == 2);
    auto heap = rd.read("(still (works))");
    REQUIRE(heap.has_value());
    CHECK(canonical(*heap) == "(still (works))");
}

TEST_CASE("document: reuse keeps the arena and moving keeps the values") {
    reader rd;
    document doc;
    REQUIRE(rd.read(sample, doc).has_value());
    REQUIRE(rd.read(sample, doc).has_value());  // from now on one chunk holds it all
    const std::size_t bytes = doc.arena_bytes();
    for (int i = 0; i < 100; ++i) {
        REQUIRE(rd.read(sample, doc).has_value());
        REQUIRE(doc.arena_bytes() == bytes);  // a reused document of the right size allocates nothing
    }

    document moved = std::move(doc);
    CHECK(doc.empty());  // NOLINT(bugprone-use-after-move): moved-from is specified as empty
    CHECK(moved.root() == read(sample));
    doc = std::move(moved);
    CHECK(doc.root() == read(sample));

    // A text larger than the arena's first chunk spills into more chunks.
    std::string big = "(";
    for (int i = 0; i < 5000; ++i) big += "{:k \"a string that lives in the arena\"} ";
    big += ")";
    REQUIRE(rd.read(big, doc).has_value());
    CHECK(doc.root().size() == 5000);
    CHECK(doc.root()[4999].at("k").as_string() == "a string that lives in the arena");
}

TEST_CASE("document: very deep input is read and freed without recursion") {
    reader rd(read_options{.max_depth = 200000});
    document doc;
    const std::string deep = std::string(100000, '(') + std::string(100000, ')');
    REQUIRE(rd.read(deep, doc).has_value());
    const value* v = &doc.root();
    std::size_t depth = 1;
    while (!v->empty()) v = &(*v)[0], ++depth;
    CHECK(depth == 100000);
    CHECK(canonical(doc.root()).size() == 200000);
    CHECK(reader().read(deep, doc).error().code == error::depth_exceeded);
}

namespace {

// Reads `text` with both readers: each must give `expected`, or, when the
// text has a `repeated` dict key, fail at the same offset.
void read_by_both(reader& rd, document& doc, const std::string& text, const value& expected, bool repeated) {
    const auto heap = rd.read(text);
    const auto arena = rd.read(text, doc);
    REQUIRE(heap.has_value() == !repeated);
    REQUIRE(arena.has_value() == !repeated);
    if (repeated) REQUIRE(heap.error().offset == arena.error().offset);
    else REQUIRE((*heap == expected && doc.root() == expected));
}

} // namespace

TEST_CASE("document: dict keys sort and repeat exactly as value::insert says") {
    // Random dicts of keyword keys (short and long, in any order, with some
    // repeats) read by both readers must equal the dict built by insertion,
    // and a repeat must be refused at the same offset by both.
    std::mt19937 rng(1);
    const char alphabet[] = "abz:-09AZ~";
    reader rd;
    document doc;
    for (int iteration = 0; iteration < 20000; ++iteration) {
        const int m = 1 + static_cast<int>(rng() % 18);
        std::string text = "{";
        value expected = value::make_dict();
        bool repeated = false;
        for (int i = 0; i < m; ++i) {
            std::string key;
            for (int j = 0, n = 1 + static_cast<int>(rng() % 16); j < n; ++j) key += alphabet[rng() % 10];
            text += ":" + key + " " + std::to_string(i) + " ";
            repeated |= !expected.insert(value::make_keyword(key), value(i)).second;
        }
        text += "}";
        INFO(text);
        read_by_both(rd, doc, text, expected, repeated);
    }
}

TEST_CASE("document: records that share their keys in one order sort each right") {
    // The reader reuses the order of the last unsorted dict whose keys match;
    // lists of records mixing a few key orders (permutations of one key set,
    // a changed key, a repeat) must still read as value::insert builds them.
    const std::vector<std::vector<std::string>> shapes = {
        {"title", "id", "author", "score", "tags"}, {"id", "title", "author", "score", "tags"},
        {"title", "id", "author", "score", "tag"},  {"title", "id", "author", "score"},
        {"title", "id", "title", "score", "tags"},  {"x", "created-b", "created-a"}, {"x", "created-a", "created-b"},
        {"zeta", "alpha", "mid", "beta", "omega", "a", "b", "c", "d", "e", "f",
                                                     "g", "h", "i", "j", "k"}};
    std::mt19937 rng(9);
    reader rd;
    document doc;
    for (int iteration = 0; iteration < 2000; ++iteration) {
        std::string text = "(";
        value expected = value::make_list();
        bool repeated = false;
        for (int r = 0, n = 1 + static_cast<int>(rng() % 6); r < n; ++r) {
            const auto& keys = shapes[rng() % 3 == 0 ? rng() % shapes.size() : 0];
            value record = value::make_dict();
            text += "{";
            for (const auto& k : keys) {
                const auto x = static_cast<std::int64_t>(rng() % 100);
                text += ":" + k + " " + std::to_string(x) + " ";
                repeated |= !record.insert(value::make_keyword(k), value(x)).second;
            }
            text += "} ";
            expected.push_back(std::move(record));
        }
        text += ")";
        INFO(text);
        read_by_both(rd, doc, text, expected, repeated);
    }
}

TEST_CASE("document: dicts with keys of every atom kind sort by canonical text") {
    // Mixed keys are compared by their canonical text; the order and the
    // repeat check must agree with value::insert, for both readers.
    const char* atoms[] = {"\"b\"", "\"a b\"", "\"\"", "\"\\u00e9\"", "\"tab\\t\"", "-5", "12", "0.5", "-0.0", "sym",
                           "-sym", ":kw", ":a", "nil", "true", "false", "\"a\"", "1e+21", "|x|", ":zz"};
    std::mt19937 rng(3);
    reader rd;
    document doc;
    for (int iteration = 0; iteration < 3000; ++iteration) {
        std::vector<std::string> keys(std::begin(atoms), std::end(atoms));
        std::shuffle(keys.begin(), keys.end(), rng);
        keys.resize(1 + rng() % keys.size());
        if (rng() % 4 == 0) keys.push_back(keys[rng() % keys.size()]);  // sometimes a repeat
        std::string text = "{";
        value expected = value::make_dict();
        bool repeated = false;
        for (std::size_t i = 0; i < keys.size(); ++i) {
            text += keys[i] + " " + std::to_string(i) + " ";
            repeated |= !expected.insert(read(keys[i]), value(static_cast<std::int64_t>(i))).second;
        }
        text += "}";
        INFO(text);
        read_by_both(rd, doc, text, expected, repeated);
    }
    // Thousands of string keys, in reverse order: sorted without a
    // comparison that allocates (this input once took 100 ms under ASan).
    std::string big = "{";
    for (int i = 3000; i > 0; --i) big += "\"key number " + std::to_string(i) + "\" " + std::to_string(i) + " ";
    big += "}";
    REQUIRE(rd.read(big, doc).has_value());
    CHECK(doc.root().size() == 3000);
    CHECK((*doc.root().entries().begin()).val.as_int() == 1);
}
