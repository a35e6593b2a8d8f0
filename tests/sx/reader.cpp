// Tests for include/sxtp/sx/reader.hpp.
#include <sxtp/sx/printer.hpp>
#include <sxtp/sx/reader.hpp>

#include <catch2/catch.hpp>

#include <algorithm>
#include <bit>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <random>
#include <limits>
#include <string>

using namespace sxtp::sx;
using namespace std::string_literals;

TEST_CASE("reader: atoms") {
    CHECK(read("nil").is_nil());
    CHECK(read(" true ").as_bool());
    CHECK_FALSE(read("false").as_bool());
    CHECK(read("007").as_int() == 7);
    CHECK(read("-0").as_int() == 0);
    CHECK(read("1.0E-9").as_float() == 1.0e-9);
    CHECK(read("6e3").as_float() == 6000.0);
    CHECK(read("-0.25").as_float() == -0.25);
    CHECK(std::signbit(read("-0.0").as_float()));
    CHECK(read("1e+2").as_float() == 100.0);
    CHECK(read("\"hi\"").as_string() == "hi");
    CHECK(read(":per-page").is_keyword("per-page"));
    CHECK(read("::a").is_keyword(":a"));
    CHECK(read(":1").is_keyword("1"));
    CHECK(read("db:read").is_symbol("db:read"));
    CHECK(read("-").is_symbol("-"));
    CHECK(read("->").is_symbol("->"));
    CHECK(read("+").is_symbol("+"));
    CHECK(read("...").is_symbol("..."));
    CHECK(read("-.5").is_symbol("-.5"));  // SPEC §1: only +, - or . *followed by a digit* must be a number
    CHECK(read("nil?").is_symbol("nil?"));
    CHECK(read("#tag").is_symbol("#tag"));
}

TEST_CASE("reader: every atom reads as the lexer reads its token") {
    // The reader reads common atoms itself and leaves the rest to the lexer
    // (which the typed layer's decoder also uses); both must agree on every
    // token, valid or not. Random tokens from the bytes that matter, inside
    // a list and alone (at the end of input, where no overread is allowed).
    const std::string bytes = "ntrufalsei09-+.:eE_x\"\\\xC3\xA9\x01 ;,[";
    std::mt19937 rng(17);
    for (int i = 0; i < 100000; ++i) {
        std::string tok;
        for (int k = 0, n = 1 + static_cast<int>(rng() % 20); k < n; ++k) tok += bytes[rng() % bytes.size()];
        if (rng() % 4 == 0) tok = std::string(rng() % 2 ? "nil" : rng() % 2 ? "true" : "false").substr(0, 1 + rng() % 5) + tok.substr(0, rng() % 3);
        detail::lexer lex(tok);
        detail::token t;
        const error lexed = lex.next(t);
        const bool one_token = lexed == error{} && t.is_atom() && lex.pos() == lex.end();
        INFO("token [" << tok << "]");
        const auto alone = try_read(tok);
        const auto listed = try_read("(" + tok + ")");
        if (!one_token) {
            if (lexed != error{}) {
                REQUIRE_FALSE(alone.has_value());
                CHECK(alone.error().code == lexed);
                CHECK(alone.error().offset == static_cast<std::size_t>(lex.error_at() - tok.data()));
            }
            continue;
        }
        value expected;
        switch (t.t) {
        case detail::token::type::string: expected = value(std::string(t.text)); break;
        case detail::token::type::symbol: expected = value::make_symbol(t.text); break;
        case detail::token::type::keyword: expected = value::make_keyword(t.text); break;
        case detail::token::type::integer: expected = value(t.i); break;
        case detail::token::type::floating: expected = value(t.f); break;
        case detail::token::type::boolean: expected = value(t.b); break;
        default: break;  // nil
        }
        REQUIRE(alone.has_value());
        CHECK(*alone == expected);
        REQUIRE(listed.has_value());
        REQUIRE(listed->size() == 1);
        CHECK((*listed)[0] == expected);
    }
}

