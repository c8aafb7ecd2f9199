/* wl_fail.c: the first-failure recorder of wl_fail.h. */
#include "wl_fail.h"

#include <stdarg.h>
#include <stdio.h>

void wl_fail_init(wl_failure *f) {
    atomic_init(&f->failed, 0);
    pthread_mutex_init(&f->lock, NULL);
    f->msg[0] = '\0';
}

void wl_fail_destroy(wl_failure *f) { pthread_mutex_destroy(&f->lock); }

void wl_fail(wl_failure *f, const char *fmt, ...) {
    pthread_mutex_lock(&f->lock);
    if (!atomic_load(&f->failed)) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(f->msg, sizeof f->msg, fmt, ap);
        va_end(ap);
        atomic_store(&f->failed, 1);
    }
    pthread_mutex_unlock(&f->lock);
}

int wl_fail_report(wl_failure *f, char *err, size_t errlen) {
    if (!atomic_load(&f->failed)) return 0;
    snprintf(err, errlen, "%s", f->msg);
    return -1;
}
