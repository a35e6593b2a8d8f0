// libFuzzer target: message decoding and the security checks on what decodes.
//
// Text is read as SX and decoded as a message (decode_message). A message
// that decodes must re-encode to a value that decodes to an equal message.
// The payload decoder's direct path (no value tree) must agree with the tree:
// the same message, or an error where the tree has one.
// A request then goes through security_policy::authenticate (HMAC, bearer,
// grant cookies) and authorize: any :auth or :cookies shape must be refused
// or admitted, never crash; a signature can only match if the input carries
// the right one (the key here is fixed, so the fuzzer may learn it — that is
// fine, it checks the code paths, not the secret).
#include <sxtp/security/policy.hpp>
#include <sxtp/sx.hpp>
#include <sxtp/wire.hpp>

#include <cstdint>
#include <cstdlib>
#include <string_view>

namespace {
const sxtp::security_policy& policy() {
    static const sxtp::security_policy p([] {
        sxtp::security_options o;
        o.hmac_keys = {{"k1", {"s3cret", "older"}, "svc", {"fetch", "db:read"}}};
        o.cookie_secret = "cookie-secret";
        o.max_nonces = 64;
        o.clock = [] { return std::int64_t{1790000000}; };
        o.bearer = [](std::string) -> boost::asio::awaitable<std::optional<sxtp::principal>> { co_return std::nullopt; };
        return o;
    }());
    return p;
}
} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    auto v = sxtp::sx::try_read(text);
    sxtp::sx::reader reader;
    const auto direct = sxtp::wire::detail::read_message_direct(text, reader);
    const auto by_tree = v ? sxtp::decode_message(*v) : boost::system::result<sxtp::message, sxtp::typed::decode_error>(sxtp::typed::decode_error{});
    if (direct) {
        const auto canonical = [](const sxtp::message& x) { return std::visit([](const auto& y) { return sxtp::typed::canonical(y); }, x); };
        if (!by_tree || direct->index() != by_tree->index() || canonical(*direct) != canonical(*by_tree)) std::abort();
    }
    if (!v) return 0;
    auto m = sxtp::decode_message(*v);
    if (!m) return 0;
    const sxtp::sx::value again = std::visit([](const auto& x) { return sxtp::typed::to_sx(x); }, *m);
    auto m2 = sxtp::decode_message(again);
    if (!m2 || std::visit([](const auto& x) { return sxtp::typed::to_sx(x); }, *m2) != again) std::abort();
    if (const auto* req = std::get_if<sxtp::request>(&*m)) {
        std::string why;
        auto a = policy().authenticate(*req, &why);
        if (a.refusal && why.empty()) std::abort();  // every refusal says why
        if (a.caller) {
            const std::vector<std::string> required{"fetch"};
            (void)policy().authorize(*a.caller, required, *req);
        }
    }
    return 0;
}