TEST_CASE("reader: containers and quote and comments") {
    const value v = read("; leading\n(a {:b 2 :a 1} 'c ; inner\n () {})");
    REQUIRE(v.is_list());
    REQUIRE(v.size() == 5);
    CHECK(v[0].is_symbol("a"));
    CHECK(canonical(v[1]) == "{:a 1 :b 2}");
    CHECK(canonical(v[2]) == "(quote c)");
    CHECK(v[3].is_list());
    CHECK(v[3].empty());
    CHECK(v[4].is_dict());
    CHECK(canonical(read("' x")) == "(quote x)");
    CHECK(canonical(read("''x")) == "(quote (quote x))");
    CHECK(canonical(read("(a\"b\"c)")) == "(a \"b\" c)");
}

TEST_CASE("reader: strings and escapes and UTF-8") {
    CHECK(read(R"("a\"b\\c\nd\te\rf")").as_string() == "a\"b\\c\nd\te\rf");
    CHECK(read(R"("caf\u00E9")").as_string() == "caf\xC3\xA9");
    CHECK(read(R"("\ud83d\ude00")").as_string() == "\xF0\x9F\x98\x80");
    CHECK(read(R"("\u0000")").as_string() == std::string(1, '\0'));
    CHECK(read("\"raw\ttab\r\nline\"").as_string() == "raw\ttab\r\nline");
    CHECK(read("\"del\x7f and nel\xC2\x85\"").as_string() == "del\x7f and nel\xC2\x85");  // raw DEL and C1 are UTF-8
    CHECK(canonical(read("\"del\x7f and nel\xC2\x85\"")) == R"("del\u007f and nel\u0085")");
    CHECK(read("\"\xE2\x80\x94 \xF0\x9F\x8E\xB7\"").as_string() == "\xE2\x80\x94 \xF0\x9F\x8E\xB7");
    const std::string long_text(5000, 'q');
    CHECK(read('"' + long_text + '"').as_string() == long_text);
    CHECK(read("\"" + long_text + "\\n\"").as_string() == long_text + "\n");
}

TEST_CASE("reader: read_all reads documents") {
    auto forms = read_all("(define a 1)\n; between\n(define b \"2\") :k 3");
    REQUIRE(forms.size() == 4);
    CHECK(canonical(forms[1]) == "(define b \"2\")");
    CHECK(forms[3].as_int() == 3);
    CHECK(read_all("").empty());
    CHECK(read_all("  ; only a comment").empty());
    CHECK_FALSE(try_read_all("(a) (b").has_value());
}

namespace {
struct error_case {
    std::string input;
    error code;
    std::size_t offset, line, column;
};
} // namespace

