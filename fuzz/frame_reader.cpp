// libFuzzer target: the frame reader and the message decoder.
//
// The first input byte picks the sizes of the reads; the rest is the byte
// stream. Checked: the frames (and the framing error) do not depend on how
// the stream is cut into reads; the buffer stays within its bound; every
// payload decodes to a message or to a malformed-message condition.
#include <sxtp/sx.hpp>
#include <sxtp/wire.hpp>

#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

namespace {

struct outcome {
    std::vector<std::string> frames;
    boost::system::error_code error;
};

outcome run(std::string_view stream, std::size_t step, const sxtp::wire::frame_limits& limits) {
    sxtp::wire::frame_reader in(limits);
    outcome out;
    const std::size_t bound = 2 * (limits.max_frame + 11 + limits.read_chunk);
    for (std::size_t at = 0;;) {
        // Read only as much as the reader offers, as a socket loop would.
        const auto room = in.prepare();
        const std::size_t n = std::min({room.size(), step, stream.size() - at});
        std::copy_n(stream.data() + at, n, room.data());
        in.commit(n);
        at += n;
        if (in.capacity() > bound) std::abort();
        for (;;) {
            const auto f = in.next();
            if (f.state == sxtp::wire::frame::need_more) break;
            if (f.state == sxtp::wire::frame::failed) {
                out.error = f.error;
                return out;
            }
            out.frames.emplace_back(f.payload);
        }
        if (at == stream.size()) return out;
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    const std::size_t step = 1 + data[0] % 17;
    const std::string_view stream(reinterpret_cast<const char*>(data) + 1, size - 1);
    const sxtp::wire::frame_limits limits{.max_frame = 1024, .read_chunk = 16};
    const outcome chunked = run(stream, step, limits);
    const outcome whole = run(stream, stream.size() + 1, limits);
    if (chunked.frames != whole.frames || chunked.error != whole.error) std::abort();
    static sxtp::sx::reader reader;
    for (const std::string& payload : chunked.frames) {
        const auto m = sxtp::wire::decode_payload(payload, reader);
        if (!m && m.error().type.name() != "malformed-message") std::abort();
    }
    return 0;
}
