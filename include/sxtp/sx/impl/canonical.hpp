// Definitions of the canonical printer.
#ifndef SXTP_SX_IMPL_CANONICAL_HPP
#define SXTP_SX_IMPL_CANONICAL_HPP

#include <sxtp/sx/detail/small_stack.hpp>
#include <sxtp/sx/detail/write_atom.hpp>

#include <cstdint>

namespace sxtp::sx {

namespace detail {

template <class Writer>
error write_canonical_to(Writer& out, const value& root) {
    if (root.is_atom()) return write_atom(out, root);
    // The container being written is kept in locals; the stack holds the
    // ones it is nested in (32 levels inline, then the heap). Brackets and
    // short atoms are written at a local cursor `o` (room to `lim`), which
    // is handed back to the writer only for the rest.
    // A level is two words, each stored and loaded alone (a record copy
    // would load with one wide read what two narrow writes stored just
    // before, which the CPU cannot forward): the next item, and the end of
    // the items with the dict flag in its low bit.
    struct level {
        const value* next;
        std::uintptr_t end_and_dict;
    };
    static_assert(alignof(value) > 1);
    small_stack<level, 32> stack;
    const value* it = nullptr;
    const value* end = nullptr;
    bool dict = false;
    bool sep = false;  // a space before the next item
    char* o = nullptr;
    char* lim = nullptr;
    auto reserve = [&] {  // at least short_atom_room bytes at o
        o = out.room(short_atom_room);
        lim = out.limit();
    };
    // Writes v's opening bracket (after a space when `sep`) and makes it the
    // current container; an empty one is written whole. True when entered.
    auto enter = [&](const value& v) {
        const bool d = v.is_dict();
        items_block* b = value_access::block(v);
        *o = ' ';
        o += sep;
        if (!b || b->size == 0) {
            std::memcpy(o, d ? "{}" : "()", 2);
            o += 2;
            return false;
        }
        *o++ = d ? '{' : '(';
        if (it) stack.push({it, reinterpret_cast<std::uintptr_t>(end) | dict});
        it = b->items();
        end = it + b->size;
        dict = d;
        return true;
    };
    reserve();
    if (!enter(root)) {
        out.commit(o);
        return error{};
    }
    for (;;) {
        if constexpr (requires { out.sink().full(); }) {  // a width probe: stop once it overflows
            out.commit(o);
            out.flush();
            if (out.sink().full()) return error{};
            reserve();
        } else if (lim - o < static_cast<std::ptrdiff_t>(short_atom_room)) {
            out.commit(o);
            reserve();
        }
        if (it == end) {
            *o++ = dict ? '}' : ')';
            if (stack.empty()) {
                out.commit(o);
                return error{};
            }
            const level& l = stack.top();
            it = l.next;
            const std::uintptr_t e = l.end_and_dict;
            stack.pop();
            end = reinterpret_cast<const value*>(e & ~std::uintptr_t{1});
            dict = e & 1;
            sep = true;
            continue;
        }
        const value& v = *it++;
        if (v.is_atom()) {
            if (!write_short_atom(o, v, sep) && !write_plain_string(o, lim, v, sep)) {
                out.commit(o);
                if (const error e = write_atom_general(out, v, sep); e != error{}) return e;
                reserve();
            }
            sep = true;
        } else {
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
