// sxtp/typed/schema.hpp — the schema description of a marshallable type
// (SPEC §5), as `inspect` reports it.
//
//   "boolean" "integer" "float" "string" "symbol" "keyword" "any"
//   (optional X)        std::optional<X>
//   (list-of X)         vector, list, deque, array
//   "list"              a sequence of sx::value (any list)
//   (dict-of K X)       map / unordered_map; K is "string", "keyword" or "symbol"
//   "dict"              a map from sx::keyword to sx::value (any keyword dict)
//   (one-of X Y …)      std::variant<X, Y, …>
//   (enum a b …)        a described enum: the symbols it accepts
//   {:field X …}        a reflected struct (its optional fields as (optional X))
//
// Durations and time points are "integer" (or "float" for a floating
// representation). A user type with tag_invoke conversions is "any" unless it
// also provides `sx::value tag_invoke(sxtp::typed::schema_tag<T>)`.
// A type that contains itself is described down to depth 32, then "any".
#ifndef SXTP_TYPED_SCHEMA_HPP
#define SXTP_TYPED_SCHEMA_HPP

#include <sxtp/typed/codec.hpp>

#include <boost/describe/enumerators.hpp>
#include <boost/mp11/algorithm.hpp>

namespace sxtp::typed {

/// The schema description of T.
template <class T>
sx::value schema_of();

namespace detail {

inline int& schema_depth() {
    static thread_local int depth = 0;
    return depth;
}

template <class T>
sx::value schema_form(std::string_view head, auto&&... items) {
    return sx::value::list(sx::value::make_symbol_unchecked(head), std::forward<decltype(items)>(items)...);
}

// A sequence of sx::value, a keyword → sx::value map: the SPEC's "list" and "dict".
template <class T>
constexpr bool untyped_list() {
    if constexpr (requires { typename T::value_type; }) return std::is_same_v<typename T::value_type, sx::value>;
    else return false;
}
template <class T>
constexpr bool untyped_dict() {
    if constexpr (requires { typename T::key_type; typename T::mapped_type; })
        return std::is_same_v<typename T::key_type, sx::keyword> && std::is_same_v<typename T::mapped_type, sx::value>;
    else return false;
}

template <class T>
sx::value describe_type() {
    using namespace std::string_literals;
    constexpr category c = category_of<T>();
    if constexpr (c == category::user) {
        if constexpr (requires { { tag_invoke(schema_tag<T>{}) } -> std::convertible_to<sx::value>; }) return tag_invoke(schema_tag<T>{});
        else return sx::value("any");
    } else if constexpr (c == category::boolean) return sx::value("boolean");
    else if constexpr (c == category::integer) return sx::value("integer");
    else if constexpr (c == category::floating) return sx::value("float");
    else if constexpr (c == category::string) return sx::value("string");
    else if constexpr (c == category::symbol) return sx::value("symbol");
    else if constexpr (c == category::keyword) return sx::value("keyword");
    else if constexpr (c == category::any) return sx::value("any");
    else if constexpr (c == category::optional) return schema_form<T>("optional", schema_of<typename T::value_type>());
    else if constexpr (c == category::sequence && untyped_list<T>()) return sx::value("list");
    else if constexpr (c == category::sequence || c == category::array)
        return schema_form<T>("list-of", schema_of<typename T::value_type>());
    else if constexpr (c == category::map && untyped_dict<T>()) return sx::value("dict");
    else if constexpr (c == category::map) {
        using K = typename T::key_type;
        const char* k = std::is_same_v<K, std::string> ? "string" : std::is_same_v<K, sx::keyword> ? "keyword" : "symbol";
        return schema_form<T>("dict-of", k, schema_of<typename T::mapped_type>());
    } else if constexpr (c == category::variant) {
        return [&]<class... Ts>(std::type_identity<std::variant<Ts...>>) {
            return schema_form<T>("one-of", schema_of<Ts>()...);
        }(std::type_identity<T>{});
    } else if constexpr (c == category::duration) return sx::value(std::is_floating_point_v<typename T::rep> ? "float" : "integer");
    else if constexpr (c == category::time_point) return describe_type<typename T::duration>();
    else if constexpr (c == category::enumeration) {
        sx::value l = sx::value::list(sx::value::make_symbol_unchecked("enum"));
        boost::mp11::mp_for_each<boost::describe::describe_enumerators<T>>(
            [&](auto d) { l.push_back(sx::value::make_symbol_unchecked(enum_symbols<T>::symbol_of(d.name))); });
        return l;
    } else if constexpr (c == category::structure) {
        sx::value d = sx::value::make_dict(field_keywords<T>::count);
        T* none = nullptr;
        if constexpr (hana_struct<T>) {
            [&]<std::size_t... I>(std::index_sequence<I...>) {
                (d.insert_or_assign(sx::value::make_keyword_unchecked(field_keywords<T>::name(I)),
                                    schema_of<std::remove_cvref_t<decltype(boost::hana::second(
                                        boost::hana::at_c<I>(boost::hana::accessors<T>()))(*none))>>()),
                 ...);
            }(std::make_index_sequence<field_keywords<T>::count>{});
        } else {
            using members = describe_public_members<T>;
            [&]<std::size_t... I>(std::index_sequence<I...>) {
                (d.insert_or_assign(sx::value::make_keyword_unchecked(field_keywords<T>::name(I)),
                                    schema_of<std::remove_cvref_t<decltype(none->*boost::mp11::mp_at_c<members, I>::pointer)>>()),
                 ...);
            }(std::make_index_sequence<field_keywords<T>::count>{});
        }
        return d;
    } else {
        static_assert(c != category::none, "sxtp::typed::schema_of<T>: T is not marshallable");
        return {};
    }
}

} // namespace detail

template <class T>
sx::value schema_of() {
    detail::require_marshallable<T>();
    int& depth = detail::schema_depth();
    if (depth >= 32) return sx::value("any");
    ++depth;
    struct restore {
        int& d;
        ~restore() { --d; }
    } guard{depth};
    return detail::describe_type<T>();
}

} // namespace sxtp::typed

#endif
