/* snapshot_json.c: the streaming JSON tokenizer of the snapshot reader (snapshot_json.h). Numbers, the
 * bulk of a snapshot (its nodes and edges arrays), are parsed straight out of a 1 MiB buffer. */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include "snapshot_json.h"

#define JSON_BUF (1u << 20)

int json_init(json_in *j, FILE *f, const char *name, char *err, size_t errlen) {
    memset(j, 0, sizeof *j);
    j->f = f;
    j->name = name;
    j->err = err;
    j->errlen = errlen;
    j->buf = malloc(JSON_BUF);
    if (!j->buf) {
        snprintf(err, errlen, "%s: out of memory", name);
        return -1;
    }
    return 0;
}

void json_done(json_in *j) {
    free(j->buf);
    j->buf = NULL;
}

int json_fail(json_in *j, const char *fmt, ...) {
    if (j->failed) return -1;   /* the first message is the one that explains */
    j->failed = true;
    int n = snprintf(j->err, j->errlen, "%s: byte %llu: ", j->name, (unsigned long long)(j->consumed + j->pos));
    if (n < 0 || (size_t)n >= j->errlen) return -1;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(j->err + n, j->errlen - (size_t)n, fmt, ap);
    va_end(ap);
    return -1;
}

/* Refills the buffer; 0 at the end of the input, -1 on a read error. */
static int refill(json_in *j) {
    j->consumed += j->len;
    j->pos = 0;
    j->len = fread(j->buf, 1, JSON_BUF, j->f);
    if (j->len) return 1;
    if (ferror(j->f)) {
        json_fail(j, "read error: %s", strerror(errno));
        return -1;
    }
    return 0;
}

static inline int get(json_in *j) {
    if (j->pos == j->len && refill(j) <= 0) return -1;
    return j->buf[j->pos++];
}

static inline bool space(int c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; }

int json_peek(json_in *j) {
    for (;;) {
        if (j->pos == j->len && refill(j) <= 0) return -1;
        int c = j->buf[j->pos];
        if (!space(c)) return c;
        j->pos++;
    }
}

static const char *describe(int c, char *tmp) {
    if (c < 0) return "the end of the file (truncated?)";
    if (c >= 0x20 && c < 0x7f) snprintf(tmp, 16, "'%c'", c);
    else snprintf(tmp, 16, "byte 0x%02x", (unsigned)c & 0xff);
    return tmp;
}

int json_expect(json_in *j, char c, const char *what) {
    int got = json_peek(j);
    if (got != c) {
        char tmp[16];
        return json_fail(j, "expected %s, found %s", what, describe(got, tmp));
    }
    j->pos++;
    return 0;
}

int json_open(json_in *j, char open, const char *what) {
    if (json_expect(j, open, what)) return -1;
    int c = json_peek(j);
    if (c == (open == '[' ? ']' : '}')) {
        j->pos++;
        return 0;
    }
    return 1;
}

int json_next(json_in *j, char close) {
    int c = json_peek(j);
    if (c == ',') {
        j->pos++;
        return 1;
    }
    if (c == close) {
        j->pos++;
        return 0;
    }
    char tmp[16];
    return json_fail(j, "expected ',' or '%c', found %s", close, describe(c, tmp));
}

int jbuf_add(jbuf *b, const void *p, size_t n) {
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap : 64;
        while (cap < b->len + n) cap *= 2;
        char *np = realloc(b->p, cap);
        if (!np) return -1;
        b->p = np;
        b->cap = cap;
    }
    memcpy(b->p + b->len, p, n);
    b->len += n;
    return 0;
}

static int hex4(json_in *j, unsigned *u) {
    *u = 0;
    for (int i = 0; i < 4; i++) {
        int c = get(j);
        unsigned d;
        if (c >= '0' && c <= '9') d = (unsigned)(c - '0');
        else if (c >= 'a' && c <= 'f') d = (unsigned)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F') d = (unsigned)(c - 'A' + 10);
        else return json_fail(j, "bad \\u escape in a string");
        *u = *u << 4 | d;
    }
    return 0;
}

/* UTF-8 of a code point; a lone surrogate (V8 writes them for broken strings) is kept as its 3 bytes. */
static int put_utf8(jbuf *b, unsigned u) {
    char s[4];
    size_t n;
    if (u < 0x80) s[0] = (char)u, n = 1;
    else if (u < 0x800) s[0] = (char)(0xc0 | u >> 6), s[1] = (char)(0x80 | (u & 0x3f)), n = 2;
    else if (u < 0x10000)
        s[0] = (char)(0xe0 | u >> 12), s[1] = (char)(0x80 | ((u >> 6) & 0x3f)), s[2] = (char)(0x80 | (u & 0x3f)), n = 3;
    else
        s[0] = (char)(0xf0 | u >> 18), s[1] = (char)(0x80 | ((u >> 12) & 0x3f)), s[2] = (char)(0x80 | ((u >> 6) & 0x3f)),
        s[3] = (char)(0x80 | (u & 0x3f)), n = 4;
    return jbuf_add(b, s, n);
}

