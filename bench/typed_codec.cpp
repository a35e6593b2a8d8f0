// Typed encode and decode of a ~2 KB payload (20 nested records) with sxtp
// against Boost.JSON + Boost.Describe (value_from / value_to) of the same
// struct, in the same run.
//
//   encode: struct -> text   sxtp: typed::write_canonical (straight from the
//                                  struct), and typed::to_sx + sx::write_canonical
//                            JSON: json::value_from + serializer
//   decode: text -> struct   sxtp: typed::read (straight into the struct),
//                                  and reader::read + typed::from_sx
//                            JSON: parser + json::value_to
// Each side reuses its reader/parser and output buffer. Boost.JSON is also
// measured with a monotonic resource (its fastest configuration).
//
// usage: bench_typed_codec [seconds-per-measurement, default 0.5]
#include "measure.hpp"

#include <sxtp/sx.hpp>
#include <sxtp/typed.hpp>

#include <boost/describe.hpp>
#include <boost/json.hpp>
#include <boost/json/src.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

namespace sx = sxtp::sx;
namespace typed = sxtp::typed;
namespace json = boost::json;

namespace bench {
struct author {
    std::string name;
    std::string email;
};
BOOST_DESCRIBE_STRUCT(author, (), (name, email))
struct record {
    std::int64_t id;
    std::string title;
    author by;
    double score;
    std::vector<std::string> tags;
    bool published;
};
BOOST_DESCRIBE_STRUCT(record, (), (id, title, by, score, tags, published))
struct payload {
    std::vector<record> items;
    std::int64_t total;
    std::string next;
};
BOOST_DESCRIBE_STRUCT(payload, (), (items, total, next))
} // namespace bench

namespace {

double seconds_per_run = 0.5;
volatile std::size_t sink;

template <class Op>
double measure(Op op) {
    return bench_support::measure(seconds_per_run, op);
}

bench::payload make_payload() {
    bench::payload p;
    const char* names[] = {"Ada Lovelace", "Grace Hopper", "Barbara Liskov", "Ken Thompson", "Frances Allen"};
    for (int i = 0; i < 20; ++i)
        p.items.push_back({1000 + i, "Post number " + std::to_string(i) + " about s-expressions",
                           {names[i % 5], "author" + std::to_string(i % 5) + "@example.org"}, 1.25 * i + 0.5,
                           {"sx", "protocol"}, i % 3 != 0});
    p.total = 20;
    p.next = "/api/posts?page=2";
    return p;
}

} // namespace

int main(int argc, char** argv) {
    if (argc > 1) seconds_per_run = std::atof(argv[1]);
    const bench::payload p = make_payload();
    const std::string sx_text = sx::canonical(typed::to_sx(p));
    if (typed::canonical(p) != sx_text) {
        std::fprintf(stderr, "direct writer disagrees with the value path\n");
        return 1;
    }
    const std::string json_text = json::serialize(json::value_from(p));

    // Both sides decode what they encode.
    if (typed::from_sx<bench::payload>(sx::read(sx_text)).items.size() != 20 ||
        json::value_to<bench::payload>(json::parse(json_text)).items.size() != 20) {
        std::fprintf(stderr, "round trip failed\n");
        return 1;
    }

    std::string out;
    const double sx_encode_value = measure([&] {
        out.clear();
        (void)sx::write_canonical(out, typed::to_sx(p));
        sink = out.size();
    });
    const double sx_encode = measure([&] {
        out.clear();
        (void)typed::write_canonical(out, p);
        sink = out.size();
    });
    json::serializer sr;
    char buf[4096];
    const double json_encode = measure([&] {
        out.clear();
        const json::value jv = json::value_from(p);
        sr.reset(&jv);
        while (!sr.done()) out.append(sr.read(buf));
        sink = out.size();
    });
    std::vector<unsigned char> arena(256 * 1024);
    const double json_encode_mono = measure([&] {
        out.clear();
        json::monotonic_resource mr(arena.data(), arena.size());
        const json::value jv = json::value_from(p, &mr);
        sr.reset(&jv);
        while (!sr.done()) out.append(sr.read(buf));
        sink = out.size();
    });

    sx::reader rd;
    const double sx_decode_value = measure([&] { sink = typed::from_sx<bench::payload>(*rd.read(sx_text)).items.size(); });
    const double sx_decode = measure([&] { sink = typed::read<bench::payload>(sx_text).items.size(); });
    json::parser jp;
    const double json_decode = measure([&] {
        jp.reset();
        jp.write(json_text);
        sink = json::value_to<bench::payload>(jp.release()).items.size();
    });
    const double json_decode_mono = measure([&] {
        json::monotonic_resource mr(arena.data(), arena.size());
        jp.reset(&mr);
        jp.write(json_text);
        sink = json::value_to<bench::payload>(jp.release()).items.size();
    });

    std::printf("Typed codec: sxtp vs Boost.JSON %d.%d.%d + Describe, same run, best of 5\n", BOOST_VERSION / 100000,
                BOOST_VERSION / 100 % 1000, BOOST_VERSION % 100);
    std::printf("payload: 20 records of 6 fields (one nested); SX %zu B, JSON %zu B\n\n", sx_text.size(), json_text.size());
    std::printf("  %-40s %10s %10s %8s\n", "", "sxtp us", "JSON us", "ratio");
    auto row = [](const char* what, double s, double j) { std::printf("  %-40s %10.2f %10.2f %7.2fx\n", what, s * 1e6, j * 1e6, j / s); };
    row("encode (struct -> text)", sx_encode, json_encode);
    row("  the same through an sx::value", sx_encode_value, json_encode);
    row("encode vs JSON with monotonic resource", sx_encode, json_encode_mono);
    row("decode (text -> struct)", sx_decode, json_decode);
    row("  the same through an sx::value", sx_decode_value, json_decode);
    row("decode vs JSON with monotonic resource", sx_decode, json_decode_mono);
    std::printf("\nratio = JSON time / sxtp time (> 1: sxtp faster)\n\n");
    bench_support::target("typed encode / Boost.JSON + Describe, monotonic", json_encode_mono / sx_encode, 1.5, true);
    bench_support::target("typed decode / Boost.JSON + Describe, monotonic", json_decode_mono / sx_decode, 1.5, true);
    if (auto f = bench_support::data_file("typed.tsv")) {
        std::fprintf(f.get(), "\"encode\"\t%.3f\t%.3f\n", json_encode / sx_encode, json_encode_mono / sx_encode);
        std::fprintf(f.get(), "\"decode\"\t%.3f\t%.3f\n", json_decode / sx_decode, json_decode_mono / sx_decode);
    }
}
