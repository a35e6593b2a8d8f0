// The hostile suite's tools: the server under attack in a process of its
// own (its memory read from /proc, its stderr kept for sanitizer reports
// and the log), raw sockets for hostile peers, and a well-behaved client
// that pings on its own connection and records how long each answer took.
#ifndef SXTP_TESTS_HOSTILE_PEER_HPP
#define SXTP_TESTS_HOSTILE_PEER_HPP

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <mutex>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

extern char** environ;

namespace hostile_test {

using namespace std::chrono_literals;
using clock = std::chrono::steady_clock;

/// `LENGTH\n PAYLOAD`.
inline std::string frame(std::string_view payload) { return std::to_string(payload.size()) + "\n" + std::string(payload); }

/// The server under attack (tests/hostile/hostile_server.cpp), started on
/// a free loopback port and stopped (SIGTERM) by stop() or the destructor.
class server_process {
public:
    explicit server_process(std::vector<std::string> args = {}) {
        err_path_ = "/tmp/sxtp-hostile-" + std::to_string(::getpid()) + "-" + std::to_string(counter()++) + ".err";
        int out[2];
        if (::pipe(out) != 0) throw std::runtime_error("pipe failed");
        posix_spawn_file_actions_t fa;
        posix_spawn_file_actions_init(&fa);
        posix_spawn_file_actions_adddup2(&fa, out[1], 1);
        posix_spawn_file_actions_addclose(&fa, out[0]);
        posix_spawn_file_actions_addopen(&fa, 2, err_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
        std::vector<std::string> all{SXTP_HOSTILE_SERVER};
        all.insert(all.end(), args.begin(), args.end());
        std::vector<char*> argv;
        for (auto& a : all) argv.push_back(a.data());
        argv.push_back(nullptr);
        // ASan's quarantine would hold up to 256 MiB of freed memory and
        // hide what the server itself holds: keep it small.
        std::vector<std::string> env{"ASAN_OPTIONS=quarantine_size_mb=16:detect_leaks=1:allocator_release_to_os_interval_ms=100",
                                     "UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1"};
        for (char** e = environ; *e; ++e)
            if (std::strncmp(*e, "ASAN_OPTIONS=", 13) != 0 && std::strncmp(*e, "UBSAN_OPTIONS=", 14) != 0) env.emplace_back(*e);
        std::vector<char*> envp;
        for (auto& e : env) envp.push_back(e.data());
        envp.push_back(nullptr);
        if (posix_spawn(&pid_, argv[0], &fa, nullptr, argv.data(), envp.data()) != 0) throw std::runtime_error("cannot start the server");
        posix_spawn_file_actions_destroy(&fa);
        ::close(out[1]);
        out_ = ::fdopen(out[0], "r");
        char line[256];
        if (!std::fgets(line, sizeof line, out_) || std::sscanf(line, "port %d", &port_) != 1)
            throw std::runtime_error("the server did not start: " + log());
    }
    server_process(const server_process&) = delete;
    server_process& operator=(const server_process&) = delete;
    ~server_process() {
        if (pid_ > 0) {
            ::kill(pid_, SIGKILL);
            ::waitpid(pid_, nullptr, 0);
        }
        if (out_) std::fclose(out_);
        ::unlink(err_path_.c_str());
    }

    int port() const noexcept { return port_; }
    pid_t pid() const noexcept { return pid_; }
    /// Whether the process is still running.
    bool alive() const { return pid_ > 0 && ::waitpid(pid_, nullptr, WNOHANG) == 0; }
    /// VmRSS in KiB (0 when it cannot be read).
    long rss_kib() const {
        std::ifstream in("/proc/" + std::to_string(pid_) + "/status");
        std::string key;
        long v = 0;
        while (in >> key) {
            if (key == "VmRSS:") {
                in >> v;
                return v;
            }
            in.ignore(1 << 20, '\n');
        }
        return 0;
    }
    /// What the server wrote to stderr so far (the log, sanitizer reports).
    std::string log() const {
        std::ifstream in(err_path_);
        std::stringstream s;
        s << in.rdbuf();
        return s.str();
    }
    /// Whether stderr holds a sanitizer report.
    bool sanitizer_report() const {
        const std::string l = log();
        return l.find("ERROR: AddressSanitizer") != std::string::npos || l.find("ERROR: LeakSanitizer") != std::string::npos ||
               l.find("runtime error:") != std::string::npos;
    }
    /// SIGTERM, then waits (at most 20 s) for a clean exit; returns the
    /// stats line, or "" when the exit was not clean.
    std::string stop() {
        if (pid_ <= 0) return "";
        ::kill(pid_, SIGTERM);
        std::string stats;
        char line[1024];
        while (std::fgets(line, sizeof line, out_))
            if (std::strncmp(line, "stats ", 6) == 0) stats = line;
        int status = 0;
        const auto until = clock::now() + 20s;
        pid_t r = 0;
        while ((r = ::waitpid(pid_, &status, WNOHANG)) == 0 && clock::now() < until) std::this_thread::sleep_for(10ms);
        if (r == 0) return "";
        pid_ = -1;
        return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? stats : "";
    }
    /// The count of KIND in a stats line.
    static long stat(const std::string& stats, const std::string& kind) {
        const auto at = stats.find(" " + kind + "=");
        return at == std::string::npos ? -1 : std::atol(stats.c_str() + at + kind.size() + 2);
    }

private:
    static std::atomic<int>& counter() {
        static std::atomic<int> n{0};
        return n;
    }
    pid_t pid_ = -1;
    int port_ = 0;
    FILE* out_ = nullptr;
    std::string err_path_;
};

/// A TCP connection to 127.0.0.1:port from `source` (any 127/8 address),
/// with a receive buffer of `rcvbuf` bytes when not 0; -1 when refused.
inline int connect_to(int port, const char* source = "127.0.0.1", int rcvbuf = 0) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    if (rcvbuf) ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
    sockaddr_in src{};
    src.sin_family = AF_INET;
    ::inet_pton(AF_INET, source, &src.sin_addr);
    if (::bind(fd, reinterpret_cast<sockaddr*>(&src), sizeof src) != 0) {
        ::close(fd);
        return -1;
    }
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_port = htons(static_cast<std::uint16_t>(port));
    ::inet_pton(AF_INET, "127.0.0.1", &to.sin_addr);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&to), sizeof to) != 0) {
        ::close(fd);
        return -1;
    }
    const int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return fd;
}

