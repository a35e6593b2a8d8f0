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
    // The container being written is kept in locals; the stack holds the
    // ones it is nested in (32 levels inline, then the heap).
    struct level {
        const value* next;
        const value* end;
        bool dict;
    };
    small_stack<level, 32> stack;
    const value* it = nullptr;
    const value* end = nullptr;
    bool dict = false;
    bool sep = false;  // a space before the next item
    // Writes v's opening bracket and makes it the current container; an
    // empty one is written whole. True when entered.
    auto enter = [&](const value& v) {
        const bool d = v.is_dict();
        items_block* b = value_access::block(v);
        if (!b || b->size == 0) {
            out.put(d ? "{}" : "()", 2);
            return false;
        }
        out.put(d ? '{' : '(');
        if (it) stack.push({it, end, dict});
        it = b->items();
        end = it + b->size;
        dict = d;
        return true;
    };
    if (!enter(root)) return error{};
    for (;;) {
        if constexpr (requires { out.sink().full(); }) {  // a width probe: stop once it overflows
            out.flush();
            if (out.sink().full()) return error{};
        }
        if (it == end) {
            out.put(dict ? '}' : ')');
            if (stack.empty()) return error{};
            const level l = stack.top();
            stack.pop();
            it = l.next;
            end = l.end;
            dict = l.dict;
            sep = true;
            continue;
        }
        const value& v = *it++;
        if (v.is_atom()) {
            if (const error e = write_atom(out, v, sep); e != error{}) return e;
            sep = true;
        } else {
            if (sep) out.put(' ');
            sep = !enter(v);
        }
    }
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
