// The gRPC peer of bench_rpc (see grpc_unary.hpp).
#include "grpc_unary.hpp"

#include "items.grpc.pb.h"

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <cstdlib>
#include <functional>
#include <string>
#include <thread>

namespace bench_grpc {

namespace {

using clock_type = std::chrono::steady_clock;
using service_type = sxtp_bench::Items::AsyncService;

// One server call of any method: requested, answered, then freed.
struct server_call {
    virtual ~server_call() = default;
    // Its request arrived: ask for the next call of the method, then answer.
    virtual void answer() = 0;
    grpc::ServerContext ctx;
    bool answered = false;
};

// A call of one method: `request` asks the service for it (RequestFetch…),
// `reply` makes the answer.
template <class Req, class Res>
struct call_of final : server_call {
    using request_fn = std::function<void(call_of*)>;
    using reply_fn = Res (*)(const Req&);
    call_of(request_fn rq, reply_fn rp) : request(std::move(rq)), reply(rp) { request(this); }
    Req req;
    grpc::ServerAsyncResponseWriter<Res> writer{&ctx};
    request_fn request;
    reply_fn reply;
    void answer() override {
        new call_of(request, reply);
        answered = true;
        writer.Finish(reply(req), grpc::Status::OK, this);
    }
};

sxtp_bench::Item fetch_reply(const sxtp_bench::ItemRef& r) {
    sxtp_bench::Item item;
    item.set_id(r.id());
    item.set_name("widget");
    item.set_stock(17);
    return item;
}
sxtp_bench::Empty ping_reply(const sxtp_bench::Empty&) { return {}; }
sxtp_bench::Receipt order_reply(const sxtp_bench::Order& o) {
    std::int64_t total = 0;
    for (const auto& l : o.lines()) total += l.quantity() * l.price_cents();
    sxtp_bench::Receipt r;
    r.set_id(1001);
    r.set_total_cents(total);
    r.set_state("accepted");
    return r;
}

} // namespace

struct unary_server::impl {
    service_type service;
    std::unique_ptr<grpc::ServerCompletionQueue> cq;
    std::unique_ptr<grpc::Server> server;
    int port = 0;
    std::thread poller;

    // Enough outstanding calls of each method for 16 connections x 64 calls.
    void request_calls() {
        auto* q = cq.get();
        auto* s = &service;
        for (int i = 0; i < 1100; ++i) {
            new call_of<sxtp_bench::ItemRef, sxtp_bench::Item>(
                [s, q](auto* c) { s->RequestFetch(&c->ctx, &c->req, &c->writer, q, q, c); }, &fetch_reply);
            new call_of<sxtp_bench::Empty, sxtp_bench::Empty>([s, q](auto* c) { s->RequestPing(&c->ctx, &c->req, &c->writer, q, q, c); },
                                                              &ping_reply);
            new call_of<sxtp_bench::Order, sxtp_bench::Receipt>(
                [s, q](auto* c) { s->RequestCreateOrder(&c->ctx, &c->req, &c->writer, q, q, c); }, &order_reply);
        }
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
            c->answer();
        }
    }
};

unary_server::unary_server() : impl_(std::make_unique<impl>()) {
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &impl_->port);
    builder.RegisterService(&impl_->service);
    impl_->cq = builder.AddCompletionQueue();
    impl_->server = builder.BuildAndStart();
    impl_->request_calls();
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
    virtual ~client_call() = default;
    virtual bool good() const = 0;
    grpc::ClientContext ctx;
    grpc::Status status;
    int channel = 0;
    clock_type::time_point t0;
};
template <class Res>
struct client_call_of final : client_call {
    Res reply;
    std::unique_ptr<grpc::ClientAsyncResponseReader<Res>> rpc;
    bool (*check)(const Res&) = nullptr;
    bool good() const override { return status.ok() && check(reply); }
};

sxtp_bench::Order sample_order() {
    sxtp_bench::Order o;
    o.set_customer(7);
    o.set_currency("EUR");
    const struct {
        const char* sku;
        std::int64_t quantity, price;
    } lines[] = {{"A-100", 2, 1250}, {"B-200", 1, 4999}, {"C-300", 5, 199}};
    for (const auto& l : lines) {
        auto* line = o.add_lines();
        line->set_sku(l.sku);
        line->set_quantity(l.quantity);
        line->set_price_cents(l.price);
    }
    o.set_note("leave at the door");
    o.set_priority(2);
    o.set_channel("web");
    return o;
}

} // namespace

run_result drive(int port, int channels, int depth, double seconds, method m) {
    std::vector<std::unique_ptr<sxtp_bench::Items::Stub>> stubs;
    for (int i = 0; i < channels; ++i) {
        grpc::ChannelArguments args;
        args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);  // a connection per channel
        auto ch = grpc::CreateCustomChannel("127.0.0.1:" + std::to_string(port), grpc::InsecureChannelCredentials(), args);
        if (!ch->WaitForConnected(std::chrono::system_clock::now() + std::chrono::seconds(5))) std::abort();
        stubs.push_back(sxtp_bench::Items::NewStub(ch));
    }
    grpc::CompletionQueue cq;
    sxtp_bench::ItemRef ref;
    ref.set_id(42);
    const sxtp_bench::Empty empty;
    const sxtp_bench::Order order = sample_order();
    auto start_call = [&](int channel) {
        auto& stub = *stubs[static_cast<std::size_t>(channel)];
        client_call* call = nullptr;
        if (m == method::fetch) {
            auto* c = new client_call_of<sxtp_bench::Item>;
            c->check = [](const sxtp_bench::Item& i) { return i.stock() == 17; };
            c->rpc = stub.AsyncFetch(&c->ctx, ref, &cq);
            c->rpc->Finish(&c->reply, &c->status, c);
            call = c;
        } else if (m == method::ping) {
            auto* c = new client_call_of<sxtp_bench::Empty>;
            c->check = [](const sxtp_bench::Empty&) { return true; };
            c->rpc = stub.AsyncPing(&c->ctx, empty, &cq);
            c->rpc->Finish(&c->reply, &c->status, c);
            call = c;
        } else {
            auto* c = new client_call_of<sxtp_bench::Receipt>;
            c->check = [](const sxtp_bench::Receipt& r) { return r.total_cents() == 2 * 1250 + 4999 + 5 * 199; };
            c->rpc = stub.AsyncCreateOrder(&c->ctx, order, &cq);
            c->rpc->Finish(&c->reply, &c->status, c);
            call = c;
        }
        call->channel = channel;
        call->t0 = clock_type::now();
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
        if (!ok || !c->good()) std::abort();
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
