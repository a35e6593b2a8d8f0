// Definitions for sxtp/server/service.hpp: the request pipeline (ping, authentication, routing, authorization, the handler, caching, inspect).
#ifndef SXTP_SERVER_IMPL_PIPELINE_HPP
#define SXTP_SERVER_IMPL_PIPELINE_HPP

namespace sxtp {

SXTP_DECL response service::stream_mismatch(bool sent_stream) {
    return condition_response(status_code::invalid,
                              detail::invalid_params(":stream", sent_stream ? "this endpoint takes no client stream"
                                                                            : "this endpoint takes a client stream: send :stream true and chunks"));
}

SXTP_DECL std::variant<response, service::deferred> service::resolve(const sxtp::request& req, call_context& ctx) {
    if (req.verb.name() == "ping") {
        ctx.route_ = &route_infos_[server_metrics::ping];
        return response{};
    }
    if (req.verb.name() == "health") {
        ctx.route_ = &route_infos_[server_metrics::health];
        return health(req);
    }
    if (!options_.allowed_origins.empty() && req.headers && req.headers->origin &&
        std::find(options_.allowed_origins.begin(), options_.allowed_origins.end(), *req.headers->origin) == options_.allowed_origins.end())
        return refused_origin(req, ctx);
    if (const auto* policy = options_.security.get()) {
        std::string why;
        auto a = policy->authenticate(req, &why);
        if (a.refusal) return refused(req, ctx, std::move(*a.refusal), why);
        if (a.needs_validator) return deferred{};
        admit(ctx, std::move(a.caller));
    }
    return route(req, ctx);
}

SXTP_DECL std::variant<response, service::deferred> service::route(const sxtp::request& req, call_context& ctx) {
    const std::string_view verb = req.verb.name();
    const auto* policy = options_.security.get();
    if (verb == "inspect" && (req.path == "/" || !routes_.routes_for(req.path).empty())) {
        ctx.route_ = &route_infos_[server_metrics::inspect];
        if (policy)
            if (auto no = policy->authorize(ctx.caller(), {}, req)) return condition_response(no->first, no->second);
        if (!options_.interceptors.empty()) {
            try {
                if (auto r = intercept(ctx)) return std::move(*r);
            } catch (const std::exception& e) {
                return handler_failed(req, ctx, e);
            }
        }
        return routes_.routes_for(req.path).empty() ? inspect_routes() : inspect(req.path);
    }
    auto m = routes_.find(verb, req.path);
    if (m.kind == route_table::match::not_found)
        return condition_response(status_code::not_found, make_condition(conditions::resource_not_found{}, "no such resource", req.path));
    if (m.kind == route_table::match::wrong_verb) {
        conditions::unsupported_verb u;
        for (const auto& v : m.available_verbs) u.available_verbs.emplace_back(v);
        return condition_response(status_code::invalid, make_condition(u, "unsupported verb", req.path));
    }
    const invoker& inv = invokers_[m.route];
    ctx.route_ = &route_infos_[inv.info];
    if (policy) {
        if (auto no = policy->authorize(ctx.caller(), inv.required, req)) return condition_response(no->first, no->second);
    } else if (!inv.required.empty() && !options_.trusted_network) {
        return condition_response(status_code::forbidden,
                                  make_condition(conditions::unauthenticated{}, "this server has no security policy to check the route's capabilities", req.path));
    }
    try {
        if (!options_.interceptors.empty())
            if (auto r = intercept(ctx)) return std::move(*r);
        if (!inv.sync) return deferred{std::move(m)};
        return cached(req, inv.cache, inv.sync(req, m.params, ctx));
    } catch (const std::exception& e) {
        return handler_failed(req, ctx, e);
    }
}

SXTP_DECL boost::asio::awaitable<response> service::run(const sxtp::request& req, deferred d, call_context& ctx) {
    if (!d.route) return run_bearer(req, ctx);
    return invokers_[d.route->route].async(req, std::move(d.route->params), ctx);
}

SXTP_DECL boost::asio::awaitable<response> service::run_bearer(const sxtp::request& req, call_context& ctx) {
    std::optional<route_table::match> m;
    try {
        std::string why;
        auto a = co_await options_.security->authenticate_bearer(req, &why);
        if (a.refusal) co_return refused(req, ctx, std::move(*a.refusal), why);
        admit(ctx, std::move(a.caller));
        auto r = route(req, ctx);
        if (auto* answer = std::get_if<response>(&r)) co_return std::move(*answer);
        m = std::move(std::get<deferred>(r).route);
    } catch (const std::exception& e) {
        co_return handler_failed(req, ctx, e);
    }
    co_return co_await invokers_[m->route].async(req, std::move(m->params), ctx);
}

SXTP_DECL boost::asio::awaitable<response> service::answer(const sxtp::request& req, call_context& ctx) {
    auto r = resolve(req, ctx);
    if (auto* answer = std::get_if<response>(&r)) co_return std::move(*answer);
    co_return co_await run(req, std::move(std::get<deferred>(r)), ctx);
}

SXTP_DECL response service::refused(const sxtp::request& req, const call_context& ctx, condition c, std::string_view why) const {
    reporter_.report(server_event::auth_refused, ctx.peer, [&] { return "refused " + std::string(req.verb.name()) + ' ' + req.path + ": " + std::string(why); },
                     options_.log);
    c.path = req.path;
    return condition_response(status_code::forbidden, c);
}

SXTP_DECL response service::refused_origin(const sxtp::request& req, const call_context& ctx) const {
    const std::string& origin = *req.headers->origin;
    reporter_.report(server_event::origin_refused, ctx.peer, [&] { return std::string(req.verb.name()) + ' ' + req.path + " from origin " + origin.substr(0, 128); },
                     options_.log);
    return condition_response(status_code::forbidden,
                              make_condition(conditions::origin_not_allowed{origin.substr(0, 256)}, "this origin is not allowed", req.path));
}

SXTP_DECL response service::cached(const sxtp::request& req, cache_policy policy, response r) {
    if (policy == cache_policy::none || !r.status.is_success() || r.stream.value_or(false)) return r;
    if (!r.headers) r.headers.emplace();
    if (!r.headers->content_hash) {
        static const sx::value nil;
        auto h = sx::try_content_hash(r.body ? *r.body : nil);
        if (!h) return r;  // no canonical form (NaN): not cacheable
        r.headers->content_hash = std::move(*h);
    }
    r.headers->cache = sx::keyword(std::string(cache_name(policy)));
    if (req.headers && req.headers->if_match && *req.headers->if_match == *r.headers->content_hash) {
        response nm;
        nm.status = status_code::not_modified;
        nm.headers.emplace();
        nm.headers->content_hash = std::move(r.headers->content_hash);
        nm.set_cookie = std::move(r.set_cookie);
        return nm;
    }
    return r;
}

SXTP_DECL response service::handler_failed(const sxtp::request& req, const call_context& ctx, const std::exception& e) const {
    if (!ctx.cancelled())
        reporter_.report(server_event::handler_failed, ctx.peer,
                         [&] { return std::string("handler for ") + std::string(req.verb.name()) + ' ' + req.path + " failed: " + e.what(); }, options_.log,
                         log_level::error);
    return condition_response(status_code::error, make_condition(conditions::internal_error{}, "internal error"));
}

SXTP_DECL response service::health(const sxtp::request& req) const {
    std::string service;
    if (req.params && req.params->is_dict())
        if (const sx::value* s = req.params->find("service"); s && s->is_string()) service = std::string(s->as_string());
    bool serving = !draining_;
    if (!service.empty()) {
        std::lock_guard lock(health_mutex_);
        const auto it = health_.find(service);
        if (it == health_.end())
            return condition_response(status_code::not_found,
                                      make_condition(conditions::resource_not_found{}, "no such service: " + service.substr(0, 128), req.path));
        serving = serving && it->second;
    }
    response r;
    r.body = sx::value::dict(sx::value::make_keyword_unchecked("status"), sx::value::make_keyword_unchecked(serving ? "serving" : "not-serving"));
    return r;
}

SXTP_DECL response service::inspect_routes() const {
    sx::value routes = sx::value::make_list();
    for (std::size_t i = 0; i < describers_.size(); ++i) {
        sx::value d = describers_[i]();
        d.insert_or_assign(sx::value::make_keyword_unchecked("path"), sx::value(std::string(routes_.pattern(i))));
        routes.push_back(std::move(d));
    }
    response r;
    r.body = sx::value::dict(sx::value::make_keyword_unchecked("routes"), std::move(routes));
    return r;
}

SXTP_DECL response service::inspect(std::string_view path) const {
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
    std::sort(verbs.items().begin(), verbs.items().end(), [](const sx::value& a, const sx::value& b) { return a.name() < b.name(); });
    sx::value body = sx::value::make_dict();
    if (routes.size() == 1) {
        body = std::move((*by_verb.entries().begin()).val);
        body.erase(sx::value::make_keyword_unchecked("verb"));
    } else {
        // SPEC §5's keys stay at the top level where every verb of the path
        // agrees (the common case: one params schema for the path's
        // parameters); each verb's own description is under :endpoints.
        for (const char* key : {"params-schema", "body-schema", "result-schema", "cache"}) {
            const sx::value* first = nullptr;
            bool same = true;
            for (const auto& e : by_verb.entries()) {
                const sx::value* v = e.val.find(key);
                if (!first) first = v;
                same = same && v && first && *v == *first;
            }
            if (same && first) body.insert_or_assign(sx::value::make_keyword_unchecked(key), *first);
        }
        body.insert_or_assign(sx::value::make_keyword_unchecked("endpoints"), std::move(by_verb));
    }
    body.insert_or_assign(sx::value::make_keyword_unchecked("available-verbs"), std::move(verbs));
    body.insert_or_assign(sx::value::make_keyword_unchecked("required-capabilities"), std::move(caps));
    response r;
    r.body = std::move(body);
    return r;
}


SXTP_DECL std::optional<std::string> service::unchecked_route() const {
    if (options_.security || options_.trusted_network) return std::nullopt;
    for (std::size_t i = 0; i < invokers_.size(); ++i)
        if (!invokers_[i].required.empty()) return routes_.describe(i);
    return std::nullopt;
}

SXTP_DECL void service::set_health(std::string service, bool serving) {
    std::lock_guard lock(health_mutex_);
    health_.insert_or_assign(std::move(service), serving);
}

SXTP_DECL wire::connection_limits service::first_limits() const {
    const auto* policy = options_.security.get();
    if (!policy || !policy->options().preauth_limits) return options_.limits;
    wire::connection_limits l = options_.limits;
    l.frames.max_frame = std::min(l.frames.max_frame, policy->options().preauth_limits->frames.max_frame);
    l.max_in_flight = std::min(l.max_in_flight, policy->options().preauth_limits->max_in_flight);
    l.max_values = std::min(l.max_values, policy->options().preauth_limits->max_values);
    return l;
}

} // namespace sxtp

#endif
