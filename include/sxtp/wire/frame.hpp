// sxtp/wire/frame.hpp — framing (SPEC §2): LENGTH "\n" PAYLOAD, sans I/O.
//
//   wire::frame_reader in({.max_frame = 16 << 20});
//   // the I/O layer: read into in.prepare(), then in.commit(n)
//   for (;;) {
//       wire::frame f = in.next();
//       if (f.state == wire::frame::need_more) break;       // read more bytes
//       if (f.state == wire::frame::failed) { /* answer invalid once, close */ }
//       handle(f.payload);                                    // valid until the next prepare()/next()
//   }
//
// Memory is bounded by the limit, never by what a peer announces: the buffer
// grows only as bytes arrive, and holds at most one frame (its header and
// payload) plus one read chunk; past that `prepare` offers no room until
// `next` has handed out what is there.
//
// The room offered adapts to the traffic (as Netty's adaptive receive
// buffer does): it starts at `min_read_chunk`, grows fourfold each time a
// read fills it (up to `read_chunk`), halves each time a read uses under a
// quarter of it, and once it is back at the smallest room a buffer over
// twice that is given back when nothing is held. An idle connection thus
// holds about `min_read_chunk` bytes, a busy one reads in large pieces.
#ifndef SXTP_WIRE_FRAME_HPP
#define SXTP_WIRE_FRAME_HPP

#include <sxtp/wire/error.hpp>

#include <algorithm>
#include <charconv>
#include <cstddef>
#include <cstring>
#include <memory>
#include <span>
#include <string>
#include <string_view>

namespace sxtp::wire {

/// Limits of a frame_reader.
struct frame_limits {
    /// Largest payload accepted (SPEC default 16 MiB).
    std::size_t max_frame = std::size_t{16} << 20;
    /// Largest room `prepare` offers at once.
    std::size_t read_chunk = std::size_t{64} << 10;
    /// Smallest room (where a reader starts, and what an idle one holds).
    std::size_t min_read_chunk = 1024;
};

/// One step of a frame_reader.
struct frame {
    enum state_type { need_more, complete, failed } state = need_more;
    /// The payload, when complete: valid until the next prepare() or next().
    std::string_view payload;
    /// The framing error, when failed (wire::error).
    boost::system::error_code error;
};

/// Splits a byte stream into frames. Not thread-safe; one per connection.
class frame_reader {
public:
    explicit frame_reader(frame_limits limits = {}) : limits_(limits), chunk_(first_chunk()) {}

    /// Writable room for the next read (up to `read_chunk` bytes). Empty when
    /// the reader has failed, or when it already holds as much as its bound
    /// allows: call next() until need_more first.
    std::span<char> prepare() {
        compact();
        if (failed_ || end_ >= bound()) return {};
        if (end_ == 0 && chunk_ == first_chunk() && capacity_ > 2 * chunk_) {  // nothing held, small reads: give the buffer back
            buffer_.reset();
            capacity_ = 0;
        }
        const std::size_t want = std::min(chunk_, bound() - end_);
        if (capacity_ - end_ < want) grow(end_ + want);
        offered_ = want;
        return {buffer_.get() + end_, want};
    }
    /// Makes `n` bytes written into the last prepare() part of the stream.
    void commit(std::size_t n) noexcept {
        end_ += n;
        if (n >= offered_) chunk_ = std::min(chunk_ * 4, std::max(limits_.read_chunk, std::size_t{1}));
        else if (n < chunk_ / 4) chunk_ = std::max(chunk_ / 2, first_chunk());
    }

    /// Appends bytes (for callers that already hold them, such as tests).
    void feed(std::string_view bytes) {
        while (!bytes.empty()) {
            std::span<char> room = prepare();
            if (room.empty()) return;
            const std::size_t n = std::min(room.size(), bytes.size());
            std::memcpy(room.data(), bytes.data(), n);
            commit(n);
            bytes.remove_prefix(n);
        }
    }

