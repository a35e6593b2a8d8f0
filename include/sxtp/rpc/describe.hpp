// sxtp/rpc/describe.hpp — what `inspect` reports of an endpoint (SPEC §5),
// from its types: capabilities, schemas of params, body, result, chunks and
// events, and its cache policy.
#ifndef SXTP_RPC_DESCRIBE_HPP
#define SXTP_RPC_DESCRIBE_HPP

#include <sxtp/rpc/endpoint.hpp>
#include <sxtp/sx/value.hpp>
#include <sxtp/typed/schema.hpp>

#include <string_view>
#include <type_traits>

namespace sxtp {

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
