// sxtp/sx/form.hpp — keyword-argument view of a form `(head :k v … positional…)`.
#ifndef SXTP_SX_FORM_HPP
#define SXTP_SX_FORM_HPP

#include <sxtp/sx/value.hpp>

#include <cstddef>
#include <iterator>
#include <span>
#include <string_view>

namespace sxtp::sx {

/// A read-only view of a list as a form: its head, its keyword arguments and
/// its positional items. Walking from the second item, a keyword followed by
/// another item is a keyword argument (`:k v`); every other item, including a
/// keyword in last position, is positional. Every protocol message is such a
/// form: `(request :verb ping :path "/")`.
///
/// The view holds a span into the list: the list must outlive it and must not
/// be modified meanwhile. Lookups are linear (forms are short).
class form_view {
public:
    /// Throws `boost::system::system_error` (error::wrong_kind) if `list` is not a list.
    explicit form_view(const value& list) : items_(list.items()) {}

    /// The first item, or nullptr for `()`.
    const value* head() const noexcept { return items_.empty() ? nullptr : &items_[0]; }
    /// True when the head is the symbol `name`.
    bool head_is(std::string_view name) const noexcept { return head() && head()->is_symbol(name); }

    /// One keyword argument.
    struct argument {
        std::string_view name;  ///< keyword name without its colon
        const value& val;
        std::size_t index;      ///< position of the keyword in the list
    };

    /// Iterates keyword arguments (`Positional = false`) or positional items.
    template <bool Positional>
    class iterator {
    public:
        using iterator_category = std::forward_iterator_tag;
        using difference_type = std::ptrdiff_t;
        using value_type = std::conditional_t<Positional, std::reference_wrapper<const value>, argument>;

        iterator() = default;
        iterator(std::span<const value> items, std::size_t i) noexcept : items_(items), i_(i) { settle(); }
        auto operator*() const noexcept {
            if constexpr (Positional) return std::cref(items_[i_]);
            else return argument{items_[i_].text(), items_[i_ + 1], i_};
        }
        iterator& operator++() noexcept {
            i_ += is_pair(i_) ? 2 : 1;
            settle();
            return *this;
        }
        iterator operator++(int) noexcept { auto t = *this; ++*this; return t; }
        friend bool operator==(const iterator& a, const iterator& b) noexcept { return a.i_ == b.i_; }

    private:
        bool is_pair(std::size_t i) const noexcept { return items_[i].is_keyword() && i + 1 < items_.size(); }
        void settle() noexcept {
            while (i_ < items_.size() && is_pair(i_) == Positional) i_ += Positional ? 2 : 1;
        }
        std::span<const value> items_;
        std::size_t i_ = 0;
    };

    template <bool Positional>
    struct range {
        std::span<const value> items;
        iterator<Positional> begin() const noexcept { return {items, items.empty() ? std::size_t{0} : std::size_t{1}}; }
        iterator<Positional> end() const noexcept { return {items, items.size()}; }
    };

    /// Keyword arguments in order of appearance.
    range<false> arguments() const noexcept { return {items_}; }
    /// Positional items after the head, in order.
    range<true> positional() const noexcept { return {items_}; }

    /// The value of the first `:name` argument, or nullptr.
    const value* find(std::string_view name) const noexcept {
        for (const argument& a : arguments())
            if (a.name == name) return &a.val;
        return nullptr;
    }
    /// How many times `:name` is given.
    std::size_t count(std::string_view name) const noexcept {
        std::size_t n = 0;
        for (const argument& a : arguments()) n += a.name == name;
        return n;
    }
    /// Index (in the list) of the first repeated keyword argument, or 0 if none.
    std::size_t first_repeated_index() const noexcept {
        for (const argument& a : arguments())
            for (const argument& b : arguments()) {
                if (b.index >= a.index) break;
                if (b.name == a.name) return a.index;
            }
        return 0;
    }

    std::span<const value> items() const noexcept { return items_; }

private:
    std::span<const value> items_;
};

} // namespace sxtp::sx

#endif
