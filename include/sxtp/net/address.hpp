// sxtp/net/address.hpp — SXTP addresses (SPEC §9), parsed with Boost.URL.
//
//   auto a = sxtp::net::parse_address("sxtps://api.example.com/blog/posts");
//   a->transport == sxtp::net::transport::tls; a->port == 5381; a->path == "/blog/posts"
//
// Three kinds:
//   sxtp://host[:port][/path]            TCP, default port 5380
//   sxtps://host[:port][/path]           TLS 1.2+ with ALPN "sxtp/1", default port 5381
//   unix:/absolute/socket/path           a Unix domain socket (no request path)
//   sxtp+unix://ENCODED-SOCKET-PATH[/path]
//                                        a Unix domain socket whose path is
//                                        percent-encoded as the host, e.g.
//                                        sxtp+unix://%2Frun%2Fblog.sock/posts
// An IPv6 host is written in brackets: sxtp://[::1]:5380. Socket paths must
// be absolute and shorter than the platform's sun_path (107 bytes on Linux).
// Query and fragment are refused: SXTP has params for that.
#ifndef SXTP_NET_ADDRESS_HPP
#define SXTP_NET_ADDRESS_HPP

#include <boost/system/result.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>

#include <charconv>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sxtp::net {

enum class transport { tcp, tls, unix_socket };

/// Where a server listens or a client connects.
struct address {
    sxtp::net::transport transport = transport::tcp;
    std::string host;         ///< TCP/TLS: a name or an IP literal (no brackets)
    std::uint16_t port = 0;   ///< TCP/TLS: the port (defaulted by scheme)
    std::string socket_path;  ///< Unix: the socket's file name
    std::string path = "/";   ///< the request path the URI names

    /// Back to a URI that parse_address reads as this address.
    std::string to_string() const {
        switch (transport) {
        case transport::unix_socket: return "unix:" + socket_path;
        case transport::tcp:
        case transport::tls: break;
        }
        const bool v6 = host.find(':') != std::string::npos;
        std::string s = transport == transport::tls ? "sxtps://" : "sxtp://";
        s += v6 ? "[" + host + "]" : host;
        s += ':' + std::to_string(port);
        if (path != "/") s += path;
        return s;
    }
    friend bool operator==(const address&, const address&) = default;
};

inline constexpr std::uint16_t default_port = 5380;
inline constexpr std::uint16_t default_tls_port = 5381;
/// The ALPN protocol id of SXTP over TLS.
inline constexpr std::string_view alpn_protocol = "sxtp/1";

/// Why an address was refused.
struct address_error {
    std::string message;
};

/// Parses `uri` as an SXTP address; the error says what is wrong with it.
inline boost::system::result<address, address_error> parse_address(std::string_view uri) {
    using R = boost::system::result<address, address_error>;
    auto fail = [&](std::string why) { return R(boost::system::in_place_error, address_error{"bad address \"" + std::string(uri) + "\": " + why}); };
    auto u = boost::urls::parse_uri(uri);
    if (!u) return fail("not a URI (" + u.error().message() + ")");
    if (u->has_query() || u->has_fragment()) return fail("a query or fragment has no meaning in SXTP (use :params)");
    if (u->has_userinfo()) return fail("user information has no meaning in SXTP (use :auth)");
    address a;
    const std::string scheme(u->scheme());
    auto socket_path_ok = [&](const std::string& p) -> std::optional<std::string> {
        if (p.empty() || p.front() != '/') return "the socket path must be absolute";
        if (p.size() > 107) return "the socket path is longer than 107 bytes";
        if (p.find('\0') != std::string::npos) return "the socket path contains a NUL";
        return std::nullopt;
    };
    if (scheme == "unix") {
        if (u->has_authority()) return fail("write unix:/absolute/path (no //)");
        a.transport = transport::unix_socket;
        a.socket_path = std::string(u->path());
        if (auto why = socket_path_ok(a.socket_path)) return fail(*why);
        return a;
    }
    if (scheme != "sxtp" && scheme != "sxtps" && scheme != "sxtp+unix")
        return fail("the scheme must be sxtp, sxtps, sxtp+unix or unix");
    if (!u->has_authority() || u->encoded_host().empty()) return fail("no host");
    a.path = u->path().empty() ? std::string("/") : std::string(u->path());
    if (scheme == "sxtp+unix") {
        if (u->has_port()) return fail("a Unix socket has no port");
        a.transport = transport::unix_socket;
        a.socket_path = std::string(u->host());
        if (auto why = socket_path_ok(a.socket_path)) return fail(*why);
        return a;
    }
    a.transport = scheme == "sxtps" ? transport::tls : transport::tcp;
    a.host = std::string(u->host_address());
    if (u->has_port()) {
        const std::string_view digits = u->port();
        unsigned port = 0;
        const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), port);
        if (digits.empty() || ec != std::errc() || end != digits.data() + digits.size() || port > 65535)
            return fail("the port must be 0 to 65535");
        a.port = static_cast<std::uint16_t>(port);
    } else {
        a.port = a.transport == transport::tls ? default_tls_port : default_port;
    }
    return a;
}

} // namespace sxtp::net

#endif
