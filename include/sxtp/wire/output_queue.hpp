// sxtp/wire/output_queue.hpp — bytes waiting to be written, for the
// connection state machines.
#ifndef SXTP_WIRE_OUTPUT_QUEUE_HPP
#define SXTP_WIRE_OUTPUT_QUEUE_HPP

#include <algorithm>
#include <cstddef>
#include <string>
#include <string_view>
#include <utility>

namespace sxtp::wire {

/// Appended at the back, written from the front, in one of two ways:
///
/// * synchronously: write a prefix of pending() and consume() it, with no
///   suspension in between (a non-blocking write_some);
/// * asynchronously: take() hands every pending byte to the writer as a
///   buffer of its own, which nothing else touches until written() gives it
///   back, however much is appended meanwhile. A view of pending() must
///   never be held across a suspension: an append may reallocate it.
///
/// One take() at a time; size() counts the bytes taken and not yet given
/// back, so budgets see what is held for the peer wherever it is.
class output_queue {
public:
    /// The buffer to append frames to.
    std::string& buffer() noexcept { return out_; }
    /// Bytes neither written nor taken.
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
    /// The pending bytes (at most `max` of them), for an asynchronous write:
    /// the buffer is the caller's until it hands it back with written().
    /// All of them are handed over without a copy; a part is copied out.
    std::string take(std::size_t max = static_cast<std::size_t>(-1)) {
        if (out_.size() - sent_ > max) {
            std::string batch = std::exchange(spare_, std::string());
            batch.assign(out_, sent_, max);
            consume(max);
            taken_ = batch.size();
            return batch;
        }
        std::string batch = std::exchange(out_, std::move(spare_));
        spare_ = std::string();
        out_.clear();
        if (sent_ != 0) batch.erase(0, std::exchange(sent_, 0));
        taken_ = batch.size();
        return batch;
    }
    /// The buffer take() returned, written (or abandoned): its memory is
    /// kept for the next take() unless it grew large.
    void written(std::string&& batch) noexcept {
        taken_ = 0;
        batch.clear();
        if (batch.capacity() <= keep_capacity && batch.capacity() > spare_.capacity()) spare_ = std::move(batch);
    }
    /// Bytes held for the peer: pending, and taken by a writer.
    std::size_t size() const noexcept { return out_.size() - sent_ + taken_; }
    /// Whether a writer holds a taken buffer.
    bool writing() const noexcept { return taken_ != 0; }
    void clear() noexcept {
        out_.clear();
        sent_ = 0;
    }

private:
    static constexpr std::size_t keep_capacity = std::size_t{256} << 10;
    std::string out_;
    std::size_t sent_ = 0;
    std::string spare_;       // a written batch's memory, for the next append
    std::size_t taken_ = 0;   // bytes of the batch a writer holds
};

} // namespace sxtp::wire

#endif
