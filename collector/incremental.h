/* incremental.h: inline fast paths of COLLECTOR=incremental: free-list allocation, and the write
 * barrier chosen with BARRIER= (common/barrier.h). */
#ifndef GCLAB_INCREMENTAL_H
#define GCLAB_INCREMENTAL_H

#include "common/cmark_mut.h"
#include "common/fastpath.h"
#include "common/freelist_alloc.h"
#include "common/barrier.h"

#endif
