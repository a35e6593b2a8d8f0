// Definitions for sxtp/mesh/impl/channel_connection.hpp: nghttp2's callbacks,
// and how a stream's messages become calls and their answers DATA.
#ifndef SXTP_MESH_IMPL_CHANNEL_STREAMS_HPP
#define SXTP_MESH_IMPL_CHANNEL_STREAMS_HPP

namespace sxtp::mesh::detail {

inline int channel_connection::on_begin_headers(nghttp2_session*, const nghttp2_frame* f, void* self) {
    auto& c = *static_cast<channel_connection*>(self);
    if (f->hd.type != NGHTTP2_HEADERS || f->headers.cat != NGHTTP2_HCAT_REQUEST) return 0;
    c.streams_.emplace(f->hd.stream_id, std::make_unique<stream_state>(f->hd.stream_id, c.limits_.max_message));
    c.last_activity_ = clock::now();
    return 0;
}

inline int channel_connection::on_header(nghttp2_session*, const nghttp2_frame* f, const std::uint8_t* name, std::size_t namelen,
                                         const std::uint8_t* value, std::size_t valuelen, std::uint8_t, void* self) {
    auto& c = *static_cast<channel_connection*>(self);
    if (f->hd.type != NGHTTP2_HEADERS || f->headers.cat != NGHTTP2_HCAT_REQUEST) return 0;
    stream_state* st = c.find(f->hd.stream_id);
    if (!st) return 0;
    st->header_bytes += namelen + valuelen;
    if (st->header_bytes > c.limits_.max_header_bytes) {
        ++c.owner_.counters_.streams_reset;
        return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;  // nghttp2 resets the stream
    }
    const std::string_view n(reinterpret_cast<const char*>(name), namelen);
    const std::string_view v(reinterpret_cast<const char*>(value), valuelen);
    if (n == ":method") st->method = v;
    else if (n == ":path") st->path = v;
    else if (!n.empty() && n.front() == ':') return 0;
    else if (n == "authorization") {
        if (v.size() > 7 && (v.substr(0, 7) == "Bearer " || v.substr(0, 7) == "bearer ")) st->headers->bearer = std::string(v.substr(7));
    } else if (n == "x-service-name") {
        if (st->named) return 0;  // the first one counts
        st->named = true;
        st->headers->metadata.emplace_back(std::string(n), std::string(v));
    } else {
        st->headers->metadata.emplace_back(std::string(n), std::string(v));
    }
    return 0;
}

inline int channel_connection::on_frame_recv(nghttp2_session*, const nghttp2_frame* f, void* self) {
    auto& c = *static_cast<channel_connection*>(self);
    if (f->hd.type == NGHTTP2_RST_STREAM) ++c.resets_;  // any code: a reset stream costs us all the same
    if (f->hd.type != NGHTTP2_HEADERS && f->hd.type != NGHTTP2_DATA) return 0;
    stream_state* st = c.find(f->hd.stream_id);
    if (!st) return 0;
    if (f->hd.type == NGHTTP2_HEADERS && f->headers.cat == NGHTTP2_HCAT_REQUEST) c.headers_done(*st);
    if (f->hd.flags & NGHTTP2_FLAG_END_STREAM) c.peer_ended(*st);
    return 0;
}

inline void channel_connection::headers_done(stream_state& st) {
    const char* status = nullptr;
    auto& md = st.headers->metadata;
    const auto name = std::find_if(md.begin(), md.end(), [](const auto& h) { return h.first == "x-service-name"; });
    if (name != md.end()) std::rotate(md.begin(), name, name + 1);  // x-service-name first
    if (st.path != "/channel") status = "404";
    else if (st.method != "POST") status = "405";
    else if (!st.named) status = "400";
    auto nv = [](const char* n, const char* v) {
        return nghttp2_nv{reinterpret_cast<std::uint8_t*>(const_cast<char*>(n)), reinterpret_cast<std::uint8_t*>(const_cast<char*>(v)),
                          std::strlen(n), std::strlen(v), NGHTTP2_NV_FLAG_NONE};
    };
    if (status) {
        const nghttp2_nv h[] = {nv(":status", status)};
        nghttp2_submit_response(session_, st.id, h, 1, nullptr);
        st.broken = true;
        ++owner_.counters_.bad_messages;
        return;
    }
    st.accepted = true;
    const nghttp2_nv h[] = {nv(":status", "200"), nv("content-type", "application/x-mesh-channel")};
    nghttp2_data_provider data;
    data.source.ptr = nullptr;
    data.read_callback = &channel_connection::read_data;
    nghttp2_submit_response(session_, st.id, h, 2, &data);
}

inline void channel_connection::peer_ended(stream_state& st) {
    st.peer_ended = true;
    if (st.accepted && !st.broken && st.framer.partial())
        fail_stream(st, status_code::invalid,
                    make_condition(sxtp::conditions::malformed_message{}, "the stream ended inside a message"));
    nghttp2_session_resume_data(session_, st.id);
}

inline int channel_connection::on_data_chunk(nghttp2_session*, std::uint8_t, std::int32_t id, const std::uint8_t* data, std::size_t len, void* self) {
    auto& c = *static_cast<channel_connection*>(self);
    stream_state* st = c.find(id);
    if (!st || !st->accepted || st->broken) return 0;  // a refused stream's data is dropped
    c.last_activity_ = clock::now();
    if (c.held() + len > c.limits_.connection_budget) {
        c.fail_stream(*st, status_code::unavailable,
                      make_condition(sxtp::conditions::overloaded{}, "the connection holds too much; send less at once"));
        return 0;
    }
    const bool was_partial = st->framer.partial();
    const auto s = st->framer.append(std::string_view(reinterpret_cast<const char*>(data), len),
                                     [&](std::string_view json) { c.dispatch(*st, json); });
    if (s == message_framer::status::too_large)
        c.fail_stream(*st, status_code::invalid,
                      make_condition(sxtp::conditions::frame_too_large{static_cast<std::int64_t>(c.limits_.max_message)}, "message too large"));
    else if (st->framer.partial() && (!was_partial || st->framer.held() < len)) st->partial_since = clock::now();
    return 0;
}

inline int channel_connection::on_stream_close(nghttp2_session*, std::int32_t id, std::uint32_t error_code, void* self) {
    auto& c = *static_cast<channel_connection*>(self);
    const auto it = c.streams_.find(id);
    if (it == c.streams_.end()) return 0;
    (void)error_code;
    for (auto& [n, weak] : c.jobs_)
        if (auto job = weak.lock(); job && job->stream == id) {
            job->cancelled = true;
            job->signal.emit(boost::asio::cancellation_type::terminal);
        }
    c.streams_.erase(it);
    if (c.room_waiters_) c.room_.cancel();  // a streaming call of that stream may be waiting
    c.last_activity_ = clock::now();
    c.kick();
    return 0;
}

inline ssize_t channel_connection::read_data(nghttp2_session*, std::int32_t id, std::uint8_t* buf, std::size_t length, std::uint32_t* flags,
                                             nghttp2_data_source*, void* self) {
    auto& c = *static_cast<channel_connection*>(self);
    stream_state* st = c.find(id);
    if (!st) return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
    const std::size_t n = std::min(length, st->out.size() - st->sent);
    std::memcpy(buf, st->out.data() + st->sent, n);
    st->sent += n;
    if (n) {
        c.last_progress_ = clock::now();
        c.rate_bytes_ += n;
    }
    if (st->sent == st->out.size()) {
        st->out.clear();
        st->sent = 0;
        if (st->finished()) {
            *flags |= NGHTTP2_DATA_FLAG_EOF;
            if (!st->peer_ended && !st->reset_sent) {  // refused mid-stream: ask the peer to stop sending (RFC 9113 §8.1)
                st->reset_sent = true;
                nghttp2_submit_rst_stream(c.session_, NGHTTP2_FLAG_NONE, id, NGHTTP2_NO_ERROR);
            }
        } else if (n == 0) {
            return NGHTTP2_ERR_DEFERRED;
        }
    }
    if (n && c.reader_waiting_) c.wake_reader_.cancel();  // room again
    if (n && c.room_waiters_) c.room_.cancel();
    return static_cast<ssize_t>(n);
}

inline void channel_connection::dispatch(stream_state& st, std::string_view json) {
    const std::uint64_t seq = st.next_seq++;
    auto m = parse_message(json);
    if (!m) {
        ++owner_.counters_.bad_messages;
        answer(st.id, seq, frame_message(refusal_message("", status_code::invalid, make_condition(sxtp::conditions::malformed_message{}, std::string(describe(m.error()))))), true);
        return;
    }
    auto c = to_call(service_, *st.headers, std::move(*m));
    if (auto* refusal = std::get_if<channel_message>(&c)) {
        ++owner_.counters_.bad_messages;
        answer(st.id, seq, frame_message(*refusal), true);
        return;
    }
    auto job = std::make_shared<call_job>(*this, socket_.get_executor());
    job->call = std::move(std::get<bridged_call>(c));
    if (job->call.function && job->call.function->streams_in) {
        answer(st.id, seq,
               frame_message(refusal_message(job->call.function_name, status_code::invalid,
                                             make_condition(sxtp::conditions::unsupported_verb{}, "client-streaming endpoints are not served on the Mesh transport"),
                                             job->call.id)),
               true);
        return;
    }
    job->headers = st.headers;
    job->stream = st.id;
    job->seq = seq;
    job->weight = json.size() + 1024;  // the request as parsed and its call state: counted while it runs
    in_flight_bytes_ += job->weight;
    ++st.calls;
    ++calls_;
    run_call(std::move(job));
}

inline void channel_connection::run_call(std::shared_ptr<call_job> job) {
    job->ctx.emplace(job->call.req, peer_);
    call_context& ctx = *job->ctx;
    ctx.metadata_ = job->headers->metadata;
    ctx.cancelled_ = &job->cancelled;
    ctx.ports_ = job.get();
    if (service_.observed()) ctx.started_ = clock::now();
    if (job->call.req.headers && job->call.req.headers->timeout_ms && *job->call.req.headers->timeout_ms >= 0)
        ctx.deadline = clock::now() + std::chrono::milliseconds(std::min<std::int64_t>(*job->call.req.headers->timeout_ms, 86'400'000));
    auto first = service_.resolve(job->call.req, ctx);
    if (auto* r = std::get_if<response>(&first)) {
        finish(*job, std::move(*r));
        return;
    }
    const std::uint64_t n = next_job_++;
    ctx.call_id_ = n;
    jobs_.emplace(n, job);
    if (ctx.deadline) {
        job->timer.expires_at(*ctx.deadline);
        job->timer.async_wait([weak = std::weak_ptr<call_job>(job)](boost::system::error_code ec) {
            if (auto j = weak.lock(); j && !ec) {
                j->timed_out = true;
                j->cancelled = true;  // a stream's writes fail from now on
                j->signal.emit(boost::asio::cancellation_type::terminal);
            }
        });
    }
    boost::asio::co_spawn(socket_.get_executor(), service_.run(job->call.req, std::move(std::get<service::deferred>(first)), ctx),
                          boost::asio::bind_cancellation_slot(job->signal.slot(), [self = shared_from_this(), job, n](std::exception_ptr e, response r) {
                              self->jobs_.erase(n);
                              job->timer.cancel();
                              // A handler cut short answers what cut it short, whatever it made of the cancellation.
                              if (job->timed_out)
                                  r = condition_response(status_code::error, make_condition(sxtp::conditions::deadline_exceeded{}, "deadline exceeded"));
                              else if (e || job->cancelled)
                                  r = condition_response(status_code::error, make_condition(sxtp::conditions::cancelled{}, "cancelled"));
                              self->finish(*job, std::move(r));
                          }));
}

inline boost::asio::awaitable<bool> channel_connection::channel_port::open(sxtp::response, bool) {
    opened_ = true;
    co_return !job_.cancelled && !c_.closed_;
}

inline boost::asio::awaitable<bool> channel_connection::channel_port::send(std::variant<sxtp::chunk, sxtp::event> m) {
    opened_ = true;
    // Let the executor's other work run between two messages: one stream does not starve the others.
    co_await boost::asio::post(co_await boost::asio::this_coro::executor, boost::asio::use_awaitable);
    // Wait while this stream's answers are not taken (or the connection holds
    // too much): the write timeout and minimum rate bound how long.
    auto queued = [this] {
        const stream_state* st = c_.find(job_.stream);
        return st ? st->out.size() - st->sent : std::size_t{0};
    };
    while (!job_.cancelled && !c_.closed_ && (queued() > c_.limits_.stream_queue || c_.held() > c_.limits_.connection_budget / 2)) {
        ++c_.room_waiters_;
        c_.room_.expires_at(clock::time_point::max());
        boost::system::error_code ec;
        co_await c_.room_.async_wait(boost::asio::redirect_error(boost::asio::use_awaitable, ec));
        --c_.room_waiters_;
    }
    if (job_.cancelled || c_.closed_) co_return false;
    channel_message msg;
    if (auto* ch = std::get_if<sxtp::chunk>(&m)) {
        if (ch->done.value_or(false)) co_return true;  // the final answer message ends the stream
        msg = chunk_message(job_.call, ch->body.value_or(sx::value()), chunks_++);
    } else {
        const auto& ev = std::get<sxtp::event>(m);
        if (ev.type.name() == "heartbeat") co_return true;  // HTTP/2 has its own PING
        msg = event_message(job_.call, ev.type.name(), ev.body.value_or(sx::value()));
    }
    c_.answer(job_.stream, job_.seq, frame_message(msg), false);
    co_return true;
}

inline void channel_connection::finish(call_job& job, response r) {
    --calls_;
    in_flight_bytes_ -= job.weight;
    job.weight = 0;
    if (stream_state* st = find(job.stream)) --st->calls;
    if (closed_) return;
    kick();  // a paused reader may go on: one call fewer, its bytes released
    service_.observe(*job.ctx, r);
    std::string bytes = frame_message(answer_message(job.call, r));
    service_.record(*job.ctx, r.status.code(), bytes.size());
    ++owner_.counters_.calls;
    answer(job.stream, job.seq, std::move(bytes), true);
}

inline void channel_connection::answer(std::int32_t id, std::uint64_t seq, std::string bytes, bool last) {
    stream_state* st = find(id);
    if (!st || closed_) return;  // the stream (or the connection) went: nobody to tell
    auto& p = st->ready[seq];
    p.bytes += bytes;
    p.complete = p.complete || last;
    while (!st->ready.empty() && st->ready.begin()->first == st->next_out) {
        auto& head = st->ready.begin()->second;
        st->out += head.bytes;
        head.bytes.clear();
        if (!head.complete) break;
        st->ready.erase(st->ready.begin());
        ++st->next_out;
    }
    nghttp2_session_resume_data(session_, id);
    kick();
}

inline void channel_connection::fail_stream(stream_state& st, status_code s, const condition& c) {
    if (st.broken) return;
    st.broken = true;
    ++owner_.counters_.streams_reset;
    const std::uint64_t seq = st.next_seq++;
    answer(st.id, seq, frame_message(refusal_message("", s, c)), true);
}

inline std::size_t channel_connection::held() const {
    std::size_t n = in_flight_bytes_;
    for (const auto& [id, st] : streams_) n += st->held();
    return n;
}

} // namespace sxtp::mesh::detail

#endif
