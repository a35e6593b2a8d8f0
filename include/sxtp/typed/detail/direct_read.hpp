// Decoding C++ values straight from SX text, without building the sx::value
// tree. The fast path handles atoms, optionals, sequences, arrays, enums,
// plain dict structs and form structs (`(head :key value …)`, without rest
// or extra members) token by token; any other type is read as an sx::value
// and decoded as usual. Whenever the fast path meets something it does not
// decide alone (a syntax error, a type mismatch, a non-keyword key, depth)
// it gives up, and `try_read` answers from the value path instead, so
// results and errors are exactly those of `try_from_sx<T>(sx::read(text))`.
#ifndef SXTP_TYPED_DETAIL_DIRECT_READ_HPP
#define SXTP_TYPED_DETAIL_DIRECT_READ_HPP

#include <sxtp/sx/detail/lexer.hpp>
#include <sxtp/sx/reader.hpp>
#include <sxtp/typed/detail/category.hpp>

#include <boost/hana/at.hpp>
#include <boost/mp11/algorithm.hpp>

#include <bitset>
#include <optional>
#include <vector>

namespace sxtp::typed::detail {

using sx::detail::token;

struct text_decoder {
    text_decoder(std::string_view t, const sx::read_options& o) : text(t), lex(t), options(o), own(o), values(own) {}
    // With `r` (whose options are `o`) for the fields read as sx::value: a
    // reader kept across texts keeps its scratch space.
    text_decoder(std::string_view t, const sx::read_options& o, sx::reader& r) : text(t), lex(t), options(o), values(r) {}
    text_decoder(const text_decoder&) = delete;
    text_decoder& operator=(const text_decoder&) = delete;
    std::string_view text;
    sx::detail::lexer lex;
    sx::read_options options;
    sx::reader own;
    sx::reader& values;  // for fields read as sx::value
    std::size_t depth = 0;

