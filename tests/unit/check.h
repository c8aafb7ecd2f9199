/* check.h: how every unit test reports: a line "ok - name" or "FAIL - name: detail" per check, and
 * (the test's main prints it) a last line "<test>: N checks, M failed", exit status 1 on a failure. */
#ifndef GCLAB_TEST_CHECK_H
#define GCLAB_TEST_CHECK_H

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

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
#define CHECK_U64(name, got, want)                                                          \
    do {                                                                                    \
        uint64_t g_ = (got), w_ = (want);                                                   \
        check(g_ == w_, (name), "got %" PRIu64 ", want %" PRIu64, g_, w_);                  \
    } while (0)

/* A heap's on_fatal for tests: a heap that gives up must fail the test, counted, not just exit 3.
 * ctx names what the heap was for (NULL: "heap"). _exit, since other threads may still run. */
__attribute__((unused, noreturn)) static void check_fatal(void *ctx, const char *msg) {
    printf("FAIL - %s: fatal heap error: %s\n", ctx ? (const char *)ctx : "heap", msg);
    printf("%s: %u checks, %u failed\n", program_invocation_short_name, checks + 1, failed + 1);
    fflush(stdout);
    _exit(1);
}

#endif
