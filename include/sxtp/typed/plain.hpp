// sxtp/typed/plain.hpp — a typed value in the "plain" subset of SX that
// JSON can carry, and back, steered by the C++ type.
//
// Plain SX has nil, booleans, integers, floats, strings, lists and dicts
// (keys: keywords, or strings where a key is not a valid keyword name).
// Symbols, keywords and forms have no JSON counterpart, but where the type
// says what a value is, nothing is lost:
//
//   C++ type                 SX (typed::to_sx)        plain (JSON)
//   sx::symbol, enum         fetch                    "fetch"
//   sx::keyword              :per-page                "per-page"  (":per-page" also read)
//   form struct (sxtp_form)  (hmac :key-id "k" …)     {"key-id": "k", …}  (the head is the type's)
//   double                   1.0                      1.0  (an integer is read as a float)
//   std::map<K, V>           {"a" 1} / {3 1}          {"a": 1} / {"3": 1}  (keys as text, read back as K)
//   sx::value (any)          foo / :foo / (f :a 1)    "foo" / ":foo" / ["f", ":a", 1]
//
// `any` positions (and variants, and user conversions) are left as they
// are: the JSON writer turns their symbols into "name" and keywords into
// ":name", so they arrive back as strings. from_plain() never fails: it
// converts what it recognises and leaves the rest for the typed decoder,
// which then names the field that does not fit.
#ifndef SXTP_TYPED_PLAIN_HPP
#define SXTP_TYPED_PLAIN_HPP

#include <sxtp/typed/codec.hpp>

namespace sxtp::typed {

/// `v`, which holds a T as typed::to_sx made it, made plain (see above).
template <class T>
void to_plain(sx::value& v);

/// `v`, plain (from JSON), turned into what typed::from_sx<T> expects
/// wherever the type tells how (see above).
template <class T>
void from_plain(sx::value& v);

/// Function pointers to to_plain<T> / from_plain<T> (no_* types: nothing to do).
using plain_converter = void (*)(sx::value&);

} // namespace sxtp::typed

#include <sxtp/typed/impl/plain.hpp>

#endif
