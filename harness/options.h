/* options.h: the options of `gclab run`, each declared once (options.c).
 *
 * gclab run's parser, its usage text, runs.csv's gc_options column (results_gc_option), the suite
 * checker's validation of `args` lines and README's option table (`gclab options --markdown`, checked
 * by make test) are all read off this one table, so a new option is one entry there. */
#ifndef GCLAB_OPTIONS_H
#define GCLAB_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

typedef enum {
    OPT_FLAG,       /* no value; sets a bool */
    OPT_INT,        /* a whole number in [min, max]; sets an unsigned */
    OPT_SIZE,       /* 512M, 2G (gc_parse_size); sets a size_t */
    OPT_REAL,       /* a number in the range real_ok accepts; sets a double */
    OPT_ENUM,       /* one of a few words (parse_enum); sets what parse_enum writes */
    OPT_STRING,     /* any text; sets a const char * pointing into argv */
} opt_kind;

typedef struct gclab_option {
    const char *name;           /* without the leading "--" */
    const char *metavar;        /* the value's name in usage ("N", "SIZE"); NULL for a flag */
    opt_kind kind;
    int64_t min, max;           /* OPT_INT */
    int (*real_ok)(double v);   /* OPT_REAL: whether v is in range ... */
    const char *range;          /* ... as the error message says it ("more than 1, at most 100") */
    int (*parse_enum)(const char *s, void *dst);   /* OPT_ENUM: 0, or -1 for a word it does not know */
    const char *choices;        /* ... the words, as the error message lists them */
    const char *def;            /* the default, as documented */
    const char *collectors;     /* which collectors honour it: "all", "incremental", "generational";
                                 * NULL for the harness's own options */
    /* A collector option recorded as given in runs.csv's gc_options column. --heap, --heap-factor and
     * --gc-threads reach the collector too but have runs.csv columns of their own. */
    bool gc_options_column;
    const char *suite_key;      /* the suite key that sets it (so an `args` line may not); NULL if none */
    bool runner_sets;           /* the suite runner passes it itself: not for `args` lines either */
    size_t offset;              /* where the value goes: offsetof(run_config, ...) */
    const char *help;           /* one line, for usage and README */
    const char *more;           /* README only: what does not fit on a usage line; NULL if nothing */
} gclab_option;

extern const gclab_option gclab_options[];
extern const size_t gclab_noptions;

/* The entry for a flag as written ("--heap"), or NULL. */
const gclab_option *opt_find(const char *flag);
/* Parses v, given for flag (as written), into the field at cfg + o->offset (cfg NULL: only checks).
 * Returns 0, or -1 with gclab run's one-line message ("--threads expects a whole number, not 'x'"). */
int opt_parse_value(const gclab_option *o, const char *flag, const char *v, void *cfg, char *err, size_t errlen);
/* The "options:" lines of gclab --help. */
void opt_print_usage(FILE *f);
/* README's table of gclab run options, in Markdown. */
void opt_print_markdown(FILE *f);

#endif
