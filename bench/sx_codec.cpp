// SX reader and canonical printer against Boost.JSON parse and serialize of
// the equivalent JSON, in the same run.
//
// Documents: the two seed SX documents and a ~2 KB API-response-like document
// (20 records of 5 fields). The JSON of each is derived from its SX value:
// list -> array, dict -> object (key text), symbol/keyword -> string.
//
// Both sides reuse their parser/reader and output buffer between iterations.
// Boost.JSON is measured with its default allocator and with a monotonic
// resource over a reused buffer (its fastest configuration); the SX reader
// with values on the heap (each owning its blocks) and into a reused
// sx::document (one arena, the same terms as the monotonic resource). Throughput is
// reported in MB/s of each side's own text; because SX text is shorter than
// the equivalent JSON, the ratio that compares equal work is the one per
// document ("docs/s"), which the table also prints.
//
// simdjson (Debian's 3.0, DOM API, reused parser) parses the same JSON as
// the reference ceiling: a SIMD parser that builds a read-only tape, not an
// editable tree.
//
// usage: bench_sx_codec [seconds-per-measurement, default 0.5]
#include "measure.hpp"

#include <sxtp/sx.hpp>

#include <boost/json.hpp>
#include <boost/json/src.hpp>

#include <simdjson.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

namespace sx = sxtp::sx;
namespace json = boost::json;

namespace {

double seconds_per_run = 0.5;

std::string slurp(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    if (!in) {
        std::fprintf(stderr, "cannot read %s\n", path.c_str());
        std::exit(2);
    }
    return ss.str();
}

json::value to_json(const sx::value& v) {
    switch (v.type()) {
    case sx::kind::nil: return nullptr;
    case sx::kind::boolean: return v.as_bool();
    case sx::kind::integer: return v.as_int();
    case sx::kind::floating: return v.as_float();
    case sx::kind::string:
    case sx::kind::symbol: return json::string(v.text());
    case sx::kind::keyword: return json::string(":" + std::string(v.text()));
    case sx::kind::list: {
        json::array a;
        for (const auto& i : v.items()) a.push_back(to_json(i));
        return a;
    }
    case sx::kind::dict: {
        json::object o;
        for (auto [k, val] : v.entries()) o[k.is_atom() && (k.is_keyword() || k.is_string()) ? k.text() : sx::canonical(k)] = to_json(val);
        return o;
    }
    }
    return nullptr;
}

std::string api_document() {
    std::string s = "{:items (";
    const char* authors[] = {"ada", "grace", "linus", "barbara", "ken"};
    for (int i = 0; i < 20; ++i) {
        char rec[256];
        std::snprintf(rec, sizeof rec,
                      "%s{:id %d :title \"Post number %d about s-expressions\" :author \"%s\" :score %.2f :tags (\"sx\" \"protocol\")}",
                      i ? " " : "", 1000 + i, i, authors[i % 5], 1.25 * i + 0.5);
        s += rec;
    }
    s += ") :next \"/api/posts?page=2\" :total 20}";
    return s;
}

volatile std::size_t sink;

struct measurement {
    const char* what;
    double sx_seconds, json_seconds;  // per document
};

struct row {
    std::string name;
    std::size_t sx_bytes, json_bytes;
    std::vector<measurement> m;
};

row bench_document(const std::string& name, const std::string& sx_text, bool document) {
    sx::reader rd;
    std::vector<sx::value> forms;
    if (document) forms = rd.read_all(sx_text).value();
    else forms.push_back(rd.read(sx_text).value());
    const sx::value whole = [&] {
        if (!document) return forms.front();
        sx::value l = sx::value::make_list();
        for (auto& f : forms) l.push_back(f);
        return l;
    }();
    const json::value jv = to_json(whole);
    const std::string json_text = json::serialize(jv);
    row r{name, sx_text.size(), json_text.size(), {}};

    auto sx_read = [&] {
        if (document) sink = rd.read_all(sx_text)->size();
        else sink = rd.read(sx_text)->size();
    };
    sx::document doc;
    auto sx_read_doc = [&] {
        if (document) (void)rd.read_all(sx_text, doc);
        else (void)rd.read(sx_text, doc);
        sink = doc.forms().size();
    };
    json::parser p;
    auto json_parse = [&] {
        p.reset();
        p.write(json_text);
        sink = p.release().is_array();
    };
    std::vector<unsigned char> arena(64 * 1024 + 8 * json_text.size());
    auto json_parse_mono = [&] {
        json::monotonic_resource mr(arena.data(), arena.size());
        p.reset(&mr);
        p.write(json_text);
        sink = p.release().is_array();
    };
    simdjson::dom::parser simd;
    const simdjson::padded_string padded(json_text);
    auto simd_parse = [&] {
        auto doc = simd.parse(padded);
        if (doc.error()) std::abort();
        sink = doc.is_array();
    };
    auto sx_read_once = [&] {
        if (document) sink = sx::read_all(sx_text).size();
        else sink = sx::read(sx_text).size();
    };
    auto json_parse_once = [&] { sink = json::parse(json_text).is_array(); };

    std::string out;
    auto sx_print = [&] {
        out.clear();
        if (document)
            for (const auto& f : forms) (void)sx::write_canonical(out, f), out.push_back('\n');
        else (void)sx::write_canonical(out, whole);
        sink = out.size();
    };
    json::serializer sr;
    std::string jout;
    char buf[4096];
    auto json_serialize = [&] {
        jout.clear();
        sr.reset(&jv);
        while (!sr.done()) jout.append(sr.read(buf));
        sink = jout.size();
    };
    auto sx_print_once = [&] {
        std::size_t n = 0;
        if (document)
            for (const auto& f : forms) n += sx::canonical(f).size();
        else n = sx::canonical(whole).size();
        sink = n;
    };
    auto json_serialize_once = [&] { sink = json::serialize(jv).size(); };

    // Each pair is measured alternately (see measure_pair).
    auto compare = [&](const char* what, auto&& sx_op, auto&& json_op) {
        const auto [sx_s, json_s] = bench_support::measure_pair(seconds_per_run, sx_op, json_op);
        r.m.push_back({what, sx_s, json_s});
    };
    compare("read: reused reader vs reused parser", sx_read, json_parse);
    compare("read: sx::document vs parser + monotonic", sx_read_doc, json_parse_mono);
    compare("read: sx::read vs json::parse", sx_read_once, json_parse_once);
    compare("read: sx::document vs simdjson DOM (ceiling)", sx_read_doc, simd_parse);
    compare("read: reused reader (heap) vs parser + monotonic", sx_read, json_parse_mono);
    compare("print: reused buffer vs reused serializer", sx_print, json_serialize);
    compare("print: sx::canonical vs json::serialize", sx_print_once, json_serialize_once);
    return r;
}

} // namespace

