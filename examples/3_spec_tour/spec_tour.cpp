// spec_tour: serves the six example exchanges of seeds/spec.sx.
//
//   spec_tour --listen sxtp://127.0.0.1:5380
//   spec_tour --listen unix:/tmp/spec-tour.sock
//   spec_tour --listen sxtps://127.0.0.1:5381 --cert chain.pem --key key.pem
//
// Prints "listening on ADDRESS" (the bound address: port 0 becomes the real
// port) once it accepts, and serves until SIGINT or SIGTERM, then drains
// for up to five seconds.
//
//   navigate  /geography/capabilities  a page, with its real content hash (revalidate: an equal :if-match gets not-modified)
//   query     /events                  events with more than 50 attendees
//   create    /blog/posts              a typed endpoint: created, :location, content hash
//   subscribe /events/live             a stream: the new-event, then a heartbeat every second until cancelled
//   fetch     /blog/nonexistent        not-found / resource-not-found "No such post"
//   inspect   /cart/checkout           answered from the endpoint type
// The capabilities the examples list are declared on the endpoints.
#include <sxtp/server/server.hpp>
#include <sxtp/sx.hpp>
#include <sxtp/sx/hash.hpp>
#include <sxtp/typed.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/hana/define_struct.hpp>

#include <cstdio>
#include <iostream>
#include <string>

namespace tour {

using sxtp::sx::value;
using dict = std::map<sxtp::sx::keyword, value>;

// query /events
struct event_filter {
    BOOST_HANA_DEFINE_STRUCT(event_filter, (std::string, after), (std::int64_t, limit));
};
struct query_events : sxtp::endpoint<"query", "/events"> {
    using params = event_filter;
    using body = value;  // an expression over (events)
    using result = value;
    using capabilities = sxtp::capabilities<"fetch", "db:read">;
    static constexpr auto cache = sxtp::cache_policy::revalidate;
};

// create /blog/posts
struct new_post {
    BOOST_HANA_DEFINE_STRUCT(new_post, (std::string, title), (value, body), (std::vector<std::string>, tags));
};
struct created_post {
    BOOST_HANA_DEFINE_STRUCT(created_post, (std::string, id), (std::string, path), (std::int64_t, created_at));
};
struct create_post : sxtp::endpoint<"create", "/blog/posts"> {
    using body = new_post;
    using result = created_post;
    using capabilities = sxtp::capabilities<"mutate", "blog:publish">;
    static constexpr auto success = sxtp::status_code::created;
};

// subscribe /events/live: the event's body is an SX card, as it is
struct new_event {
    static constexpr std::string_view sxtp_event = "new-event";
    value card;
    friend value tag_invoke(sxtp::typed::to_sx_tag, const new_event& e) { return e.card; }
    friend new_event tag_invoke(sxtp::typed::from_sx_tag<new_event>, const value& v) { return {v}; }
    friend value tag_invoke(sxtp::typed::schema_tag<new_event>) { return value("any"); }
};
struct live_events : sxtp::endpoint<"subscribe", "/events/live"> {
    using events = sxtp::events<new_event>;
    using capabilities = sxtp::capabilities<"fetch">;
    static constexpr bool streaming = true;
};

// inspect /cart/checkout
struct checkout_params {
    BOOST_HANA_DEFINE_STRUCT(checkout_params, (sxtp::sx::symbol, payment_method), (dict, shipping_address));
};
struct checkout : sxtp::endpoint<"mutate", "/cart/checkout"> {
    using params = checkout_params;
    using capabilities = sxtp::capabilities<"mutate", "cart:checkout">;
};

// "Jazz Night" → "jazz-night"
std::string slug(std::string_view title) {
    std::string s;
    for (char c : title) {
        if (std::isalnum(static_cast<unsigned char>(c))) s += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        else if (!s.empty() && s.back() != '-') s += '-';
    }
    while (!s.empty() && s.back() == '-') s.pop_back();
    return s;
}

void serve(sxtp::server& srv) {
    srv.handle_raw("navigate", "/geography/capabilities", [](const sxtp::request&, sxtp::call_context&) {
        sxtp::response r;
        r.body = sxtp::sx::read(R"((page :title "Capabilities" (h1 "Geography Capabilities") (~capability-list :domain "geography")))");
        r.headers.emplace();
        r.headers->content_type = "text/sx";
        r.headers->content_hash = sxtp::sx::content_hash(*r.body);
        return r;
    }, {.cache = sxtp::cache_policy::revalidate});  // an equal :if-match is answered not-modified

    srv.handle<query_events>([](const event_filter& f, const value&, sxtp::call_context& ctx) -> value {
        static const value events = sxtp::sx::read(R"((
            (event :id "evt-17" :title "Book Club" :attendees 12 :date "2026-03-04")
            (event :id "evt-42" :title "Jazz Night" :attendees 87 :date "2026-03-07")
            (event :id "evt-55" :title "Art Walk" :attendees 120 :date "2026-03-12")
            (event :id "evt-08" :title "Old Fair" :attendees 300 :date "2026-02-20")))");
        // The example's filter, (> (:attendees e) 50), applied to events after f.after.
        value out = value::make_list();
        for (const value& e : events.items()) {
            sxtp::sx::form_view v(e);
            if (std::string(v.find("date")->as_string()) <= f.after || v.find("attendees")->as_int() <= 50) continue;
            value shown = value::list(value::make_symbol_unchecked("event"), value::make_keyword_unchecked("id"), *v.find("id"),
                                      value::make_keyword_unchecked("title"), *v.find("title"), value::make_keyword_unchecked("attendees"),
                                      *v.find("attendees"));
            if (static_cast<std::int64_t>(out.size()) < f.limit) out.push_back(std::move(shown));
        }
        ctx.response_headers.emplace();
        ctx.response_headers->cache = sxtp::sx::keyword("revalidate");
        return out;
    });

