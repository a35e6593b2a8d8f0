// The seed SX documents (tests/data/seeds, copied from shared/seeds) read and
// round-trip.
#include <sxtp/sx.hpp>
#include <sxtp/sx/hash.hpp>

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
const fs::path seeds = test_support::data_path("seeds");
} // namespace

TEST_CASE("seeds: spec.sx is a document of define forms that round-trips") {
    const auto forms = read_all(slurp(seeds / "spec.sx"));
    REQUIRE(forms.size() == 15);
    std::string names;
    for (const value& f : forms) {
        REQUIRE(f.is_list());
        CHECK(form_view(f).head_is("define"));
        names += std::string(f[1].name()) + ' ';
        const std::string c = canonical(f);
        CHECK(read(c) == f);
        CHECK(canonical(read(c)) == c);
        CHECK(read(pretty(f)) == f);
    }
    CHECK(names.find("example-navigate example-query example-mutate example-subscribe example-error example-inspect") !=
          std::string::npos);
    // A single read of the whole document is the trailing-data error at the second form.
    const auto one = try_read(slurp(seeds / "spec.sx"));
    REQUIRE_FALSE(one.has_value());
    CHECK(one.error().code == error::trailing_data);
    CHECK(one.error().line == 11);
}

TEST_CASE("seeds: the SXTP overview page is one defcomp form that round-trips") {
    const std::string text = slurp(seeds / "sxtp-overview.sx");
    const value page = read(text);
    const form_view f(page);
    CHECK(f.head_is("defcomp"));
    CHECK(page[1].is_symbol("~applications/sxtp/content"));
    const std::string c = canonical(page);
    CHECK(read(c) == page);
    CHECK(canonical(read(c)) == c);
    CHECK(read(pretty(page)) == page);
    CHECK(content_hash(page) == content_hash(read(c)));
    REQUIRE(read_all(text).size() == 1);
}
