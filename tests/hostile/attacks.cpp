// The hostile suite (label hostile): a real server in its own process
// (tests/hostile/hostile_server.cpp, built with the suite's sanitizers)
// attacked over sockets. Each test checks that the server is alive, printed
// no sanitizer report, stayed inside a memory bound (VmRSS from /proc), kept
// answering a well-behaved client on another connection (p99 under 100 ms;
// a miss is measured once more before it fails: a busy CI machine can
// stall any process), and counted what it saw (the stats line printed
// when it stops).
#include "peer.hpp"

#include <catch2/catch.hpp>

#include <climits>
#include <functional>

using namespace hostile_test;

namespace {

// One message of up to max_values values costs ~5 ms of CPU in an optimised
// build and ~20x that unoptimised under ASan: the tests that send one
// allow for it there.
#ifdef SXTP_HOSTILE_SLOW_BUILD
constexpr double big_frame_p99_ms = 400.0;
#else
constexpr double big_frame_p99_ms = 100.0;
#endif

// The checks every attack ends with. `max_growth_kib`: how much VmRSS may
// grow over the idle server's.
void check_server(server_process& srv, long rss0, long max_growth_kib) {
    INFO(srv.log().substr(0, 4000));
    CHECK(srv.alive());
    CHECK_FALSE(srv.sanitizer_report());
    const long grown = srv.rss_kib() - rss0;
    INFO("VmRSS grew by " << grown << " KiB (bound " << max_growth_kib << " KiB)");
    CHECK(grown <= max_growth_kib);
}

// Runs `attack` with a prober on the side; when the prober's p99 is over
// the bound, runs it once more on a fresh server process before failing.
// `attack` gets the server and returns its own verdict.
void with_prober(std::vector<std::string> args, long max_growth_kib, const std::function<void(server_process&)>& attack,
                 double p99_bound_ms = 100.0, const std::function<void(const std::string&)>& check_stats = {}) {
    raise_fd_limit();
    for (int attempt = 1;; ++attempt) {
        server_process srv(args);
        std::this_thread::sleep_for(100ms);
        const long rss0 = srv.rss_kib();
        prober good(srv.port());
        attack(srv);
        std::this_thread::sleep_for(100ms);
        good.stop();
        check_server(srv, rss0, max_growth_kib);
        const double p99 = good.percentile(99);
        const std::size_t answered = good.answered();
        const std::string stats = srv.stop();
        INFO("stats: " << stats);
        CHECK_FALSE(stats.empty());  // a clean exit
        if (check_stats) check_stats(stats);
        INFO("well-behaved client: " << answered << " pings answered, p99 " << p99 << " ms (attempt " << attempt << ")");
        CHECK(answered > 0);
        if (p99 <= p99_bound_ms || attempt == 2) {
            CHECK(p99 <= p99_bound_ms);
            return;
        }
        WARN("p99 " << p99 << " ms over " << p99_bound_ms << " ms: measuring again");
    }
}

std::string repeat(std::string_view s, std::size_t n) {
    std::string out;
    out.reserve(s.size() * n);
    for (std::size_t i = 0; i < n; ++i) out += s;
    return out;
}

// Sends `bytes` on a thread of its own (the server may stop reading).
struct background_send {
    background_send(int fd, std::string bytes) : t([fd, b = std::move(bytes), this] {
        ok = send_all(fd, b);
        done = true;
    }) {}
    ~background_send() { join(); }
    void join() {
        if (t.joinable()) t.join();
    }
    // Whether the whole write went out within `limit`.
    bool finished_within(std::chrono::milliseconds limit) {
        const auto until = clock::now() + limit;
        while (!done && clock::now() < until) std::this_thread::sleep_for(10ms);
        return done;
    }
    std::atomic<bool> ok{false};
    std::atomic<bool> done{false};
    std::thread t;
};

} // namespace

TEST_CASE("hostile: 100000 frames pipelined in one write then read (write-path use-after-free)") {
    // Each frame is answered malformed-message: 18 MB of answers appended
    // while earlier ones are being written. Before the writer owned its
    // buffer, ASan saw a heap-use-after-free in send() within a few rounds.
    with_prober({}, 64 << 10, [](server_process& srv) {
        for (int round = 0; round < 4; ++round) {
            const int fd = connect_to(srv.port());
            REQUIRE(fd >= 0);
            background_send w(fd, repeat("0\n", 100000));
            const auto got = read_frames(fd, 100000, 10000ms);
            CHECK(got.count == 100000);
            REQUIRE_FALSE(got.payloads.empty());
            CHECK(got.payloads[0].find("malformed-message") != std::string::npos);
            w.join();
            ::close(fd);
            REQUIRE(srv.alive());
        }
    }, 100.0, [](const std::string& stats) { CHECK(server_process::stat(stats, "malformed-message") >= 400000); });
}

