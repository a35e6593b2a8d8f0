// sxtp/server/route_table.hpp — matching a request's verb and path against
// the registered path patterns (SPEC §5), sans I/O.
//
//   sxtp::route_table routes;
//   routes.add("fetch", "/blog/posts/{id}");            // route 0
//   routes.add("fetch", "/blog/posts/new");             // route 1: literal segments win
//   auto m = routes.find("fetch", "/blog/posts/hello%20world");
//   // m.kind == found, m.route == 0, m.params == {{"id", "hello world"}}
//
// A path that matches no pattern is `not_found`; a path that matches
// patterns of other verbs only is `wrong_verb`, with those verbs (for the
// unsupported-verb condition). Among matching patterns the one with more
// literal segments wins, then the one added first. Parameter values are
// percent-decoded; a malformed escape makes the segment match nothing.
#ifndef SXTP_SERVER_ROUTE_TABLE_HPP
#define SXTP_SERVER_ROUTE_TABLE_HPP

#include <sxtp/typed/endpoint.hpp>

#include <algorithm>
#include <cstddef>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sxtp {

/// Percent-decodes one path segment; nullopt for a malformed escape.
inline std::optional<std::string> percent_decode(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    auto hex = [](char c) -> int {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        return -1;
    };
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] != '%') {
            out.push_back(s[i]);
            continue;
        }
        if (i + 2 >= s.size()) return std::nullopt;
        const int hi = hex(s[i + 1]), lo = hex(s[i + 2]);
        if (hi < 0 || lo < 0) return std::nullopt;
        out.push_back(static_cast<char>(hi * 16 + lo));
        i += 2;
    }
    return out;
}

class route_table {
public:
    /// The outcome of find().
    struct match {
        enum kind_type { found, not_found, wrong_verb } kind = not_found;
        std::size_t route = 0;                                     ///< index given by add(), when found
        std::vector<std::pair<std::string, std::string>> params;  ///< {name, decoded value}, when found
        std::vector<std::string> available_verbs;                  ///< sorted, when wrong_verb
    };

    /// Registers a pattern; returns its route index. Throws std::invalid_argument
    /// for a malformed pattern or a verb and pattern already registered.
    std::size_t add(std::string_view verb, std::string_view pattern) {
        if (!sxtp::detail::valid_path_pattern(pattern)) throw std::invalid_argument("sxtp: malformed path pattern " + std::string(pattern));
        if (!sx::is_valid_symbol_name(verb)) throw std::invalid_argument("sxtp: verb is not a symbol: " + std::string(verb));
        for (const route& r : routes_)
            if (r.verb == verb && r.pattern == pattern)
                throw std::invalid_argument("sxtp: route registered twice: " + std::string(verb) + ' ' + std::string(pattern));
        route r{std::string(verb), std::string(pattern), {}, 0};
        for (std::string_view seg : split(pattern)) r.segments.emplace_back(seg);
        for (const std::string& seg : r.segments) r.literals += !is_param(seg);
        routes_.push_back(std::move(r));
        return routes_.size() - 1;
    }

    /// Matches `verb` and `path` (the request's :path, without a query part).
    match find(std::string_view verb, std::string_view path) const {
        match best;
        const std::vector<std::string_view> segments = split(path);
        int best_literals = -1;
        for (std::size_t i = 0; i < routes_.size(); ++i) {
            const route& r = routes_[i];
            std::vector<std::pair<std::string, std::string>> params;
            if (!matches(r, segments, params)) continue;
            if (r.verb != verb) {
                if (std::find(best.available_verbs.begin(), best.available_verbs.end(), r.verb) == best.available_verbs.end())
                    best.available_verbs.push_back(r.verb);
                continue;
            }
            if (static_cast<int>(r.literals) > best_literals) {
                best_literals = static_cast<int>(r.literals);
                best.kind = match::found;
                best.route = i;
                best.params = std::move(params);
            }
        }
        if (best.kind != match::found && !best.available_verbs.empty()) best.kind = match::wrong_verb;
        std::sort(best.available_verbs.begin(), best.available_verbs.end());
        if (best.kind == match::found) best.available_verbs.clear();
        return best;
    }

    /// The verbs registered for the patterns `path` matches, sorted (for inspect).
    std::vector<std::string> verbs_for(std::string_view path) const {
        std::vector<std::string> out;
        const std::vector<std::string_view> segments = split(path);
        for (const route& r : routes_) {
            std::vector<std::pair<std::string, std::string>> ignored;
            if (matches(r, segments, ignored) && std::find(out.begin(), out.end(), r.verb) == out.end()) out.push_back(r.verb);
        }
        std::sort(out.begin(), out.end());
        return out;
    }

    /// The routes whose patterns `path` matches, in registration order.
    std::vector<std::size_t> routes_for(std::string_view path) const {
        std::vector<std::size_t> out;
        const std::vector<std::string_view> segments = split(path);
        for (std::size_t i = 0; i < routes_.size(); ++i) {
            std::vector<std::pair<std::string, std::string>> ignored;
            if (matches(routes_[i], segments, ignored)) out.push_back(i);
        }
        return out;
    }

    std::size_t size() const noexcept { return routes_.size(); }
    /// Route `i`'s pattern, as registered.
    std::string_view pattern(std::size_t i) const { return routes_.at(i).pattern; }
    /// Route `i` as "VERB PATTERN", for messages.
    std::string describe(std::size_t i) const { return routes_.at(i).verb + ' ' + routes_.at(i).pattern; }

private:
    struct route {
        std::string verb;
        std::string pattern;
        std::vector<std::string> segments;
        std::size_t literals;
    };

    static bool is_param(std::string_view seg) noexcept { return seg.size() >= 3 && seg.front() == '{' && seg.back() == '}'; }

    // "/a/b/" -> {"a", "b", ""}; "/" -> {""} (views into `path`).
    static std::vector<std::string_view> split(std::string_view path) {
        std::vector<std::string_view> out;
        if (path.empty() || path[0] != '/') return out;
        std::size_t i = 1;
        for (;;) {
            const std::size_t end = path.find('/', i);
            out.emplace_back(path.substr(i, end == std::string_view::npos ? std::string_view::npos : end - i));
            if (end == std::string_view::npos) break;
            i = end + 1;
        }
        return out;
    }

    static bool matches(const route& r, const std::vector<std::string_view>& segments, std::vector<std::pair<std::string, std::string>>& params) {
        if (segments.size() != r.segments.size()) return false;
        for (std::size_t k = 0; k < segments.size(); ++k) {
            const std::string& pat = r.segments[k];
            if (is_param(pat)) {
                if (segments[k].empty()) return false;
                auto value = percent_decode(segments[k]);
                if (!value) return false;
                params.emplace_back(pat.substr(1, pat.size() - 2), std::move(*value));
            } else if (pat != segments[k]) {
                return false;
            }
        }
        return true;
    }

    std::vector<route> routes_;
};

} // namespace sxtp

#endif
