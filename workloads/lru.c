/* lru.c: the bounded LRU cache of lru.h. */
#include "lru.h"

#include <stdlib.h>

/* Keys are often sequential (request numbers): mixed so a power-of-two table uses all its bits. */
static uint64_t mix(uint64_t k) {
    k ^= k >> 33;
    k *= 0xff51afd7ed558ccdull;
    k ^= k >> 33;
    k *= 0xc4ceb9fe1a85ec53ull;
    k ^= k >> 33;
    return k;
}

bool lru_init(lru *l, gc_heap *heap, gc_mut *mut, gc_type array_type, uint32_t cap) {
    uint64_t n = 2;
    while (n < 2 * (uint64_t)cap) n <<= 1;
    *l = (lru){.heap = heap, .cap = cap, .head = LRU_NONE, .tail = LRU_NONE, .mask = n - 1};
    l->prev = malloc(sizeof *l->prev * cap);
    l->next = malloc(sizeof *l->next * cap);
    l->key = malloc(sizeof *l->key * cap);
    l->index = calloc(n, sizeof *l->index);
    if (!l->prev || !l->next || !l->key || !l->index) {
        free(l->prev), free(l->next), free(l->key), free(l->index);
        return false;
    }
    gc_add_root(heap, &l->values);
    l->values = gc_alloc(mut, array_type, cap, 0);
    return true;
}

void lru_free(lru *l) {
    gc_remove_root(l->heap, &l->values);
    l->values = NULL;
    free(l->prev), free(l->next), free(l->key), free(l->index);
}

/* The index position holding key, or the empty position where it would go. */
static uint64_t find(const lru *l, uint64_t key) {
    uint64_t i = mix(key) & l->mask;
    while (l->index[i] && l->key[l->index[i] - 1] != key) i = (i + 1) & l->mask;
    return i;
}

/* Empties index position i, moving later members of its run back so no search stops short (linear
 * probing's deletion without tombstones). */
static void unindex(lru *l, uint64_t i) {
    uint64_t j = i;
    for (;;) {
        l->index[i] = 0;
        for (;;) {
            j = (j + 1) & l->mask;
            if (!l->index[j]) return;
            uint64_t home = mix(l->key[l->index[j] - 1]) & l->mask;
            /* j's entry may move to i only when its home is not cyclically in (i, j]. */
            if (i <= j ? (home <= i || home > j) : (home <= i && home > j)) break;
        }
        l->index[i] = l->index[j];
        i = j;
    }
}

static void unlink_slot(lru *l, uint32_t s) {
    if (l->prev[s] != LRU_NONE) l->next[l->prev[s]] = l->next[s];
    else l->head = l->next[s];
    if (l->next[s] != LRU_NONE) l->prev[l->next[s]] = l->prev[s];
    else l->tail = l->prev[s];
}

static void push_front(lru *l, uint32_t s) {
    l->prev[s] = LRU_NONE;
    l->next[s] = l->head;
    if (l->head != LRU_NONE) l->prev[l->head] = s;
    l->head = s;
    if (l->tail == LRU_NONE) l->tail = s;
}

gc_obj *lru_get(lru *l, uint64_t key) {
    uint64_t i = find(l, key);
    if (!l->index[i]) return NULL;
    uint32_t s = l->index[i] - 1;
    if (l->head != s) {
        unlink_slot(l, s);
        push_front(l, s);
    }
    return gc_read(l->values, s);
}

bool lru_put(lru *l, gc_mut *mut, uint64_t key, gc_obj *value, uint64_t *evicted) {
    bool full = l->size == l->cap;
    uint32_t s;
    if (full) {
        s = l->tail;
        if (evicted) *evicted = l->key[s];
        unindex(l, find(l, l->key[s]));
        unlink_slot(l, s);
    } else {
        /* Slots fill in order and are only ever reused after an eviction or a delete: a deleted
         * slot is moved to the end (below), so slots 0..size-1 are always the used ones. */
        s = l->size++;
    }
    l->key[s] = key;
    l->index[find(l, key)] = s + 1;
    push_front(l, s);
    gc_write(mut, l->values, s, value);
    return full;
}

bool lru_delete(lru *l, gc_mut *mut, uint64_t key) {
    uint64_t i = find(l, key);
    if (!l->index[i]) return false;
    uint32_t s = l->index[i] - 1, last = l->size - 1;
    unindex(l, i);
    unlink_slot(l, s);
    if (s != last) {
        /* The last used slot moves into the hole, keeping the used slots dense. */
        uint64_t j = find(l, l->key[last]);
        l->index[j] = s + 1;
        l->key[s] = l->key[last];
        uint32_t p = l->prev[last], n = l->next[last];
        l->prev[s] = p, l->next[s] = n;
        if (p != LRU_NONE) l->next[p] = s;
        else l->head = s;
        if (n != LRU_NONE) l->prev[n] = s;
        else l->tail = s;
        gc_write(mut, l->values, s, gc_read(l->values, last));
    }
    gc_write(mut, l->values, last, NULL);
    l->size--;
    return true;
}
