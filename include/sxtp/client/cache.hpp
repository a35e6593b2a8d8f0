// sxtp/client/cache.hpp — the client side of SPEC §8: answers kept by verb,
// path and canonical params, bounded by bytes (least recently used goes
// first).
//
//   auto cache = std::make_shared<sxtp::response_cache>(64 << 20);
//   client_options o;  o.cache = cache;
//
// What the server's answer says decides: `:cache :immutable` answers are
// served from the cache from then on without asking; `:cache :revalidate`
// answers are kept, and the next identical call sends `:if-match` with their
// `:content-hash` — a not-modified answer is replaced by the kept one; any
// other answer (`:cache :none`, no `:cache`, a failure) is not kept and
// drops what was kept under its key. Streams are never cached.
//
// An answer with `:vary (:language :accept …)` is kept per value of those
// request headers (SPEC §6, as HTTP's Vary): the cache remembers which
// headers a path varies on, and a request is served only the answer kept
// for its own values of them (absent counts as a value).
//
// The key does not include the body, the cookies or the caller's identity:
// share one cache only between clients that act for the same caller.
// Thread-safe (one mutex), so clients on several threads may share it.
#ifndef SXTP_CLIENT_CACHE_HPP
#define SXTP_CLIENT_CACHE_HPP

#include <sxtp/sx/printer.hpp>
#include <sxtp/wire/messages.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

namespace sxtp {

class response_cache {
public:
    /// What the cache did so far.
    struct counters {
        std::uint64_t hits = 0;         ///< immutable answers served without a request
        std::uint64_t revalidated = 0;  ///< not-modified answers replaced by the kept answer
        std::uint64_t misses = 0;       ///< calls that went to the server and got a full answer
        std::uint64_t evictions = 0;    ///< entries dropped to stay within the byte bound
    };

    /// One kept answer.
    struct entry {
        std::shared_ptr<const response> answer;
        std::string hash;
        bool immutable = false;
    };

    /// A cache of at most `max_bytes` (the canonical size of the kept
    /// answers' bodies plus their keys).
    explicit response_cache(std::size_t max_bytes = std::size_t{16} << 20) : max_bytes_(max_bytes) {}

    /// The key of `req`: verb, path and the canonical form of its params.
    static std::string key(const request& req) {
        std::string k(req.verb.name());
        k.push_back('\n');
        k.append(req.path).push_back('\n');
        if (req.params && sx::write_canonical(k, *req.params) != sx::error{}) return {};  // no canonical form: not cacheable
        return k;
    }

    /// The key under which `req`'s answer is kept: key(req) (its `base`),
    /// extended by the request's values of the headers that the last answer
    /// for `base` said it varies on.
    std::string variant_key(const std::string& base, const request& req) const {
        std::lock_guard lock(mutex_);
        const auto it = vary_.find(base);
        return it == vary_.end() ? base : with_values(base, it->second, req);
    }

    /// The entry kept under `key`, if any (it becomes the most recently used).
    std::optional<entry> find(const std::string& key) {
        std::lock_guard lock(mutex_);
        const auto it = index_.find(key);
        if (it == index_.end()) return std::nullopt;
        lru_.splice(lru_.begin(), lru_, it->second);
        return it->second->e;
    }

    /// Counts an immutable answer served from the cache.
    void count_hit() {
        std::lock_guard lock(mutex_);
        ++stats_.hits;
    }

