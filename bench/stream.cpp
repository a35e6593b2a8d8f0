// Server streaming over loopback TCP: events/s on one stream, sxtp subscribe
// against gRPC 1.51 server streaming of the same payload, in the same run.
//
//   bench_stream [events-per-run [sxtp|grpc]]   (naming one side runs only it: for profiling)
//
// Each side: one server thread, one client thread, one stream; the client
// reads every event and checks the sequence. The event carries the same
// fields in both: type, id, seq, title, attendees, time. sxtp runs with its
// flow control on (64-message window, credit as the client reads); gRPC
// with its defaults (HTTP/2 flow control), sync API on both ends (the
// fastest gRPC shape for one stream). Best of three runs each.
#include "events.grpc.pb.h"
#include "measure.hpp"

#include <sxtp/client/client.hpp>
#include <sxtp/server/server.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/hana/define_struct.hpp>

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <thread>

namespace asio = boost::asio;
using clock_type = std::chrono::steady_clock;

struct live_params {
    BOOST_HANA_DEFINE_STRUCT(live_params, (std::int64_t, count));
};
struct new_event {
    static constexpr std::string_view sxtp_event = "new-event";
    BOOST_HANA_DEFINE_STRUCT(new_event, (std::int64_t, seq), (std::string, title), (std::int64_t, attendees));
};
struct live : sxtp::endpoint<"subscribe", "/events/live"> {
    using params = live_params;
    using events = sxtp::events<new_event>;
    static constexpr bool streaming = true;
};

namespace {

double sxtp_run(std::int64_t n) {
    asio::io_context server_io;
    sxtp::server_options o;
    o.heartbeat_interval = std::chrono::milliseconds(0);
    sxtp::server srv(server_io.get_executor(), o);
    srv.handle<live>([](const live_params& p, const sxtp::no_body&, sxtp::stream<live>& out) -> asio::awaitable<void> {
        const std::string id = "evt-99";
        new_event e{0, "Poetry Slam", 87};
        for (std::int64_t i = 0; i < p.count; ++i) {
            e.seq = i;
            if (!co_await out.emit(e, id, 1711612860)) co_return;
        }
    });
    const auto where = srv.listen("sxtp://127.0.0.1:0");
    std::thread server_thread([&] { server_io.run(); });

    asio::io_context client_io;
    sxtp::client c(client_io.get_executor(), where);
    double seconds = 0;
    asio::co_spawn(client_io, [&]() -> asio::awaitable<void> {
        const live_params want{n};
        const auto t0 = clock_type::now();
        auto s = co_await c.open<live>(want);
        std::int64_t expected = 0;
        while (auto e = co_await s.next()) {
            if (e->get<new_event>()->seq != expected++) std::abort();
        }
        seconds = std::chrono::duration<double>(clock_type::now() - t0).count();
        if (expected != n || !s.ok()) std::abort();
        c.close();
    }, asio::detached);
    client_io.run();
    asio::post(server_io, [&] { srv.shutdown(std::chrono::seconds(1), [&] { server_io.stop(); }); });
    server_thread.join();
    return static_cast<double>(n) / seconds;
}

class events_service final : public sxtp_bench::Events::Service {
    grpc::Status Live(grpc::ServerContext*, const sxtp_bench::LiveRequest* req, grpc::ServerWriter<sxtp_bench::Event>* writer) override {
        sxtp_bench::Event e;
        e.set_type("new-event");
        e.set_id("evt-99");
        e.set_title("Poetry Slam");
        e.set_attendees(87);
        e.set_time(1711612860);
        for (std::int64_t i = 0; i < req->count(); ++i) {
            e.set_seq(i);
            if (!writer->Write(e)) break;
        }
        return grpc::Status::OK;
    }
};

double grpc_run(std::int64_t n) {
    events_service service;
    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
    builder.RegisterService(&service);
    builder.SetSyncServerOption(grpc::ServerBuilder::SyncServerOption::NUM_CQS, 1);
    builder.SetSyncServerOption(grpc::ServerBuilder::SyncServerOption::MIN_POLLERS, 1);
    builder.SetSyncServerOption(grpc::ServerBuilder::SyncServerOption::MAX_POLLERS, 1);
    auto server = builder.BuildAndStart();
    auto channel = grpc::CreateChannel("127.0.0.1:" + std::to_string(port), grpc::InsecureChannelCredentials());
    auto stub = sxtp_bench::Events::NewStub(channel);

    grpc::ClientContext ctx;
    sxtp_bench::LiveRequest req;
    req.set_count(n);
    const auto t0 = clock_type::now();
    auto reader = stub->Live(&ctx, req);
    sxtp_bench::Event e;
    std::int64_t expected = 0;
    while (reader->Read(&e))
        if (e.seq() != expected++) std::abort();
    const grpc::Status st = reader->Finish();
    const double seconds = std::chrono::duration<double>(clock_type::now() - t0).count();
    if (!st.ok() || expected != n) std::abort();
    server->Shutdown();
    return static_cast<double>(n) / seconds;
}

} // namespace

int main(int argc, char** argv) {
    const std::int64_t n = argc > 1 ? std::atoll(argv[1]) : 300000;
    const std::string only = argc > 2 ? argv[2] : "";
    double best_sxtp = 0, best_grpc = 0;
    for (int run = 0; run < 3; ++run) {
        if (only != "grpc") best_sxtp = std::max(best_sxtp, sxtp_run(n));
        if (only != "sxtp") best_grpc = std::max(best_grpc, grpc_run(n));
    }
    if (!only.empty()) {
        std::printf("%s: %.0f events/s\n", only.c_str(), only == "sxtp" ? best_sxtp : best_grpc);
        return 0;
    }
    std::printf("streaming: one server-stream, %lld events each (best of 3)\n", static_cast<long long>(n));
    std::printf("  %-28s %12s\n", "", "events/s");
    std::printf("  %-28s %12.0f\n", "sxtp subscribe", best_sxtp);
    std::printf("  %-28s %12.0f\n", "gRPC 1.51 server streaming", best_grpc);
    std::printf("\n");
    bench_support::target("streaming events/s, sxtp / gRPC", best_sxtp / best_grpc, 3, true);
    if (auto f = bench_support::data_file("stream.tsv")) {
        std::fprintf(f.get(), "\"sxtp subscribe\"\t%.0f\n", best_sxtp);
        std::fprintf(f.get(), "\"gRPC server streaming\"\t%.0f\n", best_grpc);
    }
}