/// Writes all of `bytes` (blocking); false when the peer closed.
inline bool send_all(int fd, std::string_view bytes) {
    while (!bytes.empty()) {
        const ssize_t n = ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
        if (n <= 0) return false;
        bytes.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
}

/// Reads frames from `fd` until `want` have come, the peer closes, or
/// nothing arrives for `quiet`. Returns their payloads (the first `keep`
/// kept; the rest only counted in `count`).
struct frames_read {
    std::size_t count = 0;
    std::vector<std::string> payloads;
    bool closed = false;
};
inline frames_read read_frames(int fd, std::size_t want, std::chrono::milliseconds quiet = 5000ms, std::size_t keep = 16) {
    frames_read r;
    std::string buf;
    std::size_t at = 0;  // the first byte not yet taken
    char chunk[65536];
    while (r.count < want) {
        // whole frames in buf
        for (;;) {
            const auto nl = buf.find('\n', at);
            if (nl == std::string::npos) break;
            const std::size_t len = std::strtoull(buf.c_str() + at, nullptr, 10);
            if (buf.size() < nl + 1 + len) break;
            if (r.payloads.size() < keep) r.payloads.push_back(buf.substr(nl + 1, len));
            at = nl + 1 + len;
            ++r.count;
        }
        buf.erase(0, at);
        at = 0;
        if (r.count >= want) break;
        pollfd p{fd, POLLIN, 0};
        if (::poll(&p, 1, static_cast<int>(quiet.count())) <= 0) break;
        const ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
        if (n <= 0) {
            r.closed = true;
            break;
        }
        buf.append(chunk, static_cast<std::size_t>(n));
    }
    return r;
}

/// A well-behaved client on its own connection: one ping every `every`,
/// each answer's latency recorded; reconnects if the server closes it.
class prober {
public:
    prober(int port, std::chrono::milliseconds every = 20ms) : port_(port), every_(every), thread_([this] { run(); }) {}
    ~prober() { stop(); }
    void stop() {
        stop_ = true;
        if (thread_.joinable()) thread_.join();
    }
    /// The p-th percentile of the latencies, in ms (a failed ping counts as 10 s).
    double percentile(double p) const {
        std::lock_guard lock(mutex_);
        if (ms_.empty()) return 1e9;
        std::vector<double> v = ms_;
        std::sort(v.begin(), v.end());
        return v[std::min(v.size() - 1, static_cast<std::size_t>(p / 100.0 * static_cast<double>(v.size())))];
    }
    std::size_t answered() const {
        std::lock_guard lock(mutex_);
        return ok_;
    }
    std::size_t failed() const {
        std::lock_guard lock(mutex_);
        return failed_;
    }

private:
    void run() {
        const std::string ping = frame(R"((request :verb ping :path "/"))");
        int fd = -1;
        while (!stop_) {
            if (fd < 0) fd = connect_to(port_);
            const auto t0 = clock::now();
            bool ok = fd >= 0 && send_all(fd, ping) && read_frames(fd, 1, 10000ms).count == 1;
            const double ms = std::chrono::duration<double, std::milli>(clock::now() - t0).count();
            {
                std::lock_guard lock(mutex_);
                ms_.push_back(ok ? ms : 10000.0);
                (ok ? ok_ : failed_)++;
            }
            if (!ok && fd >= 0) {
                ::close(fd);
                fd = -1;
            }
            std::this_thread::sleep_for(every_);
        }
        if (fd >= 0) ::close(fd);
    }
    int port_;
    std::chrono::milliseconds every_;
    std::atomic<bool> stop_{false};
    mutable std::mutex mutex_;
    std::vector<double> ms_;
    std::size_t ok_ = 0, failed_ = 0;
    std::thread thread_;
};

/// Raises this process's open-file limit to its hard limit.
inline void raise_fd_limit() {
    rlimit r{};
    if (::getrlimit(RLIMIT_NOFILE, &r) == 0 && r.rlim_cur < r.rlim_max) {
        r.rlim_cur = r.rlim_max;
        ::setrlimit(RLIMIT_NOFILE, &r);
    }
}

} // namespace hostile_test

#endif
