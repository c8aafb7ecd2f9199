/* registry.c: the table of workloads the harness can run (workload.h). */
#include <string.h>

#include "workload.h"

extern const workload wl_gcbench;
extern const workload wl_binarytrees;
extern const workload wl_msgbuf;
extern const workload wl_graphchurn;
extern const workload wl_collectrace;
extern const workload wl_ephemerons;
extern const workload wl_finalizers;
extern const workload wl_weakcache;
extern const workload wl_leaks;
extern const workload wl_lrucache;

static const workload *const all[] = {
    &wl_gcbench,
    &wl_binarytrees,
    &wl_msgbuf,
    &wl_graphchurn,
    &wl_collectrace,
    &wl_ephemerons,
    &wl_finalizers,
    &wl_weakcache,
    &wl_leaks,
    &wl_lrucache,
};

const workload *wl_find(const char *name) {
    if (!name) return NULL;
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        if (strcmp(all[i]->name, name) == 0) return all[i];
    return NULL;
}

const workload *const *wl_all(size_t *count) {
    if (count) *count = sizeof all / sizeof all[0];
    return all;
}
