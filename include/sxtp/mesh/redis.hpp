// sxtp/mesh/redis.hpp — a Redis connection for the mesh registry: hiredis
// formats the commands and parses RESP, Asio moves the bytes, coroutines
// drive it. Needs the sxtp::mesh target (hiredis).
//
//   sxtp::mesh::redis_connection r(io.get_executor(), {.host = "127.0.0.1", .port = 6379});
//   auto reply = co_await r.command({"SET", "k", "v", "EX", "10"});
//   if (reply.is_error()) …
//
// Commands are answered in order (one connection, pipelined by Redis
// itself). Every command has a deadline (connect and reply); a broken or
// timed-out connection is closed and the command answered with an error
// reply saying so ("ERR connection: …"); the next command reconnects.
// Replies are bounded (max_reply_bytes): a larger one is an error and the
// connection is dropped. Not thread-safe: one executor.
#ifndef SXTP_MESH_REDIS_HPP
#define SXTP_MESH_REDIS_HPP

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include <hiredis/hiredis.h>

#include <sxtp/net/tls.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace sxtp::mesh {

/// One RESP reply.
struct redis_reply {
    enum class kind { nil, string, status, integer, error, array } type = kind::nil;
    std::string text;                 ///< string, status, error
    std::int64_t integer = 0;         ///< integer
    std::vector<redis_reply> items;   ///< array

    bool is_error() const noexcept { return type == kind::error; }
    bool is_nil() const noexcept { return type == kind::nil; }
    static redis_reply error(std::string message) {
        redis_reply r;
        r.type = kind::error;
        r.text = std::move(message);
        return r;
    }
};

struct redis_options {
    std::string host = "127.0.0.1";
    unsigned short port = 6379;
    /// Sent as AUTH after connecting, when set: `AUTH password`, or `AUTH
    /// username password` for a Redis 6+ ACL user. Never logged; a refusal
    /// says "AUTH refused".
    std::string password = {};
    std::string username = {};
    /// TLS to Redis (its `tls-port`), when set: e.g.
    /// net::make_client_tls_context({.ca_file = "ca.pem"}). The server's
    /// certificate is checked against `host` (name or IP address) unless
    /// the context does not verify.
    std::shared_ptr<boost::asio::ssl::context> tls = {};
    std::chrono::milliseconds connect_timeout{2000};
    std::chrono::milliseconds command_timeout{2000};
    std::size_t max_reply_bytes = std::size_t{16} << 20;
};

class redis_connection {
public:
    using executor_type = boost::asio::any_io_executor;
    using clock = std::chrono::steady_clock;

    redis_connection(executor_type ex, redis_options o) : ex_(std::move(ex)), options_(std::move(o)), socket_(ex_), gate_(ex_) {}
    redis_connection(const redis_connection&) = delete;
    redis_connection& operator=(const redis_connection&) = delete;

    /// Sends one command and returns its reply (or an error reply for a
    /// connection failure or a timeout). Commands from several coroutines
    /// run one after another.
    boost::asio::awaitable<redis_reply> command(std::vector<std::string> args) {
        while (busy_) {  // one command at a time on the socket
            gate_.expires_at(clock::time_point::max());
            boost::system::error_code ec;
            co_await gate_.async_wait(boost::asio::redirect_error(boost::asio::use_awaitable, ec));
        }
        busy_ = true;
        redis_reply r = co_await exchange(std::move(args));
        busy_ = false;
        gate_.cancel();  // the next waiter goes
        co_return r;
    }

    /// Closes the connection (the next command reconnects). A command in
    /// flight is answered with an error reply; its TLS stream and RESP
    /// reader are released by that command when it ends, never under it.
    void close() {
        boost::system::error_code ignored;
        socket_.close(ignored);
        if (!busy_) release();
    }
    bool connected() const noexcept { return socket_.is_open() && reader_ != nullptr; }

private:
    // Drops the TLS stream and the reader: only when no operation uses them.
    void release() {
        boost::system::error_code ignored;
        socket_.close(ignored);
        tls_.reset();
        reader_.reset();
    }

    struct reader_deleter {
        void operator()(redisReader* r) const { redisReaderFree(r); }
    };
    struct reply_deleter {
        void operator()(redisReply* r) const { freeReplyObject(r); }
    };

    static redis_reply convert(const redisReply* r) {
        redis_reply out;
        switch (r->type) {
        case REDIS_REPLY_STRING: out.type = redis_reply::kind::string; out.text.assign(r->str, r->len); break;
        case REDIS_REPLY_STATUS: out.type = redis_reply::kind::status; out.text.assign(r->str, r->len); break;
        case REDIS_REPLY_ERROR: out.type = redis_reply::kind::error; out.text.assign(r->str, r->len); break;
        case REDIS_REPLY_INTEGER: out.type = redis_reply::kind::integer; out.integer = r->integer; break;
        case REDIS_REPLY_ARRAY:
            out.type = redis_reply::kind::array;
            for (std::size_t i = 0; i < r->elements; ++i) out.items.push_back(convert(r->element[i]));
            break;
        default: out.type = redis_reply::kind::nil; break;
        }
        return out;
    }

