/* concurrent.h: inline fast paths of COLLECTOR=concurrent: free-list allocation, and the write
 * barrier chosen with BARRIER= (common/barrier.h). */
#ifndef GCLAB_CONCURRENT_H
#define GCLAB_CONCURRENT_H

#include "common/cmark_mut.h"
#include "common/fastpath.h"
#include "common/freelist_alloc.h"
#include "common/barrier.h"

#endif
