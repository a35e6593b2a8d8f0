// sxtp/wire/status.hpp — response statuses (SPEC §4): the seed's twelve,
// and any domain status symbol besides.
#ifndef SXTP_WIRE_STATUS_HPP
#define SXTP_WIRE_STATUS_HPP

#include <sxtp/sx/value.hpp>
#include <sxtp/typed/codec.hpp>

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace sxtp {

/// The standard statuses; `other` marks a domain status.
enum class status_code : std::uint8_t {
    ok, created, accepted, no_content, redirect, not_modified,
    error, not_found, forbidden, invalid, conflict, unavailable,
    other,
};

/// The symbol of a standard status ("no-content"); empty for `other`.
constexpr std::string_view to_symbol_name(status_code c) noexcept {
    constexpr std::array<std::string_view, 12> names = {"ok",    "created",   "accepted",  "no-content", "redirect", "not-modified",
                                                        "error", "not-found", "forbidden", "invalid",    "conflict", "unavailable"};
    return c == status_code::other ? std::string_view() : names[static_cast<std::size_t>(c)];
}

/// A response status: a standard code, or a domain status symbol.
class status {
public:
    constexpr status(status_code c = status_code::ok) noexcept : code_(c) {}
    /// From a symbol name; standard names become their code. Throws
    /// boost::system::system_error (sx::error::invalid_name) for a name that is not a symbol.
    explicit status(std::string_view symbol_name) {
        for (std::uint8_t i = 0; i < 12; ++i)
            if (to_symbol_name(static_cast<status_code>(i)) == symbol_name) {
                code_ = static_cast<status_code>(i);
                return;
            }
        if (!sx::is_valid_symbol_name(symbol_name))
            throw boost::system::system_error(sx::error::invalid_name, std::string(symbol_name));
        code_ = status_code::other;
        domain_.assign(symbol_name);
    }

    status_code code() const noexcept { return code_; }
    /// The status symbol's name.
    std::string_view name() const noexcept { return code_ == status_code::other ? std::string_view(domain_) : to_symbol_name(code_); }
    /// ok, created, accepted, no-content, redirect and not-modified carry no condition.
    bool is_success() const noexcept { return code_ <= status_code::not_modified; }

    friend bool operator==(const status& a, const status& b) noexcept { return a.code_ == b.code_ && a.domain_ == b.domain_; }

    friend sx::value tag_invoke(typed::to_sx_tag, const status& s) { return sx::value::make_symbol_unchecked(s.name()); }
    friend status tag_invoke(typed::from_sx_tag<status>, const sx::value& v) {
        if (!v.is_symbol()) throw typed::decode_exception({typed::error::wrong_kind, {}, "expected symbol, got " + std::string(sx::to_string(v.type()))});
        return status(v.name());
    }
    friend sx::value tag_invoke(typed::schema_tag<status>) { return sx::value("symbol"); }

private:
    status_code code_;
    std::string domain_;
};

} // namespace sxtp

#endif
