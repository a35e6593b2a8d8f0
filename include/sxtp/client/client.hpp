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

    client(executor_type ex, net::address where, client_options options = {})
        : ex_(std::move(ex)), where_(std::move(where)), options_(std::move(options)), rng_(std::random_device{}()) {
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
    boost::asio::awaitable<response> call_raw(sxtp::request req, call_options opts = {}) {
        const auto deadline = prepare(req, std::move(opts));
        std::string cache_key;
        std::optional<response_cache::entry> kept;
        if (options_.cache && !req.stream.value_or(false)) {
            cache_key = response_cache::key(req);
            if (!cache_key.empty()) kept = options_.cache->find(cache_key);
            if (kept && kept->immutable) {
                options_.cache->count_hit();
                co_return *kept->answer;
            }
            if (kept && !(req.headers && req.headers->if_match)) {
                if (!req.headers) req.headers.emplace();
                req.headers->if_match = kept->hash;
            } else {
                kept.reset();  // the caller's own :if-match: its answer is theirs
            }
        }
        const bool own_auth = !req.auth;
        seal(req);
        response r;
        std::optional<sxtp::request> again;
        std::chrono::milliseconds pause = options_.retry.backoff;
        for (int attempt = 1;; ++attempt) {
            const bool last = attempt >= options_.retry.max_attempts;
            if (!last) again = req;
            auto ch = channels_[next_channel_++ % channels_.size()];
            r = co_await ch->exchange(std::move(req), deadline);
            if (last || !may_repeat(r)) break;
            // Wait, within the deadline; the caller's cancellation ends the wait.
            std::uniform_real_distribution<double> jitter(0.8, 1.2);
            auto until = clock::now() + std::chrono::duration_cast<std::chrono::milliseconds>(pause * jitter(rng_));
            if (deadline && until >= *deadline) break;
            pause *= 2;
            boost::asio::steady_timer t(ex_, until);
            boost::system::error_code ec;
            co_await t.async_wait(boost::asio::redirect_error(boost::asio::use_awaitable, ec));
            if (ec) break;
            req = std::move(*again);
            if (own_auth) {  // a fresh nonce and time: the server may have seen the first
                req.auth.reset();
                seal(req);
            }
        }
        if (r.set_cookie) cookies_.apply(*r.set_cookie);
        if (!cache_key.empty()) r = options_.cache->settle(cache_key, kept, std::move(r));
        co_return r;
    }

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
    boost::asio::awaitable<void> drain_and_close(std::chrono::milliseconds limit) {
        const auto until = clock::now() + limit;
        boost::asio::steady_timer t(ex_);
        while (clock::now() < until && busy()) {
            t.expires_after(std::chrono::milliseconds(2));
            boost::system::error_code ec;
            co_await t.async_wait(boost::asio::redirect_error(boost::asio::use_awaitable, ec));
        }
        close();
    }

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

    bool busy() const {
        for (const auto& ch : channels_)
            if (ch->state == channel::phase::open && (!ch->calls.empty() || ch->conn->output_size() != 0)) return true;
        return false;
    }

    // Applies the call options to `req`; returns the call's deadline.
    std::optional<clock::time_point> prepare(sxtp::request& req, call_options opts) {
        const auto timeout = opts.timeout ? *opts.timeout : options_.default_timeout;
        std::optional<clock::time_point> deadline;
        if (timeout.count() > 0) deadline = clock::now() + timeout;
        if (opts.headers) req.headers = std::move(opts.headers);
        if (deadline) {
            if (!req.headers) req.headers.emplace();
            req.headers->timeout_ms = timeout.count();
        }
        if (opts.capabilities) req.capabilities = std::move(opts.capabilities);
        if (!req.cookies) req.cookies = cookies_.for_path(req.path);
        return deadline;
    }

    // Whether an answer says its request may be sent again (`:retry true`).
    static bool may_repeat(const response& r) {
        if (r.status.is_success() || !r.body) return false;
        auto c = typed::try_from_sx<condition>(*r.body);
        return c && c->retry.value_or(false);
    }

    // Adds the client's `:auth`, last: a signature covers everything else.
    void seal(sxtp::request& req) const {
        if (req.auth) return;  // the caller's own
        if (options_.hmac) {
            const auto now = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
            security::sign(req, options_.hmac->key_id, options_.hmac->secret, now);
        } else if (options_.bearer_token) {
            req.auth = sx::value::list(sx::value::make_symbol_unchecked("bearer"), *options_.bearer_token);
        }
    }

    using plain_socket = boost::asio::generic::stream_protocol::socket;
    using tls_stream = boost::asio::ssl::stream<plain_socket>;

    static net::address parse(std::string_view uri) {
        auto a = net::parse_address(uri);
        if (!a) throw std::invalid_argument(a.error().message);
        return *a;
    }

    static response failed_response(const boost::system::error_code& ec, bool sent) {
        condition c = make_condition(conditions::connection_failed{ec.message()}, sent ? "the connection broke before the answer came"
                                                                                      : "could not send the request");
        c.retry = !sent;
        return condition_response(status_code::unavailable, std::move(c));
    }

    template <class E>
    static reply<E> to_reply(response r) {
        if (!r.status.is_success()) {
            if (r.body) {
                auto c = typed::try_from_sx<condition>(*r.body);
                if (c) return reply<E>::from_wire(r.status.code(), std::move(*c));
            }
            condition c;
            c.type = sx::symbol(std::string(r.status.name()));
            c.message = "a non-success answer without a condition";
            return reply<E>::from_wire(r.status.code(), std::move(c));
        }
        if constexpr (std::is_same_v<typename E::result, no_result>) {
            return reply<E>(no_result{});
        } else {
            static const sx::value nil;
            auto v = typed::try_from_sx<typename E::result>(r.body ? *r.body : nil);  // (a ternary with a temporary would copy the body)
            if (!v)
                return reply<E>::from_wire(status_code::invalid,
                                           make_condition(conditions::malformed_result{v.error().path_string(), v.error().message()},
                                                          "the answer does not match the endpoint's result: " + v.error().message()));
            return reply<E>(std::move(*v));
        }
    }

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
        void fail(boost::system::error_code ec, bool closing = false) {
            if (state == phase::idle && !closing) return;
            const bool was_open = state == phase::open;
            state = phase::idle;
            ++generation;
            last_error = ec;
            if (socket || tls) {
                boost::system::error_code ignored;
                lowest().shutdown(plain_socket::shutdown_both, ignored);
                lowest().close(ignored);
            }
            wake.cancel();
            keepalive.cancel();
            connected_event.cancel();
            if (conn) {
                conn->close(ec);
                deliver();
            }
            for (auto& [id, p] : calls) finish(*p, failed_response(ec, true));
            calls.clear();
            if (was_open && !closing) schedule_retry(false);
        }

        void schedule_retry(bool after_failed_connect) {
            if (!after_failed_connect) {
                backoff = std::chrono::milliseconds(0);  // a connection that worked: reconnect at once
                retry_at = clock::now();
                return;
            }
            backoff = backoff.count() == 0 ? cl.options_.reconnect_backoff : std::min(backoff * 2, cl.options_.reconnect_backoff_max);
            std::uniform_real_distribution<double> jitter(0.8, 1.2);
            retry_at = clock::now() + std::chrono::duration_cast<std::chrono::milliseconds>(backoff * jitter(cl.rng_));
        }

        static void finish(pending& p, response r) {
            if (p.done) return;
            p.done = true;
            p.res = std::move(r);
            p.timer.cancel();
        }

        // Hands out what the connection has decoded.
        void deliver() {
            for (auto ev = conn->next_event(); !std::holds_alternative<wire::need_more>(ev); ev = conn->next_event()) {
                if (auto* a = std::get_if<wire::answer>(&ev)) {
                    if (ping_id && a->id == *ping_id) ping_id.reset();
                    if (auto it = calls.find(a->id); it != calls.end()) {
                        finish(*it->second, std::move(a->res));
                        calls.erase(it);
                    }
                } else if (auto* so = std::get_if<wire::stream_opened>(&ev)) {
                    if (auto it = calls.find(so->id); it != calls.end()) {
                        if (so->head.set_cookie) cl.cookies_.apply(*so->head.set_cookie);
                        it->second->head = std::move(so->head);
                        it->second->timer.cancel();
                    }
                } else if (auto* si = std::get_if<wire::stream_item>(&ev)) {
                    if (auto it = calls.find(si->id); it != calls.end() && !it->second->dropped) {
                        it->second->items.push_back(std::move(si->item));
                        it->second->timer.cancel();
                    }
                } else if (auto* se = std::get_if<wire::stream_ended>(&ev)) {
                    if (auto it = calls.find(se->id); it != calls.end()) {
                        it->second->last = std::move(se->last);
                        it->second->done = true;
                        it->second->timer.cancel();
                        calls.erase(it);
                    }
                } else if (auto* uc = std::get_if<wire::upload_credit>(&ev)) {
                    if (auto it = calls.find(uc->id); it != calls.end()) {
                        // both bounded: a server's :n may be any positive int64
                        it->second->upload_credit = std::min<std::int64_t>(it->second->upload_credit, std::int64_t{1} << 40) +
                                                    std::min<std::int64_t>(uc->n, std::int64_t{1} << 40);
                        it->second->timer.cancel();
                    }
                } else if (auto* f = std::get_if<wire::call_failed>(&ev)) {
                    if (auto it = calls.find(f->id); it != calls.end()) {
                        finish(*it->second, failed_response(f->error, true));
                        calls.erase(it);
                    }
                } else if (auto* cf = std::get_if<wire::connection_failed>(&ev)) {
                    const auto e = cf->error;
                    if (state != phase::idle) {
                        // the peer broke the protocol
                        boost::asio::post(cl.ex_, [self = this->shared_from_this(), e, g = generation] {
                            if (self->generation == g) self->fail(e);
                        });
                    }
                    return;
                }
            }
        }

        // Opens the connection unless it is open; false when it cannot.
        boost::asio::awaitable<bool> ensure_open() {
            auto self = this->shared_from_this();
            if (state == phase::open) co_return true;
            if (state == phase::connecting) {  // another call is connecting: wait for it
                boost::system::error_code ec;
                co_await connected_event.async_wait(boost::asio::redirect_error(boost::asio::use_awaitable, ec));
                auto cs = co_await boost::asio::this_coro::cancellation_state;
                co_return cs.cancelled() == boost::asio::cancellation_type::none && state == phase::open;
            }
            if (clock::now() < retry_at) co_return false;  // backing off
            co_return co_await connect();
        }

        boost::asio::awaitable<bool> connect() {
            auto self = this->shared_from_this();
            state = phase::connecting;
            const std::uint64_t g = ++generation;
            const auto& where = cl.where_;
            socket = std::make_unique<plain_socket>(cl.ex_);
            tls.reset();
            connected_event.expires_at(clock::time_point::max());  // waiters in ensure_open wake when it is cancelled
            // The connect timeout closes the socket, which ends whatever step is pending.
            struct attempt {
                bool done = false;
                bool timed_out = false;
            };
            auto at = std::make_shared<attempt>();
            boost::asio::steady_timer timer(cl.ex_, cl.options_.connect_timeout);
            timer.async_wait([this, self, at](boost::system::error_code ec) {
                if (ec || at->done) return;
                at->timed_out = true;
                boost::system::error_code ignored;
                lowest().close(ignored);
            });
            boost::system::error_code ec;
            if (where.transport == net::transport::unix_socket) {
                co_await socket->async_connect(boost::asio::local::stream_protocol::endpoint(where.socket_path),
                                               boost::asio::redirect_error(boost::asio::use_awaitable, ec));
            } else {
                boost::asio::ip::tcp::resolver resolver(cl.ex_);
                auto results = co_await resolver.async_resolve(where.host, std::to_string(where.port),
                                                               boost::asio::redirect_error(boost::asio::use_awaitable, ec));
                if (!ec) {
                    ec = boost::asio::error::host_not_found;
                    for (const auto& r : results) {
                        if (at->timed_out) break;
                        boost::system::error_code ignored;
                        socket->close(ignored);
                        const boost::asio::generic::stream_protocol::endpoint ep(r.endpoint());
                        socket->open(ep.protocol(), ec);
                        if (ec) continue;
                        co_await socket->async_connect(ep, boost::asio::redirect_error(boost::asio::use_awaitable, ec));
                        if (!ec) break;
                    }
                }
                if (!ec) socket->set_option(boost::asio::ip::tcp::no_delay(true), ec);
                if (!ec && where.transport == net::transport::tls) {
                    tls = std::make_unique<tls_stream>(std::move(*socket), *cl.options_.tls);
                    socket.reset();
                    net::prepare_client_tls(*tls, where.host, !cl.options_.tls_insecure);
                    co_await tls->async_handshake(boost::asio::ssl::stream_base::client, boost::asio::redirect_error(boost::asio::use_awaitable, ec));
                    if (!ec) {
                        const std::string alpn = net::negotiated_alpn(*tls);
                        if (!alpn.empty() && alpn != net::alpn_protocol) ec = make_error_code(wire::error::unexpected_message);
                    }
                }
            }
            at->done = true;
            timer.cancel();
            if (generation != g) co_return false;  // closed meanwhile
            if (at->timed_out) ec = boost::asio::error::timed_out;
            if (ec) {
                state = phase::idle;
                last_error = ec;
                boost::system::error_code ignored;
                lowest().close(ignored);
                schedule_retry(true);
                connected_event.cancel();
                co_return false;
            }
            state = phase::open;
            backoff = std::chrono::milliseconds(0);
            conn = std::make_unique<wire::client_connection>(cl.options_.limits);
            last_received = clock::now();
            ping_id.reset();
            boost::asio::co_spawn(cl.ex_, read_loop(g), boost::asio::detached);
            boost::asio::co_spawn(cl.ex_, write_loop(g), boost::asio::detached);
            if (cl.options_.keepalive_interval.count() > 0) boost::asio::co_spawn(cl.ex_, keepalive_loop(g), boost::asio::detached);
            connected_event.cancel();
            co_return true;
        }

        boost::asio::awaitable<response> exchange(sxtp::request req, std::optional<clock::time_point> deadline) {
            auto self = this->shared_from_this();
            if (!co_await ensure_open()) {
                auto cs = co_await boost::asio::this_coro::cancellation_state;
                if (cs.cancelled() != boost::asio::cancellation_type::none)
                    co_return condition_response(status_code::error, make_condition(conditions::cancelled{}, "cancelled before it was sent"));
                co_return failed_response(last_error ? last_error : make_error_code(boost::asio::error::try_again), false);
            }
            const wire::call_id id = conn->send(std::move(req));
            auto p = std::make_shared<pending>(cl.ex_);
            calls.emplace(id, p);
            wake.cancel();
            p->timer.expires_at(deadline ? *deadline + std::chrono::milliseconds(50) : clock::time_point::max());  // the server's answer first
            boost::system::error_code ec;
            co_await p->timer.async_wait(boost::asio::redirect_error(boost::asio::use_awaitable, ec));
            if (p->done) co_return std::move(*p->res);
            calls.erase(id);
            if (state == phase::open && conn->cancel(id)) wake.cancel();
            if (!ec)
                co_return condition_response(status_code::error, make_condition(conditions::deadline_exceeded{}, "the call's deadline passed"));
            co_return condition_response(status_code::error, make_condition(conditions::cancelled{}, "cancelled by the caller"));
        }

        // Sends a streaming request; the pending call it will fill.
        boost::asio::awaitable<std::pair<wire::call_id, std::shared_ptr<pending>>> start_stream(sxtp::request req) {
            auto self = this->shared_from_this();
            auto p = std::make_shared<pending>(cl.ex_);
            if (!co_await ensure_open()) {
                auto cs = co_await boost::asio::this_coro::cancellation_state;
                p->done = true;
                p->res = cs.cancelled() != boost::asio::cancellation_type::none
                             ? condition_response(status_code::error, make_condition(conditions::cancelled{}, "cancelled before it was sent"))
                             : failed_response(last_error ? last_error : make_error_code(boost::asio::error::try_again), false);
                co_return std::pair{wire::call_id{0}, p};
            }
            const wire::call_id id = conn->send(std::move(req));
            calls.emplace(id, p);
            wake.cancel();
            co_return std::pair{id, p};
        }

        boost::asio::awaitable<void> read_loop(std::uint64_t g) {
            auto self = this->shared_from_this();
            while (generation == g) {
                auto room = conn->prepare();
                if (room.empty()) break;
                boost::system::error_code ec;
                std::size_t n = 0;
                if (tls)
                    n = co_await tls->async_read_some(boost::asio::buffer(room.data(), room.size()), boost::asio::redirect_error(boost::asio::use_awaitable, ec));
                else
                    n = co_await socket->async_read_some(boost::asio::buffer(room.data(), room.size()), boost::asio::redirect_error(boost::asio::use_awaitable, ec));
                if (generation != g) co_return;
                if (ec) {
                    fail(ec);
                    co_return;
                }
                conn->commit(n);
                last_received = clock::now();
                deliver();
            }
        }

        boost::asio::awaitable<void> write_loop(std::uint64_t g) {
            auto self = this->shared_from_this();
            while (generation == g) {
                while (generation == g && !conn->output().empty()) {
                    // The batch is this coroutine's alone while it is written:
                    // sends meanwhile (or a reconnect's new conn) cannot move it.
                    std::string batch = conn->take_output();
                    boost::system::error_code ec;
                    if (tls)
                        co_await boost::asio::async_write(*tls, boost::asio::buffer(batch), boost::asio::redirect_error(boost::asio::use_awaitable, ec));
                    else
                        co_await boost::asio::async_write(*socket, boost::asio::buffer(batch), boost::asio::redirect_error(boost::asio::use_awaitable, ec));
                    if (generation != g) co_return;
                    conn->output_written(std::move(batch));
                    if (ec) {
                        fail(ec);
                        co_return;
                    }
                }
                wake.expires_at(clock::time_point::max());
                boost::system::error_code ec;
                co_await wake.async_wait(boost::asio::redirect_error(boost::asio::use_awaitable, ec));
            }
        }

        boost::asio::awaitable<void> keepalive_loop(std::uint64_t g) {
            auto self = this->shared_from_this();
            const auto interval = cl.options_.keepalive_interval;
            while (generation == g) {
                keepalive.expires_after(interval);
                boost::system::error_code ec;
                co_await keepalive.async_wait(boost::asio::redirect_error(boost::asio::use_awaitable, ec));
                if (generation != g) co_return;
                if (clock::now() - last_received < interval) continue;
                sxtp::request ping;
                ping.verb = sx::symbol("ping");
                ping.path = "/";
                ping_id = conn->send(std::move(ping));
                wake.cancel();
                keepalive.expires_after(cl.options_.keepalive_timeout);
                co_await keepalive.async_wait(boost::asio::redirect_error(boost::asio::use_awaitable, ec));
                if (generation != g) co_return;
                if (ping_id) {
                    fail(boost::asio::error::timed_out);
                    co_return;
                }
            }
        }
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
        boost::asio::awaitable<std::optional<std::variant<sxtp::chunk, sxtp::event>>> next() {
            for (;;) {
                if (outcome_) co_return std::nullopt;
                if (!p_->items.empty()) {
                    auto item = std::move(p_->items.front());
                    p_->items.pop_front();
                    if (++consumed_ >= window_ / 2 && live()) {  // give back what was taken
                        ch_->conn->grant(id_, std::exchange(consumed_, 0));
                        ch_->wake.cancel();
                    }
                    co_return std::optional<std::variant<sxtp::chunk, sxtp::event>>(std::move(item));
                }
                if (p_->done) {
                    settle();
                    co_return std::nullopt;
                }
                if (!co_await wait()) co_return std::nullopt;
            }
        }

        /// Sends one chunk of the client's stream, waiting for credit.
        /// False when the call has ended (or finish() was called).
        boost::asio::awaitable<bool> write(sx::value body) {
            for (;;) {
                if (outcome_ || finished_ || p_->done) co_return false;
                if (p_->upload_credit > 0) break;
                if (!co_await wait()) co_return false;
            }
            if (!live()) co_return false;
            --p_->upload_credit;
            sxtp::chunk c;
            c.body = std::move(body);
            const bool sent = ch_->conn->send_chunk(id_, std::move(c));
            ch_->wake.cancel();
            co_return sent;
        }

        /// Ends the client's stream: `(chunk :done true)`.
        void finish() {
            if (finished_ || outcome_ || !p_ || p_->done) return;
            finished_ = true;
            sxtp::chunk c;
            c.done = true;
            if (live()) {
                ch_->conn->send_chunk(id_, std::move(c));
                ch_->wake.cancel();
            }
        }

        /// Waits for the call's end and returns its answer: the response of a
        /// client stream; for a server stream, `ok` or the condition it ended with.
        boost::asio::awaitable<response> answer() {
            while (!outcome_ && !p_->done) {
                const bool go_on = co_await wait();
                if (!go_on) break;
            }
            if (!outcome_) settle();
            response r = *outcome_;
            co_return r;
        }

        /// Stops the stream: sends `cancel` (the server ends it with a done
        /// chunk, which is discarded); outcome() becomes cancelled.
        void cancel() {
            if (!p_ || outcome_) return;
            if (p_->done) {
                settle();
                return;
            }
            p_->dropped = true;
            p_->items.clear();
            p_->timer.cancel();  // wake whoever waits on it
            if (live() && ch_->conn->cancel(id_)) ch_->wake.cancel();
            outcome_ = condition_response(status_code::error, make_condition(conditions::cancelled{}, "cancelled by the caller"));
        }

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
        boost::asio::awaitable<bool> wait() {
            p_->timer.expires_at(deadline_ ? *deadline_ + std::chrono::milliseconds(50) : clock::time_point::max());
            boost::system::error_code ec;
            co_await p_->timer.async_wait(boost::asio::redirect_error(boost::asio::use_awaitable, ec));
            auto cs = co_await boost::asio::this_coro::cancellation_state;
            if (cs.cancelled() != boost::asio::cancellation_type::none) {
                cancel();
                co_return false;
            }
            if (!ec && !p_->done) {
                cancel();
                outcome_ = condition_response(status_code::error, make_condition(conditions::deadline_exceeded{}, "the call's deadline passed"));
                co_return false;
            }
            co_return true;
        }

        // The outcome from what the call ended with.
        void settle() {
            if (p_->last) {
                if (!p_->last->body) {
                    outcome_ = response{};
                    return;
                }
                auto c = typed::try_from_sx<condition>(*p_->last->body);
                condition cond = c ? std::move(*c) : make_condition(conditions::malformed_result{":body", "expected a condition"}, "a done chunk with a body that is not a condition");
                outcome_ = condition_response(conditions::framework_status(cond.type.name()), cond);
                return;
            }
            outcome_ = p_->res ? std::move(*p_->res) : response{};
        }

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

#include <sxtp/client/call_stream.hpp>

#endif
