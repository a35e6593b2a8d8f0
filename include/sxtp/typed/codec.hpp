// sxtp/typed/codec.hpp — C++ values to and from SX.
//
//   sx::value v = typed::to_sx(post);             // encode
//   auto p = typed::from_sx<post>(v);              // decode, throws decode_exception
//   auto r = typed::try_from_sx<post>(v);          // decode, result<post, decode_error>
//
// How each type maps (first match wins):
//  1. A user conversion found by ADL, the Boost.JSON pattern:
//       sx::value tag_invoke(sxtp::typed::to_sx_tag, const T&);
//       T tag_invoke(sxtp::typed::from_sx_tag<T>, const sx::value&);
//     (throw decode_exception, or any std::exception, to refuse a value).
//  2. bool ↔ boolean; integers of every width ↔ integer, range-checked both
//     ways; float/double ↔ float (an integer is accepted where a float is
//     declared); std::string ↔ string; sx::symbol, sx::keyword ↔ themselves;
//     sx::value ↔ any value, untouched.
//  3. std::optional<T>: nil ↔ nullopt; as a struct field, an absent key ↔
//     nullopt (and nullopt is not written).
//  4. std::vector, std::list, std::deque ↔ list; std::array<T, N> ↔ list of
//     exactly N; std::map / std::unordered_map with std::string keys ↔ dict
//     with string keys, with sx::keyword keys ↔ dict with keyword keys, with
//     sx::symbol keys ↔ dict with symbol keys.
//  5. std::variant<A, B, …>: encodes the held alternative; decodes into the
//     first alternative, in declaration order, that accepts the value — so put
//     the narrower alternatives first (int64 before double, a struct with
//     more required fields before one with fewer).
//  6. std::chrono::duration<R, P> ↔ the count of its own ticks (integer, or
//     float for a floating R): `std::chrono::milliseconds{1500}` is 1500.
//     std::chrono::time_point<system_clock, D> ↔ ticks of D since the Unix
//     epoch: `sys_seconds` is a Unix timestamp in seconds.
//  7. Enums described with BOOST_DESCRIBE_ENUM ↔ the symbol of the
//     enumerator's name, underscores as hyphens (`in_stock` ↔ `in-stock`).
//  8. Structs reflected with Boost.Hana or Boost.Describe ↔ dict keyed by
//     keywords (see sxtp/typed/fields.hpp). Unknown keys are ignored when
//     decoding (forward compatibility); a missing required field is an error.
//
// Every decoding error names the path to the offending value, e.g.
// ":body :tags 3: expected string, got integer".
#ifndef SXTP_TYPED_CODEC_HPP
#define SXTP_TYPED_CODEC_HPP

#include <sxtp/sx/reader.hpp>
#include <sxtp/sx/value.hpp>
#include <sxtp/typed/error.hpp>
#include <sxtp/typed/fields.hpp>

#include <boost/system/result.hpp>

namespace sxtp::typed {

/// Tag of a user encoder: `sx::value tag_invoke(to_sx_tag, const T&)`.
struct to_sx_tag {};
/// Tag of a user decoder: `T tag_invoke(from_sx_tag<T>, const sx::value&)`.
template <class T>
struct from_sx_tag {};
/// Tag of a user schema description: `sx::value tag_invoke(schema_tag<T>)` (see schema.hpp).
template <class T>
struct schema_tag {};

namespace detail {
/// The conversion of T; specialised per category in detail/*_codec.hpp.
/// Each has `static sx::value encode(const T&)` and
/// `static bool decode(const sx::value&, T&, decode_error&)`.
template <class T, class = void>
struct codec;
} // namespace detail

/// A type sxtp can encode to and decode from SX.
template <class T>
concept marshallable = requires(const T& t, const sx::value& v, T& out, decode_error& e) {
    { detail::codec<T>::encode(t) } -> std::same_as<sx::value>;
    { detail::codec<T>::decode(v, out, e) } -> std::same_as<bool>;
};

/// Encodes `t`. Throws boost::system::system_error for a value SX cannot
/// hold (an unsigned integer above INT64_MAX).
template <class T>
sx::value to_sx(const T& t);

/// Decodes `v` into T; throws `decode_exception` with the path on failure.
template <class T>
T from_sx(const sx::value& v);

/// Decodes `v` into T; returns the `decode_error` on failure.
template <class T>
boost::system::result<T, decode_error> try_from_sx(const sx::value& v);

/// Appends the canonical text of `t` to `out` (a printer sink, such as
/// std::string): byte for byte `sx::canonical(to_sx(t))`, written without
/// building the sx::value where the type allows. Returns the printer's errors
/// (sx::error::invalid_utf8, non_finite_float); throws like `to_sx`.
template <class Sink, class T>
sx::error write_canonical(Sink& out, const T& t);

/// The canonical text of `t`; throws boost::system::system_error on the errors of write_canonical.
template <class T>
std::string canonical(const T& t);

/// Reads exactly one value from SX text and decodes it as T, straight into
/// T where the type allows (no sx::value tree). Results and errors are those
/// of `try_from_sx<T>(sx::read(text))`; a syntax error is a decode_error whose
/// code is the sx::error and whose detail holds the reader's message with
/// its position.
template <class T>
boost::system::result<T, decode_error> try_read(std::string_view text, const sx::read_options& options = {});

/// As `try_read`, throwing `decode_exception`.
template <class T>
T read(std::string_view text, const sx::read_options& options = {});

/// Decodes `v` into an existing object (fields absent from `v` that are
/// optional become nullopt). Returns false and fills `e` on failure.
template <class T>
bool decode_into(const sx::value& v, T& out, decode_error& e);

} // namespace sxtp::typed

#include <sxtp/typed/detail/scalar_codecs.hpp>
#include <sxtp/typed/detail/container_codecs.hpp>
#include <sxtp/typed/detail/struct_codec.hpp>
#include <sxtp/typed/detail/direct_write.hpp>
#include <sxtp/typed/detail/direct_read.hpp>
#include <sxtp/typed/impl/codec.hpp>

#endif
