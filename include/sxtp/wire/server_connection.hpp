// sxtp/wire/server_connection.hpp — the server side of one connection, sans
// I/O: bytes in, events out; answers in, bytes out (SPEC §2–3).
//
//   wire::server_connection conn;
//   // I/O layer: read into conn.prepare(), conn.commit(n); write conn.output(), conn.consume(n).
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
// Streams (chunks and credit) come with the streaming layer.
#ifndef SXTP_WIRE_SERVER_CONNECTION_HPP
#define SXTP_WIRE_SERVER_CONNECTION_HPP

#include <sxtp/sx/reader.hpp>
#include <sxtp/typed/codec.hpp>
#include <sxtp/wire/conditions.hpp>
#include <sxtp/wire/events.hpp>
#include <sxtp/wire/frame.hpp>
#include <sxtp/wire/output_queue.hpp>
#include <sxtp/wire/payload.hpp>

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <variant>

namespace sxtp::wire {

/// Limits of one server connection.
struct connection_limits {
    frame_limits frames;
    /// Requests handed to handlers and not yet answered; more are answered overloaded.
    std::size_t max_in_flight = 100;
};

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

using connection_event = std::variant<need_more, incoming_request, cancel_requested, connection_failed>;

class server_connection {
public:
    explicit server_connection(connection_limits limits = {}) : limits_(limits), frames_(limits.frames) {}

    // -- input ----------------------------------------------------------------
    std::span<char> prepare() { return failed_ ? std::span<char>() : frames_.prepare(); }
    void commit(std::size_t n) noexcept { frames_.commit(n); }

    /// The next thing the application must act on.
    connection_event next_event() {
        while (!failed_) {
            const frame f = frames_.next();
            if (f.state == frame::need_more) return need_more{};
            if (f.state == frame::failed) {
                failed_ = f.error;
                sxtp::condition c = f.error == error::frame_too_large
                                        ? make_condition(conditions::frame_too_large{static_cast<std::int64_t>(limits_.frames.max_frame)},
                                                         "frame larger than " + std::to_string(limits_.frames.max_frame) + " bytes")
                                        : make_condition(conditions::malformed_frame{}, "the length line must be 1 to 10 digits and a newline");
                answer_now(std::nullopt, condition_response(status_code::invalid, std::move(c)));
                return connection_failed{failed_};
            }
            if (auto ev = on_payload(f.payload)) return std::move(*ev);
        }
        return connection_failed{failed_};
    }

    // -- answers --------------------------------------------------------------
    /// The handler of request `id` finished with `r` (its `:tag` is filled
    /// in). If the request was already answered (cancelled, expired,
    /// abandoned), `r` is dropped; either way the request stops counting as
    /// in flight. Returns false for an id whose handler is not running.
    bool respond(request_id id, sxtp::response r) {
        if (running_.erase(id) == 0) return false;
        answer(id, std::move(r));
        return true;
    }

    /// The deadline of request `id` passed: answers it `error`/
    /// `deadline-exceeded` unless it is answered already. Its handler still
    /// counts until respond(). Returns whether it answered.
    bool expire(request_id id) {
        return answer(id, condition_response(status_code::error, make_condition(conditions::deadline_exceeded{}, "the request's deadline passed")));
    }

    /// Answers every request not yet answered with `r` (a drain that ran out
    /// of time). Handlers still running count until respond().
    void abandon(const sxtp::response& r) {
        std::vector<request_id> open;
        for (const auto& [id, s] : slots_)
            if (!s.answered) open.push_back(id);
        for (request_id id : open) answer(id, r);
    }

    /// Graceful shutdown: from now on new requests are answered shutting-down.
    void begin_shutdown() noexcept { shutting_down_ = true; }

    // -- output ---------------------------------------------------------------
    /// Bytes to write, in order.
    std::string_view output() const noexcept { return out_.pending(); }
    /// Marks `n` bytes of output() as written.
    void consume(std::size_t n) { out_.consume(n); }

