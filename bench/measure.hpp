// Timing for the benchmark programs.
#ifndef SXTP_BENCH_MEASURE_HPP
#define SXTP_BENCH_MEASURE_HPP

#include <algorithm>
#include <chrono>
#include <cstddef>

namespace bench_support {

/// Seconds per call of `op`: the best of 5 runs, each repeating `op` in
/// batches of 32 for a fifth of `seconds` in all.
template <class Op>
double measure(double seconds, Op op) {
    double best = 1e9;
    for (int run = 0; run < 5; ++run) {
        std::size_t n = 0;
        const auto t0 = std::chrono::steady_clock::now();
        double elapsed = 0;
        do {
            for (int i = 0; i < 32; ++i) op();
            n += 32;
            elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        } while (elapsed < seconds / 5);
        best = std::min(best, elapsed / static_cast<double>(n));
    }
    return best;
}

} // namespace bench_support

#endif