    /// The next complete frame, or need_more, or the framing error (after
    /// which the reader stays failed).
    frame next() {
        if (failed_) return {frame::failed, {}, failed_};
        consume_previous();
        if (payload_length_ == npos) {
            // The length line: 1–10 digits, then '\n'.
            const char* p = buffer_.get() + begin_;
            const std::size_t avail = end_ - begin_;
            std::size_t i = 0;
            std::size_t length = 0;
            for (; i < avail && p[i] != '\n'; ++i) {
                if (p[i] < '0' || p[i] > '9' || i == 10) return fail(error::malformed_frame);
                length = length * 10 + static_cast<std::size_t>(p[i] - '0');
            }
            if (i == avail) return {};  // the length line is not complete yet
            if (i == 0) return fail(error::malformed_frame);
            if (length > limits_.max_frame) return fail(error::frame_too_large);
            begin_ += i + 1;
            payload_length_ = length;
        }
        if (end_ - begin_ < payload_length_) return {};
        frame f{frame::complete, std::string_view(buffer_.get() + begin_, payload_length_), {}};
        consumed_ = payload_length_;
        payload_length_ = npos;
        return f;
    }

    /// Bytes received but not yet returned in a frame.
    std::size_t buffered() const noexcept { return end_ - begin_ - consumed_; }
    /// Bytes of buffer held (bounded by the limit plus a header and a read chunk).
    std::size_t capacity() const noexcept { return capacity_; }
    const frame_limits& limits() const noexcept { return limits_; }
    /// Changes the largest payload accepted, from the next length line on
    /// (a server lifts its pre-authentication limit this way).
    void set_max_frame(std::size_t n) noexcept { limits_.max_frame = n; }

private:
    static constexpr std::size_t npos = static_cast<std::size_t>(-1);
    static constexpr std::size_t max_header = 11;  // 10 digits and '\n'

    std::size_t first_chunk() const noexcept { return std::max<std::size_t>(1, std::min(limits_.min_read_chunk, limits_.read_chunk)); }
    // Most bytes held at once: one whole frame and one read chunk.
    std::size_t bound() const noexcept { return limits_.max_frame + max_header + limits_.read_chunk; }
    void consume_previous() noexcept {
        begin_ += consumed_;
        consumed_ = 0;
    }
    void compact() {
        consume_previous();
        if (begin_ == 0) return;
        std::memmove(buffer_.get(), buffer_.get() + begin_, end_ - begin_);
        end_ -= begin_;
        begin_ = 0;
    }
    void grow(std::size_t min_capacity) {
        const std::size_t cap = std::max(min_capacity, std::min(std::max(capacity_ * 2, std::size_t{256}), bound()));
        auto b = std::make_unique_for_overwrite<char[]>(cap);
        if (end_) std::memcpy(b.get(), buffer_.get(), end_);
        buffer_ = std::move(b);
        capacity_ = cap;
    }
    frame fail(error e) {
        failed_ = e;
        return {frame::failed, {}, failed_};
    }

    frame_limits limits_;
    std::unique_ptr<char[]> buffer_;
    std::size_t capacity_ = 0;
    std::size_t begin_ = 0;     // first byte not yet consumed
    std::size_t end_ = 0;       // one past the last byte received
    std::size_t consumed_ = 0;  // bytes of the frame last returned, dropped on the next call
    std::size_t payload_length_ = npos;
    std::size_t chunk_;        // the room prepare offers now
    std::size_t offered_ = 0;  // the room it offered last
    boost::system::error_code failed_;
};

/// Appends `LENGTH "\n" payload` to `out`.
inline void write_frame(std::string& out, std::string_view payload) {
    char digits[24];
    const auto r = std::to_chars(digits, digits + sizeof digits, payload.size());
    out.append(digits, static_cast<std::size_t>(r.ptr - digits));
    out.push_back('\n');
    out.append(payload);
}

} // namespace sxtp::wire

#endif
