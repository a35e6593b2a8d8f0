// Test support: a TCP proxy that injects faults between a client and a
// server, in the style of toxiproxy — data sliced into 1-byte writes, added
// latency, connection resets (RST) in either direction after so many
// bytes, connections reset as soon as they are accepted, a pause in
// listening (connects refused). Runs on the
// test's io_context, on 127.0.0.1.
#ifndef SXTP_TESTS_SUPPORT_FAULT_PROXY_HPP
#define SXTP_TESTS_SUPPORT_FAULT_PROXY_HPP

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>

namespace sxtp_test {

struct faults {
    /// Every forwarded byte is written on its own.
    bool one_byte_writes = false;
    /// Each forwarded read waits this long first.
    std::chrono::milliseconds latency{0};
    /// After this many client→server bytes, both sides are reset.
    std::optional<std::size_t> reset_after_upstream = {};
    /// After this many server→client bytes, both sides are reset.
    std::optional<std::size_t> reset_after_downstream = {};
    /// The first N connections are reset as soon as they are accepted.
    int reset_first_connections = 0;
};

class fault_proxy {
public:
    using tcp = boost::asio::ip::tcp;

    fault_proxy(boost::asio::io_context& io, unsigned short server_port, faults f)
        : io_(io), acceptor_(io, tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), 0)), port_(acceptor_.local_endpoint().port()),
          server_port_(server_port), f_(f) {
        boost::asio::co_spawn(io_, accept_loop(), boost::asio::detached);
    }
    ~fault_proxy() {
        boost::system::error_code ignored;
        acceptor_.close(ignored);
    }

    unsigned short port() const { return port_; }
    /// Changes the faults for connections accepted from now on.
    void set(faults f) { f_ = f; }
    /// Stops listening for `d` (connects are refused meanwhile), then
    /// listens on the same port again.
    void pause(std::chrono::milliseconds d) {
        const tcp::endpoint where = acceptor_.local_endpoint();
        boost::system::error_code ignored;
        acceptor_.close(ignored);
        auto t = std::make_shared<boost::asio::steady_timer>(io_, d);
        t->async_wait([this, t, where](boost::system::error_code ec) {
            if (ec) return;
            acceptor_.open(where.protocol());
            acceptor_.set_option(tcp::acceptor::reuse_address(true));
            acceptor_.bind(where);
            acceptor_.listen();
            boost::asio::co_spawn(io_, accept_loop(), boost::asio::detached);
        });
    }
    int accepted() const noexcept { return accepted_; }
    int resets() const noexcept { return resets_; }

private:
    struct link {
        explicit link(boost::asio::io_context& io) : client(io), server(io) {}
        tcp::socket client, server;
        bool reset = false;
        void hard_close() {
            if (reset) return;
            reset = true;
            boost::system::error_code ignored;
            for (tcp::socket* s : {&client, &server}) {
                s->set_option(boost::asio::socket_base::linger(true, 0), ignored);  // RST, not FIN
                s->close(ignored);
            }
        }
    };

    boost::asio::awaitable<void> accept_loop() {
        for (;;) {
            auto l = std::make_shared<link>(io_);
            boost::system::error_code ec;
            co_await acceptor_.async_accept(l->client, boost::asio::redirect_error(boost::asio::use_awaitable, ec));
            if (ec) co_return;
            const faults f = f_;
            if (accepted_++ < f.reset_first_connections) {
                ++resets_;
                l->hard_close();
                continue;
            }
            co_await l->server.async_connect(tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), server_port_),
                                             boost::asio::redirect_error(boost::asio::use_awaitable, ec));
            if (ec) {
                l->hard_close();
                continue;
            }
            boost::asio::co_spawn(io_, pump(l, true, f), boost::asio::detached);
            boost::asio::co_spawn(io_, pump(l, false, f), boost::asio::detached);
        }
    }

    // Forwards one direction until either side ends or a reset is due.
    boost::asio::awaitable<void> pump(std::shared_ptr<link> l, bool upstream, faults f) {
        tcp::socket& from = upstream ? l->client : l->server;
        tcp::socket& to = upstream ? l->server : l->client;
        const std::optional<std::size_t> reset_at = upstream ? f.reset_after_upstream : f.reset_after_downstream;
        std::size_t forwarded = 0;
        char buf[4096];
        boost::asio::steady_timer delay(io_);
        for (;;) {
            boost::system::error_code ec;
            std::size_t n = co_await from.async_read_some(boost::asio::buffer(buf), boost::asio::redirect_error(boost::asio::use_awaitable, ec));
            if (ec || l->reset) break;
            if (reset_at) n = std::min(n, *reset_at - forwarded);
            if (f.latency.count() > 0) {
                delay.expires_after(f.latency);
                co_await delay.async_wait(boost::asio::redirect_error(boost::asio::use_awaitable, ec));
            }
            const std::size_t step = f.one_byte_writes ? 1 : n;
            for (std::size_t at = 0; at < n && !ec && !l->reset; at += step)
                co_await boost::asio::async_write(to, boost::asio::buffer(buf + at, std::min(step, n - at)),
                                                  boost::asio::redirect_error(boost::asio::use_awaitable, ec));
            if (ec || l->reset) break;
            forwarded += n;
            if (reset_at && forwarded >= *reset_at) {
                ++resets_;
                l->hard_close();
                co_return;
            }
        }
        if (!l->reset) {  // pass an orderly end on (half-close), as a real network would
            boost::system::error_code ignored;
            to.shutdown(tcp::socket::shutdown_send, ignored);
        }
    }

    boost::asio::io_context& io_;
    tcp::acceptor acceptor_;
    unsigned short port_;
    unsigned short server_port_;
    faults f_;
    int accepted_ = 0;
    int resets_ = 0;
};

} // namespace sxtp_test

#endif
