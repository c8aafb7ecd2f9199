# COLLECTOR=bdw: Boehm-Demers-Weiser libgc as a peer behind the same API.
COLLECTOR_SRCS := collector/bdw.c collector/common/clock.c collector/common/pauselog.c
COLLECTOR_LIBS := $(shell pkg-config --libs bdw-gc 2>/dev/null || echo -lgc)
COLLECTOR_TESTS :=
