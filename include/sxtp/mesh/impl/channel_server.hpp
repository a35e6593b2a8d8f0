// Definitions for sxtp/mesh/channel_server.hpp: the listener, and each
// connection's reading, writing and timeouts.
#ifndef SXTP_MESH_IMPL_CHANNEL_SERVER_HPP
#define SXTP_MESH_IMPL_CHANNEL_SERVER_HPP

#include <sxtp/mesh/impl/channel_streams.hpp>

#include <array>
#include <cstring>

namespace sxtp::mesh {
namespace detail {

inline channel_connection::channel_connection(channel_server& owner, boost::asio::ip::tcp::socket s)
    : h2_io(std::move(s)), owner_(owner), owner_alive_(owner.alive_), service_(owner.service_), limits_(owner.limits_),
      wake_writer_(socket_.get_executor()), wake_reader_(socket_.get_executor()), tick_(socket_.get_executor()),
      room_(socket_.get_executor()) {
    boost::system::error_code ec;
    const auto ep = socket_.remote_endpoint(ec);
    if (owner.tls_) use_tls(*owner.tls_);
    if (!ec) {
        const std::string a = ep.address().to_string();
        peer_ = (ep.address().is_v6() ? "[" + a + "]" : a) + ':' + std::to_string(ep.port());
    } else {
        peer_ = "unknown";
    }
    nghttp2_session_callbacks* cb = nullptr;
    nghttp2_option* opt = nullptr;
    if (nghttp2_session_callbacks_new(&cb) != 0 || nghttp2_option_new(&opt) != 0) throw std::bad_alloc();
    nghttp2_session_callbacks_set_on_begin_headers_callback(cb, &on_begin_headers);
    nghttp2_session_callbacks_set_on_header_callback(cb, &on_header);
    nghttp2_session_callbacks_set_on_frame_recv_callback(cb, &on_frame_recv);
    nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cb, &on_data_chunk);
    nghttp2_session_callbacks_set_on_stream_close_callback(cb, &on_stream_close);
    const int rv = nghttp2_session_server_new2(&session_, cb, this, opt);
    nghttp2_session_callbacks_del(cb);
    nghttp2_option_del(opt);
    if (rv != 0) throw std::bad_alloc();
}

inline channel_connection::~channel_connection() = default;

inline void channel_connection::start() {
    const nghttp2_settings_entry settings[] = {
        {NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, limits_.max_streams},
        {NGHTTP2_SETTINGS_MAX_HEADER_LIST_SIZE, static_cast<std::uint32_t>(std::min<std::size_t>(limits_.max_header_bytes, 0xFFFFFFFFu))},
    };
    nghttp2_submit_settings(session_, NGHTTP2_FLAG_NONE, settings, 2);
    if (tls_) boost::asio::co_spawn(socket_.get_executor(), handshake(), boost::asio::detached);
    else run_loops();
}

inline boost::asio::awaitable<void> channel_connection::handshake() {
    auto self = shared_from_this();
    boost::asio::steady_timer limit(socket_.get_executor());
    limit.expires_after(limits_.handshake_timeout);
    limit.async_wait([this, self](boost::system::error_code ec) {
        if (!ec) {
            ++owner_.counters_.timeouts;
            close();
        }
    });
    boost::system::error_code ec;
    co_await tls_->async_handshake(boost::asio::ssl::stream_base::server, boost::asio::redirect_error(boost::asio::use_awaitable, ec));
    limit.cancel();
    if (ec || closed_) {
        if (!closed_) ++owner_.counters_.protocol_errors;
        close();
        co_return;
    }
    run_loops();
}

inline void channel_connection::run_loops() {
    auto self = shared_from_this();
    boost::asio::co_spawn(socket_.get_executor(), read_loop(), [self](std::exception_ptr e) {
        if (e) self->close();
    });
    boost::asio::co_spawn(socket_.get_executor(), write_loop(), [self](std::exception_ptr) { self->close(); });
    boost::asio::co_spawn(socket_.get_executor(), watchdog(), boost::asio::detached);
}

inline void channel_connection::kick() {
    if (writer_waiting_) wake_writer_.cancel();
    if (reader_waiting_ && !paused()) wake_reader_.cancel();
}

inline void channel_connection::shutdown(std::chrono::milliseconds drain) {
    if (closed_ || draining_) return;
    draining_ = true;
    drain_deadline_ = clock::now() + drain;
    nghttp2_submit_goaway(session_, NGHTTP2_FLAG_NONE, nghttp2_session_get_last_proc_stream_id(session_), NGHTTP2_NO_ERROR, nullptr, 0);
    kick();
}

inline void channel_connection::close() {
    if (closed_) return;
    closed_ = true;
    for (auto& [n, weak] : jobs_)
        if (auto job = weak.lock()) {
            job->cancelled = true;
            job->signal.emit(boost::asio::cancellation_type::terminal);
        }
    boost::system::error_code ec;
    sock().shutdown(boost::asio::ip::tcp::socket::shutdown_both, ec);
    sock().close(ec);
    wake_writer_.cancel();
    wake_reader_.cancel();
    tick_.cancel();
    room_.cancel();
    if (*owner_alive_) owner_.closed(this);
}

inline boost::asio::awaitable<void> channel_connection::read_loop() {
    auto self = shared_from_this();
    std::array<std::uint8_t, 16384> buf;
    while (!closed_) {
        if (paused() || (draining_ && streams_.empty())) {
            reader_waiting_ = true;
            wake_reader_.expires_at(clock::time_point::max());
            boost::system::error_code ec;
            co_await wake_reader_.async_wait(boost::asio::redirect_error(boost::asio::use_awaitable, ec));
            reader_waiting_ = false;
            continue;
        }
        if (!nghttp2_session_want_read(session_)) break;
        boost::system::error_code ec;
        const std::size_t n = co_await read_some(boost::asio::buffer(buf), ec);
        if (ec || closed_) break;
        last_activity_ = clock::now();
        const ssize_t rv = nghttp2_session_mem_recv(session_, buf.data(), n);
        if (rv < 0) {  // the peer broke HTTP/2: GOAWAY (when nghttp2 has not queued one), then close
            ++owner_.counters_.protocol_errors;
            nghttp2_session_terminate_session(session_, NGHTTP2_PROTOCOL_ERROR);
            kick();
            co_return;  // the writer sends the GOAWAY and closes
        }
        kick();
    }
    close();  // the peer is gone (or sent no more): its answers have nobody to go to
}

inline boost::asio::awaitable<void> channel_connection::write_loop() {
    auto self = shared_from_this();
    std::string out;
    while (!closed_) {
        out.clear();
        if (!gather(out)) break;
        if (!out.empty()) {
            boost::system::error_code ec;
            co_await write(out, ec);
            if (ec) break;
            continue;
        }
        if (session_done()) break;  // GOAWAY sent, or all done
        if (draining_ && streams_.empty()) break;
        writer_waiting_ = true;
        wake_writer_.expires_at(clock::time_point::max());
        boost::system::error_code ec;
        co_await wake_writer_.async_wait(boost::asio::redirect_error(boost::asio::use_awaitable, ec));
        writer_waiting_ = false;
    }
    close();
}

inline boost::asio::awaitable<void> channel_connection::watchdog() {
    auto self = shared_from_this();
    auto second = clock::now();
    while (!closed_) {
        tick_.expires_after(std::chrono::milliseconds(200));
        boost::system::error_code ec;
        co_await tick_.async_wait(boost::asio::redirect_error(boost::asio::use_awaitable, ec));
        if (closed_) co_return;
        const auto now = clock::now();
        if (now - second >= std::chrono::seconds(1)) {
            second = now;
            if (resets_ > limits_.max_resets_per_second) {
                ++owner_.counters_.protocol_errors;
                nghttp2_session_terminate_session(session_, NGHTTP2_ENHANCE_YOUR_CALM);
                kick();
            }
            resets_ = 0;
        }
        bool queued = false;
        for (auto& [id, st] : streams_) {
            queued = queued || st->out.size() > st->sent;
            if (st->accepted && !st->broken && st->framer.partial() && now - st->partial_since > limits_.message_timeout)
                fail_stream(*st, status_code::error, make_condition(sxtp::conditions::deadline_exceeded{}, "the message did not arrive in time"));
        }
        if (!queued) {
            last_progress_ = now;
            rate_window_ = now;
            rate_bytes_ = 0;
        }
        const bool stalled = queued && now - last_progress_ > limits_.write_timeout;  // the peer does not read its answers
        bool crawling = false;  // or reads them a byte now and then
        if (queued && now - rate_window_ >= limits_.write_timeout) {
            const auto secs = static_cast<std::size_t>(std::chrono::duration_cast<std::chrono::seconds>(now - rate_window_).count());
            crawling = rate_bytes_ < limits_.min_send_rate * secs;
            rate_window_ = now;
            rate_bytes_ = 0;
        }
        if (stalled || crawling) {
            ++owner_.counters_.timeouts;
            close();
            co_return;
        }
        if (streams_.empty() && calls_ == 0 && now - last_activity_ > limits_.idle_timeout) {
            ++owner_.counters_.timeouts;
            shutdown(std::chrono::milliseconds(0));
        }
        if (draining_ && (streams_.empty() || now >= drain_deadline_)) {
            nghttp2_session_terminate_session(session_, NGHTTP2_NO_ERROR);
            kick();
            if (now >= drain_deadline_ + std::chrono::seconds(1)) close();
        }
    }
}

} // namespace detail