    // A deadline that closes the socket (which ends whatever is pending).
    struct deadline {
        deadline(redis_connection& c, std::chrono::milliseconds d) : timer(c.ex_, d) {
            timer.async_wait([&c, fired = fired](boost::system::error_code ec) {
                if (ec) return;
                *fired = true;
                boost::system::error_code ignored;
                c.socket_.close(ignored);
            });
        }
        ~deadline() { timer.cancel(); }
        boost::asio::steady_timer timer;
        std::shared_ptr<bool> fired = std::make_shared<bool>(false);
    };

    boost::asio::awaitable<bool> connect(std::string& why) {
        release();
        boost::system::error_code ec;
        deadline d(*this, options_.connect_timeout);
        boost::asio::ip::tcp::resolver resolver(ex_);
        auto results = co_await resolver.async_resolve(options_.host, std::to_string(options_.port), boost::asio::redirect_error(boost::asio::use_awaitable, ec));
        if (!ec) co_await boost::asio::async_connect(socket_, results, boost::asio::redirect_error(boost::asio::use_awaitable, ec));
        if (ec || *d.fired) {
            why = *d.fired ? "connect timed out" : ec.message();
            release();
            co_return false;
        }
        socket_.set_option(boost::asio::ip::tcp::no_delay(true), ec);
        if (options_.tls) {
            tls_ = std::make_unique<tls_stream>(socket_, *options_.tls);
            net::prepare_client_tls(*tls_, options_.host, SSL_CTX_get_verify_mode(options_.tls->native_handle()) != SSL_VERIFY_NONE);
            co_await tls_->async_handshake(boost::asio::ssl::stream_base::client, boost::asio::redirect_error(boost::asio::use_awaitable, ec));
            if (ec || *d.fired) {
                why = *d.fired ? "TLS handshake timed out" : "TLS handshake failed: " + ec.message();
                release();
                co_return false;
            }
        }
        reader_.reset(redisReaderCreate());
        if (!reader_) {
            why = "hiredis reader";
            co_return false;
        }
        reader_->maxbuf = 0;
        if (!options_.password.empty()) {
            std::vector<std::string> auth{"AUTH"};  // named: g++ 12 cannot keep an initializer list across co_await
            if (!options_.username.empty()) auth.push_back(options_.username);
            auth.push_back(options_.password);
            redis_reply a = co_await round_trip(std::move(auth));
            if (a.is_error()) {
                why = "AUTH refused";  // never the password
                release();
                co_return false;
            }
        }
        co_return true;
    }

    boost::asio::awaitable<redis_reply> exchange(std::vector<std::string> args) {
        if (!connected()) {
            std::string why;
            if (!co_await connect(why)) co_return redis_reply::error("ERR connection: " + why);
        }
        co_return co_await round_trip(std::move(args));
    }

    // Writes one command, reads its reply.
    boost::asio::awaitable<redis_reply> round_trip(std::vector<std::string> args) {
        std::vector<const char*> argv;
        std::vector<std::size_t> lens;
        for (const auto& a : args) {
            argv.push_back(a.data());
            lens.push_back(a.size());
        }
        char* cmd = nullptr;
        const int n = redisFormatCommandArgv(&cmd, static_cast<int>(argv.size()), argv.data(), lens.data());
        if (n < 0) co_return redis_reply::error("ERR cannot format the command");
        std::unique_ptr<char, decltype(&redisFreeCommand)> owned(cmd, &redisFreeCommand);
        deadline d(*this, options_.command_timeout);
        boost::system::error_code ec;
        if (tls_)
            co_await boost::asio::async_write(*tls_, boost::asio::buffer(cmd, static_cast<std::size_t>(n)),
                                              boost::asio::redirect_error(boost::asio::use_awaitable, ec));
        else
            co_await boost::asio::async_write(socket_, boost::asio::buffer(cmd, static_cast<std::size_t>(n)),
                                              boost::asio::redirect_error(boost::asio::use_awaitable, ec));
        std::size_t received = 0;
        char buf[16384];
        while (!ec) {
            void* raw = nullptr;
            if (redisReaderGetReply(reader_.get(), &raw) != REDIS_OK) {
                const std::string why = reader_->errstr;
                release();
                co_return redis_reply::error("ERR protocol: " + why);
            }
            if (raw) {
                std::unique_ptr<redisReply, reply_deleter> reply(static_cast<redisReply*>(raw));
                co_return convert(reply.get());
            }
            std::size_t got = 0;
            if (tls_)
                got = co_await tls_->async_read_some(boost::asio::buffer(buf), boost::asio::redirect_error(boost::asio::use_awaitable, ec));
            else
                got = co_await socket_.async_read_some(boost::asio::buffer(buf), boost::asio::redirect_error(boost::asio::use_awaitable, ec));
            if (ec) break;
            received += got;
            if (received > options_.max_reply_bytes) {
                release();
                co_return redis_reply::error("ERR reply larger than " + std::to_string(options_.max_reply_bytes) + " bytes");
            }
            redisReaderFeed(reader_.get(), buf, got);
        }
        const std::string why = *d.fired ? std::string("timed out") : ec.message();
        release();
        co_return redis_reply::error("ERR connection: " + why);
    }

    executor_type ex_;
    redis_options options_;
    boost::asio::ip::tcp::socket socket_;
    using tls_stream = boost::asio::ssl::stream<boost::asio::ip::tcp::socket&>;
    std::unique_ptr<tls_stream> tls_;  // over socket_, when options_.tls
    std::unique_ptr<redisReader, reader_deleter> reader_;
    boost::asio::steady_timer gate_;
    bool busy_ = false;
};

} // namespace sxtp::mesh

#endif
