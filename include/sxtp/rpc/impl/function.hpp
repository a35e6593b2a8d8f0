// Definitions for sxtp/rpc/function.hpp.
#ifndef SXTP_RPC_IMPL_FUNCTION_HPP
#define SXTP_RPC_IMPL_FUNCTION_HPP

namespace sxtp {

inline std::optional<request> request_of(const function_info& f, sx::value params, std::optional<sx::value> body, std::string* missing) {
    if (params.is_nil()) params = sx::value::make_dict();
    // A path parameter must be there: an empty segment would name another resource.
    const detail::path_params pp = detail::params_of_path(f.pattern);
    for (std::size_t i = 0; i < pp.count; ++i) {
        const std::string_view kw = f.path_keyword(pp.names[i]);
        if (!params.find(kw)) {
            if (missing) *missing = std::string(kw);
            return std::nullopt;
        }
    }
    // A params value that is not a dict goes into :params as it is: the
    // service refuses it, naming :params.
    request r;
    if (params.is_dict()) {
        r = detail::request_from(f.verb, f.pattern, std::move(params), f.path_keyword);
    } else {
        r.verb = sx::symbol(std::string(f.verb));
        r.path = std::string(f.pattern);  // no parameter in it (checked above)
        r.params = std::move(params);
    }
    if (f.takes_body) r.body = std::move(body);
    if (f.streams_in) r.stream = true;
    return r;
}

} // namespace sxtp

#endif
