// libFuzzer target: typed decoding straight from text against the value path.
//
// For every input, typed::try_read<page> (which decodes token by token) must
// give exactly what typed::try_from_sx<page>(sx::read(text)) gives: the same
// value, or the same error. Never a crash, a leak or a hang.
#include <sxtp/sx.hpp>
#include <sxtp/typed.hpp>

#include <boost/describe.hpp>
#include <boost/hana/define_struct.hpp>

#include <array>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace fuzz {
enum class state { draft, live };
BOOST_DESCRIBE_ENUM(state, draft, live)
struct author {
    BOOST_HANA_DEFINE_STRUCT(author, (std::string, name), (std::optional<std::string>, email));
};
struct entry {
    BOOST_HANA_DEFINE_STRUCT(entry,
        (std::int64_t, id),
        (std::optional<std::string>, title),
        (std::optional<author>, by),
        (std::optional<double>, score),
        (std::vector<std::string>, tags),
        (std::optional<bool>, published),
        (std::optional<state>, status),
        (std::optional<sxtp::sx::value>, extra),
        (std::optional<std::map<std::string, int>>, counts),
        (std::optional<std::variant<std::int64_t, std::string>>, ref),
        (std::optional<std::array<std::uint8_t, 2>>, pair));
};
struct page {
    BOOST_HANA_DEFINE_STRUCT(page, (std::vector<entry>, items), (std::optional<std::uint16_t>, total), (std::optional<std::string>, next));
};
} // namespace fuzz

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    namespace sx = sxtp::sx;
    namespace typed = sxtp::typed;
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    const auto direct = typed::try_read<fuzz::page>(text);
    const auto tree = sx::try_read(text);
    if (!tree) {
        if (direct || direct.error().code != tree.error().code || direct.error().detail != tree.error().message()) std::abort();
        return 0;
    }
    const auto via_value = typed::try_from_sx<fuzz::page>(*tree);
    if (direct.has_value() != via_value.has_value()) std::abort();
    if (direct) {
        if (!(typed::to_sx(*direct) == typed::to_sx(*via_value))) std::abort();
        if (typed::canonical(*direct) != sx::canonical(typed::to_sx(*direct))) std::abort();
    } else if (direct.error().message() != via_value.error().message()) {
        std::abort();
    }
    return 0;
}
