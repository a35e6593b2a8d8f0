// sxtp/rpc/path_pattern.hpp — the one path-pattern type: "/users/{id}/posts".
// A pattern starts with '/', its segments are separated by '/', and a
// segment is literal text or a whole "{name}" whose name is a C++
// identifier. Endpoints check their pattern at compile time
// (detail::valid_path_pattern); the server matches request paths against
// patterns (percent-decoding parameter segments); the client expands a
// pattern with parameter values (percent-encoding them).
//
//   sxtp::path_pattern p("/users/{id}/posts");
//   std::vector<std::pair<std::string, std::string>> params;
//   p.match("/users/a%20b/posts", params);   // true; params {{"id", "a b"}}
//   sxtp::path_pattern::expand("/users/{id}", [](std::string_view) { return "a b"; });  // "/users/a%20b"
#ifndef SXTP_RPC_PATH_PATTERN_HPP
#define SXTP_RPC_PATH_PATTERN_HPP

#include <array>
#include <cstddef>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sxtp {

namespace detail {
constexpr bool is_ident_char(char c, bool first) {
    return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (!first && c >= '0' && c <= '9');
}
/// Whether `p` is a well-formed path pattern (see the top of this file).
constexpr bool valid_path_pattern(std::string_view p) {
    if (p.empty() || p[0] != '/') return false;
    std::size_t i = 1;
    while (i <= p.size()) {
        const std::size_t end = p.find('/', i) == std::string_view::npos ? p.size() : p.find('/', i);
        const std::string_view seg = p.substr(i, end - i);
        if (seg.empty() && end != p.size()) return false;  // "//"
        if (!seg.empty() && seg.front() == '{') {
            if (seg.size() < 3 || seg.back() != '}') return false;
            const std::string_view name = seg.substr(1, seg.size() - 2);
            for (std::size_t k = 0; k < name.size(); ++k)
                if (!is_ident_char(name[k], k == 0)) return false;
        } else {
            for (char c : seg)
                if (c == '{' || c == '}' || c == '?' || c == '#' || c == ' ') return false;
        }
        i = end + 1;
    }
    return true;
}
/// The names of the "{name}" segments, in order (at most 16).
struct path_params {
    std::array<std::string_view, 16> names{};
    std::size_t count = 0;
};
constexpr path_params params_of_path(std::string_view p) {
    path_params out;
    std::size_t i = 0;
    while ((i = p.find('{', i)) != std::string_view::npos) {
        const std::size_t close = p.find('}', i);
        if (close == std::string_view::npos || out.count == 16) break;
        out.names[out.count++] = p.substr(i + 1, close - i - 1);
        i = close;
    }
    return out;
}
constexpr bool path_params_distinct(std::string_view p) {
    const path_params pp = params_of_path(p);
    for (std::size_t i = 0; i < pp.count; ++i)
        for (std::size_t j = i + 1; j < pp.count; ++j)
            if (pp.names[i] == pp.names[j]) return false;
    return true;
}
} // namespace detail

/// Percent-decodes one path segment; nullopt for a malformed escape.
std::optional<std::string> percent_decode(std::string_view s);
/// Percent-encodes one path segment: unreserved characters and sub-delims
/// (RFC 3986 pchar without '%') stay as they are.
std::string percent_encode_segment(std::string_view s);

/// A parsed path pattern (see the top of this file).
class path_pattern {
public:
    using params_type = std::vector<std::pair<std::string, std::string>>;

    /// Throws std::invalid_argument for a malformed pattern.
    explicit path_pattern(std::string_view pattern);

    /// The pattern as written.
    const std::string& text() const noexcept { return text_; }
    /// Literal segments: a route with more of them wins over one with fewer.
    std::size_t literals() const noexcept { return literals_; }

    /// "/a/b/" → {"a", "b", ""}; "/" → {""}; {} for a path without a
    /// leading '/' (views into `path`). Split once, match many patterns.
    static std::vector<std::string_view> split(std::string_view path);

    /// Whether `path` (split()) fits; appends {name, decoded value} to
    /// `params` when it does. A parameter segment must be non-empty and
    /// decode.
    bool match(const std::vector<std::string_view>& segments, params_type& params) const;
    bool match(std::string_view path, params_type& params) const { return match(split(path), params); }

    /// `pattern` with each "{name}" replaced by `value(name)` (a string,
    /// percent-encoded here; an empty value leaves the segment empty).
    template <class F>
    static std::string expand(std::string_view pattern, F&& value);

private:
    static bool is_param(std::string_view seg) noexcept { return seg.size() >= 3 && seg.front() == '{' && seg.back() == '}'; }

    std::string text_;
    std::vector<std::string> segments_;
    std::size_t literals_ = 0;
};

} // namespace sxtp

#include <sxtp/rpc/impl/path_pattern.hpp>

#endif
