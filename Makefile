# gclab: `make` builds every variant, `make COLLECTOR=x [BARRIER=y]` one, `make test`, `make bench`.
# One variant is built by build.mk into build/<collector>[-<barrier>][-<sanitizer>]/.

VARIANTS ?= stw bdw
SUITE ?= default
JOBS ?= $(shell nproc 2>/dev/null || echo 2)

ifdef COLLECTOR
VARIANTS := $(COLLECTOR)$(if $(BARRIER),-$(BARRIER))
endif

MAKEVAR = $(MAKE) --no-print-directory -f build.mk

.PHONY: all deps test bench tsan asan clean $(addprefix variant-,$(VARIANTS))

all: deps $(addprefix variant-,$(VARIANTS))

# A static pattern rule: make skips implicit-rule search for .PHONY targets, so a plain pattern would not run.
$(addprefix variant-,$(VARIANTS)): variant-%: deps
	@$(MAKEVAR) VARIANT=$* -j$(JOBS)

# Sanitizer builds: TSan for every variant with threads, ASan+UBSan for the same code paths.
tsan: deps
	@for v in $(VARIANTS); do [ "$$v" = bdw ] || $(MAKEVAR) VARIANT=$$v SAN=tsan -j$(JOBS) || exit 1; done
asan: deps
	@for v in $(VARIANTS); do [ "$$v" = bdw ] || $(MAKEVAR) VARIANT=$$v SAN=asan -j$(JOBS) || exit 1; done

# Installs the Debian packages the build needs when run as root; otherwise prints the apt-get line.
deps:
	@./tools/deps.sh

test: all tsan asan
	@VARIANTS="$(VARIANTS)" ./tests/run.sh

bench: all
	@./harness/bench.sh $(SUITE)

clean:
	rm -rf build
