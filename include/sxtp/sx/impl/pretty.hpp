// Definitions of the pretty printer. Recursion is bounded: below
// `max_break_depth` containers are printed on one line by the iterative
// canonical printer.
#ifndef SXTP_SX_IMPL_PRETTY_HPP
#define SXTP_SX_IMPL_PRETTY_HPP

#include <sxtp/sx/detail/write_atom.hpp>

namespace sxtp::sx {
namespace detail {

// Counts bytes and stops the canonical printer once past `limit`.
struct width_probe {
    std::size_t n = 0;
    std::size_t limit;
    void append(const char*, std::size_t k) noexcept { n += k; }
    void push_back(char) noexcept { ++n; }
    bool full() const noexcept { return n > limit; }
};

class pretty_printer {
public:
    pretty_printer(std::string& out, const pretty_options& o) : out_(out), width_(o.width) {}

    void print(const value& v, std::size_t depth) {
        if (v.is_atom() || v.empty() || depth >= max_break_depth || fits(v)) {
            if (const error e = write_canonical(out_, v); e != error{}) throw boost::system::system_error(e);
            return;
        }
        const std::size_t indent = column() + 1;
        if (v.is_dict()) {
            out_.push_back('{');
            bool first = true;
            for (auto [k, val] : v.entries()) {
                if (!first) newline(indent);
                first = false;
                print(k, depth + 1);
                out_.push_back(' ');
                print(val, depth + 1);
            }
            out_.push_back('}');
            return;
        }
        out_.push_back('(');
        const auto items = v.items();
        print(items[0], depth + 1);
        for (std::size_t i = 1; i < items.size();) {
            newline(indent);
            if (items[i].is_keyword() && i + 1 < items.size()) {
                print(items[i], depth + 1);
                out_.push_back(' ');
                print(items[i + 1], depth + 1);
                i += 2;
            } else {
                print(items[i], depth + 1);
                ++i;
            }
        }
        out_.push_back(')');
    }

private:
    static constexpr std::size_t max_break_depth = 64;

    std::size_t column() const noexcept {
        const std::size_t nl = out_.rfind('\n');
        return nl == std::string::npos ? out_.size() : out_.size() - nl - 1;
    }
    bool fits(const value& v) const {
        const std::size_t col = column();
        if (col >= width_) return false;
        width_probe probe{0, width_ - col};
        (void)write_canonical(probe, v);
        return !probe.full();
    }
    void newline(std::size_t indent) {
        out_.push_back('\n');
        out_.append(indent, ' ');
    }

    std::string& out_;
    std::size_t width_;
};

} // namespace detail

inline std::string pretty(const value& v, const pretty_options& options) {
    std::string out;
    detail::pretty_printer(out, options).print(v, 0);
    return out;
}

} // namespace sxtp::sx

#endif
