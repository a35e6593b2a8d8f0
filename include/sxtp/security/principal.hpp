// sxtp/security/principal.hpp — who made a request and what it may do.
#ifndef SXTP_SECURITY_PRINCIPAL_HPP
#define SXTP_SECURITY_PRINCIPAL_HPP

#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

namespace sxtp {

/// Who made a request and the capabilities it was granted.
struct principal {
    /// The caller's name ("" when anonymous).
    std::string name;
    /// Granted capability names; "*" grants every capability.
    std::vector<std::string> capabilities;
    /// False for the anonymous caller (no `:auth`, no capability cookie).
    bool authenticated = false;

    /// Whether capability `c` is granted.
    bool grants(std::string_view c) const {
        return std::find(capabilities.begin(), capabilities.end(), c) != capabilities.end() ||
               std::find(capabilities.begin(), capabilities.end(), "*") != capabilities.end();
    }
};

} // namespace sxtp

#endif
