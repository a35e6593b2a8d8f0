// sxtp/server/service.hpp — the request pipeline without I/O: handler
// registration, then, for each request, ping and health, the origin check,
// authentication, routing, authorization, interceptors, the typed call
// (params and body decoded, the handler run, its value or condition
// encoded), caching and inspect. A decoded request and its connection's
// facts (a call_context: the peer, and the caller once authenticated) go
// in; a response comes out — or, for a streaming endpoint, the handler
// writes its messages to the context's stream_port.
//
//   sxtp::service svc;
//   svc.handle<get_post>([](const post_ref& p) { return post{p.id, "Hello"}; });
//   sxtp::request req = …;                        // decoded by any transport
//   sxtp::call_context ctx{req, "127.0.0.1:53412"};
//   auto r = svc.resolve(req, ctx);               // no executor needed
//   if (auto* answer = std::get_if<sxtp::response>(&r)) …;  // answered inline
//   else answer = co_await svc.run(req, std::get<sxtp::service::deferred>(std::move(r)), ctx);
//
// `co_await svc.answer(req, ctx)` does both. A server (server/server.hpp)
// owns one service and feeds it every request its connections read; other
// transports feed the same service. The service is thread-safe for calls
// once its handlers are registered (register before serving); what it
// counts (stats(), metrics()) is shared by every connection fed to it.
#ifndef SXTP_SERVER_SERVICE_HPP
#define SXTP_SERVER_SERVICE_HPP

#include <sxtp/detail/config.hpp>
#include <sxtp/security/policy.hpp>
#include <sxtp/rpc/call_decoder.hpp>
#include <sxtp/server/metrics.hpp>
#include <sxtp/server/options.hpp>
#include <sxtp/server/route_table.hpp>
#include <sxtp/server/stats.hpp>
#include <sxtp/server/stream.hpp>
#include <sxtp/sx/hash.hpp>
#include <sxtp/rpc/handler.hpp>
#include <sxtp/rpc/describe.hpp>
#include <sxtp/rpc/function.hpp>

#include <boost/asio/awaitable.hpp>

#include <atomic>
#include <chrono>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace sxtp {

/// The request pipeline of a server, without I/O (see the top of this file).
class service {
public:
    /// A service with `options` (the pipeline reads security, trusted_network,
    /// allowed_origins, interceptors, log, access_log and the metrics
    /// settings; a server's connections read the rest from options()).
    /// Throws std::invalid_argument for a null interceptor.
    explicit service(server_options options = {}) : options_(std::move(options)) { set_up_observers(); }
    service(const service&) = delete;
    service& operator=(const service&) = delete;

    /// Binds `handler` to endpoint E. The handler must pass handler_check<E,
    /// F, call_context> — or, for a streaming endpoint, stream_handler_check<E, F>
    /// (see server/stream.hpp).
    template <class E, class F>
    void handle(F handler);

    /// The untyped escape hatch: `handler(const sxtp::request&, call_context&)`
    /// returns an sxtp::response (or an awaitable of one) for `verb` on
    /// `pattern`. inspect describes it with "any" schemas. Path parameters
    /// are left to the handler (route_table syntax applies to the pattern).
    template <class F>
    void handle_raw(std::string_view verb, std::string_view pattern, F handler, route_options options = {});

    /// A request that must go on as a coroutine: a handler that suspends,
    /// or a bearer token to validate first (no route yet: routing comes
    /// after authentication).
    struct deferred {
        std::optional<route_table::match> route;
    };

    /// What `req` resolves to, without suspending: its answer when it has one
    /// at once (ping, health, a refusal, inspect, not-found,
    /// unsupported-verb, bad params, a handler that returns its value), or
    /// what must run() as a coroutine. Fills ctx's caller and route.
    std::variant<response, deferred> resolve(const sxtp::request& req, call_context& ctx);

    /// The answer of a request that resolve() deferred. A streaming endpoint
    /// needs ctx.ports_ (its messages go there); the coroutine is cancelled
    /// as its executor's cancellation slot says.
    boost::asio::awaitable<response> run(const sxtp::request& req, deferred d, call_context& ctx);

    /// resolve(), then run() when needed.
    boost::asio::awaitable<response> answer(const sxtp::request& req, call_context& ctx);

    /// After an answer: the interceptors' after() (not for a stream's later messages).
    void observe(const call_context& ctx, response& r) const;
    /// One answered request, `bytes_out` bytes on the wire: metrics and the access log.
    void record(const call_context& ctx, status_code s, std::size_t bytes_out) const;
    /// Whether anything observes calls (interceptors, metrics, the access log):
    /// contexts then need started_ set.
    bool observed() const noexcept { return observed_; }

    /// Health, as gRPC's grpc.health.v1 (see server::set_health). Any thread.
    void set_health(std::string service, bool serving);
    /// Health then answers `not-serving` for every service (a graceful shutdown began). Any thread.
    void begin_draining() noexcept { draining_ = true; }
    bool draining() const noexcept { return draining_; }

    /// The settings the service was made with.
    const server_options& options() const noexcept { return options_; }
    /// The security policy (server_options::security), if any.
    const security_policy* security() const noexcept { return options_.security.get(); }
    /// What was refused, limited and closed so far (any thread).
    server_stats stats() const noexcept { return reporter_.snapshot(); }
    /// Counts and logs (rate-limited) what a transport refused or closed.
    detail::server_reporter& reporter() const noexcept { return reporter_; }
    /// The Prometheus text when server_options::metrics is set; empty otherwise.
    std::string metrics() const { return metrics_ ? metrics_->text(stats()) : std::string(); }
    /// The metrics' counters (null without server_options::metrics).
    server_metrics* counters() const noexcept { return metrics_.get(); }

