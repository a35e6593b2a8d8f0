// sxtp/wire/messages.hpp — the seven messages of SPEC §3 as C++ types.
//
// Each is a form struct: it encodes as `(request :verb … :path …)` with its
// fields in the order declared below, leaves out absent optional fields, and
// decodes with the field path in every error (":headers :timeout-ms:
// expected integer, got string"). Unknown fields are ignored, except in
// headers, which keep them (`other`).
#ifndef SXTP_WIRE_MESSAGES_HPP
#define SXTP_WIRE_MESSAGES_HPP

#include <sxtp/sx/value.hpp>
#include <sxtp/typed/codec.hpp>
#include <sxtp/wire/condition.hpp>
#include <sxtp/wire/status.hpp>

#include <boost/hana/define_struct.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace sxtp {

/// A request's correlation tag: a non-negative integer or a string of at most 64 bytes.
class message_tag {
public:
    message_tag() = default;
    /// Throws std::invalid_argument for a negative number.
    message_tag(std::int64_t n) : v_(n) {
        if (n < 0) throw std::invalid_argument("sxtp: a tag must be a non-negative integer or a string of at most 64 bytes");
    }
    /// Throws std::invalid_argument for a string longer than 64 bytes.
    message_tag(std::string s) : v_(std::move(s)) {
        if (std::get<std::string>(v_).size() > 64)
            throw std::invalid_argument("sxtp: a tag must be a non-negative integer or a string of at most 64 bytes");
    }
    message_tag(const char* s) : message_tag(std::string(s)) {}
    const std::variant<std::int64_t, std::string>& get() const noexcept { return v_; }
    friend bool operator==(const message_tag&, const message_tag&) = default;
    friend auto operator<=>(const message_tag&, const message_tag&) = default;

    friend sx::value tag_invoke(typed::to_sx_tag, const message_tag& t) {
        return std::visit([](const auto& x) { return sx::value(x); }, t.v_);
    }
    friend message_tag tag_invoke(typed::from_sx_tag<message_tag>, const sx::value& v) {
        if (v.is_int()) return message_tag(v.as_int());
        if (v.is_string()) return message_tag(std::string(v.as_string()));
        throw typed::decode_exception({typed::error::wrong_kind, {}, "expected integer or string, got " + std::string(sx::to_string(v.type()))});
    }
    friend sx::value tag_invoke(typed::schema_tag<message_tag>) {
        return sx::value::list(sx::value::make_symbol_unchecked("one-of"), "integer", "string");
    }

private:
    std::variant<std::int64_t, std::string> v_{std::int64_t{0}};
};

/// A string or a list of strings (`:accept`, `:language`).
using string_or_list = std::variant<std::string, std::vector<std::string>>;

/// The standard headers (SPEC §6), typed, plus every other header in `other`.
struct headers {
    static constexpr std::string_view sxtp_extra = "other";
    BOOST_HANA_DEFINE_STRUCT(headers,
        (std::optional<string_or_list>, accept),
        (std::optional<string_or_list>, language),
        (std::optional<std::string>, if_match),
        (std::optional<std::vector<sx::symbol>>, capabilities),
        (std::optional<std::string>, origin),
        (std::optional<std::string>, content_type),
        (std::optional<std::string>, content_hash),
        (std::optional<sx::keyword>, cache),
        (std::optional<std::vector<sx::keyword>>, vary),
        (std::optional<sx::value>, link),
        (std::optional<std::string>, host),
        (std::optional<std::string>, location),
        (std::optional<std::int64_t>, timeout_ms),
        (std::map<sx::keyword, sx::value>, other));
};

/// One `:set-cookie` entry.
struct cookie {
    BOOST_HANA_DEFINE_STRUCT(cookie,
        (sx::value, value),
        (std::optional<std::int64_t>, max_age),
        (std::optional<std::string>, path),
        (std::optional<std::string>, domain),
        (std::optional<bool>, secure),
        (std::optional<sx::keyword>, same_site),
        (std::optional<bool>, delete_));
    static constexpr typed::rename sxtp_renames[] = {{"delete_", "delete"}};
};

/// `(request :verb SYM :path STR …)`
struct request {
    static constexpr std::string_view sxtp_form = "request";
    BOOST_HANA_DEFINE_STRUCT(request,
        (sx::symbol, verb),
        (std::string, path),
        (std::optional<message_tag>, tag),
        (std::optional<sxtp::headers>, headers),
        (std::optional<std::map<sx::keyword, sx::value>>, cookies),
        (std::optional<sx::value>, params),
        (std::optional<std::vector<sx::symbol>>, capabilities),
        (std::optional<sx::value>, auth),
        (std::optional<bool>, stream),
        (std::optional<sx::value>, body));
};

/// `(response :status SYM …)`
struct response {
    static constexpr std::string_view sxtp_form = "response";
    BOOST_HANA_DEFINE_STRUCT(response,
        (sxtp::status, status),
        (std::optional<message_tag>, tag),
        (std::optional<sxtp::headers>, headers),
        (std::optional<std::map<sx::keyword, cookie>>, set_cookie),
        (std::optional<bool>, stream),
        (std::optional<sx::value>, body));
};

/// A response with status `s` whose body is condition `c` (every non-success answer).
inline response condition_response(status_code s, const condition& c) {
    response r;
    r.status = s;
    r.body = typed::to_sx(c);
    return r;
}

/// The condition of a non-success answer: nullopt for a success, for an
/// answer without a body, and for a body that is not a `(condition …)`.
inline std::optional<condition> condition_of(const response& r) {
    if (r.status.is_success() || !r.body) return std::nullopt;
    auto c = typed::try_from_sx<condition>(*r.body);
    if (!c) return std::nullopt;
    return std::move(*c);
}

