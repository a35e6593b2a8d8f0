// sxtp/rpc/function.hpp — endpoints called by name, for transports whose
// messages name a function rather than a verb and a path (the Mesh
// transport of seed 003: `{"function_name": …, "payload": …}`).
//
// An endpoint's function name is `E::function_name` when it declares one:
//
//   struct get_item : sxtp::endpoint<"fetch", "/items/{id}"> {
//       static constexpr std::string_view function_name = "get-item";
//       …
//   };
//
// and otherwise its verb and pattern: "fetch /items/{id}".
//
// The payload of such a call carries the endpoint's params and body in the
// plain form of sxtp/typed/plain.hpp:
//
//   params  body   payload
//   —       —      null, absent or {} (anything else is refused)
//   P       —      the params dict               {"id": 7, "fields": ["title"]}
//   —       B      the body                      whatever B is
//   P       B      both                          {"params": {…}, "body": …}
//
// Path parameters are params fields like the others.
#ifndef SXTP_RPC_FUNCTION_HPP
#define SXTP_RPC_FUNCTION_HPP

#include <sxtp/rpc/endpoint.hpp>
#include <sxtp/rpc/request_builder.hpp>
#include <sxtp/typed/plain.hpp>

#include <string>

namespace sxtp {

/// What a transport that calls by name needs to know of a typed endpoint.
struct function_info {
    /// The function name (see above).
    std::string name;
    std::string_view verb;
    std::string_view pattern;
    /// Which parts the payload carries.
    bool takes_params = false;
    bool takes_body = false;
    /// The shape: the answer is a stream; the caller streams chunks.
    bool streams_out = false;
    bool streams_in = false;
    /// Plain → typed SX for params and body; typed → plain for the result,
    /// each chunk and each event body (sxtp/typed/plain.hpp).
    typed::plain_converter params_from_plain = nullptr;
    typed::plain_converter body_from_plain = nullptr;
    typed::plain_converter result_to_plain = nullptr;
    typed::plain_converter chunk_to_plain = nullptr;
    /// Plain → typed SX for the result (the calling side).
    typed::plain_converter result_from_plain = nullptr;
    /// The keyword name (without colon) of the params field a path
    /// parameter `cxx_name` binds.
    std::string_view (*path_keyword)(std::string_view cxx_name) = nullptr;
};

/// E's function name (see above).
template <class E>
std::string function_name_of() {
    if constexpr (requires { std::string_view(E::function_name); }) return std::string(std::string_view(E::function_name));
    else return std::string(E::verb) + ' ' + std::string(E::path);
}

/// E's function_info.
template <class E>
function_info function_of() {
    static_assert(endpoint_check<E>::ok);
    function_info f;
    f.name = function_name_of<E>();
    f.verb = E::verb;
    f.pattern = E::path;
    f.takes_params = !std::is_same_v<typename E::params, no_params>;
    f.takes_body = !std::is_same_v<typename E::body, no_body>;
    f.streams_out = server_streams<E>;
    f.streams_in = client_streams<E>;
    f.params_from_plain = &typed::from_plain<typename E::params>;
    if constexpr (!std::is_same_v<typename E::body, no_body>) f.body_from_plain = &typed::from_plain<typename E::body>;
    if constexpr (!std::is_same_v<typename E::result, no_result>) {
        f.result_to_plain = &typed::to_plain<typename E::result>;
        f.result_from_plain = &typed::from_plain<typename E::result>;
    }
    if constexpr (!std::is_same_v<typename E::chunk, no_chunk>) f.chunk_to_plain = &typed::to_plain<typename E::chunk>;
    f.path_keyword = [](std::string_view cxx) { return detail::keyword_of_field<typename E::params>(cxx); };
    return f;
}

/// The plain payload of a typed call of E (see the table above).
template <class E>
sx::value plain_payload_of(const typename E::params& p, const typename E::body& b) {
    constexpr bool has_p = !std::is_same_v<typename E::params, no_params>;
    constexpr bool has_b = !std::is_same_v<typename E::body, no_body>;
    sx::value params, body;
    if constexpr (has_p) {
        params = typed::to_sx(p);
        typed::to_plain<typename E::params>(params);
    }
    if constexpr (has_b) {
        body = typed::to_sx(b);
        typed::to_plain<typename E::body>(body);
    }
    if constexpr (has_p && has_b)
        return sx::value::dict(sx::value::make_keyword_unchecked("body"), std::move(body), sx::value::make_keyword_unchecked("params"), std::move(params));
    else if constexpr (has_p) return params;
    else if constexpr (has_b) return body;
    else return sx::value();
}

/// The request a call of `f` with plain params and body makes (params a
/// dict or nil; body absent when `f` takes none). The path parameters are
/// taken out of the params; nullopt, with `missing` set to the keyword of
/// the first one absent, when one is not there.
std::optional<request> request_of(const function_info& f, sx::value params, std::optional<sx::value> body, std::string* missing = nullptr);

} // namespace sxtp

#include <sxtp/rpc/impl/function.hpp>

#endif
