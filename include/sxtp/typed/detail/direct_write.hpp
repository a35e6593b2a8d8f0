// Writing the canonical text of a C++ value without building an sx::value
// first. The result is byte-for-byte `sx::canonical(typed::to_sx(t))`; types
// without a direct writer (maps, variants, forms with a rest or open field,
// user conversions, open records) go through their sx::value.
#ifndef SXTP_TYPED_DETAIL_DIRECT_WRITE_HPP
#define SXTP_TYPED_DETAIL_DIRECT_WRITE_HPP

#include <sxtp/sx/printer.hpp>
#include <sxtp/typed/detail/category.hpp>

#include <boost/hana/at.hpp>
#include <boost/mp11/algorithm.hpp>

namespace sxtp::typed::detail {

template <class Writer, class T>
sx::error write_direct(Writer& out, const T& t, bool sep);

template <class Writer, class T, std::size_t I>
sx::error write_field(Writer& out, const T& t, bool& sep) {
    using names = field_keywords<T>;
    const auto& member = [&]() -> const auto& {
        if constexpr (hana_struct<T>) return boost::hana::second(boost::hana::at_c<I>(boost::hana::accessors<T>()))(t);
        else return t.*boost::mp11::mp_at_c<describe_public_members<T>, I>::pointer;
    }();
    using M = std::remove_cvref_t<decltype(member)>;
    if constexpr (is_optional<M>::value) {
        if (!member) return sx::error{};
    }
    constexpr std::string_view name = names::name(I);
    char* o = out.room(name.size() + 3);
    *o = ' ';
    o += sep;
    *o++ = ':';
    std::memcpy(o, name.data(), name.size());
    out.commit(o + name.size());
    sep = true;
    return write_direct(out, member, true);
}

// A plain dict struct (not a form, no open record) is written field by field.
template <class T>
constexpr bool plain_dict_struct() {
    if constexpr (category_of<T>() == category::structure) return !is_form_struct<T> && extra_field<T>() == no_field;
    else return false;
}

// A form struct with keyword fields only (such as the protocol's messages) is
// written as its list: the form's symbol, then `:field value` in declaration order.
template <class T>
constexpr bool plain_form_struct() {
    if constexpr (category_of<T>() == category::structure)
        return is_form_struct<T> && extra_field<T>() == no_field && rest_field<T>() == no_field;
    else return false;
}

template <class Writer, class T>
sx::error write_direct(Writer& out, const T& t, bool sep) {
    constexpr category c = category_of<T>();
    if constexpr (c == category::boolean || c == category::integer || c == category::floating) {
        return sx::detail::write_atom(out, sx::value(t), sep);
    } else if constexpr (c == category::string) {
        if (sep) out.put(' ');
        return sx::detail::write_string(out, t);
    } else if constexpr (c == category::symbol || c == category::keyword || c == category::enumeration) {
        return sx::detail::write_atom(out, codec<T>::encode(t), sep);
    } else if constexpr (c == category::any) {
        if (sep) out.put(' ');
        return sx::detail::write_canonical_to(out, t);
    } else if constexpr (c == category::optional) {
        if (!t) return sx::detail::write_atom(out, sx::value(), sep);
        return write_direct(out, *t, sep);
    } else if constexpr (c == category::sequence || c == category::array) {
        if (std::empty(t)) {
            if (sep) out.put(' ');
            out.put("()", 2);
            return sx::error{};
        }
        if (sep) out.put(' ');
        out.put('(');
        bool first = true;
        for (const auto& x : t) {
            if (const sx::error e = write_direct(out, x, !first); e != sx::error{}) return e;
            first = false;
        }
        out.put(')');
        return sx::error{};
    } else if constexpr (plain_dict_struct<T>()) {
        using names = field_keywords<T>;
        if (sep) out.put(' ');
        out.put('{');
        bool inner_sep = false;
        sx::error e{};
        [&]<std::size_t... K>(std::index_sequence<K...>) {
            ((e == sx::error{} ? (e = write_field<Writer, T, names::canonical_order[K]>(out, t, inner_sep)) : e), ...);
        }(std::make_index_sequence<names::count>{});
        out.put('}');
        return e;
    } else if constexpr (plain_form_struct<T>()) {
        using names = field_keywords<T>;
        if (sep) out.put(' ');
        out.put('(');
        if (const sx::error e = sx::detail::write_atom(out, sx::value::make_symbol(std::string_view(T::sxtp_form)), false); e != sx::error{})
            return e;
        bool inner_sep = true;
        sx::error e{};
        [&]<std::size_t... K>(std::index_sequence<K...>) {
            ((e == sx::error{} ? (e = write_field<Writer, T, K>(out, t, inner_sep)) : e), ...);
        }(std::make_index_sequence<names::count>{});
        out.put(')');
        return e;
    } else {
        if (sep) out.put(' ');
        return sx::detail::write_canonical_to(out, codec<T>::encode(t));
    }
}

} // namespace sxtp::typed::detail

#endif
