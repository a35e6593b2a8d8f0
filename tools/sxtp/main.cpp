// sxtp — the command-line tool of SXTP.
//
//   sxtp canon  [--all] [FILE]   canonical form (one value, or every form with --all)
//   sxtp hash   [--all] [FILE]   content hash
//   sxtp pretty [--all] [--width N] [FILE]
//   sxtp call URI VERB [OPTIONS]    one request, its answer
//   sxtp inspect URI [OPTIONS]      what a path offers
//   sxtp ping URI [--count N]       round-trip time
//   sxtp health URI [--service NAME]  "serving" (exit 0) or not
//   sxtp metrics URI                 the server's Prometheus text ((fetch "/metrics"))
//   sxtp subscribe URI [OPTIONS]    a stream's events as they arrive
//
// FILE "-" or absent reads standard input. Invalid input prints
// "error: MESSAGE at LINE:COL (offset N)" on stderr and exits 1; usage
// errors exit 2.
#include "net_commands.hpp"

#include <sxtp/sx.hpp>
#include <sxtp/sx/hash.hpp>
#include <sxtp/version.hpp>

#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <functional>
#include <iostream>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace {

namespace sx = sxtp::sx;

constexpr std::size_t max_input_bytes = std::size_t{1} << 30;  // 1 GiB

constexpr std::string_view usage = R"usage(usage: sxtp COMMAND [OPTIONS] [FILE | URI …]

