#include "workers.h"

#include <errno.h>
#include <stdlib.h>
#include "clock.h"
#include "spin.h"

/* How long a prewoken worker waits for its phase before it sleeps again: a stop's time to safepoint
 * and the work before the parallel phase, with room to spare. */
#define WARM_SPIN_NS 2000000u
/* How long the caller spins for the pool workers to finish a phase before it sleeps: they finish
 * together unless one was descheduled, and past GC_SPIN_NS the spin yields to let it run. */
#define DONE_SPIN_NS 200000u

typedef struct worker_start {
    gc_workers *w;
    unsigned id;
} worker_start;

static void *worker_main(void *p) {
    worker_start start = *(worker_start *)p;
    free(p);
    gc_workers *w = start.w;
    if (w->on_start) w->on_start(w->ctx, start.id);
    uint64_t seen = 0, warm_seen = 0;
    pthread_mutex_lock(&w->lock);
    for (;;) {
        while (atomic_load(&w->generation) == seen && w->warm == warm_seen && !w->shutdown)
            pthread_cond_wait(&w->cv_job, &w->lock);
        if (w->shutdown) break;
        if (atomic_load(&w->generation) == seen) {
            /* Woken ahead of a phase: spin for it, then sleep again if it does not come, or as soon as
             * the pause it was for has ended (gc_workers_cool). */
            warm_seen = w->warm;
            uint64_t cool = w->warm_cool;
            pthread_mutex_unlock(&w->lock);
            uint64_t t0 = gc_now_ns();
            for (unsigned i = 0; atomic_load_explicit(&w->generation, memory_order_acquire) == seen &&
                                 atomic_load_explicit(&w->cool, memory_order_acquire) == cool;
                 i++)
                if (!gc_spin_step(t0, i, WARM_SPIN_NS, false)) break;
            pthread_mutex_lock(&w->lock);
            continue;
        }
        seen = atomic_load(&w->generation);
        if (start.id >= w->phase_n) continue;
        gc_job_fn fn = w->fn;
        void *arg = w->arg;
        unsigned n = w->phase_n;
        pthread_mutex_unlock(&w->lock);
        uint64_t cpu0 = gc_thread_cpu_ns();
        fn(start.id, n, arg);
        atomic_fetch_add_explicit(&w->cpu_ns, gc_thread_cpu_ns() - cpu0, memory_order_relaxed);
        /* The caller spins on pending before it sleeps (gc_workers_run); the signal under the lock
         * reaches it if it went to sleep after all. */
        pthread_mutex_lock(&w->lock);
        if (atomic_fetch_sub_explicit(&w->pending, 1, memory_order_release) == 1) pthread_cond_signal(&w->cv_done);
    }
    pthread_mutex_unlock(&w->lock);
    return NULL;
}

int gc_workers_start(gc_workers *w, unsigned n, void (*on_start)(void *ctx, unsigned index), void *ctx) {
    w->n = n ? n : 1;
    w->on_start = on_start;
    w->ctx = ctx;
    atomic_init(&w->generation, 0);
    w->warm = 0;
    w->shutdown = false;
    w->fn = NULL;
    atomic_init(&w->cpu_ns, 0);
    pthread_mutex_init(&w->lock, NULL);
    pthread_cond_init(&w->cv_job, NULL);
    pthread_cond_init(&w->cv_done, NULL);
    w->threads = calloc(w->n, sizeof *w->threads);
    if (!w->threads) return -1;
    for (unsigned i = 1; i < w->n; i++) {
        worker_start *s = malloc(sizeof *s);
        if (!s) return -1;
        *s = (worker_start){w, i};
        int rc = pthread_create(&w->threads[i], NULL, worker_main, s);
        if (rc) {
            free(s);
            w->n = i;   /* stop() joins the ones that started */
            errno = rc;
            return -1;
        }
    }
    return 0;
}

void gc_workers_run(gc_workers *w, unsigned n, gc_job_fn fn, void *arg) {
    if (n == 0 || n > w->n) n = w->n;
    if (n > 1) {
        pthread_mutex_lock(&w->lock);
        w->fn = fn;
        w->arg = arg;
        w->phase_n = n;
        atomic_store_explicit(&w->pending, n - 1, memory_order_relaxed);
        atomic_fetch_add(&w->generation, 1);
        pthread_cond_broadcast(&w->cv_job);
        pthread_mutex_unlock(&w->lock);
    }
    fn(0, n, arg);
    if (n > 1) {
        /* The workers finish within a moment of each other (a phase ends when all run out of work),
         * and sleeping here would add a wake-up, often longer than the phase, to every pause. */
        uint64_t t0 = gc_now_ns();
        for (unsigned i = 0; atomic_load_explicit(&w->pending, memory_order_acquire); i++)
            if (!gc_spin_step(t0, i, DONE_SPIN_NS, false)) break;
        pthread_mutex_lock(&w->lock);
        while (atomic_load_explicit(&w->pending, memory_order_acquire)) pthread_cond_wait(&w->cv_done, &w->lock);
        pthread_mutex_unlock(&w->lock);
    }
}

void gc_workers_prewake(gc_workers *w) {
    if (w->n < 2) return;
    pthread_mutex_lock(&w->lock);
    w->warm++;
    w->warm_cool = atomic_load_explicit(&w->cool, memory_order_relaxed);
    pthread_cond_broadcast(&w->cv_job);
    pthread_mutex_unlock(&w->lock);
}

void gc_workers_cool(gc_workers *w) {
    if (w->n >= 2) atomic_fetch_add_explicit(&w->cool, 1, memory_order_release);
}

void gc_workers_stop(gc_workers *w) {
    if (!w->threads) return;
    pthread_mutex_lock(&w->lock);
    w->shutdown = true;
    pthread_cond_broadcast(&w->cv_job);
    pthread_mutex_unlock(&w->lock);
    for (unsigned i = 1; i < w->n; i++) pthread_join(w->threads[i], NULL);
    free(w->threads);
    w->threads = NULL;
    pthread_mutex_destroy(&w->lock);
    pthread_cond_destroy(&w->cv_job);
    pthread_cond_destroy(&w->cv_done);
}
