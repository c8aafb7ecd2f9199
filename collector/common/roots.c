/* roots.c: shadow stacks and global roots, the only places a workload may keep a pointer across a
 * collection (docs/DESIGN.md §2). The shadow stack is reserved up front and committed by the kernel as it is
 * touched, so handles never move and gc_push is a compare, a store and an increment. */
#include <sys/mman.h>
#include <stdlib.h>
#include "heap.h"

int gc_shadow_stack_init(gc_mut *mut, size_t capacity) {
    size_t bytes = capacity * sizeof(gc_obj *);
    void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED) return -1;
    mut->sp_base = mut->sp = p;
    mut->sp_limit = mut->sp_base + capacity;
    return 0;
}

void gc_shadow_stack_free(gc_mut *mut) {
    if (mut->sp_base) munmap(mut->sp_base, (size_t)(mut->sp_limit - mut->sp_base) * sizeof(gc_obj *));
    mut->sp_base = mut->sp = mut->sp_limit = NULL;
}

_Noreturn void gc_shadow_stack_overflow(gc_mut *mut) {
    gc_fatal(mut->heap, "shadow stack overflow: more than %zu live handles in one thread (raise root_capacity)",
             (size_t)(mut->sp_limit - mut->sp_base));
}

void gc_add_root(gc_heap *heap, gc_obj **slot) {
    pthread_mutex_lock(&heap->roots_lock);
    int rc = gc_root_table_add(&heap->globals, slot);
    pthread_mutex_unlock(&heap->roots_lock);
    if (rc) gc_fatal(heap, "out of memory registering a global root");
}

void gc_remove_root(gc_heap *heap, gc_obj **slot) {
    pthread_mutex_lock(&heap->roots_lock);
    gc_root_table_remove(&heap->globals, slot);
    pthread_mutex_unlock(&heap->roots_lock);
}

void gc_visit_roots(gc_heap *heap, gc_root_visitor visit, void *arg) {
    for (gc_mut *m = heap->muts; m; m = m->next)
        for (gc_obj **s = m->sp_base; s < m->sp; s++) visit(s, arg);
    pthread_mutex_lock(&heap->roots_lock);
    for (size_t i = 0; i < heap->globals.n; i++) visit(heap->globals.slot[i], arg);
    pthread_mutex_unlock(&heap->roots_lock);
    gc_weak_visit_queue(heap, visit, arg);
}
