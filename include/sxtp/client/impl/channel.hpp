// Definitions for sxtp/client/client.hpp: one connection of a client (connect,
// reconnect, the read, write and keepalive loops, delivering answers).
#ifndef SXTP_CLIENT_IMPL_CHANNEL_HPP
#define SXTP_CLIENT_IMPL_CHANNEL_HPP

namespace sxtp {

SXTP_DECL void client::channel::fail(boost::system::error_code ec, bool closing) {
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

SXTP_DECL void client::channel::schedule_retry(bool after_failed_connect) {
    if (!after_failed_connect) {
        backoff = std::chrono::milliseconds(0);  // a connection that worked: reconnect at once
        retry_at = clock::now();
        return;
    }
    backoff = backoff.count() == 0 ? cl.options_.reconnect_backoff : std::min(backoff * 2, cl.options_.reconnect_backoff_max);
    std::uniform_real_distribution<double> jitter(0.8, 1.2);
    retry_at = clock::now() + std::chrono::duration_cast<std::chrono::milliseconds>(backoff * jitter(cl.rng_));
}

SXTP_DECL void client::channel::finish(pending& p, response r) {
    if (p.done) return;
    p.done = true;
    p.res = std::move(r);
    p.timer.cancel();
}

SXTP_DECL void client::channel::deliver() {
    for (auto ev = conn->next_event(); !std::holds_alternative<wire::need_more>(ev); ev = conn->next_event()) {
        if (auto* a = std::get_if<wire::answer>(&ev)) {
            if (ping_id && a->id == *ping_id) ping_id.reset();
            if (auto it = calls.find(a->id); it != calls.end()) {
                finish(*it->second, std::move(a->res));
                calls.erase(it);
            }
        } else if (auto* so = std::get_if<wire::stream_opened>(&ev)) {
            if (auto it = calls.find(so->id); it != calls.end()) {
                if (so->head.set_cookie) cl.cookies_.apply(*so->head.set_cookie, cl.where_.host);
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

SXTP_DECL boost::asio::awaitable<bool> client::channel::ensure_open() {
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

SXTP_DECL boost::asio::awaitable<bool> client::channel::connect() {
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

SXTP_DECL boost::asio::awaitable<response> client::channel::exchange(sxtp::request req, std::optional<clock::time_point> deadline) {
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

SXTP_DECL boost::asio::awaitable<std::pair<wire::call_id, std::shared_ptr<client::channel::pending>>> client::channel::start_stream(sxtp::request req) {
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

SXTP_DECL boost::asio::awaitable<void> client::channel::read_loop(std::uint64_t g) {
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

SXTP_DECL boost::asio::awaitable<void> client::channel::write_loop(std::uint64_t g) {
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

SXTP_DECL boost::asio::awaitable<void> client::channel::keepalive_loop(std::uint64_t g) {
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
} // namespace sxtp

#endif
