// sxtp/wire/events.hpp — events shared by the client and server connections.
#ifndef SXTP_WIRE_EVENTS_HPP
#define SXTP_WIRE_EVENTS_HPP

#include <boost/system/error_code.hpp>

#include <cstdint>

namespace sxtp::wire {

/// The credit every stream starts with, in messages, in both directions (SPEC §3).
inline constexpr std::int64_t stream_window = 64;

/// Read more bytes.
struct need_more {};

/// The connection ended: framing failed or the peer broke the protocol.
/// Stop reading; write what is left of output(), then close.
struct connection_failed {
    boost::system::error_code error;
};

} // namespace sxtp::wire

#endif
