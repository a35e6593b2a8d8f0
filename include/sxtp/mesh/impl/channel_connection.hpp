// One Mesh-transport connection of a channel_server (sxtp/mesh/channel_server.hpp):
// nghttp2's server session fed from the socket, its streams mapped to calls.
#ifndef SXTP_MESH_IMPL_CHANNEL_CONNECTION_HPP
#define SXTP_MESH_IMPL_CHANNEL_CONNECTION_HPP

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include <sxtp/mesh/impl/h2_io.hpp>

#include <algorithm>
#include <map>

namespace sxtp::mesh::detail {

class channel_connection : public std::enable_shared_from_this<channel_connection>, h2_io {
public:
    using clock = std::chrono::steady_clock;

    channel_connection(channel_server& owner, boost::asio::ip::tcp::socket s);
    channel_connection(const channel_connection&) = delete;
    channel_connection& operator=(const channel_connection&) = delete;
    ~channel_connection();

    /// Sends the server's SETTINGS and starts reading, writing and watching.
    void start();
    /// GOAWAY: no new channel; closes once every call is answered, or at `drain`.
    void shutdown(std::chrono::milliseconds drain);
    /// Closes at once (calls in flight are cancelled).
    void close();

private:
    // One channel (an HTTP/2 stream).
    struct stream_state {
        explicit stream_state(std::int32_t i, std::size_t max_message) : id(i), framer(max_message) {}
        std::int32_t id;
        std::string method, path;
        std::size_t header_bytes = 0;
        std::shared_ptr<channel_headers> headers = std::make_shared<channel_headers>();
        bool accepted = false;   // answered 200: a channel
        bool named = false;      // x-service-name seen (a repeat is ignored)
        bool broken = false;     // refused something fatal: no more messages read
        bool peer_ended = false; // the peer's END_STREAM
        bool reset_sent = false;
        message_framer framer;
        clock::time_point partial_since{};
        std::uint64_t next_seq = 0;  // the next request's number
        std::uint64_t next_out = 0;  // the next answer to release
        struct pending {
            std::string bytes;
            bool complete = false;
        };
        std::map<std::uint64_t, pending> ready;  // answers (or parts) waiting for their turn
        std::string out;                         // released bytes, sent as DATA from `sent`
        std::size_t sent = 0;
        std::size_t calls = 0;  // dispatched, not answered
        bool finished() const { return (peer_ended || broken) && calls == 0 && ready.empty(); }
        std::size_t held() const {
            std::size_t n = framer.held() + (out.size() - sent);
            for (const auto& r : ready) n += r.second.bytes.size();
            return n;
        }
    };
    struct call_job;
    // A streaming call's messages: each chunk and event an answer message
    // of its own (metadata.chunk n / metadata.event), before the final one.
    class channel_port final : public stream_port {
    public:
        channel_port(channel_connection& c, call_job& j) : c_(c), job_(j) {}
        boost::asio::awaitable<bool> open(sxtp::response, bool) override;  // the 200 went out with the channel; no heartbeats here
        boost::asio::awaitable<bool> send(std::variant<sxtp::chunk, sxtp::event> m) override;
        boost::asio::awaitable<std::optional<sxtp::chunk>> receive() override { co_return std::nullopt; }
        void refuse(sxtp::condition) override {}
        bool opened() const noexcept override { return opened_; }

    private:
        channel_connection& c_;
        call_job& job_;
        std::uint64_t chunks_ = 0;
        bool opened_ = false;
    };
    // One call in flight.
    struct call_job final : stream_port_source {
        call_job(channel_connection& c, const boost::asio::any_io_executor& ex) : timer(ex), port(c, *this) {}
        stream_port& stream_port_for(std::uint64_t) override { return port; }
        bridged_call call;
        std::shared_ptr<channel_headers> headers;
        std::optional<call_context> ctx;
        std::int32_t stream = 0;
        std::uint64_t seq = 0;
        std::size_t weight = 0;  // what it counts against the connection budget
        bool cancelled = false;
        bool timed_out = false;
        boost::asio::cancellation_signal signal;
        boost::asio::steady_timer timer;
        channel_port port;
    };

    static int on_begin_headers(nghttp2_session*, const nghttp2_frame* f, void* self);
    static int on_header(nghttp2_session*, const nghttp2_frame* f, const std::uint8_t* name, std::size_t namelen, const std::uint8_t* value,
                         std::size_t valuelen, std::uint8_t flags, void* self);
    static int on_frame_recv(nghttp2_session*, const nghttp2_frame* f, void* self);
    static int on_data_chunk(nghttp2_session*, std::uint8_t flags, std::int32_t stream, const std::uint8_t* data, std::size_t len, void* self);
    static int on_stream_close(nghttp2_session*, std::int32_t stream, std::uint32_t error_code, void* self);
    static ssize_t read_data(nghttp2_session*, std::int32_t stream, std::uint8_t* buf, std::size_t length, std::uint32_t* flags,
                             nghttp2_data_source*, void* self);

    stream_state* find(std::int32_t id) {
        const auto it = streams_.find(id);
        return it == streams_.end() ? nullptr : it->second.get();
    }
    void headers_done(stream_state& st);
    void peer_ended(stream_state& st);
    void dispatch(stream_state& st, std::string_view json);
    void run_call(std::shared_ptr<call_job> job);
    void finish(call_job& job, response r);
    void answer(std::int32_t stream, std::uint64_t seq, std::string bytes, bool last);
    void fail_stream(stream_state& st, status_code s, const condition& c);
    std::size_t held() const;
    bool paused() const { return calls_ >= limits_.max_calls || held() >= limits_.connection_budget; }
    void kick();

    void run_loops();
    boost::asio::awaitable<void> handshake();
    boost::asio::awaitable<void> read_loop();
    boost::asio::awaitable<void> write_loop();
    boost::asio::awaitable<void> watchdog();

    channel_server& owner_;
    std::shared_ptr<bool> owner_alive_;
    service& service_;
    const channel_limits limits_;  // a copy: connections may outlive their server by a step
    std::string peer_;
    std::map<std::int32_t, std::unique_ptr<stream_state>> streams_;
    std::map<std::uint64_t, std::weak_ptr<call_job>> jobs_;  // by call number: cancelled on close
    std::uint64_t next_job_ = 0;
    std::size_t calls_ = 0;
    std::size_t in_flight_bytes_ = 0;  // the calls' weights
    bool closed_ = false;
    bool draining_ = false;
    clock::time_point drain_deadline_{};
    clock::time_point last_activity_ = clock::now();
    clock::time_point last_progress_ = clock::now();  // a byte of an answer left a queue
    clock::time_point rate_window_ = clock::now();    // since when the bytes below were sent while queued
    std::size_t rate_bytes_ = 0;
    std::size_t resets_ = 0;                            // peer resets this second
    boost::asio::steady_timer wake_writer_;
    boost::asio::steady_timer wake_reader_;
    boost::asio::steady_timer tick_;
    boost::asio::steady_timer room_;  // streaming calls wait on it while the connection holds too much
    std::size_t room_waiters_ = 0;
    bool writer_waiting_ = false, reader_waiting_ = false;
};

} // namespace sxtp::mesh::detail

#endif
