// sxtp/sx/document.hpp — read-only SX values stored in one arena.
#ifndef SXTP_SX_DOCUMENT_HPP
#define SXTP_SX_DOCUMENT_HPP

#include <sxtp/sx/detail/arena.hpp>
#include <sxtp/sx/value.hpp>

#include <cstddef>
#include <span>
#include <utility>

namespace sxtp::sx {

class reader;

/// The forms read from one text, with every list, dict and long text they
/// hold in a single arena that the document owns — the fastest way to read
/// SX, for code that only looks at what it read (a request to dispatch, a
/// document to render or forward).
///
/// `reader::read(text, doc)` and `reader::read_all(text, doc)` fill it,
/// replacing what it held. Reading into a reused document allocates nothing
/// once its arena has grown to the size the texts need; the arena is freed
/// with the document.
///
/// The values are const: they can be read, compared, printed, hashed,
/// decoded and copied (a copy is an ordinary, independent `sx::value`), but
/// not changed or moved out, so nothing can outlive the arena that holds it.
/// Values stay valid until the document is read into again or destroyed;
/// moving the document keeps them valid.
///
/// Thread safety: as for sx::value (concurrent reads are fine).
class document {
public:
    document() = default;
    /// The moved-from document is left empty.
    document(document&& other) noexcept
        : arena_(std::move(other.arena_)), forms_(std::exchange(other.forms_, nullptr)), count_(std::exchange(other.count_, 0)) {}
    document& operator=(document&& other) noexcept {
        arena_ = std::move(other.arena_);
        forms_ = std::exchange(other.forms_, nullptr);
        count_ = std::exchange(other.count_, 0);
        return *this;
    }

    /// The value read by `reader::read`, or the first form read by
    /// `reader::read_all`; nil for an empty document.
    const value& root() const noexcept { return count_ ? forms_[0] : nil_; }
    /// Every top-level form, in order.
    std::span<const value> forms() const noexcept { return {forms_, count_}; }
    bool empty() const noexcept { return count_ == 0; }
    /// Bytes the arena holds from the system.
    std::size_t arena_bytes() const noexcept { return arena_.capacity(); }

private:
    friend class reader;
    void clear(std::size_t expected_bytes) {
        forms_ = nullptr;
        count_ = 0;
        arena_.reset(expected_bytes);
    }

    detail::arena arena_;
    const value* forms_ = nullptr;
    std::size_t count_ = 0;
    static inline const value nil_{};
};

} // namespace sxtp::sx

#endif
