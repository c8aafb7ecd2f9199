/* leak.c: the leak detector over a census series (leak.h). */
#include "leak.h"

#include <stdlib.h>
#include <string.h>

/* One census of the log: its totals row and its type rows (by type id, as gclab.h orders them). */
typedef struct census_ref {
    const gc_census_row *total;
    const gc_census_row *types;
    size_t ntypes;
} census_ref;

static const gc_census_row *type_row(const census_ref *c, gc_type t) {
    size_t lo = 0, hi = c->ntypes;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (c->types[mid].type < t) lo = mid + 1;
        else hi = mid;
    }
    return lo < c->ntypes && c->types[lo].type == t ? &c->types[lo] : NULL;
}

static int by_growth(const void *a, const void *b) {
    const leak_type *x = a, *y = b;
    if (x->growth_bytes != y->growth_bytes) return x->growth_bytes > y->growth_bytes ? -1 : 1;
    return x->type < y->type ? -1 : x->type > y->type;
}

/* Ranks the types over censuses [first, last] by their growth in bytes; only types that grew. */
static void rank(const census_ref *c, size_t first, size_t last, leak_report *out) {
    size_t n = last - first + 1, cap = 0, count = 0;
    leak_type *all = NULL;
    /* Every type present at either end or anywhere between: the union, each once. */
    for (size_t i = first; i <= last; i++)
        for (size_t k = 0; k < c[i].ntypes; k++) {
            gc_type t = c[i].types[k].type;
            bool seen = false;
            for (size_t j = first; j < i && !seen; j++) seen = type_row(&c[j], t) != NULL;
            if (seen) continue;
            if (count == cap) {
                cap = cap ? 2 * cap : 64;
                leak_type *v = realloc(all, cap * sizeof *v);
                if (!v) {
                    free(all);
                    return;   /* out of memory: no ranking (the verdict stands) */
                }
                all = v;
            }
            const gc_census_row *a = type_row(&c[first], t), *b = type_row(&c[last], t);
            leak_type lt = {.type = t,
                            .growth_bytes = (int64_t)(b ? b->bytes : 0) - (int64_t)(a ? a->bytes : 0),
                            .growth_objects = (int64_t)(b ? b->objects : 0) - (int64_t)(a ? a->objects : 0)};
            /* Least squares of bytes against the census's position in the window. */
            double sx = 0, sy = 0, sxx = 0, sxy = 0;
            for (size_t j = first; j <= last; j++) {
                const gc_census_row *r = type_row(&c[j], t);
                double x = (double)(j - first), y = r ? (double)r->bytes : 0;
                sx += x, sy += y, sxx += x * x, sxy += x * y;
            }
            double den = (double)n * sxx - sx * sx;
            lt.slope_bytes = den > 0 ? ((double)n * sxy - sx * sy) / den : 0;
            all[count++] = lt;
        }
    if (count) qsort(all, count, sizeof *all, by_growth);
    out->ntop = 0;
    for (size_t i = 0; i < count && out->ntop < LEAK_TOP; i++)
        if (all[i].growth_bytes > 0) out->top[out->ntop++] = all[i];
    free(all);
}

void leak_check(const gc_census_row *rows, size_t nrows, const leak_params *p, leak_report *out) {
    memset(out, 0, sizeof *out);
    size_t all = 0, requested = 0;
    for (size_t i = 0; i < nrows; i++)
        if (rows[i].type == 0) all++, requested += rows[i].requested;
    /* The program's own collections, when there are enough of them for a verdict. */
    out->requested_only = requested >= (size_t)p->warmup + (p->window ? p->window : 1) + 1;
    size_t n = out->requested_only ? requested : all;
    out->censuses = (unsigned)n;
    if (n < 2) return;
    census_ref *c = calloc(n, sizeof *c);
    if (!c) return;
    size_t k = 0;
    bool in = false;   /* the rows after a totals row belong to a census in the series */
    for (size_t i = 0; i < nrows; i++) {
        if (rows[i].type == 0) {
            in = !out->requested_only || rows[i].requested;
            if (in) c[k++] = (census_ref){.total = &rows[i], .types = &rows[i + 1]};
        } else if (in) {
            c[k - 1].ntypes++;
        }
    }
    size_t w = p->window ? p->window : 1;
    out->enough = n >= p->warmup + w + 1;
    for (size_t s = p->warmup; out->enough && s + w < n && !out->suspected; s++) {
        size_t j = s;
        while (j < s + w && c[j + 1].total->bytes > c[j].total->bytes) j++;
        if (j < s + w) {
            s = j;   /* no window can span the fall at j: the next starts after it */
            continue;
        }
        uint64_t from = c[s].total->bytes, to = c[s + w].total->bytes;
        if (to - from < p->min_bytes || (double)(to - from) * 100.0 < p->min_percent * (double)from) continue;
        /* Kept: no later census gives back more than half of the window's growth (memlab's final
         * snapshot: what leaked is still there). A heap that climbs for a while and then falls back (a
         * graph that grows and is cut, a queue that fills and drains) is no leak; a window that ends at
         * the last census cannot be confirmed yet. */
        bool kept = s + w + 1 < n;
        for (size_t j = s + w + 1; j < n && kept; j++) kept = c[j].total->bytes >= from + (to - from) / 2;
        if (kept) {
            out->suspected = true;
            out->first = s;
            out->last = s + w;
        }
    }
    if (!out->suspected) {
        out->last = n - 1;
        out->first = n - 1 >= w ? n - 1 - w : 0;
    }
    out->first_cycle = c[out->first].total->cycle;
    out->last_cycle = c[out->last].total->cycle;
    out->growth_bytes = (int64_t)c[out->last].total->bytes - (int64_t)c[out->first].total->bytes;
    rank(c, out->first, out->last, out);
    free(c);
}
