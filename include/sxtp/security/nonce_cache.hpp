// sxtp/security/nonce_cache.hpp — the nonces of signed requests seen inside
// the accepted time window, so that a captured request cannot be replayed.
// Needs OpenSSL (link `sxtp::openssl`).
//
// A request signed at `:time` T is accepted from `past_seconds` behind the
// server's clock to `future_seconds` ahead of it (defaults 300 s and 30 s:
// a future-dated request is remembered for past + future seconds, so the
// future allowance is kept small). Its nonce is remembered until T falls
// out of the window; after that the time check alone refuses a replay.
//
// State is per key id, so that one key's traffic never refuses another
// key's fresh request. Memory is bounded twice:
// - each key id has an equal, fixed share of `max_entries`:
//   max_entries / max_keys nonces (at least one);
// - at most min(max_keys, max_entries) key ids hold state at once. A key id
//   holds state while it has nonces or a floor inside the window; a new key
//   id beyond the cap is refused (verdict::too_many_keys) until one leaves.
//   security_policy sets max_keys to its number of key ids, and only
//   correctly signed requests reach the cache, so it never happens there.
// So size() <= max_entries always.
//
// A key id whose share is full accepts a new nonce only when it was signed
// later than the oldest time the key remembers: that time becomes the
// key's floor, the key's nonces signed at or before it are dropped, and the
// key's requests signed at or before its floor are refused
// (verdict::forgotten: they could replay what was dropped) until the floor
// leaves the window. A request signed at or before the oldest time of a full
// share is refused the same way, without changing anything. A key that
// floods (say, nonces signed at now + future) thus locks out only itself,
// for at most past + future seconds; other keys' shares and floors are
// untouched. Size the cache as keys × rate per key × (past + future).
//
// The hash tables are keyed with SipHash-2-4 under a random per-cache key,
// so a peer cannot choose nonces that collide (hash flooding). Arithmetic
// on times saturates (times are peer-chosen). Thread-safe (one mutex).
#ifndef SXTP_SECURITY_NONCE_CACHE_HPP
#define SXTP_SECURITY_NONCE_CACHE_HPP

#include <sxtp/detail/saturating.hpp>
#include <sxtp/security/hmac.hpp>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/rand.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <iterator>
#include <limits>
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

/// How much a nonce_cache remembers (see the top of this file).
struct nonce_cache_limits {
    std::size_t max_entries = 262144;  ///< nonces in all; each key id's share is max_entries / max_keys
    std::size_t max_keys = 64;         ///< key ids holding state at once
    std::int64_t past_seconds = 300;   ///< oldest accepted time, behind now
    std::int64_t future_seconds = 30;  ///< newest accepted time, ahead of now
};

/// The replay cache of HMAC-signed requests (see the top of this file).
class nonce_cache {
public:
    /// What check() decided.
    enum class verdict {
        fresh,           ///< not seen: recorded
        replayed,        ///< seen inside the window
        forgotten,       ///< at or before the key's floor, or the key's full share remembers only later times: sign again
        out_of_window,   ///< the time is more than past_seconds behind or future_seconds ahead of now
        too_many_keys    ///< a new key id while max_keys key ids hold state
    };

    using limits = nonce_cache_limits;

    /// An empty cache. Negative windows count as 0, a zero max_entries as 1.
    explicit nonce_cache(limits l = {}) : limits_(l) {
        limits_.max_entries = std::max<std::size_t>(1, limits_.max_entries);
        limits_.max_keys = std::clamp<std::size_t>(limits_.max_keys, 1, limits_.max_entries);
        limits_.past_seconds = std::max<std::int64_t>(0, limits_.past_seconds);
        limits_.future_seconds = std::max<std::int64_t>(0, limits_.future_seconds);
        share_ = limits_.max_entries / limits_.max_keys;
    }

