// The reader's stack of finished items (with their input offsets) waiting for
// their container. Closing a container relocates its items into the
// container's block with one memcpy: sx::value holds no pointer to itself,
// so its bytes may move, and a moved-from slot needs no destructor.
#ifndef SXTP_SX_DETAIL_VALUE_STACK_HPP
#define SXTP_SX_DETAIL_VALUE_STACK_HPP

#include <sxtp/sx/value.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <new>

namespace sxtp::sx::detail {

class value_stack {
public:
    value_stack() = default;
    value_stack(const value_stack&) = delete;
    value_stack& operator=(const value_stack&) = delete;
    ~value_stack() {
        clear();
        ::operator delete(values_);
    }

    /// Thrown by a push that would make the stack hold more than its limit.
    struct limit_reached {};
    /// Most entries the stack may hold (checked when it grows, so an empty
    /// stack with more room than that gives its room back).
    void set_limit(std::size_t n) noexcept {
        limit_ = n;
        if (size_ == 0 && capacity_ > n) {
            ::operator delete(values_);
            values_ = nullptr;
            offsets_.reset();
            capacity_ = 0;
        }
    }
    std::size_t limit() const noexcept { return limit_; }

    std::size_t size() const noexcept { return size_; }
    value& operator[](std::size_t i) noexcept { return values_[i]; }
    value& back() noexcept { return values_[size_ - 1]; }
    std::size_t offset(std::size_t i) const noexcept { return offsets_[i]; }
    void set_offset(std::size_t i, std::size_t off) noexcept { offsets_[i] = off; }

    void push(value&& v, std::size_t offset) {
        if (size_ == capacity_) grow();
        ::new (static_cast<void*>(values_ + size_)) value(std::move(v));
        offsets_[size_] = offset;
        ++size_;
    }
    /// Makes room for one more entry, so the next push cannot fail.
    [[gnu::always_inline]] void make_room() {
        if (size_ == capacity_) [[unlikely]] grow();
    }
    /// Pushes a value given as its two words (see value_access::words).
    [[gnu::always_inline]] void push_words(value_access::words w, std::size_t offset) {
        make_room();
        value_access::store(values_ + size_, w);
        offsets_[size_] = offset;
        ++size_;
    }
    /// Forgets every entry without destroying it: for values whose blocks an
    /// arena owns.
    void forget() noexcept { size_ = 0; }
    /// Moves items [base, size) to raw storage `to` and drops them from the stack.
    void relocate(std::size_t base, value* to) noexcept {
        if (size_ == base) return;
        if (size_ - base <= 16) {  // the usual container: fixed 16-byte copies, no memcpy call
            for (std::size_t i = base; i < size_; ++i) std::memcpy(static_cast<void*>(to + (i - base)), static_cast<const void*>(values_ + i), sizeof(value));
            size_ = base;
            return;
        }
        std::memcpy(static_cast<void*>(to), static_cast<const void*>(values_ + base), (size_ - base) * sizeof(value));
        size_ = base;
    }
    /// As relocate, for a dict's entries (key, value pairs) above `base`:
    /// the i-th entry moved is the `order[i]`-th on the stack.
    void relocate_pairs(std::size_t base, const std::uint8_t* order, value* to) noexcept {
        const std::size_t m = (size_ - base) / 2;
        for (std::size_t i = 0; i < m; ++i)
            std::memcpy(static_cast<void*>(to + 2 * i), static_cast<const void*>(values_ + base + 2 * order[i]), 2 * sizeof(value));
        size_ = base;
    }
    void clear() noexcept {
        for (std::size_t i = 0; i < size_; ++i) values_[i].~value();
        size_ = 0;
    }

private:
    [[gnu::noinline]] void grow() {
        if (size_ >= limit_) throw limit_reached{};
        const std::size_t cap = capacity_ ? std::min(2 * capacity_, std::max(limit_, capacity_ + 1)) : std::min<std::size_t>(64, std::max<std::size_t>(limit_, 1));
        auto* v = static_cast<value*>(::operator new(cap * sizeof(value)));
        auto off = std::make_unique<std::size_t[]>(cap);
        if (size_) {
            std::memcpy(static_cast<void*>(v), static_cast<const void*>(values_), size_ * sizeof(value));
            std::memcpy(off.get(), offsets_.get(), size_ * sizeof(std::size_t));
        }
        ::operator delete(values_);
        values_ = v;
        offsets_ = std::move(off);
        capacity_ = cap;
    }

    std::size_t limit_ = static_cast<std::size_t>(-1);
    value* values_ = nullptr;
    std::unique_ptr<std::size_t[]> offsets_;
    std::size_t size_ = 0;
    std::size_t capacity_ = 0;
};

} // namespace sxtp::sx::detail

#endif
