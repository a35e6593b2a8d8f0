// Definitions for sxtp/server/server.hpp: handler registration, listening, shutdown and the connection table.
#ifndef SXTP_SERVER_IMPL_SERVER_HPP
#define SXTP_SERVER_IMPL_SERVER_HPP

namespace sxtp {

SXTP_DECL net::address server::listen(const net::address& where) {
    if (const auto unchecked = service_.unchecked_route())
        throw std::logic_error("sxtp: " + *unchecked +
                               " requires capabilities but the server has no security policy to check them: set server_options::security, "
                               "or server_options::trusted_network = true to serve it to every caller");
    using generic = boost::asio::generic::stream_protocol;
    net::address bound = where;
    generic::endpoint ep;
    if (where.transport == net::transport::unix_socket) {
        struct stat st {};
        if (::lstat(where.socket_path.c_str(), &st) == 0) {
            if (!S_ISSOCK(st.st_mode))
                throw boost::system::system_error(make_error_code(boost::system::errc::file_exists), "sxtp: " + where.socket_path + " is not a socket");
            ::unlink(where.socket_path.c_str());
        }
        ep = boost::asio::local::stream_protocol::endpoint(where.socket_path);
    } else {
        if (where.transport == net::transport::tls && !options().tls)
            throw std::invalid_argument("sxtp: listening on sxtps:// needs server_options::tls");
        boost::asio::ip::tcp::resolver resolver(ex_);
        auto results = resolver.resolve(where.host, std::to_string(where.port), boost::asio::ip::tcp::resolver::passive);
        ep = results.begin()->endpoint();
    }
    auto a = std::make_shared<listener>(acceptor_type(ex_), where);
    a->acceptor.open(ep.protocol());
    if (where.transport != net::transport::unix_socket) a->acceptor.set_option(boost::asio::socket_base::reuse_address(true));
    a->acceptor.bind(ep);
    a->acceptor.listen();
    if (where.transport != net::transport::unix_socket) bound.port = to_tcp(a->acceptor.local_endpoint()).port();
    boost::asio::co_spawn(ex_, accept_loop(a), boost::asio::detached);
    listeners_.push_back(std::move(a));
    return bound;
}

SXTP_DECL net::address server::listen(std::string_view uri) {
    auto a = net::parse_address(uri);
    if (!a) throw std::invalid_argument(a.error().message);
    return listen(*a);
}

SXTP_DECL unsigned short server::listen(const boost::asio::ip::tcp::endpoint& where) {
    net::address a;
    a.host = where.address().to_string();
    a.port = where.port();
    return listen(a).port;
}

SXTP_DECL void server::stop_accepting() {
    for (auto& l : listeners_) {
        boost::system::error_code ignored;
        l->acceptor.close(ignored);
        if (l->where.transport == net::transport::unix_socket) ::unlink(l->where.socket_path.c_str());
    }
    listeners_.clear();
}

SXTP_DECL void server::shutdown(std::chrono::milliseconds drain, std::function<void()> done) {
    stop_accepting();
    shutting_down_ = true;
    service_.begin_draining();
    on_drained_ = std::move(done);
    for (auto& [p, c] : connections_) boost::asio::dispatch(c->executor(), [c = c] { c->begin_shutdown(); });
    drain_timer_ = std::make_unique<boost::asio::steady_timer>(ex_, drain);
    drain_timer_->async_wait([this](boost::system::error_code ec) {
        if (ec) return;
        for (auto& [p, c] : connections_) boost::asio::dispatch(c->executor(), [c = c] { c->abandon(); });
    });
    check_drained();
}

SXTP_DECL std::size_t server::pending_output() const {
    std::size_t n = 0;
    for (const auto& [p, c] : connections_) n += c->output_bytes.load(std::memory_order_relaxed);
    return n;
}

SXTP_DECL boost::asio::ip::tcp::endpoint server::to_tcp(const boost::asio::generic::stream_protocol::endpoint& g) {
    boost::asio::ip::tcp::endpoint ep;
    std::memcpy(ep.data(), g.data(), std::min<std::size_t>(g.size(), ep.capacity()));
    ep.resize(std::min<std::size_t>(g.size(), ep.capacity()));
    return ep;
}

SXTP_DECL std::string server::source_of(const plain_socket& s) {
    boost::system::error_code ec;
    const auto ep = s.remote_endpoint(ec);
    if (ec) return "unknown";
    auto a = to_tcp(ep).address();
    if (a.is_v6() && a.to_v6().is_v4_mapped()) a = boost::asio::ip::make_address_v4(boost::asio::ip::v4_mapped, a.to_v6());
    if (a.is_v4()) return a.to_string();
    // IPv6: one peer per /64 (a host is handed a whole /64; counting
    // single addresses would let it open a connection per address)
    auto bytes = a.to_v6().to_bytes();
    std::fill(bytes.begin() + 8, bytes.end(), 0);
    return boost::asio::ip::address_v6(bytes).to_string() + "/64";
}

SXTP_DECL std::string server::peer_name(const plain_socket& s) {
    boost::system::error_code ec;
    const auto ep = s.remote_endpoint(ec);
    if (ec) return "unknown";
    if (ep.protocol().family() == AF_UNIX) return "unix";
    const auto t = to_tcp(ep);
    const std::string a = t.address().to_string();
    return (t.address().is_v6() ? "[" + a + "]" : a) + ':' + std::to_string(t.port());
}

SXTP_DECL void server::forget(connection_base* c) {
    boost::asio::dispatch(ex_, [this, c] {
        leave_peer(*c);
        if (connections_.erase(c) && service_.counters()) service_.counters()->connections.fetch_sub(1, std::memory_order_relaxed);
        check_drained();
    });
}

SXTP_DECL void server::peer_authenticated(connection_base* c) {
    boost::asio::dispatch(ex_, [this, c] {
        if (!connections_.count(c) || !c->counted_unauthenticated) return;
        c->counted_unauthenticated = false;
        if (auto it = peers_.find(c->source); it != peers_.end()) --it->second.unauthenticated;
    });
}

SXTP_DECL void server::leave_peer(connection_base& c) {
    if (c.source.empty()) return;
    const auto it = peers_.find(c.source);
    if (it == peers_.end()) return;
    --it->second.open;
    if (c.counted_unauthenticated) --it->second.unauthenticated;
    if (it->second.open == 0) peers_.erase(it);
}

SXTP_DECL void server::check_drained() {
    if (!shutting_down_ || !connections_.empty()) return;
    if (drain_timer_) drain_timer_->cancel();
    if (auto done = std::exchange(on_drained_, nullptr)) done();
}

SXTP_DECL boost::asio::awaitable<void> server::accept_loop(std::shared_ptr<listener> l) {
    for (;;) {
        boost::system::error_code ec;
        const executor_type& worker = workers_[next_worker_++ % workers_.size()];
        plain_socket socket = co_await l->acceptor.async_accept(worker, boost::asio::redirect_error(boost::asio::use_awaitable, ec));
        if (ec) {
            if (!l->acceptor.is_open()) co_return;  // closed
            options().log(log_level::error, "accept failed: " + ec.message());
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
        if (connections_.size() >= options().max_connections) {
            service_.reporter().report(server_event::connection_refused, peer, "over max_connections (" + std::to_string(options().max_connections) + "): closed",
                             options().log);
            socket.close(ec);
            continue;
        }
        const std::string source = l->where.transport == net::transport::unix_socket ? std::string() : source_of(socket);
        const bool preauth = options().security != nullptr;
        if (!source.empty()) {
            const auto it = peers_.find(source);
            const peer_count n = it == peers_.end() ? peer_count{} : it->second;
            if (n.open >= options().max_connections_per_peer || (preauth && n.unauthenticated >= options().max_unauthenticated_per_peer)) {
                service_.reporter().report(server_event::peer_connections_refused, peer,
                                 n.open >= options().max_connections_per_peer
                                     ? "over max_connections_per_peer (" + std::to_string(options().max_connections_per_peer) + "): closed"
                                     : "over max_unauthenticated_per_peer (" + std::to_string(options().max_unauthenticated_per_peer) + "): closed",
                                 options().log);
                socket.close(ec);
                continue;
            }
        }
        service_.reporter().accepted();
        if (l->where.transport != net::transport::unix_socket) socket.set_option(boost::asio::ip::tcp::no_delay(true), ec);
        std::shared_ptr<connection_base> c;
        if (l->where.transport == net::transport::tls) {
            auto tc = std::make_shared<connection<tls_stream>>(service_, worker, tls_stream(std::move(socket), *options().tls), std::move(peer), static_cast<connection_owner*>(this));
            boost::asio::co_spawn(worker, tc->run(), boost::asio::detached);
            c = std::move(tc);
        } else {
            auto pc = std::make_shared<connection<plain_socket>>(service_, worker, std::move(socket), std::move(peer), static_cast<connection_owner*>(this));
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
        if (auto* m = service_.counters()) m->connections.fetch_add(1, std::memory_order_relaxed);
    }
}

} // namespace sxtp

#endif
