# VARIANT=malloc: no collector. The glibc malloc/free baseline of gcbench (baseline/gcbench_malloc.c:
# the same allocations, every tree freed once checked), built as build/malloc/gclab by baseline.mk.
BASELINE_SRC := baseline/gcbench_malloc.c
BASELINE_LIBS :=
include baseline/baseline.mk
