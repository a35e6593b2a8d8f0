// sxtp/client/interceptor.hpp — middleware around a client's calls
// (client_options::interceptors), the counterpart of server_interceptor:
// before() sees each request as it is about to go out (headers, trace and
// deadline set, not yet signed: what it adds is covered by an HMAC
// signature) and may add to it or answer it locally; after() sees every
// answer with its time. (A request the caller signed itself, `:auth` set
// before the call, is signed already: what before() changes in it breaks
// its signature.) Unary calls (call, call_raw, async_call) go
// through them; streams do not (the server's interceptors watch streams).
//
//   struct tenant : sxtp::client_interceptor {
//       std::optional<sxtp::response> before(sxtp::request& req) override {
//           if (!req.headers) req.headers.emplace();
//           req.headers->other[sxtp::sx::keyword("tenant")] = sxtp::sx::value::make_string("acme");
//           return std::nullopt;
//       }
//   };
//
// Run in order on the client's executor; with none, nothing is paid.
#ifndef SXTP_CLIENT_INTERCEPTOR_HPP
#define SXTP_CLIENT_INTERCEPTOR_HPP

#include <sxtp/wire/messages.hpp>

#include <chrono>
#include <optional>

namespace sxtp {

class client_interceptor {
public:
    virtual ~client_interceptor() = default;
    /// Before the request is signed and sent: std::nullopt sends it; a
    /// response is the call's answer instead (nothing is sent).
    virtual std::optional<response> before(request& req) {
        (void)req;
        return std::nullopt;
    }
    /// Every answer (the server's, or one the client made: deadline,
    /// connection-failed, …) with the time since the call began.
    virtual void after(const request& req, response& r, std::chrono::nanoseconds elapsed) { (void)req, (void)r, (void)elapsed; }
};

} // namespace sxtp

#endif
