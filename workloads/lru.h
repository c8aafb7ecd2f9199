/* lru.h: a bounded least-recently-used cache of heap objects keyed by 64-bit integers, over gclab.h.
 *
 * The shape of JavaScript's lru-cache package (since version 7): the values sit in one array of
 * `cap` slots (here a heap pointer array, held by a global root), and the recency list and the key
 * index are plain integers outside the values (here C arrays: a doubly linked list of slot numbers
 * and an open-addressing table from key to slot). So the collector sees what such a cache gives it:
 * one long-lived array whose slots are overwritten as entries are evicted, and values that live
 * exactly as long as they stay cached (medium-lived objects), with no per-entry list nodes.
 *
 * A cache belongs to one thread at a time (the caller locks a shared one). No call allocates on the
 * heap or polls a safepoint, so plain pointers may be held across them.
 */
#ifndef GCLAB_LRU_H
#define GCLAB_LRU_H

#include <stdbool.h>
#include <stdint.h>

#include "gclab.h"

#define LRU_NONE UINT32_MAX

typedef struct lru {
    gc_heap *heap;
    gc_obj *values;          /* pointer array of cap slots; a global root */
    uint32_t cap, size;
    uint32_t head, tail;     /* most and least recently used slot, LRU_NONE when empty */
    uint32_t *prev, *next;   /* per slot: the recency list */
    uint64_t *key;           /* per slot: its key */
    uint32_t *index;         /* open addressing: slot + 1, or 0 for an empty position */
    uint64_t mask;           /* index positions - 1 (a power of two, at least twice cap) */
} lru;

/* Makes an empty cache of cap (>= 1) entries whose value array has type array_type; false when out of
 * memory (C memory: the value array itself is a heap allocation, fatal if it fails like any other). l
 * must stay where it is until lru_free: its values slot is the root. */
bool lru_init(lru *l, gc_heap *heap, gc_mut *mut, gc_type array_type, uint32_t cap);
void lru_free(lru *l);
/* The value cached for key, made the most recently used; NULL on a miss. */
gc_obj *lru_get(lru *l, uint64_t key);
/* Caches value under key, which must not be cached, as the most recently used. When the cache is full
 * the least recently used entry makes room: its key goes to *evicted (if not NULL) and true is
 * returned; its value is dropped (the cache no longer refers to it). */
bool lru_put(lru *l, gc_mut *mut, uint64_t key, gc_obj *value, uint64_t *evicted);
/* Drops key's entry; false when it was not cached. */
bool lru_delete(lru *l, gc_mut *mut, uint64_t key);
static inline uint32_t lru_size(const lru *l) { return l->size; }

#endif
