// Functions the Mesh-transport tests share: `add` (served by the sxtp test
// nodes) and `greet` (served by the Python Mesh node, tests/mesh_bridge/py_node.py).
#ifndef SXTP_TESTS_MESH_BRIDGE_FUNCTIONS_HPP
#define SXTP_TESTS_MESH_BRIDGE_FUNCTIONS_HPP

#include <sxtp/rpc/handler.hpp>

#include <boost/describe.hpp>

#include <boost/hana/define_struct.hpp>

namespace bridge_test {

struct add_params {
    BOOST_HANA_DEFINE_STRUCT(add_params, (std::int64_t, a), (std::int64_t, b));
};
struct add_result {
    BOOST_HANA_DEFINE_STRUCT(add_result, (std::int64_t, sum));
};
struct sum_too_large {
    static constexpr std::string_view sxtp_condition = "sum-too-large";
    static constexpr sxtp::status_code sxtp_status = sxtp::status_code::invalid;
};
BOOST_DESCRIBE_STRUCT(sum_too_large, (), ())
struct add : sxtp::endpoint<"query", "/add"> {
    static constexpr std::string_view function_name = "add";
    using params = add_params;
    using result = add_result;
    using raises = sxtp::raises<sum_too_large>;
};
/// `add` as the nodes serve it: a sum beyond int64 is refused, not overflowed.
inline sxtp::reply<add> serve_add(const add_params& p) {
    std::int64_t sum = 0;
    if (__builtin_add_overflow(p.a, p.b, &sum)) return {sum_too_large{}, "a + b is beyond int64"};
    return add_result{sum};
}

struct greet_params {
    BOOST_HANA_DEFINE_STRUCT(greet_params, (std::string, name));
};
struct greeting {
    BOOST_HANA_DEFINE_STRUCT(greeting, (std::string, greeting));
};
struct greet : sxtp::endpoint<"query", "/greet"> {
    static constexpr std::string_view function_name = "greet";
    using params = greet_params;
    using result = greeting;
};

} // namespace bridge_test

#endif
