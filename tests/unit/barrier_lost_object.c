/* barrier_lost_object: why write barriers exist.
 *
 * A marker and the mutators are driven step by step (no timing luck) through the classic schedules
 * in which a mutator hides a white object from an incremental or concurrent marker: it stores the
 * object into a black one (or into a root) and deletes its only other reference before the marker
 * gets there. Every real barrier keeps the object; BARRIER=none loses it, and the heap verifier
 * reports the reachable object the collector failed to mark. Built for every incremental and
 * concurrent variant; the expectation follows the variant's barrier.
 *
 * The set-up of every schedule: globals A and X, registered in that order, so the initial mark puts
 * them in one grey packet [A, X] and the first marker step scans A (A black, X grey); X's slot 0 holds
 * C, white, reachable only through X. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "gclab.h"
#include "../../collector/common/cmark.h"

#include "barrier_fixture.h"
#include "check.h"

typedef struct world {
    gc_heap *heap;
    gc_mut *mut;
    gc_type node;
    gc_obj *A, *X;      /* global roots */
} world;

static void setup(world *w) {
    w->heap = schedule_heap(NULL, NULL);
    w->node = gc_register_type(w->heap, "node");
    w->mut = gc_attach(w->heap);
    w->A = w->X = NULL;
    gc_add_root(w->heap, &w->A);
    gc_add_root(w->heap, &w->X);
    w->A = gc_alloc(w->mut, w->node, 2, 8);
    w->X = gc_alloc(w->mut, w->node, 2, 8);
    gc_obj *c = gc_alloc(w->mut, w->node, 2, 8);
    memcpy(gc_raw(c), "payload", 8);
    gc_write(w->mut, w->X, 0, c);
    /* The cycle starts, and the marker blackens A only. */
    gc_test_cycle_start(w->mut);
    size_t steps = gc_test_mark_steps(w->mut, 1);
    CHECK(steps == 1, "the marker took one step", "it took %zu", steps);
}

static void teardown(world *w) {
    gc_remove_root(w->heap, &w->A);
    gc_remove_root(w->heap, &w->X);
    gc_detach(w->mut);
    gc_heap_destroy(w->heap);
}

static void expect(const char *schedule, size_t problems, const char *msg) {
    char name[320];
    if (EXPECT_LOSS) {
        snprintf(name, sizeof name, "%s: BARRIER=none loses the object", schedule);
        CHECK(problems > 0 && strstr(msg, "not marked live"), name, "the verifier found %s", problems ? msg : "nothing");
    } else {
        snprintf(name, sizeof name, "%s: BARRIER=" BARRIER_NAME " keeps the object", schedule);
        CHECK(problems == 0, name, "the verifier found %s", msg);
    }
}

/* 1. Store a white object into a black one, then delete its only other reference. */
static void store_into_black_then_delete(void) {
    world w;
    setup(&w);
    size_t s = gc_scope_open(w.mut);
    gc_obj **c = gc_push(w.mut, gc_read(w.X, 0));
    gc_write(w.mut, w.A, 0, *c);       /* black A -> white C */
    gc_write(w.mut, w.X, 0, NULL);     /* the grey path to C is cut */
    gc_scope_close(w.mut, s);          /* and C is in no root */
    char msg[256] = "";
    size_t problems = gc_test_cycle_finish(w.mut, msg, sizeof msg);
    expect("white object stored into a black one, other reference deleted", problems, msg);
    if (!EXPECT_LOSS) CHECK(!memcmp(gc_raw(gc_read(w.A, 0)), "payload", 8), "the kept object's payload is intact", "it changed");
    teardown(&w);
}

/* 2. The same through a root: the white object moves into a root, its heap reference is deleted. */
static void move_into_root_then_delete(void) {
    world w;
    setup(&w);
    size_t s = gc_scope_open(w.mut);
    gc_obj **c = gc_push(w.mut, gc_read(w.X, 0));   /* roots are not barriered */
    gc_write(w.mut, w.X, 0, NULL);
    char msg[256] = "";
    size_t problems = gc_test_cycle_finish(w.mut, msg, sizeof msg);
    expect("white object held only by a root, heap reference deleted", problems, msg);
    if (!EXPECT_LOSS) CHECK(!memcmp(gc_raw(*c), "payload", 8), "the kept object's payload is intact", "it changed");
    gc_scope_close(w.mut, s);
    teardown(&w);
}

/* 3. Across two mutator threads: the second loads C into its root, the first deletes X's
 * reference, the second stores C into black A and drops its root. */
