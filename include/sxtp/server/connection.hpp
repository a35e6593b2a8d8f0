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
          last_activity(clock::now()) {
        state.on_refusal([this](const sxtp::condition& c) { report_refusal(c); });
    }

    // An answer the wire state decided itself: counted and logged.
    void report_refusal(const sxtp::condition& c);

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
        std::deque<std::pair<sxtp::chunk, std::size_t>> inbox;  // the client's chunks (and their sizes), at most its credit
        std::int64_t consumed = 0;      // chunks read since credit was last granted
        bool upload_done = false;
        bool is_open = false;
        clock::time_point last_sent{};

        bool over() const { return call->cancelled || conn.closed; }
        // Credit, and room in the connection: its queued output under
        // max_pending_output, and — for a stream whose messages are held
        // behind an earlier untagged answer — all held answers under the
        // budget (a stream at the front drains held bytes: never held back).
        bool room() const {
            const std::size_t bound = conn.srv.options_.max_pending_output;
            const std::size_t held = conn.state.held(id);
            return conn.state.stream_credit(id) > 0 && conn.state.output_size() < bound && held < bound &&
                   (held == 0 || conn.state.held_bytes() < conn.srv.options_.connection_budget);
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
                    sxtp::chunk c = std::move(inbox.front().first);
                    conn.upload_bytes -= inbox.front().second;
                    inbox.pop_front();
                    conn.drained.cancel();  // the budget has room again
                    if (c.done.value_or(false)) {
                        upload_done = true;
                        co_return std::nullopt;
                    }
                    // Give back what was read — but not while the connection holds
                    // more upload bytes than its budget: the client then waits for
                    // credit (reading goes on, so its credit and cancel still arrive).
                    if (++consumed >= wire::stream_window / 2 && conn.upload_bytes <= conn.srv.options_.connection_budget) {
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
    std::size_t upload_bytes = 0;  // upload chunks received and not yet taken by their handlers
    bool budget_reported = false;  // the first pause is reported, not every one
    bool paused = false;           // reading waits for the budget
    clock::time_point paused_since{};
    clock::time_point last_written = clock::now();  // the peer last took answer bytes

    // Every byte held for the peer (server_options::connection_budget).
    std::size_t budget_used() const noexcept { return state.bytes_held() + upload_bytes; }
    // Whether reading must wait: more answers queued than max_pending_output,
    // or the connection over its budget with answers waiting: queued ones
    // drain as the peer reads (a bidirectional stream's credit and cancel
    // frames are then read again), held ones when the answer before them
    // completes.
    // The frame buffer is left out (bounded by max_frame: pausing mid-frame
    // would stall a peer that writes a whole frame before reading); upload
    // chunks count, and are further bounded by withheld credit.
    bool over_budget() const noexcept {
        const std::size_t answers = state.output_size() + state.held_bytes();
        if (state.output_size() > srv.options_.max_pending_output) return true;
        return answers != 0 && budget_used() - std::min(budget_used(), state.frame_capacity()) > srv.options_.connection_budget;
    }
    // Over TLS, a capability grant the answer sets is marked `:secure`, so
    // that clients never send it back over plain TCP.
    void mark_secure(sxtp::response& r) const {
        if constexpr (is_tls) {
            if (!r.set_cookie) return;
            if (const auto it = r.set_cookie->find(security_policy::grant_cookie_name()); it != r.set_cookie->end()) it->second.secure = true;
        }
    }
    // Drops a port with what its inbox held.
    void drop_port(wire::request_id id);

    bool authenticated_once = false;
    void authenticated() override {
        if (std::exchange(authenticated_once, true)) return;
        state.set_limits(srv.options_.limits);
        srv.peer_authenticated(this);
    }

    stream_port& stream_port_for(std::uint64_t id) override {
        auto& p = ports[id];
        if (!p) p = std::make_unique<port>(*this, id, calls.at(id));
        return *p;
    }

    // An event stream's heartbeats: `(event :type heartbeat :time T)`
    // when nothing went out for the interval (and there is credit).
    boost::asio::awaitable<void> heartbeats(std::shared_ptr<connection> keep_alive, wire::request_id id, std::shared_ptr<call_state> call);
    // After the client's EOF it can send neither credit nor cancel nor
    // chunks: its streams (either way) end cancelled; unary requests are
    // still answered.
    void end_streams();
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
    void publish_output() { output_bytes.store(state.output_size(), std::memory_order_relaxed); }
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
    void close();

    boost::asio::awaitable<void> run();

    // The timeouts: sleeps until the earliest moment one could pass, then checks.
    boost::asio::awaitable<void> guard();

    boost::asio::awaitable<void> read_loop();

    void start(wire::request_id id, sxtp::request req);

    // What resolve() learnt of a call that goes on as a coroutine.
    struct carried {
        std::shared_ptr<const principal> caller;
        const detail::route_info* route = nullptr;
        std::optional<trace_context> trace;
        clock::time_point started{};
        std::optional<sxtp::headers> response_headers;
        std::optional<std::map<sx::keyword, cookie>> set_cookie;
    };

    // Answers call `id` with `r`: the interceptors' after() (or, for a
    // stream, stream_ended()), the answer, metrics and the access log. `ctx`
    // is null for a handler that threw out of the pipeline; `coroutine`:
    // the call ran as a coroutine (it has a call state, maybe a stream port).
    void answered(wire::request_id id, const call_context* ctx, response r, bool coroutine);

    bool finished() const;

    // On a plain socket, while the writer is idle, writes what the socket
    // takes at once (it is non-blocking): the usual small answer goes out
    // without waking the writer. What is left is the writer's.
    void write_now();

    // After a framing error, the answer is out: end our side, then read and
    // drop what the peer still sends (at most 1 MiB, at most 2 s) before
    // closing, so that closing with unread input (a TCP reset) cannot
    // destroy the answer before the peer reads it ("lingering close").
    boost::asio::awaitable<void> linger();

    boost::asio::awaitable<void> write_loop();
};

} // namespace sxtp

