/* account.c: the calling thread's account (account.h), set by gc_attach on every collector. gclab.h
 * first: it defines gc_mut_account before it includes the collector's header, which includes
 * account.h. */
#include "gclab.h"
#include "account.h"

_Thread_local gc_acct *gc_acct_self;
