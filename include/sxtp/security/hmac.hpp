// sxtp/security/hmac.hpp — HMAC-SHA256 request signatures for internal calls
// (SPEC §7): what is signed, how, and how it is checked. Needs OpenSSL (link
// `sxtp::openssl`).
//
// A signed request carries
//
//   :auth (hmac :key-id "K" :time T :nonce "N" :signature "S")
//
// where T is the signer's Unix time in seconds, N a fresh random string (at
// most 64 bytes; the client sends 32 hex digits) and S the lowercase hex
// HMAC-SHA256, under the secret named by K, of the text
//
//   SXTP-HMAC-SHA256 "\n" K "\n" T "\n" N "\n" CANONICAL-REQUEST
//
// CANONICAL-REQUEST is the canonical form (SPEC §1) of the request rebuilt
// from its known fields, in SPEC §3's order, without `:tag` (connection
// bookkeeping, assigned after signing) and `:auth`, absent fields left out:
//
//   (request :verb V :path P [:headers H] [:cookies C] [:params X]
//            [:capabilities L] [:stream B] [:body Y])
//
// Field order is fixed here, not taken from the wire, and dicts are sorted
// by the canonical form, so signer and verifier agree however the message
// was written. Unknown request fields are not signed (they are ignored by
// receivers anyway). docs/security.md has test vectors.
#ifndef SXTP_SECURITY_HMAC_HPP
#define SXTP_SECURITY_HMAC_HPP

#include <sxtp/sx/printer.hpp>
#include <sxtp/typed/codec.hpp>
#include <sxtp/wire/messages.hpp>

#include <boost/hana/define_struct.hpp>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <array>
#include <cstdint>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>

namespace sxtp::security {

/// The scheme name that starts every signed text.
inline constexpr std::string_view hmac_scheme = "SXTP-HMAC-SHA256";
/// Longest accepted `:nonce` and `:key-id`, in bytes.
inline constexpr std::size_t max_nonce_size = 64;

/// The `:auth` value of an HMAC-signed request.
struct hmac_auth {
    static constexpr std::string_view sxtp_form = "hmac";
    BOOST_HANA_DEFINE_STRUCT(hmac_auth,
        (std::string, key_id),
        (std::int64_t, time),
        (std::string, nonce),
        (std::string, signature));
};

/// Lowercase hex of `bytes`.
inline std::string to_hex(std::span<const unsigned char> bytes) {
    static constexpr char digits[] = "0123456789abcdef";
    std::string out(bytes.size() * 2, '0');
    for (std::size_t i = 0; i < bytes.size(); ++i) {
        out[2 * i] = digits[bytes[i] >> 4];
        out[2 * i + 1] = digits[bytes[i] & 15];
    }
    return out;
}

/// HMAC-SHA256 of `data` under `key`, as 32 bytes.
inline std::array<unsigned char, 32> hmac_sha256(std::string_view key, std::string_view data) {
    std::array<unsigned char, 32> out{};
    unsigned int len = 0;
    if (key.size() > static_cast<std::size_t>(INT32_MAX) ||
        !HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(data.data()), data.size(),
              out.data(), &len) ||
        len != out.size())
        throw std::runtime_error("sxtp: OpenSSL HMAC-SHA256 failed");
    return out;
}

/// Lowercase hex HMAC-SHA256 of `data` under `key`.
inline std::string hmac_sha256_hex(std::string_view key, std::string_view data) {
    const auto d = hmac_sha256(key, data);
    return to_hex(d);
}

/// Whether `a` and `b` are equal, in time that depends only on their sizes.
inline bool equal_constant_time(std::string_view a, std::string_view b) noexcept {
    return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

/// `n` random bytes from OpenSSL's CSPRNG, as hex.
inline std::string random_hex(std::size_t n = 16) {
    std::string bytes(n, '\0');
    if (n > static_cast<std::size_t>(INT32_MAX) || RAND_bytes(reinterpret_cast<unsigned char*>(bytes.data()), static_cast<int>(n)) != 1)
        throw std::runtime_error("sxtp: OpenSSL RAND_bytes failed");
    return to_hex(std::span(reinterpret_cast<const unsigned char*>(bytes.data()), n));
}

/// Appends CANONICAL-REQUEST (see the top of this file) to `out`. Throws
/// boost::system::system_error for a request with no canonical form (NaN,
/// non-UTF-8 strings).
template <sx::sink Sink>
void write_signed_request(Sink& out, const sxtp::request& req) {
    auto put = [&out](std::string_view s) { out.append(s.data(), s.size()); };
    auto value = [&out](const sx::value& v) {
        if (const sx::error e = sx::write_canonical(out, v); e != sx::error{}) throw boost::system::system_error(e);
    };
    put("(request :verb ");
    value(sx::value::make_symbol_unchecked(req.verb.name()));
    put(" :path ");
    value(sx::value(req.path));
    if (req.headers) put(" :headers "), value(typed::to_sx(*req.headers));
    if (req.cookies) put(" :cookies "), value(typed::to_sx(*req.cookies));
    if (req.params) put(" :params "), value(*req.params);
    if (req.capabilities) put(" :capabilities "), value(typed::to_sx(*req.capabilities));
    if (req.stream) put(*req.stream ? " :stream true" : " :stream false");
    if (req.body) put(" :body "), value(*req.body);
    put(")");
}

/// The text an HMAC signature covers (see the top of this file).
inline std::string string_to_sign(std::string_view key_id, std::int64_t time, std::string_view nonce, const sxtp::request& req) {
    std::string s;
    s.reserve(128 + key_id.size() + nonce.size());
    s.append(hmac_scheme).push_back('\n');
    s.append(key_id).push_back('\n');
    s.append(std::to_string(time)).push_back('\n');
    s.append(nonce).push_back('\n');
    write_signed_request(s, req);
    return s;
}

/// Signs `req` in place: sets `:auth (hmac …)` for `key_id` and `secret` at
/// Unix time `time` with `nonce` (a fresh random one when empty). Whatever
/// `:tag` the request has is not covered and may change afterwards.
inline void sign(sxtp::request& req, std::string_view key_id, std::string_view secret, std::int64_t time, std::string nonce = {}) {
    if (nonce.empty()) nonce = random_hex(16);
    hmac_auth a;
    a.key_id = std::string(key_id);
    a.time = time;
    a.signature = hmac_sha256_hex(secret, string_to_sign(key_id, time, nonce, req));
    a.nonce = std::move(nonce);
    req.auth = typed::to_sx(a);
}

} // namespace sxtp::security

#endif