TEST_CASE("reader: every error carries its code and offset and line:column") {
    const error_case cases[] = {
        {"", error::empty_input, 0, 1, 1},
        {"  \n ; c\n", error::empty_input, 8, 3, 1},
        {"(a) (b)", error::trailing_data, 4, 1, 5},
        {"(a\n b", error::unexpected_end, 5, 2, 3},
        {"'", error::unexpected_end, 1, 1, 2},
        {")", error::unexpected_close, 0, 1, 1},
        {"(a}", error::mismatched_close, 2, 1, 3},
        {"{:a 1)", error::mismatched_close, 5, 1, 6},
        {"(')", error::mismatched_close, 2, 1, 3},
        {"(a , b)", error::unexpected_character, 3, 1, 4},
        {"[1]", error::unexpected_character, 0, 1, 1},
        {"(caf\xC3\xA9)", error::unexpected_character, 4, 1, 5},
        {"\"\xFF\"", error::invalid_utf8, 1, 1, 2},
        {"\"\xC0\x80\"", error::invalid_utf8, 1, 1, 2},         // overlong
        {"\"\xED\xA0\x80\"", error::invalid_utf8, 1, 1, 2},     // encoded surrogate
        {"\"\xF4\x90\x80\x80\"", error::invalid_utf8, 1, 1, 2}, // above U+10FFFF
        {"\"\xE2\x80\"", error::invalid_utf8, 1, 1, 2},         // truncated
        {"; \xFF\n1", error::invalid_utf8, 2, 1, 3},
        {"\"\\q\"", error::invalid_escape, 1, 1, 2},
        {"\"\\u12\"", error::invalid_escape, 1, 1, 2},
        {"\"\\u12G4\"", error::invalid_escape, 1, 1, 2},
        {"\"ab\\ud800\"", error::lone_surrogate, 3, 1, 4},
        {"\"\\udc00\"", error::lone_surrogate, 1, 1, 2},
        {"\"\\ud83d\\u0041\"", error::lone_surrogate, 1, 1, 2},
        {"\"a\x01\"", error::control_character, 2, 1, 3},
        {"(x \"abc", error::unterminated_string, 3, 1, 4},
        {"\"abc\\", error::unterminated_string, 0, 1, 1},
        {"12abc", error::invalid_number, 0, 1, 1},
        {"+5", error::invalid_number, 0, 1, 1},
        {".5", error::invalid_number, 0, 1, 1},
        {"1.", error::invalid_number, 0, 1, 1},
        {"1.5.3", error::invalid_number, 0, 1, 1},
        {"1e", error::invalid_number, 0, 1, 1},
        {"1e+", error::invalid_number, 0, 1, 1},
        {"(1 -2x)", error::invalid_number, 3, 1, 4},
        {"9223372036854775808", error::integer_out_of_range, 0, 1, 1},
        {"-9223372036854775809", error::integer_out_of_range, 0, 1, 1},
        {"1e400", error::float_out_of_range, 0, 1, 1},
        {"1e-400", error::float_out_of_range, 0, 1, 1},
        {":", error::invalid_keyword, 0, 1, 1},
        {"{:a}", error::odd_dict, 3, 1, 4},
        {"{:a 1 :a 2}", error::duplicate_key, 6, 1, 7},
        {"{:b 1 :a 2 :b 3}", error::duplicate_key, 11, 1, 12},
        {"{(a) 1}", error::invalid_dict_key, 1, 1, 2},
        {"{:a 1 {} 2}", error::invalid_dict_key, 6, 1, 7},
    };
    for (const auto& c : cases) {
        INFO("input: " << c.input);
        const auto r = try_read(c.input);
        REQUIRE_FALSE(r.has_value());
        CHECK(r.error().code == c.code);
        CHECK(r.error().offset == c.offset);
        CHECK(r.error().line == c.line);
        CHECK(r.error().column == c.column);
        CHECK_THROWS_AS(read(c.input), read_exception);
    }
}

TEST_CASE("reader: the exception carries the position") {
    try {
        (void)read("(a\n  b))");
        FAIL("no exception");
    } catch (const read_exception& e) {
        CHECK(e.code() == error::trailing_data);
        CHECK(e.offset() == 7);
        CHECK(e.line() == 2);
        CHECK(e.column() == 5);
        CHECK(std::string(e.what()).find("at 2:5 (offset 7)") != std::string::npos);
    }
}

