// libFuzzer target: the server side of a connection, fed arbitrary bytes.
//
// Every request handed to a handler is answered (in reverse order, to shake
// the ordering), some of them as streams of a few chunks and events; client
// chunks are granted credit back now and then. Afterwards nothing may be
// left unanswered, and what the connection wrote must be well-formed frames
// of valid server messages (response, chunk, event, credit).
#include <sxtp/sx.hpp>
#include <sxtp/wire.hpp>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    namespace wire = sxtp::wire;
    if (size == 0) return 0;
    wire::server_connection c({.frames = {.max_frame = 2048, .read_chunk = 64}, .max_in_flight = 1u + data[0] % 5});
    std::string_view bytes(reinterpret_cast<const char*>(data) + 1, size - 1);
    std::vector<wire::request_id> ids;
    bool stop = false;
    while (!stop) {
        auto room = c.prepare();
        const std::size_t n = std::min(room.size(), bytes.size());
        std::copy_n(bytes.data(), n, room.data());
        c.commit(n);
        bytes.remove_prefix(n);
        for (;;) {
            auto ev = c.next_event();
            if (std::holds_alternative<wire::need_more>(ev)) break;
            if (std::holds_alternative<wire::connection_failed>(ev)) {
                stop = true;
                break;
            }
            if (auto* r = std::get_if<wire::incoming_request>(&ev)) ids.push_back(r->id);
            if (auto* ch = std::get_if<wire::chunk_received>(&ev); ch && ch->id % 2 == 1) c.grant(ch->id, 1);
        }
        if (bytes.empty() || room.empty()) stop = true;
    }
    std::reverse(ids.begin(), ids.end());
    // Some requests pass their deadline before their handlers finish (chosen by the input's length).
    for (std::size_t i = 0; i < ids.size(); ++i)
        if ((i + size) % 3 == 0) c.expire(ids[i]);
    for (auto id : ids) {
        if ((id + size) % 2 == 0 && c.open_stream(id, sxtp::response{})) {
            for (int k = 0; k < 3 && c.stream_credit(id) > 0; ++k) {
                if (k == 1) {
                    sxtp::event e;
                    e.type = sxtp::sx::symbol(std::string("tick"));
                    c.stream(id, std::move(e));
                } else {
                    sxtp::chunk ch;
                    ch.body = sxtp::sx::value(k);
                    c.stream(id, std::move(ch));
                }
            }
        }
        sxtp::response r;
        r.body = sxtp::sx::value(static_cast<std::int64_t>(id));
        if (!c.respond(id, std::move(r))) std::abort();
    }
    if (c.unanswered() != 0 || c.in_flight() != 0) std::abort();
    wire::frame_reader out({.max_frame = std::size_t{1} << 20, .read_chunk = std::size_t{1} << 16});
    out.feed(c.output());
    static sxtp::sx::reader reader;
    for (auto f = out.next(); f.state != wire::frame::need_more; f = out.next()) {
        if (f.state == wire::frame::failed) std::abort();
        auto m = wire::decode_payload(f.payload, reader);
        if (!m || std::holds_alternative<sxtp::request>(*m) || std::holds_alternative<sxtp::cancel>(*m) ||
            std::holds_alternative<sxtp::condition>(*m))
            std::abort();
    }
    return 0;
}
