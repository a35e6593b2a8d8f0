// A small stack buffer in front of a printer sink, so that atoms are written
// with plain pointer stores and the sink sees few, large appends.
#ifndef SXTP_SX_DETAIL_BUFFERED_WRITER_HPP
#define SXTP_SX_DETAIL_BUFFERED_WRITER_HPP

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <string>
#include <type_traits>

namespace sxtp::sx::detail {

template <class Sink>
class buffered_writer {
public:
    static constexpr std::size_t capacity = 1024;
    /// Largest `n` that `room(n)` accepts.
    static constexpr std::size_t max_room = capacity;

    explicit buffered_writer(Sink& sink) noexcept : sink_(sink) {}
    buffered_writer(const buffered_writer&) = delete;
    buffered_writer& operator=(const buffered_writer&) = delete;

    void put(char c) {
        if (p_ == buf_ + capacity) flush();
        *p_++ = c;
    }
    void put(const char* s, std::size_t n) {
        if (n > static_cast<std::size_t>(buf_ + capacity - p_)) {
            flush();
            if (n > capacity / 2) {
                sink_.append(s, n);
                return;
            }
        }
        std::memcpy(p_, s, n);
        p_ += n;
    }
    /// Room for `n` (<= capacity) bytes at the returned pointer; then `commit(end)`.
    char* room(std::size_t n) {
        if (n > static_cast<std::size_t>(buf_ + capacity - p_)) flush();
        return p_;
    }
    /// End of the room after the last `room()`: at least its `n` bytes, maybe more.
    char* limit() noexcept { return buf_ + capacity; }
    void commit(char* end) noexcept { p_ = end; }
    void flush() {
        if (p_ != buf_) sink_.append(buf_, static_cast<std::size_t>(p_ - buf_));
        p_ = buf_;
    }
    Sink& sink() noexcept { return sink_; }

private:
    Sink& sink_;
    char buf_[capacity];
    char* p_ = buf_;
};

/// The writer for std::string sinks: writes straight into the string, which
/// is grown ahead in large steps and trimmed by `flush()` (call it last).
class string_writer {
public:
    /// Largest `n` that `room(n)` accepts (any size would do; this bounds over-allocation).
    static constexpr std::size_t max_room = std::size_t{1} << 15;

    explicit string_writer(std::string& s) noexcept : s_(s), p_(s.data() + s.size()), end_(p_), start_(s.size()) {}
    string_writer(const string_writer&) = delete;
    string_writer& operator=(const string_writer&) = delete;

    void put(char c) {
        if (p_ == end_) grow(1);
        *p_++ = c;
    }
    void put(const char* p, std::size_t n) {
        if (static_cast<std::size_t>(end_ - p_) < n) grow(n);
        std::memcpy(p_, p, n);
        p_ += n;
    }
    char* room(std::size_t n) {
        if (static_cast<std::size_t>(end_ - p_) < n) grow(n);
        return p_;
    }
    /// End of the room after the last `room()`: at least its `n` bytes, maybe more.
    char* limit() noexcept { return end_; }
    void commit(char* end) noexcept { p_ = end; }
    void flush() {
        s_.resize(static_cast<std::size_t>(p_ - s_.data()));
        p_ = end_ = s_.data() + s_.size();
    }
    std::string& sink() noexcept { return s_; }

private:
    [[gnu::noinline]] void grow(std::size_t n) {
        const std::size_t used = static_cast<std::size_t>(p_ - s_.data());
        // resize() zero-fills: grow by about what this writer has written so
        // far (not by the string's earlier content, nor to the whole capacity
        // of a reused string), so the zeroing stays a fraction of the output.
        // std::string grows its capacity geometrically by itself.
        s_.resize(used + std::max(n + 256, used - start_));
        p_ = s_.data() + used;
        end_ = s_.data() + s_.size();
    }

    std::string& s_;
    char* p_;    // next byte to write
    char* end_;  // end of the string's current size
    std::size_t start_;  // the string's size when this writer began
};

/// The writer for a sink: std::string gets string_writer, others buffered_writer.
template <class Sink>
using writer_for = std::conditional_t<std::is_same_v<Sink, std::string>, string_writer, buffered_writer<Sink>>;

} // namespace sxtp::sx::detail

#endif
