/* merge.h: combining result folders (merge.c). */
#ifndef GCLAB_MERGE_H
#define GCLAB_MERGE_H

#include <stddef.h>
#include "harness.h"

/* Merges the folders dirs[0..ndirs) into out (created; must not already hold a runs.csv). Returns 0, or
 * -1 with one line in err (headers that differ, a folder given twice, a folder without runs.csv). */
int results_merge(const char *out, char *const *dirs, int ndirs, char *err, size_t errlen);

#endif
