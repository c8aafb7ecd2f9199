/* workers.h: the pool of GC threads that run a parallel phase (marking, scavenging, sweeping).
 *
 * Worker 0 is the thread that asks for the phase (the collector); workers 1..n-1 are pool threads that
 * sleep between phases. A phase may use fewer workers than the pool has (a thread-count sweep runs
 * one pool at its largest size).
 */
#ifndef GCLAB_WORKERS_H
#define GCLAB_WORKERS_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

typedef void (*gc_job_fn)(unsigned worker, unsigned nworkers, void *arg);

typedef struct gc_workers {
    unsigned n;                     /* workers, including the caller */
    pthread_t *threads;
    pthread_mutex_t lock;
    pthread_cond_t cv_job, cv_done;
    _Atomic uint64_t generation;    /* bumped per phase, under lock; spinning workers read it without */
    uint64_t warm;                  /* bumped by gc_workers_prewake, under lock */
    uint64_t warm_cool;             /* `cool` when the last prewake came, under lock */
    _Atomic uint64_t cool;          /* bumped by gc_workers_cool: warm workers stop spinning */
    unsigned phase_n;
    _Atomic unsigned pending;       /* pool workers still in the phase: set under lock, counted down without */
    gc_job_fn fn;
    void *arg;
    bool shutdown;
    _Atomic uint64_t cpu_ns;        /* CPU time the pool threads spent in phases */
    void (*on_start)(void *ctx, unsigned index);   /* run on each pool thread as it starts */
    void *ctx;
} gc_workers;

/* Starts n-1 pool threads, each running on_start(ctx, index) first when on_start is set. Returns 0,
 * or -1 with errno set. */
int gc_workers_start(gc_workers *w, unsigned n, void (*on_start)(void *ctx, unsigned index), void *ctx);
/* Runs fn on workers 0..n-1 (n clamped to the pool) and returns when all have finished. */
void gc_workers_run(gc_workers *w, unsigned n, gc_job_fn fn, void *arg);
void gc_workers_stop(gc_workers *w);
/* A phase is coming soon (a pause is starting): pool threads wake and spin for it for a while, so
 * the phase does not wait for them to wake from sleep. */
void gc_workers_prewake(gc_workers *w);
/* The phases a prewake was for are over (the pause ends): workers still spinning for one go back to
 * sleep now instead of at the end of their spin, which would run into the mutators' time and, on a
 * machine with fewer CPUs than threads, take the CPU a mutator needs to reach its next safepoint. */
void gc_workers_cool(gc_workers *w);

#endif
