// sxtp/mesh/channel_stream.hpp — a streaming endpoint called over the Mesh
// transport: the chunk and event messages of one channel read as E's typed
// stream items, then its final answer as reply<E> (docs/mesh.md, "Wire").
//
//   mesh::channel_client node(ex, host, mesh_port, {.service_name = "orders"});
//   auto s = co_await mesh::open_stream<count_to>(node, {.n = 5});
//   while (auto n = co_await s.next()) use(*n);   // E::chunk, event_of<E>, or a variant of both
//   sxtp::reply<count_to> r = s.result();         // the final answer, or why it failed
//
// As client::open<E> does for SXTP: the items have E's types (made typed
// again from JSON, sxtp/typed/plain.hpp); an item that does not decode ends
// the stream malformed-result and resets the channel. Needs sxtp::mesh_http2.
#ifndef SXTP_MESH_CHANNEL_STREAM_HPP
#define SXTP_MESH_CHANNEL_STREAM_HPP

#include <sxtp/client/call_stream.hpp>
#include <sxtp/mesh/channel_client.hpp>

namespace sxtp::mesh {

namespace detail {
// An event body made typed again for the declared event called `name`.
template <class... Es>
void event_from_plain(const sxtp::events<Es...>*, std::string_view name, sx::value& v) {
    (void)((name == Es::sxtp_event ? (typed::from_plain<Es>(v), true) : false) || ...);
}
} // namespace detail

/// The typed stream answer of a call of E over a channel (see above).
template <class E>
class channel_stream {
public:
    static_assert(server_streams<E>, "sxtp::mesh::channel_stream<E>: E's answer is not a stream; call it with mesh_client::call<E>");
    using item_type = sxtp::detail::stream_item_of<E>;

    /// A stream that failed before it began (`why` as the answer).
    explicit channel_stream(response why) : final_(std::move(why)) {}
    /// The answers of `ch`, read until `deadline`.
    channel_stream(std::shared_ptr<channel> ch, std::chrono::steady_clock::time_point deadline) : ch_(std::move(ch)), deadline_(deadline) {}

    /// The next chunk or event; std::nullopt once the final answer is in (or the stream failed).
    boost::asio::awaitable<std::optional<item_type>> next() {
        static const function_info f = function_of<E>();
        while (!final_) {
            auto m = co_await ch_->next(deadline_);
            if (!m) {
                final_ = channel_failure(ch_.get());
                break;
            }
            std::string problem;
            try {
                if (const auto* n = m->metadata.if_contains("chunk")) {
                    if constexpr (!std::is_same_v<typename E::chunk, no_chunk>) {
                        sx::value v = from_json(m->payload);
                        typed::from_plain<typename E::chunk>(v);
                        auto c = typed::try_from_sx<typename E::chunk>(v);
                        if (c) co_return std::optional<item_type>(std::in_place, std::move(*c));
                        problem = ":chunk " + boost::json::serialize(*n) + (c.error().path.empty() ? "" : " " + c.error().path_string()) + ": " +
                                  c.error().message();
                    } else {
                        problem = ":chunk: this endpoint streams events only";
                    }
                } else if (const auto* ev = m->metadata.if_contains("event")) {
                    if constexpr (E::events::size > 0) {
                        if (!ev->is_string()) {
                            problem = ":event: not a string";
                        } else {
                            sxtp::event e;
                            const std::string_view name = ev->as_string();
                            if (!sx::is_valid_symbol_name(name)) continue;  // no event E declares
                            e.type = sx::symbol(std::string(name));
                            sx::value body = from_json(m->payload);
                            detail::event_from_plain(static_cast<const typename E::events*>(nullptr), name, body);
                            e.body = std::move(body);
                            auto got = sxtp::detail::received_event_for<typename E::events>::decode(e, problem);
                            if (got) co_return std::optional<item_type>(std::in_place, std::move(*got));
                            if (problem.empty()) continue;  // an event E does not declare: skipped
                        }
                    } else {
                        continue;
                    }
                } else {
                    final_ = response_of(f, *m);  // the final answer
                    break;
                }
            } catch (const std::exception& e) {
                problem = e.what();
            }
            ch_.reset();  // resets the channel
            final_ = condition_response(status_code::invalid, make_condition(sxtp::conditions::malformed_result{problem, "does not decode"},
                                                                            "the stream sent what the endpoint does not declare: " + problem));
        }
        co_return std::nullopt;
    }

    /// Whether the final answer is in (or the stream failed).
    bool ended() const noexcept { return final_.has_value(); }
    /// Ended, with a success.
    bool ok() const noexcept { return final_ && final_->status.is_success(); }
    /// The final answer as reply<E> (a condition while it has not ended).
    reply<E> result() const {
        if (!final_)
            return reply<E>::from_wire(status_code::error, make_condition(sxtp::conditions::internal_error{}, "the stream has not ended: read it to its end"));
        return client::reply_from<E>(*final_);
    }

private:
    std::shared_ptr<channel> ch_;
    std::chrono::steady_clock::time_point deadline_{};
    std::optional<response> final_;
};

/// Opens a channel to `node`, sends a call of streaming endpoint E, and
/// returns its stream (one that already failed when the node cannot be
/// reached). `opts.timeout` bounds the whole stream — 30 s when not given:
/// pass a longer one for long-lived streams (it is also sent as `timeout-ms`).
/// (Braces build params and body inside the call: safe under g++ 12, typed/call_arg.hpp.)
template <class E>
boost::asio::awaitable<channel_stream<E>> open_stream(channel_client& node, call_arg<typename E::params> p, call_arg<typename E::body> b = {},
                                                      call_options opts = {}) {
    static const function_info f = function_of<E>();
    const typename E::params params = std::move(p).take();
    const typename E::body body = std::move(b).take();
    const auto deadline = std::chrono::steady_clock::now() + opts.timeout.value_or(std::chrono::milliseconds(30000));
    sxtp::request req;
    if (opts.headers || opts.timeout) {
        req.headers = opts.headers.value_or(sxtp::headers{});
        if (opts.timeout) req.headers->timeout_ms = opts.timeout->count();
    }
    std::string why;
    auto ch = co_await node.open(&why);
    if (!ch) co_return channel_stream<E>(channel_failure(nullptr, why));
    ch->send(message_of(f, req, plain_payload_of<E>(params, body)));
    ch->end();
    co_return channel_stream<E>(std::move(ch), deadline);
}

} // namespace sxtp::mesh

#endif
