// Test helpers for reading the test data.
#ifndef SXTP_TESTS_SUPPORT_FILES_HPP
#define SXTP_TESTS_SUPPORT_FILES_HPP

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace test_support {

/// The whole file, as bytes.
inline std::string slurp(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

/// tests/data, or a file under it.
inline std::filesystem::path data_path(const std::filesystem::path& relative = {}) {
    return std::filesystem::path(SXTP_TEST_DATA) / relative;
}

} // namespace test_support

#endif
