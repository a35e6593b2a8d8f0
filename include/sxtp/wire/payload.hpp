// sxtp/wire/payload.hpp — from a frame's payload to a message and back.
#ifndef SXTP_WIRE_PAYLOAD_HPP
#define SXTP_WIRE_PAYLOAD_HPP

#include <sxtp/sx/reader.hpp>
#include <sxtp/typed/codec.hpp>
#include <sxtp/wire/conditions.hpp>
#include <sxtp/wire/frame.hpp>
#include <sxtp/wire/messages.hpp>

#include <boost/system/result.hpp>

#include <string>
#include <string_view>

namespace sxtp::wire {

/// Decodes one payload. A payload that is not one SX value, or is not a
/// valid message, gives the `malformed-message` condition to answer with
/// (status invalid; the frame boundary is intact, so the connection stays
/// open): with the reader's position in `:detail` when the payload is not
/// SX, and the field path in `:message` when a field has the wrong type.
inline boost::system::result<message, condition> decode_payload(std::string_view payload, sx::reader& reader) {
    auto v = reader.read(payload);
    if (!v) {
        const sx::read_error& e = v.error();
        return {boost::system::in_place_error,
                make_condition(conditions::malformed_message{static_cast<std::int64_t>(e.offset), static_cast<std::int64_t>(e.line),
                                                             static_cast<std::int64_t>(e.column)},
                               "payload is not SX: " + e.message())};
    }
    auto m = decode_message(*v);
    if (!m)
        return {boost::system::in_place_error, make_condition(conditions::malformed_message{}, "not a valid message: " + m.error().message())};
    return {boost::system::in_place_value, std::move(*m)};
}

/// decode_payload with this thread's reader: connections share one per
/// thread (a reader is scratch space between payloads), so an idle
/// connection holds none. A payload of more than `max_values` values
/// (sx::read_options::max_values) is malformed, found while reading.
inline boost::system::result<message, condition> decode_payload(std::string_view payload,
                                                                std::size_t max_values = static_cast<std::size_t>(-1)) {
    thread_local sx::reader reader;
    reader.set_max_values(max_values);
    return decode_payload(payload, reader);
}

/// Appends the frame of `m`'s canonical form to `out`. Throws
/// boost::system::system_error for a message that has no canonical form (a
/// NaN or a string that is not UTF-8 in a body).
inline void write_message(std::string& out, const message& m) {
    const std::string payload = std::visit([](const auto& x) { return typed::canonical(x); }, m);
    write_frame(out, payload);
}

} // namespace sxtp::wire

#endif
