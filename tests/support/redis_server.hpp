// Test support: a private redis-server on a free loopback port, started by
// the test and stopped with it (never a system service). Persistence off.
#ifndef SXTP_TESTS_SUPPORT_REDIS_SERVER_HPP
#define SXTP_TESTS_SUPPORT_REDIS_SERVER_HPP

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace sxtp_test {

/// A port nobody listens on right now (bound, read, released).
inline unsigned short free_loopback_port() {
    boost::asio::io_context io;
    boost::asio::ip::tcp::acceptor a(io, {boost::asio::ip::make_address("127.0.0.1"), 0});
    return a.local_endpoint().port();
}

class redis_server {
public:
    explicit redis_server(unsigned short port = free_loopback_port()) : port_(port) { start(); }
    /// With more configuration (`--requirepass`, `--user`, TLS…). With
    /// `tls_port` set, the server listens for TLS there and not in plain.
    redis_server(std::vector<std::string> extra, bool tls_port = false, unsigned short port = free_loopback_port())
        : port_(port), extra_(std::move(extra)), tls_(tls_port) {
        start();
    }
    ~redis_server() { stop(); }
    redis_server(const redis_server&) = delete;
    redis_server& operator=(const redis_server&) = delete;

    unsigned short port() const noexcept { return port_; }
    bool running() const noexcept { return pid_ > 0; }

    /// Starts it (again) on the same port; waits until it accepts connections (at most 10 s).
    void start() {
        if (pid_ > 0) return;
        pid_ = ::fork();
        if (pid_ < 0) throw std::runtime_error("fork failed");
        if (pid_ == 0) {
            const int null = ::open("/dev/null", O_WRONLY);
            if (null >= 0) {
                ::dup2(null, 1);
                ::dup2(null, 2);
            }
            const std::string port = std::to_string(port_);
            std::vector<std::string> args{"redis-server", "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--loglevel", "warning", "--daemonize", "no"};
            if (tls_) args.insert(args.end(), {"--port", "0", "--tls-port", port});
            else args.insert(args.end(), {"--port", port});
            args.insert(args.end(), extra_.begin(), extra_.end());
            std::vector<char*> argv;
            for (auto& a : args) argv.push_back(a.data());
            argv.push_back(nullptr);
            ::execvp("redis-server", argv.data());
            ::_exit(127);
        }
        const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
        while (std::chrono::steady_clock::now() < until) {
            boost::asio::io_context io;
            boost::asio::ip::tcp::socket s(io);
            boost::system::error_code ec;
            s.connect({boost::asio::ip::make_address("127.0.0.1"), port_}, ec);
            if (!ec) return;
            int status = 0;
            if (::waitpid(pid_, &status, WNOHANG) == pid_) {
                pid_ = 0;
                throw std::runtime_error("redis-server exited at start (is it installed?)");
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
        stop();
        throw std::runtime_error("redis-server did not start within 10 s");
    }
    /// Stops it (SIGKILL: as abrupt as a crash) and waits for it.
    void stop() {
        if (pid_ <= 0) return;
        ::kill(pid_, SIGKILL);
        int status = 0;
        ::waitpid(pid_, &status, 0);
        pid_ = 0;
    }

private:
    unsigned short port_;
    std::vector<std::string> extra_;
    bool tls_ = false;
    pid_t pid_ = 0;
};

} // namespace sxtp_test

#endif
