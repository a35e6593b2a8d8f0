// sxtp/client/client.hpp — an SXTP client on an Asio executor: TCP, TLS and
// Unix sockets; typed calls multiplexed over tagged connections; per-call
// deadlines; cancellation; keepalive; reconnect with backoff; a pool; a
// cookie jar. Needs the sxtp::net target.
//
//   sxtp::client c(io.get_executor(), "sxtp://127.0.0.1:5380");
//   sxtp::reply<get_post> r = co_await c.call<get_post>({.id = 7});
//   if (r.ok()) use(r.value());
//   else if (auto nf = sxtp::condition_as<post_not_found>(r.condition())) …
//
// Every call ends in a reply, never an exception for anything the network or
// the peer does: the server's result or condition; or a condition the client
// made itself —
//   unavailable / connection-failed  could not connect, or the connection
//                                    broke (`:retry true` only when the
//                                    request was never sent);
//   error / deadline-exceeded        the call's timeout passed (the client
//                                    also sends `:timeout-ms`, and `cancel`);
//   error / cancelled                the awaiting coroutine was cancelled
//                                    (Asio cancellation); `cancel` is sent;
//   invalid / malformed-result       the answer does not decode as E::result.
//
// Connections are opened on first use and reopened after a failure; while a
// reconnect is backing off (exponential, with jitter, capped) calls fail at
// once with connection-failed `:retry true` rather than queue. Idle
// connections are pinged (keepalive) and dropped when the ping goes
// unanswered. `:set-cookie` answers fill a jar (max-age, path, delete) whose
// cookies go with every later request on a matching path.
//
// Threading: like the server, one thread runs a client's executor.
#ifndef SXTP_CLIENT_CLIENT_HPP
#define SXTP_CLIENT_CLIENT_HPP

#include <sxtp/client/cache.hpp>
#include <sxtp/client/cookie_jar.hpp>
#include <sxtp/client/options.hpp>
#include <sxtp/net/address.hpp>
#include <sxtp/security/hmac.hpp>
#include <sxtp/net/tls.hpp>
#include <sxtp/typed/handler.hpp>
#include <sxtp/typed/request_builder.hpp>
#include <sxtp/wire/client_connection.hpp>
#include <sxtp/wire/conditions.hpp>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/generic/stream_protocol.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include <chrono>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <utility>
#include <vector>

namespace sxtp {

template <class E>
class call_stream;

class client {
public:
    using executor_type = boost::asio::any_io_executor;
    using clock = std::chrono::steady_clock;

    /// Throws std::invalid_argument when a bearer token would go over plain
    /// TCP (sxtp://) and client_options::allow_plaintext_credentials is not set.
    client(executor_type ex, net::address where, client_options options = {})
        : ex_(std::move(ex)), where_(std::move(where)), options_(std::move(options)), rng_(std::random_device{}()) {
        if (options_.bearer_token && where_.transport == net::transport::tcp && !options_.allow_plaintext_credentials)
            throw std::invalid_argument("sxtp: a bearer token over plaintext sxtp:// can be read by anyone on the path: use sxtps://, "
                                        "or set client_options::allow_plaintext_credentials on a network you trust");
        if (where_.transport == net::transport::tls && !options_.tls) options_.tls = net::make_client_tls_context();
        for (std::size_t i = 0; i < std::max<std::size_t>(1, options_.pool_size); ++i) channels_.push_back(std::make_shared<channel>(*this));
    }
    /// Throws std::invalid_argument for a bad address.
    client(executor_type ex, std::string_view uri, client_options options = {}) : client(ex, parse(uri), std::move(options)) {}
    client(const client&) = delete;
    client& operator=(const client&) = delete;
    ~client() { close(); }

    /// Calls endpoint E. Never throws for network or peer failures (see above).
    /// Arguments are taken by value: the awaitable may run after the
    /// caller's temporaries are gone (co_spawn).
    template <class E>
    boost::asio::awaitable<reply<E>> call(typename E::params params, typename E::body body, call_options opts = {}) {
        response r = co_await call_raw(make_request<E>(params, body), std::move(opts));
        co_return to_reply<E>(std::move(r));
    }
    /// Calls endpoint E that takes no body.
    template <class E>
        requires std::is_same_v<typename E::body, no_body>
    boost::asio::awaitable<reply<E>> call(typename E::params params, call_options opts = {}) {
        return call<E>(std::move(params), no_body{}, std::move(opts));
    }

    /// The untyped call: any request, the response as it came (or a
    /// client-made condition response, as for typed calls). The request's
    /// tag is replaced by the connection's own.
    boost::asio::awaitable<response> call_raw(sxtp::request req, call_options opts = {});

