// sxtp/wire/limits.hpp — what one server connection may hold: frame size,
// requests in flight, values per message (connection_limits). Set through
// server_options::limits and security_options::preauth_limits.
#ifndef SXTP_WIRE_LIMITS_HPP
#define SXTP_WIRE_LIMITS_HPP

#include <sxtp/wire/frame.hpp>

#include <cstddef>

namespace sxtp::wire {

/// Limits of one server connection.
struct connection_limits {
    frame_limits frames;
    /// Requests handed to handlers and not yet answered; more are answered overloaded.
    std::size_t max_in_flight = 100;
    /// Most values (atoms, lists, dicts) one message may hold: a payload
    /// with more is answered `invalid`/`malformed-message`, found while
    /// reading (sx::read_options::max_values). Bounds what one frame costs
    /// whatever its shape (about 32 bytes of memory per value).
    std::size_t max_values = std::size_t{1} << 19;
};

} // namespace sxtp::wire

#endif
