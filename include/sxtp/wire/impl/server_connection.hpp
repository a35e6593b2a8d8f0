// Definitions for sxtp/wire/server_connection.hpp.
#ifndef SXTP_WIRE_IMPL_SERVER_CONNECTION_HPP
#define SXTP_WIRE_IMPL_SERVER_CONNECTION_HPP

#include <algorithm>
#include <limits>
#include <string>
#include <utility>

namespace sxtp::wire {

inline connection_event server_connection::next_event() {
    for (int answered = 0; !failed_; ++answered) {
        if (answered == answered_itself::batch) return answered_itself{};
        const frame f = frames_.next();
        if (f.state == frame::need_more) return need_more{};
        if (f.state == frame::failed) {
            failed_ = f.error;
            sxtp::condition c = f.error == error::frame_too_large
                                    ? make_condition(conditions::frame_too_large{static_cast<std::int64_t>(limits_.frames.max_frame)},
                                                     "frame larger than " + std::to_string(limits_.frames.max_frame) + " bytes")
                                    : make_condition(conditions::malformed_frame{}, "the length line must be 1 to 10 digits and a newline");
            answer_now(std::nullopt, status_code::invalid, std::move(c));
            return connection_failed{failed_};
        }
        if (auto ev = on_payload(f.payload)) return std::move(*ev);
    }
    return connection_failed{failed_};
}

inline bool server_connection::respond(request_id id, sxtp::response r) {
    if (running_.erase(id) == 0) return false;
    answer(id, std::move(r));
    return true;
}

inline void server_connection::abandon(const sxtp::response& r) {
    std::vector<request_id> open;
    for (const auto& [id, s] : slots_)
        if (!s.answered) open.push_back(id);
    for (request_id id : open) answer(id, r);
}

inline bool server_connection::open_stream(request_id id, sxtp::response head) {
    const auto it = slots_.find(id);
    if (it == slots_.end() || it->second.answered || it->second.streaming) return false;
    slot& s = it->second;
    s.streaming = true;
    s.credit = s.tag ? s.credit + stream_window : std::numeric_limits<std::int64_t>::max();  // credit granted early counts
    head.tag = s.tag;
    head.stream = true;
    put(id, head);
    return true;
}

inline bool server_connection::stream(request_id id, sxtp::chunk c) {
    slot* s = open_slot(id);
    if (!s) return false;
    c.tag = s->tag;
    c.seq = s->seq++;
    c.done.reset();
    --s->credit;
    put(id, c);
    return true;
}

inline bool server_connection::stream(request_id id, sxtp::event e) {
    slot* s = open_slot(id);
    if (!s) return false;
    e.tag = s->tag;
    --s->credit;
    put(id, e);
    return true;
}

inline std::int64_t server_connection::stream_credit(request_id id) const {
    const auto it = slots_.find(id);
    if (it == slots_.end() || it->second.answered) return 0;
    return std::max<std::int64_t>(0, it->second.credit);
}

inline void server_connection::grant(request_id id, std::int64_t n) {
    const auto it = slots_.find(id);
    if (n <= 0 || it == slots_.end() || it->second.answered || !it->second.upload_open || !it->second.tag) return;
    it->second.allowance += n;
    write_message(out_.buffer(), message(sxtp::credit{*it->second.tag, n}));
}

template <class M>
inline void server_connection::put(request_id id, const M& m) {
    // Written in place: a tagged answer, or the untagged one at the front,
    // straight into the output; a later untagged one into its slot, held
    // until the answers before it are out.
    const auto it = slots_.find(id);
    slot& s = it->second;
    if (!s.tag && untagged_.front() != id) {
        const std::size_t before = s.frame.size();
        write_frame_of(s.frame, m);
        held_ += s.frame.size() - before;
        return;
    }
    write_frame_of(out_.buffer(), m);
    if (s.tag) {
        if (s.answered) slots_.erase(it);
        return;
    }
    release_held();
}

inline server_connection::slot* server_connection::open_slot(request_id id) {
    const auto it = slots_.find(id);
    if (it == slots_.end() || it->second.answered || !it->second.streaming) return nullptr;
    return &it->second;
}

inline bool server_connection::answer(request_id id, sxtp::response r) {
    const auto it = slots_.find(id);
    if (it == slots_.end() || it->second.answered) return false;
    slot& s = it->second;
    s.answered = true;
    s.upload_open = false;
    if (s.tag)
        if (const auto t = tags_.find(*s.tag); t != tags_.end() && t->second == id) tags_.erase(t);  // not a refused repeat's
    if (s.streaming) {
        sxtp::chunk last;
        last.tag = s.tag;
        last.done = true;
        if (!r.status.is_success()) last.body = std::move(r.body);
        put(id, last);
    } else {
        r.tag = s.tag;
        put(id, r);
    }
    return true;
}

inline void server_connection::answer_now(const std::optional<message_tag>& tag, status_code status, sxtp::condition c) {
    if (on_refusal_) on_refusal_(c);
    sxtp::response r = condition_response(status, std::move(c));
    const request_id id = next_id_++;
    slots_[id].tag = tag;
    if (!tag) untagged_.push_back(id);
    answer(id, std::move(r));
}

inline std::optional<connection_event> server_connection::on_payload(std::string_view payload) {
    auto m = decode_payload(payload, limits_.max_values);
    if (!m) {
        answer_now(std::nullopt, status_code::invalid, m.error());
        return std::nullopt;
    }
    if (auto* c = std::get_if<sxtp::cancel>(&*m)) {
        const auto t = tags_.find(c->tag);
        if (t == tags_.end()) return std::nullopt;  // answered already, or a repeat
        const request_id id = t->second;
        answer(id, condition_response(status_code::error, make_condition(conditions::cancelled{}, "cancelled by the client")));
        return cancel_requested{id};
    }
    if (auto* ch = std::get_if<sxtp::chunk>(&*m)) {
        if (!ch->tag) {
            answer_now(std::nullopt, status_code::invalid, make_condition(conditions::malformed_message{},
                                                                                             "a client's chunk needs the :tag of its request"));
            return std::nullopt;
        }
        const auto t = tags_.find(*ch->tag);
        if (t == tags_.end()) return std::nullopt;  // its request is answered (cancelled, refused): late chunks are dropped
        const request_id id = t->second;
        slot& s = slots_[id];
        if (!s.upload_open) return refuse_stream(id, "a chunk for a request that has no client stream open");
        if (ch->done.value_or(false)) {
            s.upload_open = false;
            return chunk_received{id, std::move(*ch), payload.size()};
        }
        if (s.allowance <= 0) return refuse_stream(id, "the client sent more chunks than its credit");
        --s.allowance;
        return chunk_received{id, std::move(*ch), payload.size()};
    }
    if (auto* cr = std::get_if<sxtp::credit>(&*m)) {
        const auto t = tags_.find(cr->tag);
        if (t == tags_.end() || cr->n <= 0) return std::nullopt;  // a finished stream's, or nothing
        slot& s = slots_[t->second];
        s.credit = std::min<std::int64_t>(s.credit, std::int64_t{1} << 40) + std::min<std::int64_t>(cr->n, std::int64_t{1} << 40);
        return credit_received{t->second};
    }
    auto* req = std::get_if<sxtp::request>(&*m);
    if (!req) {
        answer_now(std::nullopt, status_code::invalid,
                                                    make_condition(conditions::malformed_message{},
                                                                   "a client sends request, cancel, chunk or credit"));
        return std::nullopt;
    }
    const std::optional<message_tag> tag = req->tag;
    const bool uploads = req->stream.value_or(false);
    if (uploads && !tag) {
        answer_now(tag, status_code::invalid,
                                           make_condition(conditions::malformed_message{}, "a request with :stream true needs a :tag"));
        return std::nullopt;
    }
    if (tag && tags_.count(*tag)) {
        answer_now(tag, status_code::invalid,
                                           make_condition(conditions::malformed_message{}, "this tag is already in flight"));
        return std::nullopt;
    }
    if (shutting_down_ && req->verb.name() != "health") {  // health goes on: it says not-serving
        answer_now(tag, status_code::unavailable, make_condition(conditions::shutting_down{}, "shutting down"));
        return std::nullopt;
    }
    if (running_.size() >= limits_.max_in_flight) {
        answer_now(tag, status_code::unavailable, make_condition(conditions::overloaded{}, "too many requests in flight"));
        return std::nullopt;
    }
    const request_id id = next_id_++;
    slot& s = slots_[id];
    s.tag = tag;
    s.upload_open = uploads;
    if (tag) tags_.emplace(*tag, id);
    else untagged_.push_back(id);
    running_.insert(id);
    return incoming_request{id, std::move(*req)};
}

inline void server_connection::release_held() {
    while (!untagged_.empty()) {
        const auto front = slots_.find(untagged_.front());
        out_.buffer() += front->second.frame;
        held_ -= front->second.frame.size();
        std::string().swap(front->second.frame);
        if (!front->second.answered) break;
        slots_.erase(front);
        untagged_.pop_front();
    }
}
} // namespace sxtp::wire

#endif
