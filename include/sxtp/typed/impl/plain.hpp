// Definitions for sxtp/typed/plain.hpp.
#ifndef SXTP_TYPED_IMPL_PLAIN_HPP
#define SXTP_TYPED_IMPL_PLAIN_HPP

#include <sxtp/sx/dict_builder.hpp>

#include <charconv>

namespace sxtp::typed {
namespace detail {

// The text a plain dict key has for a map key (JSON object keys are text).
inline sx::value plain_key(const sx::value& k) {
    if (k.is_keyword() || k.is_string()) return k;
    if (k.is_symbol()) return sx::value(k.name());
    if (k.is_int()) return sx::value(std::to_string(k.as_int()));
    if (k.is_bool()) return sx::value(k.as_bool() ? "true" : "false");
    return k;
}

// A map key of type K from a plain key (a keyword or a string).
template <class K>
sx::value typed_key(const sx::value& k) {
    const std::string_view text = k.is_keyword() ? k.name() : k.text();
    if (!k.is_keyword() && !k.is_string()) return k;
    constexpr auto c = category_of<K>();
    if constexpr (c == category::keyword) {
        const std::string_view n = !text.empty() && text.front() == ':' ? text.substr(1) : text;
        if (sx::is_valid_keyword_name(n)) return sx::value::make_keyword_unchecked(n);
    } else if constexpr (c == category::symbol || c == category::enumeration) {
        if (sx::is_valid_symbol_name(text)) return sx::value::make_symbol_unchecked(text);
    } else if constexpr (c == category::integer) {
        std::int64_t i = 0;
        const auto r = std::from_chars(text.data(), text.data() + text.size(), i);
        if (r.ec == std::errc{} && r.ptr == text.data() + text.size()) return sx::value(i);
    } else if constexpr (c == category::string) {
        return sx::value(text);
    }
    return k;
}

// Rebuilds dict `v` with each key passed through `key` and each value through `val`.
template <class KeyFn, class ValFn>
void rebuild_dict(sx::value& v, KeyFn key, ValFn val) {
    std::vector<std::pair<sx::value, sx::value>> entries;  // new keys sort differently: built in one go
    entries.reserve(v.size());
    for (auto e : v.entries()) {
        sx::value item = std::move(e.val);
        val(item);
        entries.emplace_back(key(e.key), std::move(item));
    }
    v = sx::dict_of(std::move(entries));
}

// Applies f<M>(value) to the dict entry of each field of struct T present in `dict`.
template <class T, class F>
void for_each_present_field(sx::value& dict, F&& f) {
    using names = field_keywords<T>;
    T probe{};
    for_each_field(probe, [&](std::size_t i, auto& member) {
        if (sx::value* fv = dict.find(names::name(i))) f(*fv, member, i);
    });
}

} // namespace detail

template <class T>
void to_plain(sx::value& v) {
    using namespace detail;
    constexpr auto c = category_of<T>();
    if constexpr (c == category::symbol || c == category::enumeration) {
        if (v.is_symbol()) v = sx::value(v.name());
    } else if constexpr (c == category::keyword) {
        if (v.is_keyword()) v = sx::value(v.name());
    } else if constexpr (c == category::optional) {
        if (!v.is_nil()) to_plain<typename T::value_type>(v);
    } else if constexpr (c == category::sequence || c == category::array) {
        if (v.is_list())
            for (auto& item : v.items()) to_plain<typename T::value_type>(item);
    } else if constexpr (c == category::map) {
        if (v.is_dict()) rebuild_dict(v, plain_key, [](sx::value& x) { to_plain<typename T::mapped_type>(x); });
    } else if constexpr (c == category::structure) {
        if constexpr (is_form_struct<T>) {
            // (head :k v … rest…) → {"k": v, …, "rest-field": [rest…]}
            if (!v.is_list() || v.empty()) return;
            std::vector<std::pair<sx::value, sx::value>> entries;
            const auto items = v.items();
            std::size_t i = 1;
            for (; i + 1 < items.size() && items[i].is_keyword(); i += 2) entries.emplace_back(items[i], items[i + 1]);
            sx::value dict = sx::dict_of(std::move(entries));
            if (i < items.size()) {
                sx::value rest = sx::value::make_list(items.size() - i);
                for (; i < items.size(); ++i) rest.push_back(items[i]);
                if constexpr (rest_field<T>() != no_field)
                    dict.insert_or_assign(sx::value::make_keyword_unchecked(field_keywords<T>::name(rest_field<T>())), std::move(rest));
            }
            v = std::move(dict);
        }
        if (!v.is_dict()) return;
        for_each_present_field<T>(v, [](sx::value& fv, auto& member, std::size_t) { to_plain<std::remove_cvref_t<decltype(member)>>(fv); });
    }
    // integers, floats, booleans, strings, any, variants, user types, durations: already plain (or left to the writer)
}

template <class T>
void from_plain(sx::value& v) {
    using namespace detail;
    constexpr auto c = category_of<T>();
    if constexpr (c == category::symbol || c == category::enumeration) {
        if (v.is_string() && sx::is_valid_symbol_name(v.as_string())) v = sx::value::make_symbol_unchecked(v.as_string());
    } else if constexpr (c == category::keyword) {
        if (v.is_string()) {
            std::string_view n = v.as_string();
            if (!n.empty() && n.front() == ':') n.remove_prefix(1);
            if (sx::is_valid_keyword_name(n)) v = sx::value::make_keyword_unchecked(n);
        }
    } else if constexpr (c == category::floating) {
        if (v.is_int()) v = sx::value(static_cast<double>(v.as_int()));
    } else if constexpr (c == category::duration || c == category::time_point) {
        using rep = std::conditional_t<c == category::duration, typename T::rep, typename T::duration::rep>;
        if constexpr (std::is_floating_point_v<rep>)
            if (v.is_int()) v = sx::value(static_cast<double>(v.as_int()));
    } else if constexpr (c == category::optional) {
        if (!v.is_nil()) from_plain<typename T::value_type>(v);
    } else if constexpr (c == category::sequence || c == category::array) {
        if (v.is_list())
            for (auto& item : v.items()) from_plain<typename T::value_type>(item);
    } else if constexpr (c == category::map) {
        if (v.is_dict())
            rebuild_dict(v, [](const sx::value& k) { return typed_key<typename T::key_type>(k); },
                         [](sx::value& x) { from_plain<typename T::mapped_type>(x); });
    } else if constexpr (c == category::structure) {
        if (!v.is_dict()) return;
        for_each_present_field<T>(v, [](sx::value& fv, auto& member, std::size_t) { from_plain<std::remove_cvref_t<decltype(member)>>(fv); });
        if constexpr (is_form_struct<T>) {
            // {"k": v, …} → (head :k v … rest…)
            sx::value form = sx::value::make_list(1 + 2 * v.size());
            form.push_back(sx::value::make_symbol_unchecked(T::sxtp_form));
            sx::value rest;
            for (auto e : v.entries()) {
                if constexpr (rest_field<T>() != no_field)
                    if (e.key.is_keyword(field_keywords<T>::name(rest_field<T>()))) {
                        rest = std::move(e.val);
                        continue;
                    }
                form.push_back(e.key);
                form.push_back(std::move(e.val));
            }
            if (rest.is_list())
                for (auto& item : rest.items()) form.push_back(std::move(item));
            v = std::move(form);
        }
    }
}

} // namespace sxtp::typed

#endif
