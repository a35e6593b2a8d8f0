// The CPU cap of every fuzz target: an input that costs more than 100 ms of
// CPU (SXTP_FUZZ_CPU_LIMIT_MS overrides) aborts, so libFuzzer keeps it as a
// crash and the replay test fails on it. It catches CPU amplification —
// quadratic paths a small input can trigger — which libFuzzer's own
// -timeout (whole seconds, wall clock) would let through.
//
// One measurement is not a verdict. Thread CPU time on a busy machine also
// counts what is not the input's doing: ASan draining its quarantine or
// returning memory in this thread, page faults on fresh memory, hypervisor
// steal charged to the running task, cache misses after a neighbour ran. So
// an input over the cap is run again, up to `retries` more times, and only
// when every run is over the cap (the fastest one included) is it CPU
// amplification. Real amplification is a property of the input: it costs
// the same every time and still fails. tools/fuzz_ci.sh also replays a
// reported input in a fresh process before failing the run.
//
// SXTP_FUZZ_CPU_INJECT_MS=N (tests only) adds N ms of busy CPU to the first
// measured run, to check that a single slow measurement is measured again.
//
// Each target's source is compiled with -DLLVMFuzzerTestOneInput=sxtp_fuzz_one
// (fuzz/CMakeLists.txt); this file defines the real entry point around it.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <ctime>

extern "C" int sxtp_fuzz_one(const std::uint8_t* data, std::size_t size);

namespace {
constexpr int retries = 4;

double cpu_ms() {
    timespec t{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return static_cast<double>(t.tv_sec) * 1e3 + static_cast<double>(t.tv_nsec) / 1e6;
}
double env_ms(const char* name, double fallback) {
    const char* s = std::getenv(name);
    const double v = s ? std::atof(s) : 0.0;
    return v > 0 ? v : fallback;
}
double limit_ms() {
    static const double limit = env_ms("SXTP_FUZZ_CPU_LIMIT_MS", 100.0);
    return limit;
}
// Busy CPU for the first measured run only (SXTP_FUZZ_CPU_INJECT_MS).
void inject_once() {
    static double pending = env_ms("SXTP_FUZZ_CPU_INJECT_MS", 0.0);
    if (pending <= 0) return;
    const double until = cpu_ms() + pending;
    pending = 0;
    volatile std::uint64_t sink = 0;
    while (cpu_ms() < until) sink = sink + 1;
}
// One run of the target and the CPU it took.
double measured_run(const std::uint8_t* data, std::size_t size, int& result) {
    const double start = cpu_ms();
    inject_once();
    result = sxtp_fuzz_one(data, size);
    return cpu_ms() - start;
}
} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    int result = 0;
    double fastest = measured_run(data, size, result);
    if (fastest > limit_ms())
        std::fprintf(stderr, "sxtp fuzz: one input of %zu bytes took %.1f ms of CPU (limit %.0f ms); measuring again\n", size, fastest, limit_ms());
    for (int i = 0; i < retries && fastest > limit_ms(); ++i) {
        int again = 0;
        const double spent = measured_run(data, size, again);
        if (spent < fastest) fastest = spent;
    }
    if (fastest > limit_ms()) {
        std::fprintf(stderr,
                     "sxtp fuzz: one input of %zu bytes took at least %.1f ms of CPU in each of %d runs (limit %.0f ms): CPU amplification\n",
                     size, fastest, retries + 1, limit_ms());
        std::abort();
    }
    return result;
}
