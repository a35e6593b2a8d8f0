// sxtp/wire/server_connection.hpp — the server side of one connection, sans
// I/O: bytes in, events out; answers in, bytes out (SPEC §2–3).
//
//   wire::server_connection conn;
//   // I/O layer: read into conn.prepare(), conn.commit(n); write what
//   // conn.take_output() hands over, then conn.output_written(buffer).
//   for (;;) {
//       auto ev = conn.next_event();
//       if (std::holds_alternative<wire::need_more>(ev)) break;                // read more
//       if (auto* r = std::get_if<wire::incoming_request>(&ev)) start(r->id, r->req);
//       if (auto* c = std::get_if<wire::cancel_requested>(&ev)) stop(c->id);   // still answer it
//       if (std::holds_alternative<wire::connection_failed>(ev)) break;       // stop reading
//   }
//   conn.respond(id, response);   // when a handler finishes
//   conn.expire(id);              // when its :timeout-ms passes first
//
// What it guarantees:
// * untagged requests are answered strictly in order, whatever order the
//   handlers finish in; tagged requests are answered as soon as they finish;
// * every request gets exactly one terminal message: a request the client
//   cancels is answered `error`/`cancelled` at once, one whose deadline
//   passes `error`/`deadline-exceeded` (expire), and the handler's own
//   answer, when it comes, is dropped; a request over the in-flight limit
//   is answered `unavailable`/`overloaded` at once; during shutdown new
//   requests are answered `unavailable`/`shutting-down`; abandon() answers
//   whatever is left when a drain runs out of time;
// * a cancelled or expired request counts as in flight until its handler
//   has finished (respond);
// * a payload that is not a valid message is answered `invalid`/
//   `malformed-message` in its place in the untagged order, and the
//   connection stays open; a framing error is answered `invalid`/
//   `malformed-frame` or `frame-too-large` after everything accepted before
//   it, and then the connection closes.
//
// Streams (SPEC §3):
// * open_stream(id, head) sends `(response … :stream true)`; stream(id, m)
//   sends a chunk (numbered `:seq` 0, 1, …) or an event; the terminal
//   message of a stream is `(chunk :done true)`, or `(chunk :done true :body
//   (condition …))` when it ends early (the handler's condition, cancel,
//   deadline, shutdown). respond(), expire() and abandon() end a stream that
//   way.
// * Credit: a tagged stream may send stream_window (64) messages, plus what
//   the client grants with `(credit :tag T :n K)` (credit_received).
//   stream_credit(id) says what is left; the I/O layer waits while it is 0.
//   An untagged stream cannot be granted credit (credit names a tag): it is
//   paced by the connection's output bound alone.
// * Untagged streams keep the order: messages of a stream that is not yet
//   at the front are held (held(id)), and later untagged answers wait for
//   its done chunk.
// * A request with `:stream true` is followed by the client's chunks
//   (chunk_received) up to its done chunk; it must be tagged. The client may
//   send stream_window chunks plus what grant(id, n) gives back; a chunk
//   beyond that ends the request `invalid` (and cancel_requested).
#ifndef SXTP_WIRE_SERVER_CONNECTION_HPP
#define SXTP_WIRE_SERVER_CONNECTION_HPP

#include <sxtp/sx/reader.hpp>
#include <sxtp/typed/codec.hpp>
#include <sxtp/wire/conditions.hpp>
#include <sxtp/wire/events.hpp>
#include <sxtp/wire/frame.hpp>
#include <sxtp/wire/limits.hpp>
#include <sxtp/wire/output_queue.hpp>
#include <sxtp/wire/payload.hpp>

#include <cstdint>
#include <deque>
#include <functional>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <variant>

namespace sxtp::wire {

using request_id = std::uint64_t;

/// A request for a handler. Answer it with server_connection::respond(id, …).
struct incoming_request {
    request_id id;
    sxtp::request req;
};
/// The client cancelled request `id` (already answered `cancelled`): stop
/// its handler; respond() when it has stopped.
struct cancel_requested {
    request_id id;
};

/// A chunk of request `id`'s client stream (`done` set on the last).
struct chunk_received {
    request_id id;
    sxtp::chunk c;
    std::size_t bytes = 0;  ///< its payload's size (what holding it costs, for budgets)
};
/// The client granted request `id`'s stream more credit.
struct credit_received {
    request_id id;
};

/// The connection answered `answered_itself::batch` frames itself (malformed
/// messages, refusals) in one call: nothing to act on, call next_event()
/// again. It bounds the work of one call, so that an I/O layer can let
/// other connections run between two batches of a long pipeline.
struct answered_itself {
    static constexpr int batch = 64;
};

using connection_event =
    std::variant<need_more, incoming_request, cancel_requested, chunk_received, credit_received, connection_failed, answered_itself>;

class server_connection {
public:
    explicit server_connection(connection_limits limits = {}) : limits_(limits), frames_(limits.frames) {}