#include <sxtp/server/impl/connection.hpp>
#include <sxtp/server/impl/calls.hpp>

namespace sxtp {

inline boost::asio::awaitable<void> server::accept_loop(std::shared_ptr<listener> l) {
    for (;;) {
        boost::system::error_code ec;
        const executor_type& worker = workers_[next_worker_++ % workers_.size()];
        plain_socket socket = co_await l->acceptor.async_accept(worker, boost::asio::redirect_error(boost::asio::use_awaitable, ec));
        if (ec) {
            if (!l->acceptor.is_open()) co_return;  // closed
            options_.log(log_level::error, "accept failed: " + ec.message());
            // EMFILE and friends: back off briefly instead of spinning
            boost::asio::steady_timer t(ex_, std::chrono::milliseconds(50));
            co_await t.async_wait(boost::asio::redirect_error(boost::asio::use_awaitable, ec));
            continue;
        }
        if (shutting_down_) {
            socket.close(ec);
            continue;
        }
        std::string peer = peer_name(socket);
        if (connections_.size() >= options_.max_connections) {
            reporter_.report(server_event::connection_refused, peer, "over max_connections (" + std::to_string(options_.max_connections) + "): closed",
                             options_.log);
            socket.close(ec);
            continue;
        }
        const std::string source = l->where.transport == net::transport::unix_socket ? std::string() : source_of(socket);
        const bool preauth = options_.security != nullptr;
        if (!source.empty()) {
            const auto it = peers_.find(source);
            const peer_count n = it == peers_.end() ? peer_count{} : it->second;
            if (n.open >= options_.max_connections_per_peer || (preauth && n.unauthenticated >= options_.max_unauthenticated_per_peer)) {
                reporter_.report(server_event::peer_connections_refused, peer,
                                 n.open >= options_.max_connections_per_peer
                                     ? "over max_connections_per_peer (" + std::to_string(options_.max_connections_per_peer) + "): closed"
                                     : "over max_unauthenticated_per_peer (" + std::to_string(options_.max_unauthenticated_per_peer) + "): closed",
                                 options_.log);
                socket.close(ec);
                continue;
            }
        }
        reporter_.accepted();
        if (l->where.transport != net::transport::unix_socket) socket.set_option(boost::asio::ip::tcp::no_delay(true), ec);
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
        c->source = source;
        if (!source.empty()) {
            auto& n = peers_[source];
            ++n.open;
            if (preauth) {
                ++n.unauthenticated;
                c->counted_unauthenticated = true;
            }
        }
        connections_.emplace(c.get(), c);
        if (metrics_) metrics_->connections.fetch_add(1, std::memory_order_relaxed);
    }
}

} // namespace sxtp

#endif
