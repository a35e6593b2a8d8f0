// sxtp/server/connection.hpp — one server connection: its read, write and
// guard loops over the sans-I/O wire::server_connection, the calls it runs
// (inline or as coroutines), and the ports of its streams; and the accept
// loop that makes connections. Included by server.hpp (the server's private
// parts); needs the sxtp::net target.
#ifndef SXTP_SERVER_CONNECTION_HPP
#define SXTP_SERVER_CONNECTION_HPP

#include <sxtp/server/server.hpp>

namespace sxtp {

struct server::call_state {
    explicit call_state(const executor_type& ex) : deadline(ex), wake(ex), heartbeat(ex) {}
    boost::asio::cancellation_signal signal;
    boost::asio::steady_timer deadline;
    boost::asio::steady_timer wake;       // cancelled when its stream may go on (credit, room, a chunk, the end)
    boost::asio::steady_timer heartbeat;  // an event stream's heartbeat clock
    bool cancelled = false;
    void cancel() {
        if (cancelled) return;
        cancelled = true;
        deadline.cancel();
        wake.cancel();
        heartbeat.cancel();
        signal.emit(boost::asio::cancellation_type::terminal);
    }
    // The handler returned.
    void finish() {
        deadline.cancel();
        wake.cancel();
        heartbeat.cancel();
    }
};

template <class Stream>
struct server::connection : connection_base, stream_port_source, std::enable_shared_from_this<connection<Stream>> {
    connection(server& s, executor_type e, Stream st, std::string p)
        : connection_base(e), srv(s), stream(std::move(st)), state(s.first_limits()), peer(std::move(p)), wake(e), watchdog(e), drained(e),
          last_activity(clock::now()) {}

    server& srv;
    Stream stream;
    wire::server_connection state;
    std::string peer;
    boost::asio::steady_timer wake;      // cancelled to wake the writer
    boost::asio::steady_timer watchdog;  // frame-read, idle and handshake timeouts
    boost::asio::steady_timer drained;   // cancelled when written output makes room for reading
    std::map<wire::request_id, std::shared_ptr<call_state>> calls;

    // One streaming call's side of this connection.
    struct port final : stream_port {
        port(connection& c, wire::request_id i, std::shared_ptr<call_state> cs) : conn(c), id(i), call(std::move(cs)) {}
        connection& conn;
        wire::request_id id;
        std::shared_ptr<call_state> call;
        std::deque<sxtp::chunk> inbox;  // the client's chunks, at most its credit
        std::int64_t consumed = 0;      // chunks read since credit was last granted
        bool upload_done = false;
        bool is_open = false;
        clock::time_point last_sent{};

        bool over() const { return call->cancelled || conn.closed; }
        bool room() const {
            const std::size_t bound = conn.srv.options_.max_pending_output;
            return conn.state.stream_credit(id) > 0 && conn.state.output().size() < bound && conn.state.held(id) < bound;
        }
        boost::asio::awaitable<void> wait() {
            call->wake.expires_at(clock::time_point::max());
            boost::system::error_code ec;
            co_await call->wake.async_wait(boost::asio::redirect_error(boost::asio::use_awaitable, ec));
        }

        boost::asio::awaitable<bool> open(sxtp::response head, bool heartbeats) override {
            if (is_open || over()) co_return is_open && !over();
            if (!conn.state.open_stream(id, std::move(head))) co_return false;
            is_open = true;
            last_sent = clock::now();
            conn.wake.cancel();
            if (heartbeats && conn.srv.options_.heartbeat_interval.count() > 0)
                boost::asio::co_spawn(conn.ex, conn.heartbeats(conn.shared_from_this(), id, call), boost::asio::detached);
            co_return true;
        }
        boost::asio::awaitable<bool> send(std::variant<sxtp::chunk, sxtp::event> m) override {
            while (!over() && !room()) co_await wait();
            if (over()) co_return false;
            const bool sent = std::visit([&](auto& x) { return conn.state.stream(id, std::move(x)); }, m);
            last_sent = clock::now();
            conn.wake.cancel();
            co_return sent;
        }
        boost::asio::awaitable<std::optional<sxtp::chunk>> receive() override {
            for (;;) {
                if (!inbox.empty()) {
                    sxtp::chunk c = std::move(inbox.front());
                    inbox.pop_front();
                    if (c.done.value_or(false)) {
                        upload_done = true;
                        co_return std::nullopt;
                    }
                    if (++consumed >= wire::stream_window / 2) {  // give back what was read
                        conn.state.grant(id, std::exchange(consumed, 0));
                        conn.wake.cancel();
                    }
                    co_return std::optional<sxtp::chunk>(std::move(c));
                }
                if (upload_done || over()) co_return std::nullopt;
                co_await wait();
            }
        }
        void refuse(sxtp::condition c) override {
            if (conn.state.answer_early(id, condition_response(status_code::invalid, c))) conn.wake.cancel();
            call->cancel();
        }
        bool opened() const noexcept override { return is_open; }
    };
    std::map<wire::request_id, std::unique_ptr<port>> ports;

