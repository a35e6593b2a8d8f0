// Definitions of sxtp/typed/codec.hpp.
#ifndef SXTP_TYPED_IMPL_CODEC_HPP
#define SXTP_TYPED_IMPL_CODEC_HPP

namespace sxtp::typed {

namespace detail {
template <class T>
constexpr void require_marshallable() {
    static_assert(marshallable<T>,
                  "sxtp::typed: this type cannot be marshalled to SX; use a supported type (see sxtp/typed/codec.hpp), "
                  "reflect the struct with BOOST_HANA_DEFINE_STRUCT / BOOST_DESCRIBE_STRUCT, describe the enum, or give "
                  "the type tag_invoke(to_sx_tag, const T&) and tag_invoke(from_sx_tag<T>, const sx::value&)");
}
} // namespace detail

template <class T>
sx::value to_sx(const T& t) {
    detail::require_marshallable<T>();
    return detail::codec<T>::encode(t);
}

template <class Sink, class T>
sx::error write_canonical(Sink& out, const T& t) {
    detail::require_marshallable<T>();
    sx::detail::writer_for<Sink> w(out);
    const sx::error e = detail::write_direct(w, t, false);
    w.flush();
    return e;
}

template <class T>
std::string canonical(const T& t) {
    std::string out;
    if (const sx::error e = typed::write_canonical(out, t); e != sx::error{}) throw boost::system::system_error(e);
    return out;
}

template <class T>
boost::system::result<T, decode_error> try_read(std::string_view text, const sx::read_options& options) {
    detail::require_marshallable<T>();
    {
        detail::text_decoder d(text, options);
        sx::detail::token tok;
        T out{};
        if (d.next(tok) && tok.t != sx::detail::token::type::end && detail::read_direct(d, tok, out) &&
            d.lex.skip_space() == sx::error{} && d.lex.pos() == text.data() + text.size())
            return out;
    }
    // The fast path gave up: the value path decides, with its exact errors.
    auto v = sx::try_read(text, options);
    if (!v) return decode_error{v.error().code, {}, v.error().message()};
    return try_from_sx<T>(*v);
}

template <class T>
T read(std::string_view text, const sx::read_options& options) {
    return try_read<T>(text, options).value();
}

template <class T>
bool decode_into(const sx::value& v, T& out, decode_error& e) {
    detail::require_marshallable<T>();
    return detail::codec<T>::decode(v, out, e);
}

template <class T>
boost::system::result<T, decode_error> try_from_sx(const sx::value& v) {
    detail::require_marshallable<T>();
    static_assert(std::is_default_constructible_v<T>, "sxtp::typed::from_sx<T> needs a default-constructible T; use decode_into");
    T out{};
    decode_error e;
    if (!detail::codec<T>::decode(v, out, e)) return e;
    return out;
}

template <class T>
T from_sx(const sx::value& v) {
    return try_from_sx<T>(v).value();
}

} // namespace sxtp::typed

#endif
