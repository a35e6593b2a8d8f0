// sxtp/client/client.hpp — an SXTP client on an Asio executor: TCP, TLS and
// Unix sockets; typed calls multiplexed over tagged connections; per-call
// deadlines; cancellation; keepalive; reconnect with backoff; a pool; a
// cookie jar. Needs the sxtp::net target.
//
//   sxtp::client c(io.get_executor(), "sxtp://127.0.0.1:5380");
//   sxtp::reply<get_post> r = co_await c.call<get_post>({7});
//   if (r) use(*r);
//   else if (auto nf = r.condition_as<post_not_found>()) …
//
//   c.async_call<get_post>({7}, [](sxtp::reply<get_post> r) { … });   // any completion token
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

#include <sxtp/detail/config.hpp>
#include <sxtp/client/cache.hpp>
#include <sxtp/client/call_arg.hpp>
#include <sxtp/client/completion.hpp>
#include <sxtp/client/metrics.hpp>
#include <sxtp/client/cookie_jar.hpp>
#include <sxtp/client/options.hpp>
#include <sxtp/net/address.hpp>
#include <sxtp/security/hmac.hpp>
#include <sxtp/net/tls.hpp>
#include <sxtp/rpc/handler.hpp>
#include <sxtp/rpc/request_builder.hpp>
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
        if (options_.metrics) metrics_ = std::make_unique<client_metrics>();
        for (const auto& i : options_.interceptors)
            if (!i) throw std::invalid_argument("sxtp: client_options::interceptors holds a null interceptor");
    }
    /// Throws std::invalid_argument for a bad address.
    client(executor_type ex, std::string_view uri, client_options options = {}) : client(ex, parse(uri), std::move(options)) {}
    client(const client&) = delete;
    client& operator=(const client&) = delete;
    ~client() { close(); }

    /// Calls endpoint E with its params (and body, when E has one). Never
    /// throws for network or peer failures (see above). Write the arguments
    /// between braces, positionally — `call<E>({"x", 3}, {.timeout = 2s})`:
    /// the call builds them (call_arg.hpp: safe under g++ 12) — or pass
    /// values (named, moved; designated initializers for params — under g++
    /// 12 only for fields that own no memory, see call_arg.hpp). They are
    /// moved into the operation at once: the awaitable may run later.
    template <class E>
        requires has_body<E>
    boost::asio::awaitable<reply<E>> call(call_arg<typename E::params> params, call_arg<typename E::body> body, call_options opts = {}) {
        return call_typed<E>(std::move(params).take(), std::move(body).take(), std::move(opts));
    }
    template <class E, class P = typename E::params, class B = call_arg<typename E::body>>
        requires has_body<E> && detail::exactly<P, typename E::params> && detail::body_value<B, E>
    boost::asio::awaitable<reply<E>> call(P&& params, B&& body, call_options opts = {}) {
        return call_typed<E>(std::forward<P>(params), detail::body_of<E>(std::forward<B>(body)), std::move(opts));
    }
    template <class E>
        requires(!has_body<E>)
    boost::asio::awaitable<reply<E>> call(call_arg<typename E::params> params, call_options opts = {}) {
        return call_typed<E>(std::move(params).take(), no_body{}, std::move(opts));
    }
    template <class E, class P = typename E::params>
        requires(!has_body<E>) && detail::exactly<P, typename E::params>
    boost::asio::awaitable<reply<E>> call(P&& params, call_options opts = {}) {
        return call_typed<E>(std::forward<P>(params), no_body{}, std::move(opts));
    }
    /// Arguments that fit none of the above: one error that says what fits.
    template <class E, class... A>
        requires(!detail::call_args_fit<E, A...>())
    boost::asio::awaitable<reply<E>> call(A&&...) {
        static_assert(detail::call_args_fit<E, A...>(),
                      "sxtp: client.call<E>: the arguments do not fit the endpoint: it takes (E::params[, sxtp::call_options]), "
                      "or (E::params, E::body[, sxtp::call_options]) when E has a body");
        return {};
    }

    /// call<E> for any Asio completion token — use_awaitable, use_future,
    /// deferred, a callback, … — completing with `void(reply<E>)`. The
    /// token's cancellation slot reaches the call (total, partial or
    /// terminal: the call ends cancelled and `cancel` is sent); the
    /// completion runs on the token's associated executor (the client's when
    /// the token has none). The call itself runs on the client's executor.
    /// With use_future, never wait on the future on the thread that runs
    /// the client's executor. The client must outlive the calls in flight.
    template <class E, class Token>
        requires has_body<E> && detail::completion_token<Token>
    auto async_call(call_arg<typename E::params> params, call_arg<typename E::body> body, call_options opts, Token&& token) {
        return detail::launch(ex_, call_typed<E>(std::move(params).take(), std::move(body).take(), std::move(opts)), std::forward<Token>(token));
    }
    template <class E, class Token>
        requires has_body<E> && detail::completion_token<Token>
    auto async_call(call_arg<typename E::params> params, call_arg<typename E::body> body, Token&& token) {
        return async_call<E>(std::move(params), std::move(body), call_options{}, std::forward<Token>(token));
    }
    template <class E, class Token>
        requires(!has_body<E>) && detail::completion_token<Token>
    auto async_call(call_arg<typename E::params> params, call_options opts, Token&& token) {
        return detail::launch(ex_, call_typed<E>(std::move(params).take(), no_body{}, std::move(opts)), std::forward<Token>(token));
    }
    template <class E, class Token>
        requires(!has_body<E>) && detail::completion_token<Token>
    auto async_call(call_arg<typename E::params> params, Token&& token) {
        return async_call<E>(std::move(params), call_options{}, std::forward<Token>(token));
    }

    /// The untyped call: any request, the response as it came (or a
    /// client-made condition response, as for typed calls). The request's
    /// tag is replaced by the connection's own.
    boost::asio::awaitable<response> call_raw(sxtp::request req, call_options opts = {});

    class raw_stream;

    /// Opens a stream of endpoint E (server streaming, client streaming or
    /// both; see call_stream). For a server stream it returns once the
    /// stream head (or a refusal) has arrived; for a client stream at once.
    /// Arguments as for call<E>.
    template <class E>
        requires has_body<E>
    boost::asio::awaitable<call_stream<E>> open(call_arg<typename E::params> params, call_arg<typename E::body> body, call_options opts = {}) {
        return open_typed<E>(std::move(params).take(), std::move(body).take(), std::move(opts));
    }
    template <class E>
        requires(!has_body<E>)
    boost::asio::awaitable<call_stream<E>> open(call_arg<typename E::params> params, call_options opts = {}) {
        return open_typed<E>(std::move(params).take(), no_body{}, std::move(opts));
    }
    template <class E, class P = typename E::params>
        requires(!has_body<E>) && detail::exactly<P, typename E::params>
    boost::asio::awaitable<call_stream<E>> open(P&& params, call_options opts = {}) {
        return open_typed<E>(std::forward<P>(params), no_body{}, std::move(opts));
    }
    /// open<E> for any Asio completion token, completing with
    /// `void(call_stream<E>)`; cancellation and executors as for async_call.
    /// For an endpoint with a body the options are not optional:
    /// `async_open<E>(params, body, {}, token)`.
    template <class E, class Token>
        requires detail::completion_token<Token>
    auto async_open(call_arg<typename E::params> params, call_arg<typename E::body> body, call_options opts, Token&& token) {
        return detail::launch(ex_, open_typed<E>(std::move(params).take(), std::move(body).take(), std::move(opts)), std::forward<Token>(token));
    }
    template <class E, class Token>
        requires(!has_body<E>) && detail::completion_token<Token>
    auto async_open(call_arg<typename E::params> params, call_options opts, Token&& token) {
        return detail::launch(ex_, open_typed<E>(std::move(params).take(), no_body{}, std::move(opts)), std::forward<Token>(token));
    }
    template <class E, class Token>
        requires(!has_body<E>) && detail::completion_token<Token>
    auto async_open(call_arg<typename E::params> params, Token&& token) {
        return async_open<E>(std::move(params), call_options{}, std::forward<Token>(token));
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
    /// The Prometheus text of this client's calls (client/metrics.hpp) when
    /// client_options::metrics is set; empty otherwise. Any thread.
    std::string metrics() const { return metrics_ ? metrics_->text() : std::string(); }

private:
    template <class E>
    friend class call_stream;

    bool busy() const;

    // call_raw, counted under `route` (a typed call's pattern; "" for raw calls).
    boost::asio::awaitable<response> call_raw_as(sxtp::request req, call_options opts, std::string_view route);
    // The cache, the signature and the retries of a prepared request.
    boost::asio::awaitable<response> send_prepared(sxtp::request req, std::optional<clock::time_point> deadline);

    // The typed call and stream, once their arguments are values.
    template <class E>
    boost::asio::awaitable<reply<E>> call_typed(typename E::params params, typename E::body body, call_options opts);
    template <class E>
    boost::asio::awaitable<call_stream<E>> open_typed(typename E::params params, typename E::body body, call_options opts);

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
    std::unique_ptr<client_metrics> metrics_;  // when options_.metrics
};

} // namespace sxtp

#include <sxtp/client/raw_stream.hpp>
#include <sxtp/client/impl/typed_calls.hpp>
#if SXTP_HEADER_DEFINITIONS
#include <sxtp/client/impl/channel.hpp>
#include <sxtp/client/impl/client.hpp>
#endif
#include <sxtp/client/call_stream.hpp>

#endif
