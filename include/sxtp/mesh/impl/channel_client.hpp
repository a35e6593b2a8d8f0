// Definitions for sxtp/mesh/channel_client.hpp.
#ifndef SXTP_MESH_IMPL_CHANNEL_CLIENT_HPP
#define SXTP_MESH_IMPL_CHANNEL_CLIENT_HPP

#include <sxtp/mesh/impl/channel_link.hpp>

namespace sxtp::mesh {

inline channel::~channel() {
    if (!s_->closed)
        if (auto link = s_->link.lock()) link->reset(*s_);
}

inline bool channel::send(const channel_message& m) {
    auto link = s_->link.lock();
    if (s_->closed || s_->local_end || !link) return false;
    s_->out += frame_message(m);
    link->resume(*s_);
    return true;
}

inline void channel::end() {
    s_->local_end = true;
    if (auto link = s_->link.lock()) link->resume(*s_);
}

inline boost::asio::awaitable<std::optional<channel_message>> channel::next(std::chrono::steady_clock::time_point deadline) {
    auto s = s_;
    for (;;) {
        if (!s->inbox.empty()) {
            channel_message m = std::move(s->inbox.front().first);
            s->held -= s->inbox.front().second;
            s->inbox.pop_front();
            co_return m;
        }
        if (s->closed || s->remote_end) co_return std::nullopt;
        if (std::chrono::steady_clock::now() >= deadline) {
            s->error = "timeout";
            if (auto link = s->link.lock()) link->reset(*s);
            s->closed = true;
            co_return std::nullopt;
        }
        s->wake.expires_at(deadline);
        s->waiting = true;
        boost::system::error_code ec;
        co_await s->wake.async_wait(boost::asio::redirect_error(boost::asio::use_awaitable, ec));
        s->waiting = false;
    }
}

inline const std::string& channel::error() const noexcept { return s_->error; }
inline bool channel::written() const noexcept { return s_->written; }
inline int channel::http_status() const noexcept { return s_->http_status; }

inline channel_client::channel_client(executor_type ex, std::string host, unsigned short port, channel_client_options o)
    : ex_(std::move(ex)), host_(std::move(host)), port_(port), options_(std::move(o)) {}

inline channel_client::~channel_client() { close(); }

inline void channel_client::close() {
    if (link_) link_->fail("closed");
    link_.reset();
}

inline boost::asio::awaitable<std::shared_ptr<channel>> channel_client::open(std::string* why) {
    if (!link_ || link_->dead()) link_ = std::make_shared<detail::channel_link>(ex_, options_);
    auto link = link_;
    std::string failed;
    if (!co_await link->ready(host_, port_, failed)) {
        if (why) *why = failed;
        co_return nullptr;
    }
    auto s = link->open_stream(host_, port_, failed);
    if (!s) {
        if (why) *why = failed;
        co_return nullptr;
    }
    co_return std::make_shared<channel>(std::move(s));
}

inline response response_of(const function_info& f, const channel_message& m) {
    auto malformed = [](std::string problem) {
        return condition_response(status_code::invalid,
                                  make_condition(sxtp::conditions::malformed_result{":payload", std::move(problem)}, "the node's answer does not read"));
    };
    const auto* st = m.metadata.if_contains("status");
    const auto* err = m.metadata.if_contains("error");
    if (st && !st->is_string()) return malformed("metadata.status is not a string");
    response r;
    // A node written to seed 003 alone says no status: its answer is its payload.
    r.status = sxtp::status(st ? std::string_view(st->as_string()) : std::string_view(err ? "error" : "ok"));
    try {
        if (err && err->is_object()) {
            sx::value c = from_json(*err);
            if (auto* t = c.find("type"); !t || !t->is_string()) return malformed("metadata.error has no string type");
            typed::from_plain<condition>(c);
            auto cond = typed::try_from_sx<condition>(c);
            if (!cond) return malformed("metadata.error: " + cond.error().message());
            if (r.status.is_success()) r.status = sxtp::status(status_code::error);
            r.body = typed::to_sx(*cond);
            return r;
        }
        if (!r.status.is_success()) {  // a failure without an error object: still a condition
            condition c;
            c.type = sx::symbol("error");
            c.message = "the node answered " + std::string(r.status.name()) + " without metadata.error";
            r.body = typed::to_sx(c);
            return r;
        }
        if (!m.payload.is_null() || f.result_to_plain) {
            sx::value body = from_json(m.payload);
            if (f.result_from_plain) f.result_from_plain(body);
            r.body = std::move(body);
        }
    } catch (const std::exception& e) {
        return malformed(e.what());
    }
    return r;
}

inline channel_message message_of(const function_info& f, const sxtp::request& req, sx::value plain_payload) {
    channel_message m;
    m.function_name = f.name;
    m.payload = to_json(plain_payload);
    if (req.headers) {
        sx::value h = typed::to_sx(*req.headers);
        typed::to_plain<sxtp::headers>(h);
        if (h.is_dict())
            for (auto e : h.entries()) m.metadata[std::string(e.key.name())] = to_json(e.val);
    }
    if (req.auth) {
        sx::value a = *req.auth;
        if (a.is_list() && !a.empty() && a[0].is_symbol("hmac")) {
            typed::to_plain<security::hmac_auth>(a);
            m.metadata["auth"] = to_json(a);
        }
    }
    return m;
}

inline response channel_failure(const channel* ch, std::string not_opened) {
    if (ch && ch->error() == "timeout")
        return condition_response(status_code::error, make_condition(sxtp::conditions::deadline_exceeded{}, "deadline exceeded"));
    const bool sent = ch && ch->written();
    std::string why = std::move(not_opened);
    if (ch) {
        if (ch->http_status() != 0 && ch->http_status() != 200) why = "the node answered the channel with HTTP status " + std::to_string(ch->http_status());
        else why = ch->error().empty() ? "the channel ended without an answer" : ch->error();
    }
    condition c = make_condition(sxtp::conditions::connection_failed{std::move(why)},
                                 sent ? "the connection broke before the answer came" : "could not send the request");
    c.retry = !sent;
    return condition_response(status_code::unavailable, std::move(c));
}

namespace detail {

// mesh_client's caller of a Mesh-transport node: one channel per call.
class h2_node_caller final : public node_caller {
public:
    h2_node_caller(const boost::asio::any_io_executor& ex, const node& n, channel_client_options o)
        : needs_tls_(n.mesh_tls && !o.tls), client_(ex, n.host, n.mesh_port, plain_or_tls(std::move(o), n.mesh_tls)) {}

