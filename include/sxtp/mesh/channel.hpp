// sxtp/mesh/channel.hpp — the messages of seed 003's `/channel` streams
// (docs/mesh.md, "Wire"): a 4-byte big-endian length, then that many bytes
// of UTF-8 JSON `{"function_name": …, "payload": …, "metadata": {…}}`.
// I/O-free; shared by the server and the client side. Needs Boost.JSON.
#ifndef SXTP_MESH_CHANNEL_HPP
#define SXTP_MESH_CHANNEL_HPP

#include <sxtp/mesh/json.hpp>

#include <boost/system/result.hpp>

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace sxtp::mesh {

/// What one Mesh-transport connection may hold and how long it may take
/// (docs/mesh.md, "Limits"). Every byte held for a peer counts against
/// `connection_budget`.
struct channel_limits {
    /// Largest message (its JSON, without the 4-byte length).
    std::size_t max_message = 1 << 20;
    /// SETTINGS_MAX_CONCURRENT_STREAMS: channels open at once per connection.
    std::uint32_t max_streams = 100;
    /// Requests of one connection being answered at once; beyond it the
    /// connection is not read until answers are written.
    std::size_t max_calls = 256;
    /// Bytes held for one connection: partial messages, the calls in flight
    /// (each its message's size plus 1 KiB), answers not yet sent. Beyond it
    /// the connection is not read.
    std::size_t connection_budget = 16u << 20;
    /// Answer bytes one stream may have queued before a streaming call
    /// producing them waits (so a stream nobody reads holds little).
    std::size_t stream_queue = 256u << 10;
    /// Header bytes of one stream (names and values).
    std::size_t max_header_bytes = 16 << 10;
    /// A message begun must be complete within this (slow peers).
    std::chrono::milliseconds message_timeout{10000};
    /// The TLS handshake (h2 over TLS) must be done within this.
    std::chrono::milliseconds handshake_timeout{5000};
    /// A connection with no channel open (and nothing to send) is closed after this.
    std::chrono::milliseconds idle_timeout{30000};
    /// Answers queued without a byte of them sent for this long close the
    /// connection; so does sending them slower than `min_send_rate` bytes per
    /// second, measured over each such period (a peer that reads a byte now and then).
    std::chrono::milliseconds write_timeout{10000};
    std::size_t min_send_rate = 1024;
    /// Streams a peer may reset within one second before the connection is
    /// closed with ENHANCE_YOUR_CALM (rapid reset).
    std::size_t max_resets_per_second = 200;
    /// Connections served at once (the listener refuses beyond it).
    std::size_t max_connections = 1024;
};

/// One message.
struct channel_message {
    std::string function_name;
    boost::json::value payload;
    boost::json::object metadata;
};

/// The framed bytes of `m`: its length as 4 bytes big-endian, then its JSON.
/// Throws std::length_error for JSON of 4 GiB or more.
std::string frame_message(const channel_message& m);

/// Why a message is refused.
enum class message_error { bad_json, not_object, bad_function_name, bad_metadata };
std::string_view describe(message_error e) noexcept;

/// The message `json` holds: an object with a string `function_name`, any
/// `payload` (absent: null) and an optional object `metadata`; nesting at
/// most json_max_depth.
boost::system::result<channel_message, message_error> parse_message(std::string_view json);

/// Splits a stream's bytes into messages. Holds at most one message's
/// bytes and the 4 of the next length (plus what one append brought).
class message_framer {
public:
    explicit message_framer(std::size_t max_message) : max_(max_message) {}

    enum class status { ok, too_large };

    /// Appends `data`, then calls `on_message(std::string_view json)` for
    /// each complete message, in order (a length of 0 is an empty message,
    /// which parse_message refuses). Stops at the first length above the
    /// limit and reports it (the stream is then unusable).
    template <class F>
    status append(std::string_view data, F&& on_message);

    /// Bytes held (a partial message).
    std::size_t held() const noexcept { return buf_.size() - at_; }
    /// Whether a message is partly in.
    bool partial() const noexcept { return held() != 0; }

private:
    std::size_t max_;
    std::string buf_;
    std::size_t at_ = 0;  // start of the unread part of buf_
};

} // namespace sxtp::mesh

#include <sxtp/mesh/impl/channel.hpp>

#endif
