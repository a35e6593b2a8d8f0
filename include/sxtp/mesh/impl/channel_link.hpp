// The HTTP/2 connection of a channel_client (sxtp/mesh/channel_client.hpp):
// nghttp2's client session over one TCP connection, its streams the channels.
#ifndef SXTP_MESH_IMPL_CHANNEL_LINK_HPP
#define SXTP_MESH_IMPL_CHANNEL_LINK_HPP

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include <sxtp/mesh/impl/h2_io.hpp>
#include <sxtp/net/tls.hpp>

#include <array>
#include <cstring>

namespace sxtp::mesh::detail {

// One channel's state, shared by the channel and the connection.
struct channel_state {
    channel_state(const boost::asio::any_io_executor& ex, std::size_t max_message) : framer(max_message), wake(ex) {}
    std::weak_ptr<channel_link> link;
    std::int32_t id = -1;
    std::string out;  // framed messages not yet sent, from `sent`
    std::size_t sent = 0;
    bool local_end = false, remote_end = false, closed = false, written = false;
    int http_status = 0;
    std::string error;
    message_framer framer;
    std::deque<std::pair<channel_message, std::size_t>> inbox;  // with its size
    std::size_t held = 0;
    boost::asio::steady_timer wake;
    bool waiting = false;
    void notify() {
        if (waiting) wake.cancel();
    }
};

class channel_link : public std::enable_shared_from_this<channel_link>, h2_io {
public:
    using clock = std::chrono::steady_clock;

    channel_link(const boost::asio::any_io_executor& ex, const channel_client_options& o)
        : h2_io(tcp::socket(ex)), ex_(ex), options_(o), resolver_(ex), wake_writer_(ex), connected_(ex) {}

    bool dead() const noexcept { return state_ == state::dead; }

    // Connects once (others wait for that attempt); false, with `why`, when it fails.
    boost::asio::awaitable<bool> ready(const std::string& host, unsigned short port, std::string& why) {
        auto self = shared_from_this();
        if (state_ == state::idle) {
            state_ = state::connecting;
            connected_.expires_at(clock::time_point::max());  // only here: waiters wait on it untouched
            co_await connect(host, port);
            connected_.cancel();
        }
        while (state_ == state::connecting) {  // another call is connecting: its connect_timeout bounds this
            boost::system::error_code ec;
            co_await connected_.async_wait(boost::asio::redirect_error(boost::asio::use_awaitable, ec));
        }
        if (state_ != state::up) why = failure_.empty() ? "not connected" : failure_;
        co_return state_ == state::up;
    }

    std::shared_ptr<channel_state> open_stream(const std::string& host, unsigned short port, std::string& why) {
        auto s = std::make_shared<channel_state>(ex_, options_.max_message);
        s->link = weak_from_this();
        const std::string authority = host + ':' + std::to_string(port);
        std::vector<std::pair<std::string, std::string>> h = {
            {":method", "POST"}, {":scheme", tls_ ? "https" : "http"}, {":authority", authority}, {":path", "/channel"}, {"x-service-name", options_.service_name}};
        if (options_.session_id) h.emplace_back("x-session-id", *options_.session_id);
        if (options_.bearer) {
            if (!tls_ && !options_.allow_plaintext_credentials) {
                why = "refusing to send a bearer token over h2c (set allow_plaintext_credentials for a network you trust)";
                return nullptr;
            }
            h.emplace_back("authorization", "Bearer " + *options_.bearer);
        }
        for (const auto& e : options_.headers) h.push_back(e);
        std::vector<nghttp2_nv> nva;
        for (auto& [n, v] : h)
            nva.push_back({reinterpret_cast<std::uint8_t*>(n.data()), reinterpret_cast<std::uint8_t*>(v.data()), n.size(), v.size(), NGHTTP2_NV_FLAG_NONE});
        nghttp2_data_provider data;
        data.source.ptr = nullptr;
        data.read_callback = &channel_link::read_data;
        const std::int32_t id = nghttp2_submit_request(session_, nullptr, nva.data(), nva.size(), &data, s.get());
        if (id < 0) {
            why = std::string("cannot open a stream: ") + nghttp2_strerror(id);
            if (id == NGHTTP2_ERR_STREAM_ID_NOT_AVAILABLE || id == NGHTTP2_ERR_INVALID_STATE) fail("the connection takes no new stream");
            return nullptr;
        }
        s->id = id;
        streams_.emplace(id, s);
        kick();
        return s;
    }