    class raw_stream;

    /// Opens a stream of endpoint E (server streaming, client streaming or
    /// both; see call_stream). For a server stream it returns once the
    /// stream head (or a refusal) has arrived; for a client stream at once.
    template <class E>
    boost::asio::awaitable<call_stream<E>> open(typename E::params params, typename E::body body, call_options opts = {});
    /// open() for an endpoint that takes no body.
    template <class E>
        requires std::is_same_v<typename E::body, no_body>
    boost::asio::awaitable<call_stream<E>> open(typename E::params params, call_options opts = {}) {
        return open<E>(std::move(params), no_body{}, std::move(opts));
    }

    /// The untyped stream: any request (with `:stream true` when the client
    /// streams); waits for the head when `wait_for_head`.
    boost::asio::awaitable<raw_stream> open_raw(sxtp::request req, call_options opts = {}, bool wait_for_head = true);

    /// Closes every connection; calls in flight end with connection-failed.
    void close() {
        for (auto& ch : channels_) ch->fail(make_error_code(wire::error::connection_closed), true);
    }

    /// Waits, at most `limit`, until every call in flight has ended and
    /// everything written has gone out, then closes. For a program about
    /// to exit after cancelling a stream: the server receives the cancel and
    /// its done chunk comes back.
    boost::asio::awaitable<void> drain_and_close(std::chrono::milliseconds limit);

    const net::address& address() const noexcept { return where_; }

    /// A typed reply from a response (what call<E> does with the answer):
    /// the result, the condition, or malformed-result.
    template <class E>
    static reply<E> reply_from(response r) {
        return to_reply<E>(std::move(r));
    }
    cookie_jar& cookies() noexcept { return cookies_; }

private:
    template <class E>
    friend class call_stream;

    bool busy() const;

    // Applies the call options to `req`; returns the call's deadline.
    std::optional<clock::time_point> prepare(sxtp::request& req, call_options opts);

    // Whether an answer says its request may be sent again (`:retry true`).
    static bool may_repeat(const response& r);

    // Adds the client's `:auth`, last: a signature covers everything else.
    void seal(sxtp::request& req) const;

    using plain_socket = boost::asio::generic::stream_protocol::socket;
    using tls_stream = boost::asio::ssl::stream<plain_socket>;

    static net::address parse(std::string_view uri);
    // Where a request goes, for the cookie jar (its :secure, :domain and :same-site rules).
    cookie_jar::destination cookie_destination(const sxtp::request& req) const;

    static response failed_response(const boost::system::error_code& ec, bool sent);

    template <class E>
    static reply<E> to_reply(response r);

    // One connection (reopened after failures).
    struct channel : std::enable_shared_from_this<channel> {
        explicit channel(client& c) : cl(c), wake(c.ex_), keepalive(c.ex_), connected_event(c.ex_) {}

        struct pending {
            explicit pending(const executor_type& ex) : timer(ex) {}
            boost::asio::steady_timer timer;  // the deadline; cancelled to wake the caller
            std::optional<response> res;      // the answer (or why there is none), once done
            bool done = false;
            // streams
            std::optional<response> head;                          // `:stream true` arrived
            std::deque<std::variant<sxtp::chunk, sxtp::event>> items;  // not yet taken (at most the credit given)
            std::optional<sxtp::chunk> last;                       // the done chunk
            std::int64_t upload_credit = wire::stream_window;      // chunks the client may still send
            bool dropped = false;                                  // the caller is gone: items are discarded
        };

        client& cl;
        std::unique_ptr<plain_socket> socket;
        std::unique_ptr<tls_stream> tls;
        std::unique_ptr<wire::client_connection> conn;
        std::map<wire::call_id, std::shared_ptr<pending>> calls;
        boost::asio::steady_timer wake;             // cancelled to wake the writer
        boost::asio::steady_timer keepalive;
        boost::asio::steady_timer connected_event;  // cancelled when a connect attempt ends
        enum class phase { idle, connecting, open } state = phase::idle;
        std::uint64_t generation = 0;               // which connection the loops belong to
        clock::time_point last_received{};
        clock::time_point retry_at{};
        std::chrono::milliseconds backoff{0};
        boost::system::error_code last_error;
        std::optional<wire::call_id> ping_id;

        plain_socket& lowest() { return tls ? tls->next_layer() : *socket; }

        // Ends the current connection: calls in flight fail with `ec`.
        void fail(boost::system::error_code ec, bool closing = false);

        void schedule_retry(bool after_failed_connect);

        static void finish(pending& p, response r);

        // Hands out what the connection has decoded.
        void deliver();

        // Opens the connection unless it is open; false when it cannot.
        boost::asio::awaitable<bool> ensure_open();

