// Definitions of the content hash, on OpenSSL's EVP interface.
#ifndef SXTP_SX_IMPL_HASH_HPP
#define SXTP_SX_IMPL_HASH_HPP

#include <openssl/evp.h>

#include <memory>
#include <stdexcept>

namespace sxtp::sx::detail {

// A printer sink that feeds SHA3-256 in blocks.
class sha3_256_sink {
public:
    sha3_256_sink() : ctx_(EVP_MD_CTX_new()) {
        if (!ctx_ || EVP_DigestInit_ex(ctx_.get(), EVP_sha3_256(), nullptr) != 1)
            throw std::runtime_error("sxtp: OpenSSL SHA3-256 is unavailable");
    }
    void append(const char* p, std::size_t n) {
        if (n >= sizeof buf_ - used_) {
            flush();
            if (n >= sizeof buf_) {
                update(p, n);
                return;
            }
        }
        std::memcpy(buf_ + used_, p, n);
        used_ += n;
    }
    void push_back(char c) {
        if (used_ == sizeof buf_) flush();
        buf_[used_++] = c;
    }
    /// "sha3-" + 64 lowercase hex digits.
    std::string finish() {
        flush();
        unsigned char md[32];
        unsigned int len = 0;
        if (EVP_DigestFinal_ex(ctx_.get(), md, &len) != 1 || len != sizeof md)
            throw std::runtime_error("sxtp: OpenSSL SHA3-256 failed");
        constexpr char hex[] = "0123456789abcdef";
        std::string out = "sha3-";
        out.reserve(5 + 64);
        for (unsigned char b : md) {
            out.push_back(hex[b >> 4]);
            out.push_back(hex[b & 0xF]);
        }
        return out;
    }

private:
    void flush() {
        update(buf_, used_);
        used_ = 0;
    }
    void update(const char* p, std::size_t n) {
        if (n && EVP_DigestUpdate(ctx_.get(), p, n) != 1) throw std::runtime_error("sxtp: OpenSSL SHA3-256 failed");
    }
    struct ctx_free {
        void operator()(EVP_MD_CTX* c) const noexcept { EVP_MD_CTX_free(c); }
    };
    std::unique_ptr<EVP_MD_CTX, ctx_free> ctx_;
    char buf_[4096];
    std::size_t used_ = 0;
};

} // namespace sxtp::sx::detail

namespace sxtp::sx {

inline boost::system::result<std::string> try_content_hash(const value& v) {
    detail::sha3_256_sink sink;
    if (const error e = write_canonical(sink, v); e != error{}) return boost::system::error_code(e);
    return sink.finish();
}

inline std::string content_hash(const value& v) {
    detail::sha3_256_sink sink;
    if (const error e = write_canonical(sink, v); e != error{}) throw boost::system::system_error(e);
    return sink.finish();
}

inline std::string content_hash_of_canonical(std::string_view canonical_text) {
    detail::sha3_256_sink sink;
    sink.append(canonical_text.data(), canonical_text.size());
    return sink.finish();
}

} // namespace sxtp::sx

#endif
