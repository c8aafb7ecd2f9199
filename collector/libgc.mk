# VARIANT=libgc: no gclab collector. gcbench written straight against libgc (baseline/gcbench_libgc.c),
# configured from the same options as the bdw variant, so that a suite shows bdw's wrapper cost;
# built as build/libgc/gclab by baseline.mk.
BASELINE_SRC := baseline/gcbench_libgc.c
BASELINE_LIBS := $(shell pkg-config --libs bdw-gc 2>/dev/null || echo -lgc)
include baseline/baseline.mk