TEST_CASE("reader: depth limit counts lists and dicts and quotes") {
    read_options two{.max_depth = 2};
    CHECK(try_read("((a))", two).has_value());
    CHECK(try_read("({:a 1})", two).has_value());
    CHECK(try_read("'(a)", two).has_value());
    CHECK(try_read("(((a)))", two).error().code == error::depth_exceeded);
    CHECK(try_read("''(a)", two).error().code == error::depth_exceeded);
    CHECK(try_read("(({}))", two).error().offset == 2);
    // The default is 256: 256 levels read, 257 do not.
    CHECK(try_read(std::string(256, '(') + std::string(256, ')')).has_value());
    CHECK(try_read(std::string(257, '(') + std::string(257, ')')).error().code == error::depth_exceeded);
    // Hostile depth never overflows the stack.
    read_options deep{.max_depth = 1'000'000};
    const auto v = try_read(std::string(200'000, '[') , deep);
    CHECK(v.error().code == error::unexpected_character);
    const auto r = try_read(std::string(200'000, '(') + std::string(200'000, ')'), deep);
    REQUIRE(r.has_value());
    CHECK(canonical(*r).size() == 400'000);
    CHECK(try_read(std::string(100'000, '\'') + "x", deep).has_value());
}

TEST_CASE("reader: a reused reader is not disturbed by an earlier error") {
    reader rd;
    CHECK_FALSE(rd.read("(a {:b").has_value());
    auto ok = rd.read("(a {:b 1})");
    REQUIRE(ok.has_value());
    CHECK(canonical(*ok) == "(a {:b 1})");
    CHECK_FALSE(rd.read("\"\\u").has_value());
    auto all = rd.read_all("1 2 3");
    REQUIRE(all.has_value());
    CHECK(all->size() == 3);
}

TEST_CASE("reader: extreme numbers") {
    CHECK(read("9223372036854775807").as_int() == std::numeric_limits<std::int64_t>::max());
    CHECK(read("999999999999999999").as_int() == 999'999'999'999'999'999);    // 18 digits: the short path
    CHECK(read("-999999999999999999").as_int() == -999'999'999'999'999'999);
    CHECK(read("1000000000000000000").as_int() == 1'000'000'000'000'000'000);  // 19 digits: from_chars
    CHECK(read("000000000000000000001").as_int() == 1);
    CHECK(read("1.000000000000000000001").as_float() == 1.0);
    CHECK(read("-9223372036854775808").as_int() == std::numeric_limits<std::int64_t>::min());
    CHECK(read("1.7976931348623157e308").as_float() == std::numeric_limits<double>::max());
    CHECK(read("5e-324").as_float() == std::numeric_limits<double>::denorm_min());
    CHECK(read("0.1").as_float() == 0.1);
    CHECK(try_read("100000000000000000000000000000000000").error().code == error::integer_out_of_range);
}

TEST_CASE("reader: floats read exactly as from_chars reads them") {
    // The reader takes a shortcut for short decimals (Clinger's fast path);
    // every float must still be the correctly rounded double.
    std::mt19937_64 rng(7);
    const char digits[] = "0123456789";
    for (int i = 0; i < 100000; ++i) {
        std::string t = rng() % 2 ? "-" : "";
        const int whole = 1 + static_cast<int>(rng() % 10), frac = static_cast<int>(rng() % 19);
        for (int k = 0; k < whole; ++k) t += digits[rng() % 10];
        if (frac || rng() % 2 == 0) {
            t += '.';
            for (int k = 0; k < std::max(frac, 1); ++k) t += digits[rng() % 10];
        }
        if (rng() % 3 == 0) t += (rng() % 2 ? "e" : "E-") + std::to_string(rng() % 30);
        double expected = 0;
        const auto r = std::from_chars(t.data(), t.data() + t.size(), expected);
        REQUIRE(r.ec == std::errc{});
        const auto v = try_read(t);
        REQUIRE(v.has_value());
        // Digits are read eight at a time where eight bytes follow: also read
        // the token with more text after it.
        const auto in_list = try_read("(" + t + " 12345678)");
        REQUIRE(in_list.has_value());
        CHECK((*in_list)[0] == *v);
        if (!v->is_float()) continue;  // an integer token
        if (std::bit_cast<std::uint64_t>(v->as_float()) != std::bit_cast<std::uint64_t>(expected))
            FAIL(t << " read as " << v->as_float() << ", from_chars gives " << expected);
    }
}

TEST_CASE("reader: integers of every length read as from_chars reads them") {
    std::mt19937_64 rng(5);
    const char digits[] = "0123456789";
    for (int i = 0; i < 20000; ++i) {
        std::string t = rng() % 2 ? "-" : "";
        const int n = 1 + static_cast<int>(rng() % 21);
        for (int k = 0; k < n; ++k) t += digits[rng() % (k == 0 && rng() % 2 ? 3 : 10)];
        std::int64_t expected = 0;
        const auto r = std::from_chars(t.data(), t.data() + t.size(), expected);
        for (const std::string& text : {t, "(" + t + ")", "(" + t + " abcdefgh)", "{:k " + t + "}"}) {
            INFO(text);
            const auto v = try_read(text);
            if (r.ec == std::errc::result_out_of_range) {
                REQUIRE_FALSE(v.has_value());
                CHECK(v.error().code == error::integer_out_of_range);
                continue;
            }
            REQUIRE(v.has_value());
            const value& x = v->is_atom() ? *v : v->is_list() ? (*v)[0] : v->at("k");
            CHECK(x == value(expected));
        }
    }
}

TEST_CASE("reader: symbol and string scans stop exactly where the character classes say") {
    // The word-at-a-time scan must stop at the first byte outside cc_symbol,
    // wherever it lies in the word, for every byte value.
    for (int b = 0; b < 256; ++b) {
        for (std::size_t at = 0; at < 20; ++at) {
            std::string s(24, 'a');
            s[at] = static_cast<char>(b);
            const char* stop = detail::skip_symbol_chars(s.data(), s.data() + s.size());
            const char* expected = s.data();
            while (expected < s.data() + s.size() && detail::has_class(*expected, detail::cc_symbol)) ++expected;
            if (stop != expected) FAIL("byte " << b << " at " << at);
        }
    }
    // The same for the string scan: stop at controls, '"', '\\', DEL and any byte >= 0x80.
    for (int b = 0; b < 256; ++b) {
        for (std::size_t at = 0; at < 28; ++at) {
            std::string s(32, 'a');
            s[at] = static_cast<char>(b);
            const bool stops = b < 0x20 || b == '"' || b == '\\' || b >= 0x7F;
            const char* stop = detail::skip_plain_ascii(s.data(), s.data() + s.size());
            if (stop != s.data() + (stops ? at : s.size())) FAIL("string byte " << b << " at " << at);
        }
    }
    CHECK(try_read("(ab,c)").error().offset == 3);
    CHECK(try_read("(abcdefghij`k)").error().offset == 11);
}

TEST_CASE("reader: the value limit counts every value built and stops early") {
    // (a b) is three values: the list and its two atoms; 'a is three too:
    // (quote a).
    read_options three{.max_values = 3};
    CHECK(try_read("(a b)", three).has_value());
    CHECK(try_read("{:a 1}", three).has_value());
    CHECK(try_read("'a", three).has_value());
    CHECK(try_read("a", three).has_value());
    CHECK(try_read("(a b c)", three).error().code == error::too_many_values);
    CHECK(try_read("((a))", three).has_value());
    CHECK(try_read("((a) b)", three).error().code == error::too_many_values);
    CHECK(try_read("''a", three).error().code == error::too_many_values);
    CHECK(try_read_all("a b c", three).has_value());
    CHECK(try_read_all("a b c d", three).error().code == error::too_many_values);
    CHECK(try_read("(a b c)", three).error().message().find("too many values") != std::string::npos);
    // A flat list far over the limit stops when the stack reaches it, not at
    // its end: the error points inside the list.
    std::string flat = "(";
    for (int i = 0; i < 100000; ++i) flat += "1 ";
    flat += ")";
    read_options thousand{.max_values = 1000};
    const auto r = try_read(flat, thousand);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().code == error::too_many_values);
    CHECK(r.error().offset < 4000);
    // Many small containers count too.
    std::string nested = "(";
    for (int i = 0; i < 1000; ++i) nested += "(1) ";
    nested += ")";
    CHECK(try_read(nested, thousand).error().code == error::too_many_values);
    CHECK(try_read(nested, read_options{.max_values = 2001}).has_value());
    // The same through a document, and a reused reader whose limit is
    // lowered after a large read.
    reader big;
    REQUIRE(big.read(flat).has_value());
    big.set_max_values(3);
    CHECK(big.read("(a b c)").error().code == error::too_many_values);
    CHECK(big.read_all(std::string_view("a b c d")).error().code == error::too_many_values);
    document doc;
    CHECK(big.read(flat, doc).error().code == error::too_many_values);
    CHECK(doc.empty());
    CHECK(big.read("(a b)", doc).has_value());
}
