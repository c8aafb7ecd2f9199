# COLLECTOR=stw: stop-the-world mark-sweep with parallel marking over the common block heap.
COLLECTOR_SRCS := collector/stw.c $(wildcard collector/common/*.c)
COLLECTOR_LIBS :=
COLLECTOR_TESTS := $(wildcard tests/unit/test_*.c)