inline channel_server::channel_server(executor_type ex, service& svc, channel_limits limits, std::shared_ptr<boost::asio::ssl::context> tls)
    : ex_(std::move(ex)), service_(svc), limits_(limits), tls_(std::move(tls)), acceptor_(ex_) {}

inline channel_server::~channel_server() {
    *alive_ = false;
    boost::system::error_code ec;
    acceptor_.close(ec);
    for (auto* c : std::set<detail::channel_connection*>(open_)) c->close();
}

inline unsigned short channel_server::listen(const std::string& host, unsigned short port) {
    if (const auto unchecked = service_.unchecked_route())  // as server::listen: never serve capabilities nobody checks
        throw std::logic_error("sxtp: " + *unchecked +
                               " requires capabilities but the service has no security policy to check them: set server_options::security, "
                               "or server_options::trusted_network = true to serve it to every caller");
    const boost::asio::ip::tcp::endpoint ep(boost::asio::ip::make_address(host), port);
    acceptor_.open(ep.protocol());
    acceptor_.set_option(boost::asio::ip::tcp::acceptor::reuse_address(true));
    acceptor_.bind(ep);
    acceptor_.listen();
    port_ = acceptor_.local_endpoint().port();
    boost::asio::co_spawn(ex_, accept_loop(), boost::asio::detached);
    return port_;
}

