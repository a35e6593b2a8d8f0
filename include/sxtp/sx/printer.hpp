// sxtp/sx/printer.hpp — the canonical form (SPEC §1) and a pretty form for people.
#ifndef SXTP_SX_PRINTER_HPP
#define SXTP_SX_PRINTER_HPP

#include <sxtp/sx/error.hpp>
#include <sxtp/sx/value.hpp>

#include <boost/system/result.hpp>

#include <cstddef>
#include <string>

namespace sxtp::sx {

/// A byte sink for the printers: anything with `append(const char*, size_t)`
/// and `push_back(char)`, such as std::string. A sink that also has
/// `bool full() const` may stop the printer early.
template <class S>
concept sink = requires(S& s, const char* p, std::size_t n, char c) {
    s.append(p, n);
    s.push_back(c);
};

/// Appends the canonical form of `v` to `out`: one space between elements,
/// dict entries in key order, minimal string escapes, ECMAScript floats.
/// Returns error::non_finite_float (NaN, ±inf) or error::invalid_utf8 (a
/// string built from bytes that are not UTF-8); `out` then holds a prefix.
/// Does not recurse: any depth is fine.
template <sink Sink>
error write_canonical(Sink& out, const value& v);

/// The canonical form of `v`; throws `boost::system::system_error` on the
/// errors of `write_canonical`.
std::string canonical(const value& v);

/// The canonical form of `v`, or the error.
boost::system::result<std::string> try_canonical(const value& v);

/// Layout of the pretty printer.
struct pretty_options {
    /// A list or dict that fits in this many columns stays on one line.
    std::size_t width = 80;
};

/// An indented form for people: containers that fit stay on one line; others
/// put each keyword argument, positional item or dict entry on its own line,
/// aligned one column inside the opening bracket. Atoms are canonical, so the
/// result reads back to an equal value. Throws like `canonical`.
std::string pretty(const value& v, const pretty_options& options = {});

} // namespace sxtp::sx

#include <sxtp/sx/impl/canonical.hpp>
#include <sxtp/sx/impl/pretty.hpp>

#endif
