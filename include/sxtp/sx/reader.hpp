// sxtp/sx/reader.hpp — reading SX text (SPEC §1).
#ifndef SXTP_SX_READER_HPP
#define SXTP_SX_READER_HPP

#include <sxtp/sx/detail/lexer.hpp>
#include <sxtp/sx/detail/value_stack.hpp>
#include <sxtp/sx/document.hpp>
#include <sxtp/sx/error.hpp>
#include <sxtp/sx/value.hpp>

#include <boost/system/result.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sxtp::sx {

/// Limits applied while reading. Memory use is bounded by the input: under
/// 48 bytes of heap per input byte at the peak, result included (the worst
/// shape, a list of quoted atoms, measures 32; tests/sx_memory checks it).
struct read_options {
    /// Deepest nesting of lists, dicts and quotes; deeper input fails with
    /// error::depth_exceeded. The reader's stack use does not depend on it.
    std::size_t max_depth = 256;
    /// Most values (atoms, lists, dicts, the parts of a quote) one read may
    /// return, counted as they are built, so an input with more fails early
    /// with error::too_many_values instead of after building them all (at
    /// most about twice the limit is built before the read stops: the
    /// values closed into containers are counted when each closes, those
    /// still open when the work stack would grow past the limit).
    /// Unbounded by default; a server sets it per message (a peer's frame
    /// then costs at most about `max_values` × 32 bytes, whatever its shape).
    std::size_t max_values = static_cast<std::size_t>(-1);
};

template <class T>
using read_result = boost::system::result<T, read_error>;

/// A reusable SX reader. Keeping one per thread (or per connection) reuses
/// its work stacks across reads.
///
/// Thread safety: one reader must not be used by two threads at once.
class reader {
public:
    explicit reader(read_options options = {}) : options_(options) { stack_.set_limit(options.max_values); }

    /// Reads exactly one value; whitespace and comments may surround it.
    /// Errors: empty input, a second value (error::trailing_data), and every
    /// syntax error of SPEC §1, each with its position.
    read_result<value> read(std::string_view text);

    /// Reads a document of any number (zero included) of top-level forms.
    read_result<std::vector<value>> read_all(std::string_view text);

    /// As read(text), into `doc`'s arena (see sx::document): the fastest
    /// way to read. On error `doc` is left empty.
    read_result<void> read(std::string_view text, document& doc);
    /// As read_all(text), into `doc`'s arena. On error `doc` is left empty.
    read_result<void> read_all(std::string_view text, document& doc);

    /// Reads the next top-level form of `text` at or after byte `offset`
    /// (whitespace and comments before it are skipped) and moves `offset`
    /// just past it; what follows is not looked at. `depth_used` levels of
    /// nesting are taken as already open, so the form may nest only
    /// `max_depth - depth_used` deeper. Error offsets are offsets into `text`.
    read_result<value> read_next(std::string_view text, std::size_t& offset, std::size_t depth_used = 0);

    const read_options& options() const noexcept { return options_; }
    /// Changes read_options::max_values from the next read on.
    void set_max_values(std::size_t n) noexcept {
        options_.max_values = n;
        stack_.clear();  // what a failed read left: so that room over the new limit is given back
        stack_.set_limit(n);
    }

private:
    struct frame {
        enum class type : unsigned char { list, dict, quote } k;
        std::size_t base;    // index in stack_ of its first item
        std::size_t offset;  // offset of its opening byte
    };
    enum class mode { one, all, next };

    template <class Blocks>
    error parse(std::string_view text, mode m, Blocks& blocks, std::size_t start = 0);
    // parse, with the value limit's early stop (stack_ growth) as an error.
    template <class Blocks>
    error parse_bounded(std::string_view text, mode m, Blocks& blocks, std::size_t start = 0);
    template <class Blocks>
    void push_atom(const detail::token& tok, Blocks& blocks);
    template <class Blocks>
    error close_container(const char* at, frame::type closing, Blocks& blocks);
    template <class Blocks>
    error finish_value(bool& have_top, Blocks& blocks);
    read_result<void> read_into(std::string_view text, mode m, document& doc);
    error sort_dict(const frame& f, const std::uint8_t*& order);
    bool sort_short_keywords(const frame& f, std::size_t m, const std::uint8_t*& order);
    read_error make_error(std::string_view text, error e) const;

    read_options options_;
    detail::lexer lex_;
    detail::value_stack stack_;         // finished items (and their offsets) waiting for their container, then the top-level forms
    std::vector<frame> frames_;
    // The keys (as sort_short_keywords forms them) and the entry order of the
    // last unsorted short-keyword dict.
    struct key_shape {
        std::size_t size = 0;
        std::uint64_t hi[16] = {}, lo[16] = {};
        std::uint8_t order[16] = {};
    };
    key_shape last_shape_;
    std::vector<std::size_t> order_;    // dict entry order while sorting
    std::string key_text_;              // canonical texts of a dict's keys, while sorting a mixed dict
    std::vector<std::pair<std::size_t, std::size_t>> key_spans_;  // (start, size) of each in key_text_
    const char* begin_ = nullptr;
    std::size_t depth_used_ = 0;
    std::size_t closed_values_ = 0;     // values moved off stack_ into blocks during this read
};

/// Reads exactly one value; throws `read_exception` on error.
value read(std::string_view text, const read_options& options = {});
/// Reads exactly one value; returns the error with its position.
read_result<value> try_read(std::string_view text, const read_options& options = {});
/// Reads every top-level form; throws `read_exception` on error.
std::vector<value> read_all(std::string_view text, const read_options& options = {});
/// Reads every top-level form; returns the error with its position.
read_result<std::vector<value>> try_read_all(std::string_view text, const read_options& options = {});

} // namespace sxtp::sx

#include <sxtp/sx/impl/reader.hpp>

#endif
