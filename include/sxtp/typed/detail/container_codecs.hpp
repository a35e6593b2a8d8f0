// Conversions of optionals, sequences, arrays, maps and variants.
#ifndef SXTP_TYPED_DETAIL_CONTAINER_CODECS_HPP
#define SXTP_TYPED_DETAIL_CONTAINER_CODECS_HPP

#include <sxtp/sx/printer.hpp>
#include <sxtp/typed/detail/category.hpp>
#include <sxtp/typed/detail/failure.hpp>

#include <optional>
#include <string>
#include <utility>

namespace sxtp::typed::detail {

template <class T>
concept element_marshallable = requires(const T& t, const sx::value& v, T& out, decode_error& e) {
    { codec<T>::encode(t) } -> std::same_as<sx::value>;
    { codec<T>::decode(v, out, e) } -> std::same_as<bool>;
};

template <class T>
    requires element_marshallable<typename T::value_type>
struct codec_of<T, category::optional> {
    using inner = typename T::value_type;
    static sx::value encode(const T& o) { return o ? codec<inner>::encode(*o) : sx::value(); }
    // Note: as a struct field, an empty optional is left out and an absent key
    // decodes to nullopt; so `:body nil` and no :body stay distinct for
    // std::optional<sx::value>.
    static bool decode(const sx::value& v, T& out, decode_error& e) {
        if (v.is_nil() && !std::is_same_v<inner, sx::value>) {  // an optional sx::value holds nil itself
            out.reset();
            return true;
        }
        inner x{};
        if (!codec<inner>::decode(v, x, e)) return false;
        out = std::move(x);
        return true;
    }
};

template <class T>
    requires element_marshallable<typename T::value_type>
struct codec_of<T, category::sequence> {
    using element = typename T::value_type;
    static sx::value encode(const T& seq) {
        sx::value l = sx::value::make_list(seq.size());
        for (const auto& x : seq) l.push_back(codec<element>::encode(x));
        return l;
    }
    static bool decode(const sx::value& v, T& out, decode_error& e) {
        if (!v.is_list()) return fail_kind(e, "list", v);
        out.clear();
        if constexpr (requires { out.reserve(std::size_t{}); }) out.reserve(v.size());
        std::size_t i = 0;
        for (const sx::value& item : v.items()) {
            element x{};
            if (!codec<element>::decode(item, x, e)) return at(e, std::to_string(i));
            out.push_back(std::move(x));
            ++i;
        }
        return true;
    }
};

template <class T>
    requires element_marshallable<typename T::value_type>
struct codec_of<T, category::array> {
    using element = typename T::value_type;
    static constexpr std::size_t n = std::tuple_size_v<T>;
    static sx::value encode(const T& a) {
        sx::value l = sx::value::make_list(n);
        for (const auto& x : a) l.push_back(codec<element>::encode(x));
        return l;
    }
    static bool decode(const sx::value& v, T& out, decode_error& e) {
        if (!v.is_list()) return fail_kind(e, "list", v);
        if (v.size() != n)
            return fail(e, error::wrong_kind, "expected list of " + std::to_string(n) + ", got list of " + std::to_string(v.size()));
        for (std::size_t i = 0; i < n; ++i)
            if (!codec<element>::decode(v[i], out[i], e)) return at(e, std::to_string(i));
        return true;
    }
};

template <class K>
constexpr bool is_map_key = std::is_same_v<K, std::string> || std::is_same_v<K, sx::keyword> || std::is_same_v<K, sx::symbol>;

template <class T>
    requires is_map_key<typename T::key_type> && element_marshallable<typename T::mapped_type>
struct codec_of<T, category::map> {
    using key = typename T::key_type;
    using mapped = typename T::mapped_type;
    static sx::value encode(const T& m) {
        sx::value d = sx::value::make_dict(m.size());
        for (const auto& [k, x] : m) d.insert_or_assign(sx::value(k), codec<mapped>::encode(x));
        return d;
    }
    // The C++ key of an SX key, or nullopt (with `e` filled) for a key of the wrong kind.
    static std::optional<key> decode_key(const sx::value& k, decode_error& e) {
        if constexpr (std::is_same_v<key, std::string>) {
            if (k.is_string()) return std::string(k.as_string());
            fail_kind(e, "string key", k);
        } else if constexpr (std::is_same_v<key, sx::keyword>) {
            if (k.is_keyword()) return sx::keyword(std::string(k.name()));
            fail_kind(e, "keyword key", k);
        } else {
            if (k.is_symbol()) return sx::symbol(std::string(k.name()));
            fail_kind(e, "symbol key", k);
        }
        return std::nullopt;
    }
    static bool decode(const sx::value& v, T& out, decode_error& e) {
        if (!v.is_dict()) return fail_kind(e, "dict", v);
        out.clear();
        for (auto [k, x] : v.entries()) {
            std::optional<key> decoded_key = decode_key(k, e);
            if (!decoded_key) return at(e, sx::canonical(k));
            mapped m{};
            if (!codec<mapped>::decode(x, m, e)) return at(e, sx::canonical(k));
            out.emplace(std::move(*decoded_key), std::move(m));
        }
        return true;
    }
};

template <class... Ts>
    requires(element_marshallable<Ts> && ...)
struct codec_of<std::variant<Ts...>, category::variant> {
    using T = std::variant<Ts...>;
    static sx::value encode(const T& v) {
        return std::visit([](const auto& x) { return codec<std::decay_t<decltype(x)>>::encode(x); }, v);
    }
    static bool decode(const sx::value& v, T& out, decode_error& e) {
        std::string tried;
        bool done = false;
        auto attempt = [&]<class A>(std::type_identity<A>) {
            if (done) return;
            A a{};
            decode_error inner;
            if (codec<A>::decode(v, a, inner)) {
                out = std::move(a);
                done = true;
            } else {
                (tried.empty() ? tried : tried += "; ") += inner.message();
            }
        };
        (attempt(std::type_identity<Ts>{}), ...);
        if (!done) return fail(e, error::no_matching_alternative, "no alternative accepts the value (" + tried + ")");
        return true;
    }
};

} // namespace sxtp::typed::detail

#endif
