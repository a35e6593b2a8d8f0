// Definitions for sxtp/server/connection.hpp: a connection's calls — one
// started from a request (inline, or as a coroutine) and answered, with
// what observes it (interceptors, metrics, the access log).
#ifndef SXTP_SERVER_IMPL_CALLS_HPP
#define SXTP_SERVER_IMPL_CALLS_HPP

namespace sxtp {

template <class Stream>
inline void connection<Stream>::start(wire::request_id id, sxtp::request req) {
    std::optional<clock::time_point> deadline;
    if (req.headers && req.headers->timeout_ms)
        deadline = clock::now() + std::chrono::milliseconds(std::max<std::int64_t>(0, std::min<std::int64_t>(*req.headers->timeout_ms, std::int64_t{1} << 40)));
    if (metrics) metrics->in_flight.fetch_add(1, std::memory_order_relaxed);
    std::optional<service::deferred> route;
    carried from_resolve;
    {
        // Most requests are answered here, inline: no coroutine, no timers.
        call_context ctx{req, peer, deadline};
        ctx.ports_ = this;
        ctx.call_id_ = id;
        if (svc.observed()) ctx.started_ = clock::now();
        if (!opts.interceptors.empty()) ctx.interceptors_ = &opts.interceptors;
        auto r = svc.resolve(req, ctx);
        if (auto* answer = std::get_if<response>(&r)) {
            answered(id, &ctx, std::move(*answer), false);  // written when the read loop has taken the whole read
            return;
        }
        route.emplace(std::move(std::get<service::deferred>(r)));
        from_resolve = carried{std::move(ctx.caller_), ctx.route_, std::move(ctx.trace_), ctx.started_, std::move(ctx.response_headers),
                               std::move(ctx.set_cookie)};
    }
    auto self = this->shared_from_this();
    auto call = std::make_shared<call_state>(ex);
    calls.emplace(id, call);
    if (deadline) {
        call->deadline().expires_at(*deadline);
        call->deadline().async_wait([self, id, call](boost::system::error_code ec) {
            if (ec || call->cancelled) return;
            if (self->state.expire(id)) self->wake.cancel();
            call->cancel();
        });
    }
    auto body = [](std::shared_ptr<connection> c, sxtp::request r, service::deferred m, carried k, std::optional<clock::time_point> d,
                   wire::request_id i, std::shared_ptr<call_state> cs) -> boost::asio::awaitable<void> {
        call_context ctx{r, c->peer, d};
        ctx.caller_ = std::move(k.caller);
        ctx.route_ = k.route;
        ctx.trace_ = std::move(k.trace);
        ctx.started_ = k.started;
        ctx.response_headers = std::move(k.response_headers);
        ctx.set_cookie = std::move(k.set_cookie);
        ctx.cancelled_ = &cs->cancelled;
        ctx.ports_ = c.get();
        ctx.call_id_ = i;
        if (!c->opts.interceptors.empty()) ctx.interceptors_ = &c->opts.interceptors;
        response answer = co_await c->svc.run(r, std::move(m), ctx);
        c->answered(i, &ctx, std::move(answer), true);
    };
    // (It holds the call state: the coroutine's cancellation slot is in it,
    // and Asio clears that slot after the coroutine has answered and ended.)
    auto failed = [self, id, call](std::exception_ptr e) {
        if (e) self->answered(id, nullptr, condition_response(status_code::error, make_condition(conditions::internal_error{}, "internal error")), true);
    };
    boost::asio::co_spawn(ex, body(self, std::move(req), std::move(*route), std::move(from_resolve), deadline, id, call),
                          boost::asio::bind_cancellation_slot(call->signal.slot(), std::move(failed)));
}

template <class Stream>
inline void connection<Stream>::answered(wire::request_id id, const call_context* ctx, response r, bool coroutine) {
    // A server stream whose head went out (even if the wire has answered it
    // since: cancel, deadline, the client gone) ends here; anything else is
    // an answer. (An inline call has no call state and no stream port.)
    bool was_stream = false;
    if (coroutine) {
        if (auto it = calls.find(id); it != calls.end()) {
            it->second->finish();
            calls.erase(it);
        }
        if (ctx && ctx->interceptors_)
            if (const auto it = ports.find(id); it != ports.end()) was_stream = it->second->opened();
        drop_port(id);
    }
    mark_secure(r);
    if (ctx) {
        if (was_stream) {
            const auto took = clock::now() - ctx->started_;
            for (const auto& i : *ctx->interceptors_) {
                try {
                    i->stream_ended(*ctx, r, took);
                } catch (...) {
                    opts.log(log_level::error, "an interceptor's stream_ended() threw");
                }
            }
        } else {
            svc.observe(*ctx, r);
        }
    }
    status_code status = r.status.code();
    const std::size_t before = state.output_size() + state.held_bytes();
    // false: the wire answered the call already (cancelled, deadline-exceeded
    // or the stream broken: status error), and this answer is dropped
    if (!state.respond(id, std::move(r))) status = status_code::error;
    if (metrics) metrics->in_flight.fetch_sub(1, std::memory_order_relaxed);
    if (ctx && svc.observed()) {
        const std::size_t after = state.output_size() + state.held_bytes();
        try {
            svc.record(*ctx, status, after > before ? after - before : 0);
        } catch (...) {  // (a failed allocation while formatting: the answer is out already)
        }
    }
    last_activity = clock::now();
    wake.cancel();
}

} // namespace sxtp

#endif
