// bench_rpc's load side: the server under test as a child process pinned to
// core 0 (its port read from its stdout, its CPU time from /proc), and an
// independent load client on one thread — pre-encoded SXTP frames matched
// by tag, or pipelined HTTP/1.1 requests matched in order.
#ifndef SXTP_BENCH_LOAD_HPP
#define SXTP_BENCH_LOAD_HPP

#include "measure.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include <sched.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <charconv>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace bench_load {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using clock_type = std::chrono::steady_clock;

struct measurement {
    double rps = 0;
    double p50_us = 0;
    double p99_us = 0;
    double server_cpu_us = 0;  // the server process's CPU time per call
    std::size_t calls = 0;
};

inline measurement summarise(std::vector<double>& lat, double seconds) {
    measurement m;
    m.calls = lat.size();
    m.rps = static_cast<double>(lat.size()) / seconds;
    m.p50_us = bench_support::percentile(lat, 0.50);
    m.p99_us = bench_support::percentile(lat, 0.99);
    return m;
}

/// Runs this process (and the threads it starts later) on `core` only, when the machine has it.
inline void pin_to_core(int core) {
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(core, &set);
    if (::sched_setaffinity(0, sizeof set, &set) != 0) std::fprintf(stderr, "(could not pin the load client to core %d: it runs unpinned)\n", core);
}

/// A program next to this one.
inline std::string sibling(const std::string& name) {
    char buf[4096];
    const ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
    if (n <= 0) throw std::runtime_error("readlink /proc/self/exe");
    std::string self(buf, static_cast<std::size_t>(n));
    return self.substr(0, self.rfind('/') + 1) + name;
}

/// A server under test: `exe args…` under `taskset -c 0`; it prints its
/// port and serves until its stdin closes (the destructor).
class server_process {
public:
    server_process(const std::string& exe, std::vector<std::string> args) {
        int in[2], out[2];
        if (::pipe(in) != 0 || ::pipe(out) != 0) throw std::runtime_error("pipe");
        pid_ = ::fork();
        if (pid_ < 0) throw std::runtime_error("fork");
        if (pid_ == 0) {
            ::dup2(in[0], 0);
            ::dup2(out[1], 1);
            ::close(in[0]), ::close(in[1]), ::close(out[0]), ::close(out[1]);
            std::vector<std::string> argv_s{"taskset", "-c", "0", exe};
            argv_s.insert(argv_s.end(), args.begin(), args.end());
            std::vector<char*> argv;
            for (auto& a : argv_s) argv.push_back(a.data());
            argv.push_back(nullptr);
            ::execvp("taskset", argv.data());
            ::execv(exe.c_str(), argv.data() + 3);  // no taskset: unpinned
            std::_Exit(127);
        }
        ::close(in[0]);
        ::close(out[1]);
        stdin_ = in[1];
        std::string line;
        char c;
        while (::read(out[0], &c, 1) == 1 && c != '\n') line += c;
        ::close(out[0]);
        port_ = std::atoi(line.c_str());
        if (port_ <= 0) throw std::runtime_error("the server " + exe + " did not start");
    }
    ~server_process() {
        ::close(stdin_);
        for (int i = 0; i < 500; ++i) {
            if (::waitpid(pid_, nullptr, WNOHANG) == pid_) return;
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, nullptr, 0);
    }
    server_process(const server_process&) = delete;
    server_process& operator=(const server_process&) = delete;

