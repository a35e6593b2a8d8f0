// Definitions for sxtp/client/client.hpp: the client's calls and its raw streams.
#ifndef SXTP_CLIENT_IMPL_CLIENT_HPP
#define SXTP_CLIENT_IMPL_CLIENT_HPP

namespace sxtp {

SXTP_DECL boost::asio::awaitable<client::raw_stream> client::open_raw(sxtp::request req, call_options opts, bool wait_for_head) {
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

SXTP_DECL boost::asio::awaitable<response> client::call_raw(sxtp::request req, call_options opts) {
    return call_raw_as(std::move(req), std::move(opts), {});
}

SXTP_DECL boost::asio::awaitable<response> client::call_raw_as(sxtp::request req, call_options opts, std::string_view route) {
    const auto deadline = prepare(req, std::move(opts));
    if (options_.interceptors.empty() && !metrics_) co_return co_await send_prepared(std::move(req), deadline);
    const auto started = clock::now();
    const std::string verb(req.verb.name());
    if (metrics_) metrics_->in_flight.fetch_add(1, std::memory_order_relaxed);
    // An interceptor that throws makes the call's answer internal-error:
    // a call never throws, and the in-flight count stays right.
    const auto failed = [](const char* where) {
        return condition_response(status_code::error, make_condition(conditions::internal_error{}, std::string("a client interceptor's ") + where + " threw"));
    };
    std::optional<response> r;
    try {
        for (const auto& i : options_.interceptors)
            if ((r = i->before(req))) break;
    } catch (...) {
        r = failed("before()");
    }
    std::optional<sxtp::request> sent;
    if (!options_.interceptors.empty()) sent = req;  // for after()
    if (!r) r = co_await send_prepared(std::move(req), deadline);
    const auto took = clock::now() - started;
    if (sent) {
        try {
            for (const auto& i : options_.interceptors) i->after(*sent, *r, took);
        } catch (...) {
            r = failed("after()");
        }
    }
    if (metrics_) {
        metrics_->in_flight.fetch_sub(1, std::memory_order_relaxed);
        metrics_->answered(verb, route, r->status.code(), took);
    }
    co_return std::move(*r);
}

SXTP_DECL boost::asio::awaitable<response> client::send_prepared(sxtp::request req, std::optional<clock::time_point> deadline) {
    std::string cache_base, cache_key;
    sxtp::request vary_probe;  // the request's own headers, for the answer's :vary
    std::optional<response_cache::entry> kept;
    if (options_.cache && !req.stream.value_or(false)) {
        cache_base = response_cache::key(req);
        vary_probe.headers = req.headers;
        if (!cache_base.empty()) {
            cache_key = options_.cache->variant_key(cache_base, vary_probe);
            kept = options_.cache->find(cache_key);
        }
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
    if (r.set_cookie) cookies_.apply(*r.set_cookie, where_.host);
    if (!cache_key.empty()) r = options_.cache->settle(cache_base, cache_key, vary_probe, kept, std::move(r));
    co_return r;
}

SXTP_DECL boost::asio::awaitable<void> client::drain_and_close(std::chrono::milliseconds limit) {
    const auto until = clock::now() + limit;
    boost::asio::steady_timer t(ex_);
    while (clock::now() < until && busy()) {
        t.expires_after(std::chrono::milliseconds(2));
        boost::system::error_code ec;
        co_await t.async_wait(boost::asio::redirect_error(boost::asio::use_awaitable, ec));
    }
    close();
}

SXTP_DECL bool client::busy() const {
    for (const auto& ch : channels_)
        if (ch->state == channel::phase::open && (!ch->calls.empty() || ch->conn->output_size() != 0)) return true;
    return false;
}

SXTP_DECL cookie_jar::destination client::cookie_destination(const sxtp::request& req) const {
    cookie_jar::destination d;
    d.host = where_.host;
    d.secure = where_.transport != net::transport::tcp || options_.allow_plaintext_credentials;
    if (req.headers && req.headers->origin) {
        // the host of "scheme://host[:port]/…", or the whole text
        std::string_view o = *req.headers->origin;
        if (const auto s = o.find("://"); s != std::string_view::npos) o.remove_prefix(s + 3);
        o = o.substr(0, o.find_first_of("/"));
        if (!o.empty() && o.front() == '[') o = o.substr(1, o.find(']') - 1);
        else o = o.substr(0, o.find(':'));
        d.origin_host = std::string(o);
    }
    return d;
}

SXTP_DECL std::optional<client::clock::time_point> client::prepare(sxtp::request& req, call_options opts) {
    const auto timeout = opts.timeout ? *opts.timeout : options_.default_timeout;
    std::optional<clock::time_point> deadline;
    if (timeout.count() > 0) deadline = clock::now() + timeout;
    if (opts.headers) req.headers = std::move(opts.headers);
    if (deadline) {
        if (!req.headers) req.headers.emplace();
        req.headers->timeout_ms = timeout.count();
    }
    if (opts.capabilities) req.capabilities = std::move(opts.capabilities);
    // (Not into a request the caller signed: the signature covers its headers.)
    if (req.auth) {
    } else if (opts.trace) {
        if (!req.headers) req.headers.emplace();
        set_traceparent(*req.headers, *opts.trace);
    } else if (options_.tracing && !(req.headers && traceparent_of(*req.headers))) {
        if (!req.headers) req.headers.emplace();
        set_traceparent(*req.headers, trace_context::start());
    }
    if (!req.cookies) req.cookies = cookies_.for_request(req.path, cookie_destination(req));
    return deadline;
}

SXTP_DECL bool client::may_repeat(const response& r) {
    const auto c = condition_of(r);
    return c && c->retry.value_or(false);
}

SXTP_DECL void client::seal(sxtp::request& req) const {
    if (req.auth) return;  // the caller's own
    if (options_.hmac) {
        const auto now = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
        security::sign(req, options_.hmac->key_id, options_.hmac->secret, now);
    } else if (options_.bearer_token) {
        req.auth = sx::value::list(sx::value::make_symbol_unchecked("bearer"), *options_.bearer_token);
    }
}

SXTP_DECL net::address client::parse(std::string_view uri) {
    auto a = net::parse_address(uri);
    if (!a) throw std::invalid_argument(a.error().message);
    return *a;
}

SXTP_DECL response client::failed_response(const boost::system::error_code& ec, bool sent) {
    condition c = make_condition(conditions::connection_failed{ec.message()}, sent ? "the connection broke before the answer came"
                                                                                  : "could not send the request");
    c.retry = !sent;
    return condition_response(status_code::unavailable, std::move(c));
}

SXTP_DECL boost::asio::awaitable<std::optional<std::variant<sxtp::chunk, sxtp::event>>> client::raw_stream::next() {
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

SXTP_DECL boost::asio::awaitable<bool> client::raw_stream::write(sx::value body) {
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

SXTP_DECL void client::raw_stream::finish() {
    if (finished_ || outcome_ || !p_ || p_->done) return;
    finished_ = true;
    sxtp::chunk c;
    c.done = true;
    if (live()) {
        ch_->conn->send_chunk(id_, std::move(c));
        ch_->wake.cancel();
    }
}

SXTP_DECL boost::asio::awaitable<response> client::raw_stream::answer() {
    while (!outcome_ && !p_->done) {
        const bool go_on = co_await wait();
        if (!go_on) break;
    }
    if (!outcome_) settle();
    response r = *outcome_;
    co_return r;
}

SXTP_DECL void client::raw_stream::cancel() {
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

SXTP_DECL boost::asio::awaitable<bool> client::raw_stream::wait() {
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

SXTP_DECL void client::raw_stream::settle() {
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
} // namespace sxtp

#endif
