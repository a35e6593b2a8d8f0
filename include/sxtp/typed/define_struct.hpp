// sxtp/typed/define_struct.hpp — SXTP_DEFINE_STRUCT: BOOST_HANA_DEFINE_STRUCT
// with a readable error past Hana's field limit.
//
//   struct post {
//       SXTP_DEFINE_STRUCT(post, (std::string, title), (int, per_page));
//   };
//
// Boost.Hana's macro takes at most 48 fields; past that it fails inside the
// preprocessor with an error that names neither the struct nor the limit.
// This macro counts first and, past 48, stops with one sentence instead.
#ifndef SXTP_TYPED_DEFINE_STRUCT_HPP
#define SXTP_TYPED_DEFINE_STRUCT_HPP

#include <boost/hana/define_struct.hpp>
#include <boost/preprocessor/comparison/less_equal.hpp>
#include <boost/preprocessor/control/iif.hpp>
#include <boost/preprocessor/variadic/size.hpp>

/// The most fields SXTP_DEFINE_STRUCT (that is, Boost.Hana) accepts.
#define SXTP_MAX_STRUCT_FIELDS 48

#define SXTP_DETAIL_TOO_MANY_FIELDS(NAME, ...)                                                                            \
    static_assert(false, "SXTP_DEFINE_STRUCT: more than 48 fields, Boost.Hana's limit; group fields into nested structs, " \
                         "or reflect the struct with BOOST_DESCRIBE_STRUCT")

/// BOOST_HANA_DEFINE_STRUCT(NAME, (type, field)...), checked against the field limit.
#define SXTP_DEFINE_STRUCT(NAME, ...)                                                                                \
    BOOST_PP_IIF(BOOST_PP_LESS_EQUAL(BOOST_PP_VARIADIC_SIZE(__VA_ARGS__), SXTP_MAX_STRUCT_FIELDS), BOOST_HANA_DEFINE_STRUCT, \
                 SXTP_DETAIL_TOO_MANY_FIELDS)(NAME, __VA_ARGS__)

#endif
