/* bdw_fixture.h: what bdw_weak.c and bdw_census.c share: fatal errors as data (a heap's on_fatal
 * that jumps back into the check expecting one, and EXPECT_FATAL), and scrub_stack, which libgc's
 * conservative stack scan needs before a collection that should free what helpers left behind. */
#ifndef GCLAB_TEST_BDW_FIXTURE_H
#define GCLAB_TEST_BDW_FIXTURE_H

#include <setjmp.h>
#include <stdio.h>
#include <string.h>

#include "check.h"

/* ---- fatal errors as data: on_fatal jumps back into the check that expects one ---- */

static sigjmp_buf *fatal_jump;
static char fatal_msg[512];

/* The heap's on_fatal: outside EXPECT_FATAL, a fatal error fails the test (check_fatal). */
static __attribute__((unused)) void on_fatal(void *ctx, const char *msg) {
    if (fatal_jump) {
        snprintf(fatal_msg, sizeof fatal_msg, "%s", msg);
        sigjmp_buf *j = fatal_jump;
        fatal_jump = NULL;
        siglongjmp(*j, 1);
    }
    check_fatal(ctx, msg);
}

#define EXPECT_FATAL(name, want, stmt)                                                          \
    do {                                                                                        \
        sigjmp_buf j_;                                                                          \
        fatal_msg[0] = '\0';                                                                    \
        if (sigsetjmp(j_, 0) == 0) {                                                            \
            fatal_jump = &j_;                                                                   \
            stmt;                                                                               \
            fatal_jump = NULL;                                                                  \
            CHECK(0, name, "returned instead of a fatal error");                               \
        } else {                                                                                \
            CHECK(strstr(fatal_msg, want) != NULL && !strchr(fatal_msg, '\n'), name,            \
                  "message \"%s\", wanted one line with \"%s\"", fatal_msg, want);              \
        }                                                                                       \
    } while (0)

/* Clears the stack below the caller, where helpers left pointers to objects meant to die. */
__attribute__((noinline, unused)) static void scrub_stack(void) {
    volatile char buf[256 * 1024];
    memset((char *)buf, 0, sizeof buf);
}

#endif
