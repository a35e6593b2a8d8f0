// Tests for include/sxtp/sx/printer.hpp.
#include <sxtp/sx/document.hpp>
#include <sxtp/sx/printer.hpp>
#include <sxtp/sx/reader.hpp>

#include <catch2/catch.hpp>

#include <bit>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <random>
#include <limits>
#include <string>

using namespace sxtp::sx;
using namespace std::string_literals;

TEST_CASE("printer: floats are written as ECMAScript Number::toString and plus .0") {
    const std::pair<double, const char*> cases[] = {
        {0.0, "0.0"},
        {-0.0, "-0.0"},
        {1.5, "1.5"},
        {-1.5, "-1.5"},
        {6000.0, "6000.0"},
        {0.1, "0.1"},
        {0.1 + 0.2, "0.30000000000000004"},
        {123.456, "123.456"},
        {1e20, "100000000000000000000.0"},
        {1e21, "1e+21"},
        {1.5e21, "1.5e+21"},
        {123456789012345680000.0, "123456789012345680000.0"},
        {1e-6, "0.000001"},
        {1.5e-6, "0.0000015"},
        {1e-7, "1e-7"},
        {1.25e-7, "1.25e-7"},
        {9007199254740992.0, "9007199254740992.0"},
        {std::numeric_limits<double>::max(), "1.7976931348623157e+308"},
        {std::numeric_limits<double>::denorm_min(), "5e-324"},
        {std::numeric_limits<double>::min(), "2.2250738585072014e-308"},
        {-1e-7, "-1e-7"},
        {100.0, "100.0"},
        {0.5, "0.5"},
    };
    for (const auto& [d, text] : cases) {
        INFO("value " << d);
        CHECK(canonical(value(d)) == text);
        CHECK(read(text).as_float() == d);
    }
}

TEST_CASE("printer: short decimals are the shortest round-trip digits") {
    // For 1e-6 <= |d| < 1e15 ECMAScript's layout is plain decimal notation, which is
    // what std::to_chars prints in its shortest fixed form: the printer's
    // short-decimal path must agree with it on every value.
    std::mt19937_64 rng(20261121);
    auto expected = [](double d) {
        char buf[64];
        std::string s(buf, std::to_chars(buf, buf + sizeof buf, d, std::chars_format::fixed).ptr);
        if (s.find('.') == std::string::npos) s += ".0";
        return s;
    };
    std::size_t checked = 0;
    auto check = [&](double d) {
        if (!(std::fabs(d) >= 1e-6 && std::fabs(d) < 1e15)) return;
        const std::string got = canonical(value(d));
        if (got != expected(d)) FAIL("value " << expected(d) << " printed as " << got);
        ++checked;
    };
    const double powers[] = {1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17};
    for (int i = 0; i < 200000; ++i) {
        // A decimal with a few digits (as prices and scores are), divided exactly or not.
        const std::uint64_t m = rng() % static_cast<std::uint64_t>(powers[1 + rng() % 17]);
        const double d = static_cast<double>(m) / powers[rng() % 18];
        check(i % 2 ? d : -d);
        // Any bit pattern, and its neighbours.
        const double r = std::bit_cast<double>(rng());
        check(r);
        check(std::nextafter(d, 0.0));
        check(std::nextafter(d, 1e300));
    }
    for (double d : {4503599627370495.5, 4503599627370496.5, 0.1 + 0.2, 1e-6, 9.999999999999999e14, 0.3, 2.675, 1.005})
        check(d);
    CHECK(checked > 400000);
}

TEST_CASE("printer: C1 controls among other non-ASCII text read back are escaped") {
    // Text the reader verified takes the trusted path, which copies non-ASCII
    // bytes whole and looks only at 0xC2 lead bytes.
    CHECK(canonical(read("\"a\xC3\xA9\xC2\x85" "b\"")) == "\"a\xC3\xA9\\u0085b\"");
    CHECK(canonical(read("\"\\u0085 long text past sixteen bytes \xE2\x80\x94 \xC2\x9F end\"")) ==
          "\"\\u0085 long text past sixteen bytes \xE2\x80\x94 \\u009f end\"");
    CHECK(canonical(read("\"\xC2\xA0\xC2\x80\"")) == "\"\xC2\xA0\\u0080\"");
}

