/* size_arg.c: the size syntax of gclab's options (--heap 512M, --nursery 4MiB), one parser for gclab run
 * and for the suite checker, which must refuse exactly what gclab run would. */
#include <errno.h>
#include <stdlib.h>
#include "harness.h"

int gc_parse_size(const char *s, size_t *out) {
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || v < 0) return -1;
    double unit = 1;
    switch (*end) {
    case 'k': case 'K': unit = 1024.0; end++; break;
    case 'm': case 'M': unit = 1048576.0; end++; break;
    case 'g': case 'G': unit = 1073741824.0; end++; break;
    case 't': case 'T': unit = 1099511627776.0; end++; break;
    }
    if (*end == 'i') end++;
    if (*end == 'B') end++;
    if (*end) return -1;
    if (v * unit >= 18e18) return -2;
    *out = (size_t)(v * unit);
    return 0;
}
