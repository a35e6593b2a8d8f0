// The separately compiled part of sxtp for test_separate (detail/config.hpp).
#include <sxtp/src.hpp>
