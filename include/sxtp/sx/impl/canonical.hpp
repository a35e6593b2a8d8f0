// Definitions of the canonical printer.
#ifndef SXTP_SX_IMPL_CANONICAL_HPP
#define SXTP_SX_IMPL_CANONICAL_HPP

#include <sxtp/sx/detail/small_stack.hpp>
#include <sxtp/sx/detail/write_atom.hpp>

namespace sxtp::sx {

template <sink Sink>
error write_canonical(Sink& out, const value& root) {
    if (root.is_atom()) return detail::write_atom(out, root);
    struct level {
        const value* items;
        std::size_t count;  // values, so a dict counts keys and values
        std::size_t next;
        bool dict;
    };
    detail::small_stack<level, 32> stack;
    auto open = [&](const value& v) {
        const bool dict = v.is_dict();
        if (v.empty()) {
            out.append(dict ? "{}" : "()", 2);
            return;
        }
        out.push_back(dict ? '{' : '(');
        const value* first = dict ? &(*v.entries().begin()).key : v.items().data();
        stack.push({first, dict ? 2 * v.size() : v.size(), 0, dict});
    };
    open(root);
    while (!stack.empty()) {
        if constexpr (requires { out.full(); }) {
            if (out.full()) return error{};
        }
        level& top = stack.top();
        if (top.next == top.count) {
            out.push_back(top.dict ? '}' : ')');
            stack.pop();
            continue;
        }
        if (top.next > 0) out.push_back(' ');
        const value& v = top.items[top.next++];
        if (v.is_atom()) {
            if (const error e = detail::write_atom(out, v); e != error{}) return e;
        } else {
            open(v);  // may grow the stack; `top` is not used after this
        }
    }
    return error{};
}

inline boost::system::result<std::string> try_canonical(const value& v) {
    std::string out;
    if (const error e = write_canonical(out, v); e != error{}) return boost::system::error_code(e);
    return out;
}

inline std::string canonical(const value& v) {
    std::string out;
    if (const error e = write_canonical(out, v); e != error{}) throw boost::system::system_error(e);
    return out;
}

} // namespace sxtp::sx

#endif
