// sxtp/rpc/endpoint.hpp — endpoints as types, shared by server and client.
//
//   struct get_post : sxtp::endpoint<"fetch", "/blog/posts/{id}"> {
//       using params = get_post_params;              // reflected struct; has a field `id`
//       using result = post;                         // the response body
//       using raises = sxtp::raises<post_not_found>; // conditions it may answer with
//       using capabilities = sxtp::capabilities<"blog:read">;
//       static constexpr auto cache = sxtp::cache_policy::revalidate;
//   };
//
// Members a derived endpoint may redefine, with their defaults:
//   params        sxtp::no_params    a reflected struct (an SX dict)
//   body          sxtp::no_body      the request body type
//   result        sxtp::no_result    the response body type
//   chunk         sxtp::no_chunk     for streaming endpoints, the type of each chunk's body
//   events        sxtp::events<>     for streaming endpoints, the events it emits
//   request_chunk sxtp::no_chunk     for client-streaming endpoints, the type of
//                                    each chunk the client sends after the request
//   success       status_code::ok    the status of a successful answer
//   capabilities  capabilities<>     required capability symbols
//   cache         cache_policy::none (SPEC §8)
//   raises        raises<>           declared condition types
//   streaming     false              whether the answer is a stream of chunks
//                                    and/or events: implied by a chunk type or
//                                    events (saying it is still accepted)
//
// The four shapes of a call (SPEC §3): unary; server streaming (`chunk`
// and/or `events`: server_streams<E>); client streaming (`request_chunk`,
// one `result`); bidirectional (both).
//
// An event type is any marshallable type with a name:
//   struct new_post { static constexpr std::string_view sxtp_event = "new-post"; … };
// its value is the event's `:body`.
//
// `sxtp::endpoint_check<E>` checks all of it at compile time, each mistake
// with a sentence that names it and its fix; the server, the client and
// `make_request` instantiate it.
#ifndef SXTP_RPC_ENDPOINT_HPP
#define SXTP_RPC_ENDPOINT_HPP

#include <sxtp/sx/value.hpp>
#include <sxtp/typed/codec.hpp>
#include <sxtp/rpc/path_pattern.hpp>
#include <sxtp/typed/fixed_string.hpp>
#include <sxtp/wire/condition.hpp>
#include <sxtp/wire/status.hpp>

#include <boost/describe/class.hpp>

#include <array>
#include <string_view>

namespace sxtp {

/// SPEC §8 cache policies.
enum class cache_policy { none, revalidate, immutable };

/// No params: an empty dict (or none at all) on the wire.
struct no_params {};
BOOST_DESCRIBE_STRUCT(no_params, (), ())
/// No request body.
struct no_body {};
BOOST_DESCRIBE_STRUCT(no_body, (), ())
/// No response body.
struct no_result {};
BOOST_DESCRIBE_STRUCT(no_result, (), ())
/// Not a streaming endpoint.
struct no_chunk {};
BOOST_DESCRIBE_STRUCT(no_chunk, (), ())

namespace detail {
template <std::size_t N>
constexpr bool all_distinct(const std::array<std::string_view, N>& names) {
    for (std::size_t i = 0; i < N; ++i)
        for (std::size_t j = i + 1; j < N; ++j)
            if (names[i] == names[j]) return false;
    return true;
}
} // namespace detail

/// A type that can be an event: marshallable, with `sxtp_event` naming it.
template <class T>
concept event_type = requires {
    { T::sxtp_event } -> std::convertible_to<std::string_view>;
} && typed::marshallable<T>;

/// The events a streaming endpoint emits: `events<new_post, post_deleted>`.
template <class... Events>
struct events {
    static_assert((event_type<Events> && ...),
                  "sxtp::events<...>: every event type must be marshallable and name itself: "
                  "static constexpr std::string_view sxtp_event = \"its-name\";");
    static constexpr std::array<std::string_view, sizeof...(Events)> names = {std::string_view(Events::sxtp_event)...};
    static_assert(detail::all_distinct(names), "sxtp::events<...>: two events have the same sxtp_event name; rename one");
    static_assert(((sx::is_valid_symbol_name(std::string_view(Events::sxtp_event)) && std::string_view(Events::sxtp_event) != "heartbeat") && ...),
                  "sxtp::events<...>: an event name must be a valid symbol other than heartbeat (the protocol's own)");
    static constexpr std::size_t size = sizeof...(Events);
};

namespace detail {
template <class Ev, class Events>
struct is_event_of : std::false_type {};
template <class Ev, class... Es>
struct is_event_of<Ev, events<Es...>> : std::bool_constant<(std::is_same_v<Ev, Es> || ...)> {};

} // namespace detail

/// Required capabilities: `capabilities<"fetch", "db:read">`.
template <fixed_string... Names>
struct capabilities {
    static_assert((sx::is_valid_symbol_name(Names.view()) && ...),
                  "sxtp::capabilities<...>: every capability must be a valid symbol name, such as \"fetch\" or \"db:read\"");
    static constexpr std::array<std::string_view, sizeof...(Names)> names = {Names.view()...};
};

/// The condition types an endpoint may answer with: `raises<not_found, payment_declined>`.
template <class... Conditions>
struct raises {
    static_assert((condition_type<Conditions> && ...),
                  "sxtp::raises<...>: every raised type must be a condition type: give it "
                  "static constexpr std::string_view sxtp_condition = \"its-name\"; and reflect its fields");
    static constexpr std::array<std::string_view, sizeof...(Conditions)> names = {std::string_view(Conditions::sxtp_condition)...};
    static_assert(detail::all_distinct(names), "sxtp::raises<...>: two raised conditions have the same sxtp_condition name; rename one");
};

/// Base of every endpoint: fixes the verb and the path pattern.
template <fixed_string Verb, fixed_string Path>
struct endpoint {
    static_assert(sx::is_valid_symbol_name(Verb.view()),
                  "sxtp::endpoint<Verb, Path>: the verb must be a valid symbol name, such as \"fetch\" or \"mutate\"");
    static_assert(detail::valid_path_pattern(Path.view()),
                  "sxtp::endpoint<Verb, Path>: malformed path pattern; it starts with '/', has no empty segment, and a "
                  "parameter is a whole segment \"{name}\" with a C++ identifier inside");
    static_assert(detail::path_params_distinct(Path.view()),
                  "sxtp::endpoint<Verb, Path>: a path parameter appears twice; give each {name} its own name");