    bool authenticated_once = false;
    void authenticated() override {
        if (std::exchange(authenticated_once, true)) return;
        state.set_limits(srv.options_.limits);
    }

    stream_port& stream_port_for(std::uint64_t id) override {
        auto& p = ports[id];
        if (!p) p = std::make_unique<port>(*this, id, calls.at(id));
        return *p;
    }

    // An event stream's heartbeats: `(event :type heartbeat :time T)`
    // when nothing went out for the interval (and there is credit).
    boost::asio::awaitable<void> heartbeats(std::shared_ptr<connection> keep_alive, wire::request_id id, std::shared_ptr<call_state> call) {
        (void)keep_alive;  // the coroutine keeps its connection
        const auto interval = srv.options_.heartbeat_interval;
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
            call->heartbeat.expires_at(due);
            boost::system::error_code ec;
            co_await call->heartbeat.async_wait(boost::asio::redirect_error(boost::asio::use_awaitable, ec));
            if (ec && (call->cancelled || closed)) co_return;
            if (ec && ports.find(id) == ports.end()) co_return;
        }
    }
    // After the client's EOF it can send neither credit nor cancel nor
    // chunks: its streams (either way) end cancelled; unary requests are
    // still answered.
    void end_streams() {
        condition c = make_condition(conditions::cancelled{}, "the client closed its side of the connection");
        for (auto& [id, call] : calls)
            if (state.streaming(id) || state.receiving(id)) {
                state.answer_early(id, condition_response(status_code::error, c));
                call->cancel();
            }
        wake.cancel();
    }
    // Wakes every stream waiting for room.
    void wake_streams() {
        for (auto& [id, p] : ports) p->call->wake.cancel();
    }
    clock::time_point last_activity;
    std::optional<clock::time_point> frame_started;
    bool handshaken = !is_tls;
    bool reading_done = false;
    bool writer_idle = false;  // the write loop waits for `wake`
    bool abandoned = false;
    bool closed = false;

    static constexpr bool is_tls = !std::is_same_v<Stream, plain_socket>;

    auto& socket() {
        if constexpr (is_tls) return stream.next_layer();
        else return stream;
    }

    void begin_shutdown() override {
        state.begin_shutdown();
        wake.cancel();
    }
    void publish_output() { output_bytes.store(state.output().size(), std::memory_order_relaxed); }
    void abandon() override {
        condition c = make_condition(conditions::shutting_down{}, "the server shut down before this request finished");
        c.retry = false;  // it may have had effects
        state.abandon(condition_response(status_code::unavailable, c));
        cancel_all();
        abandoned = true;
        wake.cancel();
    }
    void cancel_all() {
        for (auto& [id, call] : calls) call->cancel();
    }
    // Ends the transport at once (timeouts, errors).
    void close() {
        if (closed) return;
        closed = true;
        boost::system::error_code ignored;
        socket().shutdown(plain_socket::shutdown_both, ignored);
        socket().close(ignored);
        watchdog.cancel();
        wake.cancel();
        drained.cancel();
        cancel_all();
    }

    boost::asio::awaitable<void> run() {
        auto self = this->shared_from_this();
        boost::asio::co_spawn(ex, guard(), boost::asio::detached);
        if constexpr (is_tls) {
            boost::system::error_code ec;
            co_await stream.async_handshake(boost::asio::ssl::stream_base::server, boost::asio::redirect_error(boost::asio::use_awaitable, ec));
            if (ec || closed) {
                close();
                srv.forget(this);
                co_return;
            }
            handshaken = true;
            last_activity = clock::now();
            watchdog.cancel();  // re-arm for the idle timeout
        }
        if constexpr (!is_tls) {
            boost::system::error_code ignored;
            stream.non_blocking(true, ignored);  // for write_now; async operations are unaffected
        }
        boost::asio::co_spawn(ex, write_loop(), boost::asio::detached);
        co_await read_loop();
    }

    // The timeouts: sleeps until the earliest moment one could pass, then checks.
    boost::asio::awaitable<void> guard() {
        auto self = this->shared_from_this();
        const auto& o = srv.options_;
        while (!closed) {
            const auto now = clock::now();
            clock::time_point due;
            if (!handshaken) due = last_activity + o.handshake_timeout;
            else if (frame_started) due = *frame_started + o.frame_read_timeout;
            else if (state.in_flight() == 0 && state.unanswered() == 0) due = last_activity + o.idle_timeout;
            else due = now + std::min(o.frame_read_timeout, o.idle_timeout);
            if (due <= now) {
                close();
                co_return;
            }
            watchdog.expires_at(due);
            boost::system::error_code ec;
            co_await watchdog.async_wait(boost::asio::redirect_error(boost::asio::use_awaitable, ec));
        }
    }