    /// Replaces the limits (frame size from the next frame on; in-flight
    /// from the next request on).
    void set_limits(const connection_limits& l) noexcept {
        limits_ = l;
        frames_.set_max_frame(l.frames.max_frame);
    }
    const connection_limits& limits() const noexcept { return limits_; }

    /// Called with each answer the connection decides itself (a framing
    /// error, a malformed message, a repeated tag, overloaded, shutting
    /// down), before it is queued: for counting and logging.
    void on_refusal(std::function<void(const sxtp::condition&)> f) { on_refusal_ = std::move(f); }

    // -- input ----------------------------------------------------------------
    std::span<char> prepare() { return failed_ ? std::span<char>() : frames_.prepare(); }
    void commit(std::size_t n) noexcept { frames_.commit(n); }

    /// The next thing the application must act on.
    connection_event next_event();

    // -- answers --------------------------------------------------------------
    /// The handler of request `id` finished with `r` (its `:tag` is filled
    /// in). If the request was already answered (cancelled, expired,
    /// abandoned), `r` is dropped; either way the request stops counting as
    /// in flight. Returns false for an id whose handler is not running.
    bool respond(request_id id, sxtp::response r);

    /// The deadline of request `id` passed: answers it `error`/
    /// `deadline-exceeded` unless it is answered already. Its handler still
    /// counts until respond(). Returns whether it answered.
    bool expire(request_id id) {
        return answer(id, condition_response(status_code::error, make_condition(conditions::deadline_exceeded{}, "the request's deadline passed")));
    }

    /// Answers request `id` with `r` now, before its handler finishes (a
    /// stream the client broke). Its handler still counts until respond().
    /// Returns whether it answered.
    bool answer_early(request_id id, sxtp::response r) { return answer(id, std::move(r)); }

    /// Answers every request not yet answered with `r` (a drain that ran out
    /// of time). Handlers still running count until respond().
    void abandon(const sxtp::response& r);

    // -- streams --------------------------------------------------------------
    /// Starts request `id`'s answer as a stream: `head` goes out with
    /// `:stream true`. Returns false when the request is answered already
    /// (its messages would be dropped: stop producing).
    bool open_stream(request_id id, sxtp::response head);

    /// Sends one stream message of request `id` (its stream open): a chunk
    /// (tag and seq filled in; not done — respond() ends a stream) or an
    /// event (tag filled in). Uses one credit. Returns false when the stream
    /// is over (cancelled, expired, abandoned): stop producing.
    bool stream(request_id id, sxtp::chunk c);
    bool stream(request_id id, sxtp::event e);

    /// Messages request `id`'s stream may still send; 0 when it must wait
    /// for credit, or when it is over.
    std::int64_t stream_credit(request_id id) const;
    /// Bytes of request `id`'s answer held back because an earlier untagged
    /// answer is not complete.
    std::size_t held(request_id id) const {
        const auto it = slots_.find(id);
        return it == slots_.end() ? 0 : it->second.frame.size();
    }
    /// Whether request `id`'s stream head has gone out (or is held).
    bool streaming(request_id id) const {
        const auto it = slots_.find(id);
        return it != slots_.end() && it->second.streaming;
    }

    /// Whether request `id`'s client stream is still open (no done chunk yet).
    bool receiving(request_id id) const {
        const auto it = slots_.find(id);
        return it != slots_.end() && it->second.upload_open;
    }

    /// Gives the client `n` more chunks of credit for request `id`'s client
    /// stream: `(credit :tag T :n n)`.
    void grant(request_id id, std::int64_t n);

    /// Graceful shutdown: from now on new requests are answered shutting-down
    /// (except `health`, which goes to the server to be answered not-serving).
    void begin_shutdown() noexcept { shutting_down_ = true; }

