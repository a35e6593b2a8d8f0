// sxtp/net/tls.hpp — TLS settings for sxtps:// (SPEC §9): TLS 1.2 or
// newer, ALPN "sxtp/1", certificate verification on by default in clients.
// Needs the sxtp::openssl (or sxtp::net) target.
//
//   auto server_ctx = sxtp::net::make_server_tls_context({.certificate_chain_pem = chain, .private_key_pem = key});
//   auto client_ctx = sxtp::net::make_client_tls_context({.ca_pem = ca});   // or {} for the system's CAs
//
// The server refuses a client that offers ALPN protocols without "sxtp/1"
// (a client that offers none is served: tools like openssl s_client). The
// client offers only "sxtp/1" and checks the server's certificate chain and
// host name (SNI is sent for names, not for IP literals).
#ifndef SXTP_NET_TLS_HPP
#define SXTP_NET_TLS_HPP

#include <sxtp/net/address.hpp>

#include <boost/asio/ssl.hpp>

#include <openssl/ssl.h>

#include <memory>
#include <string>
#include <string_view>

namespace sxtp::net {

/// A server's certificate and key, as PEM text or as file names (PEM).
struct tls_server_config {
    std::string certificate_chain_pem;
    std::string private_key_pem;
    std::string certificate_chain_file;
    std::string private_key_file;
};

/// Which servers a client trusts.
struct tls_client_config {
    /// Trusted CA certificates as PEM text, or a PEM file; both empty: the system's CAs.
    std::string ca_pem;
    std::string ca_file;
    /// Skips certificate and host name verification (testing only; `sxtp --insecure`).
    bool insecure = false;
};

namespace detail {

// The ALPN wire form: one length byte, then the id.
inline std::string alpn_wire(std::string_view id = alpn_protocol) {
    std::string w(1, static_cast<char>(id.size()));
    w += id;
    return w;
}

inline void tls_common(boost::asio::ssl::context& ctx) {
    ctx.set_options(boost::asio::ssl::context::default_workarounds | boost::asio::ssl::context::no_sslv2 |
                    boost::asio::ssl::context::no_sslv3 | boost::asio::ssl::context::no_tlsv1 |
                    boost::asio::ssl::context::no_tlsv1_1 | boost::asio::ssl::context::single_dh_use);
    SSL_CTX_set_min_proto_version(ctx.native_handle(), TLS1_2_VERSION);
}

// A context and the ALPN id its callback selects (kept alive with it).
struct context_with_alpn {
    explicit context_with_alpn(boost::asio::ssl::context::method m, std::string_view alpn) : ctx(m), wire(alpn_wire(alpn)) {}
    boost::asio::ssl::context ctx;
    std::string wire;
};

inline int select_alpn(SSL*, const unsigned char** out, unsigned char* outlen, const unsigned char* in, unsigned int inlen, void* arg) {
    const std::string& ours = static_cast<context_with_alpn*>(arg)->wire;
    unsigned char* selected = nullptr;
    if (SSL_select_next_proto(&selected, outlen, reinterpret_cast<const unsigned char*>(ours.data()),
                              static_cast<unsigned>(ours.size()), in, inlen) != OPENSSL_NPN_NEGOTIATED)
        return SSL_TLSEXT_ERR_ALERT_FATAL;
    *out = selected;
    return SSL_TLSEXT_ERR_OK;
}

} // namespace detail

/// A TLS context for servers, selecting ALPN `alpn` (SXTP's "sxtp/1" by
/// default; "h2" for the Mesh transport). Throws boost::system::system_error
/// for a bad certificate or key.
inline std::shared_ptr<boost::asio::ssl::context> make_server_tls_context(const tls_server_config& cfg, std::string_view alpn = alpn_protocol) {
    auto owner = std::make_shared<detail::context_with_alpn>(boost::asio::ssl::context::tls_server, alpn);
    std::shared_ptr<boost::asio::ssl::context> ctx(owner, &owner->ctx);
    detail::tls_common(*ctx);
    if (!cfg.certificate_chain_pem.empty())
        ctx->use_certificate_chain(boost::asio::buffer(cfg.certificate_chain_pem));
    else
        ctx->use_certificate_chain_file(cfg.certificate_chain_file);
    if (!cfg.private_key_pem.empty())
        ctx->use_private_key(boost::asio::buffer(cfg.private_key_pem), boost::asio::ssl::context::pem);
    else
        ctx->use_private_key_file(cfg.private_key_file, boost::asio::ssl::context::pem);
    SSL_CTX_set_alpn_select_cb(ctx->native_handle(), &detail::select_alpn, owner.get());
    return ctx;
}

/// A TLS context for clients, offering ALPN `alpn` (see above). Throws
/// boost::system::system_error for a bad CA.
inline std::shared_ptr<boost::asio::ssl::context> make_client_tls_context(const tls_client_config& cfg = {}, std::string_view alpn = alpn_protocol) {
    auto ctx = std::make_shared<boost::asio::ssl::context>(boost::asio::ssl::context::tls_client);
    detail::tls_common(*ctx);
    if (cfg.insecure) {
        ctx->set_verify_mode(boost::asio::ssl::verify_none);
    } else {
        ctx->set_verify_mode(boost::asio::ssl::verify_peer);
        if (!cfg.ca_pem.empty())
            ctx->add_certificate_authority(boost::asio::buffer(cfg.ca_pem));
        else if (!cfg.ca_file.empty())
            ctx->load_verify_file(cfg.ca_file);
        else
            ctx->set_default_verify_paths();
    }
    const std::string wire = detail::alpn_wire(alpn);
    SSL_CTX_set_alpn_protos(ctx->native_handle(), reinterpret_cast<const unsigned char*>(wire.data()), static_cast<unsigned>(wire.size()));
    return ctx;
}

/// Prepares a client TLS stream for `host`: SNI (for names) and host name
/// verification (unless the context is insecure).
template <class Stream>
void prepare_client_tls(Stream& s, const std::string& host, bool verify) {
    boost::system::error_code ec;
    boost::asio::ip::make_address(host, ec);
    if (ec) SSL_set_tlsext_host_name(s.native_handle(), host.c_str());  // SNI takes names, not IP literals
    if (verify) s.set_verify_callback(boost::asio::ssl::host_name_verification(host));
}

/// The ALPN protocol the handshake selected ("" when none).
template <class Stream>
std::string negotiated_alpn(Stream& s) {
    const unsigned char* p = nullptr;
    unsigned int n = 0;
    SSL_get0_alpn_selected(s.native_handle(), &p, &n);
    return p ? std::string(reinterpret_cast<const char*>(p), n) : std::string();
}

} // namespace sxtp::net

#endif
