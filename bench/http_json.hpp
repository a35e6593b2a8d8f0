// The Boost.Beast HTTP/1.1 + Boost.JSON peer of bench_rpc: the records as
// Describe structs (value_from/value_to), and the requests its load client
// sends for the four calls (bench/rpc_calls.hpp).
#ifndef SXTP_BENCH_HTTP_JSON_HPP
#define SXTP_BENCH_HTTP_JSON_HPP

#include "rpc_calls.hpp"

#include <boost/describe/class.hpp>
#include <boost/json.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace bench_http {

struct item {
    std::int64_t id;
    std::string name;
    std::int64_t stock;
};
BOOST_DESCRIBE_STRUCT(item, (), (id, name, stock))

struct order_line {
    std::string sku;
    std::int64_t quantity;
    std::int64_t price_cents;
};
BOOST_DESCRIBE_STRUCT(order_line, (), (sku, quantity, price_cents))

struct order {
    std::int64_t customer;
    std::string currency;
    std::vector<order_line> lines;
    std::string note;
    bool gift;
    std::int64_t priority;
    std::string coupon;
    std::string channel;
};
BOOST_DESCRIBE_STRUCT(order, (), (customer, currency, lines, note, gift, priority, coupon, channel))

struct receipt {
    std::int64_t id;
    std::int64_t total_cents;
    std::string state;
};
BOOST_DESCRIBE_STRUCT(receipt, (), (id, total_cents, state))

inline order sample_order() {
    const auto o = bench_calls::sample_order();
    order h{o.customer, o.currency, {}, o.note, o.gift, o.priority, o.coupon, o.channel};
    for (const auto& l : o.lines) h.lines.push_back({l.sku, l.quantity, l.price_cents});
    return h;
}

/// The request bytes of call `c` (keep-alive HTTP/1.1).
inline std::string request_of(bench_calls::call c) {
    using bench_calls::call;
    const char* head = "GET /ping HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
    if (c == call::fetch) head = "GET /items/42 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
    if (c == call::fetch_async) head = "GET /async/items/42 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
    if (c != call::create) return head;
    const std::string body = boost::json::serialize(boost::json::value_from(sample_order()));
    return "POST /orders HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
           "\r\n\r\n" + body;
}

} // namespace bench_http

#endif
