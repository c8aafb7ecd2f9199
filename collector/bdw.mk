# COLLECTOR=bdw: Boehm-Demers-Weiser libgc as a peer behind the same API.
# It links the common pieces that need no block heap: options, types, global roots, fatal errors, the
# snapshot writer and its id map.
COLLECTOR_SRCS := $(wildcard collector/bdw*.c) \
                  $(addprefix collector/common/,account.c pauselog.c options.c types.c root_table.c fatal.c snapshot.c snapshot_ids.c)
COLLECTOR_LIBS := $(shell pkg-config --libs bdw-gc 2>/dev/null || echo -lgc)
# bdw_weak.c, bdw_census.c: not test_*, which stw.mk builds; they check what only bdw does.
# test_snapshot.c: the public API only, the same program on every collector.
COLLECTOR_TESTS := tests/unit/bdw_weak.c tests/unit/bdw_census.c tests/unit/test_snapshot.c
