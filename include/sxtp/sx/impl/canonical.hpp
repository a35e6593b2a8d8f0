// Definitions of the canonical printer.
#ifndef SXTP_SX_IMPL_CANONICAL_HPP
#define SXTP_SX_IMPL_CANONICAL_HPP

#include <sxtp/sx/detail/small_stack.hpp>
#include <sxtp/sx/detail/write_atom.hpp>

namespace sxtp::sx {

namespace detail {

template <class Writer>
error write_canonical_to(Writer& out, const value& root) {
    if (root.is_atom()) return write_atom(out, root);
    struct level {
        const value* items;
        std::size_t count;  // values, so a dict counts keys and values
        std::size_t next;
        bool dict;
    };
    small_stack<level, 32> stack;
    auto open = [&](const value& v) {
        const bool dict = v.is_dict();
        items_block* b = value_access::block(v);
        if (!b || b->size == 0) {
            out.put(dict ? "{}" : "()", 2);
            return;
        }
        out.put(dict ? '{' : '(');
        stack.push({b->items(), b->size, 0, dict});
    };
    open(root);
    while (!stack.empty()) {
        if constexpr (requires { out.sink().full(); }) {  // a width probe: stop once it overflows
            out.flush();
            if (out.sink().full()) return error{};
        }
        level& top = stack.top();
        if (top.next == top.count) {
            out.put(top.dict ? '}' : ')');
            stack.pop();
            continue;
        }
        const bool sep = top.next > 0;
        const value& v = top.items[top.next++];
        if (v.is_atom()) {
            if (const error e = write_atom(out, v, sep); e != error{}) return e;
        } else {
            if (sep) out.put(' ');
            open(v);  // may grow the stack; `top` is not used after this
        }
    }
    return error{};
}

} // namespace detail

template <sink Sink>
error write_canonical(Sink& out, const value& v) {
    detail::writer_for<Sink> w(out);
    const error e = detail::write_canonical_to(w, v);
    w.flush();
    return e;
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