TEST_CASE("printer: NaN and infinities cannot be encoded") {
    for (double d : {std::nan(""), std::numeric_limits<double>::infinity(), -std::numeric_limits<double>::infinity()}) {
        const value v = value::list(1, value::dict("x"_kw, d));
        CHECK_THROWS_AS(canonical(v), boost::system::system_error);
        const auto r = try_canonical(v);
        REQUIRE_FALSE(r.has_value());
        CHECK(r.error() == error::non_finite_float);
        CHECK_THROWS_AS(pretty(v), boost::system::system_error);
    }
}

TEST_CASE("printer: strings escape only quote and backslash and control characters") {
    CHECK(canonical(value("a\"b\\c\nd\te\rf")) == R"("a\"b\\c\nd\te\rf")");
    CHECK(canonical(value("\x01\x1f")) == R"("\u0001\u001f")");
    CHECK(canonical(value("del\x7f")) == R"("del\u007f")");
    CHECK(canonical(value("c1\xC2\x85")) == R"("c1\u0085")");  // U+0085 NEL is a control character
    CHECK(canonical(value("\xC2\xA0nbsp")) == "\"\xC2\xA0nbsp\"");  // U+00A0 is not
    CHECK(canonical(value("caf\xC3\xA9 \xF0\x9F\x98\x80 /")) == "\"caf\xC3\xA9 \xF0\x9F\x98\x80 /\"");
    CHECK(canonical(value(std::string(1, '\0'))) == R"("\u0000")");
}

namespace {

// The canonical string escape written byte by byte, for text known to be UTF-8.
std::string reference_quote(std::string_view s) {
    std::string out = "\"";
    constexpr char hex[] = "0123456789abcdef";
    for (std::size_t i = 0; i < s.size(); ++i) {
        const auto c = static_cast<unsigned char>(s[i]);
        if (c == '"') out += "\\\"";
        else if (c == '\\') out += "\\\\";
        else if (c == '\n') out += "\\n";
        else if (c == '\t') out += "\\t";
        else if (c == '\r') out += "\\r";
        else if (c < 0x20 || c == 0x7F) out += std::string("\\u00") + hex[c >> 4] + hex[c & 0xF];
        else if (c == 0xC2 && static_cast<unsigned char>(s[i + 1]) <= 0x9F) {
            const auto d = static_cast<unsigned char>(s[++i]);
            out += std::string("\\u00") + hex[d >> 4] + hex[d & 0xF];
        } else out += static_cast<char>(c);
    }
    return out + "\"";
}

// A sink that is not std::string: the printer writes through its stack buffer.
struct chunked_sink {
    std::string text;
    std::size_t appends = 0;
    void append(const char* p, std::size_t n) { text.append(p, n), ++appends; }
    void push_back(char c) { text.push_back(c), ++appends; }
};

// Every way the printer can be handed a string: built by the program (its
// text checked while printing), read by the reader (verified, with or
// without escapes), and read into an sx::document; to std::string and to
// another sink.
void check_all_printers(const std::string& s) {
    INFO("text " << s.size() << " bytes");
    const std::string expected = reference_quote(s);
    CHECK(canonical(value(s)) == expected);
    const value r = read(expected);
    REQUIRE(r.as_string() == s);
    CHECK(canonical(r) == expected);
    document doc;
    REQUIRE(reader().read(expected, doc).has_value());
    CHECK(canonical(doc.forms().front()) == expected);
    chunked_sink out;
    REQUIRE(write_canonical(out, value::list(value(s), r)) == error{});
    CHECK(out.text == "(" + expected + " " + expected + ")");
}

} // namespace

