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
//
// Streams (SPEC §3): a `(response … :stream true)` opens call `id`'s stream
// (stream_opened); its chunks and events follow (stream_item; chunk :seq
// must count up from 0 when given) until `(chunk :done true)`
// (stream_ended, the call's terminal message). A request sent with
// `:stream true` is always tagged; send_chunk() sends its chunks (tag and
// seq filled in) and finally a done chunk; the server's `(credit …)` for it
// arrives as upload_credit. grant() gives the server credit for a stream
// the client receives.
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

/// Call `id`'s answer is a stream: its head (`:stream true`).
struct stream_opened {
    call_id id;
    sxtp::response head;
};
/// A chunk (not done) or an event of call `id`'s stream.
struct stream_item {
    call_id id;
    std::variant<sxtp::chunk, sxtp::event> item;
};
/// Call `id`'s stream ended with `last` (done; its body, if any, is the
/// condition it ended with).
struct stream_ended {
    call_id id;
    sxtp::chunk last;
};
/// The server grants call `id`'s client stream `n` more chunks.
struct upload_credit {
    call_id id;
    std::int64_t n;
};

using client_event = std::variant<need_more, answer, stream_opened, stream_item, stream_ended, upload_credit, call_failed, connection_failed>;

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
        if (tagged || r.stream.value_or(false)) {
            const std::int64_t t = next_tag_++;
            r.tag = message_tag(t);
            by_tag_.emplace(t, call{id});
            tag_of_.emplace(id, t);
        } else {
            r.tag.reset();
            untagged_.push_back(call{id});
        }
        write_message(out_.buffer(), message(std::move(r)));
        return id;
    }

    /// Asks the server to cancel call `id` (tagged calls only; others, and
    /// calls already answered, are left alone). The call still gets its answer.
    bool cancel(call_id id) {
        const auto t = tag_of_.find(id);
        if (failed_ || t == tag_of_.end()) return false;
        write_message(out_.buffer(), message(sxtp::cancel{message_tag(t->second)}));
        return true;
    }

    /// Sends a chunk of call `id`'s client stream (its request had `:stream
    /// true`): tag and `:seq` are filled in; set `done` on the last. Returns
    /// false when the call is answered already or was not a stream (the
    /// chunk is dropped).
    bool send_chunk(call_id id, sxtp::chunk c) {
        const auto t = tag_of_.find(id);
        if (failed_ || t == tag_of_.end()) return false;
        call& k = by_tag_.at(t->second);
        if (k.upload_done) return false;
        c.tag = message_tag(t->second);
        if (c.done.value_or(false)) {
            k.upload_done = true;
            c.seq.reset();
        } else {
            c.seq = k.upload_seq++;
        }
        write_message(out_.buffer(), message(std::move(c)));
        return true;
    }

    /// Grants the server `n` more messages of call `id`'s stream.
    void grant(call_id id, std::int64_t n) {
        const auto t = tag_of_.find(id);
        if (failed_ || n <= 0 || t == tag_of_.end()) return;
        write_message(out_.buffer(), message(sxtp::credit{message_tag(t->second), n}));
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
        auto m = decode_payload(f.payload);
        if (!m) {
            fail(error::malformed_message);
            return next_event();
        }
        if (auto* cr = std::get_if<sxtp::credit>(&*m)) {
            const auto* n = std::get_if<std::int64_t>(&cr->tag.get());
            const auto it = n ? by_tag_.find(*n) : by_tag_.end();
            if (it == by_tag_.end() || cr->n <= 0) return next_event();  // for a call that has ended
            return upload_credit{it->second.id, cr->n};
        }
        const std::optional<message_tag>* tag = nullptr;
        if (auto* r = std::get_if<sxtp::response>(&*m)) tag = &r->tag;
        else if (auto* c = std::get_if<sxtp::chunk>(&*m)) tag = &c->tag;
        else if (auto* e = std::get_if<sxtp::event>(&*m)) tag = &e->tag;
        else return fail_next(error::unexpected_message);

        // Which call it belongs to.
        call* k = nullptr;
        std::map<std::int64_t, call>::iterator tagged = by_tag_.end();
        if (*tag) {
            const auto* n = std::get_if<std::int64_t>(&(*tag)->get());
            tagged = n ? by_tag_.find(*n) : by_tag_.end();
            if (tagged == by_tag_.end()) return fail_next(error::unknown_tag);
            k = &tagged->second;
        } else {
            if (untagged_.empty()) return fail_next(error::unexpected_response);
            k = &untagged_.front();
        }
        const call_id id = k->id;
        auto finish = [&] {
            if (tagged != by_tag_.end()) {
                tag_of_.erase(id);
                by_tag_.erase(tagged);
            } else {
                untagged_.pop_front();
            }
        };

        if (auto* res = std::get_if<sxtp::response>(&*m)) {
            if (k->streaming) return fail_next(error::unexpected_message);
            if (res->stream.value_or(false)) {
                k->streaming = true;
                return stream_opened{id, std::move(*res)};
            }
            finish();
            return answer{id, std::move(*res)};
        }
        if (!k->streaming) return fail_next(error::unexpected_message);
        if (auto* c = std::get_if<sxtp::chunk>(&*m)) {
            if (c->done.value_or(false)) {
                finish();
                return stream_ended{id, std::move(*c)};
            }
            if (c->seq && *c->seq != k->seq) return fail_next(error::unexpected_message);
            ++k->seq;
            return stream_item{id, std::move(*c)};
        }
        return stream_item{id, std::move(std::get<sxtp::event>(*m))};
    }

    /// Bytes to write, in order (not those a writer has taken). For a
    /// synchronous write only: never hold this view across a suspension.
    std::string_view output() const noexcept { return out_.pending(); }
    /// Marks `n` bytes of output() as written.
    void consume(std::size_t n) { out_.consume(n); }
    /// Every byte of output(), for an asynchronous write: the buffer is the
    /// caller's alone, unchanged by later sends, until output_written().
    std::string take_output() { return out_.take(); }
    /// The buffer take_output() returned, written (or abandoned).
    void output_written(std::string&& batch) noexcept { out_.written(std::move(batch)); }
    /// Bytes not yet written: output() and a taken buffer.
    std::size_t output_size() const noexcept { return out_.size(); }

    /// Calls sent and not yet answered (streams until their done chunk).
    std::size_t in_flight() const noexcept { return by_tag_.size() + untagged_.size(); }
    bool failed() const noexcept { return static_cast<bool>(failed_); }

private:
    struct call {
        call_id id;
        bool streaming = false;    // its stream head arrived
        std::int64_t seq = 0;      // the next chunk's expected :seq
        std::int64_t upload_seq = 0;
        bool upload_done = false;
    };

    client_event fail_next(error e) {
        fail(e);
        return next_event();
    }

    void fail(boost::system::error_code e) {
        if (failed_) return;
        failed_ = e;
        for (const call& k : untagged_) doomed_.push_back(k.id);
        std::vector<call_id> tagged;
        for (const auto& [tag, k] : by_tag_) tagged.push_back(k.id);
        std::sort(tagged.begin(), tagged.end());
        doomed_.insert(doomed_.end(), tagged.begin(), tagged.end());
        untagged_.clear();
        by_tag_.clear();
        tag_of_.clear();
        out_.clear();
    }

    frame_reader frames_;
    std::map<std::int64_t, call> by_tag_;
    std::map<call_id, std::int64_t> tag_of_;
    std::deque<call> untagged_;
    std::deque<call_id> doomed_;
    call_id next_id_ = 1;
    std::int64_t next_tag_ = 1;
    boost::system::error_code failed_;
    output_queue out_;
};

} // namespace sxtp::wire

#endif
