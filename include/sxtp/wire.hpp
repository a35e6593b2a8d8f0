// sxtp/wire.hpp — SXTP framing, messages, statuses and conditions.
#ifndef SXTP_WIRE_HPP
#define SXTP_WIRE_HPP

#include <sxtp/wire/condition.hpp>
#include <sxtp/wire/client_connection.hpp>
#include <sxtp/wire/conditions.hpp>
#include <sxtp/wire/error.hpp>
#include <sxtp/wire/frame.hpp>
#include <sxtp/wire/messages.hpp>
#include <sxtp/wire/payload.hpp>
#include <sxtp/wire/server_connection.hpp>
#include <sxtp/wire/status.hpp>

#endif
