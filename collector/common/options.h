/* options.h: what every collector accepts as gc_options (bdw included), so a bad option gets the same
 * one-line message whatever the variant. */
#ifndef GCLAB_OPTIONS_H
#define GCLAB_OPTIONS_H

#include <stddef.h>
#include "gclab.h"

/* Fills in the defaults of the fields left 0 and checks the ranges. Returns 0, or -1 with one line in
 * err. */
int gc_options_check(gc_options *o, char *err, size_t errlen);

#endif
