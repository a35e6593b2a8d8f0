// Which conversion a type uses; see the precedence list in sxtp/typed/codec.hpp.
#ifndef SXTP_TYPED_DETAIL_CATEGORY_HPP
#define SXTP_TYPED_DETAIL_CATEGORY_HPP

#include <sxtp/sx/value.hpp>
#include <sxtp/typed/fields.hpp>

#include <array>
#include <chrono>
#include <concepts>
#include <deque>
#include <list>
#include <map>
#include <optional>
#include <string>
#include <type_traits>
#include <unordered_map>
#include <variant>
#include <vector>

namespace sxtp::typed {
struct to_sx_tag;
template <class T>
struct from_sx_tag;
} // namespace sxtp::typed

namespace sxtp::typed::detail {

enum class category {
    none, user, boolean, integer, floating, string, symbol, keyword, any,
    optional, sequence, array, map, variant, duration, time_point, enumeration, structure,
};

template <class T> struct is_sequence : std::false_type {};
template <class T, class A> struct is_sequence<std::vector<T, A>> : std::true_type {};
template <class T, class A> struct is_sequence<std::list<T, A>> : std::true_type {};
template <class T, class A> struct is_sequence<std::deque<T, A>> : std::true_type {};

template <class T> struct is_array : std::false_type {};
template <class T, std::size_t N> struct is_array<std::array<T, N>> : std::true_type {};

template <class T> struct is_map : std::false_type {};
template <class K, class V, class C, class A> struct is_map<std::map<K, V, C, A>> : std::true_type {};
template <class K, class V, class H, class E, class A> struct is_map<std::unordered_map<K, V, H, E, A>> : std::true_type {};

template <class T> struct is_optional : std::false_type {};
template <class T> struct is_optional<std::optional<T>> : std::true_type {};

template <class T> struct is_variant : std::false_type {};
template <class... Ts> struct is_variant<std::variant<Ts...>> : std::true_type {};

template <class T> struct is_duration : std::false_type {};
template <class R, class P> struct is_duration<std::chrono::duration<R, P>> : std::true_type {};

template <class T> struct is_sys_time_point : std::false_type {};
template <class D> struct is_sys_time_point<std::chrono::time_point<std::chrono::system_clock, D>> : std::true_type {};

template <class T>
concept user_convertible = requires(const T& t, const sx::value& v) {
    { tag_invoke(std::declval<to_sx_tag>(), t) } -> std::convertible_to<sx::value>;
    { tag_invoke(std::declval<from_sx_tag<T>>(), v) } -> std::convertible_to<T>;
};

template <class T>
constexpr category category_of() {
    if constexpr (user_convertible<T>) return category::user;
    else if constexpr (std::is_same_v<T, bool>) return category::boolean;
    else if constexpr (std::is_integral_v<T> && !std::is_same_v<T, char> && !std::is_same_v<T, char8_t> &&
                       !std::is_same_v<T, char16_t> && !std::is_same_v<T, char32_t> && !std::is_same_v<T, wchar_t>)
        return category::integer;
    else if constexpr (std::is_floating_point_v<T>) return category::floating;
    else if constexpr (std::is_same_v<T, std::string>) return category::string;
    else if constexpr (std::is_same_v<T, sx::symbol>) return category::symbol;
    else if constexpr (std::is_same_v<T, sx::keyword>) return category::keyword;
    else if constexpr (std::is_same_v<T, sx::value>) return category::any;
    else if constexpr (is_optional<T>::value) return category::optional;
    else if constexpr (is_sequence<T>::value) return category::sequence;
    else if constexpr (is_array<T>::value) return category::array;
    else if constexpr (is_map<T>::value) return category::map;
    else if constexpr (is_variant<T>::value) return category::variant;
    else if constexpr (is_duration<T>::value) return category::duration;
    else if constexpr (is_sys_time_point<T>::value) return category::time_point;
    else if constexpr (described_enum<T>) return category::enumeration;
    else if constexpr (reflected_struct<T>) return category::structure;
    else return category::none;
}

/// The conversion for T's category; the primary template has none, so T is
/// not marshallable.
template <class T, category C = category_of<T>()>
struct codec_of {};

} // namespace sxtp::typed::detail

#endif
