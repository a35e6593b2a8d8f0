// The sxtp tool's network commands: call, inspect, ping, subscribe.
// Included once by main.cpp.
#ifndef SXTP_TOOLS_NET_COMMANDS_HPP
#define SXTP_TOOLS_NET_COMMANDS_HPP

#include <sxtp/client/client.hpp>
#include <sxtp/sx.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

namespace sxtp_tool {

namespace sx = sxtp::sx;
namespace asio = boost::asio;

/// Exit statuses of the network commands (see the usage text).
enum exit_status : int {
    exit_success = 0,       // a success status (ok … not-modified)
    exit_local_error = 1,   // bad input given to the tool (SX that does not read, a file that cannot be read)
    exit_usage = 2,
    exit_unreachable = 3,   // the request could not be delivered or answered: connect, TLS, broken connection, the tool's timeout
    exit_client_status = 4, // not-found, forbidden, invalid, conflict: the request was refused
    exit_server_status = 5  // error, unavailable: the server failed
};

struct net_options {
    std::string command;
    std::string uri;
    std::string verb;
    std::optional<std::string> path;  // overrides the URI's path (for unix: addresses)
    std::optional<std::string> params, body;
    std::vector<std::pair<std::string, std::string>> headers;
    std::vector<std::string> capabilities;
    std::optional<std::string> auth;
    std::optional<std::chrono::milliseconds> timeout;
    std::optional<std::string> cacert;
    bool insecure = false;
    bool plaintext_credentials = false;  // --plaintext-credentials
    std::optional<std::string> service;  // health --service
    std::optional<bool> color;  // --color / --no-color; default: when stdout is a terminal and NO_COLOR is unset
    bool full = false;          // print the whole response message
    int count = 1;              // ping
};

// -- output -----------------------------------------------------------------------

bool use_color(const net_options& o) {
    if (o.color) return *o.color;
    const char* no = std::getenv("NO_COLOR");
    return ::isatty(1) && !(no && *no);
}

// Colours pretty SX text: strings green, keywords cyan, numbers yellow,
// nil/true/false magenta, brackets dim. The text is the printer's, so a
// lexical pass is exact.
std::string colorize(std::string_view text) {
    static constexpr std::string_view reset = "\x1b[0m", green = "\x1b[32m", cyan = "\x1b[36m", yellow = "\x1b[33m",
                                      magenta = "\x1b[35m", dim = "\x1b[2m";
    auto delimiter = [](char c) { return c == ' ' || c == '\n' || c == '(' || c == ')' || c == '{' || c == '}' || c == '\''; };
    std::string out;
    out.reserve(text.size() + text.size() / 4);
    for (std::size_t i = 0; i < text.size();) {
        const char c = text[i];
        if (c == '"') {
            std::size_t j = i + 1;
            while (j < text.size() && text[j] != '"') j += text[j] == '\\' ? 2 : 1;
            j = std::min(j + 1, text.size());
            out.append(green).append(text.substr(i, j - i)).append(reset);
            i = j;
        } else if (c == '(' || c == ')' || c == '{' || c == '}') {
            out.append(dim).push_back(c);
            out.append(reset);
            ++i;
        } else if (delimiter(c)) {
            out.push_back(c);
            ++i;
        } else {
            std::size_t j = i;
            while (j < text.size() && !delimiter(text[j])) ++j;
            const std::string_view atom = text.substr(i, j - i);
            std::string_view color;
            if (atom[0] == ':') color = cyan;
            else if (atom == "nil" || atom == "true" || atom == "false") color = magenta;
            else if ((atom[0] >= '0' && atom[0] <= '9') || (atom.size() > 1 && atom[0] == '-' && atom[1] >= '0' && atom[1] <= '9')) color = yellow;
            if (color.empty()) out.append(atom);
            else out.append(color).append(atom).append(reset);
            i = j;
        }
    }
    return out;
}

// A value for people: pretty (coloured on a terminal) or one canonical line when piped.
std::string show(const sx::value& v, bool color) {
    if (!color) return sx::pretty(v);
    return colorize(sx::pretty(v));
}

int exit_for(const sxtp::response& r) {
    const auto code = r.status.code();
    if (r.status.is_success()) return exit_success;
    if (const auto c = sxtp::condition_of(r); c && c->type.name() == "connection-failed") return exit_unreachable;
    switch (code) {
    case sxtp::status_code::not_found:
    case sxtp::status_code::forbidden:
    case sxtp::status_code::invalid:
    case sxtp::status_code::conflict: return exit_client_status;
    default: return exit_server_status;
    }
}

// Prints an answer: the body of a success (or the whole message with
// --full) on stdout; a failure's status and condition on stderr.
void print_answer(const net_options& o, const sxtp::response& r) {
    const bool color = use_color(o);
    if (o.full) {
        sxtp::response shown = r;
        shown.tag.reset();  // the connection's own
        std::cout << show(sxtp::typed::to_sx(shown), color) << '\n';
        return;
    }
    if (r.status.is_success()) {
        if (r.body) std::cout << show(*r.body, color) << '\n';
        return;
    }
    std::cerr << "status: " << r.status.name() << '\n';
    if (r.body) std::cerr << show(*r.body, color && ::isatty(2)) << '\n';
}

// -- input ------------------------------------------------------------------------

std::optional<std::string> slurp(const std::string& file) {
    std::ifstream in(file, std::ios::binary);
    if (!in) return std::nullopt;
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

// SX from an argument: the text itself, or @FILE's contents.
std::optional<sx::value> read_arg(std::string_view what, const std::string& arg) {
    std::string text = arg;
    if (!arg.empty() && arg[0] == '@') {
        auto f = slurp(arg.substr(1));
        if (!f) {
            std::cerr << "error: cannot read " << arg.substr(1) << " for " << what << '\n';
            return std::nullopt;
        }
        text = std::move(*f);
    }
    auto v = sx::try_read(text);
    if (!v) {
        std::cerr << "error: " << what << ": " << v.error().message() << '\n';
        return std::nullopt;
    }
    return std::move(*v);
}

// The request the options describe, or nullopt after printing why not.
std::optional<sxtp::request> build_request(const net_options& o, const sxtp::net::address& where) {
    sxtp::request req;
    if (!sx::is_valid_symbol_name(o.verb)) {
        std::cerr << "error: verb '" << o.verb << "' is not a symbol\n";
        return std::nullopt;
    }
    req.verb = sx::symbol(o.verb);
    req.path = o.path.value_or(where.path);
    if (o.params) {
        auto v = read_arg("--params", *o.params);
        if (!v) return std::nullopt;
        req.params = std::move(*v);
    }
    if (o.body) {
        auto v = read_arg("--body", *o.body);
        if (!v) return std::nullopt;
        req.body = std::move(*v);
    }
    if (!o.headers.empty()) {
        sx::value dict = sx::value::make_dict();
        for (const auto& [k, text] : o.headers) {
            auto v = read_arg("--header " + k, text);
            if (!v) return std::nullopt;
            if (k.empty() || !sx::is_valid_symbol_name(k)) {
                std::cerr << "error: --header " << k << ": the name must be a keyword name, such as accept or if-match\n";
                return std::nullopt;
            }
            dict.insert_or_assign(sx::value::make_keyword_unchecked(k), std::move(*v));
        }
        if (where.transport != sxtp::net::transport::unix_socket && !dict.find("host")) dict.insert_or_assign(sx::value::make_keyword_unchecked("host"), where.host);
        auto h = sxtp::typed::try_from_sx<sxtp::headers>(dict);
        if (!h) {
            std::cerr << "error: --header: " << h.error().message() << '\n';
            return std::nullopt;
        }
        req.headers = std::move(*h);
    } else if (where.transport != sxtp::net::transport::unix_socket) {
        req.headers.emplace();
        req.headers->host = where.host;
    }
    if (!o.capabilities.empty()) {
        std::vector<sx::symbol> caps;
        for (const auto& c : o.capabilities) {
            if (!sx::is_valid_symbol_name(c)) {
                std::cerr << "error: --cap '" << c << "' is not a symbol\n";
                return std::nullopt;
            }
            caps.emplace_back(c);
        }
        req.capabilities = std::move(caps);
    }
    return req;
}

// Client options from --auth, --cacert, --insecure; nullopt after printing why not.
std::optional<sxtp::client_options> build_client_options(const net_options& o) {
    sxtp::client_options c;
    c.keepalive_interval = std::chrono::milliseconds(0);
    c.connect_timeout = std::chrono::milliseconds(o.timeout ? std::max<std::int64_t>(o.timeout->count(), 1) : 10000);
    if (o.cacert || o.insecure) {
        try {
            c.tls = sxtp::net::make_client_tls_context({.ca_pem = {}, .ca_file = o.cacert.value_or(""), .insecure = o.insecure});
        } catch (const std::exception& e) {
            std::cerr << "error: --cacert " << o.cacert.value_or("") << ": " << e.what() << '\n';
            return std::nullopt;
        }
        c.tls_insecure = o.insecure;
    }
    c.allow_plaintext_credentials = o.plaintext_credentials;
    if (o.auth) {
        const std::string& a = *o.auth;
        if (a.starts_with("bearer:") && a.size() > 7) {
            c.bearer_token = a.substr(7);
        } else if (a.starts_with("hmac:")) {
            const auto colon = a.find(':', 5);
            if (colon == std::string::npos || colon == 5 || colon + 1 == a.size()) {
                std::cerr << "error: --auth hmac:KEYID:SECRETFILE\n";
                return std::nullopt;
            }
            auto secret = slurp(a.substr(colon + 1));
            if (!secret) {
                std::cerr << "error: --auth: cannot read the secret file " << a.substr(colon + 1) << '\n';
                return std::nullopt;
            }
            while (!secret->empty() && (secret->back() == '\n' || secret->back() == '\r')) secret->pop_back();
            c.hmac = sxtp::client_options::hmac_credentials{a.substr(5, colon - 5), std::move(*secret)};
        } else {
            std::cerr << "error: --auth takes hmac:KEYID:SECRETFILE or bearer:TOKEN\n";
            return std::nullopt;
        }
    }
    return c;
}

// Runs `body` on an io_context until it finishes; returns its exit status.
template <class F>
int run_io(F body) {
    asio::io_context io;
    int status = exit_server_status;
    asio::co_spawn(io, body(io), [&](std::exception_ptr e, int s) {
        status = s;
        if (e) {
            try {
                std::rethrow_exception(e);
            } catch (const std::exception& x) {
                std::cerr << "error: " << x.what() << '\n';
                status = exit_local_error;
            }
        }
        io.stop();
    });
    io.run();
    return status;
}

// -- the commands -------------------------------------------------------------------

int call_command(const net_options& o, const sxtp::net::address& where) {
    auto req = build_request(o, where);
    auto copts = build_client_options(o);
    if (!req || !copts) return exit_local_error;
    return run_io([&](asio::io_context& io) -> asio::awaitable<int> {
        sxtp::client c(io.get_executor(), where, *copts);
        sxtp::call_options call;
        call.timeout = o.timeout;
        const sxtp::response r = co_await c.call_raw(*req, call);
        print_answer(o, r);
        c.close();
        co_return exit_for(r);
    });
}

int ping_command(const net_options& o, const sxtp::net::address& where) {
    auto copts = build_client_options(o);
    if (!copts) return exit_local_error;
    return run_io([&](asio::io_context& io) -> asio::awaitable<int> {
        sxtp::client c(io.get_executor(), where, *copts);
        sxtp::request ping;
        ping.verb = sx::symbol("ping");
        ping.path = o.path.value_or(where.path);
        sxtp::call_options call;
        call.timeout = o.timeout.value_or(std::chrono::milliseconds(5000));
        int status = exit_success;
        for (int i = 0; i < o.count; ++i) {
            const auto start = std::chrono::steady_clock::now();
            const sxtp::response r = co_await c.call_raw(ping, call);
            const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
            if (!r.status.is_success()) {
                print_answer(o, r);
                status = exit_for(r);
                break;
            }
            char line[64];
            std::snprintf(line, sizeof line, "%.3f ms", ms);
            std::cout << "pong from " << where.to_string() << ": seq=" << i + 1 << " time=" << line << (i == 0 ? " (with connect)" : "") << '\n';
        }
        c.close();
        co_return status;
    });
}

// `health`: prints serving or not-serving; exit 0 only for serving.
int health_command(const net_options& o, const sxtp::net::address& where) {
    auto copts = build_client_options(o);
    if (!copts) return exit_local_error;
    return run_io([&](asio::io_context& io) -> asio::awaitable<int> {
        sxtp::client c(io.get_executor(), where, *copts);
        sxtp::request h;
        h.verb = sx::symbol("health");
        h.path = o.path.value_or(where.path);
        if (o.service) h.params = sx::value::dict(sx::value::make_keyword_unchecked("service"), sx::value(*o.service));
        sxtp::call_options call;
        call.timeout = o.timeout.value_or(std::chrono::milliseconds(5000));
        const sxtp::response r = co_await c.call_raw(h, call);
        c.close();
        const sx::value* status = r.status.is_success() && r.body && r.body->is_dict() ? r.body->find("status") : nullptr;
        if (!status || !status->is_keyword()) {
            print_answer(o, r);
            co_return r.status.is_success() ? exit_server_status : exit_for(r);
        }
        std::cout << status->name() << '\n';
        co_return status->name() == "serving" ? exit_success : exit_server_status;
    });
}

// `metrics`: `(fetch "/metrics")`, the Prometheus text printed as it came.
int metrics_command(const net_options& o, const sxtp::net::address& where) {
    auto copts = build_client_options(o);
    if (!copts) return exit_local_error;
    return run_io([&](asio::io_context& io) -> asio::awaitable<int> {
        sxtp::client c(io.get_executor(), where, *copts);
        sxtp::request m;
        m.verb = sx::symbol("fetch");
        m.path = o.path.value_or(where.path == "/" || where.path.empty() ? std::string("/metrics") : where.path);
        sxtp::call_options call;
        call.timeout = o.timeout.value_or(std::chrono::milliseconds(5000));
        const sxtp::response r = co_await c.call_raw(m, call);
        c.close();
        if (!r.status.is_success() || !r.body || !r.body->is_string()) {
            print_answer(o, r);
            co_return r.status.is_success() ? exit_server_status : exit_for(r);
        }
        std::cout << r.body->as_string();
        co_return exit_success;
    });
}

int subscribe_command(const net_options& o, const sxtp::net::address& where) {
    auto req = build_request(o, where);
    auto copts = build_client_options(o);
    if (!req || !copts) return exit_local_error;
    return run_io([&](asio::io_context& io) -> asio::awaitable<int> {
        sxtp::client c(io.get_executor(), where, *copts);
        sxtp::call_options call;
        call.timeout = o.timeout;
        auto s = co_await c.open_raw(*req, call);
        // Ctrl-C (or SIGTERM): send cancel, wait for the stream's end, exit 0.
        bool interrupted = false;
        asio::signal_set signals(io, SIGINT, SIGTERM);
        signals.async_wait([&](boost::system::error_code ec, int) {
            if (ec) return;
            interrupted = true;
            s.cancel();
        });
        const bool color = use_color(o);
        if (s.head() && s.head()->stream.value_or(false)) {
            for (;;) {
                auto item = co_await s.next();
                if (!item) break;
                const sx::value v = std::visit([](auto& m) {
                    m.tag.reset();
                    return sxtp::typed::to_sx(m);
                }, *item);
                std::cout << (color ? show(v, true) : sx::canonical(v)) << std::endl;  // one line per item when piped
            }
        }
        signals.cancel();
        if (interrupted) {
            co_await c.drain_and_close(std::chrono::seconds(2));  // the cancel goes out, the done chunk comes back
            co_return exit_success;
        }
        const sxtp::response end = co_await s.answer();
        c.close();
        if (!end.status.is_success() || !s.head() || !s.head()->stream.value_or(false)) print_answer(o, end);
        co_return exit_for(end);
    });
}

} // namespace sxtp_tool

#endif