    // -- state ----------------------------------------------------------------
    /// Requests whose handlers have not finished (cancelled and expired ones included).
    std::size_t in_flight() const noexcept { return running_.size(); }
    /// Requests accepted but not yet answered on the wire (waiting for order included).
    std::size_t unanswered() const noexcept { return slots_.size(); }
    /// True once framing failed or shutdown began and every answer has been written.
    bool done() const noexcept { return (failed_ || shutting_down_) && slots_.empty() && output().empty(); }
    bool failed() const noexcept { return static_cast<bool>(failed_); }
    /// Bytes received and not yet part of a whole frame (a frame is arriving).
    std::size_t buffered() const noexcept { return frames_.buffered(); }

private:
    struct slot {
        std::optional<message_tag> tag;
        bool answered = false;
        std::string frame;  // the encoded answer, once there is one
    };

    static std::string encode(const sxtp::response& r) {
        std::string out;
        write_frame(out, typed::canonical(r));
        return out;
    }

    // Answers slot `id` unless it is answered or gone; returns whether it did.
    bool answer(request_id id, sxtp::response r) {
        const auto it = slots_.find(id);
        if (it == slots_.end() || it->second.answered) return false;
        slot& s = it->second;
        r.tag = s.tag;
        s.answered = true;
        if (s.tag)
            if (const auto t = tags_.find(*s.tag); t != tags_.end() && t->second == id) tags_.erase(t);  // not a refused repeat's
        s.frame = encode(r);
        flush_ready(id);
        return true;
    }

    // An answer decided by the connection itself, in its place in the order.
    void answer_now(const std::optional<message_tag>& tag, sxtp::response r) {
        const request_id id = next_id_++;
        slots_[id].tag = tag;
        if (!tag) untagged_.push_back(id);
        answer(id, std::move(r));
    }

    std::optional<connection_event> on_payload(std::string_view payload) {
        auto m = decode_payload(payload, reader_);
        if (!m) {
            answer_now(std::nullopt, condition_response(status_code::invalid, m.error()));
            return std::nullopt;
        }
        if (auto* c = std::get_if<sxtp::cancel>(&*m)) {
            const auto t = tags_.find(c->tag);
            if (t == tags_.end()) return std::nullopt;  // answered already, or a repeat
            const request_id id = t->second;
            answer(id, condition_response(status_code::error, make_condition(conditions::cancelled{}, "cancelled by the client")));
            return cancel_requested{id};
        }
        auto* req = std::get_if<sxtp::request>(&*m);
        if (!req) {
            answer_now(std::nullopt, condition_response(status_code::invalid,
                                                        make_condition(conditions::malformed_message{},
                                                                       "a client sends request, cancel, chunk or credit")));
            return std::nullopt;
        }
        const std::optional<message_tag> tag = req->tag;
        if (tag && tags_.count(*tag)) {
            answer_now(tag, condition_response(status_code::invalid,
                                               make_condition(conditions::malformed_message{}, "this tag is already in flight")));
            return std::nullopt;
        }
        if (shutting_down_) {
            answer_now(tag, condition_response(status_code::unavailable, make_condition(conditions::shutting_down{}, "shutting down")));
            return std::nullopt;
        }
        if (running_.size() >= limits_.max_in_flight) {
            answer_now(tag, condition_response(status_code::unavailable, make_condition(conditions::overloaded{}, "too many requests in flight")));
            return std::nullopt;
        }
        const request_id id = next_id_++;
        slot& s = slots_[id];
        s.tag = tag;
        if (tag) tags_.emplace(*tag, id);
        else untagged_.push_back(id);
        running_.insert(id);
        return incoming_request{id, std::move(*req)};
    }

    // Writes what may be written: a tagged answer at once, untagged answers
    // from the front of the order while they are ready.
    void flush_ready(request_id id) {
        slot& s = slots_[id];
        if (s.tag) {
            out_.buffer() += s.frame;
            slots_.erase(id);
            return;
        }
        while (!untagged_.empty()) {
            const auto it = slots_.find(untagged_.front());
            if (!it->second.answered) break;
            out_.buffer() += it->second.frame;
            slots_.erase(it);
            untagged_.pop_front();
        }
    }

    connection_limits limits_;
    frame_reader frames_;
    sx::reader reader_;
    std::map<request_id, slot> slots_;               // accepted, not yet written
    std::deque<request_id> untagged_;               // untagged ids in arrival order
    std::map<message_tag, request_id> tags_;        // tags in flight
    request_id next_id_ = 1;
    std::set<request_id> running_;                  // handlers not yet finished
    bool shutting_down_ = false;
    boost::system::error_code failed_;
    output_queue out_;
};

} // namespace sxtp::wire

#endif
