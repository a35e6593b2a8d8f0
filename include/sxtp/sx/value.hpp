// sxtp/sx/value.hpp — the SX value: nil, boolean, integer, float, string,
// symbol, keyword, list and dict.
#ifndef SXTP_SX_VALUE_HPP
#define SXTP_SX_VALUE_HPP

#include <sxtp/sx/error.hpp>

#include <compare>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <iterator>
#include <span>
#include <string>
#include <string_view>
#include <utility>

namespace sxtp::sx {

/// The nine kinds of SX value.
enum class kind : std::uint8_t { nil, boolean, integer, floating, string, symbol, keyword, list, dict };

/// "nil", "boolean", "integer", "float", "string", "symbol", "keyword", "list", "dict".
constexpr std::string_view to_string(kind k) noexcept;

/// True when `name` reads back as a symbol: a non-empty run of letters, digits and
/// `~!$%&*+-./<=>?@^_|:#` that is not a number, not `true`/`false`/`nil`,
/// does not start with `:` and does not start like a number.
constexpr bool is_valid_symbol_name(std::string_view name) noexcept;

/// True when `:name` reads back as a keyword (a non-empty run of symbol characters).
constexpr bool is_valid_keyword_name(std::string_view name) noexcept;

/// A symbol name, as a field type and as a value constructor (`sx::symbol{"db:read"}`).
/// Throws `boost::system::system_error` (`error::invalid_name`) for a name that would not read back.
/// A default-constructed symbol is empty (an object to assign to later, as a
/// decoded struct field is); turning an empty one into a value throws.
class symbol {
public:
    symbol() = default;
    explicit symbol(std::string name);
    std::string_view name() const noexcept { return name_; }
    friend bool operator==(const symbol&, const symbol&) = default;
    friend auto operator<=>(const symbol&, const symbol&) = default;

private:
    std::string name_;
};

/// A keyword name without its colon (`sx::keyword{"per-page"}` is `:per-page`).
/// Default-constructed, it is empty, like `symbol`.
class keyword {
public:
    keyword() = default;
    explicit keyword(std::string name);
    std::string_view name() const noexcept { return name_; }
    friend bool operator==(const keyword&, const keyword&) = default;
    friend auto operator<=>(const keyword&, const keyword&) = default;

private:
    std::string name_;
};

inline namespace literals {
/// `"db:read"_sym`
inline symbol operator""_sym(const char* s, std::size_t n) { return symbol(std::string(s, n)); }
/// `"per-page"_kw` is `:per-page`
inline keyword operator""_kw(const char* s, std::size_t n) { return keyword(std::string(s, n)); }
} // namespace literals

class value;

namespace detail {
struct text_block;
struct items_block;
struct value_access;
} // namespace detail

/// One dict entry as seen through `value::entries()`.
template <class Value>
struct basic_entry_ref {
    const value& key;
    Value& val;
};
using entry_ref = basic_entry_ref<value>;
using const_entry_ref = basic_entry_ref<const value>;

/// Range over a dict's entries in canonical key order.
template <class Value>
class entry_range {
public:
    class iterator {
    public:
        using iterator_category = std::forward_iterator_tag;
        using value_type = basic_entry_ref<Value>;
        using difference_type = std::ptrdiff_t;
        iterator() = default;
        explicit iterator(Value* p) noexcept : p_(p) {}
        value_type operator*() const noexcept { return {p_[0], p_[1]}; }
        iterator& operator++() noexcept { p_ += 2; return *this; }
        iterator operator++(int) noexcept { auto t = *this; p_ += 2; return t; }
        friend bool operator==(iterator, iterator) = default;

