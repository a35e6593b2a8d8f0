// A stack that keeps its first N elements inline and spills to the heap, so
// shallow traversals allocate nothing and deep ones do not recurse.
#ifndef SXTP_SX_DETAIL_SMALL_STACK_HPP
#define SXTP_SX_DETAIL_SMALL_STACK_HPP

#include <array>
#include <cstddef>
#include <type_traits>
#include <vector>

namespace sxtp::sx::detail {

template <class T, std::size_t N>
class small_stack {
    static_assert(std::is_trivially_copyable_v<T>, "small_stack holds plain records");

public:
    void push(const T& t) {
        if (size_ < N) inline_[size_] = t;
        else spill_.push_back(t);
        ++size_;
    }
    void pop() noexcept {
        if (size_ > N) spill_.pop_back();
        --size_;
    }
    T& top() noexcept { return size_ > N ? spill_.back() : inline_[size_ - 1]; }
    bool empty() const noexcept { return size_ == 0; }
    std::size_t size() const noexcept { return size_; }

private:
    std::array<T, N> inline_;
    std::vector<T> spill_;
    std::size_t size_ = 0;
};

} // namespace sxtp::sx::detail

#endif
