# gclab: `make` builds every variant, `make COLLECTOR=x [BARRIER=y]` one, `make test`, `make bench`.
# One variant is built by build.mk into build/<collector>[-<barrier>][-<sanitizer>]/.

BARRIERS := dijkstra steele yuasa none
VARIANTS ?= stw bdw $(addprefix incremental-,$(BARRIERS)) $(addprefix concurrent-,$(BARRIERS)) generational
# Sanitizer builds: TSan for the collectors whose collection runs beside the mutators (and stw's
# parallel marking), ASan+UBSan for the rest. libgc and TSan do not work together.
TSAN_VARIANTS ?= stw $(addprefix concurrent-,$(BARRIERS)) generational
ASAN_VARIANTS ?= stw $(addprefix incremental-,$(BARRIERS)) generational
SUITE ?= default
JOBS ?= $(shell nproc 2>/dev/null || echo 2)

# Baselines are built like variants but are no collectors: gcbench on glibc malloc/free (malloc,
# baseline/gcbench_malloc.c) and gcbench written straight against libgc (libgc,
# baseline/gcbench_libgc.c), for suites to compare against. make test runs gcbench and the bad-input
# checks on them (tests/run.sh's BASELINES); sanitizer builds skip them.
BASELINES ?= malloc libgc

ifdef COLLECTOR
BASELINES :=
VARIANTS := $(COLLECTOR)$(if $(BARRIER),-$(BARRIER))
TSAN_VARIANTS := $(filter $(VARIANTS),$(TSAN_VARIANTS))
ASAN_VARIANTS := $(filter $(VARIANTS),$(ASAN_VARIANTS))
endif

# Parallel by default; a -j given to this make is passed down by the jobserver instead.
PARJ = $(if $(findstring -j,$(MAKEFLAGS)),,-j$(JOBS))
MAKEVAR = $(MAKE) --no-print-directory -f build.mk

.PHONY: all deps test bench report figures publish micro tsan asan clean $(addprefix variant-,$(VARIANTS) $(BASELINES))

all: deps $(addprefix variant-,$(VARIANTS) $(BASELINES))

# A static pattern rule: make skips implicit-rule search for .PHONY targets, so a plain pattern would not run.
$(addprefix variant-,$(VARIANTS) $(BASELINES)): variant-%: deps
	+@$(MAKEVAR) VARIANT=$* $(PARJ)

tsan: deps
	+@for v in $(TSAN_VARIANTS); do $(MAKEVAR) VARIANT=$$v SAN=tsan $(PARJ) || exit 1; done
asan: deps
	+@for v in $(ASAN_VARIANTS); do $(MAKEVAR) VARIANT=$$v SAN=asan $(PARJ) || exit 1; done

# Installs the Debian packages the build needs when run as root; otherwise prints the apt-get line.
deps:
	@./tools/deps.sh

test: all tsan asan
	@VARIANTS="$(VARIANTS)" BASELINES="$(BASELINES)" TSAN_VARIANTS="$(TSAN_VARIANTS)" ASAN_VARIANTS="$(ASAN_VARIANTS)" ./tests/run.sh

bench: all
	@./harness/bench.sh $(SUITE)
	@./harness/report.sh results/latest

# Plots and report.md/report.html of a results folder (README, "Plots and report").
report:
	@./harness/report.sh $(or $(RESULTS),results/latest)

# README's "Measured here" tables, rewritten from the results/published/ folders their blocks name
# (tools/figures.sh; make test checks them). `make publish SUITE=name [NAME=folder]` measures a suite
# into results/published/NAME (tools/publish.sh) for them.
figures:
	@./tools/figures.sh update README.md
publish: all
	@./tools/publish.sh $(SUITE) $(NAME)

# Micro-benchmarks of every variant, JSON and a table into RESULTS (default results/latest; README,
# "Micro-benchmarks").
micro: deps
	+@for v in $(VARIANTS); do $(MAKEVAR) VARIANT=$$v $(PARJ) micro || exit 1; done
	@RESULTS=$(RESULTS) ./micro/run.sh $(VARIANTS)

clean:
	rm -rf build
