// sxtp/version.hpp — library and protocol versions.
#ifndef SXTP_VERSION_HPP
#define SXTP_VERSION_HPP

/// Library version as MAJOR * 10000 + MINOR * 100 + PATCH.
#define SXTP_VERSION 100
/// The SXTP protocol version this library speaks (the ALPN id is "sxtp/1").
#define SXTP_PROTOCOL_VERSION 1

#endif
