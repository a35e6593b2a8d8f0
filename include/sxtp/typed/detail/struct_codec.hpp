// Conversion of reflected structs to and from keyword-keyed dicts.
#ifndef SXTP_TYPED_DETAIL_STRUCT_CODEC_HPP
#define SXTP_TYPED_DETAIL_STRUCT_CODEC_HPP

#include <sxtp/typed/detail/category.hpp>
#include <sxtp/typed/detail/container_codecs.hpp>
#include <sxtp/typed/detail/failure.hpp>
#include <sxtp/typed/fields.hpp>

#include <string>
#include <tuple>
#include <utility>

namespace sxtp::typed::detail {

/// Instantiated once per field; its static_assert names the offending field
/// in the compiler's "required from" notes (Struct, Index, Field).
template <class Struct, std::size_t Index, class Field>
struct checked_field {
    static_assert(element_marshallable<Field>,
                  "sxtp: this struct field's type cannot be marshalled to SX (see Struct, Index and Field in the "
                  "instantiation below); use a supported type, describe the enum or struct, or give the type "
                  "tag_invoke(sxtp::typed::to_sx_tag, const T&) and tag_invoke(sxtp::typed::from_sx_tag<T>, const sx::value&)");
    static constexpr bool ok = true;
};

template <class T>
consteval bool check_all_fields() {
    bool ok = true;
    T* none = nullptr;
    if constexpr (hana_struct<T>) {
        [&]<std::size_t... I>(std::index_sequence<I...>) {
            ((ok = ok && checked_field<T, I, std::remove_cvref_t<decltype(boost::hana::second(boost::hana::at_c<I>(
                                                  boost::hana::accessors<T>()))(*none))>>::ok),
             ...);
        }(std::make_index_sequence<field_count<T>()>{});
    } else {
        using members = describe_public_members<T>;
        [&]<std::size_t... I>(std::index_sequence<I...>) {
            ((ok = ok && checked_field<T, I, std::remove_cvref_t<decltype(none->*boost::mp11::mp_at_c<members, I>::pointer)>>::ok), ...);
        }(std::make_index_sequence<field_count<T>()>{});
    }
    return ok;
}

template <class T>
struct codec_of<T, category::structure> {
    using names = field_keywords<T>;
    static_assert(check_all_fields<T>());

    static sx::value encode(const T& t) {
        sx::value d = sx::value::make_dict(names::count);
        for_each_field(t, [&](std::size_t i, const auto& member) {
            using M = std::remove_cvref_t<decltype(member)>;
            if constexpr (is_optional<M>::value) {
                if (!member) return;  // an empty optional field is not written
            }
            d.insert_or_assign(sx::value::make_keyword_unchecked(names::name(i)), codec<M>::encode(member));
        });
        return d;
    }

    static bool decode(const sx::value& v, T& out, decode_error& e) {
        if (!v.is_dict()) return fail_kind(e, "dict", v);
        bool ok = true;
        for_each_field(out, [&](std::size_t i, auto& member) {
            if (!ok) return;
            using M = std::remove_cvref_t<decltype(member)>;
            const sx::value* field = v.find(names::name(i));
            if (!field) {
                if constexpr (is_optional<M>::value) {
                    member.reset();
                } else {
                    fail(e, error::missing_field, "missing required field");
                    ok = at(e, ':' + std::string(names::name(i)));
                }
                return;
            }
            if (!codec<M>::decode(*field, member, e)) ok = at(e, ':' + std::string(names::name(i)));
        });
        return ok;
    }
};

} // namespace sxtp::typed::detail

#endif
