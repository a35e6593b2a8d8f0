// expect: E is a streaming endpoint
#include <sxtp/rpc/request_builder.hpp>
#include <string>
struct live : sxtp::endpoint<"subscribe", "/events/live"> {
    using chunk = std::string;
    static constexpr bool streaming = true;
};
struct once : sxtp::endpoint<"fetch", "/events/latest"> {};
int main() {
#ifdef SXTP_COMPILE_FAIL
    (void)sxtp::make_request<live>(sxtp::no_params{});
#else
    (void)sxtp::make_request<once>(sxtp::no_params{});
#endif
}