    boost::asio::awaitable<void> read_loop() {
        for (;;) {
            while (state.output().size() > srv.options_.max_pending_output && !closed) {
                // the peer is not reading its answers: stop taking requests
                drained.expires_at(clock::time_point::max());
                boost::system::error_code ec;
                co_await drained.async_wait(boost::asio::redirect_error(boost::asio::use_awaitable, ec));
            }
            if (closed) break;
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
            last_activity = clock::now();
            bool stop = false;
            for (auto ev = state.next_event(); !std::holds_alternative<wire::need_more>(ev); ev = state.next_event()) {
                if (auto* r = std::get_if<wire::incoming_request>(&ev)) {
                    start(r->id, std::move(r->req));
                } else if (auto* c = std::get_if<wire::cancel_requested>(&ev)) {
                    if (auto it = calls.find(c->id); it != calls.end()) it->second->cancel();
                } else if (auto* ch = std::get_if<wire::chunk_received>(&ev)) {
                    if (calls.count(ch->id)) {
                        auto& p = static_cast<port&>(stream_port_for(ch->id));
                        p.inbox.push_back(std::move(ch->c));
                        p.call->wake.cancel();
                    }
                } else if (auto* cr = std::get_if<wire::credit_received>(&ev)) {
                    if (auto it = calls.find(cr->id); it != calls.end()) it->second->wake.cancel();
                } else if (std::holds_alternative<wire::connection_failed>(ev)) {
                    stop = true;
                    break;
                }
            }
            if (state.in_flight() > 0) {
                // Let the coroutine handlers just started run before reading
                // more, so that the output check above sees their answers
                // (inline answers are in the output already).
                co_await boost::asio::post(ex, boost::asio::use_awaitable);
            }
            if (state.buffered() == 0) {
                frame_started.reset();
            } else if (!frame_started) {
                frame_started = last_activity;
                watchdog.cancel();  // the frame-read timeout may come before what the guard waits for
            }
            write_now();
            if (!state.output().empty() || finished()) wake.cancel();
            if (stop) break;
        }
        reading_done = true;
        wake.cancel();
    }

    void start(wire::request_id id, sxtp::request req) {
        std::optional<clock::time_point> deadline;
        if (req.headers && req.headers->timeout_ms)
            deadline = clock::now() + std::chrono::milliseconds(std::max<std::int64_t>(0, std::min<std::int64_t>(*req.headers->timeout_ms, std::int64_t{1} << 40)));
        std::optional<deferred> route;
        std::shared_ptr<const principal> caller;
        {
            // Most requests are answered here, inline: no coroutine, no timers.
            call_context ctx{req, peer, deadline};
            ctx.ports_ = this;
            ctx.call_id_ = id;
            auto r = srv.resolve(req, ctx);
            if (auto* answer = std::get_if<response>(&r)) {
                state.respond(id, std::move(*answer));  // written when the read loop has taken the whole read
                last_activity = clock::now();
                return;
            }
            route.emplace(std::move(std::get<deferred>(r)));
            caller = std::move(ctx.caller_);
        }
        auto self = this->shared_from_this();
        auto call = std::make_shared<call_state>(ex);
        calls.emplace(id, call);
        if (deadline) {
            call->deadline.expires_at(*deadline);
            call->deadline.async_wait([self, id, call](boost::system::error_code ec) {
                if (ec || call->cancelled) return;
                if (self->state.expire(id)) self->wake.cancel();
                call->cancel();
            });
        }
        auto body = [](std::shared_ptr<connection> c, sxtp::request r, deferred m, std::shared_ptr<const principal> who,
                       std::optional<clock::time_point> d, wire::request_id i, std::shared_ptr<call_state> cs) -> boost::asio::awaitable<response> {
            call_context ctx{r, c->peer, d};
            ctx.caller_ = std::move(who);
            ctx.cancelled_ = &cs->cancelled;
            ctx.ports_ = c.get();
            ctx.call_id_ = i;
            co_return co_await c->srv.run(r, std::move(m), ctx);
        };
        auto done = [self, id](std::exception_ptr e, response r) {
            if (e) r = condition_response(status_code::error, make_condition(conditions::internal_error{}, "internal error"));
            if (auto it = self->calls.find(id); it != self->calls.end()) {
                it->second->finish();
                self->calls.erase(it);
            }
            self->ports.erase(id);
            self->state.respond(id, std::move(r));
            self->last_activity = clock::now();
            self->wake.cancel();
        };
        boost::asio::co_spawn(ex, body(self, std::move(req), std::move(*route), std::move(caller), deadline, id, call),
                              boost::asio::bind_cancellation_slot(call->signal.slot(), std::move(done)));
    }

