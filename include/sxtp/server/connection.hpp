// sxtp/server/connection.hpp — one server connection over any Asio stream:
// its read, write and guard loops over the sans-I/O wire::server_connection,
// the calls it feeds to a service (inline or as coroutines), and the ports
// of its streams. The server (server/server.hpp) makes one per accepted
// socket; a test makes one over a test stream (Beast's test::stream with a
// fail_count, say). Needs the sxtp::net target.
#ifndef SXTP_SERVER_CONNECTION_HPP
#define SXTP_SERVER_CONNECTION_HPP

#include <sxtp/server/service.hpp>
#include <sxtp/wire/server_connection.hpp>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/socket_base.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include <atomic>
#include <chrono>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <variant>

namespace sxtp {

/// What a server needs of a connection, whatever its stream. Its own
/// calls run on its executor; the owner reads output_bytes from its own.
class connection_base {
public:
    using executor_type = boost::asio::any_io_executor;
    explicit connection_base(executor_type e) : ex(std::move(e)) {}
    virtual ~connection_base() = default;
    /// Graceful shutdown: answer what is in flight, refuse what comes, then close.
    virtual void begin_shutdown() = 0;
    /// The drain time ran out: answer the rest `unavailable`, cancel, close.
    virtual void abandon() = 0;
    const executor_type& executor() const noexcept { return ex; }

    executor_type ex;
    std::atomic<std::size_t> output_bytes{0};  // answers queued, published by the connection
    std::string source;                        // the owner's: the peer's address without its port ("" for a Unix socket)
    bool counted_unauthenticated = false;      // the owner's: counted in its peer's unauthenticated connections
};

/// Who keeps a connection (the server's table). Called from the
/// connection's executor.
class connection_owner {
public:
    /// A request on `c` authenticated.
    virtual void peer_authenticated(connection_base* c) = 0;
    /// `c` has closed: nothing of it runs any more.
    virtual void forget(connection_base* c) = 0;

protected:
    ~connection_owner() = default;
};

namespace detail {
template <class S>
struct is_tls_stream : std::false_type {};
template <class S>
struct is_tls_stream<boost::asio::ssl::stream<S>> : std::true_type {};
// A socket: non-blocking writes and a half-close.
template <class S>
concept is_plain_socket = requires(S& s, boost::system::error_code& ec) {
    s.non_blocking(true, ec);
    s.write_some(boost::asio::const_buffer(), ec);
    s.shutdown(boost::asio::socket_base::shutdown_send, ec);
};
} // namespace detail

namespace detail {

// One call's cancellation, deadline and stream wake-ups. Its timers are
// made when first needed: a unary coroutine call without a deadline has
// none (a timer holds a copy of the executor and a reactor entry).
struct call_state {
    explicit call_state(const boost::asio::any_io_executor& ex) : ex_(&ex) {}
    boost::asio::cancellation_signal signal;
    bool cancelled = false;
    // The deadline's timer.
    boost::asio::steady_timer& deadline() { return timer(deadline_); }
    // Cancelled when its stream may go on (credit, room, a chunk, the end).
    boost::asio::steady_timer& wake() { return timer(wake_); }
    // An event stream's heartbeat clock.
    boost::asio::steady_timer& heartbeat() { return timer(heartbeat_); }
    // Wakes what waits on wake(), if anything does.
    void wake_up() {
        if (wake_) wake_->cancel();
    }
    void cancel() {
        if (cancelled) return;
        cancelled = true;
        finish();
        signal.emit(boost::asio::cancellation_type::terminal);
    }
    // The handler returned.
    void finish() {
        for (auto* t : {&deadline_, &wake_, &heartbeat_})
            if (*t) (*t)->cancel();
    }

private:
    boost::asio::steady_timer& timer(std::optional<boost::asio::steady_timer>& t) {
        if (!t) t.emplace(*ex_);
        return *t;
    }
    const boost::asio::any_io_executor* ex_;  // the connection's, which outlives its calls
    std::optional<boost::asio::steady_timer> deadline_, wake_, heartbeat_;
};

} // namespace detail

/// One server connection on its executor, over any Asio stream: a TCP or
/// Unix socket, TLS over one (boost::asio::ssl::stream), or a test stream.
/// It reads frames into a wire::server_connection, feeds each request to
/// the service, writes the answers, runs the streams' ports and enforces
/// the options' limits, timeouts and budgets. Made as a shared_ptr; run()
/// serves until the connection ends, then tells its owner (if any).
template <class Stream>
class connection final : public connection_base, public stream_port_source, public std::enable_shared_from_this<connection<Stream>> {
public:
    using clock = std::chrono::steady_clock;