    private:
        Value* p_ = nullptr;
    };
    entry_range(Value* first, std::size_t count) noexcept : first_(first), count_(count) {}
    iterator begin() const noexcept { return iterator(first_); }
    iterator end() const noexcept { return iterator(first_ + 2 * count_); }
    std::size_t size() const noexcept { return count_; }
    bool empty() const noexcept { return count_ == 0; }

private:
    Value* first_;
    std::size_t count_;
};

/// An SX value.
///
/// A value is 16 bytes. Strings, symbols and keywords of up to 14 bytes live
/// inside it (no allocation; symbol and keyword comparison is two word
/// compares); longer text and list/dict storage are single heap blocks.
/// Moving is a 16-byte copy. Copying is deep. Destruction, copying, equality
/// and printing never recurse, so values of any depth are safe.
///
/// Dicts keep their entries sorted in canonical key order (SPEC §1), so
/// canonical printing needs no sort and lookup is a binary search. Keys are
/// atoms (anything but a list or a dict).
///
/// Thread safety: distinct values may be used concurrently; one value may be
/// read concurrently but not read while written.
class value {
public:
    /// nil
    constexpr value() noexcept : s_{} {}
    constexpr value(std::nullptr_t) noexcept : s_{} {}
    /// boolean (only `bool` itself; no pointer or integer conversions)
    template <class B>
        requires std::same_as<B, bool>
    value(B b) noexcept;
    /// integer; unsigned values above INT64_MAX throw `error::integer_out_of_range`
    template <std::integral I>
        requires(!std::same_as<I, bool> && !std::same_as<I, char> && !std::same_as<I, char8_t>)
    value(I i);
    /// float (finite or not; a non-finite float fails only when printed)
    template <std::floating_point F>
    value(F f) noexcept;
    /// string (UTF-8)
    value(std::string_view s);
    value(const char* s) : value(std::string_view(s)) {}
    value(const std::string& s) : value(std::string_view(s)) {}
    value(const symbol& s);
    value(const keyword& k);

    value(const value& other);
    value(value&& other) noexcept;
    value& operator=(const value& other);
    value& operator=(value&& other) noexcept;
    ~value();

    /// Builders. `make_symbol`/`make_keyword` throw `error::invalid_name` for
    /// names that would not read back; the `unchecked` forms trust the caller.
    static value make_string(std::string_view s) { return value(s); }
    static value make_symbol(std::string_view name);
    static value make_keyword(std::string_view name);
    static value make_symbol_unchecked(std::string_view name);
    static value make_keyword_unchecked(std::string_view name);
    /// An empty list with room for `capacity` items.
    static value make_list(std::size_t capacity = 0);
    /// An empty dict with room for `capacity` entries.
    static value make_dict(std::size_t capacity = 0);
    /// `value::list(a, b, c)` — a list of the arguments, each converted to a value.
    template <class... Items>
    static value list(Items&&... items);
    /// `value::dict(k1, v1, k2, v2)`; throws `error::duplicate_key` or `error::invalid_dict_key`.
    template <class... KeysAndValues>
    static value dict(KeysAndValues&&... kvs);

    // -- kind -------------------------------------------------------------
    kind type() const noexcept { return s_.small.k; }
    bool is_nil() const noexcept { return type() == kind::nil; }
    bool is_bool() const noexcept { return type() == kind::boolean; }
    bool is_int() const noexcept { return type() == kind::integer; }
    bool is_float() const noexcept { return type() == kind::floating; }
    bool is_string() const noexcept { return type() == kind::string; }
    bool is_symbol() const noexcept { return type() == kind::symbol; }
    bool is_keyword() const noexcept { return type() == kind::keyword; }
    bool is_list() const noexcept { return type() == kind::list; }
    bool is_dict() const noexcept { return type() == kind::dict; }
    bool is_container() const noexcept { return is_list() || is_dict(); }
    bool is_atom() const noexcept { return !is_container(); }
    /// `is_symbol() && name() == n`
    bool is_symbol(std::string_view n) const noexcept;
    /// `is_keyword() && name() == n` (n without the colon)
    bool is_keyword(std::string_view n) const noexcept;

