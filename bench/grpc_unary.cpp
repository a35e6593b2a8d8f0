// The gRPC peer of bench_rpc (see grpc_unary.hpp).
#include "grpc_unary.hpp"

#include "items.grpc.pb.h"

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <cstdlib>
#include <string>
#include <thread>

namespace bench_grpc {

namespace {

using clock_type = std::chrono::steady_clock;

// One server call: requested, then answered, then freed.
struct server_call {
    grpc::ServerContext ctx;
    sxtp_bench::ItemRef req;
    grpc::ServerAsyncResponseWriter<sxtp_bench::Item> writer{&ctx};
    bool answered = false;
};

} // namespace

struct unary_server::impl {
    sxtp_bench::Items::AsyncService service;
    std::unique_ptr<grpc::ServerCompletionQueue> cq;
    std::unique_ptr<grpc::Server> server;
    int port = 0;
    std::thread poller;

    void request() {
        auto* c = new server_call;
        service.RequestFetch(&c->ctx, &c->req, &c->writer, cq.get(), cq.get(), c);
    }
    void poll() {
        void* tag = nullptr;
        bool ok = false;
        while (cq->Next(&tag, &ok)) {
            auto* c = static_cast<server_call*>(tag);
            if (!ok || c->answered) {
                delete c;
                continue;
            }
            request();  // keep one call waiting for the next request
            sxtp_bench::Item item;
            item.set_id(c->req.id());
            item.set_name("widget");
            item.set_stock(17);
            c->answered = true;
            c->writer.Finish(item, grpc::Status::OK, c);
        }
    }
};

unary_server::unary_server() : impl_(std::make_unique<impl>()) {
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &impl_->port);
    builder.RegisterService(&impl_->service);
    impl_->cq = builder.AddCompletionQueue();
    impl_->server = builder.BuildAndStart();
    // enough outstanding requests for 16 connections x 64 calls
    for (int i = 0; i < 1100; ++i) impl_->request();
    impl_->poller = std::thread([this] { impl_->poll(); });
}

unary_server::~unary_server() {
    impl_->server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(1));
    impl_->cq->Shutdown();
    impl_->poller.join();
}

int unary_server::port() const { return impl_->port; }

namespace {

struct client_call {
    grpc::ClientContext ctx;
    sxtp_bench::Item reply;
    grpc::Status status;
    std::unique_ptr<grpc::ClientAsyncResponseReader<sxtp_bench::Item>> rpc;
    int channel = 0;
    clock_type::time_point t0;
};

} // namespace

run_result drive(int port, int channels, int depth, double seconds) {
    std::vector<std::unique_ptr<sxtp_bench::Items::Stub>> stubs;
    for (int i = 0; i < channels; ++i) {
        grpc::ChannelArguments args;
        args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);  // a connection per channel
        auto ch = grpc::CreateCustomChannel("127.0.0.1:" + std::to_string(port), grpc::InsecureChannelCredentials(), args);
        if (!ch->WaitForConnected(std::chrono::system_clock::now() + std::chrono::seconds(5))) std::abort();
        stubs.push_back(sxtp_bench::Items::NewStub(ch));
    }
    grpc::CompletionQueue cq;
    sxtp_bench::ItemRef req;
    req.set_id(42);
    auto start_call = [&](int channel) {
        auto* c = new client_call;
        c->channel = channel;
        c->t0 = clock_type::now();
        c->rpc = stubs[static_cast<std::size_t>(channel)]->AsyncFetch(&c->ctx, req, &cq);
        c->rpc->Finish(&c->reply, &c->status, c);
    };
    run_result r;
    r.latencies_us.reserve(1 << 20);
    const auto start = clock_type::now();
    const auto until = start + std::chrono::duration_cast<clock_type::duration>(std::chrono::duration<double>(seconds));
    for (int ch = 0; ch < channels; ++ch)
        for (int d = 0; d < depth; ++d) start_call(ch);
    int outstanding = channels * depth;
    void* tag = nullptr;
    bool ok = false;
    while (outstanding > 0 && cq.Next(&tag, &ok)) {
        auto* c = static_cast<client_call*>(tag);
        const auto now = clock_type::now();
        if (!ok || !c->status.ok() || c->reply.stock() != 17) std::abort();
        r.latencies_us.push_back(std::chrono::duration<double, std::micro>(now - c->t0).count());
        const int channel = c->channel;
        delete c;
        --outstanding;
        if (now < until) {
            start_call(channel);
            ++outstanding;
        }
    }
    r.seconds = std::chrono::duration<double>(clock_type::now() - start).count();
    cq.Shutdown();
    while (cq.Next(&tag, &ok)) {}
    return r;
}

} // namespace bench_grpc
