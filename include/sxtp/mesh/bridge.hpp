// sxtp/mesh/bridge.hpp — Mesh messages as calls of a `service` and its
// answers as Mesh messages (docs/mesh.md, "Function names and payloads"):
// I/O-free, the heart of the Mesh transport's server side.
//
//   channel_message m = …;                       // from the stream
//   auto c = mesh::to_call(svc, headers, std::move(m));
//   if (auto* refusal = std::get_if<channel_message>(&c)) send(*refusal);
//   else send(mesh::answer_message(call, co_await svc.answer(call.req, ctx)));
#ifndef SXTP_MESH_BRIDGE_HPP
#define SXTP_MESH_BRIDGE_HPP

#include <sxtp/mesh/channel.hpp>
#include <sxtp/server/service.hpp>

#include <boost/describe.hpp>

#include <variant>

namespace sxtp::mesh {

namespace conditions {
/// No endpoint has that function name. (not-found)
struct unknown_function {
    static constexpr std::string_view sxtp_condition = "unknown-function";
    static constexpr status_code sxtp_status = status_code::not_found;
    std::string function_name;
};
BOOST_DESCRIBE_STRUCT(unknown_function, (), (function_name))
} // namespace conditions

/// What a channel's stream said when it opened (its HTTP/2 headers).
struct channel_headers {
    /// The headers but the pseudo-headers and `authorization` (lower-case
    /// names; `x-service-name` first): handlers see them as
    /// call_context::metadata().
    std::vector<std::pair<std::string, std::string>> metadata;
    /// `authorization: Bearer …`, when given: every call of the channel
    /// carries `:auth (bearer "…")`.
    std::optional<std::string> bearer;
};

/// A message made a call of the service.
struct bridged_call {
    sxtp::request req;
    /// The endpoint (null for the built-ins ping and health).
    const function_info* function = nullptr;
    std::string function_name;
    /// `metadata.id`, echoed in every answer message.
    boost::json::value id;
};

/// The call message `m` asks of `svc`, or the answer message that refuses
/// it (unknown function, a payload of the wrong shape, bad metadata).
std::variant<bridged_call, channel_message> to_call(const service& svc, const channel_headers& h, channel_message m);

/// The answer message of response `r` to `call` (the result or the
/// condition, see docs/mesh.md "Wire"). A result JSON cannot carry
/// (non-finite float, nesting) becomes an `error` answer naming the reason.
channel_message answer_message(const bridged_call& call, const response& r);

/// The answer message refusing a message of `function_name` with `c`.
channel_message refusal_message(std::string function_name, status_code s, const condition& c, boost::json::value id = nullptr);

/// A message of one chunk (`metadata.chunk` n) or one event (`metadata.event`) of a stream answer.
channel_message chunk_message(const bridged_call& call, sx::value chunk, std::uint64_t n);
channel_message event_message(const bridged_call& call, std::string_view event, sx::value body);

} // namespace sxtp::mesh

#include <sxtp/mesh/impl/bridge.hpp>

#endif
