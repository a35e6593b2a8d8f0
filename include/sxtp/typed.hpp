// sxtp/typed.hpp — C++ types as the schema: marshalling and schema descriptions.
#ifndef SXTP_TYPED_HPP
#define SXTP_TYPED_HPP

#include <sxtp/typed/codec.hpp>
#include <sxtp/typed/error.hpp>
#include <sxtp/typed/fields.hpp>
#include <sxtp/typed/schema.hpp>

#endif
