// sxtp/wire/client_connection.hpp — the client side of one connection, sans
// I/O: calls in, bytes out; bytes in, answers out (SPEC §2–3).
//
//   wire::client_connection conn;
//   auto id = conn.send(request);            // tagged by default: answered out of order
//   // I/O layer: write conn.output()/consume(n); read into prepare()/commit(n)
//   for (auto ev = conn.next_event(); !std::holds_alternative<wire::need_more>(ev); ev = conn.next_event()) {
//       if (auto* a = std::get_if<wire::answer>(&ev)) deliver(a->id, std::move(a->res));
//       if (auto* f = std::get_if<wire::call_failed>(&ev)) fail(f->id, f->error);
//   }
//
// Tags are allocated by the connection (non-negative integers, unique among
// the calls in flight). A server that breaks the protocol — a response with
// an unknown tag, an untagged response nobody waits for, a message a server
// may not send, a framing error — ends the connection: every call still in
// flight then fails with that error, once.
#ifndef SXTP_WIRE_CLIENT_CONNECTION_HPP
#define SXTP_WIRE_CLIENT_CONNECTION_HPP

#include <sxtp/sx/reader.hpp>
#include <sxtp/typed/codec.hpp>
#include <sxtp/wire/error.hpp>
#include <sxtp/wire/events.hpp>
#include <sxtp/wire/frame.hpp>
#include <sxtp/wire/output_queue.hpp>
#include <sxtp/wire/messages.hpp>
#include <sxtp/wire/payload.hpp>

#include <algorithm>
#include <cstdint>
#include <deque>
#include <map>
#include <string>
#include <variant>
#include <vector>

namespace sxtp::wire {

using call_id = std::uint64_t;

/// The answer to call `id`.
struct answer {
    call_id id;
    sxtp::response res;
};
/// Call `id` will get no answer: the connection failed (or was closed).
struct call_failed {
    call_id id;
    boost::system::error_code error;
};

using client_event = std::variant<need_more, answer, call_failed, connection_failed>;

class client_connection {
public:
    explicit client_connection(frame_limits limits = {}) : frames_(limits) {}

    /// Queues `r` and returns its call id. With `tagged`, the connection
    /// gives it a fresh tag (any tag in `r` is replaced); otherwise it is
    /// sent untagged and answered in order. After a failure the call fails
    /// at once (see next_event).
    call_id send(sxtp::request r, bool tagged = true) {
        const call_id id = next_id_++;
        if (failed_) {
            doomed_.push_back(id);
            return id;
        }
        if (tagged) {
            const std::int64_t t = next_tag_++;
            r.tag = message_tag(t);
            by_tag_.emplace(t, id);
        } else {
            r.tag.reset();
            untagged_.push_back(id);
        }
        write_message(out_.buffer(), message(std::move(r)));
        return id;
    }

    /// Asks the server to cancel call `id` (tagged calls only; others, and
    /// calls already answered, are left alone). The call still gets its answer.
    bool cancel(call_id id) {
        if (failed_) return false;
        for (const auto& [tag, cid] : by_tag_)
            if (cid == id) {
                write_message(out_.buffer(), message(sxtp::cancel{message_tag(tag)}));
                return true;
            }
        return false;
    }

    std::span<char> prepare() { return failed_ ? std::span<char>() : frames_.prepare(); }
    void commit(std::size_t n) noexcept { frames_.commit(n); }

    /// Marks the connection closed by the transport (EOF or a socket error):
    /// the calls in flight fail with `error`.
    void close(boost::system::error_code error = make_error_code(wire::error::connection_closed)) { fail(error); }

    /// The next answer, failure, or need_more.
    client_event next_event() {
        if (failed_) {
            if (!doomed_.empty()) {
                const call_id id = doomed_.front();
                doomed_.pop_front();
                return call_failed{id, failed_};
            }
            return connection_failed{failed_};
        }
        const frame f = frames_.next();
        if (f.state == frame::need_more) return need_more{};
        if (f.state == frame::failed) {
            fail(f.error);
            return next_event();
        }
        auto m = decode_payload(f.payload, reader_);
        if (!m) {
            fail(error::malformed_message);
            return next_event();
        }
        auto* res = std::get_if<sxtp::response>(&*m);
        if (!res) {
            fail(error::unexpected_message);
            return next_event();
        }
        if (res->tag) {
            const auto* n = std::get_if<std::int64_t>(&res->tag->get());
            const auto it = n ? by_tag_.find(*n) : by_tag_.end();
            if (it == by_tag_.end()) {
                fail(error::unknown_tag);
                return next_event();
            }
            const call_id id = it->second;
            by_tag_.erase(it);
            return answer{id, std::move(*res)};
        }
        if (untagged_.empty()) {
            fail(error::unexpected_response);
            return next_event();
        }
        const call_id id = untagged_.front();
        untagged_.pop_front();
        return answer{id, std::move(*res)};
    }

    /// Bytes to write, in order.
    std::string_view output() const noexcept { return out_.pending(); }
    /// Marks `n` bytes of output() as written.
    void consume(std::size_t n) { out_.consume(n); }

    /// Calls sent and not yet answered.
    std::size_t in_flight() const noexcept { return by_tag_.size() + untagged_.size(); }
    bool failed() const noexcept { return static_cast<bool>(failed_); }

private:
    void fail(boost::system::error_code e) {
        if (failed_) return;
        failed_ = e;
        for (call_id id : untagged_) doomed_.push_back(id);
        std::vector<call_id> tagged;
        for (const auto& [tag, id] : by_tag_) tagged.push_back(id);
        std::sort(tagged.begin(), tagged.end());
        doomed_.insert(doomed_.end(), tagged.begin(), tagged.end());
        untagged_.clear();
        by_tag_.clear();
        out_.clear();
    }

    frame_reader frames_;
    sx::reader reader_;
    std::map<std::int64_t, call_id> by_tag_;
    std::deque<call_id> untagged_;
    std::deque<call_id> doomed_;
    call_id next_id_ = 1;
    std::int64_t next_tag_ = 1;
    boost::system::error_code failed_;
    output_queue out_;
};

} // namespace sxtp::wire

#endif
