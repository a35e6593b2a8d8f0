// Functions the Mesh-transport tests share: `add` (served by the sxtp test
// nodes) and `greet` (served by the Python Mesh node, tests/mesh_bridge/py_node.py).
#ifndef SXTP_TESTS_MESH_BRIDGE_FUNCTIONS_HPP
#define SXTP_TESTS_MESH_BRIDGE_FUNCTIONS_HPP

#include <sxtp/rpc/endpoint.hpp>

#include <boost/hana/define_struct.hpp>

namespace bridge_test {

struct add_params {
    BOOST_HANA_DEFINE_STRUCT(add_params, (std::int64_t, a), (std::int64_t, b));
};
struct add_result {
    BOOST_HANA_DEFINE_STRUCT(add_result, (std::int64_t, sum));
};
struct add : sxtp::endpoint<"query", "/add"> {
    static constexpr std::string_view function_name = "add";
    using params = add_params;
    using result = add_result;
};

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
