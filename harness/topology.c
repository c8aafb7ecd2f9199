/* topology.c: how many cores this machine has, from hwloc when the build has it. */
#include <unistd.h>
#include "harness.h"
#ifdef GCLAB_HAVE_HWLOC
#include <hwloc.h>
#endif

unsigned gc_topology_cores(void) {
#ifdef GCLAB_HAVE_HWLOC
    hwloc_topology_t topo;
    if (hwloc_topology_init(&topo) == 0) {
        int n = -1;
        if (hwloc_topology_load(topo) == 0) n = hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_CORE);
        hwloc_topology_destroy(topo);
        if (n > 0) return (unsigned)n;
    }
#endif
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (unsigned)n : 1;
}

const char *gc_topology_source(void) {
#ifdef GCLAB_HAVE_HWLOC
    return "hwloc";
#else
    return "sysconf";
#endif
}
