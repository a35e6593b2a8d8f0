// The gRPC 1.51 peer of bench_rpc: an async (completion-queue) unary server
// polled by one thread, and an async client driven by one thread. Kept in its
// own TU so that bench_rpc.cpp does not include gRPC's headers.
#ifndef SXTP_BENCH_GRPC_UNARY_HPP
#define SXTP_BENCH_GRPC_UNARY_HPP

#include <memory>
#include <vector>

namespace bench_grpc {

/// Latencies (µs) and completed calls of one measurement.
struct run_result {
    std::vector<double> latencies_us;
    double seconds = 0;
};

/// A server on 127.0.0.1 (port chosen by the system) of the three methods,
/// whose completion queue one thread polls; stopped by the destructor.
class unary_server {
public:
    unary_server();
    ~unary_server();
    unary_server(const unary_server&) = delete;
    unary_server& operator=(const unary_server&) = delete;
    int port() const;

private:
    struct impl;
    std::unique_ptr<impl> impl_;
};

/// The calls: Ping(Empty), Fetch(id 42), CreateOrder(the bench's order).
enum class method { ping, fetch, create_order };

/// Calls `m` for `seconds` from one client thread: `channels` channels,
/// each a TCP connection of its own (a local subchannel pool), with
/// `depth` calls outstanding on each.
run_result drive(int port, int channels, int depth, double seconds, method m = method::fetch);

} // namespace bench_grpc

#endif