    /// The first route that declares capabilities when nothing would check
    /// them (no policy, not a trusted network), as "VERB PATTERN".
    std::optional<std::string> unchecked_route() const;
    /// The typed endpoints by function name (sxtp/rpc/function.hpp), for
    /// transports that call by name; null for an unknown name.
    const function_info* function(std::string_view name) const {
        const auto it = functions_.find(name);
        return it == functions_.end() ? nullptr : &it->second;
    }
    const std::map<std::string, function_info, std::less<>>& functions() const noexcept { return functions_; }
    /// A new connection's limits: the pre-authentication ones when the
    /// security policy has them (never looser than the normal ones).
    wire::connection_limits first_limits() const;

private:
    template <class E, class F>
    void handle_unary(F handler);
    template <class E, class F>
    void handle_stream(F handler);
    // A stream handler's call, from its params to its last answer (a
    // handler's exception included).
    template <class E, class Form, class Value, class F>
    boost::asio::awaitable<response> answer_stream(F& h, const sxtp::request& req, std::vector<std::pair<std::string, std::string>> params,
                                                   call_context& ctx);
    // run() of a request with a bearer token: validated, routed, then run.
    boost::asio::awaitable<response> run_bearer(const sxtp::request& req, call_context& ctx);

    // A request whose :stream does not fit the endpoint.
    static response stream_mismatch(bool sent_stream);

    // Routing and authorization, after authentication.
    std::variant<response, deferred> route(const sxtp::request& req, call_context& ctx);

    // An authenticated caller: the handler sees it; its connection leaves
    // the pre-authentication limits.
    static void admit(call_context& ctx, std::shared_ptr<const principal> who) {
        if (who->authenticated && ctx.ports_) ctx.ports_->authenticated();
        ctx.caller_ = std::move(who);
    }

    // A refused authentication: the peer learns which check failed, the log
    // also who was refused. Neither sees a secret.
    response refused(const sxtp::request& req, const call_context& ctx, condition c, std::string_view why) const;
    // SPEC §6: `:origin` outside allowed_origins (counted, logged).
    response refused_origin(const sxtp::request& req, const call_context& ctx) const;

    // The built-in routes' infos (route_infos_ 0…3, as server_metrics' slots),
    // the metrics and their route.
    void set_up_observers();
    // A route's info; its index is its metrics slot.
    std::size_t add_route_info(std::string_view verb, std::string_view pattern);
    // Runs the interceptors' before(): an answer when one refuses.
    std::optional<response> intercept(call_context& ctx);

    // The answer to `health` (see set_health).
    response health(const sxtp::request& req) const;
    // inspect on "/" where no route is: every route's description.
    response inspect_routes() const;
    // SPEC §5's answer to inspect, from the descriptions of the path's endpoints.
    response inspect(std::string_view path) const;

    // SPEC §8: a success answer of a cached route gets :content-hash and
    // :cache; a request whose :if-match equals the hash gets not-modified
    // without a body. The handler's own :content-hash is trusted.
    static response cached(const sxtp::request& req, cache_policy policy, response r);
    static constexpr std::string_view cache_name(cache_policy p) {
        return p == cache_policy::immutable ? "immutable" : p == cache_policy::revalidate ? "revalidate" : "none";
    }

    // A handler threw: the peer gets internal-error, the log what happened.
    response handler_failed(const sxtp::request& req, const call_context& ctx, const std::exception& e) const;

    template <class E>
    static response to_response(const reply<E>& rep);

    using route_params = std::vector<std::pair<std::string, std::string>>;
    // A route's handler: `sync` when it never suspends (run inline), else
    // `async`; with what the route declares.
    struct invoker {
        std::function<response(const sxtp::request&, const route_params&, call_context&)> sync;
        // The whole answer, caching and a handler's exception included (run() adds no frame).
        std::function<boost::asio::awaitable<response>(const sxtp::request&, route_params, call_context&)> async;
        std::vector<std::string> required;
        cache_policy cache = cache_policy::none;
        std::size_t info = 0;  // in route_infos_
    };
    template <class E>
    static invoker declared();
    template <class E>
    void add_function();

    server_options options_;
    route_table routes_;
    std::vector<invoker> invokers_;
    std::vector<std::function<sx::value()>> describers_;
    std::map<std::string, function_info, std::less<>> functions_;
    mutable detail::server_reporter reporter_;     // counters and the rate-limited log: thread-safe
    std::deque<detail::route_info> route_infos_;   // stable: contexts point at them
    std::unique_ptr<server_metrics> metrics_;      // when options_.metrics
    bool observed_ = false;                        // interceptors, metrics or the access log
    std::atomic<bool> draining_{false};            // shutdown began (read by every worker)
    mutable std::mutex health_mutex_;
    std::map<std::string, bool, std::less<>> health_;  // set_health()
};

} // namespace sxtp

#include <sxtp/server/impl/registration.hpp>
#if SXTP_HEADER_DEFINITIONS
#include <sxtp/server/impl/pipeline.hpp>
#include <sxtp/server/impl/observers.hpp>
#endif

#endif