int json_string(json_in *j, jbuf *b) {
    if (json_expect(j, '"', "a string")) return -1;
    unsigned high = 0;   /* a high surrogate waiting for its low half */
    for (;;) {
        /* A run of plain bytes is copied at once. */
        size_t start = j->pos;
        while (j->pos < j->len && j->buf[j->pos] != '"' && j->buf[j->pos] != '\\' && j->buf[j->pos] >= 0x20) j->pos++;
        if (j->pos > start) {
            if (high && put_utf8(b, high)) return json_fail(j, "out of memory");
            high = 0;
            if (jbuf_add(b, j->buf + start, j->pos - start)) return json_fail(j, "out of memory");
        }
        int c = get(j);
        if (c < 0) return json_fail(j, "the file ends inside a string (truncated?)");
        if (c < 0x20) return json_fail(j, "control character 0x%02x inside a string", c);
        if (c != '"' && c != '\\') {
            j->pos--;   /* the buffer ended mid-run: go round */
            continue;
        }
        unsigned u = 0;
        bool closing = c == '"';
        if (!closing) {
            switch (c = get(j)) {
            case '"': case '\\': case '/': u = (unsigned)c; break;
            case 'b': u = '\b'; break;
            case 'f': u = '\f'; break;
            case 'n': u = '\n'; break;
            case 'r': u = '\r'; break;
            case 't': u = '\t'; break;
            case 'u':
                if (hex4(j, &u)) return -1;
                break;
            default: return json_fail(j, "bad escape in a string");
            }
        }
        if (high && u >= 0xdc00 && u < 0xe000) {
            u = 0x10000 + ((high - 0xd800) << 10) + (u - 0xdc00);
        } else if (high && put_utf8(b, high)) {
            /* A lone surrogate (V8 writes them for broken strings) is kept as its 3 bytes. */
            return json_fail(j, "out of memory");
        }
        high = 0;
        if (closing) break;
        if (u >= 0xd800 && u < 0xdc00) high = u;
        else if (put_utf8(b, u)) return json_fail(j, "out of memory");
    }
    if (jbuf_add(b, "", 1)) return json_fail(j, "out of memory");
    return 0;
}

int json_uint(json_in *j, uint64_t *v) {
    int c = json_peek(j);
    if (c < '0' || c > '9') {
        char tmp[16];
        if (c == '-') return json_fail(j, "a negative number where a count, size, index or id belongs");
        return json_fail(j, "expected a number, found %s", describe(c, tmp));
    }
    uint64_t x = 0;
    for (;;) {
        while (j->pos < j->len) {
            unsigned d = (unsigned)j->buf[j->pos] - '0';
            if (d > 9) goto end;
            if (x > (UINT64_MAX - d) / 10) return json_fail(j, "number too large");
            x = x * 10 + d;
            j->pos++;
        }
        int r = refill(j);
        if (r < 0) return -1;
        if (r == 0) return json_fail(j, "the file ends inside a number (truncated?)");
    }
end:
    if (j->pos < j->len && (j->buf[j->pos] == '.' || j->buf[j->pos] == 'e' || j->buf[j->pos] == 'E'))
        return json_fail(j, "a fraction where a whole number belongs");
    *v = x;
    return 0;
}

/* Skips a literal or number: the bytes up to the next delimiter, which must be a plausible token. */
static int skip_scalar(json_in *j) {
    int c = json_peek(j), first = c;
    size_t n = 0;
    while (c >= 0 && !space(c) && c != ',' && c != ']' && c != '}' && c != ':') {
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || c == '-' || c == '+' || c == '.' || c == 'E'))
            break;
        j->pos++;
        n++;
        c = j->pos < j->len ? j->buf[j->pos] : json_peek(j);
    }
    if (!n) {
        char tmp[16];
        return json_fail(j, "expected a value, found %s", describe(first, tmp));
    }
    return 0;
}

int json_skip(json_in *j) {
    /* The open brackets, innermost last: one byte per level, so no recursion however deep (a snapshot's
     * trace_tree nests as deep as the allocation stacks it records). */
    jbuf stack = {0};
    jbuf scratch = {0};
    int rc = 0;
    for (;;) {
        int c = json_peek(j);
        if (c == '[' || c == '{') {
            j->pos++;
            char close = c == '[' ? ']' : '}';
            if (json_peek(j) == close) {
                j->pos++;
            } else {
                if (jbuf_add(&stack, &close, 1)) { rc = json_fail(j, "out of memory"); break; }
                if (close == '}') {
                    scratch.len = 0;
                    if (json_string(j, &scratch) || json_expect(j, ':', "':' after a key")) { rc = -1; break; }
                }
                continue;
            }
        } else if (c == '"') {
            scratch.len = 0;
            if (json_string(j, &scratch)) { rc = -1; break; }
        } else if (skip_scalar(j)) {
            rc = -1;
            break;
        }
        /* A value ended: close what it ends, until a ',' starts the next one. */
        bool next = false;
        while (stack.len && !next) {
            char close = stack.p[stack.len - 1];
            int r = json_next(j, close);
            if (r < 0) { rc = -1; break; }
            if (r == 0) stack.len--;
            else next = true;
        }
        if (rc || !next) break;
        if (stack.p[stack.len - 1] == '}') {
            scratch.len = 0;
            if (json_string(j, &scratch) || json_expect(j, ':', "':' after a key")) { rc = -1; break; }
        }
    }
    free(stack.p);
    free(scratch.p);
    return rc;
}
