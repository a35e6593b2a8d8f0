// What both ends of the Mesh transport share: one nghttp2 session over a
// TCP socket or a TLS stream — reading some bytes, gathering what the
// session wants to send, writing it.
#ifndef SXTP_MESH_IMPL_H2_IO_HPP
#define SXTP_MESH_IMPL_H2_IO_HPP

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include <nghttp2/nghttp2.h>

#include <memory>
#include <string>

namespace sxtp::mesh::detail {

class h2_io {
protected:
    using tcp = boost::asio::ip::tcp;

    explicit h2_io(tcp::socket s) : socket_(std::move(s)) {}
    h2_io(const h2_io&) = delete;
    h2_io& operator=(const h2_io&) = delete;
    ~h2_io() {
        if (session_) nghttp2_session_del(session_);
    }

    /// From now on the bytes go through TLS with `ctx`.
    void use_tls(boost::asio::ssl::context& ctx) { tls_ = std::make_unique<boost::asio::ssl::stream<tcp::socket>>(std::move(socket_), ctx); }
    /// The TCP socket (under TLS when there is TLS).
    tcp::socket& sock() noexcept { return tls_ ? tls_->next_layer() : socket_; }

    boost::asio::awaitable<std::size_t> read_some(boost::asio::mutable_buffer b, boost::system::error_code& ec) {
        if (tls_) co_return co_await tls_->async_read_some(b, boost::asio::redirect_error(boost::asio::use_awaitable, ec));
        co_return co_await socket_.async_read_some(b, boost::asio::redirect_error(boost::asio::use_awaitable, ec));
    }

    /// Appends what the session wants to send, up to about 64 KiB; false when the session failed.
    bool gather(std::string& out) {
        while (out.size() < 65536) {
            const std::uint8_t* p = nullptr;
            const ssize_t n = nghttp2_session_mem_send(session_, &p);
            if (n < 0) return false;
            if (n == 0) break;
            out.append(reinterpret_cast<const char*>(p), static_cast<std::size_t>(n));
        }
        return true;
    }

    boost::asio::awaitable<void> write(const std::string& out, boost::system::error_code& ec) {
        if (tls_) co_await boost::asio::async_write(*tls_, boost::asio::buffer(out), boost::asio::redirect_error(boost::asio::use_awaitable, ec));
        else co_await boost::asio::async_write(socket_, boost::asio::buffer(out), boost::asio::redirect_error(boost::asio::use_awaitable, ec));
    }

    /// Whether the session has nothing more to do (both sides said GOAWAY, or all is done).
    bool session_done() const { return !nghttp2_session_want_read(session_) && !nghttp2_session_want_write(session_); }

    nghttp2_session* session_ = nullptr;
    tcp::socket socket_;  // moved into tls_ under TLS
    std::unique_ptr<boost::asio::ssl::stream<tcp::socket>> tls_;
};

} // namespace sxtp::mesh::detail

#endif
