/* topology.h: the machine's packages, cores and processing units (PUs, hardware threads), from hwloc
 * when the build has it (else from the CPUs this process may run on), and the pinning policies.
 *
 * Pinning (--pin compact|scatter|none). A policy is an order of the machine's PUs:
 *   compact  fill the PUs of one core, then the next core of the same package, package by package:
 *            pack:2 core:4 pu:2 gives PUs 0 1 2 3 4 5 6 7 8 ... 15 (hwloc logical numbering);
 *   scatter  one PU per core first, spreading consecutive threads across packages, then across the
 *            cores of each package, and only then onto second hardware threads:
 *            pack:2 core:4 pu:2 gives 0 8 2 10 4 12 6 14 1 9 3 11 5 13 7 15;
 *   none     no binding: the OS schedules every thread.
 * Mutators and GC workers take separate sequences over that one order: mutator i (attach order) gets
 * position i, GC worker j gets position j, both modulo the number of PUs. GC worker 0 is the collecting
 * mutator itself (it stays where its mutator is pinned), so in a stop-the-world pause with N GC threads
 * the pool threads 1..N-1 run on positions 1..N-1 while the mutators they share them with are stopped:
 * a sweep of GC threads at a fixed mutator count adds PUs in the policy's order. Concurrent GC threads
 * share the PU of the mutator of the same index.
 * libgc (bdw) starts its marker threads itself, outside the on_thread_start hook: the harness finds
 * them by name (GC-marker-K, /proc/self/task) after creating the heap and pins marker K as GC worker
 * K + 1.
 * Binding uses sched_setaffinity on the PU's OS index. A topology that does not describe this machine
 * (HWLOC_SYNTHETIC, HWLOC_XMLFILE) may name CPUs that do not exist: those bindings fail, are reported
 * (once on stderr, and per thread in machine.txt) and the thread runs unbound.
 */
#ifndef GCLAB_TOPOLOGY_H
#define GCLAB_TOPOLOGY_H

#include <stdbool.h>
#include <stdio.h>
#include "gclab.h"

typedef struct gc_topo_pu {
    unsigned os;        /* OS CPU number (what sched_setaffinity takes) */
    unsigned package;   /* package number, from 0 */
    unsigned core;      /* core number in the whole machine, from 0 */
    unsigned core_in_package; /* rank of its core inside its package, from 0 */
    unsigned rank;      /* rank of this PU inside its core, from 0 */
} gc_topo_pu;

typedef struct gc_topology {
    unsigned npackages, ncores, npus;
    gc_topo_pu *pus;       /* in hwloc logical order: package, core, PU */
    bool this_system;      /* false for synthetic or XML topologies: bindings may fail */
    char source[200];      /* how it was found, for the results: "hwloc 2.9.0, this machine", ... */
} gc_topology;

/* Loads the topology now (hwloc honours HWLOC_SYNTHETIC, HWLOC_XMLFILE). Never fails: without hwloc,
 * or if hwloc fails, every CPU this process may run on is a core of one package. */
void gc_topology_load(gc_topology *t);
/* A regular topology built by hand (packages x cores per package x PUs per core, OS numbers in
 * logical order), for tests and plans. Returns -1 on bad counts or no memory. */
int gc_topology_regular(gc_topology *t, unsigned packages, unsigned cores_per_package, unsigned pus_per_core);
void gc_topology_free(gc_topology *t);
/* This process's topology, loaded once (thread-safe). */
const gc_topology *gc_topology_get(void);
/* One line of counts and source, then a line per package listing its cores and their PUs' OS numbers. */
void gc_topology_describe(const gc_topology *t, FILE *f, const char *indent);

unsigned gc_topology_cores(void);       /* physical cores of gc_topology_get() */
unsigned gc_topology_pus(void);         /* its PUs */
const char *gc_topology_source(void);   /* "hwloc" or "sysconf" */

typedef enum { GC_PIN_NONE, GC_PIN_COMPACT, GC_PIN_SCATTER } gc_pin_policy;

/* "none", "compact", "scatter" -> 0 and *out; anything else -> -1. */
int gc_pin_parse(const char *s, gc_pin_policy *out);
const char *gc_pin_name(gc_pin_policy p);
/* The policy's PU order: order[k] is an index into t->pus, for k in [0, t->npus). For GC_PIN_NONE,
 * the logical order (never used for binding). */
void gc_pin_order(const gc_topology *t, gc_pin_policy p, unsigned *order);
/* The position in the order that a thread takes (see above): index modulo the number of PUs. */
unsigned gc_pin_position(const gc_topology *t, gc_thread_kind kind, unsigned index);

/* The pinning of one gclab process: binds threads as they start, remembers what it did. */
typedef struct gc_pinner gc_pinner;
/* NULL for GC_PIN_NONE (nothing to do). dry: plan and record, never bind. */
gc_pinner *gc_pinner_new(const gc_topology *t, gc_pin_policy p, bool dry);
void gc_pinner_free(gc_pinner *pn);
/* The gc_options.on_thread_start hook: ctx is the gc_pinner. Binds the calling thread. */
void gc_pinner_thread_start(void *ctx, gc_thread_kind kind, unsigned index);
/* Binds libgc's marker threads (GC-marker-K -> GC worker K + 1); returns how many it found. */
unsigned gc_pinner_bind_named_markers(gc_pinner *pn);
/* "mutator 0 -> PU 0 (package 0, core 0); gc 1 -> PU 1 (...)" with failures spelled out. */
void gc_pinner_report(const gc_pinner *pn, FILE *f);
unsigned gc_pinner_failures(const gc_pinner *pn);
/* Prints the plan (no binding) for `threads` mutators and `gc_threads` GC workers. */
void gc_pin_print_plan(const gc_topology *t, gc_pin_policy p, unsigned threads, unsigned gc_threads, FILE *f);

#endif
