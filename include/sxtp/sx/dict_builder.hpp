// sxtp/sx/dict_builder.hpp — a dict from entries in any order, in
// O(n log n). A dict keeps its entries sorted; inserting keys one by one in
// descending order shifts every entry each time (quadratic), so code that
// builds a dict from a peer's data (JSON objects, converted maps) collects
// the entries and builds it here.
#ifndef SXTP_SX_DICT_BUILDER_HPP
#define SXTP_SX_DICT_BUILDER_HPP

#include <sxtp/sx/value.hpp>

#include <algorithm>
#include <utility>
#include <vector>

namespace sxtp::sx {

/// The dict of `entries`; a later entry with the same key wins. Throws
/// error::invalid_dict_key for a key that is not an atom.
inline value dict_of(std::vector<std::pair<value, value>> entries) {
    std::stable_sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) { return compare_keys(a.first, b.first) < 0; });
    value d = value::make_dict(entries.size());
    for (auto& e : entries) d.insert_or_assign(std::move(e.first), std::move(e.second));  // ascending: appends
    return d;
}

} // namespace sxtp::sx

#endif
