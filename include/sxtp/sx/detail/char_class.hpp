// Character classes of the SX reader (SPEC §1), shared by the reader, the
// name validators and the printer.
#ifndef SXTP_SX_DETAIL_CHAR_CLASS_HPP
#define SXTP_SX_DETAIL_CHAR_CLASS_HPP

#include <array>
#include <cstdint>
#include <string_view>

namespace sxtp::sx::detail {

enum char_class : std::uint8_t {
    cc_symbol = 1,        // may appear in a symbol, keyword or number token
    cc_digit = 2,
    cc_space = 4,         // space, tab, CR, LF
    cc_string_plain = 8,  // copied as-is inside a string literal (ASCII, no escape needed)
};

constexpr std::array<std::uint8_t, 256> make_char_classes() {
    std::array<std::uint8_t, 256> t{};
    for (int c = 'a'; c <= 'z'; ++c) t[c] |= cc_symbol;
    for (int c = 'A'; c <= 'Z'; ++c) t[c] |= cc_symbol;
    for (int c = '0'; c <= '9'; ++c) t[c] |= cc_symbol | cc_digit;
    for (char c : std::string_view("~!$%&*+-./<=>?@^_|:#")) t[static_cast<unsigned char>(c)] |= cc_symbol;
    for (char c : std::string_view(" \t\r\n")) t[static_cast<unsigned char>(c)] |= cc_space;
    for (int c = 0x20; c < 0x7F; ++c)
        if (c != '"' && c != '\\') t[c] |= cc_string_plain;
    t['\t'] |= cc_string_plain;
    t['\n'] |= cc_string_plain;
    t['\r'] |= cc_string_plain;
    return t;
}

inline constexpr std::array<std::uint8_t, 256> char_classes = make_char_classes();

constexpr bool has_class(char c, char_class cls) noexcept {
    return (char_classes[static_cast<unsigned char>(c)] & cls) != 0;
}
constexpr bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }

/// SPEC §1: a token that begins with a digit, or with `+`, `-` or `.` followed
/// by a digit, must be a number.
constexpr bool starts_like_number(std::string_view tok) noexcept {
    if (tok.empty()) return false;
    if (is_digit(tok[0])) return true;
    return (tok[0] == '+' || tok[0] == '-' || tok[0] == '.') && tok.size() > 1 && is_digit(tok[1]);
}

constexpr bool all_symbol_chars(std::string_view s) noexcept {
    for (char c : s)
        if (!has_class(c, cc_symbol)) return false;
    return true;
}

} // namespace sxtp::sx::detail

#endif
