// sxtp — the command-line tool of SXTP.
//
//   sxtp canon  [--all] [FILE]   canonical form (one value, or every form with --all)
//   sxtp hash   [--all] [FILE]   content hash
//   sxtp pretty [--all] [--width N] [FILE]
//
// FILE "-" or absent reads standard input. Invalid input prints
// "error: MESSAGE at LINE:COL (offset N)" on stderr and exits 1; usage
// errors exit 2.
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

constexpr std::string_view usage = R"usage(usage: sxtp COMMAND [OPTIONS] [FILE]

Commands on SX text (FILE, or standard input when FILE is absent or "-"):
  canon  [--all]              print the canonical form and a newline
  hash   [--all]              print the content hash ("sha3-" + hex SHA3-256
                              of the canonical form) and a newline
  pretty [--all] [--width N]  print an indented form for people (width 80)

  --all      read every top-level form of a document, one output line (or
             block) per form; without it the input must hold exactly one value
  --help     this text
  --version  the tool's and the protocol's versions

Exit status: 0 success, 1 invalid or unreadable input, 2 usage error.
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
