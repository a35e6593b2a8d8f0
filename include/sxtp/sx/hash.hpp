// sxtp/sx/hash.hpp — content hashes (SPEC §1): "sha3-" + lowercase hex of
// SHA3-256 over the canonical form. Needs OpenSSL (link `sxtp::openssl`).
#ifndef SXTP_SX_HASH_HPP
#define SXTP_SX_HASH_HPP

#include <sxtp/sx/printer.hpp>

#include <boost/system/result.hpp>

#include <string>
#include <string_view>

namespace sxtp::sx {

/// The content hash of `v`, computed while printing its canonical form (the
/// canonical text is streamed into the digest, never held whole). Throws
/// `boost::system::system_error` for values without a canonical form (NaN,
/// infinities, non-UTF-8 strings) and `std::runtime_error` if OpenSSL fails.
std::string content_hash(const value& v);

/// As `content_hash`, returning the encoding error instead of throwing it.
boost::system::result<std::string> try_content_hash(const value& v);

/// "sha3-" + hex SHA3-256 of `canonical_text`, which the caller vouches is
/// already canonical (for example bytes received in a `:content-hash` check).
std::string content_hash_of_canonical(std::string_view canonical_text);

} // namespace sxtp::sx

#include <sxtp/sx/impl/hash.hpp>

#endif