inline boost::asio::awaitable<void> channel_server::accept_loop() {
    auto alive = alive_;
    for (;;) {
        boost::system::error_code ec;
        boost::asio::ip::tcp::socket s = co_await acceptor_.async_accept(boost::asio::redirect_error(boost::asio::use_awaitable, ec));
        if (!*alive || stopping_) co_return;
        if (ec) {
            if (ec == boost::asio::error::operation_aborted || ec == boost::asio::error::bad_descriptor) co_return;
            continue;  // EMFILE and the like: the next accept may succeed
        }
        if (open_.size() >= limits_.max_connections) {
            ++counters_.refused_connections;
            s.close(ec);
            continue;
        }
        s.set_option(boost::asio::ip::tcp::no_delay(true), ec);
        ++counters_.connections;
        auto c = std::make_shared<detail::channel_connection>(*this, std::move(s));
        open_.insert(c.get());
        c->start();
    }
}

inline void channel_server::shutdown(std::chrono::milliseconds drain) {
    stopping_ = true;
    boost::system::error_code ec;
    acceptor_.close(ec);
    for (auto* c : std::set<detail::channel_connection*>(open_)) c->shutdown(drain);
}

inline channel_stats channel_server::stats() const noexcept {
    return {counters_.connections.load(), counters_.refused_connections.load(), counters_.calls.load(), counters_.bad_messages.load(),
            counters_.streams_reset.load(), counters_.protocol_errors.load(), counters_.timeouts.load()};
}

} // namespace sxtp::mesh

#endif
