// blog_api.hpp — one header of endpoint declarations, shared by the blog
// service and its clients: a call that does not match a declaration does
// not compile, on either side.
#ifndef SXTP_EXAMPLES_BLOG_API_HPP
#define SXTP_EXAMPLES_BLOG_API_HPP

#include <sxtp/typed.hpp>
#include <sxtp/wire.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace blog_api {

struct post {
    SXTP_DEFINE_STRUCT(post,
        (std::string, id),
        (std::string, title),
        (std::vector<std::string>, tags),
        (std::chrono::sys_seconds, created_at));
};

struct post_ref {
    SXTP_DEFINE_STRUCT(post_ref, (std::string, id));
};

struct page {
    SXTP_DEFINE_STRUCT(page, (std::optional<std::int32_t>, per_page), (std::optional<std::string>, after));
};

struct new_post {
    SXTP_DEFINE_STRUCT(new_post, (std::string, title), (std::vector<std::string>, tags));
};

/// (condition :type post-not-found :detail {:id "…"}), answered not-found.
struct post_not_found {
    static constexpr std::string_view sxtp_condition = "post-not-found";
    static constexpr sxtp::status_code sxtp_status = sxtp::status_code::not_found;
    SXTP_DEFINE_STRUCT(post_not_found, (std::string, id));
};

struct get_post : sxtp::endpoint<"fetch", "/blog/posts/{id}"> {
    using params = post_ref;
    using result = post;
    using raises = sxtp::raises<post_not_found>;
    using capabilities = sxtp::capabilities<"blog:read">;
    static constexpr auto cache = sxtp::cache_policy::revalidate;
};

struct list_posts : sxtp::endpoint<"fetch", "/blog/posts"> {
    using params = page;
    using result = std::vector<post>;
    using capabilities = sxtp::capabilities<"blog:read">;
};

struct create_post : sxtp::endpoint<"create", "/blog/posts"> {
    using body = new_post;
    using result = post;
    static constexpr auto success = sxtp::status_code::created;
    using capabilities = sxtp::capabilities<"blog:publish">;
};

} // namespace blog_api

#endif
