// Tests for include/sxtp/typed/schema.hpp.
#include <sxtp/sx.hpp>
#include <sxtp/typed/schema.hpp>

#include <boost/describe.hpp>
#include <boost/hana/define_struct.hpp>

#include <catch2/catch.hpp>

#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

using namespace sxtp;

namespace checkout {
enum class payment_method { card, invoice, bank_transfer };
BOOST_DESCRIBE_ENUM(payment_method, card, invoice, bank_transfer)

struct address {
    BOOST_HANA_DEFINE_STRUCT(address, (std::string, street), (std::optional<std::string>, city));
};
struct params {
    BOOST_HANA_DEFINE_STRUCT(params,
        (payment_method, method),
        (address, shipping_address),
        (std::vector<sx::symbol>, flags),
        (std::map<std::string, double>, discounts),
        (std::variant<std::int64_t, std::string>, reference),
        (sx::value, note));
};
} // namespace checkout

TEST_CASE("schema: types describe themselves for inspect") {
    CHECK(sx::canonical(typed::schema_of<int>()) == "\"integer\"");
    CHECK(sx::canonical(typed::schema_of<std::optional<std::vector<std::string>>>()) == R"((optional (list-of "string")))");
    CHECK(sx::canonical(typed::schema_of<checkout::params>()) ==
          R"({:discounts (dict-of "string" "float") :flags (list-of "symbol") :method (enum card invoice bank-transfer) )"
          R"(:note "any" :reference (one-of "integer" "string") )"
          R"(:shipping-address {:city (optional "string") :street "string"}})");
}
