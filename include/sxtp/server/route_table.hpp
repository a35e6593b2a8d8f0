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

#include <sxtp/rpc/path_pattern.hpp>
#include <sxtp/sx/value.hpp>

#include <algorithm>
#include <cstddef>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sxtp {

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
        if (!sx::is_valid_symbol_name(verb)) throw std::invalid_argument("sxtp: verb is not a symbol: " + std::string(verb));
        for (const route& r : routes_)
            if (r.verb == verb && r.pattern.text() == pattern)
                throw std::invalid_argument("sxtp: route registered twice: " + std::string(verb) + ' ' + std::string(pattern));
        routes_.push_back(route{std::string(verb), path_pattern(pattern)});
        return routes_.size() - 1;
    }

    /// Matches `verb` and `path` (the request's :path, without a query part).
    match find(std::string_view verb, std::string_view path) const {
        match best;
        const std::vector<std::string_view> segments = path_pattern::split(path);
        int best_literals = -1;
        for (std::size_t i = 0; i < routes_.size(); ++i) {
            const route& r = routes_[i];
            std::vector<std::pair<std::string, std::string>> params;
            if (!r.pattern.match(segments, params)) continue;
            if (r.verb != verb) {
                if (std::find(best.available_verbs.begin(), best.available_verbs.end(), r.verb) == best.available_verbs.end())
                    best.available_verbs.push_back(r.verb);
                continue;
            }
            if (static_cast<int>(r.pattern.literals()) > best_literals) {
                best_literals = static_cast<int>(r.pattern.literals());
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
        const std::vector<std::string_view> segments = path_pattern::split(path);
        for (const route& r : routes_) {
            std::vector<std::pair<std::string, std::string>> ignored;
            if (r.pattern.match(segments, ignored) && std::find(out.begin(), out.end(), r.verb) == out.end()) out.push_back(r.verb);
        }
        std::sort(out.begin(), out.end());
        return out;
    }

    /// The routes whose patterns `path` matches, in registration order.
    std::vector<std::size_t> routes_for(std::string_view path) const {
        std::vector<std::size_t> out;
        const std::vector<std::string_view> segments = path_pattern::split(path);
        for (std::size_t i = 0; i < routes_.size(); ++i) {
            std::vector<std::pair<std::string, std::string>> ignored;
            if (routes_[i].pattern.match(segments, ignored)) out.push_back(i);
        }
        return out;
    }

    std::size_t size() const noexcept { return routes_.size(); }
    /// Route `i`'s pattern, as registered.
    std::string_view pattern(std::size_t i) const { return routes_.at(i).pattern.text(); }
    /// Route `i` as "VERB PATTERN", for messages.
    std::string describe(std::size_t i) const { return routes_.at(i).verb + ' ' + routes_.at(i).pattern.text(); }

private:
    struct route {
        std::string verb;
        path_pattern pattern;
    };

    std::vector<route> routes_;
};

} // namespace sxtp

#endif
