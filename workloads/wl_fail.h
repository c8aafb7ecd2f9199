/* wl_fail.h: a workload's first failure, recorded once whichever thread finds it.
 *
 * Every check that fails calls wl_fail; only the first message is kept, so the reason the run reports
 * is the first thing that went wrong, not the last of its consequences. The other threads read
 * wl_failed to stop early; the message itself is read after they are joined (wl_fail_report).
 */
#ifndef GCLAB_WL_FAIL_H
#define GCLAB_WL_FAIL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

typedef struct wl_failure {
    atomic_int failed;          /* set once the message is written */
    pthread_mutex_t lock;       /* orders racing failures: the first one's message stays */
    char msg[256];              /* the harness's reason is as long (harness.h) */
} wl_failure;

void wl_fail_init(wl_failure *f);
void wl_fail_destroy(wl_failure *f);
void wl_fail(wl_failure *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static inline bool wl_failed(wl_failure *f) { return atomic_load(&f->failed); }
/* -1 with the recorded message copied into err when a check failed; 0 (err untouched) otherwise. */
int wl_fail_report(wl_failure *f, char *err, size_t errlen);

#endif
