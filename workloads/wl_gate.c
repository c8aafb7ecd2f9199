/* wl_gate.c: the start gate and meetings of wl_gate.h. */
#include "wl_gate.h"

void wl_gate_init(wl_gate *g) {
    pthread_mutex_init(&g->lock, NULL);
    pthread_cond_init(&g->cond, NULL);
    g->go = 0;
}

void wl_gate_destroy(wl_gate *g) {
    pthread_mutex_destroy(&g->lock);
    pthread_cond_destroy(&g->cond);
}

void wl_gate_open(wl_gate *g, bool start) {
    pthread_mutex_lock(&g->lock);
    g->go = start ? 1 : -1;
    pthread_cond_broadcast(&g->cond);
    pthread_mutex_unlock(&g->lock);
}

bool wl_gate_wait(wl_gate *g) {
    pthread_mutex_lock(&g->lock);
    while (!g->go) pthread_cond_wait(&g->cond, &g->lock);
    int go = g->go;
    pthread_mutex_unlock(&g->lock);
    return go > 0;
}

void wl_meeting_init(wl_meeting *m, unsigned threads) {
    pthread_barrier_init(&m->barrier, NULL, threads);
    m->threads = threads;
}

void wl_meeting_destroy(wl_meeting *m) { pthread_barrier_destroy(&m->barrier); }

void wl_meet(gc_mut *mut, wl_meeting *m) {
    if (m->threads < 2) return;
    gc_block_enter(mut);
    pthread_barrier_wait(&m->barrier);
    gc_block_leave(mut);
}
