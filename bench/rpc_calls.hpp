// The four request types of bench_rpc, as every peer serves them:
//   ping                         (request :verb ping :path "/")
//   fetch /items/{id}            typed params → a 3-field struct, plain handler
//   fetch /async/items/{id}      the same from a coroutine handler
//   create /orders               an 8-field body (3 nested lines) → a 3-field struct
// and the bytes the load client sends and the raw Asio limit answers: the
// sxtp request frame of each type with tag T, and the sxtp server's answer
// frame to it (bench_rpc checks that the sxtp server answers exactly these).
#ifndef SXTP_BENCH_RPC_CALLS_HPP
#define SXTP_BENCH_RPC_CALLS_HPP

#include "items.hpp"

#include <sxtp/rpc/request_builder.hpp>
#include <sxtp/wire/messages.hpp>
#include <sxtp/wire/payload.hpp>

#include <boost/asio/awaitable.hpp>
#include <boost/hana/define_struct.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace bench_calls {

struct get_item_async : sxtp::endpoint<"fetch", "/async/items/{id}"> {
    using params = item_ref;
    using result = item;
};

struct order_line {
    BOOST_HANA_DEFINE_STRUCT(order_line, (std::string, sku), (std::int64_t, quantity), (std::int64_t, price_cents));
};
struct order {
    BOOST_HANA_DEFINE_STRUCT(order, (std::int64_t, customer), (std::string, currency), (std::vector<order_line>, lines), (std::string, note),
                             (bool, gift), (std::int64_t, priority), (std::string, coupon), (std::string, channel));
};
struct receipt {
    BOOST_HANA_DEFINE_STRUCT(receipt, (std::int64_t, id), (std::int64_t, total_cents), (std::string, state));
};
struct create_order : sxtp::endpoint<"create", "/orders"> {
    using body = order;
    using result = receipt;
};

inline order sample_order() {
    return {7, "EUR", {{"A-100", 2, 1250}, {"B-200", 1, 4999}, {"C-300", 5, 199}}, "leave at the door", false, 2, "", "web"};
}
inline receipt serve_order(const order& o) {
    std::int64_t total = 0;
    for (const auto& l : o.lines) total += l.quantity * l.price_cents;
    return {1001, total, "accepted"};
}
inline boost::asio::awaitable<item> serve_item_async(const item_ref& r) { co_return item{r.id, "widget", 17}; }

enum class call { ping, fetch, fetch_async, create };
inline constexpr call all_calls[] = {call::ping, call::fetch, call::fetch_async, call::create};
inline constexpr std::string_view name(call c) {
    switch (c) {
    case call::ping: return "ping";
    case call::fetch: return "fetch /items/{id}";
    case call::fetch_async: return "fetch, coroutine handler";
    case call::create: return "create /orders (8-field body)";
    }
    return "";
}
inline constexpr std::string_view short_name(call c) {
    switch (c) {
    case call::ping: return "ping";
    case call::fetch: return "fetch";
    case call::fetch_async: return "fetch-async";
    case call::create: return "create";
    }
    return "";
}

// LENGTH "\n" PAYLOAD.
inline std::string frame_of(const sxtp::message& m) {
    std::string out;
    sxtp::wire::write_message(out, m);
    return out;
}

/// The request frame of `c` with tag `tag`.
inline std::string request_frame(call c, std::int64_t tag) {
    sxtp::request r;
    switch (c) {
    case call::ping:
        r.verb = sxtp::sx::symbol(std::string("ping"));
        r.path = "/";
        break;
    case call::fetch: r = sxtp::make_request<get_item>(item_ref{42}); break;
    case call::fetch_async: r = sxtp::make_request<get_item_async>(item_ref{42}); break;
    case call::create: r = sxtp::make_request<create_order>(sxtp::no_params{}, sample_order()); break;
    }
    r.tag = sxtp::message_tag(tag);
    return frame_of(sxtp::message(std::move(r)));
}

/// The sxtp server's answer frame to request_frame(c, tag).
inline std::string answer_frame(call c, std::int64_t tag) {
    sxtp::response r;
    r.tag = sxtp::message_tag(tag);
    if (c == call::fetch || c == call::fetch_async) r.body = sxtp::typed::to_sx(item{42, "widget", 17});
    if (c == call::create) r.body = sxtp::typed::to_sx(serve_order(sample_order()));
    return frame_of(sxtp::message(std::move(r)));
}

} // namespace bench_calls

#endif
