#!/usr/bin/env python3
"""Writes the two translation units of the compile-time comparison:

  service.proto + grpc_service.cpp   a gRPC service of 30 RPCs over 16 message
                                     types, with a server class overriding
                                     every RPC (the generated code is compiled too)
  sxtp_service.cpp                   the same 30 endpoints and 16 types declared
                                     with sxtp: the server (server.hpp) with a
                                     handler registered per endpoint (checks,
                                     call decoding, result encoding, inspect
                                     description) and the client (client.hpp)
                                     building each endpoint's request

usage: generate.py OUTPUT_DIR
"""
import os
import sys

MESSAGES = {
    "PostRef": [("id", "string")],
    "Page": [("page", "int64"), ("per_page", "int32"), ("cursor", "string")],
    "Author": [("name", "string"), ("email", "string"), ("id", "int64")],
    "Post": [("id", "string"), ("title", "string"), ("body", "string"), ("author", "Author"),
             ("tags", "repeated string"), ("score", "double"), ("published", "bool"), ("created_at", "int64")],
    "PostList": [("items", "repeated Post"), ("total", "int64"), ("next", "string")],
    "Comment": [("id", "string"), ("post_id", "string"), ("author", "Author"), ("text", "string"), ("likes", "int32")],
    "CommentList": [("items", "repeated Comment"), ("total", "int64")],
    "User": [("id", "int64"), ("name", "string"), ("bio", "string"), ("followers", "int64"), ("verified", "bool")],
    "UserRef": [("id", "int64")],
    "UserList": [("items", "repeated User"), ("next", "string")],
    "Query": [("text", "string"), ("tags", "repeated string"), ("limit", "int32")],
    "Settings": [("theme", "string"), ("language", "string"), ("notify", "bool"), ("page_size", "int32")],
    "Media": [("id", "string"), ("mime", "string"), ("size", "int64"), ("url", "string")],
    "Stats": [("posts", "int64"), ("comments", "int64"), ("users", "int64"), ("load", "double")],
    "Order": [("id", "string"), ("product", "string"), ("quantity", "int32"), ("price", "double"), ("paid", "bool")],
    "Ack": [("ok", "bool"), ("message", "string")],
}

# name, verb, path, params, body, result
RPCS = [
    ("GetPost", "fetch", "/posts/{id}", "PostRef", None, "Post"),
    ("ListPosts", "fetch", "/posts", "Page", None, "PostList"),
    ("CreatePost", "create", "/posts", None, "Post", "Post"),
    ("UpdatePost", "mutate", "/posts/{id}", "PostRef", "Post", "Post"),
    ("DeletePost", "delete", "/posts/{id}", "PostRef", None, "Ack"),
    ("GetComment", "fetch", "/comments/{id}", "PostRef", None, "Comment"),
    ("ListComments", "fetch", "/posts/{id}/comments", "PostRef", None, "CommentList"),
    ("CreateComment", "create", "/comments", None, "Comment", "Comment"),
    ("DeleteComment", "delete", "/comments/{id}", "PostRef", None, "Ack"),
    ("GetUser", "fetch", "/users/{id}", "UserRef", None, "User"),
    ("UpdateUser", "mutate", "/users/{id}", "UserRef", "User", "User"),
    ("ListFollowers", "fetch", "/users/{id}/followers", "UserRef", None, "UserList"),
    ("Follow", "follow", "/users/{id}", "UserRef", None, "Ack"),
    ("Unfollow", "unfollow", "/users/{id}", "UserRef", None, "Ack"),
    ("SearchPosts", "query", "/search", None, "Query", "PostList"),
    ("GetTag", "fetch", "/tags/{id}", "PostRef", None, "PostList"),
    ("ListTags", "fetch", "/tags", "Page", None, "PostList"),
    ("GetFeed", "fetch", "/feed", "Page", None, "PostList"),
    ("MarkRead", "mutate", "/posts/{id}/read", "PostRef", None, "Ack"),
    ("GetNotifications", "fetch", "/notifications", "Page", None, "CommentList"),
    ("GetSettings", "fetch", "/settings", None, None, "Settings"),
    ("UpdateSettings", "mutate", "/settings", None, "Settings", "Settings"),
    ("UploadMedia", "create", "/media", None, "Media", "Media"),
    ("GetMedia", "fetch", "/media/{id}", "PostRef", None, "Media"),
    ("ListMedia", "fetch", "/media", "Page", None, "UserList"),
    ("ReportPost", "report", "/posts/{id}", "PostRef", "Comment", "Ack"),
    ("GetStats", "fetch", "/stats", None, None, "Stats"),
    ("GetProduct", "fetch", "/products/{id}", "PostRef", None, "Order"),
    ("ListProducts", "fetch", "/products", "Page", None, "UserList"),
    ("PlaceOrder", "create", "/orders", None, "Order", "Order"),
]

CXX_TYPES = {"string": "std::string", "int64": "std::int64_t", "int32": "std::int32_t", "double": "double", "bool": "bool"}