TEST_CASE("printer: escapes at every position of strings up to 70 bytes match a byte-wise reference") {
    // Whole-chunk copies stop at the first special byte of each chunk; put
    // each kind of special byte at every position around the chunk edges.
    const std::string specials[] = {"\"", "\\", "\n", "\t", "\r", "\x01", "\x1f", "\x7f", "\xC2\x85", "\xC2\x9F",
                                    "\xC2\xA0", "\xC3\xA9", "\xE2\x80\x94", "\xF0\x9F\x98\x80"};
    for (std::size_t n = 0; n <= 70; ++n)
        for (std::size_t at = 0; at <= n; ++at)
            for (const auto& sp : specials) {
                std::string s(n, 'a');
                s.insert(at, sp);
                check_all_printers(s);
                if (at + 1 < n) {  // and a second one right after
                    s.insert(at + sp.size(), sp);
                    check_all_printers(s);
                }
            }
}

TEST_CASE("printer: long strings dense or sparse in escapes match a byte-wise reference") {
    // Long enough to be written in several pieces by both writers.
    const std::string pieces[] = {"plain text ", "\"quoted\"", "line\n", "\\", "\xE2\x80\x94", "\xC2\x85", "\x7f", "x"};
    std::mt19937 rng(11);
    for (const std::size_t size : {100u, 1000u, 5000u, 40000u}) {
        for (const unsigned density : {0u, 1u, 8u}) {  // in eight: 0 plain, 1 sparse, 8 dense
            std::string s;
            while (s.size() < size) s += rng() % 8 < density ? pieces[1 + rng() % 7] : pieces[0];
            check_all_printers(s);
        }
    }
}

TEST_CASE("printer: strings that are not UTF-8 cannot be encoded") {
    const auto r = try_canonical(value("bad \xFF byte"));
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error() == error::invalid_utf8);
    CHECK(try_canonical(value("\xE2\x80")).error() == error::invalid_utf8);
}

TEST_CASE("printer: canonical layout of containers") {
    CHECK(canonical(value::list()) == "()");
    CHECK(canonical(value::make_dict()) == "{}");
    CHECK(canonical(value::list(1, value::list(), "s", value::list(nullptr, true))) == "(1 () \"s\" (nil true))");
    CHECK(canonical(read("(  a\n\t(b  c ) { :z 1\n :y 2 } )")) == "(a (b c) {:y 2 :z 1})");
    CHECK(canonical(value::make_keyword("k")) == ":k");
    CHECK(canonical(value(-42)) == "-42");
}

TEST_CASE("printer: write_canonical appends to any sink") {
    std::string out = "prefix ";
    REQUIRE(write_canonical(out, value::list(1, 2)) == error{});
    CHECK(out == "prefix (1 2)");
}

TEST_CASE("printer: pretty output reads back equal and fits the width") {
    const value v = read(R"((request :verb navigate :path "/geography/capabilities"
        :headers {:accept "text/sx" :language "en"}
        :cookies {:session "tok_abc123" :prefs {:theme "dark"}}
        :params {:page 1 :per-page 20} :capabilities (fetch query) :body nil))");
    const std::string p = pretty(v);
    CHECK(read(p) == v);
    CHECK(p.find("(request\n :verb navigate\n") == 0);
    CHECK(p.find("\n :path \"/geography/capabilities\"\n") != std::string::npos);
    std::size_t start = 0;
    while (start < p.size()) {
        const std::size_t end = std::min(p.find('\n', start), p.size());
        CHECK(end - start <= 80);
        start = end + 1;
    }
    CHECK(pretty(read("(a b)")) == "(a b)");
    const std::string narrow = pretty(read("{:alpha 1 :beta (x y z)}"), {.width = 16});
    CHECK(narrow == "{:alpha 1\n :beta (x y z)}");
    CHECK(read(narrow) == read("{:alpha 1 :beta (x y z)}"));
}

TEST_CASE("printer: pretty handles very deep values") {
    value v = value::list("leaf");
    for (int i = 0; i < 10'000; ++i) v = value::list(value::make_symbol("node"), std::move(v));
    const std::string p = pretty(v, {.width = 40});
    CHECK(read(p, {.max_depth = 20'000}) == v);
}
