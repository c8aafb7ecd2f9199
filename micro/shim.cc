// shim.cc: registers gclab's C micro-benchmarks (micro.h) with Google Benchmark.
//
// Each C benchmark runs a batch of iterations per call, so the per-operation figures measure the C
// loop, not this shim. Manual-time benchmarks (marking, copying, time to safepoint) report the time
// their pause records give; the others are timed by Google Benchmark on the wall clock.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "micro.h"

namespace {

void run_one(benchmark::State &st, const micro_bench *b) {
    const char *skip = nullptr;
    void *state = b->setup ? b->setup(b->arg, &skip) : nullptr;
    if (b->setup && !state) {
        st.SkipWithError(skip ? skip : "set-up failed");
        for (auto _ : st) break;
        return;
    }
    double bytes = 0, counter[MICRO_MAX_COUNTERS] = {0};
    double calls = 0;
    const benchmark::IterationCount batch = static_cast<benchmark::IterationCount>(b->batch ? b->batch : 1);
    while (st.KeepRunningBatch(batch)) {
        micro_run r = {};
        r.iters = static_cast<uint64_t>(batch);
        b->run(state, b->arg, &r);
        if (r.skip) {
            st.SkipWithError(r.skip);
            break;
        }
        if (b->manual_time) st.SetIterationTime(r.manual_ns / 1e9);
        bytes += r.bytes;
        for (int i = 0; i < MICRO_MAX_COUNTERS; i++) counter[i] += r.counter[i];
        calls += static_cast<double>(batch);
    }
    if (b->teardown) b->teardown(state);
    if (st.error_occurred()) return;
    if (bytes > 0) st.SetBytesProcessed(static_cast<int64_t>(bytes));
    for (int i = 0; i < MICRO_MAX_COUNTERS; i++)
        if (b->counter_name[i]) st.counters[b->counter_name[i]] = benchmark::Counter(calls > 0 ? counter[i] / calls : 0);
}

}  // namespace

int main(int argc, char **argv) {
    unsigned cores = std::thread::hardware_concurrency();
    if (cores == 0) cores = 1;
    static micro_bench benches[96];
    size_t n = micro_benchmarks(benches, sizeof benches / sizeof *benches, cores);
    for (size_t i = 0; i < n; i++) {
        const micro_bench *b = &benches[i];
        auto *reg = benchmark::RegisterBenchmark(b->name, run_one, b);
        if (b->manual_time) reg->UseManualTime();
        else reg->UseRealTime();
        reg->Unit(b->manual_time && b->batch == 1 ? benchmark::kMicrosecond : benchmark::kNanosecond);
        if (b->iterations) reg->Iterations(static_cast<benchmark::IterationCount>(b->iterations));
    }
    benchmark::AddCustomContext("gclab_variant", micro_variant());
    benchmark::AddCustomContext("gclab_collector", micro_collector());
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 2;
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
