// sxtp/mesh/internal.hpp — the internal calls of the mesh plan (seed 000,
// SPEC §10), server side and client side:
//
// | call                                       | request                                                          |
// |--------------------------------------------|------------------------------------------------------------------|
// | fetch_data(service, query, params)         | (request :verb fetch :path "/internal/data/{query}" :params …)     |
// | call_action(service, action, payload)      | (request :verb {action} :path "/internal/actions" :body …)         |
// | fetch_fragment(service, fragment, params)  | (request :verb fetch :path "/internal/fragments/{fragment}" :params … :body (fragment-request …)) |
// | send_internal_activity(service, activity)  | (request :verb deliver :path "/internal/inbox" :body (activity …)) |
//
// A handler returns an sx::value (the body of an `ok` answer), a full
// sxtp::response (for conditions), or an awaitable of either. Needs the
// sxtp::mesh target.
#ifndef SXTP_MESH_INTERNAL_HPP
#define SXTP_MESH_INTERNAL_HPP

#include <sxtp/mesh/fragments.hpp>
#include <sxtp/mesh/mesh_client.hpp>
#include <sxtp/server/server.hpp>

namespace sxtp::mesh {

namespace detail {
inline response ok_with(sx::value body) {
    response r;
    r.body = std::move(body);
    return r;
}
inline response as_response(sx::value v) { return ok_with(std::move(v)); }
inline response as_response(response r) { return r; }

// Registers `handler(const sx::value& input, call_context&)` for verb and path;
// `input` picks the request's params or body.
template <class F, class Input>
void serve(server& srv, std::string_view verb, std::string_view path, F handler, Input input, route_options o = {}) {
    using returned = std::invoke_result_t<F&, const sx::value&, call_context&>;
    auto h = std::make_shared<F>(std::move(handler));
    if constexpr (requires { typename returned::value_type; typename returned::executor_type; }) {
        srv.handle_raw(verb, path, [h, input](const request& req, call_context& ctx) -> boost::asio::awaitable<response> {
            co_return as_response(co_await (*h)(input(req), ctx));
        }, std::move(o));
    } else {
        srv.handle_raw(verb, path, [h, input](const request& req, call_context& ctx) -> response { return as_response((*h)(input(req), ctx)); },
                       std::move(o));
    }
}
inline const sx::value& params_of(const request& r) {
    static const sx::value nil;
    return r.params ? *r.params : nil;
}
inline const sx::value& body_of(const request& r) {
    static const sx::value nil;
    return r.body ? *r.body : nil;
}
inline bool valid_segment(std::string_view s) {
    return !s.empty() && s.find('/') == std::string_view::npos && s.find('{') == std::string_view::npos && s.find('}') == std::string_view::npos;
}
} // namespace detail

// -- server side -------------------------------------------------------------------

/// `fetch /internal/data/{query}`: handler(params, ctx) answers the data.
template <class F>
void serve_data(server& srv, std::string_view query, F handler, route_options o = {}) {
    if (!detail::valid_segment(query)) throw std::invalid_argument("sxtp: a data query name is one path segment");
    detail::serve(srv, "fetch", "/internal/data/" + std::string(query), std::move(handler), &detail::params_of, std::move(o));
}

/// `{action} /internal/actions`: handler(body, ctx) performs the action.
template <class F>
void serve_action(server& srv, std::string_view action, F handler, route_options o = {}) {
    if (!sx::is_valid_symbol_name(action)) throw std::invalid_argument("sxtp: an action is a verb: a valid symbol name");
    detail::serve(srv, action, "/internal/actions", std::move(handler), &detail::body_of, std::move(o));
}

/// `fetch /internal/fragments/{fragment}`: handler(params, ctx) returns the
/// fragment's content; the answer is `(fragment-response :defs … :content …)`
/// with the definitions from `components` the caller lacks (SPEC §11).
template <class F>
void serve_fragment(server& srv, std::string_view fragment, std::shared_ptr<const component_registry> components, F handler,
                    route_options o = {}) {
    if (!detail::valid_segment(fragment)) throw std::invalid_argument("sxtp: a fragment name is one path segment");
    using returned = std::invoke_result_t<F&, const sx::value&, call_context&>;
    auto h = std::make_shared<F>(std::move(handler));
    const std::string path = "/internal/fragments/" + std::string(fragment);
    if constexpr (requires { typename returned::value_type; typename returned::executor_type; }) {
        srv.handle_raw("fetch", path, [h, components](const request& req, call_context& ctx) -> boost::asio::awaitable<response> {
            sx::value content = co_await (*h)(detail::params_of(req), ctx);
            co_return detail::ok_with(components->respond(detail::body_of(req), std::move(content)));
        }, std::move(o));
    } else {
        srv.handle_raw("fetch", path, [h, components](const request& req, call_context& ctx) -> response {
            return detail::ok_with(components->respond(detail::body_of(req), (*h)(detail::params_of(req), ctx)));
        }, std::move(o));
    }
}

/// `deliver /internal/inbox`: handler(activity, ctx) takes one activity
/// (answer `accepted`, or a condition response to refuse it).
template <class F>
void serve_inbox(server& srv, F handler, route_options o = {}) {
    detail::serve(srv, "deliver", "/internal/inbox", std::move(handler), &detail::body_of, std::move(o));
}

// -- client side -------------------------------------------------------------------

/// fetch_data: the data query's answer.
inline boost::asio::awaitable<response> fetch_data(mesh_client& m, std::string service, std::string query, sx::value params = {},
                                                   call_options opts = {}) {
    request r;
    r.verb = sx::symbol(std::string("fetch"));
    r.path = "/internal/data/" + query;
    if (!params.is_nil()) r.params = std::move(params);
    co_return co_await m.call_raw(std::move(service), std::move(r), std::move(opts));
}

/// call_action: performs `action` (a verb) with `payload`. Not repeated
/// after it may have reached the service (actions have effects).
inline boost::asio::awaitable<response> call_action(mesh_client& m, std::string service, std::string action, sx::value payload,
                                                    call_options opts = {}) {
    request r;
    r.verb = sx::symbol(std::move(action));
    r.path = "/internal/actions";
    r.body = std::move(payload);
    co_return co_await m.call_raw(std::move(service), std::move(r), std::move(opts));
}

/// fetch_fragment: asks for `fragment`, listing the components `mine`
/// has; adds the definitions that come back to `mine`. On success the
/// answer's body is the fragment's content.
inline boost::asio::awaitable<response> fetch_fragment(mesh_client& m, std::string service, std::string fragment, sx::value params,
                                                       component_registry& mine, call_options opts = {}) {
    request r;
    r.verb = sx::symbol(std::string("fetch"));
    r.path = "/internal/fragments/" + fragment;
    if (!params.is_nil()) r.params = params;
    r.body = mine.request();
    response res = co_await m.call_raw(std::move(service), std::move(r), std::move(opts));
    if (!res.status.is_success() || !res.body) co_return res;
    try {
        res.body = mine.accept(*res.body);
    } catch (const std::invalid_argument& e) {
        co_return condition_response(status_code::invalid,
                                     make_condition(sxtp::conditions::malformed_result{":body", e.what()}, "not a fragment response"));
    }
    co_return res;
}

/// send_internal_activity: delivers `(activity …)` to the service's inbox.
inline boost::asio::awaitable<response> send_internal_activity(mesh_client& m, std::string service, sx::value activity,
                                                               call_options opts = {}) {
    request r;
    r.verb = sx::symbol(std::string("deliver"));
    r.path = "/internal/inbox";
    r.body = std::move(activity);
    co_return co_await m.call_raw(std::move(service), std::move(r), std::move(opts));
}

} // namespace sxtp::mesh

#endif
