// libFuzzer target: the Mesh transport's messages (docs/mesh.md).
//
// The input is the body of one /channel stream, cut into two appends at a
// point its first byte picks. Each framed message is parsed; a message that
// parses is bridged to a call of a service with typed endpoints (params,
// body, both, a path parameter); what resolves at once is turned into an
// answer message, which must frame and parse again with the same function
// name. Any JSON, any payload shape, any metadata must end in a call or a
// refusal, never a crash; nothing is held beyond one message and a length.
#include <sxtp/mesh/bridge.hpp>

#include <cstdint>
#include <cstdlib>
#include <string_view>

namespace {
struct fz_params {  // described, with initialisers (g++'s -Wmaybe-uninitialized at -O2)
    std::int64_t id = 0;
    std::optional<std::vector<sxtp::sx::symbol>> tags;
    std::optional<double> w;
};
BOOST_DESCRIBE_STRUCT(fz_params, (), (id, tags, w))
struct fz_body {
    static constexpr std::string_view sxtp_form = "doc";
    BOOST_HANA_DEFINE_STRUCT(fz_body, (std::string, title), (std::map<std::string, std::int64_t>, counts), (sxtp::sx::value, extra));
};
struct fz_get : sxtp::endpoint<"fetch", "/things/{id}"> {
    using params = fz_params;
    using result = fz_body;
};
struct fz_put : sxtp::endpoint<"mutate", "/things/{id}"> {
    static constexpr std::string_view function_name = "put";
    using params = fz_params;
    using body = fz_body;
    using result = fz_body;
};
struct fz_echo : sxtp::endpoint<"mutate", "/echo"> {
    static constexpr std::string_view function_name = "echo";
    using body = sxtp::sx::value;
    using result = sxtp::sx::value;
};

sxtp::service& fz_service() {
    static sxtp::service* s = [] {
        auto* svc = new sxtp::service;
        svc->handle<fz_get>([](const fz_params& p) { return fz_body{std::to_string(p.id), {{"n", p.id}}, {}}; });
        svc->handle<fz_put>([](const fz_params&, const fz_body& b) { return b; });
        svc->handle<fz_echo>([](const sxtp::sx::value& v) { return v; });
        return svc;
    }();
    return *s;
}
} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace sxtp;
    const std::string_view in(reinterpret_cast<const char*>(data), size);
    const std::size_t cut = size ? data[0] % (size + 1) : 0;
    const mesh::channel_headers headers{{{"x-service-name", "fuzz"}}, std::nullopt};
    mesh::message_framer framer(4096);
    auto on_message = [&](std::string_view json) {
        auto m = mesh::parse_message(json);
        if (!m) return;
        auto c = mesh::to_call(fz_service(), headers, std::move(*m));
        mesh::channel_message answer;
        if (auto* refusal = std::get_if<mesh::channel_message>(&c)) {
            answer = std::move(*refusal);
        } else {
            auto& call = std::get<mesh::bridged_call>(c);
            call_context ctx(call.req, "fuzz");
            auto r = fz_service().resolve(call.req, ctx);
            if (auto* resp = std::get_if<response>(&r)) answer = mesh::answer_message(call, *resp);
            else return;
        }
        const std::string framed = mesh::frame_message(answer);
        auto again = mesh::parse_message(std::string_view(framed).substr(4));
        if (!again || again->function_name != answer.function_name) std::abort();  // an answer that does not read back
    };
    if (framer.append(in.substr(0, cut), on_message) != mesh::message_framer::status::ok) return 0;
    if (framer.held() > 4096 + 4 + cut) std::abort();
    framer.append(in.substr(cut), on_message);
    return 0;
}
