// Definitions for sxtp/server/connection.hpp: a connection's loops (read,
// write, guard, linger), its calls and its streams' heartbeats.
#ifndef SXTP_SERVER_IMPL_CONNECTION_HPP
#define SXTP_SERVER_IMPL_CONNECTION_HPP

namespace sxtp {

template <class Stream>
inline void connection<Stream>::report_refusal(const sxtp::condition& c) {
    const std::string_view type = c.type.name();
    if (type == "shutting-down") return;  // not the peer's doing
    const server_event kind = type == "malformed-frame"   ? server_event::malformed_frame
                              : type == "frame-too-large" ? server_event::frame_too_large
                              : type == "overloaded"      ? server_event::overloaded
                                                          : server_event::malformed_message;
    svc.reporter().report(kind, peer, [&] { return std::string(type) + ": " + c.message.value_or(""); }, opts.log);
}

template <class Stream>
inline void connection<Stream>::abandon() {
    condition c = make_condition(conditions::shutting_down{}, "the server shut down before this request finished");
    c.retry = false;  // it may have had effects
    state.abandon(condition_response(status_code::unavailable, c));
    cancel_all();
    abandoned = true;
    wake.cancel();
}

template <class Stream>
inline void connection<Stream>::drop_port(wire::request_id id) {
    const auto it = ports.find(id);
    if (it == ports.end()) return;
    for (const auto& c : it->second->inbox) upload_bytes -= c.second;
    ports.erase(it);
    drained.cancel();  // the budget has room again
}

template <class Stream>
inline boost::asio::awaitable<void> connection<Stream>::heartbeats(std::shared_ptr<connection> keep_alive, wire::request_id id, std::shared_ptr<call_state> call) {
    (void)keep_alive;  // the coroutine keeps its connection
    const auto interval = opts.heartbeat_interval;
    for (;;) {
        const auto it = ports.find(id);
        if (call->cancelled || closed || it == ports.end()) co_return;
        const auto due = it->second->last_sent + interval;
        if (clock::now() >= due) {
            if (it->second->room()) {
                sxtp::event hb;
                hb.type = sx::symbol(std::string("heartbeat"));
                hb.time = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
                state.stream(id, std::move(hb));
                wake.cancel();
            }
            it->second->last_sent = clock::now();  // without credit the beat is skipped, not queued
            continue;
        }
        call->heartbeat().expires_at(due);
        boost::system::error_code ec;
        co_await call->heartbeat().async_wait(boost::asio::redirect_error(boost::asio::use_awaitable, ec));
        if (ec && (call->cancelled || closed)) co_return;
        if (ec && ports.find(id) == ports.end()) co_return;
    }
}

template <class Stream>
inline void connection<Stream>::end_streams() {
    condition c = make_condition(conditions::cancelled{}, "the client closed its side of the connection");
    for (auto& [id, call] : calls)
        if (state.streaming(id) || state.receiving(id)) {
            state.answer_early(id, condition_response(status_code::error, c));
            call->cancel();
        }
    wake.cancel();
}

template <class Stream>
inline void connection<Stream>::close() {
    if (closed) return;
    closed = true;
    boost::system::error_code ignored;
    if constexpr (requires { stream.lowest_layer(); }) {  // a socket, or TLS over one
        stream.lowest_layer().shutdown(boost::asio::socket_base::shutdown_both, ignored);
        stream.lowest_layer().close(ignored);
    } else {
        stream.close();
    }
    watchdog.cancel();
    wake.cancel();
    drained.cancel();
    cancel_all();
}

template <class Stream>
inline boost::asio::awaitable<void> connection<Stream>::serve(std::shared_ptr<connection> self) {
    (void)self;  // the coroutine keeps its connection
    boost::asio::co_spawn(ex, guard(), boost::asio::detached);
    if constexpr (is_tls) {
        boost::system::error_code ec;
        co_await stream.async_handshake(boost::asio::ssl::stream_base::server, boost::asio::redirect_error(boost::asio::use_awaitable, ec));
        if (ec || closed) {
            close();
            if (owner) owner->forget(this);
            co_return;
        }
        handshaken = true;
        last_activity = clock::now();
        watchdog.cancel();  // re-arm for the idle timeout
    }
    if constexpr (on_socket) {
        boost::system::error_code ignored;
        stream.non_blocking(true, ignored);  // for write_now; async operations are unaffected
    }
    boost::asio::co_spawn(ex, write_loop(), boost::asio::detached);
    co_await read_loop();
}

template <class Stream>
inline boost::asio::awaitable<void> connection<Stream>::guard() {
    auto self = this->shared_from_this();
    const auto& o = opts;
    while (!closed) {
        const auto now = clock::now();
        clock::time_point due;
        const bool unread = state.output_size() != 0;  // answers the peer has not taken
        if (!handshaken) due = last_activity + o.handshake_timeout;
        else if (paused && unread) due = std::max(last_written, paused_since) + o.idle_timeout;  // takes none of its answers
        else if (paused) due = now + std::min(o.frame_read_timeout, o.idle_timeout);  // held answers wait for an earlier one
        else if (frame_started) due = *frame_started + o.frame_read_timeout;
        else if (state.in_flight() == 0 && state.unanswered() == 0 && !unread) due = last_activity + o.idle_timeout;
        else due = now + std::min(o.frame_read_timeout, o.idle_timeout);
        if (due <= now) {
            if (!handshaken)
                svc.reporter().report(server_event::handshake_timeout, peer, "TLS handshake not done in time", o.log);
            else if (paused && unread)
                svc.reporter().report(server_event::slow_peer, peer, "took none of its answers for the idle timeout: closed", o.log);
            else if (frame_started)
                svc.reporter().report(server_event::frame_read_timeout, peer, "a frame not complete in time: closed", o.log);
            else
                svc.reporter().report(server_event::idle_timeout, peer, "idle: closed", o.log);
            close();
            co_return;
        }
        watchdog.expires_at(due);
        boost::system::error_code ec;
        co_await watchdog.async_wait(boost::asio::redirect_error(boost::asio::use_awaitable, ec));
    }
}

template <class Stream>
inline boost::asio::awaitable<void> connection<Stream>::read_loop() {
    for (;;) {
        // Act on every whole frame read, pausing whenever the connection
        // holds more for its peer than its budget: the peer is not
        // reading its answers (or a handler its chunks).
        bool stop = false;
        for (std::size_t handled = 0;; ++handled) {
            if (handled % wire::answered_itself::batch == wire::answered_itself::batch - 1) {
                // A long pipeline is taken in slices: other connections
                // on this executor run between them.
                write_now();
                co_await boost::asio::post(ex, boost::asio::use_awaitable);
            }
            if (over_budget() && !closed && !std::exchange(budget_reported, true))
                svc.reporter().report(server_event::budget_exhausted, peer,
                                     [&] { return "holds " + std::to_string(budget_used()) + " bytes for the peer: reading paused until it reads"; },
                                     opts.log);
            if (over_budget() && !closed) {
                // Our pause, not the peer's slowness: the frame-read
                // timeout restarts after it; while it lasts the guard
                // closes a peer that takes none of its answers for the
                // idle timeout (a slow-peer close).
                paused = true;
                paused_since = clock::now();
                watchdog.cancel();
                while (over_budget() && !closed) {
                    write_now();
                    if (!over_budget()) break;  // the socket took it at once
                    if (state.output_size() != 0) wake.cancel();
                    drained.expires_at(clock::time_point::max());
                    boost::system::error_code ec;
                    co_await drained.async_wait(boost::asio::redirect_error(boost::asio::use_awaitable, ec));
                }
                paused = false;
                last_activity = clock::now();
                if (frame_started) frame_started = last_activity;
                watchdog.cancel();
            }
            if (closed) {
                stop = true;
                break;
            }
            auto ev = state.next_event();
            if (std::holds_alternative<wire::need_more>(ev)) break;
            frame_started.reset();  // a frame came whole: the next one's clock starts when it begins
            if (auto* r = std::get_if<wire::incoming_request>(&ev)) {
                start(r->id, std::move(r->req));
            } else if (auto* c = std::get_if<wire::cancel_requested>(&ev)) {
                if (auto it = calls.find(c->id); it != calls.end()) it->second->cancel();
            } else if (auto* ch = std::get_if<wire::chunk_received>(&ev)) {
                if (calls.count(ch->id)) {
                    auto& p = static_cast<port&>(stream_port_for(ch->id));
                    p.inbox.emplace_back(std::move(ch->c), ch->bytes);
                    upload_bytes += ch->bytes;
                    p.call->wake_up();
                }
            } else if (auto* cr = std::get_if<wire::credit_received>(&ev)) {
                if (auto it = calls.find(cr->id); it != calls.end()) it->second->wake_up();
            } else if (std::holds_alternative<wire::connection_failed>(ev)) {
                stop = true;
                break;
            } else if (std::holds_alternative<wire::answered_itself>(ev)) {
                handled = wire::answered_itself::batch - 2;  // a batch: yield next
            }
        }
        if (state.in_flight() > 0 && !stop) {
            // Let the coroutine handlers just started run before reading
            // more, so that the budget check above sees their answers
            // (inline answers are in the output already).
            co_await boost::asio::post(ex, boost::asio::use_awaitable);
        }
        if (state.buffered() == 0) {
            frame_started.reset();
        } else if (!frame_started) {
            frame_started = clock::now();
            watchdog.cancel();  // the frame-read timeout may come before what the guard waits for
        }
        write_now();
        if (state.output_size() != 0 || finished()) wake.cancel();
        if (stop || closed) break;
        auto room = state.prepare();
        if (room.empty()) break;  // failed framing
        boost::system::error_code ec;
        const std::size_t n = co_await stream.async_read_some(boost::asio::buffer(room.data(), room.size()),
                                                              boost::asio::redirect_error(boost::asio::use_awaitable, ec));
        if (ec) {
            // EOF: the client may have half-closed after pipelining; answer what it sent.
            // Anything else: nobody will read the answers.
            // Aborted: the writer is ending the connection.
            if (ec != boost::asio::error::eof && ec != boost::asio::ssl::error::stream_truncated &&
                ec != boost::asio::error::operation_aborted)
                close();
            else
                end_streams();
            break;
        }
        state.commit(n);
        if (metrics) metrics->received_bytes.fetch_add(n, std::memory_order_relaxed);
        last_activity = clock::now();
    }
    reading_done = true;
    wake.cancel();
}

template <class Stream>
inline bool connection<Stream>::finished() const {
    if (state.output_size() != 0 || state.unanswered() != 0) return false;
    if (state.failed() || reading_done || abandoned) return true;
    return state.done() && state.in_flight() == 0;  // shutting down, all answered
}

template <class Stream>
inline void connection<Stream>::write_now() {
    if constexpr (on_socket) {
        if (!writer_idle || closed || state.output().empty()) return;  // (idle: nothing is taken)
        const auto out = state.output();
        boost::system::error_code ec;
        const std::size_t n = stream.write_some(boost::asio::buffer(out.data(), out.size()), ec);
        if (ec) return;  // would block, or an error the writer will meet
        if (metrics) metrics->sent_bytes.fetch_add(n, std::memory_order_relaxed);
        state.consume(n);
        last_written = clock::now();
        publish_output();
        drained.cancel();
        wake_streams();
    }
}

template <class Stream>
inline boost::asio::awaitable<void> connection<Stream>::linger() {
    boost::system::error_code ec;
    stream.shutdown(boost::asio::socket_base::shutdown_send, ec);
    boost::asio::steady_timer limit(ex, std::chrono::seconds(2));
    limit.async_wait([self = this->shared_from_this()](boost::system::error_code e) {
        if (!e) self->close();
    });
    char sink[4096];
    for (std::size_t dropped = 0; !ec && !closed && dropped < (std::size_t{1} << 20);)
        dropped += co_await stream.async_read_some(boost::asio::buffer(sink), boost::asio::redirect_error(boost::asio::use_awaitable, ec));
    limit.cancel();
}

template <class Stream>
inline boost::asio::awaitable<void> connection<Stream>::write_loop() {
    auto self = this->shared_from_this();
    while (!closed) {
        while (!state.output().empty() && !closed) {
            publish_output();
            // The batch is this coroutine's alone while it is written:
            // answers that come meanwhile go to the state's next buffer.
            // At most 256 KiB at a time: a slow but steady reader shows
        // progress (last_written), and waiting producers wake between.
        std::string batch = state.take_output(std::size_t{256} << 10);
            boost::system::error_code ec;
            const std::size_t sent = co_await boost::asio::async_write(stream, boost::asio::buffer(batch), boost::asio::redirect_error(boost::asio::use_awaitable, ec));
            if (metrics) metrics->sent_bytes.fetch_add(sent, std::memory_order_relaxed);
            state.output_written(std::move(batch));
            if (ec) {
                close();
                break;
            }
            last_written = clock::now();
            publish_output();
            drained.cancel();
            wake_streams();
        }
        if (closed || finished()) break;
        wake.expires_at(clock::time_point::max());
        boost::system::error_code ec;
        writer_idle = true;
        co_await wake.async_wait(boost::asio::redirect_error(boost::asio::use_awaitable, ec));
        writer_idle = false;
    }
    if constexpr (on_socket) {
        if (!closed && state.failed()) co_await linger();
    }
    if constexpr (is_tls) {
        if (!closed) {
            // close_notify, bounded by the guard's handshake timeout
            handshaken = false;
            last_activity = clock::now();
            watchdog.cancel();
            boost::system::error_code ec;
            stream.lowest_layer().cancel(ec);
            co_await stream.async_shutdown(boost::asio::redirect_error(boost::asio::use_awaitable, ec));
        }
    }
    close();
    if (owner) owner->forget(this);
}
} // namespace sxtp

#endif
