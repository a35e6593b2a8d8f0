// sxtp/server/server.hpp — an SXTP server over TCP on an Asio executor,
// with typed handlers bound per endpoint.
//
//   boost::asio::io_context io;
//   sxtp::server srv(io.get_executor());
//   srv.handle<get_post>([](const post_ref& p, const sxtp::no_body&, sxtp::call_context&) -> sxtp::reply<get_post> {
//       return post{p.id, "Hello"};
//   });
//   auto port = srv.listen({boost::asio::ip::make_address("127.0.0.1"), 0});
//   io.run();
//
// Handlers may also return boost::asio::awaitable<E::result or reply<E>>.
// The server answers `ping` on any path, `inspect` on any routed path (SPEC
// §5, from the endpoint types: `{:available-verbs (…) :required-capabilities
// (…) :params-schema … :body-schema … :result-schema … :cache …}`, the
// schemas of the path's one endpoint, or under `:endpoints {verb …}` when
// several verbs share the path), `not-found`/`resource-not-found`
// for unknown paths, `invalid`/`unsupported-verb` for a known path and
// another verb, `invalid`/`invalid-params` (naming the field) when params or
// body do not decode, and `error`/`internal-error` when a handler throws (the
// exception text goes to the log sink only). Ordering, tags, cancel, the
// in-flight limit and framing errors are those of wire::server_connection.
//
// Threading: one thread runs a server's executor (run the io_context on one
// thread, or give the server a strand).
//
// Not yet here (see the server issue): TLS, Unix sockets,
// deadlines, connection limits and timeouts, graceful shutdown.
#ifndef SXTP_SERVER_SERVER_HPP
#define SXTP_SERVER_SERVER_HPP

#include <sxtp/server/call_decoder.hpp>
#include <sxtp/server/route_table.hpp>
#include <sxtp/typed/handler.hpp>
#include <sxtp/typed/request_builder.hpp>
#include <sxtp/wire/server_connection.hpp>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sxtp {

/// What a handler knows of its call.
struct call_context {
    const sxtp::request& request;
};

/// Server settings.
struct server_options {
    wire::connection_limits limits;
    /// Receives what must not reach peers (handler exceptions). Default: discarded.
    std::function<void(std::string_view)> log;
};

class server {
public:
    using executor_type = boost::asio::any_io_executor;

    explicit server(executor_type ex, server_options options = {}) : ex_(std::move(ex)), options_(std::move(options)) {}

    /// Binds `handler` to endpoint E. The handler must pass handler_check<E, F, call_context>.
    template <class E, class F>
    void handle(F handler) {
        static_assert(handler_check<E, F, call_context>::ok);
        routes_.add(E::verb, E::path);
        describers_.push_back(&describe_endpoint<E>);
        invokers_.push_back([h = std::move(handler)](sxtp::request req, std::vector<std::pair<std::string, std::string>> params) mutable
                                -> boost::asio::awaitable<response> {
            auto args = decode_call<E>(req, params);
            if (!args) co_return condition_response(status_code::invalid, args.error());
            call_context ctx{req};
            using returned = std::invoke_result_t<F&, const typename E::params&, const typename E::body&, call_context&>;
            if constexpr (requires { typename returned::value_type; typename returned::executor_type; }) {
                co_return to_response<E>(reply<E>(co_await h(args->params, args->body, ctx)));
            } else {
                co_return to_response<E>(reply<E>(h(args->params, args->body, ctx)));
            }
        });
    }

    /// Starts accepting on `where`; returns the bound port (useful with port 0).
    unsigned short listen(const boost::asio::ip::tcp::endpoint& where) {
        auto acceptor = std::make_shared<boost::asio::ip::tcp::acceptor>(ex_, where);
        const unsigned short port = acceptor->local_endpoint().port();
        boost::asio::co_spawn(ex_, accept_loop(acceptor), boost::asio::detached);
        acceptors_.push_back(std::move(acceptor));
        return port;
    }

    /// Stops accepting. Connections already open go on.
    void stop_accepting() {
        for (auto& a : acceptors_) {
            boost::system::error_code ignored;
            a->close(ignored);
        }
    }

    /// The answer to one request, by route (ping, not-found, unsupported-verb, a handler).
    boost::asio::awaitable<response> dispatch(sxtp::request req) {
        if (req.verb.name() == "ping") co_return response{};
        if (req.verb.name() == "inspect" && !routes_.routes_for(req.path).empty()) co_return inspect(req.path);
        auto m = routes_.find(req.verb.name(), req.path);
        if (m.kind == route_table::match::not_found)
            co_return condition_response(status_code::not_found, make_condition(conditions::resource_not_found{}, "no such resource", req.path));
        if (m.kind == route_table::match::wrong_verb) {
            conditions::unsupported_verb u;
            for (const auto& v : m.available_verbs) u.available_verbs.emplace_back(v);
            co_return condition_response(status_code::invalid, make_condition(u, "unsupported verb", req.path));
        }
        try {
            co_return co_await invokers_[m.route](std::move(req), std::move(m.params));
        } catch (const std::exception& e) {
            if (options_.log) options_.log(std::string("handler failed: ") + e.what());
        }
        co_return condition_response(status_code::error, make_condition(conditions::internal_error{}, "internal error"));
    }

private:
    // SPEC §5's answer to inspect, from the descriptions of the path's endpoints.
    response inspect(std::string_view path) const {
        const auto routes = routes_.routes_for(path);
        sx::value verbs = sx::value::make_list(), caps = sx::value::make_list(), by_verb = sx::value::make_dict();
        std::vector<std::string> seen_caps;
        for (std::size_t i : routes) {
            sx::value d = describers_[i]();
            const sx::value verb = *d.find("verb");
            verbs.push_back(verb);
            for (const sx::value& c : d.find("required-capabilities")->items())
                if (std::find(seen_caps.begin(), seen_caps.end(), c.name()) == seen_caps.end()) {
                    seen_caps.emplace_back(c.name());
                    caps.push_back(c);
                }
            by_verb.insert_or_assign(verb, std::move(d));
        }
        verbs.push_back(sx::value::make_symbol_unchecked("inspect"));
        sx::value body = sx::value::make_dict();
        if (routes.size() == 1) {
            body = std::move((*by_verb.entries().begin()).val);
            body.erase(sx::value::make_keyword_unchecked("verb"));
        } else {
            body.insert_or_assign(sx::value::make_keyword_unchecked("endpoints"), std::move(by_verb));
        }
        body.insert_or_assign(sx::value::make_keyword_unchecked("available-verbs"), std::move(verbs));
        body.insert_or_assign(sx::value::make_keyword_unchecked("required-capabilities"), std::move(caps));
        response r;
        r.body = std::move(body);
        return r;
    }