        boost::asio::awaitable<bool> connect();

        boost::asio::awaitable<response> exchange(sxtp::request req, std::optional<clock::time_point> deadline);

        // Sends a streaming request; the pending call it will fill.
        boost::asio::awaitable<std::pair<wire::call_id, std::shared_ptr<pending>>> start_stream(sxtp::request req);

        boost::asio::awaitable<void> read_loop(std::uint64_t g);

        boost::asio::awaitable<void> write_loop(std::uint64_t g);

        boost::asio::awaitable<void> keepalive_loop(std::uint64_t g);
    };

    executor_type ex_;
    net::address where_;
    client_options options_;
    std::mt19937_64 rng_;
    std::vector<std::shared_ptr<channel>> channels_;
    std::size_t next_channel_ = 0;
    cookie_jar cookies_;

public:
    /// One stream call, untyped: what the server streams (chunks and
    /// events), what the client streams (chunk bodies), and how it ended.
    /// Destroying it before the stream ended sends `cancel`.
    class raw_stream {
    public:
        raw_stream() = default;
        raw_stream(raw_stream&&) noexcept = default;  // the moved-from stream has no call: its destructor does nothing
        raw_stream& operator=(raw_stream&& o) noexcept {
            if (this != &o) {
                cancel();  // leaving this stream's call
                std::destroy_at(this);
                std::construct_at(this, std::move(o));
            }
            return *this;
        }
        ~raw_stream() { cancel(); }

        /// The next chunk or event; std::nullopt once the stream has ended
        /// (then outcome() says how). Heartbeat events are passed on too.
        boost::asio::awaitable<std::optional<std::variant<sxtp::chunk, sxtp::event>>> next();

        /// Sends one chunk of the client's stream, waiting for credit.
        /// False when the call has ended (or finish() was called).
        boost::asio::awaitable<bool> write(sx::value body);

        /// Ends the client's stream: `(chunk :done true)`.
        void finish();

        /// Waits for the call's end and returns its answer: the response of a
        /// client stream; for a server stream, `ok` or the condition it ended with.
        boost::asio::awaitable<response> answer();

        /// Stops the stream: sends `cancel` (the server ends it with a done
        /// chunk, which is discarded); outcome() becomes cancelled.
        void cancel();

        /// The stream head, once it arrived.
        const std::optional<response>& head() const noexcept { return p_->head; }
        /// How the stream ended, once it has: `ok` (a done chunk without a
        /// condition, or the client stream's answer), or a condition response.
        const std::optional<response>& outcome() const noexcept { return outcome_; }

    private:
        friend class client;
        raw_stream(std::shared_ptr<channel> ch, std::shared_ptr<channel::pending> p, wire::call_id id, std::optional<clock::time_point> deadline)
            : ch_(std::move(ch)), p_(std::move(p)), id_(id), gen_(ch_->generation), deadline_(deadline) {}

        // The call is on the connection it was sent on.
        bool live() const { return ch_ && ch_->generation == gen_ && ch_->state == channel::phase::open && ch_->calls.count(id_); }

        // Sleeps until something happens to the call; false when the wait
        // itself ended the stream (deadline, the caller's cancellation).
        boost::asio::awaitable<bool> wait();

        // The outcome from what the call ended with.
        void settle();

        std::shared_ptr<channel> ch_;
        std::shared_ptr<channel::pending> p_;
        wire::call_id id_ = 0;
        std::uint64_t gen_ = 0;
        std::optional<clock::time_point> deadline_;
        std::int64_t consumed_ = 0;
        std::int64_t window_ = wire::stream_window;
        bool finished_ = false;
        std::optional<response> outcome_;
    };
};

inline boost::asio::awaitable<client::raw_stream> client::open_raw(sxtp::request req, call_options opts, bool wait_for_head) {
    const auto deadline = prepare(req, std::move(opts));
    seal(req);
    auto ch = channels_[next_channel_++ % channels_.size()];
    auto [id, p] = co_await ch->start_stream(std::move(req));
    raw_stream s(ch, p, id, deadline);
    s.window_ = std::max(options_.stream_window, wire::stream_window);
    if (s.window_ > wire::stream_window && s.live()) {  // a larger window than the protocol's: grant the rest now
        ch->conn->grant(id, s.window_ - wire::stream_window);
        ch->wake.cancel();
    }
    while (wait_for_head && !p->head && !p->done) {
        const bool go_on = co_await s.wait();
        if (!go_on) break;
    }
    co_return s;
}

} // namespace sxtp

#include <sxtp/client/impl/channel.hpp>
#include <sxtp/client/impl/client.hpp>
#include <sxtp/client/call_stream.hpp>

#endif
