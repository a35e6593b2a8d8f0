// Unary RPC over loopback TCP, each server in a process of its own pinned to
// core 0 (`taskset -c 0`), the load on core 1 (this process): sxtp's typed
// server against gRPC 1.51, Boost.Beast HTTP/1.1 + Boost.JSON, and the raw
// limit — an Asio server that reads the same frames and writes the same
// answer bytes as the sxtp server, doing nothing else.
//
//   bench_rpc [seconds-per-measurement [sxtp]]    ("sxtp": only sxtp's rows)
//   bench_rpc SECONDS load PORT CALL CONNS DEPTH   only the load client, against a
//                                                  server started by hand (for perf)
//
// The four calls are those of rpc_calls.hpp (ping; fetch /items/{id} from a
// plain handler; the same from a coroutine handler; create /orders with an
// 8-field body); three shapes each: one connection with one call at a time,
// 16 connections with one each, one connection with 64 calls in flight.
// sxtp and the raw limit get the same independent load client: it writes
// pre-encoded request frames (tags 0…depth-1) and reads answer frames,
// matching them by tag, so the client costs both servers alike and never
// runs sxtp's client library. Beast gets the same client with HTTP/1.1
// requests (pipelined for 64 in flight); gRPC its own async client. Every
// measurement is the best of three; the server's CPU time per call comes
// from /proc/PID/stat. The ratios printed are sxtp / raw limit in the same
// run, with the targets.
#include "grpc_unary.hpp"
#include "http_json.hpp"
#include "load.hpp"
#include "measure.hpp"
#include "rpc_calls.hpp"

#include <boost/json/src.hpp>

#include <sched.h>

#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <vector>

using bench_calls::call;
using bench_load::measurement;

namespace {

struct shape {
    const char* name;
    int connections;
    int depth;
};
constexpr shape shapes[] = {{"1 conn", 1, 1}, {"16 conns", 16, 1}, {"1 conn, 64 in flight", 1, 64}};

bench_grpc::method grpc_method(call c) {
    return c == call::ping ? bench_grpc::method::ping : c == call::create ? bench_grpc::method::create_order : bench_grpc::method::fetch;
}

void row(std::string_view c, const shape& s, const char* peer, const measurement& m, std::FILE* data) {
    std::printf("| %-30s | %-21s | %-22s | %10.0f | %7.1f | %7.1f | %6.2f |\n", std::string(c).c_str(), s.name, peer, m.rps, m.p50_us, m.p99_us,
                m.server_cpu_us);
    if (data)
        std::fprintf(data, "%s\t%s\t%s\t%.0f\t%.1f\t%.1f\t%.2f\n", std::string(c).c_str(), s.name, peer, m.rps, m.p50_us, m.p99_us, m.server_cpu_us);
}

} // namespace