/// `(chunk [:tag T] [:seq INT] [:body ANY] [:done BOOL])`
struct chunk {
    static constexpr std::string_view sxtp_form = "chunk";
    BOOST_HANA_DEFINE_STRUCT(chunk,
        (std::optional<message_tag>, tag),
        (std::optional<std::int64_t>, seq),
        (std::optional<sx::value>, body),
        (std::optional<bool>, done));
};

/// `(event [:tag T] :type SYM [:id STR] [:body ANY] [:time INT])`
struct event {
    static constexpr std::string_view sxtp_form = "event";
    BOOST_HANA_DEFINE_STRUCT(event,
        (std::optional<message_tag>, tag),
        (sx::symbol, type),
        (std::optional<std::string>, id),
        (std::optional<sx::value>, body),
        (std::optional<std::int64_t>, time));
};

/// `(cancel :tag T)`
struct cancel {
    static constexpr std::string_view sxtp_form = "cancel";
    BOOST_HANA_DEFINE_STRUCT(cancel, (message_tag, tag));
};

/// `(credit :tag T :n INT)`
struct credit {
    static constexpr std::string_view sxtp_form = "credit";
    BOOST_HANA_DEFINE_STRUCT(credit, (message_tag, tag), (std::int64_t, n));
};

/// Any message.
using message = std::variant<request, response, condition, chunk, event, cancel, credit>;

/// Decodes a message by its head symbol. Errors: not a form of one of the
/// seven heads (error::wrong_kind), or a field of the wrong type (with its path).
namespace detail {
// SPEC §6: a message's `:headers :link`, if any, is a dict of related resources.
template <class M>
bool link_is_dict(const M& m) {
    if constexpr (requires { m.headers; }) return !m.headers || !m.headers->link || m.headers->link->is_dict();
    else return true;
}

// SPEC §4: the status a framework condition goes with; a domain's own
// conditions (unknown here) go with `error`.
inline status_code status_for_condition(std::string_view type) noexcept {
    struct pair {
        std::string_view type;
        status_code status;
    };
    static constexpr pair table[] = {
        {"resource-not-found", status_code::not_found},  {"unsupported-verb", status_code::invalid},
        {"invalid-params", status_code::invalid},        {"malformed-message", status_code::invalid},
        {"malformed-frame", status_code::invalid},       {"frame-too-large", status_code::invalid},
        {"unauthenticated", status_code::forbidden},     {"insufficient-capabilities", status_code::forbidden},
        {"origin-not-allowed", status_code::forbidden},  {"deadline-exceeded", status_code::error},
        {"cancelled", status_code::error},               {"overloaded", status_code::unavailable},
        {"shutting-down", status_code::unavailable},     {"internal-error", status_code::error},
    };
    for (const auto& p : table)
        if (p.type == type) return p.status;
    return status_code::error;
}

// spec.sx gives a response's :status as "Symbol or condition": a response
// written `(response :status (condition :type T …) …)` becomes the status
// that T goes with, the condition its body (unless it has one). nullopt:
// `v` is not such a response.
inline std::optional<sx::value> condition_status_as_body(const sx::value& v) {
    for (std::size_t i = 1; i + 1 < v.size(); i += 2) {  // keyword arguments: key, value, …
        if (!v[i].is_keyword() || v[i].name() != "status") continue;
        const sx::value& s = v[i + 1];
        if (!s.is_list() || s.empty() || !s[0].is_symbol() || s[0].name() != "condition") return std::nullopt;
        std::string_view type = "error";
        for (std::size_t k = 1; k + 1 < s.size(); k += 2)
            if (s[k].is_keyword() && s[k].name() == "type" && s[k + 1].is_symbol()) type = s[k + 1].name();
        sx::value out = v;
        out.items()[i + 1] = sx::value::make_symbol_unchecked(to_symbol_name(status_for_condition(type)));
        bool has_body = false;
        for (std::size_t k = 1; k + 1 < v.size(); k += 2)
            if (v[k].is_keyword() && v[k].name() == "body") has_body = true;
        if (!has_body) {
            out.push_back(sx::value::make_keyword_unchecked("body"));
            out.push_back(s);
        }
        return out;
    }
    return std::nullopt;
}
} // namespace detail

inline boost::system::result<message, typed::decode_error> decode_message(const sx::value& v) {
    if (!v.is_list() || v.empty() || !v[0].is_symbol())
        return typed::decode_error{typed::error::wrong_kind, {}, "expected a message form (request …), got " + std::string(sx::to_string(v.type()))};
    const std::string_view head = v[0].name();
    auto as = [&]<class M>(std::type_identity<M>) -> boost::system::result<message, typed::decode_error> {
        auto r = typed::try_from_sx<M>(v);
        if (!r) return r.error();
        if constexpr (requires { r->headers; })
            if (!detail::link_is_dict(*r))
                return typed::decode_error{typed::error::wrong_kind, {":headers", ":link"},
                                           "expected dict, got " + std::string(sx::to_string(r->headers->link->type()))};
        return message(std::move(*r));
    };
    if (head == "request") return as(std::type_identity<request>{});
    if (head == "response") {
        if (auto rewritten = detail::condition_status_as_body(v)) return decode_message(*rewritten);
        return as(std::type_identity<response>{});
    }
    if (head == "condition") return as(std::type_identity<condition>{});
    if (head == "chunk") return as(std::type_identity<chunk>{});
    if (head == "event") return as(std::type_identity<event>{});
    if (head == "cancel") return as(std::type_identity<cancel>{});
    if (head == "credit") return as(std::type_identity<credit>{});
    return typed::decode_error{typed::error::wrong_kind, {}, "unknown message head " + std::string(head)};
}

} // namespace sxtp

#endif
