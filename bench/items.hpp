// The call the unary benches make: `fetch /items/{id}` answering a
// three-field record (the gRPC peer's Items.Fetch carries the same fields).
#ifndef SXTP_BENCH_ITEMS_HPP
#define SXTP_BENCH_ITEMS_HPP

#include <sxtp/server/stream.hpp>
#include <sxtp/typed.hpp>

#include <boost/hana/define_struct.hpp>

#include <cstdint>
#include <string>

struct item_ref {
    BOOST_HANA_DEFINE_STRUCT(item_ref, (std::int64_t, id));
};
struct item {
    BOOST_HANA_DEFINE_STRUCT(item, (std::int64_t, id), (std::string, name), (std::int64_t, stock));
};
struct get_item : sxtp::endpoint<"fetch", "/items/{id}"> {
    using params = item_ref;
    using result = item;
};

/// The handler both unary benches serve.
inline item serve_item(const item_ref& r, const sxtp::no_body&, sxtp::call_context&) { return {r.id, "widget", 17}; }

#endif
