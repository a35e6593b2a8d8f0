// Timing and reporting for the benchmark programs.
//
// Every program prints its tables on stdout. When SXTP_BENCH_DATA names a
// directory (bench/run.sh sets it), a program also writes there the data of
// its plots (data_file) and appends one line per target it checks to
// targets.tsv (target), which bench/run.sh gathers into docs/bench/results.md.
#ifndef SXTP_BENCH_MEASURE_HPP
#define SXTP_BENCH_MEASURE_HPP

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace bench_support {

/// Seconds per call of `op`, repeated in batches of `batch` for at least
/// `seconds` in all.
template <class Op>
double time_per_call(double seconds, int batch, Op& op) {
    std::size_t n = 0;
    const auto t0 = std::chrono::steady_clock::now();
    double elapsed = 0;
    do {
        for (int i = 0; i < batch; ++i) op();
        n += static_cast<std::size_t>(batch);
        elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    } while (elapsed < seconds);
    return elapsed / static_cast<double>(n);
}

/// Seconds per call of `op`: the best of 5 runs, each repeating `op` in
/// batches of 32 for a fifth of `seconds` in all.
template <class Op>
double measure(double seconds, Op op) {
    double best = 1e9;
    for (int run = 0; run < 5; ++run) best = std::min(best, time_per_call(seconds / 5, 32, op));
    return best;
}

/// Seconds per call of `a` and of `b`, measured alternately: 15 rounds of a
/// short run of each, best run of each side kept. On a shared machine a slow
/// spell then hits both sides of a ratio alike, instead of whichever was
/// being measured at the time.
template <class A, class B>
std::pair<double, double> measure_pair(double seconds, A a, B b) {
    constexpr int rounds = 15;
    double best_a = 1e9, best_b = 1e9;
    for (int round = 0; round < rounds; ++round) {
        best_a = std::min(best_a, time_per_call(seconds / (2 * rounds), 16, a));
        best_b = std::min(best_b, time_per_call(seconds / (2 * rounds), 16, b));
    }
    return {best_a, best_b};
}

/// The p-quantile (0..1) of `v` (sorted in place); 0 when empty.
inline double percentile(std::vector<double>& v, double p) {
    if (v.empty()) return 0;
    std::sort(v.begin(), v.end());
    return v[std::min(v.size() - 1, static_cast<std::size_t>(p * static_cast<double>(v.size())))];
}

struct file_closer {
    void operator()(std::FILE* f) const noexcept { std::fclose(f); }
};
using file = std::unique_ptr<std::FILE, file_closer>;

/// $SXTP_BENCH_DATA/<name>, opened for writing; null when the variable is unset.
inline file data_file(const char* name, const char* mode = "w") {
    const char* dir = std::getenv("SXTP_BENCH_DATA");
    if (!dir || !*dir) return nullptr;
    return file(std::fopen((std::string(dir) + '/' + name).c_str(), mode));
}

/// Prints and records one target: `what` (e.g. "ping-pong req/s vs gRPC"),
/// the measured value, the goal, and whether the goal is a floor (at_least)
/// or a ceiling.
inline void target(const char* what, double measured, double goal, bool at_least, const char* unit = "x") {
    const bool met = at_least ? measured >= goal : measured <= goal;
    std::printf("  target: %-46s %8.2f%s  (%s %.2f%s)  %s\n", what, measured, unit, at_least ? ">=" : "<=", goal, unit, met ? "met" : "NOT MET");
    if (auto f = data_file("targets.tsv", "a"))
        std::fprintf(f.get(), "%s\t%.2f%s\t%s %.2f%s\t%s\n", what, measured, unit, at_least ? "≥" : "≤", goal, unit, met ? "yes" : "**no**");
}

} // namespace bench_support

#endif
