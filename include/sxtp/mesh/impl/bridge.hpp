// Definitions for sxtp/mesh/bridge.hpp.
#ifndef SXTP_MESH_IMPL_BRIDGE_HPP
#define SXTP_MESH_IMPL_BRIDGE_HPP

#include <sxtp/security/hmac.hpp>
#include <sxtp/typed/plain.hpp>

namespace sxtp::mesh {

namespace detail {

inline channel_message invalid(std::string name, boost::json::value id, std::string field, std::string problem) {
    return refusal_message(std::move(name), status_code::invalid, sxtp::detail::invalid_params(std::move(field), std::move(problem)), std::move(id));
}

// A JSON value as plain SX, or the problem.
inline std::optional<sx::value> plain_of(const boost::json::value& j, std::string& problem) {
    try {
        return from_json(j);
    } catch (const std::exception& e) {
        problem = e.what();
        return std::nullopt;
    }
}

inline boost::json::object answer_metadata(const response& r, const boost::json::value& id) {
    boost::json::object md;
    md["status"] = r.status.name();
    if (!id.is_null()) md["id"] = id;
    return md;
}

} // namespace detail

inline channel_message refusal_message(std::string function_name, status_code s, const condition& c, boost::json::value id) {
    return answer_message(bridged_call{{}, nullptr, std::move(function_name), std::move(id)}, condition_response(s, c));
}

inline std::variant<bridged_call, channel_message> to_call(const service& svc, const channel_headers& h, channel_message m) {
    bridged_call call;
    call.function_name = std::move(m.function_name);
    if (auto* id = m.metadata.if_contains("id"); id && (id->is_string() || id->is_int64() || id->is_uint64())) call.id = *id;
    const std::string& name = call.function_name;
    std::string problem;

    std::optional<sx::value> params, body;
    if (name == "ping" || name == "health") {
        call.req.verb = sx::symbol(name);
        call.req.path = "/";
        if (!m.payload.is_null()) {
            params = detail::plain_of(m.payload, problem);
            if (!params) return detail::invalid(name, call.id, ":payload", problem);
            call.req.params = std::move(*params);
        }
    } else {
        const function_info* f = svc.function(name);
        if (!f)
            return refusal_message(name, status_code::not_found,
                                   make_condition(conditions::unknown_function{name.substr(0, 256)}, "no function of that name"), call.id);
        call.function = f;
        const boost::json::value* p = &m.payload;
        const boost::json::value* b = nullptr;
        if (f->takes_params && f->takes_body) {
            if (!m.payload.is_object())
                return detail::invalid(name, call.id, ":payload", "expected {\"params\": …, \"body\": …}");
            p = m.payload.as_object().if_contains("params");
            b = m.payload.as_object().if_contains("body");
        } else if (f->takes_body) {
            b = &m.payload;
            p = nullptr;
        } else if (!f->takes_params) {
            const bool empty = m.payload.is_null() || (m.payload.is_object() && m.payload.as_object().empty());
            if (!empty) return detail::invalid(name, call.id, ":payload", "this function takes no payload");
            p = nullptr;
        }
        if (p) {
            params = detail::plain_of(*p, problem);
            if (!params) return detail::invalid(name, call.id, ":params", problem);
            f->params_from_plain(*params);
        }
        if (b) {
            body = detail::plain_of(*b, problem);
            if (!body) return detail::invalid(name, call.id, ":body", problem);
            f->body_from_plain(*body);
        }
        std::string missing;
        auto req = request_of(*f, params ? std::move(*params) : sx::value(), std::move(body), &missing);
        if (!req) return detail::invalid(name, call.id, ":params :" + missing, "missing (a path parameter)");
        call.req = std::move(*req);
    }

    // metadata (but id and auth) → :headers; auth → :auth
    std::vector<std::pair<sx::value, sx::value>> entries;
    for (const auto& e : m.metadata) {
        const std::string_view k = e.key();
        if (k == "id" || k == "auth") continue;
        if (!sx::is_valid_keyword_name(k)) return detail::invalid(name, call.id, ":metadata", "\"" + std::string(k.substr(0, 64)) + "\" is not a header name");
        auto v = detail::plain_of(e.value(), problem);
        if (!v) return detail::invalid(name, call.id, ":metadata " + std::string(k), problem);
        entries.emplace_back(sx::value::make_keyword_unchecked(k), std::move(*v));
    }
    sx::value hdrs = sx::dict_of(std::move(entries));  // any key order in O(n log n)
    if (!hdrs.empty()) {
        typed::from_plain<sxtp::headers>(hdrs);
        auto decoded = typed::try_from_sx<sxtp::headers>(hdrs);
        if (!decoded) return detail::invalid(name, call.id, ":metadata", decoded.error().message());
        call.req.headers = std::move(*decoded);
    }
    if (auto* a = m.metadata.if_contains("auth")) {
        auto v = detail::plain_of(*a, problem);
        if (!v) return detail::invalid(name, call.id, ":metadata auth", problem);
        typed::from_plain<security::hmac_auth>(*v);
        call.req.auth = std::move(*v);
    } else if (h.bearer) {
        call.req.auth = sx::value::list(sx::value::make_symbol_unchecked("bearer"), *h.bearer);
    }
    return call;
}

inline channel_message answer_message(const bridged_call& call, const response& r) {
    channel_message m;
    m.function_name = call.function_name;
    m.metadata = detail::answer_metadata(r, call.id);
    try {
        if (auto c = condition_of(r)) {
            sx::value cv = typed::to_sx(*c);
            typed::to_plain<condition>(cv);
            m.metadata["error"] = to_json(cv);
        } else if (r.body) {
            sx::value body = *r.body;
            if (call.function && call.function->result_to_plain && r.status.is_success()) call.function->result_to_plain(body);
            m.payload = to_json(body);
        }
    } catch (const std::exception& e) {
        response err = condition_response(status_code::error,
                                          make_condition(sxtp::conditions::malformed_result{":payload", e.what()}, "the answer has no JSON form"));
        m.payload = nullptr;
        m.metadata = detail::answer_metadata(err, call.id);
        sx::value cv = typed::to_sx(*condition_of(err));
        typed::to_plain<condition>(cv);
        m.metadata["error"] = to_json(cv);
    }
    return m;
}

inline channel_message chunk_message(const bridged_call& call, sx::value chunk, std::uint64_t n) {
    channel_message m;
    m.function_name = call.function_name;
    if (call.function && call.function->chunk_to_plain) call.function->chunk_to_plain(chunk);
    m.payload = to_json(chunk);
    m.metadata["chunk"] = n;
    if (!call.id.is_null()) m.metadata["id"] = call.id;
    return m;
}

inline channel_message event_message(const bridged_call& call, std::string_view event, sx::value body) {
    channel_message m;
    m.function_name = call.function_name;
    m.payload = to_json(body);
    m.metadata["event"] = event;
    if (!call.id.is_null()) m.metadata["id"] = call.id;
    return m;
}

} // namespace sxtp::mesh

#endif
