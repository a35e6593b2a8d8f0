// sxtp/wire/error.hpp — errors of framing (SPEC §2).
#ifndef SXTP_WIRE_ERROR_HPP
#define SXTP_WIRE_ERROR_HPP

#include <sxtp/detail/error_category.hpp>

#include <boost/system/error_code.hpp>

#include <string>
#include <type_traits>

namespace sxtp::wire {

/// Framing and connection errors. Each ends the connection.
enum class error {
    malformed_frame = 1,  ///< the length line is not 1–10 ASCII digits then "\n"
    frame_too_large,      ///< the announced length is over the receiver's limit
    unknown_tag,          ///< a response carries a tag no call in flight has
    unexpected_response,  ///< an untagged response arrived with no untagged call waiting
    unexpected_message,   ///< the peer sent a message that has no place here
    malformed_message,    ///< the peer sent a payload that is not a valid message
    connection_closed,    ///< the connection ended before the answer arrived
};

/// The message of each wire::error.
constexpr const char* describe(error e) noexcept {
    switch (e) {
    case error::malformed_frame: return "malformed frame: the length line must be 1 to 10 digits and a newline";
    case error::frame_too_large: return "frame larger than the receiver's limit";
    case error::unknown_tag: return "response with a tag that no call in flight has";
    case error::unexpected_response: return "untagged response with no untagged call waiting";
    case error::unexpected_message: return "message the peer may not send here";
    case error::malformed_message: return "payload that is not a valid message";
    case error::connection_closed: return "connection closed before the answer arrived";
    }
    return "unknown sxtp.wire error";
}

inline const boost::system::error_category& error_category() noexcept {
    static constexpr sxtp::detail::enum_category<error, describe> instance("sxtp.wire", 0x5378'7470'0000'0003ULL);
    return instance;
}
inline boost::system::error_code make_error_code(error e) noexcept { return {static_cast<int>(e), error_category()}; }

} // namespace sxtp::wire

template <>
struct boost::system::is_error_code_enum<sxtp::wire::error> : std::true_type {};

#endif