    void resume(channel_state& s) {
        if (s.id >= 0 && session_) nghttp2_session_resume_data(session_, s.id);
        kick();
    }

    void reset(channel_state& s) {
        if (s.id >= 0 && session_ && !s.closed) nghttp2_submit_rst_stream(session_, NGHTTP2_FLAG_NONE, s.id, NGHTTP2_CANCEL);
        s.closed = true;
        kick();
    }

    // Fails every channel and closes the connection.
    void fail(const std::string& why) {
        if (state_ == state::dead) return;
        if (failure_.empty()) failure_ = why;
        state_ = state::dead;
        boost::system::error_code ec;
        resolver_.cancel();
        sock().close(ec);
        wake_writer_.cancel();
        connected_.cancel();
        for (auto& [id, s] : streams_) {
            if (!s->closed && s->error.empty() && !s->remote_end) s->error = why;
            s->closed = true;
            s->notify();
        }
        streams_.clear();
    }

private:
    enum class state { idle, connecting, up, dead };

    boost::asio::awaitable<void> connect(const std::string& host, unsigned short port) {
        auto self = shared_from_this();
        boost::asio::steady_timer limit(ex_);
        limit.expires_after(options_.connect_timeout);
        bool timed_out = false;
        limit.async_wait([this, self, &timed_out](boost::system::error_code ec) {
            if (ec) return;
            timed_out = true;
            boost::system::error_code ignored;
            resolver_.cancel();
            sock().close(ignored);
        });
        boost::system::error_code ec;
        auto endpoints = co_await resolver_.async_resolve(host, std::to_string(port), boost::asio::redirect_error(boost::asio::use_awaitable, ec));
        if (!ec) co_await boost::asio::async_connect(socket_, endpoints, boost::asio::redirect_error(boost::asio::use_awaitable, ec));
        if (!ec && !timed_out && options_.tls) {
            use_tls(*options_.tls);
            net::prepare_client_tls(*tls_, host, SSL_CTX_get_verify_mode(options_.tls->native_handle()) != SSL_VERIFY_NONE);
            co_await tls_->async_handshake(boost::asio::ssl::stream_base::client, boost::asio::redirect_error(boost::asio::use_awaitable, ec));
        }
        limit.cancel();
        if (state_ == state::dead) co_return;  // closed meanwhile
        if (ec || timed_out) {
            fail(timed_out ? "connect timeout" : (tls_ ? "TLS handshake: " : "connect: ") + ec.message());
            co_return;
        }
        sock().set_option(boost::asio::ip::tcp::no_delay(true), ec);
        nghttp2_session_callbacks* cb = nullptr;
        if (nghttp2_session_callbacks_new(&cb) != 0) throw std::bad_alloc();
        nghttp2_session_callbacks_set_on_header_callback(cb, &on_header);
        nghttp2_session_callbacks_set_on_frame_recv_callback(cb, &on_frame_recv);
        nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cb, &on_data_chunk);
        nghttp2_session_callbacks_set_on_stream_close_callback(cb, &on_stream_close);
        const int rv = nghttp2_session_client_new(&session_, cb, this);
        nghttp2_session_callbacks_del(cb);
        if (rv != 0) throw std::bad_alloc();
        const nghttp2_settings_entry settings[] = {{NGHTTP2_SETTINGS_ENABLE_PUSH, 0}};
        nghttp2_submit_settings(session_, NGHTTP2_FLAG_NONE, settings, 1);
        state_ = state::up;
        boost::asio::co_spawn(ex_, read_loop(), [self](std::exception_ptr) { self->fail("connection lost"); });
        boost::asio::co_spawn(ex_, write_loop(), [self](std::exception_ptr) { self->fail("connection lost"); });
    }

    void kick() {
        if (writer_waiting_) wake_writer_.cancel();
    }

    boost::asio::awaitable<void> read_loop() {
        auto self = shared_from_this();
        std::array<std::uint8_t, 16384> buf;
        while (state_ == state::up) {
            boost::system::error_code ec;
            const std::size_t n = co_await read_some(boost::asio::buffer(buf), ec);
            if (ec || state_ != state::up) break;
            if (nghttp2_session_mem_recv(session_, buf.data(), n) < 0) {
                fail("the node broke HTTP/2");
                co_return;
            }
            kick();
        }
    }

