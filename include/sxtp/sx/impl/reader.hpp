// Definitions for sxtp/sx/reader.hpp. The reader is iterative: nesting lives
// in `frames_`, finished items in `stack_`, so stack use is constant.
#ifndef SXTP_SX_IMPL_READER_HPP
#define SXTP_SX_IMPL_READER_HPP

#include <sxtp/sx/detail/char_class.hpp>
#include <sxtp/sx/detail/utf8.hpp>

#include <algorithm>
#include <bit>
#include <cstring>
#include <charconv>
#include <system_error>
#include <type_traits>

namespace sxtp::sx {

inline read_error reader::make_error(std::string_view text, error e) const {
    read_error r;
    r.code = e;
    r.offset = static_cast<std::size_t>(lex_.error_at() - text.data());
    const std::string_view before = text.substr(0, r.offset);
    r.line = 1 + static_cast<std::size_t>(std::count(before.begin(), before.end(), '\n'));
    const std::size_t nl = before.rfind('\n');
    r.column = nl == std::string_view::npos ? r.offset + 1 : r.offset - nl;
    return r;
}

namespace detail {

// Where the reader puts list/dict blocks and long text: the heap (values
// that own their blocks) or a document's arena (values that do not).
struct heap_blocks {
    items_block* items(std::size_t n) { return allocate_items(n); }
    text_block* text(std::string_view s) { return allocate_text(s); }
};

struct arena_blocks {
    arena& a;
    [[gnu::always_inline]] items_block* items(std::size_t n) {
        // n is bounded by the reader's stack, so the size cannot overflow.
        auto* b = static_cast<items_block*>(a.allocate(sizeof(items_block) + n * sizeof(value)));
        b->size = 0;
        b->capacity = n;
        return b;
    }
    [[gnu::always_inline]] text_block* text(std::string_view s) {
        auto* b = static_cast<text_block*>(a.allocate(sizeof(text_block) + s.size()));
        b->size = s.size();
        copy_text(b->chars(), s.data(), s.size());
        return b;
    }
    // Long text is at least 15 bytes; up to 64 it is copied in overlapping
    // fixed-size pieces instead of through a memcpy call.
    [[gnu::always_inline]] static void copy_text(char* to, const char* from, std::size_t n) noexcept {
        if (n >= 8 && n <= 16) {
            std::memcpy(to, from, 8);
            std::memcpy(to + n - 8, from + n - 8, 8);
        } else if (n > 16 && n <= 64) {
            for (std::size_t i = 0; i + 16 < n; i += 16) std::memcpy(to + i, from + i, 16);
            std::memcpy(to + n - 16, from + n - 16, 16);
        } else {
            std::memcpy(to, from, n);
        }
    }
};

} // namespace detail

inline read_result<value> reader::read(std::string_view text) {
    detail::heap_blocks heap;
    if (const error e = parse_bounded(text, mode::one, heap); e != error{}) return make_error(text, e);
    value v = std::move(stack_[0]);
    stack_.clear();
    return v;
}

inline read_result<value> reader::read_next(std::string_view text, std::size_t& offset, std::size_t depth_used) {
    detail::heap_blocks heap;
    depth_used_ = depth_used;
    const error e = parse_bounded(text, mode::next, heap, std::min(offset, text.size()));
    depth_used_ = 0;
    if (e != error{}) return make_error(text, e);
    offset = static_cast<std::size_t>(lex_.pos() - text.data());
    value v = std::move(stack_[0]);
    stack_.clear();
    return v;
}

inline read_result<std::vector<value>> reader::read_all(std::string_view text) {
    detail::heap_blocks heap;
    if (const error e = parse_bounded(text, mode::all, heap); e != error{}) return make_error(text, e);
    std::vector<value> out(stack_.size());  // nils, overwritten byte-wise by the forms
    stack_.relocate(0, out.data());
    return out;
}

inline read_result<void> reader::read(std::string_view text, document& doc) { return read_into(text, mode::one, doc); }
inline read_result<void> reader::read_all(std::string_view text, document& doc) { return read_into(text, mode::all, doc); }

inline read_result<void> reader::read_into(std::string_view text, mode m, document& doc) {
    // Most texts need about twice their size: one chunk, sized up front.
    doc.clear(2 * text.size() + 256);
    detail::arena_blocks blocks{doc.arena_};
    error e{};
    try {
        e = parse_bounded(text, m, blocks);
        if (e == error{}) {
            const std::size_t n = stack_.size();
            auto* forms = static_cast<value*>(doc.arena_.allocate(n * sizeof(value)));
            stack_.relocate(0, forms);
            doc.forms_ = forms;
            doc.count_ = n;
            return {};
        }
    } catch (...) {
        stack_.forget();  // the arena owns their blocks
        doc.clear(0);
        throw;
    }
    stack_.forget();
    doc.clear(0);
    return make_error(text, e);
}

template <class Blocks>
inline error reader::parse_bounded(std::string_view text, mode m, Blocks& blocks, std::size_t start) {
    try {
        return parse(text, m, blocks, start);
    } catch (const detail::value_stack::limit_reached&) {
        lex_.set_error_at(stack_.size() ? begin_ + stack_.offset(stack_.size() - 1) : text.data());
        if constexpr (std::is_same_v<Blocks, detail::heap_blocks>) stack_.clear();
        else stack_.forget();  // the arena owns their blocks
        return error::too_many_values;
    }
}

template <class Blocks>
inline void reader::push_atom(const detail::token& tok, Blocks& blocks) {
    using va = detail::value_access;
    using type = detail::token::type;
    auto text_words = [&](kind k, std::uint8_t flags) {
        const std::string_view t = tok.text;
        if (t.size() <= va::small_text) return va::inline_text_words(k, t.data(), t.size(), flags, tok.can_overread);
        return va::pointer_words(k, static_cast<std::uint8_t>(va::heap_flag | flags), blocks.text(t));
    };
    stack_.make_room();  // before a text block is allocated, so it cannot leak
    va::words w{0, 0};
    switch (tok.t) {
    case type::string: w = text_words(kind::string, tok.text_flags); break;
    case type::symbol: w = text_words(kind::symbol, 0); break;
    case type::keyword: w = text_words(kind::keyword, 0); break;
    case type::integer: w = va::scalar_words(kind::integer, static_cast<std::uint64_t>(tok.i)); break;
    case type::floating: w = va::scalar_words(kind::floating, std::bit_cast<std::uint64_t>(tok.f)); break;
    case type::boolean: w = va::scalar_words(kind::boolean, tok.b ? 1 : 0); break;
    default: break;  // nil
    }
    stack_.push_words(w, static_cast<std::size_t>(tok.start - begin_));
}

// Leaves the value read (mode one and next) or every top-level form (mode
// all) on stack_. The position lives in a local; brackets and the common
// atoms (names, plain integers, short decimals, strings without escapes) are
// read here, the rest by the lexer.
template <class Blocks>
inline error reader::parse(std::string_view text, mode m, Blocks& blocks, std::size_t start) {
    using va = detail::value_access;
    stack_.clear();
    frames_.clear();
    closed_values_ = 0;
    lex_.reset(text);
    begin_ = text.data();
    const char* p = text.data() + start;
    const char* const end = text.data() + text.size();
    bool have_top = false;
    detail::token tok;
    // The innermost open frame's type, kept in a local (-1: none open).
    int innermost = -1;
    auto refresh_innermost = [&] { innermost = frames_.empty() ? -1 : static_cast<int>(frames_.back().k); };
    for (;;) {
        while (p < end && detail::has_class(*p, detail::cc_space)) ++p;
        if (p == end) {
            lex_.set_pos(p);
            lex_.set_error_at(p);
            if (!frames_.empty()) return error::unexpected_end;
            if (m != mode::all && !have_top) return error::empty_input;
            return error{};
        }
        bool atom = true;
        switch (*p) {
        case '(':
        case '{':
        case '\'':
            if (frames_.size() + depth_used_ >= options_.max_depth) { lex_.set_error_at(p); return error::depth_exceeded; }
            frames_.push_back({*p == '(' ? frame::type::list : *p == '{' ? frame::type::dict : frame::type::quote, stack_.size(),
                               static_cast<std::size_t>(p - begin_)});
            innermost = static_cast<int>(frames_.back().k);
            ++p;
            continue;
        case ')':
        case '}':
            if (const error e = close_container(p, *p == ')' ? frame::type::list : frame::type::dict, blocks); e != error{}) return e;
            ++p;
            atom = false;
            break;
        case ';':
            lex_.set_pos(p);
            if (const error e = lex_.skip_space(); e != error{}) return e;
            p = lex_.pos();
            continue;
        case '"': {  // a string without escapes is read here
            const char* const body = p + 1;
            const char* q = body;
            std::uint8_t flags = va::verified_utf8 | va::no_escapes;
            if (detail::scan_string_text(q, end, flags) == error{} && *q == '"') {
                const auto n = static_cast<std::size_t>(q - body);
                stack_.make_room();
                const va::words w = n <= va::small_text
                                        ? va::inline_text_words(kind::string, body, n, flags, end - body >= 16)
                                        : va::pointer_words(kind::string, va::heap_flag | flags, blocks.text(std::string_view(body, n)));
                stack_.push_words(w, static_cast<std::size_t>(p - begin_));
                p = q + 1;
                break;
            }
            lex_.set_pos(p);  // escapes, and errors: the lexer
            if (const error e = lex_.next(tok); e != error{}) return e;
            p = lex_.pos();
            push_atom(tok, blocks);
            break;
        }
        case ':': {  // a keyword
            const char* const name = p + 1;
            const char* const q = detail::skip_symbol_chars(name, end);
            const auto n = static_cast<std::size_t>(q - name);
            if (n == 0) { lex_.set_error_at(p); return error::invalid_keyword; }
            stack_.make_room();
            const va::words w = n <= va::small_text
                                    ? va::inline_text_words(kind::keyword, name, n, 0, end - name >= 16)
                                    : va::pointer_words(kind::keyword, va::heap_flag, blocks.text(std::string_view(name, n)));
            stack_.push_words(w, static_cast<std::size_t>(p - begin_));
            p = q;
            break;
        }
        default: {
            // A plain integer (up to 18 digits, then a delimiter), a short
            // decimal, and a symbol (or nil, true, false) are read here.
            if (!detail::starts_like_number(p, end)) {
                const char* const q = detail::skip_symbol_chars(p, end);
                const auto n = static_cast<std::size_t>(q - p);
                if (n == 0) { lex_.set_error_at(p); return error::unexpected_character; }
                stack_.make_room();
                const std::string_view name(p, n);
                va::words w;
                detail::token::type special{};
                bool b = false;
                if (detail::special_name(name, special, b))
                    w = special == detail::token::type::nil ? va::scalar_words(kind::nil, 0) : va::scalar_words(kind::boolean, b);
                else if (n <= va::small_text) w = va::inline_text_words(kind::symbol, p, n, 0, end - p >= 16);
                else w = va::pointer_words(kind::symbol, va::heap_flag, blocks.text(name));
                stack_.push_words(w, static_cast<std::size_t>(p - begin_));
                p = q;
                break;
            }
            const char* q = p + (*p == '-');
            if (q < end && detail::is_digit(*q)) {  // '+' and '.' numbers go to the lexer
                const char* const digits = q;
                std::uint64_t acc = 0;
                detail::read_digits(q, end, acc, 18);
                if (q == end || !detail::has_class(*q, detail::cc_symbol)) {
                    const auto i = static_cast<std::int64_t>(acc);
                    stack_.push_words(va::scalar_words(kind::integer, static_cast<std::uint64_t>(*p == '-' ? -i : i)),
                                      static_cast<std::size_t>(p - begin_));
                    p = q;
                    break;
                }
                // A short decimal (digits.digits, at most 15 digits in all): m / 10^k
                // is exact by Clinger's fast path (see lexer::fast_float).
                if (*q == '.' && q + 1 < end && detail::is_digit(q[1])) {
                    const char* r = q + 1;
                    const char* const fraction = r;
                    detail::read_digits(r, end, acc, 15 - (q - digits));
                    if (r == end || !detail::has_class(*r, detail::cc_symbol)) {
                        const double x = static_cast<double>(acc) / detail::lexer::power_of_ten(static_cast<int>(r - fraction));
                        stack_.push_words(va::scalar_words(kind::floating, std::bit_cast<std::uint64_t>(*p == '-' ? -x : x)),
                                          static_cast<std::size_t>(p - begin_));
                        p = r;
                        break;
                    }
                }
            }
            lex_.set_pos(p);
            if (const error e = lex_.next(tok); e != error{}) return e;
            p = lex_.pos();
            push_atom(tok, blocks);
            break;
        }
        }
        // An atom inside a list or a dict needs nothing more (any atom is a valid key).
        constexpr int list = static_cast<int>(frame::type::list), dict = static_cast<int>(frame::type::dict);
        if (atom) {
            if (innermost == list || innermost == dict) continue;
        } else {
            refresh_innermost();
            if (innermost == list) continue;
        }
        if (const error e = finish_value(have_top, blocks); e != error{}) return e;
        refresh_innermost();
        if (have_top && m != mode::all) {
            lex_.set_pos(p);
            if (m == mode::next) return error{};
            // only whitespace and comments may follow the value
            if (const error e = lex_.skip_space(); e != error{}) return e;
            lex_.set_error_at(lex_.pos());
            return lex_.pos() == lex_.end() ? error{} : error::trailing_data;
        }
    }
}

// Called with a finished item on top of stack_: closes quotes around it,
// checks dict keys, and notes a finished top-level value.
template <class Blocks>
inline error reader::finish_value(bool& have_top, Blocks& blocks) {
    using va = detail::value_access;
    for (;;) {
        if (frames_.empty()) {
            have_top = true;
            return error{};
        }
        const frame& f = frames_.back();
        if (f.k == frame::type::quote) {  // 'x is (quote x)
            if ((closed_values_ += 2) > stack_.limit() - std::min(stack_.limit(), stack_.size())) {
                lex_.set_error_at(begin_ + f.offset);
                return error::too_many_values;
            }
            detail::items_block* b = blocks.items(2);
            va::store(b->items(), va::inline_text_words(kind::symbol, "quote", 5, 0, false));
            stack_.relocate(stack_.size() - 1, b->items() + 1);
            b->size = 2;
            stack_.push_words(va::pointer_words(kind::list, 0, b), f.offset);
            frames_.pop_back();
            continue;
        }
        if (f.k == frame::type::dict && (stack_.size() - f.base) % 2 == 1 && !stack_.back().is_atom()) {
            lex_.set_error_at(begin_ + stack_.offset(stack_.size() - 1));
            return error::invalid_dict_key;
        }
        return error{};
    }
}

template <class Blocks>
inline error reader::close_container(const char* at, frame::type closing, Blocks& blocks) {
    if (frames_.empty()) { lex_.set_error_at(at); return error::unexpected_close; }
    const frame f = frames_.back();
    if (f.k != closing) { lex_.set_error_at(at); return error::mismatched_close; }
    const std::size_t n = stack_.size() - f.base;
    if ((closed_values_ += n) > stack_.limit() - std::min(stack_.limit(), f.base + 1)) {
        lex_.set_error_at(at);
        return error::too_many_values;
    }
    const std::uint8_t* order = nullptr;  // the dict's entry order, when not the stack's
    if (f.k == frame::type::dict) {
        if (n % 2) { lex_.set_error_at(at); return error::odd_dict; }
        if (const error e = sort_dict(f, order); e != error{}) return e;
    }
    detail::items_block* b = nullptr;
    if (n) {
        b = blocks.items(n);
        if (order) stack_.relocate_pairs(f.base, order, b->items());
        else stack_.relocate(f.base, b->items());
        b->size = n;
    }
    frames_.pop_back();
    stack_.push_words(detail::value_access::pointer_words(f.k == frame::type::list ? kind::list : kind::dict, 0, b), f.offset);
    return error{};
}

inline value read(std::string_view text, const read_options& options) {
    return reader(options).read(text).value();
}
inline read_result<value> try_read(std::string_view text, const read_options& options) {
    return reader(options).read(text);
}
inline std::vector<value> read_all(std::string_view text, const read_options& options) {
    return reader(options).read_all(text).value();
}
inline read_result<std::vector<value>> try_read_all(std::string_view text, const read_options& options) {
    return reader(options).read_all(text);
}

} // namespace sxtp::sx

#include <sxtp/sx/impl/reader_dicts.hpp>

#endif
