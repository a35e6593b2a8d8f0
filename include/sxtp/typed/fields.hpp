// sxtp/typed/fields.hpp — how a C++ struct's fields become SX dict keys.
//
// Structs reflect through Boost.Hana (BOOST_HANA_DEFINE_STRUCT or
// BOOST_HANA_ADAPT_STRUCT) or Boost.Describe (BOOST_DESCRIBE_STRUCT, public
// members). A field `per_page` is the keyword `:per-page`: underscores become
// hyphens. To choose another keyword, give the struct
//
//     static constexpr sxtp::typed::rename sxtp_renames[] = {{"klass", "class"}};
//
// Every keyword a struct maps to must be unique and a valid keyword name;
// both are checked at compile time.
//
// Further options, each a static constexpr member of the struct:
//
//     static constexpr std::string_view sxtp_form = "event";
//         encode as the form (event :k v …) instead of a dict: keyword
//         arguments in declaration order (absent optionals left out); decode
//         from a list whose head is that symbol.
//     static constexpr std::string_view sxtp_rest = "children";
//         (forms only) the named field, a sequence, holds the form's
//         positional items; they are written after the keyword arguments.
//     static constexpr std::string_view sxtp_extra = "other";
//         the named field, a std::map<sx::keyword, sx::value>, receives the
//         keys (or keyword arguments) the struct does not declare, and they
//         are written back: an open record, such as headers.
#ifndef SXTP_TYPED_FIELDS_HPP
#define SXTP_TYPED_FIELDS_HPP

#include <sxtp/sx/value.hpp>

#include <boost/describe/enum.hpp>
#include <boost/describe/enumerators.hpp>
#include <boost/describe/members.hpp>
#include <boost/hana/accessors.hpp>
#include <boost/hana/at.hpp>
#include <boost/hana/concept/struct.hpp>
#include <boost/hana/first.hpp>
#include <boost/hana/for_each.hpp>
#include <boost/hana/length.hpp>
#include <boost/hana/second.hpp>
#include <boost/hana/string.hpp>
#include <boost/hana/unpack.hpp>
#include <boost/mp11/algorithm.hpp>

#include <array>
#include <cstddef>
#include <string_view>
#include <type_traits>

namespace sxtp::typed {

/// One entry of a struct's `sxtp_renames`: C++ field name → keyword name (without colon).
struct rename {
    std::string_view field;
    std::string_view keyword;
};

/// A struct reflected through Boost.Hana.
template <class T>
concept hana_struct = boost::hana::Struct<T>::value;

/// A struct reflected through Boost.Describe (and not through Hana).
template <class T>
concept describe_struct = std::is_class_v<T> && !hana_struct<T> && boost::describe::has_describe_members<T>::value;

/// Either.
template <class T>
concept reflected_struct = hana_struct<T> || describe_struct<T>;

/// An enum described with BOOST_DESCRIBE_ENUM; it maps to symbols.
template <class T>
concept described_enum = std::is_enum_v<T> && boost::describe::has_describe_enumerators<T>::value;

namespace detail {

template <class T>
using describe_public_members = boost::describe::describe_members<T, boost::describe::mod_public>;

template <reflected_struct T>
constexpr std::size_t field_count() {
    if constexpr (hana_struct<T>) return decltype(boost::hana::length(boost::hana::accessors<T>()))::value;
    else return boost::mp11::mp_size<describe_public_members<T>>::value;
}

/// The C++ names of T's fields, in declaration order.
template <reflected_struct T>
constexpr std::array<std::string_view, field_count<T>()> cxx_field_names() {
    if constexpr (hana_struct<T>) {
        return boost::hana::unpack(boost::hana::accessors<T>(), [](auto... acc) {
            return std::array<std::string_view, field_count<T>()>{
                std::string_view(boost::hana::to<const char*>(boost::hana::first(acc)))...};
        });
    } else {
        std::array<std::string_view, field_count<T>()> out{};
        std::size_t i = 0;
        boost::mp11::mp_for_each<describe_public_members<T>>([&](auto d) { out[i++] = d.name; });
        return out;
    }
}

template <class T>
constexpr bool has_renames = requires { T::sxtp_renames; };
template <class T>
constexpr bool is_form_struct = requires { std::string_view(T::sxtp_form); };

inline constexpr std::size_t no_field = static_cast<std::size_t>(-1);

/// Index of the field named by `sxtp_rest` / `sxtp_extra`, or no_field.
template <reflected_struct T>
constexpr std::size_t rest_field() {
    if constexpr (requires { std::string_view(T::sxtp_rest); }) {
        const auto names = cxx_field_names<T>();
        for (std::size_t i = 0; i < names.size(); ++i)
            if (names[i] == std::string_view(T::sxtp_rest)) return i;
    }
    return no_field;
}
template <reflected_struct T>
constexpr std::size_t extra_field() {
    if constexpr (requires { std::string_view(T::sxtp_extra); }) {
        const auto names = cxx_field_names<T>();
        for (std::size_t i = 0; i < names.size(); ++i)
            if (names[i] == std::string_view(T::sxtp_extra)) return i;
    }
    return no_field;
}

/// Fixed storage for T's keyword names, computed at compile time.
template <reflected_struct T>
struct field_keywords {
    static constexpr std::size_t count = field_count<T>();