    boost::asio::awaitable<void> write_loop() {
        auto self = shared_from_this();
        std::string out;
        while (state_ == state::up) {
            out.clear();
            if (!gather(out)) {
                fail("HTTP/2 session failed");
                co_return;
            }
            if (!out.empty()) {
                boost::system::error_code ec;
                co_await write(out, ec);
                if (ec) break;
                continue;
            }
            if (session_done()) break;  // GOAWAY done
            writer_waiting_ = true;
            wake_writer_.expires_at(clock::time_point::max());
            boost::system::error_code ec;
            co_await wake_writer_.async_wait(boost::asio::redirect_error(boost::asio::use_awaitable, ec));
            writer_waiting_ = false;
        }
    }

    static channel_state* state_of(nghttp2_session* s, std::int32_t id) { return static_cast<channel_state*>(nghttp2_session_get_stream_user_data(s, id)); }

    static int on_header(nghttp2_session* session, const nghttp2_frame* f, const std::uint8_t* name, std::size_t namelen, const std::uint8_t* value,
                         std::size_t valuelen, std::uint8_t, void*) {
        if (f->hd.type != NGHTTP2_HEADERS) return 0;
        channel_state* s = state_of(session, f->hd.stream_id);
        if (!s || std::string_view(reinterpret_cast<const char*>(name), namelen) != ":status") return 0;
        int code = 0;
        for (std::size_t i = 0; i < valuelen && i < 3; ++i) code = code * 10 + (value[i] - '0');
        s->http_status = code;
        return 0;
    }

    static int on_frame_recv(nghttp2_session* session, const nghttp2_frame* f, void*) {
        if ((f->hd.type == NGHTTP2_HEADERS || f->hd.type == NGHTTP2_DATA) && (f->hd.flags & NGHTTP2_FLAG_END_STREAM))
            if (channel_state* s = state_of(session, f->hd.stream_id)) {
                s->remote_end = true;
                if (s->framer.partial() && s->error.empty()) s->error = "the node ended the channel inside a message";
                s->notify();
            }
        return 0;
    }

    static int on_data_chunk(nghttp2_session* session, std::uint8_t, std::int32_t id, const std::uint8_t* data, std::size_t len, void* self) {
        auto& link = *static_cast<channel_link*>(self);
        channel_state* s = state_of(session, id);
        if (!s || s->closed) return 0;
        std::string problem;
        const auto st = s->framer.append(std::string_view(reinterpret_cast<const char*>(data), len), [&](std::string_view json) {
            if (!problem.empty()) return;
            auto m = parse_message(json);
            if (!m) {
                problem = "malformed message from the node: " + std::string(describe(m.error()));
                return;
            }
            s->held += json.size();
            if (s->held > link.options_.max_held) {
                problem = "the node sent more than the channel holds";
                return;
            }
            s->inbox.emplace_back(std::move(*m), json.size());
        });
        if (st == message_framer::status::too_large) problem = "the node sent a message over the limit";
        if (!problem.empty()) {
            s->error = problem;
            link.reset(*s);
        }
        s->notify();
        return 0;
    }

    static int on_stream_close(nghttp2_session* session, std::int32_t id, std::uint32_t code, void* self) {
        auto& link = *static_cast<channel_link*>(self);
        if (channel_state* s = state_of(session, id)) {
            if (code != NGHTTP2_NO_ERROR && s->error.empty() && !s->remote_end) s->error = std::string("stream reset: ") + nghttp2_http2_strerror(code);
            s->closed = true;
            s->notify();
        }
        link.streams_.erase(id);
        return 0;
    }

    static ssize_t read_data(nghttp2_session* session, std::int32_t id, std::uint8_t* buf, std::size_t length, std::uint32_t* flags,
                             nghttp2_data_source*, void*) {
        channel_state* s = state_of(session, id);
        if (!s) return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
        const std::size_t n = std::min(length, s->out.size() - s->sent);
        std::memcpy(buf, s->out.data() + s->sent, n);
        s->sent += n;
        if (n) s->written = true;
        if (s->sent == s->out.size()) {
            s->out.clear();
            s->sent = 0;
            if (s->local_end) *flags |= NGHTTP2_DATA_FLAG_EOF;
            else if (n == 0) return NGHTTP2_ERR_DEFERRED;
        }
        return static_cast<ssize_t>(n);
    }

    boost::asio::any_io_executor ex_;
    channel_client_options options_;
    boost::asio::ip::tcp::resolver resolver_;
    boost::asio::steady_timer wake_writer_;
    boost::asio::steady_timer connected_;
    state state_ = state::idle;
    std::string failure_;
    bool writer_waiting_ = false;
    std::map<std::int32_t, std::shared_ptr<channel_state>> streams_;
};

} // namespace sxtp::mesh::detail

#endif
