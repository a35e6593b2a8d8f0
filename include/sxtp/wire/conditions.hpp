// sxtp/wire/conditions.hpp — the conditions the framework itself produces
// (SPEC §4). Domains declare their own the same way (see condition.hpp).
#ifndef SXTP_WIRE_CONDITIONS_HPP
#define SXTP_WIRE_CONDITIONS_HPP

#include <sxtp/wire/condition.hpp>

#include <boost/describe/class.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace sxtp::conditions {

/// No route for the path. (not-found)
struct resource_not_found {
    static constexpr std::string_view sxtp_condition = "resource-not-found";
    static constexpr status_code sxtp_status = status_code::not_found;
};
BOOST_DESCRIBE_STRUCT(resource_not_found, (), ())

/// The path exists, the verb does not. (invalid; `:detail {:available-verbs (…)}`)
struct unsupported_verb {
    static constexpr std::string_view sxtp_condition = "unsupported-verb";
    static constexpr status_code sxtp_status = status_code::invalid;
    std::vector<sx::symbol> available_verbs;
};
BOOST_DESCRIBE_STRUCT(unsupported_verb, (), (available_verbs))

/// Params or body do not match the declared type. (invalid; `:detail {:field ":params :per-page" :problem "expected integer, got string"}`)
struct invalid_params {
    static constexpr std::string_view sxtp_condition = "invalid-params";
    static constexpr status_code sxtp_status = status_code::invalid;
    std::string field;
    std::string problem;
};
BOOST_DESCRIBE_STRUCT(invalid_params, (), (field, problem))

/// The payload is not SX or not a valid message. (invalid; `:detail {:offset N :line L :column C}` when the reader failed)
struct malformed_message {
    static constexpr std::string_view sxtp_condition = "malformed-message";
    static constexpr status_code sxtp_status = status_code::invalid;
    std::optional<std::int64_t> offset;
    std::optional<std::int64_t> line;
    std::optional<std::int64_t> column;
};
BOOST_DESCRIBE_STRUCT(malformed_message, (), (offset, line, column))

/// The length line is not 1–10 digits and a newline; the connection closes. (invalid)
struct malformed_frame {
    static constexpr std::string_view sxtp_condition = "malformed-frame";
    static constexpr status_code sxtp_status = status_code::invalid;
};
BOOST_DESCRIBE_STRUCT(malformed_frame, (), ())

/// The announced length is over the receiver's limit; the connection closes. (invalid)
struct frame_too_large {
    static constexpr std::string_view sxtp_condition = "frame-too-large";
    static constexpr status_code sxtp_status = status_code::invalid;
    std::int64_t limit = 0;
};
BOOST_DESCRIBE_STRUCT(frame_too_large, (), (limit))

/// Missing, invalid, expired or replayed `:auth`. (forbidden)
struct unauthenticated {
    static constexpr std::string_view sxtp_condition = "unauthenticated";
    static constexpr status_code sxtp_status = status_code::forbidden;
};
BOOST_DESCRIBE_STRUCT(unauthenticated, (), ())

/// A request whose `:origin` the server does not serve (server_options::allowed_origins).
struct origin_not_allowed {
    static constexpr std::string_view sxtp_condition = "origin-not-allowed";
    static constexpr status_code sxtp_status = status_code::forbidden;
    std::string origin;
};
BOOST_DESCRIBE_STRUCT(origin_not_allowed, (), (origin))

/// Required ∪ listed capabilities are not all granted. (forbidden; `:detail {:missing (…)}`)
struct insufficient_capabilities {
    static constexpr std::string_view sxtp_condition = "insufficient-capabilities";
    static constexpr status_code sxtp_status = status_code::forbidden;
    std::vector<sx::symbol> missing;
};
BOOST_DESCRIBE_STRUCT(insufficient_capabilities, (), (missing))

/// The request's `:timeout-ms` passed. (error)
struct deadline_exceeded {
    static constexpr std::string_view sxtp_condition = "deadline-exceeded";
};
BOOST_DESCRIBE_STRUCT(deadline_exceeded, (), ())

/// The client sent `cancel`. (error)
struct cancelled {
    static constexpr std::string_view sxtp_condition = "cancelled";
};
BOOST_DESCRIBE_STRUCT(cancelled, (), ())

/// A limit was hit. (unavailable, `:retry true`)
struct overloaded {
    static constexpr std::string_view sxtp_condition = "overloaded";
    static constexpr status_code sxtp_status = status_code::unavailable;
    static constexpr bool sxtp_retry = true;
};
BOOST_DESCRIBE_STRUCT(overloaded, (), ())

/// Graceful drain in progress. (unavailable, `:retry true`)
struct shutting_down {
    static constexpr std::string_view sxtp_condition = "shutting-down";
    static constexpr status_code sxtp_status = status_code::unavailable;
    static constexpr bool sxtp_retry = true;
};
BOOST_DESCRIBE_STRUCT(shutting_down, (), ())

/// A handler failed; nothing internal is told to the peer. (error)
struct internal_error {
    static constexpr std::string_view sxtp_condition = "internal-error";
};
BOOST_DESCRIBE_STRUCT(internal_error, (), ())

/// Client side: the call was not delivered, or its answer was not received
/// (connect failure, broken connection, a server breaking the protocol).
/// (unavailable; `:retry` true only when the request was never sent)
struct connection_failed {
    static constexpr std::string_view sxtp_condition = "connection-failed";
    static constexpr status_code sxtp_status = status_code::unavailable;
    std::string reason;
};
BOOST_DESCRIBE_STRUCT(connection_failed, (), (reason))

/// Client side: the server's answer does not match the endpoint's result type. (invalid)
struct malformed_result {
    static constexpr std::string_view sxtp_condition = "malformed-result";
    static constexpr status_code sxtp_status = status_code::invalid;
    std::string field;
    std::string problem;
};
BOOST_DESCRIBE_STRUCT(malformed_result, (), (field, problem))

/// The status condition type `Cs` named `type` declares, or `fallback`
/// when none of Cs has that name.
template <class... Cs>
status_code status_among(std::string_view type, status_code fallback) {
    status_code out = fallback;
    (void)type;  // unused when Cs is empty
    (void)((type == Cs::sxtp_condition ? (out = status_of<Cs>(), true) : false) || ...);
    return out;
}

/// The status SPEC §4 gives a framework condition `type` (a stream's done
/// chunk carries only the condition), or `fallback` for any other type.
inline status_code framework_status(std::string_view type, status_code fallback = status_code::error) {
    return status_among<resource_not_found, unsupported_verb, invalid_params, malformed_message, malformed_frame, frame_too_large,
                        unauthenticated, insufficient_capabilities, deadline_exceeded, cancelled, overloaded, shutting_down,
                        internal_error, connection_failed, malformed_result>(type, fallback);
}

} // namespace sxtp::conditions

#endif