int main(int argc, char** argv) {
    const double seconds = argc > 1 ? std::atof(argv[1]) : 1.0;
    const std::string only = argc > 2 ? argv[2] : "";  // "sxtp": only the sxtp rows (for profiling the server)
    bench_load::pin_to_core(1);
    if (only == "load" && argc > 6) {
        std::vector<std::string> frames;
        for (call c : bench_calls::all_calls)
            if (bench_calls::short_name(c) == argv[4])
                for (int tag = 0; tag < 64; ++tag) frames.push_back(bench_calls::request_frame(c, tag));
        if (frames.empty()) return 2;
        const auto m = bench_load::drive_frames(static_cast<unsigned short>(std::atoi(argv[3])), frames, std::atoi(argv[5]), std::atoi(argv[6]), seconds);
        std::printf("%.0f req/s, p50 %.1f us, p99 %.1f us\n", m.rps, m.p50_us, m.p99_us);
        return 0;
    }
    const std::string server_exe = bench_load::sibling("bench_rpc_server");

    // The sxtp server's answers are the raw limit's: checked byte for byte.
    bench_load::server_process sxtp_server(server_exe, {"sxtp"});
    for (call c : bench_calls::all_calls) {
        const std::string got = bench_load::one_answer(sxtp_server.port(), bench_calls::request_frame(c, 3));
        if (got != bench_calls::answer_frame(c, 3)) {
            std::fprintf(stderr, "the sxtp server's answer to %s differs from the raw limit's:\n%s\n%s\n", std::string(bench_calls::name(c)).c_str(),
                         got.c_str(), bench_calls::answer_frame(c, 3).c_str());
            return 1;
        }
    }

    auto data = bench_support::data_file("rpc.tsv");
    std::printf("Unary RPC over loopback TCP: each server in its own process on core 0, the load client on core 1;\n"
                "best of 3 runs of %.1f s; server CPU is the server process's user+system time per call\n\n",
                seconds);
    std::printf("| %-30s | %-21s | %-22s | %10s | %7s | %7s | %6s |\n", "call", "shape", "peer", "req/s", "p50 us", "p99 us", "CPU us");
    std::printf("|--------------------------------|-----------------------|------------------------|------------|---------|---------|--------|\n");

    std::map<std::pair<call, int>, measurement> sx, raw;
    for (call c : bench_calls::all_calls) {
        std::vector<std::string> frames;
        for (int tag = 0; tag < 64; ++tag) frames.push_back(bench_calls::request_frame(c, tag));
        bench_load::server_process raw_server(server_exe, {"raw", std::string(bench_calls::short_name(c))});
        for (int i = 0; i < 3; ++i) {
            const shape& s = shapes[i];
            sx[{c, i}] = bench_load::best_of_3(sxtp_server, [&] { return bench_load::drive_frames(sxtp_server.port(), frames, s.connections, s.depth, seconds); });
            row(bench_calls::name(c), s, "sxtp", sx[{c, i}], data.get());
            if (only == "sxtp") continue;
            raw[{c, i}] = bench_load::best_of_3(raw_server, [&] { return bench_load::drive_frames(raw_server.port(), frames, s.connections, s.depth, seconds); });
            row(bench_calls::name(c), s, "raw Asio limit", raw[{c, i}], data.get());
        }
    }
    if (only == "sxtp") return 0;

    // The peers: gRPC and Beast + JSON, the same calls and shapes.
    bench_load::server_process grpc_server(server_exe, {"grpc"});
    bench_load::server_process beast_server(server_exe, {"beast"});
    std::map<std::pair<call, int>, measurement> grpc, beast;
    for (call c : bench_calls::all_calls) {
        const std::string http_request = bench_http::request_of(c);
        for (int i = 0; i < 3; ++i) {
            const shape& s = shapes[i];
            grpc[{c, i}] = bench_load::best_of_3(grpc_server, [&] {
                auto r = bench_grpc::drive(grpc_server.port(), s.connections, s.depth, seconds, grpc_method(c));
                return bench_load::summarise(r.latencies_us, r.seconds);
            });
            row(bench_calls::name(c), s, "gRPC 1.51", grpc[{c, i}], data.get());
            beast[{c, i}] = bench_load::best_of_3(beast_server, [&] { return bench_load::drive_http(beast_server.port(), http_request, s.connections, s.depth, seconds); });
            row(bench_calls::name(c), s, "Beast HTTP/1.1 + JSON", beast[{c, i}], data.get());
        }
    }

    std::printf("\nsxtp / raw Asio limit (same run): req/s, and p50 (raw / sxtp: above 1 is sxtp slower)\n");
    std::printf("| %-30s | %-21s | %8s | %8s | %10s | %10s |\n", "call", "shape", "req/s", "p50", "vs gRPC", "vs Beast");
    std::printf("|--------------------------------|-----------------------|----------|----------|------------|------------|\n");
    for (call c : bench_calls::all_calls)
        for (int i = 0; i < 3; ++i) {
            const auto& a = sx[{c, i}];
            std::printf("| %-30s | %-21s | %7.2fx | %7.2fx | %9.2fx | %9.2fx |\n", std::string(bench_calls::name(c)).c_str(), shapes[i].name, a.rps / raw[{c, i}].rps,
                        a.p50_us / raw[{c, i}].p50_us, a.rps / grpc[{c, i}].rps, a.rps / beast[{c, i}].rps);
        }

    std::printf("\ntargets (sxtp / raw limit, same run):\n");
    using bench_support::target;
    for (call c : bench_calls::all_calls)
        for (int i = 0; i < 2; ++i) {
            const std::string what = std::string(bench_calls::short_name(c)) + ", " + shapes[i].name;
            target((what + ": req/s").c_str(), sx[{c, i}].rps / raw[{c, i}].rps, 0.95, true);
            target((what + ": p50").c_str(), sx[{c, i}].p50_us / raw[{c, i}].p50_us, 1.1, false);
        }
    target("fetch, 64 in flight: req/s", sx[{call::fetch, 2}].rps / raw[{call::fetch, 2}].rps, 0.7, true);
    target("fetch-async, 64 in flight: req/s", sx[{call::fetch_async, 2}].rps / raw[{call::fetch_async, 2}].rps, 0.5, true);
    target("create, 64 in flight: req/s", sx[{call::create, 2}].rps / raw[{call::create, 2}].rps, 0.5, true);

    // One no-op interceptor against none (the default: the request path
    // calls and reads nothing for them), 64 in flight on fetch.
    {
        bench_load::server_process with(server_exe, {"sxtp", "--interceptor"});
        std::vector<std::string> frames;
        for (int tag = 0; tag < 64; ++tag) frames.push_back(bench_calls::request_frame(call::fetch, tag));
        const auto m = bench_load::best_of_3(with, [&] { return bench_load::drive_frames(with.port(), frames, 1, 64, seconds); });
        std::printf("\nfetch, 64 in flight, one no-op interceptor: %.0f req/s, %.2f us CPU/call; none: %.0f req/s, %.2f us (%.2fx)\n", m.rps, m.server_cpu_us,
                    sx[{call::fetch, 2}].rps, sx[{call::fetch, 2}].server_cpu_us, m.rps / sx[{call::fetch, 2}].rps);
    }
    return 0;
}
