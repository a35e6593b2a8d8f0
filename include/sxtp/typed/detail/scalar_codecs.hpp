// Conversions of atoms, enums, durations and user types.
#ifndef SXTP_TYPED_DETAIL_SCALAR_CODECS_HPP
#define SXTP_TYPED_DETAIL_SCALAR_CODECS_HPP

#include <sxtp/typed/detail/category.hpp>
#include <sxtp/typed/detail/failure.hpp>

#include <boost/describe/enumerators.hpp>
#include <boost/mp11/algorithm.hpp>

#include <cmath>
#include <limits>
#include <string>

namespace sxtp::typed::detail {

template <class T, class>
struct codec : codec_of<T> {};

template <class T>
struct codec_of<T, category::user> {
    static sx::value encode(const T& t) { return tag_invoke(to_sx_tag{}, t); }
    static bool decode(const sx::value& v, T& out, decode_error& e) {
        try {
            out = tag_invoke(from_sx_tag<T>{}, v);
            return true;
        } catch (const decode_exception& x) {
            e = x.error();
            return false;
        } catch (const std::exception& x) {
            return fail(e, error::invalid_value, x.what());
        }
    }
};

template <>
struct codec_of<bool, category::boolean> {
    static sx::value encode(bool b) { return sx::value(b); }
    static bool decode(const sx::value& v, bool& out, decode_error& e) {
        if (!v.is_bool()) return fail_kind(e, "boolean", v);
        out = v.as_bool();
        return true;
    }
};

template <class T>
struct codec_of<T, category::integer> {
    static sx::value encode(T t) { return sx::value(t); }  // throws for unsigned values above INT64_MAX
    static bool decode(const sx::value& v, T& out, decode_error& e) {
        if (!v.is_int()) return fail_kind(e, "integer", v);
        const std::int64_t i = v.as_int();
        if (!std::in_range<T>(i))
            return fail(e, error::out_of_range,
                        "integer " + std::to_string(i) + " out of range [" + std::to_string(std::numeric_limits<T>::min()) +
                            ", " + std::to_string(std::numeric_limits<T>::max()) + "]");
        out = static_cast<T>(i);
        return true;
    }
};

template <class T>
struct codec_of<T, category::floating> {
    static sx::value encode(T t) { return sx::value(t); }
    static bool decode(const sx::value& v, T& out, decode_error& e) {
        if (v.is_float()) out = static_cast<T>(v.as_float());
        else if (v.is_int()) out = static_cast<T>(v.as_int());
        else return fail_kind(e, "float", v);
        return true;
    }
};

template <>
struct codec_of<std::string, category::string> {
    static sx::value encode(const std::string& s) { return sx::value(s); }
    static bool decode(const sx::value& v, std::string& out, decode_error& e) {
        if (!v.is_string()) return fail_kind(e, "string", v);
        out.assign(v.as_string());
        return true;
    }
};

// sx::symbol and sx::keyword: a name of the matching kind.
template <class Name, sx::kind Kind>
struct name_codec {
    static sx::value encode(const Name& n) { return sx::value(n); }
    static bool decode(const sx::value& v, Name& out, decode_error& e) {
        if (v.type() != Kind) return fail_kind(e, sx::to_string(Kind), v);
        out = Name(std::string(v.name()));
        return true;
    }
};
template <>
struct codec_of<sx::symbol, category::symbol> : name_codec<sx::symbol, sx::kind::symbol> {};
template <>
struct codec_of<sx::keyword, category::keyword> : name_codec<sx::keyword, sx::kind::keyword> {};

template <>
struct codec_of<sx::value, category::any> {
    static sx::value encode(const sx::value& v) { return v; }
    static bool decode(const sx::value& v, sx::value& out, decode_error&) {
        out = v;
        return true;
    }
};

template <class T>
struct codec_of<T, category::duration> {
    using rep = typename T::rep;
    static sx::value encode(const T& d) { return sx::value(d.count()); }
    static bool decode(const sx::value& v, T& out, decode_error& e) {
        rep r{};
        if (!codec<rep>::decode(v, r, e)) return false;
        out = T(r);
        return true;
    }
};

template <class T>
struct codec_of<T, category::time_point> {
    using duration = typename T::duration;
    static sx::value encode(const T& t) { return codec<duration>::encode(t.time_since_epoch()); }
    static bool decode(const sx::value& v, T& out, decode_error& e) {
        duration d{};
        if (!codec<duration>::decode(v, d, e)) return false;
        out = T(d);
        return true;
    }
};

/// Enumerator names as symbols: underscores become hyphens.
template <class E>
struct enum_symbols {
    static std::string symbol_of(std::string_view cxx) {
        std::string s(cxx);
        for (char& c : s)
            if (c == '_') c = '-';
        return s;
    }
};

template <class T>
struct codec_of<T, category::enumeration> {
    static sx::value encode(T t) {
        sx::value out;
        boost::mp11::mp_for_each<boost::describe::describe_enumerators<T>>([&](auto d) {
            if (d.value == t) out = sx::value::make_symbol_unchecked(enum_symbols<T>::symbol_of(d.name));
        });
        if (out.is_nil()) throw boost::system::system_error(error::unknown_enumerator, "sxtp: enum value has no described enumerator");
        return out;
    }
    static bool decode(const sx::value& v, T& out, decode_error& e) {
        if (!v.is_symbol()) return fail_kind(e, "symbol", v);
        bool found = false;
        std::string names;
        boost::mp11::mp_for_each<boost::describe::describe_enumerators<T>>([&](auto d) {
            const std::string s = enum_symbols<T>::symbol_of(d.name);
            if (!found && s == v.name()) {
                out = d.value;
                found = true;
            }
            (names.empty() ? names : names += ' ') += s;
        });
        if (!found) return fail(e, error::unknown_enumerator, "expected one of (" + names + "), got " + std::string(v.name()));
        return true;
    }
};

} // namespace sxtp::typed::detail

#endif
