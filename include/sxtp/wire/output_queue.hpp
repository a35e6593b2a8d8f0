// sxtp/wire/output_queue.hpp — bytes waiting to be written, for the
// connection state machines.
#ifndef SXTP_WIRE_OUTPUT_QUEUE_HPP
#define SXTP_WIRE_OUTPUT_QUEUE_HPP

#include <algorithm>
#include <cstddef>
#include <string>
#include <string_view>

namespace sxtp::wire {

/// Appended at the back, written from the front. Written bytes are dropped
/// when all are written, or compacted once they are most of the buffer.
class output_queue {
public:
    /// The buffer to append frames to.
    std::string& buffer() noexcept { return out_; }
    /// Bytes not yet written.
    std::string_view pending() const noexcept { return std::string_view(out_).substr(sent_); }
    /// Marks `n` bytes of pending() as written.
    void consume(std::size_t n) {
        sent_ += std::min(n, out_.size() - sent_);
        if (sent_ == out_.size()) {
            out_.clear();
            sent_ = 0;
        } else if (sent_ > (std::size_t{64} << 10) && sent_ > out_.size() / 2) {
            out_.erase(0, sent_);
            sent_ = 0;
        }
    }
    void clear() noexcept {
        out_.clear();
        sent_ = 0;
    }

private:
    std::string out_;
    std::size_t sent_ = 0;
};

} // namespace sxtp::wire

#endif
