// Tests for include/sxtp/sx/hash.hpp.
#include <sxtp/sx/hash.hpp>
#include <sxtp/sx/reader.hpp>

#include <catch2/catch.hpp>

#include <cmath>
#include <string>

using namespace sxtp::sx;

TEST_CASE("hash: SHA3-256 of the canonical form") {
    // SHA3-256("") and SHA3-256("abc") from FIPS 202 examples.
    CHECK(content_hash_of_canonical("") == "sha3-a7ffc6f8bf1ed76651c14756a061d662f580ff4de43b49fa82d80a4b80f8434a");
    CHECK(content_hash_of_canonical("abc") == "sha3-3a985da74fe225b2045c172d6bd390bd855f086e3e9d525b46bfe24511431532");
    const value v = read("(request :verb ping :path \"/\" :body nil)");
    CHECK(content_hash(v) == content_hash_of_canonical(canonical(v)));
    CHECK(content_hash(v).size() == 5 + 64);
}

TEST_CASE("hash: streaming over large values equals hashing the whole text") {
    value big = value::make_list();
    for (int i = 0; i < 5000; ++i) big.push_back(value::list(i, std::string(i % 50, 'x'), 1.5 * i));
    const std::string text = canonical(big);
    REQUIRE(text.size() > 100'000);
    CHECK(content_hash(big) == content_hash_of_canonical(text));
    CHECK(*try_content_hash(big) == content_hash_of_canonical(text));
}

TEST_CASE("hash: values without a canonical form have no hash") {
    const value v = value::list(std::nan(""));
    CHECK_THROWS_AS(content_hash(v), boost::system::system_error);
    CHECK(try_content_hash(v).error() == error::non_finite_float);
}