int main(int argc, char** argv) {
    if (argc > 1) seconds_per_run = std::atof(argv[1]);
    const std::string dir = SXTP_SOURCE_DIR "/tests/data/seeds/";
    const std::string api = api_document();
    std::vector<row> rows;
    rows.push_back(bench_document("api-response (20 records x 5 fields, keys as written)", api, false));
    rows.push_back(bench_document("api-response (the same, canonical: keys sorted)", sx::canonical(sx::read(api)), false));
    rows.push_back(bench_document("seed spec.sx (15 forms)", slurp(dir + "spec.sx"), true));
    rows.push_back(bench_document("seed sxtp-overview.sx", slurp(dir + "sxtp-overview.sx"), false));

    auto mbps = [](std::size_t bytes, double s) { return static_cast<double>(bytes) / s / 1e6; };
    std::printf("SX codec vs Boost.JSON %d.%d.%d, same run, each pair measured alternately, best of 15.\n", BOOST_VERSION / 100000, BOOST_VERSION / 100 % 1000,
                BOOST_VERSION % 100);
    std::printf("ratio = JSON time / SX time for the same document (> 1: SX faster); MB/s of each side's own text.\n");
    auto data = bench_support::data_file("codec.tsv");
    double worst_read = 1e9, worst_print = 1e9;
    for (const row& r : rows) {
        std::printf("\n%s — SX %zu B, JSON %zu B\n", r.name.c_str(), r.sx_bytes, r.json_bytes);
        std::printf("  %-46s %9s %9s %7s\n", "", "SX MB/s", "JSON MB/s", "ratio");
        for (const measurement& m : r.m) {
            const double ratio = m.json_seconds / m.sx_seconds;
            std::printf("  %-46s %9.0f %9.0f %6.2fx\n", m.what, mbps(r.sx_bytes, m.sx_seconds), mbps(r.json_bytes, m.json_seconds), ratio);
            if (std::string_view(m.what).find("document vs parser + monotonic") != std::string_view::npos) worst_read = std::min(worst_read, ratio);
            if (std::string_view(m.what).find("reused serializer") != std::string_view::npos) worst_print = std::min(worst_print, ratio);
            if (data) std::fprintf(data.get(), "\"%s\"\t\"%s\"\t%.3f\n", r.name.c_str(), m.what, ratio);
        }
    }
    std::printf("\n");
    bench_support::target("SX read (sx::document) / Boost.JSON parser + monotonic (worst doc)", worst_read, 1.5, true);
    bench_support::target("SX print / Boost.JSON reused serializer (worst doc)", worst_print, 1.5, true);
}
