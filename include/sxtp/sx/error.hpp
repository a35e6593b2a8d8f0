// sxtp/sx/error.hpp — error codes of the SX data language.
#ifndef SXTP_SX_ERROR_HPP
#define SXTP_SX_ERROR_HPP

#include <boost/assert/source_location.hpp>
#include <sxtp/detail/error_category.hpp>

#include <boost/system/error_code.hpp>
#include <boost/system/system_error.hpp>

#include <cstddef>
#include <string>
#include <type_traits>

namespace sxtp::sx {

/// Everything that can go wrong reading, building or printing an SX value.
/// Each enumerator converts to `boost::system::error_code` (category "sxtp.sx").
enum class error {
    // reader
    empty_input = 1,        ///< no value where one was expected
    trailing_data,          ///< more than one value where exactly one was expected
    unexpected_end,         ///< input ends inside a list or dict, or after `'`
    unterminated_string,    ///< a string with no closing `"` (reported at its opening quote)
    unexpected_close,       ///< `)` or `}` with nothing open
    mismatched_close,       ///< `)` closes a dict or `}` closes a list
    unexpected_character,   ///< a byte that cannot start or continue any token
    invalid_utf8,           ///< bytes that are not well-formed UTF-8
    invalid_escape,         ///< unknown escape or malformed `\uXXXX`
    lone_surrogate,         ///< `\uD800`–`\uDFFF` not forming a valid pair
    control_character,      ///< raw control byte (other than tab, LF, CR) inside a string
    invalid_number,         ///< token that starts like a number but is not one
    integer_out_of_range,   ///< integer outside signed 64-bit
    float_out_of_range,     ///< float that overflows or underflows an IEEE double
    invalid_keyword,        ///< `:` with no name
    odd_dict,               ///< dict with an odd number of forms
    duplicate_key,          ///< dict key repeated
    invalid_dict_key,       ///< dict key that is a list or a dict
    depth_exceeded,         ///< nesting deeper than the configured limit
    // building and printing
    non_finite_float,       ///< NaN or infinity cannot be encoded
    invalid_name,           ///< symbol or keyword name that would not read back
    wrong_kind,             ///< accessor used on a value of another kind
    // reader (added later: codes above keep their numbers)
    too_many_values,        ///< more values in one read than read_options::max_values
};

/// The message of each sx::error.
constexpr const char* describe(error e) noexcept {
    switch (e) {
    case error::empty_input: return "expected a value";
    case error::trailing_data: return "unexpected data after the value";
    case error::unexpected_end: return "unexpected end of input";
    case error::unterminated_string: return "unterminated string";
    case error::unexpected_close: return "closing bracket with nothing open";
    case error::mismatched_close: return "closing bracket does not match the open one";
    case error::unexpected_character: return "unexpected character";
    case error::invalid_utf8: return "invalid UTF-8";
    case error::invalid_escape: return "invalid escape in string";
    case error::lone_surrogate: return "unpaired UTF-16 surrogate in \\u escape";
    case error::control_character: return "raw control character in string";
    case error::invalid_number: return "invalid number";
    case error::integer_out_of_range: return "integer out of signed 64-bit range";
    case error::float_out_of_range: return "float out of double range";
    case error::invalid_keyword: return "keyword without a name";
    case error::odd_dict: return "dict with an odd number of forms";
    case error::duplicate_key: return "duplicate dict key";
    case error::invalid_dict_key: return "dict key must be an atom";
    case error::depth_exceeded: return "nesting too deep";
    case error::non_finite_float: return "NaN or infinity cannot be encoded";
    case error::invalid_name: return "not a valid symbol or keyword name";
    case error::wrong_kind: return "value is of another kind";
    case error::too_many_values: return "too many values";
    }
    return "unknown sxtp.sx error";
}

inline const boost::system::error_category& error_category() noexcept {
    static constexpr sxtp::detail::enum_category<error, describe> instance("sxtp.sx", 0x5378'7470'0000'0001ULL);
    return instance;
}

inline boost::system::error_code make_error_code(error e) noexcept {
    return {static_cast<int>(e), error_category()};
}

/// Where and why reading failed. `offset` is the byte offset into the input;
/// `line` and `column` are 1-based, the column counted in bytes.
struct read_error {
    boost::system::error_code code;
    std::size_t offset = 0;
    std::size_t line = 1;
    std::size_t column = 1;

    /// "unterminated string at 3:7 (offset 20)" style text.
    std::string message() const {
        return code.message() + " at " + std::to_string(line) + ':' + std::to_string(column) +
               " (offset " + std::to_string(offset) + ')';
    }
};

/// Thrown by the throwing reader functions; carries the position.
class read_exception : public boost::system::system_error {
public:
    explicit read_exception(const read_error& e)
        : boost::system::system_error(e.code, e.message()), error_(e) {}
    const read_error& error() const noexcept { return error_; }
    std::size_t offset() const noexcept { return error_.offset; }
    std::size_t line() const noexcept { return error_.line; }
    std::size_t column() const noexcept { return error_.column; }

private:
    read_error error_;
};

/// Customisation point used by `boost::system::result<T, read_error>::value()`.
[[noreturn]] inline void throw_exception_from_error(const read_error& e, const boost::source_location&) {
    throw read_exception(e);
}

} // namespace sxtp::sx

template <>
struct boost::system::is_error_code_enum<sxtp::sx::error> : std::true_type {};

#endif
