// sxtp/detail/config.hpp — header-only by default; separate compilation on
// request, as Boost.Asio does it.
//
// By default every definition is in the headers (`inline`): a translation
// unit that uses the server or the client compiles their machinery too.
// Define SXTP_SEPARATE_COMPILATION in every translation unit of a program
// (e.g. `target_compile_definitions(app PRIVATE SXTP_SEPARATE_COMPILATION)`)
// and compile `#include <sxtp/src.hpp>` in exactly one of them: the server's
// connections, accept loop and request pipeline and the client's channel are
// then compiled there once, and a service's translation units compile only
// what is theirs (the endpoint types, handler registration, typed calls).
#ifndef SXTP_DETAIL_CONFIG_HPP
#define SXTP_DETAIL_CONFIG_HPP

#if defined(SXTP_SEPARATE_COMPILATION)
#define SXTP_DECL
// The non-template definitions are compiled by <sxtp/src.hpp> only.
#if defined(SXTP_SOURCE)
#define SXTP_HEADER_DEFINITIONS 1
#else
#define SXTP_HEADER_DEFINITIONS 0
#endif
#else
#define SXTP_DECL inline
#define SXTP_HEADER_DEFINITIONS 1
#endif

#endif