TEST_CASE("hostile: 200000 pipelined pings from a client with an 8 KiB receive buffer that reads after 3 s") {
    with_prober({}, 64 << 10, [](server_process& srv) {
        const int fd = connect_to(srv.port(), "127.0.0.1", 8192);
        REQUIRE(fd >= 0);
        background_send w(fd, repeat(frame(R"((request :verb ping :path "/"))"), 200000));
        std::this_thread::sleep_for(3s);
        const auto got = read_frames(fd, 200000, 10000ms);
        CHECK(got.count == 200000);
        w.join();
        CHECK(w.ok);
        ::close(fd);
    });
}

TEST_CASE("hostile: answers held behind an untagged stream that never ends are bounded by the connection budget") {
    // Before the budget: +108 MiB for 300,000 frames, without limit (about
    // 360 MiB for these 1,000,000). The budget is 8 MiB; the bound leaves
    // room for ASan's redzones, shadow and 16 MiB quarantine.
    with_prober({}, 64 << 10, [](server_process& srv) {
        const int fd = connect_to(srv.port());
        REQUIRE(fd >= 0);
        std::string attack = frame(R"((request :verb subscribe :path "/events/live"))") + repeat("0\n", 1000000);
        background_send w(fd, std::move(attack));
        std::this_thread::sleep_for(3s);
        // The server stopped reading: the rest of the 2 MB waits in TCP.
        ::shutdown(fd, SHUT_RDWR);
        w.join();
        ::close(fd);
    }, 100.0, [](const std::string& stats) { CHECK(server_process::stat(stats, "budget-exhausted") >= 1); });
}

TEST_CASE("hostile: one 15 MB frame of 2.5M quoted atoms is refused while reading without stalling others") {
    with_prober({}, 128 << 10, [](server_process& srv) {
        const int fd = connect_to(srv.port());
        REQUIRE(fd >= 0);
        const std::string body = "(request :verb create :path \"/blog/posts\" :body (" + repeat("'a ", 2500000) + "))";
        REQUIRE(body.size() > 7500000);
        background_send w(fd, frame(body));
        const auto got = read_frames(fd, 1, 20000ms);
        REQUIRE(got.count == 1);
        CHECK(got.payloads[0].find("too many values") != std::string::npos);
        w.join();
        // The connection stays open (the frame boundary was intact).
        send_all(fd, frame(R"((request :verb ping :path "/"))"));
        CHECK(read_frames(fd, 1, 5000ms).count == 1);
        ::close(fd);
    }, big_frame_p99_ms);
}

TEST_CASE("hostile: a 1M-entry dict in one frame is refused while reading") {
    with_prober({}, 128 << 10, [](server_process& srv) {
        const int fd = connect_to(srv.port());
        REQUIRE(fd >= 0);
        std::string dict = "{";
        for (int i = 0; i < 1000000; ++i) dict += ":k" + std::to_string(i) + " 1 ";
        dict += "}";
        background_send w(fd, frame("(request :verb create :path \"/blog/posts\" :body " + dict + ")"));
        const auto got = read_frames(fd, 1, 20000ms);
        REQUIRE(got.count == 1);
        CHECK(got.payloads[0].find("too many values") != std::string::npos);
        w.join();
        ::close(fd);
    }, big_frame_p99_ms);
}

