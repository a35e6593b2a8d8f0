// The public SX vectors (tests/data/conformance/sx, copied unchanged from
// shared/conformance): NAME.sx with NAME.canon and NAME.hash must read to
// exactly that canonical form and hash; NAME.sx with NAME.error must be
// rejected with a position.
#include <sxtp/sx/hash.hpp>
#include <sxtp/sx/reader.hpp>

#include <catch2/catch.hpp>

#include "../support/files.hpp"

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

using namespace sxtp::sx;
namespace fs = std::filesystem;

using test_support::slurp;

namespace {
std::string without_final_newline(std::string s) {
    if (!s.empty() && s.back() == '\n') s.pop_back();
    return s;
}
const fs::path vectors = test_support::data_path("conformance/sx");
} // namespace

TEST_CASE("conformance: valid vectors read to their canonical form and hash") {
    int checked = 0;
    for (const auto& entry : fs::directory_iterator(vectors)) {
        const fs::path sx = entry.path();
        if (sx.extension() != ".sx" || !fs::exists(fs::path(sx).replace_extension(".canon"))) continue;
        INFO("vector " << sx.filename());
        const std::string input = slurp(sx);
        const std::string canon = without_final_newline(slurp(fs::path(sx).replace_extension(".canon")));
        const std::string hash = without_final_newline(slurp(fs::path(sx).replace_extension(".hash")));
        const auto v = try_read(input);
        REQUIRE(v.has_value());
        CHECK(canonical(*v) == canon);
        CHECK(content_hash(*v) == hash);
        CHECK(content_hash_of_canonical(canon) == hash);
        CHECK(read(canon) == *v);  // the canonical text reads back to the same value
        CHECK(canonical(read(canon)) == canon);
        ++checked;
    }
    CHECK(checked == 36);
}

TEST_CASE("conformance: error vectors are rejected with a position") {
    int checked = 0;
    for (const auto& entry : fs::directory_iterator(vectors)) {
        const fs::path sx = entry.path();
        if (sx.extension() != ".sx" || !fs::exists(fs::path(sx).replace_extension(".error"))) continue;
        INFO("vector " << sx.filename());
        const std::string input = slurp(sx);
        const auto v = try_read(input);
        REQUIRE_FALSE(v.has_value());
        CHECK(v.error().offset <= input.size());
        CHECK(v.error().line >= 1);
        CHECK(v.error().column >= 1);
        CHECK(v.error().code.category() == error_category());
        ++checked;
    }
    CHECK(checked == 19);
}
