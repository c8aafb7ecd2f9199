# A baseline of gcbench (baseline/gcbench_base.h): no gclab collector, one program written straight
# against an allocator, built as build/<variant>/gclab so that suites and make bench can list the variant
# (it speaks `gclab run gcbench` and writes the same runs.csv rows; other workloads are refused). It is
# BASELINE_SRC, the shared driver and util/ (build.mk's UTIL_SRCS), linked with BASELINE_LIBS, and links
# none of the heap or harness, so this makefile replaces build.mk's default goal with its own.
# collector/malloc.mk and collector/libgc.mk set BASELINE_SRC and BASELINE_LIBS and include it.
COLLECTOR_SRCS :=
COLLECTOR_LIBS :=
COLLECTOR_TESTS :=
.DEFAULT_GOAL := baseline
.PHONY: baseline
baseline:
	@mkdir -p $(OUT)
	$(CC) -D_GNU_SOURCE -Iutil $(CFLAGS) -o $(OUT)/gclab $(BASELINE_SRC) baseline/gcbench_base.c $(UTIL_SRCS) $(BASELINE_LIBS) -pthread $(if $(SAN),-fsanitize=$(if $(filter tsan,$(SAN)),thread,address,undefined))
