// sxtp/rpc.hpp — the typed call layer above wire/: endpoints and their
// path patterns, handler forms, request building, the call decoder and
// the inspect description.
#ifndef SXTP_RPC_HPP
#define SXTP_RPC_HPP

#include <sxtp/rpc/call_decoder.hpp>
#include <sxtp/rpc/describe.hpp>
#include <sxtp/rpc/endpoint.hpp>
#include <sxtp/rpc/handler.hpp>
#include <sxtp/rpc/path_pattern.hpp>
#include <sxtp/rpc/request_builder.hpp>

#endif