    using invoker = std::function<boost::asio::awaitable<response>(sxtp::request, std::vector<std::pair<std::string, std::string>>)>;

    struct connection {
        explicit connection(boost::asio::ip::tcp::socket s, const wire::connection_limits& limits)
            : socket(std::move(s)), state(limits), wake(socket.get_executor()) {}
        boost::asio::ip::tcp::socket socket;
        wire::server_connection state;
        boost::asio::steady_timer wake;  // cancelled to wake the writer
        bool reading_done = false;
    };

    static response condition_response(status_code s, const condition& c) {
        response r;
        r.status = s;
        r.body = typed::to_sx(c);
        return r;
    }

    template <class E>
    static response to_response(const reply<E>& rep) {
        if (!rep.ok()) return condition_response(rep.status(), rep.condition());
        response r;
        r.status = rep.status();
        if constexpr (!std::is_same_v<typename E::result, no_result>) r.body = typed::to_sx(rep.value());
        return r;
    }

    boost::asio::awaitable<void> accept_loop(std::shared_ptr<boost::asio::ip::tcp::acceptor> acceptor) {
        for (;;) {
            boost::system::error_code ec;
            auto socket = co_await acceptor->async_accept(boost::asio::redirect_error(boost::asio::use_awaitable, ec));
            if (ec) co_return;  // closed
            auto c = std::make_shared<connection>(std::move(socket), options_.limits);
            boost::asio::co_spawn(ex_, write_loop(c), boost::asio::detached);
            boost::asio::co_spawn(ex_, read_loop(c), boost::asio::detached);
        }
    }

    boost::asio::awaitable<void> read_loop(std::shared_ptr<connection> c) {
        for (;;) {
            auto room = c->state.prepare();
            if (room.empty()) break;  // failed framing, or full of frames its handlers have not taken (cannot happen: all are taken)
            boost::system::error_code ec;
            const std::size_t n = co_await c->socket.async_read_some(boost::asio::buffer(room.data(), room.size()),
                                                                     boost::asio::redirect_error(boost::asio::use_awaitable, ec));
            if (ec) break;
            c->state.commit(n);
            bool stop = false;
            for (auto ev = c->state.next_event(); !std::holds_alternative<wire::need_more>(ev); ev = c->state.next_event()) {
                if (auto* r = std::get_if<wire::incoming_request>(&ev)) {
                    boost::asio::co_spawn(ex_, run_handler(c, r->id, std::move(r->req)), boost::asio::detached);
                } else if (std::holds_alternative<wire::connection_failed>(ev)) {
                    stop = true;
                    break;
                }
            }
            c->wake.cancel();
            if (stop) break;
        }
        c->reading_done = true;
        c->wake.cancel();
    }

    boost::asio::awaitable<void> run_handler(std::shared_ptr<connection> c, wire::request_id id, sxtp::request req) {
        response r = co_await dispatch(std::move(req));
        c->state.respond(id, std::move(r));
        c->wake.cancel();
    }

    boost::asio::awaitable<void> write_loop(std::shared_ptr<connection> c) {
        for (;;) {
            while (!c->state.output().empty()) {
                const auto out = c->state.output();
                boost::system::error_code ec;
                const std::size_t n = co_await boost::asio::async_write(c->socket, boost::asio::buffer(out.data(), out.size()),
                                                                        boost::asio::redirect_error(boost::asio::use_awaitable, ec));
                if (ec) co_return;
                c->state.consume(n);
            }
            if (c->reading_done && c->state.unanswered() == 0) break;
            c->wake.expires_at(boost::asio::steady_timer::time_point::max());
            boost::system::error_code ec;
            co_await c->wake.async_wait(boost::asio::redirect_error(boost::asio::use_awaitable, ec));
        }
        boost::system::error_code ignored;
        c->socket.shutdown(boost::asio::ip::tcp::socket::shutdown_both, ignored);
        c->socket.close(ignored);
    }

    executor_type ex_;
    server_options options_;
    route_table routes_;
    std::vector<invoker> invokers_;
    std::vector<sx::value (*)()> describers_;
    std::vector<std::shared_ptr<boost::asio::ip::tcp::acceptor>> acceptors_;
};

} // namespace sxtp

#endif
