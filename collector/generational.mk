# COLLECTOR=generational: a parallel copying scavenger for the young generation (nursery and two
# survivor semispaces, card-table write barrier) and stop-the-world mark-sweep with parallel marking
# for the old one. common/alloc.c (the old generation's free-list path) is built by
# generational_oldalloc.c, against the free-list gc_alloc instead of this variant's nursery bump.
COLLECTOR_SRCS := collector/generational.c collector/generational_oldalloc.c \
                  $(filter-out collector/common/alloc.c,$(wildcard collector/common/*.c))
COLLECTOR_LIBS :=
# The common tests that apply: the deque and the handshake (test_alloc checks stw's own policy: one
# pause per gc_collect, every object in a size-class cell, small garbage reaching the footprint).
COLLECTOR_TESTS := $(wildcard tests/unit/test_gen_*.c tests/unit/test_deque.c tests/unit/test_handshake.c tests/unit/test_account.c tests/unit/test_role_race.c tests/unit/test_heap_walk.c tests/unit/test_weak.c tests/unit/test_census.c tests/unit/test_snapshot.c)