TEST_CASE("hostile: extreme integers from a peer are answered and never undefined behaviour") {
    with_prober({"--secure"}, 32 << 10, [](server_process& srv) {
        const int fd = connect_to(srv.port());
        REQUIRE(fd >= 0);
        const std::vector<std::string> extremes{"-9223372036854775808", "9223372036854775807", "-1", "0"};
        std::string all;
        std::size_t sent = 0;
        for (const auto& x : extremes) {
            all += frame("(request :verb fetch :path \"/items/1\" :auth (hmac :key-id \"unknown\" :time " + x + " :nonce \"n\" :signature \"s\"))");
            all += frame("(request :verb fetch :path \"/items/1\" :auth (hmac :key-id \"k1\" :time " + x + " :nonce \"n" + x + "\" :signature \"s\"))");
            all += frame("(request :verb fetch :path \"/items/" + x + "\" :headers {:timeout-ms " + x + "})");
            all += frame("(request :verb fetch :path \"/items/1\" :headers {:timeout-ms " + x + " :max-age " + x + "})");
            all += frame("(request :verb fetch :path \"/items/1\" :cookies {:capabilities (grant :subject \"x\" :capabilities (vault:read) :expires " + x +
                         " :mac \"00\")})");
            sent += 5;
        }
        // credit and cancel with extreme values, for tags that exist and do not
        all += frame("(credit :tag 1 :n 9223372036854775807)") + frame("(credit :tag 9223372036854775807 :n -9223372036854775808)") +
               frame("(cancel :tag -9223372036854775808)") + frame("(chunk :tag 5 :seq 9223372036854775807)");
        sent += 1;  // credits and chunks for tags not in flight get no answer; the negative tag is malformed
        all += "9999999999\n";  // a length over every limit, last: answered, then closed
        sent += 1;
        REQUIRE(send_all(fd, all));
        const auto got = read_frames(fd, sent + 1, 3000ms, 100);
        for (const auto& p : got.payloads) UNSCOPED_INFO(p.substr(0, 400));
        CHECK(got.count == sent);
        REQUIRE(got.payloads.size() == sent);
        CHECK(got.payloads[sent - 2].find("a tag must be a non-negative integer") != std::string::npos);
        CHECK(got.payloads[sent - 1].find("frame-too-large") != std::string::npos);
        ::close(fd);
    }, 100.0, [](const std::string& stats) { CHECK(server_process::stat(stats, "frame-too-large") == 1); });
}

TEST_CASE("hostile: one host opening 10100 connections does not lock out another") {
    with_prober({}, 96 << 10, [](server_process& srv) {
        std::vector<int> fds;
        for (int i = 0; i < 10100; ++i)
            if (const int fd = connect_to(srv.port(), "127.0.0.1"); fd >= 0) fds.push_back(fd);
        std::this_thread::sleep_for(500ms);
        // Another host is served.
        const int other = connect_to(srv.port(), "127.0.0.2");
        REQUIRE(other >= 0);
        CHECK(send_all(other, frame(R"((request :verb ping :path "/"))")));
        CHECK(read_frames(other, 1, 5000ms).count == 1);
        ::close(other);
        for (int fd : fds) ::close(fd);
    }, 100.0, [](const std::string& stats) { CHECK(server_process::stat(stats, "peer-connections-refused") >= 10100 - 256); });
}

TEST_CASE("hostile: a grant with a field the server did not sign is refused") {
    with_prober({"--secure"}, 32 << 10, [](server_process& srv) {
        const int fd = connect_to(srv.port());
        REQUIRE(fd >= 0);
        send_all(fd, frame(R"((request :verb fetch :path "/grant"))"));
        auto got = read_frames(fd, 1, 5000ms);
        REQUIRE(got.count == 1);
        const std::string& answer = got.payloads[0];
        const auto at = answer.find("(grant ");
        REQUIRE(at != std::string::npos);
        int depth = 0;
        std::size_t end = at;
        for (; end < answer.size(); ++end) {
            if (answer[end] == '(') ++depth;
            if (answer[end] == ')' && --depth == 0) break;
        }
        const std::string grant = answer.substr(at, end + 1 - at);
        const std::string forged = grant.substr(0, grant.size() - 1) + " :admin true)";
        send_all(fd, frame("(request :verb fetch :path \"/vault\" :cookies {:capabilities " + grant + "})") +
                         frame("(request :verb fetch :path \"/vault\" :cookies {:capabilities " + forged + "})"));
        got = read_frames(fd, 2, 5000ms);
        REQUIRE(got.count == 2);
        CHECK(got.payloads[0].find("gold") != std::string::npos);
        CHECK(got.payloads[1].find("gold") == std::string::npos);
        CHECK(got.payloads[1].find("forbidden") != std::string::npos);
        ::close(fd);
    });
}

