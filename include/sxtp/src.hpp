// sxtp/src.hpp — the separately compiled part of sxtp: include it in exactly
// one translation unit of a program built with SXTP_SEPARATE_COMPILATION
// (see detail/config.hpp). It defines the server's and the client's
// non-template machinery; nothing else of the program changes.
#ifndef SXTP_SRC_HPP
#define SXTP_SRC_HPP

#if !defined(SXTP_SEPARATE_COMPILATION)
#error "sxtp/src.hpp: define SXTP_SEPARATE_COMPILATION in every translation unit of the program"
#endif
#if defined(SXTP_DETAIL_CONFIG_HPP)
#error "sxtp/src.hpp must be included before any other sxtp header of its translation unit"
#endif

#define SXTP_SOURCE
// Here sxtp's coroutines are defined out of line, once: g++ then says that
// their frames (types declared in a header) hold lambdas of no linkage.
// They are used in this translation unit only, so nothing can differ
// between two definitions of them.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wsubobject-linkage"
#endif
#include <sxtp/client/client.hpp>
#include <sxtp/server/server.hpp>

#endif
