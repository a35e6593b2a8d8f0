// One error category per error enum of sxtp, with the messages in one switch
// per enum (its `describe` function).
#ifndef SXTP_DETAIL_ERROR_CATEGORY_HPP
#define SXTP_DETAIL_ERROR_CATEGORY_HPP

#include <boost/system/error_category.hpp>

#include <cstdint>
#include <string>

namespace sxtp::detail {

/// The category of `Enum`: its name, and the message `Describe` gives each
/// value. The fixed id makes two copies of a category (say, in two shared
/// libraries) compare equal.
template <class Enum, const char* (*Describe)(Enum) noexcept>
class enum_category final : public boost::system::error_category {
public:
    constexpr enum_category(const char* name, std::uint64_t id) noexcept : boost::system::error_category(id), name_(name) {}
    const char* name() const noexcept override { return name_; }
    std::string message(int ev) const override { return Describe(static_cast<Enum>(ev)); }
    const char* message(int ev, char*, std::size_t) const noexcept override { return Describe(static_cast<Enum>(ev)); }

private:
    const char* name_;
};

} // namespace sxtp::detail

#endif
