// sxtp/typed.hpp — C++ types as the schema: marshalling, schema descriptions,
// endpoints.
#ifndef SXTP_TYPED_HPP
#define SXTP_TYPED_HPP

#include <sxtp/typed/codec.hpp>
#include <sxtp/typed/define_struct.hpp>
#include <sxtp/typed/endpoint.hpp>
#include <sxtp/typed/error.hpp>
#include <sxtp/typed/fields.hpp>
#include <sxtp/typed/fixed_string.hpp>
#include <sxtp/typed/handler.hpp>
#include <sxtp/typed/request_builder.hpp>
#include <sxtp/typed/schema.hpp>

#endif
