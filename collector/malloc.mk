# VARIANT=malloc: no collector. The glibc malloc/free baseline of gcbench (baseline/gcbench_malloc.c:
# the same allocations, every tree freed once checked), built as build/malloc/gclab so that suites
# and make bench can list "malloc" among their variants (it speaks `gclab run gcbench` and writes the
# same runs.csv rows; other workloads are refused). It is one C file and util/ (build.mk's UTIL_SRCS),
# and links none of the heap or harness, so this makefile replaces build.mk's default goal with its own.
COLLECTOR_SRCS :=
COLLECTOR_LIBS :=
COLLECTOR_TESTS :=
.DEFAULT_GOAL := malloc-baseline
.PHONY: malloc-baseline
malloc-baseline:
	@mkdir -p $(OUT)
	$(CC) -D_GNU_SOURCE -Iutil $(CFLAGS) -o $(OUT)/gclab baseline/gcbench_malloc.c $(UTIL_SRCS) -pthread $(if $(SAN),-fsanitize=$(if $(filter tsan,$(SAN)),thread,address,undefined))
