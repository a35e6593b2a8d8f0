// Definitions for sxtp/rpc/path_pattern.hpp.
#ifndef SXTP_RPC_IMPL_PATH_PATTERN_HPP
#define SXTP_RPC_IMPL_PATH_PATTERN_HPP

namespace sxtp {

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

inline std::string percent_encode_segment(std::string_view s) {
    constexpr char hex[] = "0123456789ABCDEF";
    std::string out;
    out.reserve(s.size());
    for (unsigned char c : s) {
        const bool keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                          std::string_view("-._~!$&'()*+,;=:@").find(static_cast<char>(c)) != std::string_view::npos;
        if (keep) {
            out.push_back(static_cast<char>(c));
        } else {
            out.push_back('%');
            out.push_back(hex[c >> 4]);
            out.push_back(hex[c & 0xF]);
        }
    }
    return out;
}

inline path_pattern::path_pattern(std::string_view pattern) : text_(pattern) {
    if (!detail::valid_path_pattern(pattern)) throw std::invalid_argument("sxtp: malformed path pattern " + std::string(pattern));
    for (std::string_view seg : split(pattern)) {
        segments_.emplace_back(seg);
        literals_ += !is_param(seg);
    }
}

inline std::vector<std::string_view> path_pattern::split(std::string_view path) {
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

inline bool path_pattern::match(const std::vector<std::string_view>& segments, params_type& params) const {
    if (segments.size() != segments_.size()) return false;
    const std::size_t before = params.size();
    for (std::size_t k = 0; k < segments.size(); ++k) {
        const std::string& pat = segments_[k];
        if (is_param(pat)) {
            auto value = segments[k].empty() ? std::nullopt : percent_decode(segments[k]);
            if (!value) {
                params.resize(before);
                return false;
            }
            params.emplace_back(pat.substr(1, pat.size() - 2), std::move(*value));
        } else if (pat != segments[k]) {
            params.resize(before);
            return false;
        }
    }
    return true;
}

template <class F>
inline std::string path_pattern::expand(std::string_view pattern, F&& value) {
    std::string path;
    path.reserve(pattern.size() + 16);
    std::size_t at = 0;
    for (std::size_t open; (open = pattern.find('{', at)) != std::string_view::npos;) {
        const std::size_t close = pattern.find('}', open);
        if (close == std::string_view::npos) break;
        path.append(pattern.substr(at, open - at));
        path += percent_encode_segment(value(pattern.substr(open + 1, close - open - 1)));
        at = close + 1;
    }
    path.append(pattern.substr(at));
    return path;
}

} // namespace sxtp

#endif
