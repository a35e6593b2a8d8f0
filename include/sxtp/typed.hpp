// sxtp/typed.hpp — C++ types as the schema: marshalling and schema
// descriptions (typed/), and the endpoints, handlers and requests built on
// them (rpc/).
#ifndef SXTP_TYPED_HPP
#define SXTP_TYPED_HPP

#include <sxtp/typed/codec.hpp>
#include <sxtp/typed/define_struct.hpp>
#include <sxtp/typed/error.hpp>
#include <sxtp/typed/fields.hpp>
#include <sxtp/typed/fixed_string.hpp>
#include <sxtp/typed/schema.hpp>
#include <sxtp/rpc.hpp>

#endif