    srv.handle<create_post>([](const sxtp::no_params&, const new_post& p, sxtp::call_context& ctx) -> created_post {
        created_post c{"post-789", "/blog/posts/" + slug(p.title), 1711612800};
        ctx.response_headers.emplace();
        ctx.response_headers->location = c.path;
        ctx.response_headers->content_hash = sxtp::sx::content_hash(sxtp::typed::to_sx(c));
        return c;
    });

    srv.handle<live_events>([](const sxtp::no_params&, const sxtp::no_body&, sxtp::stream<live_events>& out) -> boost::asio::awaitable<void> {
        const new_event poetry{sxtp::sx::read(R"((div :class "event-card" (h3 "Poetry Slam")))")};
        if (!co_await out.emit(poetry, "evt-99")) co_return;
        // Nothing more happens here: the server's heartbeats keep the
        // stream alive until the client cancels it (or goes away).
        boost::asio::steady_timer idle(co_await boost::asio::this_coro::executor, std::chrono::hours(24));
        co_await idle.async_wait(boost::asio::use_awaitable);
    });

    srv.handle_raw("fetch", "/blog/{slug}", [](const sxtp::request& req, sxtp::call_context&) {
        sxtp::response r;
        r.status = sxtp::status_code::not_found;
        r.body = sxtp::typed::to_sx(sxtp::make_condition(sxtp::conditions::resource_not_found{}, "No such post", req.path));
        return r;
    });

    srv.handle<checkout>([](const checkout_params&, const sxtp::no_body&, sxtp::call_context&) -> sxtp::no_result { return {}; });
}

} // namespace tour

int main(int argc, char** argv) {
    std::string listen = "sxtp://127.0.0.1:5380", cert, key;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if ((a == "--listen" || a == "--cert" || a == "--key") && i + 1 < argc) {
            (a == "--listen" ? listen : a == "--cert" ? cert : key) = argv[++i];
        } else {
            std::cerr << "usage: spec_tour [--listen ADDRESS] [--cert CHAIN.pem --key KEY.pem]\n"
                         "  ADDRESS: sxtp://host:port, sxtps://host:port or unix:/path\n";
            return a == "--help" ? 0 : 2;
        }
    }
    try {
        boost::asio::io_context io;
        sxtp::server_options options;
        // The tour declares SPEC §7's capabilities without checking them (no
        // security policy: see examples/6_security for that).
        options.trusted_network = true;
        options.log = [](std::string_view m) { std::cerr << "spec_tour: " << m << '\n'; };
        options.heartbeat_interval = std::chrono::seconds(1);
        if (!cert.empty()) options.tls = sxtp::net::make_server_tls_context({{}, {}, cert, key});
        sxtp::server srv(io.get_executor(), options);
        tour::serve(srv);
        const auto where = srv.listen(listen);
        std::cout << "listening on " << where.to_string() << std::endl;
        boost::asio::signal_set signals(io, SIGINT, SIGTERM);
        signals.async_wait([&](boost::system::error_code, int) { srv.shutdown(std::chrono::seconds(5), [&] { io.stop(); }); });
        io.run();
    } catch (const std::exception& e) {
        std::cerr << "spec_tour: " << e.what() << '\n';
        return 1;
    }
}
