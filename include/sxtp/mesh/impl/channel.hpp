// Definitions for sxtp/mesh/channel.hpp.
#ifndef SXTP_MESH_IMPL_CHANNEL_HPP
#define SXTP_MESH_IMPL_CHANNEL_HPP

#include <stdexcept>

namespace sxtp::mesh {

inline std::string frame_message(const channel_message& m) {
    boost::json::object o;
    o["function_name"] = m.function_name;
    o["payload"] = m.payload;
    o["metadata"] = m.metadata;
    const std::string json = boost::json::serialize(o);
    if (json.size() > 0xFFFFFFFFu) throw std::length_error("sxtp: a Mesh message of 4 GiB or more cannot be framed");
    const auto n = static_cast<std::uint32_t>(json.size());
    std::string out;
    out.reserve(4 + json.size());
    out.push_back(static_cast<char>(n >> 24));
    out.push_back(static_cast<char>((n >> 16) & 0xFF));
    out.push_back(static_cast<char>((n >> 8) & 0xFF));
    out.push_back(static_cast<char>(n & 0xFF));
    out += json;
    return out;
}

inline std::string_view describe(message_error e) noexcept {
    switch (e) {
    case message_error::bad_json: return "the message is not JSON (or nests deeper than 64 levels)";
    case message_error::not_object: return "the message is not a JSON object";
    case message_error::bad_function_name: return "the message has no string function_name";
    case message_error::bad_metadata: return "the message's metadata is not an object";
    }
    return "malformed message";
}

inline boost::system::result<channel_message, message_error> parse_message(std::string_view json) {
    boost::json::parse_options opt;
    opt.max_depth = json_max_depth;
    boost::system::error_code ec;
    boost::json::value v = boost::json::parse(json, ec, {}, opt);
    if (ec) return message_error::bad_json;
    if (!v.is_object()) return message_error::not_object;
    auto& o = v.as_object();
    channel_message m;
    auto* f = o.if_contains("function_name");
    if (!f || !f->is_string()) return message_error::bad_function_name;
    m.function_name = std::string(f->as_string());
    if (auto* p = o.if_contains("payload")) m.payload = std::move(*p);
    if (auto* md = o.if_contains("metadata")) {
        if (md->is_object()) m.metadata = std::move(md->as_object());
        else if (!md->is_null()) return message_error::bad_metadata;
    }
    return m;
}

template <class F>
message_framer::status message_framer::append(std::string_view data, F&& on_message) {
    if (at_ == buf_.size()) {  // nothing held: start over, without copying what was consumed
        buf_.clear();
        at_ = 0;
    }
    buf_.append(data);
    while (buf_.size() - at_ >= 4) {
        const auto* p = reinterpret_cast<const unsigned char*>(buf_.data() + at_);
        const std::uint64_t n = (std::uint64_t(p[0]) << 24) | (std::uint64_t(p[1]) << 16) | (std::uint64_t(p[2]) << 8) | p[3];
        if (n > max_) return status::too_large;
        if (buf_.size() - at_ - 4 < n) break;
        on_message(std::string_view(buf_.data() + at_ + 4, static_cast<std::size_t>(n)));
        at_ += 4 + static_cast<std::size_t>(n);
    }
    if (at_ > 0 && at_ >= buf_.size() / 2) {  // compact: what is held stays at most twice its size
        buf_.erase(0, at_);
        at_ = 0;
    }
    return status::ok;
}

} // namespace sxtp::mesh

#endif