    // -- output ---------------------------------------------------------------
    /// Bytes to write, in order (not those a writer has taken). For a
    /// synchronous write only: never hold this view across a suspension.
    std::string_view output() const noexcept { return out_.pending(); }
    /// Marks `n` bytes of output() as written.
    void consume(std::size_t n) { out_.consume(n); }
    /// Every byte of output(), for an asynchronous write: the buffer is the
    /// caller's alone, unchanged by later answers, until output_written().
    /// At most `max` bytes when given (a writer that reports progress).
    std::string take_output(std::size_t max = static_cast<std::size_t>(-1)) { return out_.take(max); }
    /// The buffer take_output() returned, written (or abandoned).
    void output_written(std::string&& batch) noexcept { out_.written(std::move(batch)); }
    /// Answer bytes not yet written: output() and a taken buffer.
    std::size_t output_size() const noexcept { return out_.size(); }
    /// Every byte this connection holds for its peer: answers queued, being
    /// written or held for their turn, the bookkeeping of each request not
    /// yet answered on the wire (an estimate per request), and the frame
    /// buffer. What a server counts against its per-connection budget.
    std::size_t bytes_held() const noexcept { return out_.size() + held_ + slots_.size() * slot_cost + frames_.capacity(); }
    /// Bytes of the frame buffer (part of bytes_held()).
    std::size_t frame_capacity() const noexcept { return frames_.capacity(); }
    /// Answer bytes held because an earlier untagged answer is not complete.
    std::size_t held_bytes() const noexcept { return held_; }

    // -- state ----------------------------------------------------------------
    /// Requests whose handlers have not finished (cancelled and expired ones included).
    std::size_t in_flight() const noexcept { return running_.size(); }
    /// Requests accepted but not yet answered on the wire (waiting for order included).
    std::size_t unanswered() const noexcept { return slots_.size(); }
    /// True once framing failed or shutdown began and every answer has been written.
    bool done() const noexcept { return (failed_ || shutting_down_) && slots_.empty() && out_.size() == 0; }
    bool failed() const noexcept { return static_cast<bool>(failed_); }
    /// Bytes received and not yet part of a whole frame (a frame is arriving).
    std::size_t buffered() const noexcept { return frames_.buffered(); }

private:
    struct slot {
        std::optional<message_tag> tag;
        bool answered = false;     // its terminal message is written (or held)
        bool streaming = false;    // its stream head is written (or held)
        bool upload_open = false;  // the client's stream has not ended
        std::int64_t credit = 0;   // stream messages it may still send
        std::int64_t seq = 0;      // the next chunk's :seq
        std::int64_t allowance = stream_window;  // client chunks it will still take
        std::string frame;         // bytes held until it is the front untagged answer
    };
    // What one accepted request costs while it waits for its answer to go
    // out: its slot's map node, its place in the untagged order or the tag
    // map, and in the running set (an estimate for budgets).
    static constexpr std::size_t slot_cost = sizeof(slot) + 160;

    template <class M>
    void put(request_id id, const M& m);

    slot* open_slot(request_id id);

    // Answers slot `id` unless it is answered or gone; returns whether it
    // did. A stream ends with its done chunk, which carries `r`'s condition
    // when `r` is not a success.
    bool answer(request_id id, sxtp::response r);

    // Ends request `id` with `invalid`/malformed-message: the client broke
    // the rules of its stream.
    connection_event refuse_stream(request_id id, std::string why) {
        answer(id, condition_response(status_code::invalid, make_condition(conditions::malformed_message{}, std::move(why))));
        return cancel_requested{id};
    }

    // An answer decided by the connection itself, in its place in the order.
    void answer_now(const std::optional<message_tag>& tag, status_code status, sxtp::condition c);

    std::optional<connection_event> on_payload(std::string_view payload);

    // Writes out the held answers of the untagged requests at the front
    // (the first unanswered one's so far, and every answered one's).
    void release_held();

    connection_limits limits_;
    frame_reader frames_;
    std::map<request_id, slot> slots_;               // accepted, not yet written
    std::deque<request_id> untagged_;               // untagged ids in arrival order
    std::map<message_tag, request_id> tags_;        // tags in flight
    request_id next_id_ = 1;
    std::set<request_id> running_;                  // handlers not yet finished
    bool shutting_down_ = false;
    boost::system::error_code failed_;
    output_queue out_;
    std::size_t held_ = 0;                          // bytes of every slot's frame
    std::function<void(const sxtp::condition&)> on_refusal_;
};

} // namespace sxtp::wire

#include <sxtp/wire/impl/server_connection.hpp>

#endif