    // -- atoms (throw error::wrong_kind on another kind) -------------------
    bool as_bool() const;
    std::int64_t as_int() const;
    double as_float() const;
    /// The string's UTF-8 text.
    std::string_view as_string() const;
    /// A symbol's or keyword's name (keyword without its colon).
    std::string_view name() const;
    /// The text of a string, symbol or keyword, or empty for other kinds.
    std::string_view text() const noexcept;

    // -- lists and dicts --------------------------------------------------
    /// Number of list items or dict entries; 0 for atoms.
    std::size_t size() const noexcept;
    bool empty() const noexcept { return size() == 0; }
    /// A list's items (error::wrong_kind for other kinds).
    std::span<value> items();
    std::span<const value> items() const;
    const value& operator[](std::size_t i) const { return items()[i]; }
    value& operator[](std::size_t i) { return items()[i]; }
    /// Appends to a list; returns the new item.
    value& push_back(value item);
    /// Ensures room for `n` list items or dict entries.
    void reserve(std::size_t n);

    /// A dict's entries in canonical key order (error::wrong_kind for other kinds).
    entry_range<value> entries();
    entry_range<const value> entries() const;
    /// The value under keyword `:name`, or nullptr (also for non-dicts).
    const value* find(std::string_view keyword_name) const noexcept;
    value* find(std::string_view keyword_name) noexcept;
    /// As find(std::string_view), for string literals (which would otherwise
    /// also convert to a string key).
    const value* find(const char* keyword_name) const noexcept { return find(std::string_view(keyword_name)); }
    value* find(const char* keyword_name) noexcept { return find(std::string_view(keyword_name)); }
    /// The value under an arbitrary atom key, or nullptr.
    const value* find(const value& key) const noexcept;
    /// The value under `:name`; throws `std::out_of_range` when absent.
    const value& at(std::string_view keyword_name) const;
    /// Inserts or replaces; the key must be an atom (error::invalid_dict_key).
    /// Returns the stored value.
    value& insert_or_assign(value key, value val);
    /// Inserts unless present; returns {stored value, inserted}.
    std::pair<value*, bool> insert(value key, value val);
    /// Removes `key`; returns whether it was there.
    bool erase(const value& key);

    /// Structural equality: same kind, same content; floats compare by bit
    /// pattern (so -0.0 != 0.0), agreeing with canonical-form equality.
    friend bool operator==(const value& a, const value& b);

    /// Canonical ordering of dict keys: by the bytes of their canonical text.
    friend int compare_keys(const value& a, const value& b);

private:
    friend struct detail::value_access;

    struct small_rep {
        kind k;
        std::uint8_t size;  // text_flags, plus the text length (0–14) when inline
        char data[14];
    };
    struct wide_rep {
        kind k;
        std::uint8_t marker;
        std::uint8_t pad[6];
        union {
            bool b;
            std::int64_t i;
            double f;
            detail::text_block* text;
            detail::items_block* items;
        };
    };
    union storage {
        small_rep small;
        wide_rep wide;
    };
    // The byte after the kind, for text kinds. Strings that the reader
    // verified carry `verified_utf8`, and `no_escapes` when they have no byte
    // the canonical form escapes, so printing them is a plain copy.
    enum text_flags : std::uint8_t { heap_bit = 0x80, verified_utf8 = 0x40, no_escapes = 0x20, size_mask = 0x1F };
    static constexpr std::size_t small_capacity = 14;

    value(kind k, std::string_view text);  // string, symbol or keyword
    void release() noexcept;
    detail::items_block* block() const noexcept { return s_.wide.items; }
    void require(kind k) const;
    void grow(std::size_t min_values);
    std::size_t dict_lower_bound(const value& key, bool& found) const;

    storage s_;
};

static_assert(sizeof(value) == 16, "sx::value is meant to be 16 bytes");

} // namespace sxtp::sx

#include <sxtp/sx/impl/value.hpp>

#endif
