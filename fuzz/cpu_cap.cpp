// The CPU cap of every fuzz target: an input that costs more than 100 ms of
// CPU (SXTP_FUZZ_CPU_LIMIT_MS overrides) aborts, so libFuzzer keeps it as a
// crash and the replay test fails on it. It catches CPU amplification —
// quadratic paths a small input can trigger — which libFuzzer's own
// -timeout (whole seconds, wall clock) would let through.
//
// Each target's source is compiled with -DLLVMFuzzerTestOneInput=sxtp_fuzz_one
// (fuzz/CMakeLists.txt); this file defines the real entry point around it.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <ctime>

extern "C" int sxtp_fuzz_one(const std::uint8_t* data, std::size_t size);

namespace {
double cpu_ms() {
    timespec t{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return static_cast<double>(t.tv_sec) * 1e3 + static_cast<double>(t.tv_nsec) / 1e6;
}
double limit_ms() {
    static const double limit = [] {
        const char* s = std::getenv("SXTP_FUZZ_CPU_LIMIT_MS");
        const double v = s ? std::atof(s) : 0.0;
        return v > 0 ? v : 100.0;
    }();
    return limit;
}
} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const double start = cpu_ms();
    const int r = sxtp_fuzz_one(data, size);
    const double spent = cpu_ms() - start;
    if (spent > limit_ms()) {
        std::fprintf(stderr, "sxtp fuzz: one input of %zu bytes took %.1f ms of CPU (limit %.0f ms): CPU amplification\n", size, spent,
                     limit_ms());
        std::abort();
    }
    return r;
}
