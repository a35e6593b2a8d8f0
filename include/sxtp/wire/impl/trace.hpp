// Definitions for sxtp/wire/trace.hpp.
#ifndef SXTP_WIRE_IMPL_TRACE_HPP
#define SXTP_WIRE_IMPL_TRACE_HPP

namespace sxtp {

template <std::size_t N>
inline std::string trace_context::hex(const std::array<std::uint8_t, N>& a) {
    static constexpr char digits[] = "0123456789abcdef";
    std::string s;
    s.reserve(2 * N);
    for (auto b : a) {
        s.push_back(digits[b >> 4]);
        s.push_back(digits[b & 15]);
    }
    return s;
}

template <std::size_t N>
inline bool trace_context::parse_hex(std::string_view s, std::array<std::uint8_t, N>& out) noexcept {
    if (s.size() != 2 * N) return false;
    const auto digit = [](char c) -> int {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        return -1;  // uppercase is not allowed either
    };
    for (std::size_t i = 0; i < N; ++i) {
        const int hi = digit(s[2 * i]), lo = digit(s[2 * i + 1]);
        if (hi < 0 || lo < 0) return false;
        out[i] = static_cast<std::uint8_t>(hi * 16 + lo);
    }
    return true;
}

template <std::size_t N>
inline void trace_context::fill_random(std::array<std::uint8_t, N>& a) {
    // Seeded with 256 bits from the system (not one 32-bit word: across a
    // fleet, threads would share whole id sequences).
    thread_local std::mt19937_64 rng = [] {
        std::random_device rd;
        std::seed_seq seq{rd(), rd(), rd(), rd(), rd(), rd(), rd(), rd()};
        return std::mt19937_64(seq);
    }();
    do {
        for (std::size_t i = 0; i < N; i += 8) {
            const std::uint64_t r = rng();
            for (std::size_t j = 0; j < 8 && i + j < N; ++j) a[i + j] = static_cast<std::uint8_t>(r >> (8 * j));
        }
    } while (zero(a));
}

inline std::string trace_context::traceparent() const {
    return "00-" + hex(trace_id) + "-" + hex(span_id) + "-" + hex(std::array<std::uint8_t, 1>{flags});
}

inline trace_context trace_context::start() {
    trace_context t;
    fill_random(t.trace_id);
    fill_random(t.span_id);
    t.flags = 1;
    return t;
}

inline trace_context trace_context::child() const {
    trace_context t = *this;
    t.parent_id = span_id;
    fill_random(t.span_id);
    return t;
}

inline std::optional<trace_context> trace_context::from_traceparent(std::string_view v) {
    // version(2) - trace-id(32) - parent-id(16) - flags(2): 55 characters
    if (v.size() < 55) return std::nullopt;
    std::array<std::uint8_t, 1> version{}, flags{};
    if (!parse_hex(v.substr(0, 2), version) || version[0] == 0xff) return std::nullopt;
    if (v[2] != '-' || v[35] != '-' || v[52] != '-') return std::nullopt;
    if (version[0] == 0 ? v.size() != 55 : (v.size() > 55 && v[55] != '-')) return std::nullopt;
    trace_context caller;
    if (!parse_hex(v.substr(3, 32), caller.trace_id) || !parse_hex(v.substr(36, 16), caller.span_id) || !parse_hex(v.substr(53, 2), flags))
        return std::nullopt;
    if (zero(caller.trace_id) || zero(caller.span_id)) return std::nullopt;
    caller.flags = flags[0];
    return caller.child();
}

} // namespace sxtp

#endif
