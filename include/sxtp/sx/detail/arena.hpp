// A monotonic arena: bump allocation from a list of chunks, freed all at
// once. sx::document keeps the blocks of its values here.
#ifndef SXTP_SX_DETAIL_ARENA_HPP
#define SXTP_SX_DETAIL_ARENA_HPP

#include <cstddef>
#include <cstdint>
#include <limits>
#include <new>
#include <stdexcept>
#include <utility>

namespace sxtp::sx::detail {

class arena {
public:
    static constexpr std::size_t alignment = 8;  // enough for sx::value and its blocks

    arena() = default;
    arena(const arena&) = delete;
    arena& operator=(const arena&) = delete;
    arena(arena&& other) noexcept
        : head_(std::exchange(other.head_, nullptr)), cur_(std::exchange(other.cur_, nullptr)),
          end_(std::exchange(other.end_, nullptr)) {}
    arena& operator=(arena&& other) noexcept {
        if (this != &other) {
            release_all();
            head_ = std::exchange(other.head_, nullptr);
            cur_ = std::exchange(other.cur_, nullptr);
            end_ = std::exchange(other.end_, nullptr);
        }
        return *this;
    }
    ~arena() { release_all(); }

    /// `bytes` bytes aligned to 8, valid until reset().
    [[gnu::always_inline]] void* allocate(std::size_t bytes) {
        bytes = round_up(bytes);
        if (static_cast<std::size_t>(end_ - cur_) < bytes) refill(bytes);
        void* p = cur_;
        cur_ += bytes;
        return p;
    }

    /// Makes every earlier allocation invalid. Keeps the newest (largest)
    /// chunk for reuse, and makes sure it has at least `expected` bytes, so a
    /// reused arena of the right size allocates nothing.
    void reset(std::size_t expected = 0) {
        if (head_) {
            while (head_->prev) {
                chunk* p = head_->prev;
                head_->prev = p->prev;
                ::operator delete(p);
            }
            if (head_->size < expected) release_all();
        }
        if (!head_ && expected) add_chunk(expected);
        if (head_) {
            cur_ = head_->data();
            end_ = cur_ + head_->size;
        }
    }

    /// Bytes held from the system (all chunks).
    std::size_t capacity() const noexcept {
        std::size_t n = 0;
        for (const chunk* c = head_; c; c = c->prev) n += c->size;
        return n;
    }

private:
    struct alignas(alignment) chunk {
        chunk* prev;
        std::size_t size;
        char* data() noexcept { return reinterpret_cast<char*>(this + 1); }
    };

    static std::size_t round_up(std::size_t n) {
        if (n > std::numeric_limits<std::size_t>::max() - alignment) throw std::bad_alloc();
        return (n + alignment - 1) & ~(alignment - 1);
    }

    [[gnu::noinline]] void refill(std::size_t bytes) {
        const std::size_t last = head_ ? head_->size : 0;
        std::size_t size = last > std::numeric_limits<std::size_t>::max() / 2 ? last : 2 * last;
        if (size < 4096) size = 4096;
        if (size < bytes) size = bytes;
        add_chunk(size);
    }

    void add_chunk(std::size_t size) {
        size = round_up(size);
        if (size > std::numeric_limits<std::size_t>::max() - sizeof(chunk)) throw std::bad_alloc();
        auto* c = static_cast<chunk*>(::operator new(sizeof(chunk) + size));
        c->prev = head_;
        c->size = size;
        head_ = c;
        cur_ = c->data();
        end_ = cur_ + size;
    }

    void release_all() noexcept {
        while (head_) {
            chunk* p = head_->prev;
            ::operator delete(head_);
            head_ = p;
        }
        cur_ = end_ = nullptr;
    }

    chunk* head_ = nullptr;
    char* cur_ = nullptr;
    char* end_ = nullptr;
};

} // namespace sxtp::sx::detail

#endif
