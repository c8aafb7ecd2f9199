/* wl_rand.h: the workloads' random numbers: xorshift64 (Marsaglia's 13, 7, 17), and keys drawn from
 * a Zipf distribution by inverting its cumulative distribution.
 *
 * Deterministic for a seed, so a run's sequence of choices (keys requested, chains cut) is the same
 * on every collector and results stay comparable across them and across versions: changing either
 * function changes every workload's numbers.
 */
#ifndef GCLAB_WL_RAND_H
#define GCLAB_WL_RAND_H

#include <stdint.h>

/* The next value of the xorshift64 state *s (never 0 if *s was not). */
static inline uint64_t wl_next_rand(uint64_t *s) {
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

/* The seed of mutator thread `index`: distinct and non-zero for each thread. */
static inline uint64_t wl_rand_seed(unsigned index) { return 0x9e3779b97f4a7c15ull * (index + 1); }

/* The cumulative distribution of keys 0..keys-1 under Zipf with exponent skew (key k weighs
 * (k + 1)^-skew; skew 0 is uniform): a malloc'ed array of keys doubles, the last 1.0. NULL when out
 * of memory. */
double *wl_zipf_cdf(uint32_t keys, double skew);

/* A key drawn with the distribution cdf (wl_zipf_cdf) using one wl_next_rand of *rnd. cdf NULL: a
 * uniform key, next_rand % keys (the same distribution as a cdf of skew 0, not the same sequence). */
uint32_t wl_zipf_pick(const double *cdf, uint32_t keys, uint64_t *rnd);

#endif
