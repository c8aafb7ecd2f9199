/* snapshot_json.h: a streaming JSON tokenizer for the snapshot reader (snapshot_json.c). It reads through
 * a fixed buffer and hands out one value at a time, so a multi-gigabyte .heapsnapshot is never held as
 * text or as a tree. Every function returns -1 after setting one message (with the byte offset). */
#ifndef GCLAB_SNAPSHOT_JSON_H
#define GCLAB_SNAPSHOT_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

typedef struct json_in {
    FILE *f;
    const char *name;
    unsigned char *buf;
    size_t pos, len;
    uint64_t consumed;                  /* bytes before buf[0], for messages */
    char *err;
    size_t errlen;
    bool failed;
} json_in;

/* A growable byte buffer (decoded strings). */
typedef struct jbuf {
    char *p;
    size_t len, cap;
} jbuf;

int json_init(json_in *j, FILE *f, const char *name, char *err, size_t errlen);
void json_done(json_in *j);
int json_fail(json_in *j, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The next byte after white space, not consumed; -1 at the end of the input. */
int json_peek(json_in *j);
/* Consumes c (after white space) or fails naming what was expected. */
int json_expect(json_in *j, char c, const char *what);
/* Opens an array or object ('[' or '{'): 1 when it has an element, 0 when empty. */
int json_open(json_in *j, char open, const char *what);
/* After an element: 1 when another follows (the ',' consumed), 0 at the close (consumed). */
int json_next(json_in *j, char close);
/* A string, decoded to UTF-8 and appended to b with a terminating NUL (b->len counts it). */
int json_string(json_in *j, jbuf *b);
/* A non-negative whole number. */
int json_uint(json_in *j, uint64_t *v);
/* Any value, skipped (nesting counted, not recursed). */
int json_skip(json_in *j);
/* Appends n bytes to b; -1 out of memory. */
int jbuf_add(jbuf *b, const void *p, size_t n);

#endif
