/* procmem.h: what the kernel says of this process's memory (Linux /proc), for the heap's
 * memoryUsage (rss) and the harness's peak RSS per repetition. */
#ifndef GCLAB_PROCMEM_H
#define GCLAB_PROCMEM_H

#include <stdint.h>

uint64_t gc_process_rss(void);          /* bytes resident now (/proc/self/statm; 0 if unreadable) */
uint64_t gc_process_peak_rss(void);     /* the high-water mark (VmHWM; getrusage without /proc) */
void gc_process_peak_rss_reset(void);   /* restarts the high-water mark (Linux 4.0+; else nothing) */

#endif
