// sxtp/wire/condition.hpp — conditions (SPEC §4): the wire form, and
// conditions declared as C++ types.
//
//   struct payment_declined {
//       static constexpr std::string_view sxtp_condition = "payment-declined";
//       static constexpr sxtp::status_code sxtp_status = sxtp::status_code::conflict;  // default: error
//       static constexpr bool sxtp_retry = false;                                       // default: false
//       BOOST_HANA_DEFINE_STRUCT(payment_declined, (std::string, reason));
//   };
//
//   sxtp::condition c = sxtp::make_condition(payment_declined{"card expired"}, "Payment declined");
//   // (condition :type payment-declined :message "Payment declined" :retry false :detail {:reason "card expired"})
//   auto d = sxtp::condition_as<payment_declined>(c);   // result<payment_declined, decode_error>
#ifndef SXTP_WIRE_CONDITION_HPP
#define SXTP_WIRE_CONDITION_HPP

#include <sxtp/sx/value.hpp>
#include <sxtp/typed/codec.hpp>
#include <sxtp/wire/status.hpp>

#include <boost/hana/define_struct.hpp>

#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace sxtp {

/// `(condition :type SYM [:path STR] [:message STR] [:retry BOOL] [:detail ANY])`.
/// `(condition :type T [:path P] [:message M] [:retry B] [:detail D] …)`.
/// A domain's own fields travel in `:detail`, or at the top level as seed
/// 001 writes them (`(condition :type payment-declined :reason … :provider
/// …)`): those are kept in `other` (and written back), and condition_as<C>
/// reads C from `:detail` and `other` together.
struct condition {
    static constexpr std::string_view sxtp_form = "condition";
    static constexpr std::string_view sxtp_extra = "other";
    BOOST_HANA_DEFINE_STRUCT(condition,
        (sx::symbol, type),
        (std::optional<std::string>, path),
        (std::optional<std::string>, message),
        (std::optional<bool>, retry),
        (std::optional<sx::value>, detail),
        (std::map<sx::keyword, sx::value>, other));
};

/// A condition declared as a C++ type: a `sxtp_condition` name that is a
/// valid symbol, and fields that marshal (they travel in `:detail`).
template <class C>
concept condition_type = requires {
    { C::sxtp_condition } -> std::convertible_to<std::string_view>;
} && typed::marshallable<C>;

namespace detail {
template <class C>
constexpr status_code condition_status() {
    if constexpr (requires { { C::sxtp_status } -> std::convertible_to<status_code>; }) return C::sxtp_status;
    else return status_code::error;
}
template <class C>
constexpr bool condition_retry() {
    if constexpr (requires { { C::sxtp_retry } -> std::convertible_to<bool>; }) return C::sxtp_retry;
    else return false;
}
template <class C>
constexpr void check_condition_type() {
    static_assert(requires { { C::sxtp_condition } -> std::convertible_to<std::string_view>; },
                  "sxtp: a condition type needs a name: static constexpr std::string_view sxtp_condition = \"my-condition\";");
    if constexpr (requires { { C::sxtp_condition } -> std::convertible_to<std::string_view>; })
        static_assert(sx::is_valid_symbol_name(std::string_view(C::sxtp_condition)),
                      "sxtp: sxtp_condition must be a valid symbol name (letters, digits, -, :, … not starting like a number)");
    static_assert(typed::marshallable<C>, "sxtp: a condition type's fields must marshal to SX (reflect it with Hana or Describe)");
    static_assert(condition_status<C>() > status_code::not_modified,
                  "sxtp: a condition's sxtp_status must be a failure status (error, not_found, forbidden, invalid, conflict, unavailable or other)");
}
} // namespace detail

/// The status a condition type is answered with (its `sxtp_status`, default error).
template <class C>
constexpr status_code status_of() {
    detail::check_condition_type<C>();
    return detail::condition_status<C>();
}

/// The wire condition for `c`: its type name, `:retry` from `sxtp_retry`,
/// its fields as `:detail` (left out when it has none), and the given message and path.
template <class C>
condition make_condition(const C& c, std::optional<std::string> message = std::nullopt, std::optional<std::string> path = std::nullopt) {
    detail::check_condition_type<C>();
    condition out;
    out.type = sx::symbol(std::string(std::string_view(C::sxtp_condition)));
    out.path = std::move(path);
    out.message = std::move(message);
    out.retry = detail::condition_retry<C>();
    sx::value d = typed::to_sx(c);
    if (!(d.is_dict() && d.empty())) out.detail = std::move(d);
    return out;
}

/// Whether `c` is a C.
template <class C>
bool is_condition(const condition& c) {
    detail::check_condition_type<C>();
    return c.type.name() == std::string_view(C::sxtp_condition);
}

/// Decodes `c`'s detail as C; fails (error::wrong_kind at `:type`) when `c` is another condition.
template <class C>
boost::system::result<C, typed::decode_error> condition_as(const condition& c) {
    detail::check_condition_type<C>();
    if (!is_condition<C>(c))
        return typed::decode_error{typed::error::wrong_kind, {":type"},
                                   "expected " + std::string(std::string_view(C::sxtp_condition)) + ", got " + std::string(c.type.name())};
    sx::value fields = c.detail && c.detail->is_dict() ? *c.detail : sx::value::make_dict();
    for (const auto& [k, v] : c.other)  // top-level domain fields; :detail's win
        if (!fields.find(k.name())) fields.insert_or_assign(sx::value::make_keyword_unchecked(k.name()), v);
    auto r = typed::try_from_sx<C>(c.detail && !c.detail->is_dict() ? *c.detail : fields);
    if (!r) {
        typed::decode_error e = r.error();
        e.path.insert(e.path.begin(), ":detail");
        return e;
    }
    return std::move(*r);
}

} // namespace sxtp

#endif