    static constexpr std::string_view renamed(std::string_view field) {
        if constexpr (has_renames<T>) {
            for (const rename& r : T::sxtp_renames)
                if (r.field == field) return r.keyword;
        }
        return {};
    }
    static constexpr std::size_t total_chars() {
        std::size_t n = 0;
        for (std::string_view f : cxx_field_names<T>()) n += renamed(f).empty() ? f.size() : renamed(f).size();
        return n;
    }
    struct table {
        std::array<char, total_chars() + 1> chars{};
        std::array<std::size_t, count + 1> starts{};
    };
    static constexpr table build() {
        table t{};
        std::size_t at = 0;
        const auto names = cxx_field_names<T>();
        for (std::size_t i = 0; i < count; ++i) {
            t.starts[i] = at;
            const std::string_view r = renamed(names[i]);
            for (char c : r.empty() ? names[i] : r) t.chars[at++] = (r.empty() && c == '_') ? '-' : c;
        }
        t.starts[count] = at;
        return t;
    }
    static constexpr table storage = build();

    /// Keyword name (without colon) of field i.
    static constexpr std::string_view name(std::size_t i) {
        return {storage.chars.data() + storage.starts[i], storage.starts[i + 1] - storage.starts[i]};
    }
    /// Field indices in canonical key order (by keyword name), for writing
    /// dicts without sorting at run time.
    static constexpr std::array<std::size_t, count> canonical_order = [] {
        std::array<std::size_t, count> order{};
        for (std::size_t i = 0; i < count; ++i) order[i] = i;
        for (std::size_t i = 1; i < count; ++i)
            for (std::size_t j = i; j > 0 && name(order[j]) < name(order[j - 1]); --j) {
                const std::size_t t = order[j];
                order[j] = order[j - 1];
                order[j - 1] = t;
            }
        return order;
    }();
    static constexpr bool all_valid() {
        for (std::size_t i = 0; i < count; ++i)
            if (!is_valid_keyword_name_ct(name(i))) return false;
        return true;
    }
    static constexpr bool all_distinct() {
        for (std::size_t i = 0; i < count; ++i)
            for (std::size_t j = i + 1; j < count; ++j)
                if (name(i) == name(j)) return false;
        return true;
    }
    static constexpr bool renames_name_fields() {
        if constexpr (has_renames<T>) {
            const auto names = cxx_field_names<T>();
            for (const rename& r : T::sxtp_renames) {
                bool found = false;
                for (std::string_view f : names) found = found || f == r.field;
                if (!found) return false;
            }
        }
        return true;
    }
    static constexpr bool is_valid_keyword_name_ct(std::string_view s) { return sx::is_valid_keyword_name(s); }

    static_assert(!requires { std::string_view(T::sxtp_rest); } || rest_field<T>() != no_field,
                  "sxtp: sxtp_rest names no field of this struct");
    static_assert(!requires { std::string_view(T::sxtp_extra); } || extra_field<T>() != no_field,
                  "sxtp: sxtp_extra names no field of this struct");
    static_assert(rest_field<T>() == no_field || is_form_struct<T>,
                  "sxtp: sxtp_rest (positional items) needs a form struct; add static constexpr std::string_view sxtp_form = \"head\"");
    static_assert(renames_name_fields(),
                  "sxtp: an entry of sxtp_renames names no field of this struct; check the C++ field name in {\"field\", \"keyword\"}");
    static_assert(all_valid(),
                  "sxtp: a field's keyword is not a valid SX keyword name (letters, digits and ~!$%&*+-./<=>?@^_|:#); rename it with sxtp_renames");
    static_assert(all_distinct(),
                  "sxtp: two fields of this struct map to the same keyword (e.g. `per_page` and a renamed field both `:per-page`); rename one with sxtp_renames");
};

/// Calls f(index, member) for every field of `obj` (T or const T).
template <class T, class F>
constexpr void for_each_field(T& obj, F&& f) {
    using U = std::remove_const_t<T>;
    if constexpr (hana_struct<U>) {
        std::size_t i = 0;
        boost::hana::for_each(boost::hana::accessors<U>(), [&](auto acc) { f(i++, boost::hana::second(acc)(obj)); });
    } else {
        std::size_t i = 0;
        boost::mp11::mp_for_each<describe_public_members<U>>([&](auto d) { f(i++, obj.*d.pointer); });
    }
}

} // namespace detail
} // namespace sxtp::typed

#endif
