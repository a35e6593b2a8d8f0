// Building decode errors: failures are filled in where they happen and gain
// their path segments on the way out, so the success path pays nothing.
#ifndef SXTP_TYPED_DETAIL_FAILURE_HPP
#define SXTP_TYPED_DETAIL_FAILURE_HPP

#include <sxtp/sx/value.hpp>
#include <sxtp/typed/error.hpp>

#include <string>
#include <string_view>

namespace sxtp::typed::detail {

inline bool fail(decode_error& e, error code, std::string detail) {
    e.code = code;
    e.path.clear();
    e.detail = std::move(detail);
    return false;
}

inline bool fail_kind(decode_error& e, std::string_view expected, const sx::value& got) {
    return fail(e, error::wrong_kind, "expected " + std::string(expected) + ", got " + std::string(sx::to_string(got.type())));
}

/// Prepends a path segment (":name" or an index) to a failure coming up.
inline bool at(decode_error& e, std::string segment) {
    e.path.insert(e.path.begin(), std::move(segment));
    return false;
}

} // namespace sxtp::typed::detail

#endif
