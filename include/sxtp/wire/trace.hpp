// sxtp/wire/trace.hpp — the `:traceparent` header: W3C Trace Context
// (https://www.w3.org/TR/trace-context/) carried in SX.
//
//   (request :verb fetch :path "/x" :headers {:traceparent "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"})
//
// version "-" trace-id "-" parent-id "-" flags, lowercase hex: a trace id of
// 16 bytes and a parent (span) id of 8, neither all zero; version ff is
// invalid; a later version may append "-…" fields, which are ignored. A
// client sends one with every request (a fresh trace when the caller gave
// none); a server reads it, gives the call a span of its own in the same
// trace (call_context::trace()), and a handler passes that on to the calls
// it makes (`{.trace = ctx.trace()}`), so one trace id follows a request
// through every service it reaches. A malformed value is ignored, as the
// W3C rules ask: the server starts a new trace. (The client adds none when
// client_options::tracing is false, or to a request signed by the caller.)
#ifndef SXTP_WIRE_TRACE_HPP
#define SXTP_WIRE_TRACE_HPP

#include <sxtp/wire/messages.hpp>

#include <array>
#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <string_view>

namespace sxtp {

/// One position in a trace: the trace, this span, its parent (all zero for
/// the first span of a trace) and the trace flags (bit 0: sampled).
/// Trivially copyable, so it may be written inside a co_await expression.
struct trace_context {
    std::array<std::uint8_t, 16> trace_id{};
    std::array<std::uint8_t, 8> span_id{};
    std::array<std::uint8_t, 8> parent_id{};
    std::uint8_t flags = 0;

    bool sampled() const noexcept { return (flags & 1) != 0; }
    bool valid() const noexcept { return !zero(trace_id) && !zero(span_id); }

    /// A :traceparent value naming this span as the parent (what a call made
    /// in this span sends).
    std::string traceparent() const;
    /// The trace id (32 hex digits), the span id and the parent id (16).
    std::string trace_id_hex() const { return hex(trace_id); }
    std::string span_id_hex() const { return hex(span_id); }
    std::string parent_id_hex() const { return hex(parent_id); }

    /// A new trace (sampled), its first span.
    static trace_context start();
    /// A new span in this trace, child of this one.
    trace_context child() const;
    /// The span a call with this `:traceparent` value runs in: a child of
    /// the span it names. std::nullopt when the value is malformed.
    static std::optional<trace_context> from_traceparent(std::string_view v);

private:
    template <std::size_t N>
    static bool zero(const std::array<std::uint8_t, N>& a) noexcept {
        for (auto b : a)
            if (b) return false;
        return true;
    }
    template <std::size_t N>
    static std::string hex(const std::array<std::uint8_t, N>& a);
    template <std::size_t N>
    static bool parse_hex(std::string_view s, std::array<std::uint8_t, N>& out) noexcept;
    template <std::size_t N>
    static void fill_random(std::array<std::uint8_t, N>& a);
};

/// The request's `:traceparent` (kept among the headers' `other`: a value
/// that is not a string is ignored like a malformed one).
inline std::optional<std::string_view> traceparent_of(const headers& h) {
    auto it = h.other.find(sx::keyword("traceparent"));
    if (it == h.other.end() || !it->second.is_string()) return std::nullopt;
    return it->second.as_string();
}
/// Sets `:traceparent` to name `t` as the parent.
inline void set_traceparent(headers& h, const trace_context& t) { h.other[sx::keyword("traceparent")] = sx::value::make_string(t.traceparent()); }

} // namespace sxtp

#include <sxtp/wire/impl/trace.hpp>

#endif
