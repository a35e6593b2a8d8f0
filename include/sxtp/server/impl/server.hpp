// Definitions for sxtp/server/server.hpp: handler registration, listening, shutdown and the connection table.
#ifndef SXTP_SERVER_IMPL_SERVER_HPP
#define SXTP_SERVER_IMPL_SERVER_HPP

namespace sxtp {

template <class E, class F>
inline void server::handle(F handler) {
    // A handler that does not fit stops here, after its check's one error.
    if constexpr (is_stream_endpoint<E>) {
        if constexpr (stream_handler_check<E, F>::ok) handle_stream<E>(std::move(handler));
    } else {
        if constexpr (handler_check<E, F, call_context>::ok) handle_unary<E>(std::move(handler));
    }
}

template <class F>
inline void server::handle_raw(std::string_view verb, std::string_view pattern, F handler, route_options options) {
    using returned = std::invoke_result_t<F&, const sxtp::request&, call_context&>;
    static_assert(std::is_same_v<returned, response> || std::is_same_v<returned, boost::asio::awaitable<response>>,
                  "sxtp: a raw handler is callable as handler(const sxtp::request&, sxtp::call_context&) and returns "
                  "sxtp::response or boost::asio::awaitable<sxtp::response>");
    for (const auto& c : options.capabilities)
        if (!sx::is_valid_symbol_name(c)) throw std::invalid_argument("sxtp: capability \"" + c + "\" is not a valid symbol name");
    routes_.add(verb, pattern);
    describers_.emplace_back([v = std::string(verb), options] {
        sx::value caps = sx::value::make_list();
        for (const auto& c : options.capabilities) caps.push_back(sx::value::make_symbol_unchecked(c));
        return sx::value::dict(sx::value::make_keyword_unchecked("verb"), sx::value::make_symbol_unchecked(v),
                               sx::value::make_keyword_unchecked("required-capabilities"), std::move(caps),
                               sx::value::make_keyword_unchecked("params-schema"), "any", sx::value::make_keyword_unchecked("body-schema"),
                               "any", sx::value::make_keyword_unchecked("result-schema"), "any",
                               sx::value::make_keyword_unchecked("cache"), sx::value::make_keyword_unchecked(cache_name(options.cache)));
    });
    auto h = std::make_shared<F>(std::move(handler));
    invoker inv;
    inv.required = options.capabilities;
    inv.cache = options.cache;
    inv.info = add_route_info(verb, pattern);
    if constexpr (std::is_same_v<returned, response>)
        inv.sync = [h](const sxtp::request& req, const route_params&, call_context& ctx) -> response { return (*h)(req, ctx); };
    else
        inv.async = [h](const sxtp::request& req, const route_params&, call_context& ctx) -> boost::asio::awaitable<response> {
            co_return co_await (*h)(req, ctx);
        };
    invokers_.push_back(std::move(inv));
}

inline net::address server::listen(const net::address& where) {
    if (const auto unchecked = unchecked_route())
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
        if (where.transport == net::transport::tls && !options_.tls)
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

inline net::address server::listen(std::string_view uri) {
    auto a = net::parse_address(uri);
    if (!a) throw std::invalid_argument(a.error().message);
    return listen(*a);
}

inline unsigned short server::listen(const boost::asio::ip::tcp::endpoint& where) {
    net::address a;
    a.host = where.address().to_string();
    a.port = where.port();
    return listen(a).port;
}

inline std::optional<std::string> server::unchecked_route() const {
    if (options_.security || options_.trusted_network) return std::nullopt;
    for (std::size_t i = 0; i < invokers_.size(); ++i)
        if (!invokers_[i].required.empty()) return routes_.describe(i);
    return std::nullopt;
}

inline void server::set_health(std::string service, bool serving) {
    std::lock_guard lock(health_mutex_);
    health_.insert_or_assign(std::move(service), serving);
}

inline void server::stop_accepting() {
    for (auto& l : listeners_) {
        boost::system::error_code ignored;
        l->acceptor.close(ignored);
        if (l->where.transport == net::transport::unix_socket) ::unlink(l->where.socket_path.c_str());
    }
    listeners_.clear();
}

inline void server::shutdown(std::chrono::milliseconds drain, std::function<void()> done) {
    stop_accepting();
    shutting_down_ = true;
    draining_ = true;
    on_drained_ = std::move(done);
    for (auto& [p, c] : connections_) boost::asio::dispatch(c->executor(), [c = c] { c->begin_shutdown(); });
    drain_timer_ = std::make_unique<boost::asio::steady_timer>(ex_, drain);
    drain_timer_->async_wait([this](boost::system::error_code ec) {
        if (ec) return;
        for (auto& [p, c] : connections_) boost::asio::dispatch(c->executor(), [c = c] { c->abandon(); });
    });
    check_drained();
}

inline std::size_t server::pending_output() const {
    std::size_t n = 0;
    for (const auto& [p, c] : connections_) n += c->output_bytes.load(std::memory_order_relaxed);
    return n;
}

template <class E, class F>
inline void server::handle_unary(F handler) {
    using check = handler_check<E, F, call_context>;
    using form = typename check::form;
    routes_.add(E::verb, E::path);
    describers_.emplace_back(&describe_endpoint<E>);
    using returned = typename detail::form_result<form>::type;
    auto h = std::make_shared<F>(std::move(handler));
    // The answer once the handler's value is in (or the refusal of bad params).
    auto finish = [](reply<E> rep, call_context& ctx) {
        response r = to_response<E>(rep);
        r.headers = std::move(ctx.response_headers);
        r.set_cookie = std::move(ctx.set_cookie);
        return r;
    };
    invoker inv = declared<E>();
    inv.info = add_route_info(std::string_view(E::verb), std::string_view(E::path));
    if constexpr (requires { typename returned::value_type; typename returned::executor_type; }) {
        inv.async = [h, finish](const sxtp::request& req, const route_params& params, call_context& ctx) -> boost::asio::awaitable<response> {
            if (req.stream.value_or(false)) co_return stream_mismatch(true);
            auto args = decode_call<E>(req, params);
            if (!args) co_return condition_response(status_code::invalid, args.error());
            co_return finish(reply<E>(co_await form::invoke(*h, args->params, args->body, ctx)), ctx);
        };
    } else {
        // A handler that returns its value never suspends: it runs inline,
        // without a coroutine of its own.
        inv.sync = [h, finish](const sxtp::request& req, const route_params& params, call_context& ctx) -> response {
            if (req.stream.value_or(false)) return stream_mismatch(true);
            auto args = decode_call<E>(req, params);
            if (!args) return condition_response(status_code::invalid, args.error());
            return finish(reply<E>(form::invoke(*h, args->params, args->body, ctx)), ctx);
        };
    }
    invokers_.push_back(std::move(inv));
}

template <class E, class F>
inline void server::handle_stream(F handler) {
    using check = stream_handler_check<E, F>;
    using form = typename check::form;
    routes_.add(E::verb, E::path);
    describers_.emplace_back(&describe_endpoint<E>);
    invoker inv = declared<E>();
    inv.info = add_route_info(std::string_view(E::verb), std::string_view(E::path));
    inv.cache = cache_policy::none;  // a stream's answer is not one value to hash
    inv.async = [h = std::make_shared<F>(std::move(handler))](const sxtp::request& req, const route_params& params,
                                                             call_context& ctx) -> boost::asio::awaitable<response> {
        if (req.stream.value_or(false) != client_streams<E>) co_return stream_mismatch(req.stream.value_or(false));
        auto args = decode_call<E>(req, params);
        if (!args) co_return condition_response(status_code::invalid, args.error());
        if (!ctx.ports_)
            co_return condition_response(status_code::error, make_condition(conditions::internal_error{}, "a stream needs a connection"));
        (void)ctx.trace();  // made before the stream copies the context: one span for the handler, the log and interceptors
        stream<E> s(ctx, ctx.ports_->stream_port_for(ctx.call_id_));
        std::optional<reply<E>> out;
        if constexpr (std::is_void_v<typename check::value>) {
            co_await form::invoke(*h, args->params, args->body, s);
            out.emplace(no_result{});
        } else {
            out.emplace(co_await form::invoke(*h, args->params, args->body, s));
        }
        if constexpr (server_streams<E>) {
            if (out->ok() && !s.opened()) {  // an empty stream: head, then done
                bool opened = co_await s.open();
                (void)opened;
            }
        }
        response r = to_response<E>(*out);
        if (!s.opened()) {
            r.headers = std::move(s.response_headers);
            r.set_cookie = std::move(s.set_cookie);
        }
        co_return r;
    };
    invokers_.push_back(std::move(inv));
}

template <class E>
inline response server::to_response(const reply<E>& rep) {
    if (!rep.ok()) return condition_response(rep.status(), rep.condition());
    response r;
    r.status = rep.status();
    if constexpr (!std::is_same_v<typename E::result, no_result>) r.body = typed::to_sx(rep.value());
    return r;
}

inline boost::asio::ip::tcp::endpoint server::to_tcp(const boost::asio::generic::stream_protocol::endpoint& g) {
    boost::asio::ip::tcp::endpoint ep;
    std::memcpy(ep.data(), g.data(), std::min<std::size_t>(g.size(), ep.capacity()));
    ep.resize(std::min<std::size_t>(g.size(), ep.capacity()));
    return ep;
}

inline std::string server::source_of(const plain_socket& s) {
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

inline std::string server::peer_name(const plain_socket& s) {
    boost::system::error_code ec;
    const auto ep = s.remote_endpoint(ec);
    if (ec) return "unknown";
    if (ep.protocol().family() == AF_UNIX) return "unix";
    const auto t = to_tcp(ep);
    const std::string a = t.address().to_string();
    return (t.address().is_v6() ? "[" + a + "]" : a) + ':' + std::to_string(t.port());
}

inline wire::connection_limits server::first_limits() const {
    const auto* policy = options_.security.get();
    if (!policy || !policy->options().preauth_limits) return options_.limits;
    wire::connection_limits l = options_.limits;
    l.frames.max_frame = std::min(l.frames.max_frame, policy->options().preauth_limits->frames.max_frame);
    l.max_in_flight = std::min(l.max_in_flight, policy->options().preauth_limits->max_in_flight);
    l.max_values = std::min(l.max_values, policy->options().preauth_limits->max_values);
    return l;
}

inline void server::forget(connection_base* c) {
    boost::asio::dispatch(ex_, [this, c] {
        leave_peer(*c);
        if (connections_.erase(c) && metrics_) metrics_->connections.fetch_sub(1, std::memory_order_relaxed);
        check_drained();
    });
}

inline void server::peer_authenticated(connection_base* c) {
    boost::asio::dispatch(ex_, [this, c] {
        if (!connections_.count(c) || !c->counted_unauthenticated) return;
        c->counted_unauthenticated = false;
        if (auto it = peers_.find(c->source); it != peers_.end()) --it->second.unauthenticated;
    });
}

inline void server::leave_peer(connection_base& c) {
    if (c.source.empty()) return;
    const auto it = peers_.find(c.source);
    if (it == peers_.end()) return;
    --it->second.open;
    if (c.counted_unauthenticated) --it->second.unauthenticated;
    if (it->second.open == 0) peers_.erase(it);
}

inline void server::check_drained() {
    if (!shutting_down_ || !connections_.empty()) return;
    if (drain_timer_) drain_timer_->cancel();
    if (auto done = std::exchange(on_drained_, nullptr)) done();
}

template <class E>
inline server::invoker server::declared() {
    invoker inv;
    inv.required.assign(E::capabilities::names.begin(), E::capabilities::names.end());
    inv.cache = E::cache;
    return inv;
}

} // namespace sxtp

#endif
