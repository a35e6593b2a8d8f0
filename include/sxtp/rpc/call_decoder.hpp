// sxtp/rpc/call_decoder.hpp — a request's params and body as the typed
// arguments of endpoint E, or the invalid-params condition to answer with.
//
// Path parameters (from route_table::find) become fields of E::params: as
// the text itself for string fields, an integer for integer fields, a
// symbol for symbol fields. A field given both in the path and in :params
// is refused. Every refusal names the field: `{:field ":params :per-page"
// :problem "expected integer, got string"}`, `{:field ":path id" …}`,
// `{:field ":body :tags 3" …}`.
#ifndef SXTP_RPC_CALL_DECODER_HPP
#define SXTP_RPC_CALL_DECODER_HPP

#include <sxtp/rpc/endpoint.hpp>
#include <sxtp/wire/conditions.hpp>
#include <sxtp/wire/messages.hpp>

#include <boost/system/result.hpp>

#include <charconv>
#include <string>
#include <utility>
#include <vector>

namespace sxtp {

/// The typed arguments of a call of endpoint E.
template <class E>
struct call {
    typename E::params params;
    typename E::body body;
};

namespace detail {

inline condition invalid_params(std::string field, std::string problem) {
    return make_condition(conditions::invalid_params{field, problem}, field + ": " + problem);
}

// The SX value of a path parameter for a field of type M.
template <class M>
std::optional<sx::value> path_value(const std::string& text, std::string& problem) {
    using U = std::remove_cvref_t<M>;
    constexpr auto c = typed::detail::category_of<U>();
    if constexpr (c == typed::detail::category::optional) {
        return path_value<typename U::value_type>(text, problem);
    } else if constexpr (c == typed::detail::category::integer) {
        std::int64_t i = 0;
        const auto r = std::from_chars(text.data(), text.data() + text.size(), i);
        if (r.ec != std::errc{} || r.ptr != text.data() + text.size()) {
            problem = "expected integer, got \"" + text + "\"";
            return std::nullopt;
        }
        return sx::value(i);
    } else if constexpr (c == typed::detail::category::symbol || c == typed::detail::category::enumeration) {
        if (!sx::is_valid_symbol_name(text)) {
            problem = "expected a symbol, got \"" + text + "\"";
            return std::nullopt;
        }
        return sx::value::make_symbol_unchecked(text);
    } else {
        return sx::value(text);
    }
}

} // namespace detail

/// Decodes request `r` as a call of E; `path_params` are the {name, value}
/// pairs route_table::find bound from the path.
template <class E>
boost::system::result<call<E>, condition> decode_call(const request& r,
                                                      const std::vector<std::pair<std::string, std::string>>& path_params = {}) {
    static_assert(endpoint_check<E>::ok);
    using P = typename E::params;
    using names = typed::detail::field_keywords<P>;
    auto refuse = [](std::string field, std::string problem) -> boost::system::result<call<E>, condition> {
        return {boost::system::in_place_error, detail::invalid_params(std::move(field), std::move(problem))};
    };

    sx::value params = r.params ? *r.params : sx::value::make_dict();
    if (!params.is_dict()) return refuse(":params", "expected dict, got " + std::string(sx::to_string(params.type())));
    for (const auto& bound : path_params) {
        const std::string& name = bound.first;  // not a structured binding: clang 14 cannot capture those
        const std::string& text = bound.second;
        const auto cxx = typed::detail::cxx_field_names<P>();
        std::size_t index = cxx.size();
        for (std::size_t i = 0; i < cxx.size(); ++i)
            if (cxx[i] == name) index = i;
        if (index == cxx.size()) return refuse(":path " + name, "no such parameter");  // the endpoint check rules this out
        const sx::value key = sx::value::make_keyword_unchecked(names::name(index));
        if (params.find(key)) return refuse(":params :" + std::string(names::name(index)), "also given in the path");
        std::optional<sx::value> v;
        std::string problem;
        P probe{};
        typed::detail::for_each_field(probe, [&](std::size_t i, auto& member) {
            if (i == index) v = detail::path_value<decltype(member)>(text, problem);
        });
        if (!v) return refuse(":path " + name, problem);
        params.insert_or_assign(key, std::move(*v));
    }

    call<E> out;
    typed::decode_error e;
    if (!typed::decode_into(params, out.params, e)) {
        std::string field = ":params";
        if (!e.path.empty()) field += ' ' + e.path_string();
        return refuse(std::move(field), e.detail);
    }
    if constexpr (!std::is_same_v<typename E::body, no_body>) {
        if (!r.body) return refuse(":body", "missing body");
        if (!typed::decode_into(*r.body, out.body, e)) {
            std::string field = ":body";
            if (!e.path.empty()) field += ' ' + e.path_string();
            return refuse(std::move(field), e.detail);
        }
    }
    return {boost::system::in_place_value, std::move(out)};
}

} // namespace sxtp

#endif