    static constexpr std::string_view verb = Verb.view();
    static constexpr std::string_view path = Path.view();
    using params = no_params;
    using body = no_body;
    using result = no_result;
    using chunk = no_chunk;
    using events = sxtp::events<>;
    using request_chunk = no_chunk;
    static constexpr status_code success = status_code::ok;
    using capabilities = sxtp::capabilities<>;
    static constexpr cache_policy cache = cache_policy::none;
    using raises = sxtp::raises<>;
    static constexpr bool streaming = false;
};

namespace detail {
template <class T>
constexpr bool has_field_named(std::string_view name) {
    if constexpr (typed::reflected_struct<T>) {
        for (std::string_view f : typed::detail::cxx_field_names<T>())
            if (f == name) return true;
    }
    return false;
}
template <class T>
constexpr bool fields_cover_path(std::string_view path) {
    const path_params pp = params_of_path(path);
    for (std::size_t i = 0; i < pp.count; ++i)
        if (!has_field_named<T>(pp.names[i])) return false;
    return true;
}
template <class E>
concept endpoint_like = requires {
    { E::verb } -> std::convertible_to<std::string_view>;
    { E::path } -> std::convertible_to<std::string_view>;
    typename E::params;
    typename E::body;
    typename E::result;
};
} // namespace detail

/// Checks an endpoint type at compile time; `endpoint_check<E>::ok` is true
/// when it compiles at all.
template <class E>
struct endpoint_check {
    static_assert(detail::endpoint_like<E>,
                  "sxtp: an endpoint type must derive from sxtp::endpoint<\"verb\", \"/path\">");
    static_assert(typed::reflected_struct<typename E::params>,
                  "sxtp: an endpoint's params must be a struct reflected with BOOST_HANA_DEFINE_STRUCT or BOOST_DESCRIBE_STRUCT "
                  "(params travel as a dict)");
    static_assert(detail::fields_cover_path<typename E::params>(E::path),
                  "sxtp: the endpoint's path has a {parameter} that is not a field of its params struct; add the field or "
                  "rename the parameter");
    static_assert(typed::marshallable<typename E::params>, "sxtp: the endpoint's params type cannot be marshalled to SX");
    static_assert(typed::marshallable<typename E::body>,
                  "sxtp: the endpoint's body type cannot be marshalled to SX; use a supported type or give it tag_invoke conversions");
    static_assert(typed::marshallable<typename E::result>,
                  "sxtp: the endpoint's result type cannot be marshalled to SX; use a supported type or give it tag_invoke conversions");
    static_assert(typed::marshallable<typename E::chunk>, "sxtp: the endpoint's chunk type cannot be marshalled to SX");
    static_assert(E::success <= status_code::not_modified,
                  "sxtp: an endpoint's success status must be ok, created, accepted, no_content, redirect or not_modified");
    static_assert(typed::marshallable<typename E::request_chunk>, "sxtp: the endpoint's request_chunk type cannot be marshalled to SX");
    static_assert(!E::streaming || !std::is_same_v<typename E::chunk, no_chunk> || E::events::size > 0,
                  "sxtp: a streaming endpoint must name the type of its chunks: using chunk = …; (or its events: using events = sxtp::events<…>;)");
    // Completing raises<...> and capabilities<...> runs their own checks.
    static constexpr bool ok = sizeof(typename E::raises) > 0 && sizeof(typename E::capabilities) > 0;
};

/// Whether the client sends a stream of chunks after the request.
template <class E>
inline constexpr bool client_streams = !std::is_same_v<typename E::request_chunk, no_chunk>;
/// Whether the answer is a stream: the endpoint names a chunk type or events
/// (or says `streaming = true`).
template <class E>
inline constexpr bool server_streams = E::streaming || !std::is_same_v<typename E::chunk, no_chunk> || E::events::size > 0;
/// Whether the call is anything but unary.
template <class E>
inline constexpr bool is_stream_endpoint = server_streams<E> || client_streams<E>;

/// An endpoint type that passes every check.
template <class E>
concept endpoint_type = detail::endpoint_like<E> && endpoint_check<E>::ok;

} // namespace sxtp

#endif
