// sxtp/typed/error.hpp — errors of typed decoding, with the field path.
#ifndef SXTP_TYPED_ERROR_HPP
#define SXTP_TYPED_ERROR_HPP

#include <boost/assert/source_location.hpp>
#include <sxtp/detail/error_category.hpp>

#include <boost/system/error_code.hpp>
#include <boost/system/system_error.hpp>

#include <string>
#include <type_traits>
#include <vector>

namespace sxtp::typed {

/// Why an SX value did not decode into a C++ type.
enum class error {
    wrong_kind = 1,          ///< e.g. a string where an integer is declared
    missing_field,           ///< a required dict key is absent
    out_of_range,            ///< an integer outside the C++ type's range
    unknown_enumerator,      ///< a symbol that names no enumerator
    no_matching_alternative, ///< no std::variant alternative accepts the value
    invalid_value,           ///< a user conversion (tag_invoke) refused the value
    repeated_field,          ///< a form gives the same keyword argument twice
};

/// The message of each typed::error.
constexpr const char* describe(error e) noexcept {
    switch (e) {
    case error::wrong_kind: return "wrong kind of value";
    case error::missing_field: return "missing field";
    case error::out_of_range: return "integer out of range";
    case error::unknown_enumerator: return "unknown enumerator";
    case error::no_matching_alternative: return "no alternative matches";
    case error::invalid_value: return "invalid value";
    case error::repeated_field: return "repeated field";
    }
    return "unknown sxtp.typed error";
}

inline const boost::system::error_category& error_category() noexcept {
    static constexpr sxtp::detail::enum_category<error, describe> instance("sxtp.typed", 0x5378'7470'0000'0002ULL);
    return instance;
}
inline boost::system::error_code make_error_code(error e) noexcept { return {static_cast<int>(e), error_category()}; }

/// A decoding failure: what went wrong, where (a path of keywords and list
/// indices from the value decoded), and a description such as
/// "expected string, got integer".
struct decode_error {
    boost::system::error_code code;
    /// Path segments from the outside in: ":body", ":tags", "3".
    std::vector<std::string> path;
    std::string detail;

    /// ":body :tags 3: expected string, got integer"
    std::string message() const {
        const std::string where = path_string();
        return where.empty() ? detail : where + ": " + detail;
    }
    /// The path alone, as printed in messages (":body :tags 3").
    std::string path_string() const {
        std::string s;
        for (const auto& seg : path) (s.empty() ? s : s += ' ') += seg;
        return s;
    }
};

/// Thrown by `from_sx`.
class decode_exception : public boost::system::system_error {
public:
    explicit decode_exception(decode_error e) : boost::system::system_error(e.code, e.message()), error_(std::move(e)) {}
    const decode_error& error() const noexcept { return error_; }

private:
    decode_error error_;
};

[[noreturn]] inline void throw_exception_from_error(const decode_error& e, const boost::source_location&) {
    throw decode_exception(e);
}

} // namespace sxtp::typed

template <>
struct boost::system::is_error_code_enum<sxtp::typed::error> : std::true_type {};

#endif
