# Builds one variant: make -f build.mk VARIANT=<collector>[-<barrier>] [SAN=asan|tsan]
VARIANT ?= stw
SAN ?=
COLLECTOR := $(word 1,$(subst -, ,$(VARIANT)))
BARRIER := $(word 2,$(subst -, ,$(VARIANT)))
OUT := build/$(VARIANT)$(if $(SAN),-$(SAN))

ifeq ($(wildcard collector/$(COLLECTOR).mk),)
$(error unknown collector '$(COLLECTOR)': see collector/*.mk)
endif

UPPER = $(shell echo $(1) | tr a-z- A-Z_)
CC ?= cc
CXX ?= c++
OPT ?= -O2
WARN := -Wall -Wextra -Werror
# include/ (the API) and util/ (neutral helpers) are on the include path: every layer may include
# them (tools/layers.sh).
CPPFLAGS := -D_GNU_SOURCE -Iinclude -Iutil -DGCLAB_COLLECTOR_$(call UPPER,$(COLLECTOR)) \
            $(if $(BARRIER),-DGCLAB_BARRIER_$(call UPPER,$(BARRIER))) -DGCLAB_VARIANT='"$(VARIANT)"' \
            -DGCLAB_COLLECTOR_HEADER='"../collector/$(COLLECTOR).h"'
CFLAGS := -std=c11 $(OPT) -g $(WARN) -pthread -fno-omit-frame-pointer
LDLIBS := -pthread -lm

HWLOC := $(shell pkg-config --exists hwloc 2>/dev/null && echo yes)
ifeq ($(HWLOC),yes)
CPPFLAGS += -DGCLAB_HAVE_HWLOC $(shell pkg-config --cflags hwloc)
LDLIBS += $(shell pkg-config --libs hwloc)
endif

ifeq ($(SAN),tsan)
CFLAGS += -fsanitize=thread
LDLIBS += -fsanitize=thread
else ifeq ($(SAN),asan)
CFLAGS += -fsanitize=address,undefined -fno-sanitize-recover=undefined
LDLIBS += -fsanitize=address,undefined
endif

# The collector's own sources, libraries and unit tests (collector/<name>.mk sets COLLECTOR_SRCS,
# COLLECTOR_LIBS and COLLECTOR_TESTS).
include collector/$(COLLECTOR).mk
LDLIBS += $(COLLECTOR_LIBS)

UTIL_SRCS := $(wildcard util/*.c)
HARNESS_SRCS := $(filter-out harness/main.c,$(wildcard harness/*.c)) $(wildcard workloads/*.c)
LIB_SRCS := $(COLLECTOR_SRCS) $(UTIL_SRCS) $(HARNESS_SRCS)
LIB_OBJS := $(patsubst %.c,$(OUT)/obj/%.o,$(LIB_SRCS))
# Unit tests are per collector (COLLECTOR_TESTS in its .mk): most test the common heap, which bdw lacks.
TEST_BINS := $(patsubst tests/unit/%.c,$(OUT)/%,$(COLLECTOR_TESTS))

all: $(OUT)/gclab $(TEST_BINS)

$(OUT)/gclab: $(OUT)/obj/harness/main.o $(LIB_OBJS)
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)

$(TEST_BINS): $(OUT)/%: $(OUT)/obj/tests/unit/%.o $(LIB_OBJS)
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)

$(OUT)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -MMD -MP -c -o $@ $<

-include $(shell find $(OUT)/obj -name '*.d' 2>/dev/null)
.PHONY: all

# ---- Micro-benchmarks (make micro; README "Micro-benchmarks") ---------------------------------------
# build/<variant>/micro: the C benchmarks in micro/*.c, compiled like the variant's code (so its inline
# fast paths are the ones measured), registered with Google Benchmark by the C++17 shim micro/shim.cc.
# Not part of `all`; never for sanitizer builds.
ifeq ($(SAN),)
CXXFLAGS := -std=c++17 $(OPT) -g $(WARN) -pthread -fno-omit-frame-pointer
BENCH_LIBS := $(shell pkg-config --libs benchmark 2>/dev/null || echo -lbenchmark)
MICRO_OBJS := $(patsubst %.c,$(OUT)/obj/%.o,$(wildcard micro/*.c)) $(OUT)/obj/micro/shim.o

micro: $(OUT)/micro

$(OUT)/micro: $(MICRO_OBJS) $(LIB_OBJS)
	$(CXX) $(CXXFLAGS) -o $@ $^ $(LDLIBS) $(BENCH_LIBS) -lstdc++

$(OUT)/obj/micro/shim.o: micro/shim.cc micro/micro.h
	@mkdir -p $(dir $@)
	$(CXX) -Imicro $(CXXFLAGS) -MMD -MP -c -o $@ $<

.PHONY: micro
endif
