# COLLECTOR=stw: stop-the-world mark-sweep with parallel marking over the common block heap.
COLLECTOR_SRCS := collector/stw.c $(wildcard collector/common/*.c)
COLLECTOR_LIBS :=
# Everything in tests/unit but the generational and barrier tests, which need their collectors.
COLLECTOR_TESTS := $(filter-out tests/unit/test_gen_%,$(wildcard tests/unit/test_*.c))
