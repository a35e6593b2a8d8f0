// sxtp/typed/request_builder.hpp — the wire request of a typed call.
//
//   sxtp::request r = sxtp::make_request<get_post>(get_post_params{.id = "sxtp", .fields = {"title"}});
//   // (request :verb fetch :path "/blog/posts/sxtp" :params {:fields ("title")})
//
// Path parameters are taken out of the params struct and written into the
// path (percent-encoded); the other fields travel in `:params` (left out when
// there are none); the body travels in `:body` (left out for no_body).
#ifndef SXTP_TYPED_REQUEST_BUILDER_HPP
#define SXTP_TYPED_REQUEST_BUILDER_HPP

#include <sxtp/sx/printer.hpp>
#include <sxtp/typed/endpoint.hpp>
#include <sxtp/typed/schema.hpp>
#include <sxtp/wire/messages.hpp>

#include <string>
#include <type_traits>

namespace sxtp {

namespace detail {

// Percent-encodes a path segment: unreserved characters and sub-delims stay.
inline std::string encode_path_segment(std::string_view s) {
    constexpr char hex[] = "0123456789ABCDEF";
    std::string out;
    out.reserve(s.size());
    for (unsigned char c : s) {
        const bool keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                          std::string_view("-._~!$&'()*+,;=:@").find(static_cast<char>(c)) != std::string_view::npos;
        if (keep) {
            out.push_back(static_cast<char>(c));
        } else {
            out.push_back('%');
            out.push_back(hex[c >> 4]);
            out.push_back(hex[c & 0xF]);
        }
    }
    return out;
}

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

template <class E, class Params, class Body>
request detail::request_for(const Params& params, const Body& body) {
    request r;
    r.verb = sx::symbol(std::string(E::verb));
    sx::value p = typed::to_sx(params);
    constexpr detail::path_params pp = detail::params_of_path(E::path);
    std::string path;
    std::string_view pattern = E::path;
    std::size_t at = 0;
    for (std::size_t i = 0; i < pp.count; ++i) {
        const std::size_t open = pattern.find('{', at);
        path.append(pattern.substr(at, open - at));
        const sx::value key = sx::value::make_keyword_unchecked(typed::detail::field_keywords<typename E::params>::name([&] {
            const auto names = typed::detail::cxx_field_names<typename E::params>();
            std::size_t k = 0;
            while (names[k] != pp.names[i]) ++k;
            return k;
        }()));
        const sx::value* v = p.find(key);
        if (v) path += detail::encode_path_segment(detail::path_text(*v));
        p.erase(key);
        at = pattern.find('}', open) + 1;
    }
    path.append(pattern.substr(at));
    r.path = std::move(path);
    if (!p.empty()) r.params = std::move(p);
    if constexpr (!std::is_same_v<typename E::body, no_body>) r.body = typed::to_sx(body);
    return r;
}

/// What `inspect` reports of one endpoint (SPEC §5): `{:verb V :required-capabilities (…)
/// :params-schema {…} :body-schema … :result-schema … :cache :revalidate :streaming B}`,
/// plus `:chunk-schema`, `:events {name schema …}` and `:request-chunk-schema`
/// for streams.
template <class E>
sx::value describe_endpoint() {
    static_assert(endpoint_check<E>::ok);
    sx::value caps = sx::value::make_list();
    for (std::string_view c : E::capabilities::names) caps.push_back(sx::value::make_symbol_unchecked(c));
    constexpr std::string_view cache = E::cache == cache_policy::immutable ? "immutable" : E::cache == cache_policy::revalidate ? "revalidate" : "none";
    sx::value d = sx::value::dict(sx::value::make_keyword_unchecked("verb"), sx::value::make_symbol_unchecked(E::verb),
                                  sx::value::make_keyword_unchecked("required-capabilities"), std::move(caps),
                                  sx::value::make_keyword_unchecked("params-schema"), typed::schema_of<typename E::params>(),
                                  sx::value::make_keyword_unchecked("cache"), sx::value::make_keyword_unchecked(cache),
                                  sx::value::make_keyword_unchecked("streaming"), server_streams<E>);
    if constexpr (!std::is_same_v<typename E::body, no_body>)
        d.insert_or_assign(sx::value::make_keyword_unchecked("body-schema"), typed::schema_of<typename E::body>());
    if constexpr (!std::is_same_v<typename E::result, no_result>)
        d.insert_or_assign(sx::value::make_keyword_unchecked("result-schema"), typed::schema_of<typename E::result>());
    if constexpr (!std::is_same_v<typename E::chunk, no_chunk>)
        d.insert_or_assign(sx::value::make_keyword_unchecked("chunk-schema"), typed::schema_of<typename E::chunk>());
    if constexpr (client_streams<E>)
        d.insert_or_assign(sx::value::make_keyword_unchecked("request-chunk-schema"), typed::schema_of<typename E::request_chunk>());
    if constexpr (E::events::size > 0) {
        sx::value ev = sx::value::make_dict();
        [&]<class... Es>(std::type_identity<events<Es...>>) {
            (ev.insert_or_assign(sx::value::make_keyword_unchecked(Es::sxtp_event), typed::schema_of<Es>()), ...);
        }(std::type_identity<typename E::events>{});
        d.insert_or_assign(sx::value::make_keyword_unchecked("events"), std::move(ev));
    }
    return d;
}

} // namespace sxtp

#endif
