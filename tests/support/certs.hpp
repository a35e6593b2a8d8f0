// Test support: a self-signed certificate for 127.0.0.1, ::1 and localhost,
// generated at test time with OpenSSL (nothing secret is committed).
#ifndef SXTP_TESTS_SUPPORT_CERTS_HPP
#define SXTP_TESTS_SUPPORT_CERTS_HPP

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>
#include <stdexcept>
#include <string>

namespace sxtp_test {

struct test_certificate {
    std::string certificate_pem;  // also the CA to trust
    std::string private_key_pem;
};

namespace detail {
inline std::string bio_text(BIO* b) {
    char* data = nullptr;
    const long n = BIO_get_mem_data(b, &data);
    return std::string(data, static_cast<std::size_t>(n));
}
} // namespace detail

/// A fresh P-256 key and a self-signed certificate (CA:true) valid for a day
/// for `common_name`, with subjectAltName `alt_names` (OpenSSL syntax).
inline test_certificate make_test_certificate(const std::string& common_name = "localhost",
                                              const std::string& alt_names = "DNS:localhost,IP:127.0.0.1,IP:::1") {
    std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(EVP_EC_gen("P-256"), EVP_PKEY_free);
    if (!key) throw std::runtime_error("EVP_EC_gen failed");
    std::unique_ptr<X509, decltype(&X509_free)> cert(X509_new(), X509_free);
    X509_set_version(cert.get(), 2);
    ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), 1);
    X509_gmtime_adj(X509_getm_notBefore(cert.get()), -60);
    X509_gmtime_adj(X509_getm_notAfter(cert.get()), 24 * 3600);
    X509_set_pubkey(cert.get(), key.get());
    X509_NAME* name = X509_get_subject_name(cert.get());
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(common_name.c_str()), -1, -1, 0);
    X509_set_issuer_name(cert.get(), name);
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, cert.get(), cert.get(), nullptr, nullptr, 0);
    for (auto [nid, value] : {std::pair{NID_subject_alt_name, alt_names.c_str()}, std::pair{NID_basic_constraints, "critical,CA:TRUE"}}) {
        X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
        if (!ext) throw std::runtime_error("X509V3_EXT_conf_nid failed");
        X509_add_ext(cert.get(), ext, -1);
        X509_EXTENSION_free(ext);
    }
    if (X509_sign(cert.get(), key.get(), EVP_sha256()) == 0) throw std::runtime_error("X509_sign failed");
    std::unique_ptr<BIO, decltype(&BIO_free)> c(BIO_new(BIO_s_mem()), BIO_free), k(BIO_new(BIO_s_mem()), BIO_free);
    PEM_write_bio_X509(c.get(), cert.get());
    PEM_write_bio_PrivateKey(k.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr);
    return {detail::bio_text(c.get()), detail::bio_text(k.get())};
}

} // namespace sxtp_test

#endif