TEST_CASE("hostile: framing garbage and huge lengths and deep nesting and invalid UTF-8") {
    with_prober({}, 32 << 10, [](server_process& srv) {
        struct probe {
            std::string bytes;
            std::string expect;
            bool closes;
        };
        const std::vector<probe> probes{
            {"abc\n", "malformed-frame", true},
            {"99999999999\n", "malformed-frame", true},   // eleven digits
            {"4294967295\n", "frame-too-large", true},
            {"\n", "malformed-frame", true},
            {frame(std::string(100000, '(')), "malformed-message", false},
            {frame("(request :verb fetch :path \"/items/\xff\xfe\")"), "malformed-message", false},
            {frame("(request :verb fetch :path \"/items/1\" :tag \"\xc0\x80\")"), "malformed-message", false},
        };
        for (const auto& p : probes) {
            INFO(p.expect);
            const int fd = connect_to(srv.port());
            REQUIRE(fd >= 0);
            send_all(fd, p.bytes);
            const auto got = read_frames(fd, 1, 5000ms);
            REQUIRE(got.count == 1);
            CHECK(got.payloads[0].find(p.expect) != std::string::npos);
            const auto after = read_frames(fd, 1, p.closes ? 5000ms : 300ms);
            CHECK(after.closed == p.closes);
            ::close(fd);
        }
    }, 100.0, [](const std::string& stats) {
        CHECK(server_process::stat(stats, "malformed-frame") >= 3);
        CHECK(server_process::stat(stats, "frame-too-large") >= 1);
        CHECK(server_process::stat(stats, "malformed-message") >= 3);
    });
}

TEST_CASE("hostile: slowloris and idle floods are closed by their timeouts") {
    with_prober({"--frame-read-timeout", "1000", "--idle-timeout", "1500"}, 48 << 10, [](server_process& srv) {
        std::vector<int> slow, idle;
        for (int i = 0; i < 200; ++i)
            if (const int fd = connect_to(srv.port(), "127.0.0.3"); fd >= 0) slow.push_back(fd);
        for (int i = 0; i < 200; ++i)
            if (const int fd = connect_to(srv.port(), "127.0.0.4"); fd >= 0) idle.push_back(fd);
        for (int fd : slow) send_all(fd, "40\n(request");
        // One byte every 300 ms: never a whole frame.
        for (int k = 0; k < 8; ++k) {
            std::this_thread::sleep_for(300ms);
            for (int fd : slow) send_all(fd, " ");
        }
        std::size_t closed = 0;
        for (int fd : slow) closed += read_frames(fd, 1, 100ms).closed ? 1 : 0;
        for (int fd : idle) closed += read_frames(fd, 1, 100ms).closed ? 1 : 0;
        CHECK(closed == slow.size() + idle.size());
        for (int fd : slow) ::close(fd);
        for (int fd : idle) ::close(fd);
    }, 100.0, [](const std::string& stats) {
        CHECK(server_process::stat(stats, "frame-read-timeout") >= 200);
        CHECK(server_process::stat(stats, "idle-timeout") >= 200);
    });
}

TEST_CASE("hostile: a half-closed connection gets every answer and then is closed") {
    with_prober({}, 32 << 10, [](server_process& srv) {
        const int fd = connect_to(srv.port());
        REQUIRE(fd >= 0);
        std::string all;
        for (int i = 0; i < 1000; ++i) all += frame("(request :verb fetch :path \"/later/" + std::to_string(i) + "\")");
        send_all(fd, all);
        ::shutdown(fd, SHUT_WR);
        const auto got = read_frames(fd, 1000, 10000ms);
        CHECK(got.count == 1000);
        CHECK(read_frames(fd, 1, 5000ms).closed);
        ::close(fd);
    });
}

TEST_CASE("hostile: a client that writes a whole large frame before reading its answers is not stalled") {
    // Answers it has not read yet and a 12 MB frame arriving: the server
    // must read the frame to its end (the frame buffer is bounded by the
    // frame limit, not paused on), then answer everything.
    with_prober({}, 96 << 10, [](server_process& srv) {
        const int fd = connect_to(srv.port());
        REQUIRE(fd >= 0);
        std::string all = repeat(frame(R"((request :verb ping :path "/"))"), 2000);
        all += frame("(request :verb ping :path \"/\" :body \"" + std::string(12 << 20, 'x') + "\")");
        background_send w(fd, std::move(all));
        const bool written = w.finished_within(20s);  // the whole write, before anything is read
        CHECK(written);
        if (!written) ::shutdown(fd, SHUT_RDWR);  // a stalled server: unblock the writer
        w.join();
        if (written) {
            const auto got = read_frames(fd, 2001, 10000ms);
            CHECK(got.count == 2001);
        }
        ::close(fd);
    }, big_frame_p99_ms);
}
