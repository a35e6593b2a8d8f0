// sxtp/security/nonce_cache.hpp — the nonces of signed requests seen inside
// the clock-skew window, so that a captured request cannot be replayed.
// Needs OpenSSL (link `sxtp::openssl`).
//
// Memory is bounded by `max_entries`. Entries leave once their request time
// falls out of the window. When the cache is full the oldest entry goes and
// its time becomes a floor: requests signed at or before the floor are
// refused from then on (they could be replays of what was forgotten). Under
// a flood the effective window thus shrinks instead of memory growing; size
// it as rate × (2 × skew window) to keep the whole window.
//
// The hash table is keyed with SipHash-2-4 under a random per-cache key, so
// a peer cannot choose nonces that collide (hash flooding). Thread-safe.
#ifndef SXTP_SECURITY_NONCE_CACHE_HPP
#define SXTP_SECURITY_NONCE_CACHE_HPP

#include <sxtp/security/hmac.hpp>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/rand.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>

namespace sxtp::security {

/// A keyed hash of strings: SipHash-2-4 (OpenSSL) under a random key.
class keyed_hash {
public:
    keyed_hash() {
        unsigned char key[16];
        if (RAND_bytes(key, sizeof key) != 1) throw std::runtime_error("sxtp: OpenSSL RAND_bytes failed");
        std::unique_ptr<EVP_MAC, decltype(&EVP_MAC_free)> mac(EVP_MAC_fetch(nullptr, "SIPHASH", nullptr), &EVP_MAC_free);
        if (!mac) throw std::runtime_error("sxtp: OpenSSL SipHash is unavailable");
        base_ = std::shared_ptr<EVP_MAC_CTX>(EVP_MAC_CTX_new(mac.get()), &EVP_MAC_CTX_free);
        std::size_t size = 8;
        OSSL_PARAM params[] = {OSSL_PARAM_construct_size_t(OSSL_MAC_PARAM_SIZE, &size), OSSL_PARAM_construct_end()};
        if (!base_ || EVP_MAC_init(base_.get(), key, sizeof key, params) != 1) throw std::runtime_error("sxtp: OpenSSL SipHash init failed");
        OPENSSL_cleanse(key, sizeof key);
    }
    std::size_t operator()(std::string_view s) const {
        std::unique_ptr<EVP_MAC_CTX, decltype(&EVP_MAC_CTX_free)> c(EVP_MAC_CTX_dup(base_.get()), &EVP_MAC_CTX_free);
        unsigned char out[8];
        std::size_t n = 0;
        if (!c || EVP_MAC_update(c.get(), reinterpret_cast<const unsigned char*>(s.data()), s.size()) != 1 ||
            EVP_MAC_final(c.get(), out, &n, sizeof out) != 1)
            throw std::runtime_error("sxtp: OpenSSL SipHash failed");
        std::uint64_t h = 0;
        std::memcpy(&h, out, sizeof h);
        return static_cast<std::size_t>(h);
    }

private:
    std::shared_ptr<EVP_MAC_CTX> base_;  // shared: copies of the hasher (the table's) use one key
};

class nonce_cache {
public:
    /// What check() decided.
    enum class verdict {
        fresh,     ///< not seen: recorded
        replayed,  ///< seen inside the window
        forgotten  ///< at or before the floor of a full cache: refused, retry with a fresh time
    };

    /// A cache of at most `max_entries` nonces for a window of `window_seconds`
    /// each side of now.
    explicit nonce_cache(std::size_t max_entries = 262144, std::int64_t window_seconds = 300)
        : max_(std::max<std::size_t>(1, max_entries)), window_(window_seconds) {}

    /// Records (`key_id`, `nonce`) signed at `time`, at Unix time `now`.
    verdict check(std::string_view key_id, std::string_view nonce, std::int64_t time, std::int64_t now) {
        std::string key;
        key.reserve(key_id.size() + 1 + nonce.size());
        key.append(key_id).push_back('\0');
        key.append(nonce);
        std::lock_guard lock(mutex_);
        expire(now);
        if (floor_ && time <= *floor_) return verdict::forgotten;
        auto [it, fresh] = seen_.try_emplace(std::move(key), time);
        if (!fresh) return verdict::replayed;
        by_time_.emplace(time, &it->first);
        while (seen_.size() > max_) {
            const auto oldest = by_time_.begin();
            floor_ = std::max(floor_.value_or(oldest->first), oldest->first);
            seen_.erase(*oldest->second);
            by_time_.erase(oldest);
        }
        if (floor_ && time <= *floor_) return verdict::forgotten;  // the flood reached this request's own second
        return verdict::fresh;
    }

    std::size_t size() const {
        std::lock_guard lock(mutex_);
        return seen_.size();
    }

private:
    // Entries whose time is out of the window can never be accepted again.
    void expire(std::int64_t now) {
        while (!by_time_.empty() && by_time_.begin()->first < now - window_) {
            seen_.erase(*by_time_.begin()->second);
            by_time_.erase(by_time_.begin());
        }
        if (floor_ && *floor_ < now - window_) floor_.reset();
    }

    struct hash {
        keyed_hash h;
        std::size_t operator()(const std::string& s) const { return h(s); }
    };

    mutable std::mutex mutex_;
    std::size_t max_;
    std::int64_t window_;
    std::unordered_map<std::string, std::int64_t, hash> seen_;
    std::multimap<std::int64_t, const std::string*> by_time_;
    std::optional<std::int64_t> floor_;
};

} // namespace sxtp::security

#endif