    bool next(token& tok) { return lex.next(tok) == sx::error{}; }
    bool enter() { return ++depth <= options.max_depth; }
    void leave() { --depth; }
};

template <class T>
bool read_direct(text_decoder& d, const token& tok, T& out);

// The atom `tok` as a value (integers, floats, strings, symbols, keywords,
// booleans), as the reader would make it; nullopt for anything else.
inline std::optional<sx::value> atom_value(const token& tok) {
    switch (tok.t) {
    case token::type::integer: return sx::value(tok.i);
    case token::type::floating: return sx::value(tok.f);
    case token::type::boolean: return sx::value(tok.b);
    case token::type::string: return sx::value(tok.text);
    case token::type::symbol: return sx::value::make_symbol_unchecked(tok.text);  // the lexer checked the name
    case token::type::keyword: return sx::value::make_keyword_unchecked(tok.text);
    default: return std::nullopt;
    }
}

// The value starting at `tok`, read whole by the reader (an atom made from
// its token), then decoded.
template <class T>
bool read_via_value(text_decoder& d, const token& tok, T& out) {
    if (d.options.max_values >= 1)
        if (auto atom = atom_value(tok)) {
            decode_error ignored;
            if constexpr (std::is_same_v<T, sx::value>) {
                out = std::move(*atom);
                return true;
            } else {
                return codec<T>::decode(*atom, out, ignored);
            }
        }
    std::size_t offset = static_cast<std::size_t>(tok.start - d.text.data());
    auto v = d.values.read_next(d.text, offset, d.depth);
    if (!v) return false;
    d.lex.set_pos(d.text.data() + offset);
    decode_error ignored;
    if constexpr (std::is_same_v<T, sx::value>) {
        out = std::move(*v);
        return true;
    } else {
        return codec<T>::decode(*v, out, ignored);
    }
}

template <class T, std::size_t I>
decltype(auto) field_ref(T& t) {
    if constexpr (hana_struct<T>) return boost::hana::second(boost::hana::at_c<I>(boost::hana::accessors<T>()))(t);
    else return (t.*boost::mp11::mp_at_c<describe_public_members<T>, I>::pointer);
}

// The keyword arguments of a dict struct (up to `}`) or of a form struct
// (up to `)`: a form with a positional item is left to the value path).
template <class T>
bool read_struct(text_decoder& d, T& out, token::type close = token::type::close_dict) {
    using names = field_keywords<T>;
    constexpr std::size_t n = names::count;
    std::bitset<n + 1> seen;
    std::vector<std::string_view> unknown;  // keyword names of ignored keys, to find repeats
    token key, val;
    for (;;) {
        if (!d.next(key)) return false;
        if (key.t == close) break;
        if (key.t != token::type::keyword) return false;  // other keys: the value path decides
        std::size_t index = n;
        for (std::size_t i = 0; i < n; ++i)
            if (names::name(i) == key.text) {
                index = i;
                break;
            }
        if (!d.next(val) || val.t == token::type::close_dict || val.t == token::type::close_list) return false;
        if (index == n) {
            for (std::string_view u : unknown)
                if (u == key.text) return false;
            unknown.push_back(key.text);
            sx::value ignored;
            if (!read_via_value(d, val, ignored)) return false;
            continue;
        }
        if (seen[index]) return false;
        seen[index] = true;
        bool ok = false;
        [&]<std::size_t... I>(std::index_sequence<I...>) {
            ((I == index ? (ok = read_direct(d, val, field_ref<T, I>(out))) : false), ...);
        }(std::make_index_sequence<n>{});
        if (!ok) return false;
    }
    bool complete = true;
    [&]<std::size_t... I>(std::index_sequence<I...>) {
        (([&] {
             if (seen[I]) return;
             auto& member = field_ref<T, I>(out);
             using M = std::remove_cvref_t<decltype(member)>;
             if constexpr (is_optional<M>::value) member.reset();
             else complete = false;
         }()),
         ...);
    }(std::make_index_sequence<n>{});
    return complete;
}

template <class T>
bool read_direct(text_decoder& d, const token& tok, T& out) {
    constexpr category c = category_of<T>();
    if (tok.t == token::type::quote) return read_via_value(d, tok, out);  // 'x is (quote x)
    if constexpr (c == category::boolean) {
        if (tok.t != token::type::boolean) return false;
        out = tok.b;
        return true;
    } else if constexpr (c == category::integer) {
        if (tok.t != token::type::integer || !std::in_range<T>(tok.i)) return false;
        out = static_cast<T>(tok.i);
        return true;
    } else if constexpr (c == category::floating) {
        if (tok.t == token::type::floating) out = static_cast<T>(tok.f);
        else if (tok.t == token::type::integer) out = static_cast<T>(tok.i);
        else return false;
        return true;
    } else if constexpr (c == category::string) {
        if (tok.t != token::type::string) return false;
        out.assign(tok.text);
        return true;
    } else if constexpr (c == category::optional) {
        using inner = typename T::value_type;
        if (tok.t == token::type::nil && !std::is_same_v<inner, sx::value>) {
            out.reset();
            return true;
        }
        if (!out) out.emplace();
        return read_direct(d, tok, *out);
    } else if constexpr (c == category::sequence || c == category::array) {
        if (tok.t != token::type::open_list) return read_via_value(d, tok, out);
        if (!d.enter()) return false;
        std::size_t count = 0;
        if constexpr (c == category::sequence) out.clear();
        token item;
        for (;;) {
            if (!d.next(item)) return false;
            if (item.t == token::type::close_list) break;
            if (item.t == token::type::end || item.t == token::type::close_dict) return false;
            if constexpr (c == category::sequence) {
                out.emplace_back();
                if (!read_direct(d, item, out.back())) return false;
            } else {
                if (count >= out.size() || !read_direct(d, item, out[count])) return false;
            }
            ++count;
        }
        d.leave();
        if constexpr (c == category::array) return count == out.size();
        return true;
    } else if constexpr (c == category::structure) {
        if constexpr (!is_form_struct<T> && extra_field<T>() == no_field) {
            if (tok.t != token::type::open_dict) return false;
            if (!d.enter()) return false;
            if (!read_struct(d, out)) return false;
            d.leave();
            return true;
        } else if constexpr (is_form_struct<T> && extra_field<T>() == no_field && rest_field<T>() == no_field) {
            // (HEAD :key value …)
            token head;
            if (tok.t != token::type::open_list || !d.next(head) || head.t != token::type::symbol || head.text != std::string_view(T::sxtp_form))
                return false;
            if (!d.enter()) return false;
            if (!read_struct(d, out, token::type::close_list)) return false;
            d.leave();
            return true;
        } else {
            return read_via_value(d, tok, out);
        }
    } else {
        return read_via_value(d, tok, out);  // any, symbols, keywords, enums, maps, variants, chrono, user types
    }
}

} // namespace sxtp::typed::detail

#endif
