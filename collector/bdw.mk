# COLLECTOR=bdw: Boehm-Demers-Weiser libgc as a peer behind the same API.
# It links the common pieces that need no block heap: options, types, global roots, fatal errors.
COLLECTOR_SRCS := $(wildcard collector/bdw*.c) \
                  $(addprefix collector/common/,pauselog.c options.c types.c root_table.c fatal.c)
COLLECTOR_LIBS := $(shell pkg-config --libs bdw-gc 2>/dev/null || echo -lgc)
# bdw_weak.c, bdw_census.c: not test_*, which stw.mk builds; they check what only bdw does.
COLLECTOR_TESTS := tests/unit/bdw_weak.c tests/unit/bdw_census.c