    /// Records (`key_id`, `nonce`) signed at `time`, at Unix time `now`:
    /// fresh, or why the request must be refused. Any int64 times are
    /// handled without overflow. Thread-safe. Throws std::runtime_error when
    /// OpenSSL's SipHash fails.
    verdict check(std::string_view key_id, std::string_view nonce, std::int64_t time, std::int64_t now) {
        const std::int64_t oldest = detail::saturating_sub(now, limits_.past_seconds);
        if (time < oldest || time > detail::saturating_add(now, limits_.future_seconds)) return verdict::out_of_window;
        std::string n(nonce);
        std::lock_guard lock(mutex_);
        auto k = keys_.find(key_id);
        if (k == keys_.end()) {
            if (keys_.size() >= limits_.max_keys) sweep(oldest);
            if (keys_.size() >= limits_.max_keys) return verdict::too_many_keys;
            k = keys_.emplace(std::string(key_id), key_state(hash_)).first;
        }
        key_state& s = k->second;
        expire(s, oldest);
        if (s.floor && time <= *s.floor) return verdict::forgotten;
        if (s.seen.contains(n)) return verdict::replayed;
        if (s.seen.size() >= share_) {
            const std::int64_t first = s.by_time.begin()->first;
            if (time <= first) return verdict::forgotten;  // no room, and nothing older to give up for it
            s.floor = first;
            drop_through(s, first);
        }
        auto it = s.seen.emplace(std::move(n), time).first;
        s.by_time.emplace(time, &it->first);
        ++size_;
        return verdict::fresh;
    }

    /// Nonces remembered, over all key ids (at most limits().max_entries).
    std::size_t size() const {
        std::lock_guard lock(mutex_);
        return size_;
    }
    /// Nonces remembered for `key_id` (at most per_key_limit()).
    std::size_t size(std::string_view key_id) const {
        std::lock_guard lock(mutex_);
        const auto k = keys_.find(key_id);
        return k == keys_.end() ? 0 : k->second.seen.size();
    }
    /// Key ids holding state (at most limits().max_keys).
    std::size_t key_count() const {
        std::lock_guard lock(mutex_);
        return keys_.size();
    }
    /// The limits in force (after the constructor's adjustments).
    const limits& bounds() const noexcept { return limits_; }
    /// Each key id's share: max_entries / max_keys.
    std::size_t per_key_limit() const noexcept { return share_; }

private:
    struct hash {
        keyed_hash h;
        std::size_t operator()(const std::string& s) const { return h(s); }
    };
    struct key_state {
        explicit key_state(const keyed_hash& h) : seen(0, hash{h}) {}
        std::unordered_map<std::string, std::int64_t, hash> seen;  // nonce → time
        std::multimap<std::int64_t, const std::string*> by_time;     // keys of `seen`, oldest first
        std::optional<std::int64_t> floor;                           // the latest time this key gave up
    };

    // Drops `s`'s nonces signed at or before `t`.
    void drop_through(key_state& s, std::int64_t t) {
        while (!s.by_time.empty() && s.by_time.begin()->first <= t) {
            s.seen.erase(*s.by_time.begin()->second);
            s.by_time.erase(s.by_time.begin());
            --size_;
        }
    }
    // What is older than the window can never be accepted again: forget it.
    void expire(key_state& s, std::int64_t oldest) {
        if (oldest == std::numeric_limits<std::int64_t>::min()) return;
        drop_through(s, oldest - 1);
        if (s.floor && *s.floor < oldest) s.floor.reset();
    }
    // Expires every key id and drops those left without state.
    void sweep(std::int64_t oldest) {
        for (auto k = keys_.begin(); k != keys_.end();) {
            expire(k->second, oldest);
            k = k->second.seen.empty() && !k->second.floor ? keys_.erase(k) : std::next(k);
        }
    }

    mutable std::mutex mutex_;
    limits limits_;
    std::size_t share_;
    keyed_hash hash_;  // one key for every table
    std::map<std::string, key_state, std::less<>> keys_;
    std::size_t size_ = 0;
};

} // namespace sxtp::security

#endif