    bool finished() const {
        if (!state.output().empty() || state.unanswered() != 0) return false;
        if (state.failed() || reading_done || abandoned) return true;
        return state.done() && state.in_flight() == 0;  // shutting down, all answered
    }

    // On a plain socket, while the writer is idle, writes what the socket
    // takes at once (it is non-blocking): the usual small answer goes out
    // without waking the writer. What is left is the writer's.
    void write_now() {
        if constexpr (!is_tls) {
            if (!writer_idle || closed || state.output().empty()) return;
            const auto out = state.output();
            boost::system::error_code ec;
            const std::size_t n = stream.write_some(boost::asio::buffer(out.data(), out.size()), ec);
            if (ec) return;  // would block, or an error the writer will meet
            state.consume(n);
            publish_output();
            drained.cancel();
            wake_streams();
        }
    }

    // After a framing error, the answer is out: end our side, then read and
    // drop what the peer still sends (at most 1 MiB, at most 2 s) before
    // closing, so that closing with unread input (a TCP reset) cannot
    // destroy the answer before the peer reads it ("lingering close").
    boost::asio::awaitable<void> linger() {
        boost::system::error_code ec;
        socket().shutdown(plain_socket::shutdown_send, ec);
        boost::asio::steady_timer limit(ex, std::chrono::seconds(2));
        limit.async_wait([self = this->shared_from_this()](boost::system::error_code e) {
            if (!e) self->close();
        });
        char sink[4096];
        for (std::size_t dropped = 0; !ec && !closed && dropped < (std::size_t{1} << 20);)
            dropped += co_await stream.async_read_some(boost::asio::buffer(sink), boost::asio::redirect_error(boost::asio::use_awaitable, ec));
        limit.cancel();
    }

    boost::asio::awaitable<void> write_loop() {
        auto self = this->shared_from_this();
        while (!closed) {
            while (!state.output().empty() && !closed) {
                publish_output();
                const auto out = state.output();
                boost::system::error_code ec;
                const std::size_t n = co_await boost::asio::async_write(stream, boost::asio::buffer(out.data(), out.size()),
                                                                        boost::asio::redirect_error(boost::asio::use_awaitable, ec));
                if (ec) {
                    close();
                    break;
                }
                state.consume(n);
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
        if constexpr (!is_tls) {
            if (!closed && state.failed()) co_await linger();
        }
        if constexpr (is_tls) {
            if (!closed) {
                // close_notify, bounded by the guard's handshake timeout
                handshaken = false;
                last_activity = clock::now();
                watchdog.cancel();
                boost::system::error_code ec;
                socket().cancel(ec);
                co_await stream.async_shutdown(boost::asio::redirect_error(boost::asio::use_awaitable, ec));
            }
        }
        close();
        srv.forget(this);
    }
};

inline boost::asio::awaitable<void> server::accept_loop(std::shared_ptr<listener> l) {
    for (;;) {
        boost::system::error_code ec;
        const executor_type& worker = workers_[next_worker_++ % workers_.size()];
        plain_socket socket = co_await l->acceptor.async_accept(worker, boost::asio::redirect_error(boost::asio::use_awaitable, ec));
        if (ec) {
            if (!l->acceptor.is_open()) co_return;  // closed
            if (options_.log) options_.log("accept failed: " + ec.message());
            // EMFILE and friends: back off briefly instead of spinning
            boost::asio::steady_timer t(ex_, std::chrono::milliseconds(50));
            co_await t.async_wait(boost::asio::redirect_error(boost::asio::use_awaitable, ec));
            continue;
        }
        if (connections_.size() >= options_.max_connections || shutting_down_) {
            socket.close(ec);
            continue;
        }
        if (l->where.transport != net::transport::unix_socket) socket.set_option(boost::asio::ip::tcp::no_delay(true), ec);
        std::string peer = peer_name(socket);
        std::shared_ptr<connection_base> c;
        if (l->where.transport == net::transport::tls) {
            auto tc = std::make_shared<connection<tls_stream>>(*this, worker, tls_stream(std::move(socket), *options_.tls), std::move(peer));
            boost::asio::co_spawn(worker, tc->run(), boost::asio::detached);
            c = std::move(tc);
        } else {
            auto pc = std::make_shared<connection<plain_socket>>(*this, worker, std::move(socket), std::move(peer));
            boost::asio::co_spawn(worker, pc->run(), boost::asio::detached);
            c = std::move(pc);
        }
        connections_.emplace(c.get(), c);
    }
}

} // namespace sxtp

#endif