    unsigned short port() const noexcept { return static_cast<unsigned short>(port_); }
    /// User + system CPU seconds the server has used so far.
    double cpu_seconds() const {
        std::ifstream f("/proc/" + std::to_string(pid_) + "/stat");
        std::string s((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
        std::istringstream rest(s.substr(s.rfind(')') + 2));
        std::string field;
        double ticks = 0;
        for (int i = 3; i <= 15 && rest >> field; ++i)
            if (i >= 14) ticks += std::atof(field.c_str());
        return ticks / static_cast<double>(::sysconf(_SC_CLK_TCK));
    }

private:
    pid_t pid_ = -1;
    int stdin_ = -1;
    int port_ = 0;
};

/// The best (highest req/s) of three runs, with the server's CPU per call.
template <class Run>
measurement best_of_3(const server_process& server, Run run) {
    measurement best;
    for (int i = 0; i < 3; ++i) {
        const double cpu0 = server.cpu_seconds();
        measurement m = run();
        if (m.calls) m.server_cpu_us = (server.cpu_seconds() - cpu0) * 1e6 / static_cast<double>(m.calls);
        if (m.rps > best.rps) best = m;
    }
    return best;
}

/// Sends `frame` on a new connection and returns the first frame answered.
inline std::string one_answer(unsigned short port, const std::string& frame) {
    asio::io_context io;
    tcp::socket s(io);
    s.connect({asio::ip::make_address("127.0.0.1"), port});
    asio::write(s, asio::buffer(frame));
    std::string in;
    char buf[4096];
    for (;;) {
        in.append(buf, s.read_some(asio::buffer(buf)));
        const std::size_t nl = in.find('\n');
        if (nl == std::string::npos) continue;
        std::size_t len = 0;
        std::from_chars(in.data(), in.data() + nl, len);
        if (in.size() >= nl + 1 + len) return in.substr(0, nl + 1 + len);
    }
}

namespace detail {
// One connection of a load run: `depth` requests out; each answer read is
// timed and replaced by the next request until `until`. `Proto` sends
// request `slot` and finds whole answers (their slots) in what was read.
template <class Proto>
asio::awaitable<void> connection(tcp::endpoint to, Proto proto, int depth, clock_type::time_point until, std::vector<double>& lat, int& running) {
    tcp::socket s(co_await asio::this_coro::executor);
    co_await s.async_connect(to, asio::use_awaitable);
    s.set_option(tcp::no_delay(true));
    std::vector<clock_type::time_point> sent(static_cast<std::size_t>(depth), clock_type::now());
    std::string out, in;
    for (int d = 0; d < depth; ++d) proto.request(out, d);
    co_await asio::async_write(s, asio::buffer(out), asio::use_awaitable);
    std::vector<char> buf(64 << 10);
    int outstanding = depth;
    std::vector<int> answered;
    while (outstanding > 0) {
        in.append(buf.data(), co_await s.async_read_some(asio::buffer(buf), asio::use_awaitable));
        answered.clear();
        in.erase(0, proto.answers(in, answered));
        out.clear();
        const auto now = clock_type::now();
        for (int slot : answered) {
            lat.push_back(std::chrono::duration<double, std::micro>(now - sent[static_cast<std::size_t>(slot)]).count());
            --outstanding;
            if (now < until) {
                proto.request(out, slot);
                sent[static_cast<std::size_t>(slot)] = now;
                ++outstanding;
            }
        }
        if (!out.empty()) co_await asio::async_write(s, asio::buffer(out), asio::use_awaitable);
    }
    --running;
}

template <class Proto>
measurement drive(unsigned short port, const Proto& proto, int connections, int depth, double seconds) {
    asio::io_context io(1);
    std::vector<double> lat;
    lat.reserve(1 << 22);
    int running = connections;
    const auto start = clock_type::now();
    const auto until = start + std::chrono::duration_cast<clock_type::duration>(std::chrono::duration<double>(seconds));
    const tcp::endpoint to(asio::ip::make_address("127.0.0.1"), port);
    for (int c = 0; c < connections; ++c)
        asio::co_spawn(io, connection(to, proto, depth, until, lat, running), [](std::exception_ptr e) {
            if (e) std::rethrow_exception(e);
        });
    io.run();
    if (running != 0) throw std::runtime_error("a load connection did not finish");
    return summarise(lat, std::chrono::duration<double>(clock_type::now() - start).count());
}

// SXTP frames: request `slot` is frames[slot] (tag = slot); an answer's
// slot is its :tag.
struct frames_proto {
    const std::vector<std::string>* frames;
    void request(std::string& out, int slot) const { out += (*frames)[static_cast<std::size_t>(slot)]; }
    std::size_t answers(const std::string& in, std::vector<int>& slots) const {
        std::size_t at = 0;
        for (;;) {
            const std::size_t nl = in.find('\n', at);
            if (nl == std::string::npos) return at;
            std::size_t len = 0;
            std::from_chars(in.data() + at, in.data() + nl, len);
            if (in.size() - nl - 1 < len) return at;
            const std::string_view payload(in.data() + nl + 1, len);
            if (payload.find(":status ok") == std::string_view::npos) throw std::runtime_error("an answer that is not ok: " + std::string(payload));
            int tag = 0;
            if (const auto t = payload.find(":tag "); t != std::string_view::npos) std::from_chars(payload.data() + t + 5, payload.data() + payload.size(), tag);
            slots.push_back(tag);
            at = nl + 1 + len;
        }
    }
};

// HTTP/1.1: every request is the same; answers come in order.
struct http_proto {
    const std::string* request_text;
    mutable std::deque<int> order = {};  // each connection has its copy
    void request(std::string& out, int slot) const {
        out += *request_text;
        order.push_back(slot);
    }
    std::size_t answers(const std::string& in, std::vector<int>& slots) const {
        std::size_t at = 0;
        for (;;) {
            const std::size_t head_end = in.find("\r\n\r\n", at);
            if (head_end == std::string::npos) return at;
            if (in.compare(at, 12, "HTTP/1.1 200") != 0) throw std::runtime_error("an HTTP answer that is not 200");
            std::size_t len = 0;
            const std::size_t cl = in.find("Content-Length: ", at);
            if (cl != std::string::npos && cl < head_end) std::from_chars(in.data() + cl + 16, in.data() + head_end, len);
            if (in.size() - head_end - 4 < len) return at;
            slots.push_back(order.front());
            order.pop_front();
            at = head_end + 4 + len;
        }
    }
};
} // namespace detail

/// SXTP: `frames[t]` is the request with tag t (t < depth).
inline measurement drive_frames(unsigned short port, const std::vector<std::string>& frames, int connections, int depth, double seconds) {
    return detail::drive(port, detail::frames_proto{&frames}, connections, depth, seconds);
}

/// HTTP/1.1 keep-alive, pipelined when depth > 1.
inline measurement drive_http(unsigned short port, const std::string& request, int connections, int depth, double seconds) {
    return detail::drive(port, detail::http_proto{&request}, connections, depth, seconds);
}

} // namespace bench_load

#endif