    /// A connection of `peer` ("127.0.0.1:53412", "unix", …) served by
    /// `svc` (whose options() it applies) on `ex`; `owner` (may be null)
    /// learns when it authenticates and when it ends. `svc` and `owner`
    /// must outlive it.
    connection(sxtp::service& svc, executor_type e, Stream st, std::string p, connection_owner* owner = nullptr)
        : connection_base(e), svc(svc), opts(svc.options()), metrics(svc.counters()), owner(owner), stream(std::move(st)),
          state(svc.first_limits()), peer(std::move(p)), wake(e), watchdog(e), drained(e), last_activity(clock::now()) {
        state.on_refusal([this](const sxtp::condition& c) { report_refusal(c); });
    }

    /// Serves the connection until it ends (the handshake first, over TLS).
    /// The awaitable holds the connection: the caller may drop its pointer.
    boost::asio::awaitable<void> run() { return serve(this->shared_from_this()); }
    void begin_shutdown() override {
        state.begin_shutdown();
        wake.cancel();
    }
    void abandon() override;

private:
    using call_state = detail::call_state;
    boost::asio::awaitable<void> serve(std::shared_ptr<connection> self);
    static constexpr bool is_tls = detail::is_tls_stream<Stream>::value;
    // On a socket (TCP or Unix, not under TLS): writes at once without
    // blocking (write_now) and half-closes (linger).
    static constexpr bool on_socket = detail::is_plain_socket<Stream>;

    // An answer the wire state decided itself: counted and logged.
    void report_refusal(const sxtp::condition& c);

    sxtp::service& svc;
    const server_options& opts;
    server_metrics* metrics;  // null: none
    connection_owner* owner;
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
            const std::size_t bound = conn.opts.max_pending_output;
            const std::size_t held = conn.state.held(id);
            return conn.state.stream_credit(id) > 0 && conn.state.output_size() < bound && held < bound &&
                   (held == 0 || conn.state.held_bytes() < conn.opts.connection_budget);
        }
        boost::asio::awaitable<void> wait() {
            call->wake().expires_at(clock::time_point::max());
            boost::system::error_code ec;
            co_await call->wake().async_wait(boost::asio::redirect_error(boost::asio::use_awaitable, ec));
        }

        boost::asio::awaitable<bool> open(sxtp::response head, bool heartbeats) override {
            if (is_open || over()) co_return is_open && !over();
            if (!conn.state.open_stream(id, std::move(head))) co_return false;
            is_open = true;
            last_sent = clock::now();
            conn.wake.cancel();
            if (heartbeats && conn.opts.heartbeat_interval.count() > 0)
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
                    if (++consumed >= wire::stream_window / 2 && conn.upload_bytes <= conn.opts.connection_budget) {
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
        if (state.output_size() > opts.max_pending_output) return true;
        return answers != 0 && budget_used() - std::min(budget_used(), state.frame_capacity()) > opts.connection_budget;
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
        state.set_limits(opts.limits);
        if (owner) owner->peer_authenticated(this);
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
        for (auto& [id, p] : ports) p->call->wake_up();
    }
    clock::time_point last_activity;
    std::optional<clock::time_point> frame_started;
    bool handshaken = !is_tls;
    bool reading_done = false;
    bool writer_idle = false;  // the write loop waits for `wake`
    bool abandoned = false;
    bool closed = false;

    void publish_output() { output_bytes.store(state.output_size(), std::memory_order_relaxed); }
    void cancel_all() {
        for (auto& [id, call] : calls) call->cancel();
    }
    // Ends the transport at once (timeouts, errors).
    void close();

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

#endif