    boost::asio::awaitable<response> call(const function_info& f, const sxtp::request& req, sx::value payload, call_options opts) override {
        using clock = std::chrono::steady_clock;
        const auto timeout = opts.timeout.value_or(std::chrono::milliseconds(30000));
        const auto deadline = clock::now() + timeout;
        sxtp::request r = req;
        if (opts.headers || opts.timeout || opts.trace) {
            if (!r.headers) r.headers = opts.headers.value_or(sxtp::headers{});
            if (opts.timeout) r.headers->timeout_ms = opts.timeout->count();
            if (opts.trace) r.headers->other.insert_or_assign(sx::keyword("traceparent"), sx::value(opts.trace->traceparent()));
        }
        channel_message m;
        try {
            m = message_of(f, r, std::move(payload));
        } catch (const std::exception& e) {
            co_return condition_response(status_code::invalid, make_condition(sxtp::conditions::invalid_params{":payload", e.what()}, "the call has no JSON form"));
        }
        if (needs_tls_) co_return channel_failure(nullptr, "the node speaks h2 over TLS: set channel_client_options::tls");
        std::string why;
        auto ch = co_await client_.open(&why);
        if (!ch) co_return channel_failure(nullptr, why);
        ch->send(m);
        ch->end();
        std::optional<channel_message> last;
        while (auto a = co_await ch->next(deadline)) last = std::move(a);
        const bool answered = last && ch->error().empty() && (ch->http_status() == 0 || ch->http_status() == 200);
        co_return answered ? response_of(f, *last) : channel_failure(ch.get());
    }

    void close() override { client_.close(); }

private:
    static channel_client_options plain_or_tls(channel_client_options o, bool tls) {
        if (!tls) o.tls = nullptr;  // an h2c node: no TLS even when a context is given
        return o;
    }
    bool needs_tls_;
    channel_client client_;
};

} // namespace detail

inline node_caller_factory http2_transport(channel_client_options o) {
    return [o](const boost::asio::any_io_executor& ex, const node& n) -> std::unique_ptr<node_caller> {
        return std::make_unique<detail::h2_node_caller>(ex, n, o);
    };
}

} // namespace sxtp::mesh

#endif