typedef struct puppet {
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t cv;
    int cmd;                    /* 0: none; 1: load C from X; 2: store C into A; 3: leave */
    world *w;
} puppet;

static void *puppet_main(void *arg) {
    puppet *p = arg;
    gc_mut *mut = gc_attach(p->w->heap);
    size_t scope = gc_scope_open(mut);
    gc_obj **c = NULL;
    for (;;) {
        /* Waiting for a command is a blocking region: the test's pauses need not wait for us. */
        gc_block_enter(mut);
        pthread_mutex_lock(&p->lock);
        while (p->cmd == 0) pthread_cond_wait(&p->cv, &p->lock);
        int cmd = p->cmd;
        pthread_mutex_unlock(&p->lock);
        gc_block_leave(mut);
        if (cmd == 1) c = gc_push(mut, gc_read(p->w->X, 0));
        if (cmd == 2) {
            gc_write(mut, p->w->A, 0, *c);
            gc_scope_close(mut, scope);
        }
        pthread_mutex_lock(&p->lock);
        p->cmd = 0;
        pthread_cond_broadcast(&p->cv);
        pthread_mutex_unlock(&p->lock);
        if (cmd == 3) break;
    }
    gc_detach(mut);
    return NULL;
}

static void command(puppet *p, int cmd) {
    pthread_mutex_lock(&p->lock);
    p->cmd = cmd;
    pthread_cond_broadcast(&p->cv);
    while (p->cmd != 0) pthread_cond_wait(&p->cv, &p->lock);
    pthread_mutex_unlock(&p->lock);
}

static void across_two_threads(void) {
    world w;
    puppet p = {.w = &w};
    pthread_mutex_init(&p.lock, NULL);
    pthread_cond_init(&p.cv, NULL);
    char err[256];
    gc_options o = {.max_heap = 256u << 20, .initial_heap = 128u << 20, .gc_threads = 1};
    w.heap = gc_heap_create(&o, err, sizeof err);
    w.node = gc_register_type(w.heap, "node");
    w.mut = gc_attach(w.heap);
    w.A = w.X = NULL;
    gc_add_root(w.heap, &w.A);
    gc_add_root(w.heap, &w.X);
    w.A = gc_alloc(w.mut, w.node, 2, 8);
    w.X = gc_alloc(w.mut, w.node, 2, 8);
    gc_obj *c = gc_alloc(w.mut, w.node, 2, 8);
    memcpy(gc_raw(c), "payload", 8);
    gc_write(w.mut, w.X, 0, c);
    /* The main thread waits for the puppet inside a blocking region too. */
    gc_block_enter(w.mut);
    pthread_create(&p.thread, NULL, puppet_main, &p);
    gc_block_leave(w.mut);
    gc_test_cycle_start(w.mut);
    CHECK(gc_test_mark_steps(w.mut, 1) == 1, "the marker took one step", "it took none");
    gc_block_enter(w.mut);
    command(&p, 1);                    /* thread 2: C into its root */
    gc_block_leave(w.mut);
    gc_write(w.mut, w.X, 0, NULL);     /* thread 1: deletes the heap path to C */
    gc_block_enter(w.mut);
    command(&p, 2);                    /* thread 2: black A -> C, root dropped */
    gc_block_leave(w.mut);
    char msg[256] = "";
    size_t problems = gc_test_cycle_finish(w.mut, msg, sizeof msg);
    expect("two threads: one moves the white object into a black one, the other deletes its reference", problems,
           msg);
    gc_block_enter(w.mut);
    command(&p, 3);
    pthread_join(p.thread, NULL);
    gc_block_leave(w.mut);
    teardown(&w);
}

/* The barrier's slow path must not run when marking is off, and must when it is on. */
static void barrier_state(void) {
    world w;
    setup(&w);
    CHECK(w.mut->barrier_on, "marking on: the barrier is on", "it is off");
    char msg[256];
    gc_test_cycle_finish(w.mut, msg, sizeof msg);
    CHECK(!w.mut->barrier_on, "marking off: the barrier is off", "it is on");
    teardown(&w);
}

int main(void) {
    printf("# barrier: %s, collector: %s\n", BARRIER_NAME, gc_collector_name());
    store_into_black_then_delete();
    move_into_root_then_delete();
    across_two_threads();
    barrier_state();
    printf("barrier_lost_object: %u checks, %u failed\n", checks, failed);
    return failed != 0;
}
