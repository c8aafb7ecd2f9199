/* wl_rand.c: the Zipf key sampler of wl_rand.h. */
#include "wl_rand.h"

#include <math.h>
#include <stdlib.h>

double *wl_zipf_cdf(uint32_t keys, double skew) {
    double *cdf = malloc(sizeof *cdf * keys);
    if (!cdf) return NULL;
    double sum = 0;
    for (uint32_t k = 0; k < keys; k++) cdf[k] = sum += pow(k + 1, -skew);
    for (uint32_t k = 0; k < keys; k++) cdf[k] /= sum;
    /* Exactly 1.0 whatever the rounding, so the probabilities read off the cdf add up to 1. The keys
     * drawn do not depend on it: wl_zipf_pick never compares against the last entry. */
    cdf[keys - 1] = 1.0;
    return cdf;
}

uint32_t wl_zipf_pick(const double *cdf, uint32_t keys, uint64_t *rnd) {
    if (!cdf) return (uint32_t)(wl_next_rand(rnd) % keys);
    /* u uniform in [0, 1) from the top 53 bits; the key is the first whose cumulative probability
     * reaches u. */
    double u = (double)(wl_next_rand(rnd) >> 11) / 9007199254740992.0;
    uint32_t lo = 0, hi = keys - 1;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (cdf[mid] < u) lo = mid + 1;
        else hi = mid;
    }
    return lo;
}
