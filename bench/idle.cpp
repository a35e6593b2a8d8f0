// Server memory holding idle connections: the resident set of an sxtp server
// process before and after 10,000 clients connect and each makes one call.
//
//   bench_idle [connections, default 10000]
//
// The server runs in a child process (one thread, default options but the
// connection limits, raised to the count: every client is 127.0.0.1); this
// process opens the connections with blocking sockets, sends each one
// request frame, reads its answer and keeps the connection open, then reads
// the child's VmRSS from /proc.
#include "items.hpp"
#include "measure.hpp"

#include <sxtp/server/io_pool.hpp>
#include <sxtp/server/server.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <boost/hana/define_struct.hpp>

#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

namespace asio = boost::asio;
using tcp = asio::ip::tcp;


namespace {

double rss_mib(pid_t pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/status");
    std::string line;
    while (std::getline(in, line))
        if (line.rfind("VmRSS:", 0) == 0) return std::stod(line.substr(6)) / 1024.0;
    return 0;
}

void raise_fd_limit(rlim_t want) {
    rlimit r{};
    getrlimit(RLIMIT_NOFILE, &r);
    r.rlim_cur = std::min(std::max(r.rlim_cur, want), r.rlim_max);
    setrlimit(RLIMIT_NOFILE, &r);
}

} // namespace

int main(int argc, char** argv) {
    const int connections = argc > 1 ? std::atoi(argv[1]) : 10000;
    raise_fd_limit(static_cast<rlim_t>(connections) + 64);
    int ports[2];
    if (pipe(ports) != 0) return 1;
    const pid_t child = fork();
    if (child == 0) {  // the server
        close(ports[0]);
        sxtp::io_pool pool(1);
        sxtp::server_options o;
        o.max_connections = static_cast<std::size_t>(connections);
        o.max_connections_per_peer = static_cast<std::size_t>(connections);  // they all come from 127.0.0.1
        if (const char* rc = std::getenv("READ_CHUNK")) o.limits.frames.read_chunk = std::stoul(rc);
        sxtp::server srv(pool.executors(), o);
        srv.handle<get_item>(serve_item);
        const unsigned short port = srv.listen("sxtp://127.0.0.1:0").port;
        if (write(ports[1], &port, sizeof port) != sizeof port) _exit(1);
        pool.context(0).run();
        _exit(0);
    }
    close(ports[1]);
    unsigned short port = 0;
    if (read(ports[0], &port, sizeof port) != sizeof port) return 1;
    if (const char* pause = std::getenv("SXTP_IDLE_PAUSE")) {  // time to attach a heap profiler to the server
        std::printf("server pid %d\n", static_cast<int>(child));
        std::fflush(stdout);
        sleep(static_cast<unsigned>(std::atoi(pause)));
    }
    usleep(100000);
    const double before = rss_mib(child);

    sxtp::request sample = sxtp::make_request<get_item>(item_ref{42}, sxtp::no_body{});
    sample.tag = sxtp::message_tag(1);
    std::string frame;
    sxtp::wire::write_message(frame, sxtp::message(sample));

    asio::io_context io;
    std::vector<tcp::socket> socks;
    socks.reserve(static_cast<std::size_t>(connections));
    int open = 0;
    std::string failure;
    try {
        char answer[4096];
        for (int i = 0; i < connections; ++i) {
            tcp::socket s(io);
            s.connect({asio::ip::make_address("127.0.0.1"), port});
            asio::write(s, asio::buffer(frame));
            // one answer: a frame header (decimal length, newline) then the payload
            std::size_t got = 0, need = 0;
            while (need == 0 || got < need) {
                got += s.read_some(asio::buffer(answer + got, sizeof answer - got));
                if (need == 0)
                    if (const auto* nl = static_cast<const char*>(std::memchr(answer, '\n', got))) {
                        const auto header = static_cast<std::size_t>(nl - answer);
                        need = header + 1 + std::stoul(std::string(answer, header));
                    }
            }
            socks.push_back(std::move(s));
            ++open;
        }
    } catch (const std::exception& e) {
        failure = e.what();
    }
    usleep(200000);
    const double after = rss_mib(child);
    kill(child, SIGKILL);
    waitpid(child, nullptr, 0);

    std::printf("Idle connections: sxtp server (one thread, default options but the connection limits), each connection made one call\n\n");
    std::printf("| | value |\n|---|---|\n");
    std::printf("| connections held | %d |\n", open);
    std::printf("| server RSS before | %.1f MiB |\n", before);
    std::printf("| server RSS after | %.1f MiB |\n", after);
    std::printf("| per connection | %.1f KiB |\n\n", open ? (after - before) * 1024.0 / open : 0.0);
    if (!failure.empty()) std::printf("stopped after %d connections: %s\n", open, failure.c_str());
    if (open != connections) std::printf("  target: not measured (only %d connections could be opened)\n", open);
    else if (connections == 10000) bench_support::target("server RSS with 10,000 idle connections", after, 100, false, " MiB");
    if (auto f = bench_support::data_file("idle.tsv")) std::fprintf(f.get(), "%d\t%.1f\t%.1f\n", open, before, after);
    return open == connections ? 0 : 1;
}