    /// The answer a call returns, given what the server said (`fresh`) and
    /// the entry whose hash the call sent as `:if-match`. `base` is
    /// key(req), `key` the variant_key the call looked up, `req` the request
    /// (its headers, for `:vary`). Keeps, replaces or drops the entry as the
    /// answer says (see above).
    response settle(const std::string& base, std::string key, const request& req, const std::optional<entry>& sent, response fresh) {
        std::lock_guard lock(mutex_);
        if (fresh.status.is_success() && fresh.headers && fresh.headers->vary) {  // what this path varies on, from now on
            std::vector<std::string> names;
            for (const auto& k : *fresh.headers->vary) names.emplace_back(k.name());
            std::sort(names.begin(), names.end());
            names.erase(std::unique(names.begin(), names.end()), names.end());
            if (names.size() > 16) names.resize(16);  // a server's list, bounded
            drop(key);
            key = with_values(base, names, req);
            if (vary_.size() >= max_varying && !vary_.count(base)) vary_.erase(vary_.begin());
            vary_.insert_or_assign(base, std::move(names));
        }
        if (fresh.status.code() == status_code::not_modified && sent) {
            const bool same = !fresh.headers || !fresh.headers->content_hash || *fresh.headers->content_hash == sent->hash;
            if (same) {
                ++stats_.revalidated;
                return *sent->answer;
            }
        }
        ++stats_.misses;
        drop(key);
        const std::string_view policy = fresh.headers && fresh.headers->cache ? fresh.headers->cache->name() : std::string_view();
        if (!fresh.status.is_success() || fresh.stream.value_or(false) || !fresh.headers || !fresh.headers->content_hash ||
            (policy != "immutable" && policy != "revalidate"))
            return fresh;
        std::size_t size = key.size();
        if (fresh.body) {
            size_counter c;
            if (sx::write_canonical(c, *fresh.body) != sx::error{}) return fresh;
            size += c.n;
        }
        if (size > max_bytes_) return fresh;
        while (size > max_bytes_ - bytes_ && !lru_.empty()) {  // bytes_ <= max_bytes_: no wrap, whatever the bound
            ++stats_.evictions;
            drop(lru_.back().key);
        }
        lru_.push_front(node{key, {std::make_shared<const response>(fresh), *fresh.headers->content_hash, policy == "immutable"}, size});
        index_.emplace(key, lru_.begin());
        bytes_ += size;
        return fresh;
    }

    /// settle() for a request without headers, kept under `key` itself.
    response settle(const std::string& key, const std::optional<entry>& sent, response fresh) {
        return settle(key, key, request{}, sent, std::move(fresh));
    }

    counters stats() const {
        std::lock_guard lock(mutex_);
        return stats_;
    }
    /// Bytes kept (at most the bound).
    std::size_t bytes() const {
        std::lock_guard lock(mutex_);
        return bytes_;
    }
    std::size_t size() const {
        std::lock_guard lock(mutex_);
        return index_.size();
    }

private:
    struct node {
        std::string key;
        entry e;
        std::size_t size;
    };
    struct size_counter {
        std::size_t n = 0;
        void append(const char*, std::size_t k) { n += k; }
        void push_back(char) { ++n; }
    };
    // `base` and, for each header name, the request's value of it.
    static std::string with_values(const std::string& base, const std::vector<std::string>& names, const request& req) {
        std::string k = base;
        const sx::value h = req.headers ? typed::to_sx(*req.headers) : sx::value();
        for (const auto& n : names) {
            k.append("\n:").append(n).push_back('=');
            const sx::value* v = h.is_dict() ? h.find(std::string_view(n)) : nullptr;
            if (!v || sx::write_canonical(k, *v) != sx::error{}) k.push_back('-');
        }
        return k;
    }
    void drop(const std::string& key) {
        const auto it = index_.find(key);
        if (it == index_.end()) return;
        bytes_ -= it->second->size;
        lru_.erase(it->second);
        index_.erase(it);
    }

    mutable std::mutex mutex_;
    std::size_t max_bytes_;
    std::size_t bytes_ = 0;
    std::list<node> lru_;
    std::unordered_map<std::string, std::list<node>::iterator> index_;
    static constexpr std::size_t max_varying = 65536;  // paths whose :vary is remembered
    std::unordered_map<std::string, std::vector<std::string>> vary_;  // base key: the headers its answers vary on
    counters stats_;
};

} // namespace sxtp

#endif
