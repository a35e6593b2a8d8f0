// Conversion of reflected structs to and from keyword-keyed dicts.
#ifndef SXTP_TYPED_DETAIL_STRUCT_CODEC_HPP
#define SXTP_TYPED_DETAIL_STRUCT_CODEC_HPP

#include <sxtp/sx/form.hpp>
#include <sxtp/sx/printer.hpp>
#include <sxtp/typed/detail/category.hpp>
#include <sxtp/typed/detail/container_codecs.hpp>
#include <sxtp/typed/detail/failure.hpp>
#include <sxtp/typed/fields.hpp>

#include <array>

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

template <class M>
constexpr bool is_keyword_map() {
    if constexpr (is_map<M>::value) return std::is_same_v<typename M::key_type, sx::keyword>;
    else return false;
}
template <class M>
concept keyword_map = is_keyword_map<M>();

template <class T>
struct codec_of<T, category::structure> {
    using names = field_keywords<T>;
    static_assert(check_all_fields<T>());
    static constexpr std::size_t rest = rest_field<T>();
    static constexpr std::size_t extra = extra_field<T>();
    static constexpr bool form = is_form_struct<T>;

    static bool is_declared(std::string_view keyword) { return field_index(keyword) != names::count; }
    // The declared field named `keyword` (not the rest or extra member), or names::count.
    static std::size_t field_index(std::string_view keyword) {
        for (std::size_t i = 0; i < names::count; ++i)
            if (i != rest && i != extra && names::name(i) == keyword) return i;
        return names::count;
    }

    static sx::value encode(const T& t) {
        if constexpr (form) return encode_form(t);
        else return encode_dict(t);
    }

    static sx::value encode_dict(const T& t) {
        sx::value d = sx::value::make_dict(names::count);
        for_each_field(t, [&](std::size_t i, const auto& member) {
            using M = std::remove_cvref_t<decltype(member)>;
            if (i == extra) {
                if constexpr (keyword_map<M>)
                    for (const auto& [k, x] : member)
                        if (!is_declared(k.name())) d.insert_or_assign(sx::value(k), codec<typename M::mapped_type>::encode(x));
                return;
            }
            if constexpr (is_optional<M>::value) {
                if (!member) return;  // an empty optional field is not written
            }
            d.insert_or_assign(sx::value::make_keyword_unchecked(names::name(i)), codec<M>::encode(member));
        });
        return d;
    }

    static sx::value encode_form(const T& t) {
        sx::value l = sx::value::make_list(1 + 2 * names::count);
        l.push_back(sx::value::make_symbol(std::string_view(T::sxtp_form)));
        sx::value positional;
        for_each_field(t, [&](std::size_t i, const auto& member) {
            using M = std::remove_cvref_t<decltype(member)>;
            if (i == rest) {
                positional = codec<M>::encode(member);
                return;
            }
            if (i == extra) {
                if constexpr (keyword_map<M>)
                    for (const auto& [k, x] : member)
                        if (!is_declared(k.name())) {
                            l.push_back(sx::value(k));
                            l.push_back(codec<typename M::mapped_type>::encode(x));
                        }
                return;
            }
            if constexpr (is_optional<M>::value) {
                if (!member) return;
            }
            l.push_back(sx::value::make_keyword_unchecked(names::name(i)));
            l.push_back(codec<M>::encode(member));
        });
        if (positional.is_list())
            for (const sx::value& p : positional.items()) l.push_back(p);
        return l;
    }

    // Decodes one declared field from `field` (nullptr: absent).
    template <class M>
    static bool decode_field(std::size_t i, const sx::value* field, M& member, decode_error& e) {
        if (!field) {
            if constexpr (is_optional<M>::value) {
                member.reset();
                return true;
            } else {
                fail(e, error::missing_field, "missing required field");
                return at(e, ':' + std::string(names::name(i)));
            }
        }
        if (!codec<M>::decode(*field, member, e)) return at(e, ':' + std::string(names::name(i)));
        return true;
    }

    static bool decode(const sx::value& v, T& out, decode_error& e) {
        if constexpr (form) return decode_form(v, out, e);
        else return decode_dict(v, out, e);
    }

    static bool decode_dict(const sx::value& v, T& out, decode_error& e) {
        if (!v.is_dict()) return fail_kind(e, "dict", v);
        bool ok = true;
        for_each_field(out, [&](std::size_t i, auto& member) {
            if (!ok) return;
            using M = std::remove_cvref_t<decltype(member)>;
            if (i == extra) {
                if constexpr (keyword_map<M>) {
                    member.clear();
                    for (auto [k, x] : v.entries())
                        if (k.is_keyword() && !is_declared(k.name())) {
                            typename M::mapped_type m{};
                            if (!codec<typename M::mapped_type>::decode(x, m, e)) {
                                ok = at(e, sx::canonical(k));
                                return;
                            }
                            member.emplace(sx::keyword(std::string(k.name())), std::move(m));
                        }
                }
                return;
            }
            ok = decode_field(i, v.find(names::name(i)), member, e);
        });
        return ok;
    }

    static bool decode_form(const sx::value& v, T& out, decode_error& e) {
        const std::string_view head = T::sxtp_form;
        if (!v.is_list() || v.empty() || !v[0].is_symbol(head)) {
            std::string got = v.is_list() && !v.empty() && v[0].is_symbol() ? "(" + std::string(v[0].name()) + " …)"
                                                                             : std::string(sx::to_string(v.type()));
            return fail(e, error::wrong_kind, "expected (" + std::string(head) + " …), got " + got);
        }
        const sx::form_view f(v);
        // One pass over the arguments finds each declared field's value and
        // the first repeat; only a form with undeclared keywords needs the
        // general (quadratic) repeat check.
        std::array<const sx::value*, names::count + 1> found{};
        std::size_t repeated = 0;
        bool undeclared = false;
        for (const auto& a : f.arguments()) {
            const std::size_t i = field_index(a.name);
            if (i == names::count) {
                undeclared = true;
                continue;
            }
            if (found[i] && repeated == 0) repeated = a.index;
            if (!found[i]) found[i] = &a.val;
        }
        if (undeclared) repeated = f.first_repeated_index();
        if (repeated != 0) {
            fail(e, error::repeated_field, "repeated field");
            return at(e, ':' + std::string(v[repeated].name()));
        }
        bool ok = true;
        for_each_field(out, [&](std::size_t i, auto& member) {
            if (!ok) return;
            using M = std::remove_cvref_t<decltype(member)>;
            if (i == rest) {
                if constexpr (is_sequence<M>::value) {
                    member.clear();
                    std::size_t n = 0;
                    for (const sx::value& p : f.positional()) {
                        typename M::value_type x{};
                        if (!codec<typename M::value_type>::decode(p, x, e)) {
                            ok = at(e, std::to_string(n));
                            return;
                        }
                        member.push_back(std::move(x));
                        ++n;
                    }
                }
                return;
            }
            if (i == extra) {
                if constexpr (keyword_map<M>) {
                    member.clear();
                    for (const auto& a : f.arguments())
                        if (!is_declared(a.name)) {
                            typename M::mapped_type m{};
                            if (!codec<typename M::mapped_type>::decode(a.val, m, e)) {
                                ok = at(e, ':' + std::string(a.name));
                                return;
                            }
                            member.emplace(sx::keyword(std::string(a.name)), std::move(m));
                        }
                }
                return;
            }
            ok = decode_field(i, found[i], member, e);
        });
        return ok;
    }
};

} // namespace sxtp::typed::detail

#endif
