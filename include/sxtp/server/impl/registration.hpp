// Definitions for sxtp/server/service.hpp: handler registration (typed,
// streaming and raw routes), health, and what registration implies for
// connections (unchecked routes, pre-authentication limits).
#ifndef SXTP_SERVER_IMPL_REGISTRATION_HPP
#define SXTP_SERVER_IMPL_REGISTRATION_HPP

namespace sxtp {
template <class E, class F>
inline void service::handle(F handler) {
    // A handler that does not fit stops here, after its check's one error.
    if constexpr (is_stream_endpoint<E>) {
        if constexpr (stream_handler_check<E, F>::ok) handle_stream<E>(std::move(handler));
    } else {
        if constexpr (handler_check<E, F, call_context>::ok) handle_unary<E>(std::move(handler));
    }
}

template <class F>
inline void service::handle_raw(std::string_view verb, std::string_view pattern, F handler, route_options options) {
    using returned = std::invoke_result_t<F&, const sxtp::request&, call_context&>;
    static_assert(std::is_same_v<returned, response> || std::is_same_v<returned, boost::asio::awaitable<response>>,
                  "sxtp: a raw handler is callable as handler(const sxtp::request&, sxtp::call_context&) and returns "
                  "sxtp::response or boost::asio::awaitable<sxtp::response>");
    for (const auto& c : options.capabilities)
        if (!sx::is_valid_symbol_name(c)) throw std::invalid_argument("sxtp: capability \"" + c + "\" is not a valid symbol name");
    routes_.add(verb, pattern);
    describers_.emplace_back([v = std::string(verb), options] {
        sx::value caps = sx::value::make_list();
        for (const auto& c : options.capabilities) caps.push_back(sx::value::make_symbol_unchecked(c));
        return sx::value::dict(sx::value::make_keyword_unchecked("verb"), sx::value::make_symbol_unchecked(v),
                               sx::value::make_keyword_unchecked("required-capabilities"), std::move(caps),
                               sx::value::make_keyword_unchecked("params-schema"), "any", sx::value::make_keyword_unchecked("body-schema"),
                               "any", sx::value::make_keyword_unchecked("result-schema"), "any",
                               sx::value::make_keyword_unchecked("cache"), sx::value::make_keyword_unchecked(cache_name(options.cache)));
    });
    auto h = std::make_shared<F>(std::move(handler));
    invoker inv;
    inv.required = options.capabilities;
    inv.cache = options.cache;
    inv.info = add_route_info(verb, pattern);
    if constexpr (std::is_same_v<returned, response>)
        inv.sync = [h](const sxtp::request& req, const route_params&, call_context& ctx) -> response { return (*h)(req, ctx); };
    else
        inv.async = [this, h, cache = options.cache](const sxtp::request& req, route_params, call_context& ctx) -> boost::asio::awaitable<response> {
            try {
                co_return cached(req, cache, co_await (*h)(req, ctx));
            } catch (const std::exception& e) {
                co_return handler_failed(req, ctx, e);
            }
        };
    invokers_.push_back(std::move(inv));
}



template <class E>
inline void service::add_function() {
    function_info f = function_of<E>();
    if (f.name == "ping" || f.name == "health")
        throw std::invalid_argument("sxtp: the function name \"" + f.name + "\" is a built-in; give the endpoint another function_name");
    if (functions_.contains(f.name))
        throw std::invalid_argument("sxtp: two endpoints have the function name \"" + f.name + "\"; give one a function_name of its own");
    std::string name = f.name;
    functions_.emplace(std::move(name), std::move(f));
}

template <class E, class F>
inline void service::handle_unary(F handler) {
    using check = handler_check<E, F, call_context>;
    using form = typename check::form;
    routes_.add(E::verb, E::path);
    add_function<E>();
    describers_.emplace_back(&describe_endpoint<E>);
    using returned = typename detail::form_result<form>::type;
    auto h = std::make_shared<F>(std::move(handler));
    // The answer once the handler's value is in (or the refusal of bad params).
    auto finish = [](reply<E> rep, call_context& ctx) {
        response r = to_response<E>(rep);
        r.headers = std::move(ctx.response_headers);
        r.set_cookie = std::move(ctx.set_cookie);
        return r;
    };
    invoker inv = declared<E>();
    inv.info = add_route_info(std::string_view(E::verb), std::string_view(E::path));
    if constexpr (requires { typename returned::value_type; typename returned::executor_type; }) {
        // The whole answer in one coroutine frame (caching and a handler's
        // exception included): run() returns it without a frame of its own.
        inv.async = [this, h, finish](const sxtp::request& req, route_params params, call_context& ctx) -> boost::asio::awaitable<response> {
            try {
                if (req.stream.value_or(false)) co_return stream_mismatch(true);
                auto args = decode_call<E>(req, params);
                if (!args) co_return condition_response(status_code::invalid, args.error());
                co_return cached(req, E::cache, finish(reply<E>(co_await form::invoke(*h, args->params, args->body, ctx)), ctx));
            } catch (const std::exception& e) {
                co_return handler_failed(req, ctx, e);
            }
        };
    } else {
        // A handler that returns its value never suspends: it runs inline,
        // without a coroutine of its own.
        inv.sync = [h, finish](const sxtp::request& req, const route_params& params, call_context& ctx) -> response {
            if (req.stream.value_or(false)) return stream_mismatch(true);
            auto args = decode_call<E>(req, params);
            if (!args) return condition_response(status_code::invalid, args.error());
            return finish(reply<E>(form::invoke(*h, args->params, args->body, ctx)), ctx);
        };
    }
    invokers_.push_back(std::move(inv));
}

template <class E, class F>
inline void service::handle_stream(F handler) {
    using check = stream_handler_check<E, F>;
    using form = typename check::form;
    routes_.add(E::verb, E::path);
    add_function<E>();
    describers_.emplace_back(&describe_endpoint<E>);
    invoker inv = declared<E>();
    inv.info = add_route_info(std::string_view(E::verb), std::string_view(E::path));
    inv.cache = cache_policy::none;  // a stream's answer is not one value to hash
    inv.async = [this, h = std::make_shared<F>(std::move(handler))](const sxtp::request& req, route_params params, call_context& ctx) {
        return answer_stream<E, form, typename check::value>(*h, req, std::move(params), ctx);
    };
    invokers_.push_back(std::move(inv));
}

template <class E, class Form, class Value, class F>
inline boost::asio::awaitable<response> service::answer_stream(F& h, const sxtp::request& req, route_params params, call_context& ctx) {
    try {
        if (req.stream.value_or(false) != client_streams<E>) co_return stream_mismatch(req.stream.value_or(false));
        auto args = decode_call<E>(req, params);
        if (!args) co_return condition_response(status_code::invalid, args.error());
        if (!ctx.ports_)
            co_return condition_response(status_code::error, make_condition(conditions::internal_error{}, "a stream needs a connection"));
        (void)ctx.trace();  // made before the stream copies the context: one span for the handler, the log and interceptors
        stream<E> s(ctx, ctx.ports_->stream_port_for(ctx.call_id_));
        std::optional<reply<E>> out;
        if constexpr (std::is_void_v<Value>) {
            co_await Form::invoke(h, args->params, args->body, s);
            out.emplace(no_result{});
        } else {
            out.emplace(co_await Form::invoke(h, args->params, args->body, s));
        }
        if constexpr (server_streams<E>) {
            if (out->ok() && !s.opened()) {  // an empty stream: head, then done
                bool opened = co_await s.open();
                (void)opened;
            }
        }
        response r = to_response<E>(*out);
        if (!s.opened()) {
            r.headers = std::move(s.response_headers);
            r.set_cookie = std::move(s.set_cookie);
        }
        co_return r;
    } catch (const std::exception& e) {
        co_return handler_failed(req, ctx, e);
    }
}

template <class E>
inline response service::to_response(const reply<E>& rep) {
    if (!rep.ok()) return condition_response(rep.status(), rep.condition());
    response r;
    r.status = rep.status();
    if constexpr (!std::is_same_v<typename E::result, no_result>) r.body = typed::to_sx(rep.value());
    return r;
}


template <class E>
inline service::invoker service::declared() {
    invoker inv;
    inv.required.assign(E::capabilities::names.begin(), E::capabilities::names.end());
    inv.cache = E::cache;
    return inv;
}

} // namespace sxtp

#endif
