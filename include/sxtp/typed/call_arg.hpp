// sxtp/typed/call_arg.hpp — a value built from what is written between
// braces where it is passed: client calls' params and bodies, and the
// chunks a stream writes.
//
//   co_await c.call<find_item>({"some name", 3});     // params built by the call
//   co_await out.write({7, "seven"});                   // a chunk built by write
//
// Why: g++ 12 (Debian 12's compiler) destroys an aggregate temporary that
// owns memory (a struct with a std::string, say) twice when it is built
// inside a co_await expression — `co_await c.call<E>(params{"x"})` is a
// double free there (clang is correct). A call_arg is not an aggregate: the
// braces become its constructor's arguments, and the aggregate itself is
// built inside that constructor, where g++ 12 destroys it once. Two forms
// stay unsafe or unsupported under g++ 12 inside a co_await expression:
// designated initializers that set a field owning memory (they can only
// build the aggregate itself; numbers are fine), and a field written as
// nested braces holding values, `{"x", {"a", "b"}}` (g++ 12 refuses it:
// "array used as initializer"). Build those first, as a named value or a
// call_arg (docs/design.md, "A g++ 12 coroutine bug").
#ifndef SXTP_TYPED_CALL_ARG_HPP
#define SXTP_TYPED_CALL_ARG_HPP

#include <sxtp/typed/fields.hpp>

#include <boost/hana/accessors.hpp>
#include <boost/hana/at.hpp>
#include <boost/hana/second.hpp>
#include <boost/mp11/algorithm.hpp>

#include <cstddef>
#include <type_traits>
#include <utility>

namespace sxtp {

namespace detail {
/// The type of field I of reflected struct T.
template <class T, std::size_t I>
struct field_type {
    static auto get() {
        if constexpr (typed::hana_struct<T>) {
            auto acc = boost::hana::at_c<I>(boost::hana::accessors<T>());
            return std::type_identity<std::remove_cvref_t<decltype(boost::hana::second(acc)(std::declval<T&>()))>>{};
        } else {
            using D = boost::mp11::mp_at_c<typed::detail::describe_public_members<T>, I>;
            return std::type_identity<std::remove_cvref_t<decltype(std::declval<T&>().*D::pointer)>>{};
        }
    }
    using type = typename decltype(get())::type;
};

template <class T>
constexpr std::size_t positional_fields() {
    if constexpr (typed::reflected_struct<T>) return typed::detail::field_count<T>();
    else return 0;
}

// call_arg's constructors: level 0 holds the value and builds it from any
// arguments T{a...} takes; level K adds a constructor taking T's first K
// fields by their types (so that a field may be written as nested braces).
template <class T, std::size_t K>
class call_arg_level;

template <class T>
class call_arg_level<T, 0> {
public:
    template <class... A>
        requires requires(A&&... a) { T{std::forward<A>(a)...}; }
    call_arg_level(A&&... a) : value_{std::forward<A>(a)...} {}  // NOLINT: implicit by design

protected:
    T value_;
};

template <class T, class Indexes>
class call_arg_prefix;

template <class T, std::size_t... I>
class call_arg_prefix<T, std::index_sequence<I...>> : public call_arg_level<T, sizeof...(I) - 1> {
    using base = call_arg_level<T, sizeof...(I) - 1>;

public:
    using base::base;
    call_arg_prefix(typename field_type<T, I>::type... f) : base(std::move(f)...) {}  // NOLINT: implicit by design
};

template <class T, std::size_t K>
class call_arg_level : public call_arg_prefix<T, std::make_index_sequence<K>> {
    using base = call_arg_prefix<T, std::make_index_sequence<K>>;

public:
    using base::base;
};
} // namespace detail

/// A T built from what is written between the braces: `T{a...}` for any
/// arguments T's aggregate initialization takes, and for a reflected struct
/// also its fields in order, each of which may itself be braces:
/// `{"apples", 2, {"ripe", "no bruises"}}` (not inside a co_await
/// expression under g++ 12, which rejects the inner list there: build it first). Implicit, so that braces or a T
/// itself convert. Fields follow the struct's reflected order, which is its
/// declaration order for BOOST_HANA_DEFINE_STRUCT (list an adapted or
/// described struct's fields in declaration order too).
template <class T>
class call_arg : public detail::call_arg_level<T, detail::positional_fields<T>()> {
    using base = detail::call_arg_level<T, detail::positional_fields<T>()>;

public:
    using base::base;
    call_arg() : base() {}

    /// The value, moved out.
    T take() && { return std::move(this->value_); }
    const T& get() const& noexcept { return this->value_; }
};

namespace detail {
/// P is T itself, whatever its reference and const: the by-reference
/// overloads beside a call_arg one (named values, std::move, designated
/// initializers). Braces prefer the call_arg overload.
template <class P, class T>
concept exactly = std::is_same_v<std::remove_cvref_t<P>, T>;
} // namespace detail

} // namespace sxtp

#endif
