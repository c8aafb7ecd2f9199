/* check.h: how every unit test reports: a line "ok - name" or "FAIL - name: detail" per check, and
 * (the test's main prints it) a last line "<test>: N checks, M failed", exit status 1 on a failure. */
#ifndef GCLAB_TEST_CHECK_H
#define GCLAB_TEST_CHECK_H

#include <stdarg.h>
#include <stdio.h>

static unsigned checks, failed;

static void check(int ok, const char *name, const char *fmt, ...) {
    checks++;
    if (ok) {
        printf("ok - %s\n", name);
        return;
    }
    failed++;
    printf("FAIL - %s: ", name);
    va_list ap;
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    putchar('\n');
}

#define CHECK(cond, name, ...) check((cond) ? 1 : 0, (name), __VA_ARGS__)

#endif