Requests (URI: sxtp://host[:port]/path, sxtps://host[:port]/path, unix:/socket/path):
  call URI [VERB]             send one request (verb navigate if none); print the
                              answer's body. `sxtp URI` alone is `sxtp call URI`
  inspect URI                 what the path offers: verbs, capabilities, schemas, cache
  ping URI [--count N]        round-trip time of N pings (default 1)
  health URI [--service NAME] print the server's (or a named service's) health:
                              "serving" exits 0, "not-serving" exits 5
  inspect URI/                (the path "/") every route: verbs, capabilities, schemas
  metrics URI                 the server's metrics, Prometheus text (fetch /metrics
                              unless URI names another path)
  subscribe URI               open a stream (verb subscribe unless --verb) and print
                              each event or chunk as it arrives; Ctrl-C cancels it
                              and exits 0

  --params SX|@FILE           :params (SX text, or a file's)
  --body SX|@FILE             :body
  --header NAME=SX            one header, e.g. --header if-match='"sha3-…"' (repeatable)
  --cap CAPABILITY            one capability to ask for (repeatable)
  --auth hmac:KEYID:SECRETFILE   sign with HMAC-SHA256 (the secret read from a file)
  --auth bearer:TOKEN         send a bearer token
  --timeout MS                the call's deadline (also sent as :timeout-ms)
  --path PATH                 the request path (for unix: addresses; default: the URI's)
  --verb VERB                 subscribe's verb
  --cacert FILE               trust these CAs (PEM) for sxtps://
  --insecure                  skip certificate and host name checks (testing only)
  --plaintext-credentials     let --auth bearer: and secure cookies go over sxtp://
                              (refused otherwise: use sxtps://)
  --full                      print the whole response message, not just its body
  --color, --no-color         colour output (default: when standard output is a
                              terminal and NO_COLOR is not set)

  Output: a success's body on standard output, pretty; stream items one per
  line (canonical when piped); a failure's status and condition on standard
  error. Exit status: 0 success (ok … not-modified), 1 bad input to the tool,
  2 usage error, 3 not delivered or not answered (connect, TLS, broken
  connection, deadline), 4 refused (not-found, forbidden, invalid, conflict),
  5 server failure (error, unavailable).

Commands on SX text (FILE, or standard input when FILE is absent or "-"):
  canon  [--all]              print the canonical form and a newline
  hash   [--all]              print the content hash ("sha3-" + hex SHA3-256
                              of the canonical form) and a newline
  pretty [--all] [--width N]  print an indented form for people (width 80)

  --all      read every top-level form of a document, one output line (or
             block) per form; without it the input must hold exactly one value
  --help     this text
  --version  the tool's and the protocol's versions

Exit status (text commands): 0 success, 1 invalid or unreadable input, 2 usage error.
Errors are printed as "error: MESSAGE at LINE:COL (offset N)".
)usage";

struct options {
    std::string command;
    std::optional<std::string> file;
    bool all = false;
    std::size_t width = 80;
};

int usage_error(std::string_view what) {
    std::cerr << "sxtp: " << what << "\n(run 'sxtp --help' for usage)\n";
    return 2;
}

// Reads the whole input, refusing more than max_input_bytes.
std::optional<std::string> read_input(const std::optional<std::string>& file) {
    std::FILE* f = stdin;
    const bool from_stdin = !file || *file == "-";
    if (!from_stdin) {
        f = std::fopen(file->c_str(), "rb");
        if (!f) {
            std::cerr << "error: cannot open " << *file << ": " << std::strerror(errno) << '\n';
            return std::nullopt;
        }
    }
    std::string data;
    char buf[65536];
    std::size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) {
        if (data.size() + n > max_input_bytes) {
            std::cerr << "error: input larger than " << max_input_bytes << " bytes\n";
            if (!from_stdin) std::fclose(f);
            return std::nullopt;
        }
        data.append(buf, n);
    }
    const bool failed = std::ferror(f) != 0;
    if (!from_stdin) std::fclose(f);
    if (failed) {
        std::cerr << "error: cannot read " << (from_stdin ? std::string("standard input") : *file) << '\n';
        return std::nullopt;
    }
    return data;
}

std::string render(const options& o, const sx::value& v) {
    if (o.command == "canon") return sx::canonical(v);
    if (o.command == "hash") return sx::content_hash(v);
    return sx::pretty(v, {.width = o.width});
}

int run_text_command(const options& o) {
    const auto input = read_input(o.file);
    if (!input) return 1;
    std::vector<sx::value> values;
    if (o.all) {
        auto r = sx::try_read_all(*input);
        if (!r) {
            std::cerr << "error: " << r.error().message() << '\n';
            return 1;
        }
        values = std::move(*r);
    } else {
        auto r = sx::try_read(*input);
        if (!r) {
            std::cerr << "error: " << r.error().message() << '\n';
            return 1;
        }
        values.push_back(std::move(*r));
    }
    std::string out;
    for (const sx::value& v : values) {
        out += render(o, v);
        out += '\n';
    }
    std::fwrite(out.data(), 1, out.size(), stdout);
    return std::fflush(stdout) == 0 ? 0 : 1;
}

// Parses and runs call, inspect, ping, subscribe.
int net_main(const std::vector<std::string_view>& args) {
    sxtp_tool::net_options o;
    o.command = std::string(args[0]);
    std::vector<std::string> positional;
    for (std::size_t i = 1; i < args.size(); ++i) {
        const std::string_view a = args[i];
        auto value = [&](std::string_view name) -> std::optional<std::string> {
            if (i + 1 == args.size()) return std::nullopt;
            (void)name;
            return std::string(args[++i]);
        };
        auto need = [&](std::string_view name, std::optional<std::string>& into) {
            into = value(name);
            return into.has_value();
        };
        std::optional<std::string> v;
        if (a == "--help" || a == "-h") {
            std::cout << usage;
            return 0;
        } else if (a == "--params") {
            if (!need(a, o.params)) return usage_error("--params needs SX or @FILE");
        } else if (a == "--body") {
            if (!need(a, o.body)) return usage_error("--body needs SX or @FILE");
        } else if (a == "--header") {
            if (!need(a, v)) return usage_error("--header needs NAME=SX");
            const auto eq = v->find('=');
            if (eq == std::string::npos || eq == 0) return usage_error("--header needs NAME=SX");
            o.headers.emplace_back(v->substr(0, eq), v->substr(eq + 1));
        } else if (a == "--cap") {
            if (!need(a, v)) return usage_error("--cap needs a capability");
            o.capabilities.push_back(*v);
        } else if (a == "--auth") {
            if (!need(a, o.auth)) return usage_error("--auth needs hmac:KEYID:SECRETFILE or bearer:TOKEN");
        } else if (a == "--timeout" || a == "--count") {
            if (!need(a, v)) return usage_error(std::string(a) + " needs a positive number");
            std::int64_t n = 0;
            const auto r = std::from_chars(v->data(), v->data() + v->size(), n);
            if (r.ec != std::errc{} || r.ptr != v->data() + v->size() || n <= 0 || n > (std::int64_t{1} << 40))
                return usage_error(std::string(a) + " needs a positive number");
            if (a == "--timeout") o.timeout = std::chrono::milliseconds(n);
            else o.count = static_cast<int>(std::min<std::int64_t>(n, 1000000));
        } else if (a == "--path") {
            if (!need(a, o.path)) return usage_error("--path needs a path");
        } else if (a == "--verb") {
            if (!need(a, v)) return usage_error("--verb needs a verb");
            o.verb = *v;
        } else if (a == "--cacert") {
            if (!need(a, o.cacert)) return usage_error("--cacert needs a file");
        } else if (a == "--insecure") {
            o.insecure = true;
        } else if (a == "--service") {
            if (!need(a, o.service)) return usage_error("--service needs a name");
        } else if (a == "--plaintext-credentials") {
            o.plaintext_credentials = true;
        } else if (a == "--full") {
            o.full = true;
        } else if (a == "--color") {
            o.color = true;
        } else if (a == "--no-color") {
            o.color = false;
        } else if (a.size() > 1 && a[0] == '-') {
            return usage_error("unknown option '" + std::string(a) + "' for " + o.command);
        } else {
            positional.emplace_back(a);
        }
    }
    // `call URI` alone navigates (SPEC §9: a URI alone is a navigate request).
    const bool fits = o.command == "call" ? positional.size() == 1 || positional.size() == 2 : positional.size() == 1;
    if (!fits) return usage_error(o.command == "call" ? "call needs URI [VERB]" : o.command + " needs URI (and nothing more)");
    o.uri = positional[0];
    if (o.command == "call") o.verb = positional.size() == 2 ? positional[1] : "navigate";
    else if (o.command == "inspect") o.verb = "inspect";
    else if (o.command == "subscribe" && o.verb.empty()) o.verb = "subscribe";
    const auto where = sxtp::net::parse_address(o.uri);
    if (!where) return usage_error("bad URI '" + o.uri + "': " + where.error().message);
    try {
        if (o.command == "ping") return sxtp_tool::ping_command(o, *where);
        if (o.command == "health") return sxtp_tool::health_command(o, *where);
        if (o.command == "metrics") return sxtp_tool::metrics_command(o, *where);
        if (o.command == "subscribe") return sxtp_tool::subscribe_command(o, *where);
        return sxtp_tool::call_command(o, *where);
    } catch (const std::exception& e) {
        std::cerr << "error: " << e.what() << '\n';
        return sxtp_tool::exit_local_error;
    }
}

} // namespace

