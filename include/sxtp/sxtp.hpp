// sxtp/sxtp.hpp — the whole of sxtp.
#ifndef SXTP_SXTP_HPP
#define SXTP_SXTP_HPP

#include <sxtp/version.hpp>
#include <sxtp/sx.hpp>
#include <sxtp/sx/hash.hpp>
#include <sxtp/typed.hpp>
#include <sxtp/wire.hpp>

#endif
