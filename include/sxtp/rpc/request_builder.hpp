// sxtp/rpc/request_builder.hpp — the wire request of a typed call.
//
//   sxtp::request r = sxtp::make_request<get_post>(get_post_params{.id = "sxtp", .fields = {"title"}});
//   // (request :verb fetch :path "/blog/posts/sxtp" :params {:fields ("title")})
//
// Path parameters are taken out of the params struct and written into the
// path (percent-encoded); the other fields travel in `:params` (left out when
// there are none); the body travels in `:body` (left out for no_body).
#ifndef SXTP_RPC_REQUEST_BUILDER_HPP
#define SXTP_RPC_REQUEST_BUILDER_HPP

#include <sxtp/sx/printer.hpp>
#include <sxtp/rpc/endpoint.hpp>
#include <sxtp/typed/schema.hpp>
#include <sxtp/wire/messages.hpp>

#include <string>
#include <type_traits>

namespace sxtp {

namespace detail {

// The text a path parameter's value takes in the path: strings as they are,
// symbols and keywords by name, other atoms in canonical form.
inline std::string path_text(const sx::value& v) {
    if (v.is_string() || v.is_symbol() || v.is_keyword()) return std::string(v.text());
    return sx::canonical(v);
}

} // namespace detail

namespace detail {
template <class E, class Params, class Body>
request request_for(const Params& params, const Body& body);
/// The request of `verb` on `pattern` whose "{name}" segments take the
/// entries :keyword_of(name) out of dict `params` (the rest stays in :params).
template <class KeywordOf>
request request_from(std::string_view verb, std::string_view pattern, sx::value params, KeywordOf keyword_of);
/// The keyword name (without colon) of the field of P whose C++ name is `cxx_name`.
template <class P>
constexpr std::string_view keyword_of_field(std::string_view cxx_name);
} // namespace detail

/// The wire request for a call of endpoint E. Throws boost::system::system_error
/// when a value cannot be encoded (see typed::to_sx).
template <class E, class Params, class Body = no_body>
request make_request(const Params& params, const Body& body = {}) {
    static_assert(endpoint_check<E>::ok);
    static_assert(std::is_same_v<std::remove_cvref_t<Params>, typename E::params>,
                  "sxtp::make_request<E>(params, body): params must be of type E::params");
    static_assert(std::is_same_v<std::remove_cvref_t<Body>, typename E::body>,
                  "sxtp::make_request<E>(params, body): body must be of type E::body (sxtp::no_body when E takes none)");
    static_assert(!is_stream_endpoint<E>, "sxtp::make_request<E>: E is a streaming endpoint; open it as a stream instead");
    return detail::request_for<E>(params, body);
}

/// The wire request that opens a stream of endpoint E (`:stream true` when
/// the client streams chunks after it).
template <class E>
request make_stream_request(const typename E::params& params, const typename E::body& body = {}) {
    static_assert(endpoint_check<E>::ok);
    static_assert(is_stream_endpoint<E>, "sxtp::make_stream_request<E>: E is a unary endpoint; call it instead");
    request r = detail::request_for<E>(params, body);
    if (client_streams<E>) r.stream = true;
    return r;
}

template <class KeywordOf>
request detail::request_from(std::string_view verb, std::string_view pattern, sx::value params, KeywordOf keyword_of) {
    request r;
    r.verb = sx::symbol(std::string(verb));
    // Each "{name}" takes the params field of that C++ name, which then
    // leaves :params.
    r.path = path_pattern::expand(pattern, [&](std::string_view name) {
        const sx::value key = sx::value::make_keyword_unchecked(keyword_of(name));
        std::string text;
        if (const sx::value* v = params.find(key)) text = detail::path_text(*v);
        params.erase(key);
        return text;
    });
    if (params.is_dict() && !params.empty()) r.params = std::move(params);
    return r;
}

template <class P>
constexpr std::string_view detail::keyword_of_field(std::string_view cxx_name) {
    const auto names = typed::detail::cxx_field_names<P>();
    for (std::size_t k = 0; k < names.size(); ++k)
        if (names[k] == cxx_name) return typed::detail::field_keywords<P>::name(k);
    return cxx_name;  // not a field: the endpoint check rules this out
}

template <class E, class Params, class Body>
request detail::request_for(const Params& params, const Body& body) {
    request r = request_from(E::verb, E::path, typed::to_sx(params), [](std::string_view n) { return keyword_of_field<typename E::params>(n); });
    if constexpr (!std::is_same_v<typename E::body, no_body>) r.body = typed::to_sx(body);
    return r;
}

} // namespace sxtp

#endif