int main(int argc, char** argv) {
    std::vector<std::string_view> args(argv + 1, argv + argc);
    if (args.empty()) return usage_error("missing command");
    if (args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
        std::cout << usage;
        return 0;
    }
    if (args[0] == "--version") {
        std::cout << "sxtp " << SXTP_VERSION / 10000 << '.' << SXTP_VERSION / 100 % 100 << '.' << SXTP_VERSION % 100
                  << " (SXTP/" << SXTP_PROTOCOL_VERSION << ")\n";
        return 0;
    }
    if (args[0] == "call" || args[0] == "inspect" || args[0] == "ping" || args[0] == "health" || args[0] == "metrics" || args[0] == "subscribe")
        return net_main(args);
    if (args[0].starts_with("sxtp://") || args[0].starts_with("sxtps://") || args[0].starts_with("unix:") || args[0].starts_with("sxtp+unix://")) {
        std::vector<std::string_view> as_call{"call"};  // `sxtp URI [OPTIONS]`: navigate
        as_call.insert(as_call.end(), args.begin(), args.end());
        return net_main(as_call);
    }
    options o;
    o.command = std::string(args[0]);
    if (o.command != "canon" && o.command != "hash" && o.command != "pretty")
        return usage_error("unknown command '" + o.command + "'");
    for (std::size_t i = 1; i < args.size(); ++i) {
        const std::string_view a = args[i];
        if (a == "--all") {
            o.all = true;
        } else if (a == "--width" && o.command == "pretty") {
            if (++i == args.size()) return usage_error("--width needs a number");
            const auto w = args[i];
            const auto r = std::from_chars(w.data(), w.data() + w.size(), o.width);
            if (r.ec != std::errc{} || r.ptr != w.data() + w.size() || o.width == 0)
                return usage_error("--width needs a positive number");
        } else if (a == "--help" || a == "-h") {
            std::cout << usage;
            return 0;
        } else if (a.size() > 1 && a[0] == '-') {
            return usage_error("unknown option '" + std::string(a) + "' for " + o.command);
        } else if (!o.file) {
            o.file = std::string(a);
        } else {
            return usage_error("more than one FILE");
        }
    }
    try {
        return run_text_command(o);
    } catch (const std::exception& e) {  // values read from text always encode; this is I/O or memory
        std::cerr << "error: " << e.what() << '\n';
        return 1;
    }
}