def snake(name):
    out = ""
    for i, c in enumerate(name):
        if c.isupper() and i:
            out += "_"
        out += c.lower()
    return out


def cxx_type(t):
    if t.startswith("repeated "):
        return "std::vector<%s>" % cxx_type(t[len("repeated "):])
    return CXX_TYPES.get(t, "::bench::" + snake(t))


def write_proto(out):
    lines = ['syntax = "proto3";', "package bench;", ""]
    lines.append("message Empty {}")
    for name, fields in MESSAGES.items():
        lines.append("message %s {" % name)
        for i, (f, t) in enumerate(fields, 1):
            lines.append("  %s %s = %d;" % (t, f, i))
        lines.append("}")
    lines.append("message Request_ { }")
    lines.append("service Blog {")
    for name, verb, path, params, body, result in RPCS:
        arg = body or params or "Empty"
        lines.append("  rpc %s(%s) returns (%s);" % (name, arg, result))
    lines.append("}")
    open(os.path.join(out, "service.proto"), "w").write("\n".join(lines) + "\n")

    cpp = ["#include \"service.grpc.pb.h\"", "#include <grpcpp/grpcpp.h>", "", "class blog_service final : public bench::Blog::Service {"]
    for name, verb, path, params, body, result in RPCS:
        arg = body or params or "Empty"
        cpp.append("    grpc::Status %s(grpc::ServerContext*, const bench::%s* in, bench::%s* out) override {" % (name, arg, result))
        cpp.append("        (void)in;")
        cpp.append("        (void)out;")
        cpp.append("        return grpc::Status::OK;")
        cpp.append("    }")
    cpp.append("};")
    cpp.append("")
    cpp.append("int main() {")
    cpp.append("    blog_service service;")
    cpp.append("    grpc::ServerBuilder builder;")
    cpp.append("    builder.RegisterService(&service);")
    cpp.append("    auto channel = grpc::CreateChannel(\"localhost:1\", grpc::InsecureChannelCredentials());")
    cpp.append("    auto stub = bench::Blog::NewStub(channel);")
    cpp.append("    return stub ? 0 : 1;")
    cpp.append("}")
    open(os.path.join(out, "grpc_service.cpp"), "w").write("\n".join(cpp) + "\n")


def write_sxtp(out):
    cpp = ["#include <sxtp/client/client.hpp>", "#include <sxtp/server/server.hpp>", "", "#include <boost/asio/io_context.hpp>",
           "#include <boost/hana/define_struct.hpp>", "",
           "#include <cstdint>", "#include <string>", "#include <vector>", "", "namespace bench {", ""]
    for name, fields in MESSAGES.items():
        members = ", ".join("(%s, %s)" % (cxx_type(t), f) for f, t in fields)
        cpp.append("struct %s {" % snake(name))
        cpp.append("    BOOST_HANA_DEFINE_STRUCT(%s, %s);" % (snake(name), members))
        cpp.append("};")
    cpp.append("")
    for name, verb, path, params, body, result in RPCS:
        cpp.append('struct %s : sxtp::endpoint<"%s", "%s"> {' % (snake(name), verb, path))
        if params:
            cpp.append("    using params = %s;" % snake(params))
        if body:
            cpp.append("    using body = %s;" % snake(body))
        cpp.append("    using result = %s;" % snake(result))
        cpp.append("};")
    cpp.append("")
    cpp.append("// What a client instantiates per endpoint besides the call: its request.")
    cpp.append("template <class E>")
    cpp.append("std::size_t request_size() {")
    cpp.append("    return sxtp::typed::to_sx(sxtp::make_request<E>(typename E::params{}, typename E::body{})).size();")
    cpp.append("}")
    cpp.append("")
    cpp.append("} // namespace bench")
    cpp.append("")
    cpp.append("int main() {")
    cpp.append("    boost::asio::io_context io;")
    cpp.append("    sxtp::server srv(io.get_executor());")
    for name, verb, path, params, body, result in RPCS:
        args = ", ".join(a for a in [("const bench::%s&" % snake(params)) if params else None,
                                       ("const bench::%s&" % snake(body)) if body else None] if a)
        cpp.append("    srv.handle<bench::%s>([](%s) { return bench::%s{}; });" % (snake(name), args, snake(result)))
    cpp.append("    std::size_t n = 0;")
    for name, *_ in RPCS:
        cpp.append("    n += bench::request_size<bench::%s>();" % snake(name))
    cpp.append("    sxtp::client c(io.get_executor(), \"sxtp://127.0.0.1:1\");")
    cpp.append("    srv.listen(\"sxtp://127.0.0.1:0\");")
    cpp.append("    return n == 0;")
    cpp.append("}")
    open(os.path.join(out, "sxtp_service.cpp"), "w").write("\n".join(cpp) + "\n")


if __name__ == "__main__":
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    write_proto(out)
    write_sxtp(out)
