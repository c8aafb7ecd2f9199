/* wl_gate.h: how a workload's threads start together and meet.
 *
 * The start gate: the threads wait at it until all are created, so a barrier for n threads never
 * waits for one that could not be created: wl_gate_open(g, true) starts them, (g, false) sends them
 * home. A meeting: every thread waits at a barrier, as a blocked thread so that a collection another
 * thread starts meanwhile need not wait for it.
 */
#ifndef GCLAB_WL_GATE_H
#define GCLAB_WL_GATE_H

#include <pthread.h>
#include <stdbool.h>

#include "gclab.h"

typedef struct wl_gate {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    int go;                     /* 0 closed, 1 start, -1 go home */
} wl_gate;

void wl_gate_init(wl_gate *g);
void wl_gate_destroy(wl_gate *g);
/* Opens the gate to every thread waiting and to come: start true to run, false to go home. */
void wl_gate_open(wl_gate *g, bool start);
/* Waits (not attached to the heap) until the gate opens; true: run, false: go home. */
bool wl_gate_wait(wl_gate *g);

typedef struct wl_meeting {
    pthread_barrier_t barrier;
    unsigned threads;
} wl_meeting;

void wl_meeting_init(wl_meeting *m, unsigned threads);
void wl_meeting_destroy(wl_meeting *m);
/* All `threads` threads meet; one thread alone does not wait at all. */
void wl_meet(gc_mut *mut, wl_meeting *m);

#endif
