// sxtp/mesh/json.hpp — SX values as JSON and back (docs/mesh.md, "JSON ↔ SX").
//
//   nil ↔ null, booleans, integers ↔ JSON integers, floats ↔ JSON numbers
//   with a fraction or an exponent, strings ↔ strings, lists ↔ arrays, dicts
//   ↔ objects (keyword keys without their colon; keys that are valid keyword
//   names come back as keywords, others as strings). Symbols become their
//   name and keywords ":name" (typed positions are made plain first, see
//   sxtp/typed/plain.hpp, and come back exactly).
//
// Both directions refuse nesting deeper than `max_depth` and never recurse
// further; to_json refuses non-finite floats, from_json integers beyond int64.
// Needs Boost.JSON (the sxtp::mesh targets).
#ifndef SXTP_MESH_JSON_HPP
#define SXTP_MESH_JSON_HPP

#include <sxtp/sx/dict_builder.hpp>

#include <boost/json.hpp>

#include <cmath>
#include <stdexcept>
#include <string>

namespace sxtp::mesh {

/// Nesting allowed in either direction.
inline constexpr std::size_t json_max_depth = 64;

/// `v` as JSON. Throws std::invalid_argument for a non-finite float or
/// nesting beyond `max_depth` (the message says which).
boost::json::value to_json(const sx::value& v, std::size_t max_depth = json_max_depth);

/// `j` as SX. Throws std::invalid_argument for an integer beyond int64 or
/// nesting beyond `max_depth`.
sx::value from_json(const boost::json::value& j, std::size_t max_depth = json_max_depth);

namespace detail {

inline std::string json_key(const sx::value& k) {
    if (k.is_keyword() || k.is_symbol()) return std::string(k.name());
    if (k.is_string()) return std::string(k.as_string());
    if (k.is_int()) return std::to_string(k.as_int());
    if (k.is_bool()) return k.as_bool() ? "true" : "false";
    if (k.is_nil()) return "nil";
    return std::to_string(k.as_float());
}

inline boost::json::value to_json_at(const sx::value& v, std::size_t depth, std::size_t max_depth) {
    switch (v.type()) {
    case sx::kind::nil: return nullptr;
    case sx::kind::boolean: return v.as_bool();
    case sx::kind::integer: return v.as_int();
    case sx::kind::floating:
        if (!std::isfinite(v.as_float())) throw std::invalid_argument("a non-finite float has no JSON form");
        return v.as_float();
    case sx::kind::string: return boost::json::string(v.as_string());
    case sx::kind::symbol: return boost::json::string(v.name());
    case sx::kind::keyword: return boost::json::string(":" + std::string(v.name()));
    default: break;
    }
    if (depth >= max_depth) throw std::invalid_argument("nested deeper than " + std::to_string(max_depth) + " levels");
    if (v.is_list()) {
        boost::json::array a;
        a.reserve(v.size());
        for (const auto& item : v.items()) a.push_back(to_json_at(item, depth + 1, max_depth));
        return a;
    }
    boost::json::object o;
    o.reserve(v.size());
    for (auto e : v.entries()) o.insert_or_assign(json_key(e.key), to_json_at(e.val, depth + 1, max_depth));
    return o;
}

inline sx::value from_json_at(const boost::json::value& j, std::size_t depth, std::size_t max_depth) {
    switch (j.kind()) {
    case boost::json::kind::null: return sx::value();
    case boost::json::kind::bool_: return sx::value(j.get_bool());
    case boost::json::kind::int64: return sx::value(j.get_int64());
    case boost::json::kind::uint64: throw std::invalid_argument("integer " + std::to_string(j.get_uint64()) + " is beyond int64");
    case boost::json::kind::double_: return sx::value(j.get_double());
    case boost::json::kind::string: return sx::value(std::string_view(j.get_string()));
    default: break;
    }
    if (depth >= max_depth) throw std::invalid_argument("nested deeper than " + std::to_string(max_depth) + " levels");
    if (j.is_array()) {
        const auto& a = j.get_array();
        sx::value l = sx::value::make_list(a.size());
        for (const auto& item : a) l.push_back(from_json_at(item, depth + 1, max_depth));
        return l;
    }
    const auto& o = j.get_object();
    std::vector<std::pair<sx::value, sx::value>> entries;
    entries.reserve(o.size());
    for (const auto& e : o) {
        const std::string_view k = e.key();
        sx::value key = sx::is_valid_keyword_name(k) ? sx::value::make_keyword_unchecked(k) : sx::value(k);
        entries.emplace_back(std::move(key), from_json_at(e.value(), depth + 1, max_depth));
    }
    return sx::dict_of(std::move(entries));  // any key order in O(n log n)
}

} // namespace detail

inline boost::json::value to_json(const sx::value& v, std::size_t max_depth) { return detail::to_json_at(v, 0, max_depth); }
inline sx::value from_json(const boost::json::value& j, std::size_t max_depth) { return detail::from_json_at(j, 0, max_depth); }

} // namespace sxtp::mesh

#endif
