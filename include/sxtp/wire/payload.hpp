// sxtp/wire/payload.hpp — from a frame's payload to a message and back.
#ifndef SXTP_WIRE_PAYLOAD_HPP
#define SXTP_WIRE_PAYLOAD_HPP

#include <sxtp/sx/reader.hpp>
#include <sxtp/typed/codec.hpp>
#include <sxtp/typed/detail/direct_read.hpp>
#include <sxtp/wire/conditions.hpp>
#include <sxtp/wire/frame.hpp>
#include <sxtp/wire/messages.hpp>

#include <boost/system/result.hpp>

#include <string>
#include <optional>
#include <string_view>
#include <type_traits>

namespace sxtp::wire {

/// Decodes one payload. A payload that is not one SX value, or is not a
/// valid message, gives the `malformed-message` condition to answer with
/// (status invalid; the frame boundary is intact, so the connection stays
/// open): with the reader's position in `:detail` when the payload is not
/// SX, and the field path in `:message` when a field has the wrong type.
namespace detail {
// A message read straight from its text into its type (no value tree), or
// nullopt when the fast path gives up: decode_payload then answers from the
// tree, with its exact errors. Only for a payload too short to hold more
// than `max_values` values (each takes at least two bytes of text but the
// last), so the limit holds without counting.
// (Requests, responses and the stream messages; a condition status is the
// slow path's to rewrite.)
inline std::optional<message> read_message_direct(std::string_view payload, sx::reader& reader) {
    const sx::read_options& options = reader.options();
    if (payload.size() / 2 >= options.max_values) return std::nullopt;
    std::size_t at = payload.find_first_not_of(" \t\r\n");
    if (at == std::string_view::npos || payload[at] != '(') return std::nullopt;
    const std::size_t name_end = payload.find_first_of(" \t\r\n()", at + 1);
    if (name_end == std::string_view::npos) return std::nullopt;
    const std::string_view head = payload.substr(at + 1, name_end - at - 1);
    auto as = [&]<class M>(std::type_identity<M>) -> std::optional<message> {
        typed::detail::text_decoder d(payload, options, reader);
        sx::detail::token tok;
        M out{};
        if (!d.next(tok) || !typed::detail::read_direct(d, tok, out) || d.lex.skip_space() != sx::error{} ||
            d.lex.pos() != payload.data() + payload.size())
            return std::nullopt;
        if (!sxtp::detail::link_is_dict(out)) return std::nullopt;  // the slow path says why
        return message(std::move(out));
    };
    if (head == "request") return as(std::type_identity<request>{});
    if (head == "response") return as(std::type_identity<response>{});
    if (head == "chunk") return as(std::type_identity<chunk>{});
    if (head == "event") return as(std::type_identity<event>{});
    if (head == "credit") return as(std::type_identity<credit>{});
    if (head == "cancel") return as(std::type_identity<cancel>{});
    return std::nullopt;
}
} // namespace detail

inline boost::system::result<message, condition> decode_payload(std::string_view payload, sx::reader& reader) {
    if (auto m = detail::read_message_direct(payload, reader)) return {boost::system::in_place_value, std::move(*m)};
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

/// Appends the frame of message `x` (a request, response, chunk, … — any
/// alternative of sxtp::message) to `out`: its canonical form is written in
/// place, then its length put before it (a move of the payload's bytes, no
/// buffer of its own). Throws boost::system::system_error for a message that
/// has no canonical form (a NaN or a string that is not UTF-8 in a body);
/// `out` is then as it was.
template <class M>
void write_frame_of(std::string& out, const M& x) {
    const std::size_t start = out.size();
    const sx::error e = typed::write_canonical(out, x);
    if (e != sx::error{}) {
        out.resize(start);
        throw boost::system::system_error(e);
    }
    char digits[24];
    const auto r = std::to_chars(digits, digits + sizeof digits - 1, out.size() - start);
    *r.ptr = '\n';
    out.insert(start, digits, static_cast<std::size_t>(r.ptr + 1 - digits));
}

/// Appends the frame of `m`'s canonical form to `out` (see write_frame_of).
inline void write_message(std::string& out, const message& m) {
    std::visit([&out](const auto& x) { write_frame_of(out, x); }, m);
}

} // namespace sxtp::wire

#endif
