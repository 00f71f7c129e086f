# fastpath: one build for libfastpath, the BPF programs (as libbpf skeletons),
# the `fastpath` command and the tests.  Everything lands in build/.
#
#   make            build everything
#   make deps       install the Debian packages the project needs (idempotent)
#   make test       deps + build + every test (unit, program, netns)
#   make demo       deps + build + the Linux-vs-fastpath demo in namespaces
#   make bench      deps + build + every bench scenario (writes bench/results/)
#   make fuzz-long  fuzz each NF's packet code for FUZZ_SECONDS (default 600)

BUILD      ?= build
CC         ?= gcc
CLANG      ?= clang
BPFTOOL    ?= bpftool
PYTHON     ?= /usr/bin/python3
V          ?= 0

ifeq ($(V),0)
Q := @
msg = @printf '  %-8s %s\n' '$(1)' '$(2)';
else
Q :=
msg =
endif

PKGS      := libbpf libxdp libnl-route-3.0 libnl-genl-3.0 libcap liburcu-qsbr liburcu-cds
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lelf -lz -lpthread -lm

WARN     := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
            -Wno-unused-parameter -Wformat=2
CFLAGS   ?= -O2 -g
CFLAGS   += -std=gnu11 $(WARN) -fPIC -D_GNU_SOURCE \
            -Iinclude -I$(BUILD) -I$(BUILD)/skel -Isrc -Ibench $(PKG_CFLAGS)
LDFLAGS  ?=

ARCH     := $(shell uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/')
BPF_CFLAGS := -g -O2 -target bpf -D__TARGET_ARCH_$(ARCH) -mcpu=v3 \
              -Wall -Wno-unused-function -Wno-compare-distinct-pointer-types \
              -Iinclude -Isrc -I$(BUILD)

# --- sources ---------------------------------------------------------------
BPF_SRCS  := $(wildcard src/bpf/*.bpf.c)
BPF_OBJS  := $(patsubst src/bpf/%.bpf.c,$(BUILD)/bpf/%.bpf.o,$(BPF_SRCS))
SKELS     := $(patsubst src/bpf/%.bpf.c,$(BUILD)/skel/%.skel.h,$(BPF_SRCS))

LIB_SRCS  := $(wildcard src/lib/*.c)
LIB_OBJS  := $(patsubst %.c,$(BUILD)/obj/%.o,$(LIB_SRCS))
# The bench scenarios are part of the command (fastpath bench).
CLI_SRCS  := $(wildcard src/cli/*.c) $(wildcard bench/scenarios/*.c)
CLI_OBJS  := $(patsubst %.c,$(BUILD)/obj/%.o,$(CLI_SRCS))

LIB_A     := $(BUILD)/libfastpath.a
LIB_SO    := $(BUILD)/libfastpath.so
FASTPATH  := $(BUILD)/fastpath

UNIT_SRCS := $(wildcard tests/unit/*.c)
UNIT_BINS := $(patsubst tests/unit/%.c,$(BUILD)/tests/unit/%,$(UNIT_SRCS))
PROG_SRCS := $(wildcard tests/prog/*.c)
PROG_BINS := $(patsubst tests/prog/%.c,$(BUILD)/tests/prog/%,$(PROG_SRCS))
TEST_HELPERS := $(wildcard tests/lib/*.c)

.SECONDARY:
.PHONY: all deps test test-unit test-prog test-netns demo bench clean install
.DEFAULT_GOAL := all

all: $(FASTPATH) $(LIB_A) $(LIB_SO) $(UNIT_BINS) $(PROG_BINS)

deps:
	$(Q)./scripts/deps.sh

# --- BPF ---------------------------------------------------------------------
$(BUILD)/vmlinux.h:
	$(call msg,BTF,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(BPFTOOL) btf dump file /sys/kernel/btf/vmlinux format c > $@.tmp && mv $@.tmp $@

$(BUILD)/bpf/%.bpf.o: src/bpf/%.bpf.c $(BUILD)/vmlinux.h $(wildcard src/bpf/*.h include/fastpath/*.h src/nf/*.h)
	$(call msg,BPF,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(BUILD)/skel/%.skel.h: $(BUILD)/bpf/%.bpf.o
	$(call msg,SKEL,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(BPFTOOL) gen skeleton $< name fp_$(subst -,_,$*) > $@.tmp && mv $@.tmp $@

# --- user space --------------------------------------------------------------
# Every object waits for the skeletons: they are generated headers.
$(BUILD)/obj/%.o: %.c $(SKELS)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) -MMD -MP -c $< -o $@

$(LIB_A): $(LIB_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(LIB_SO): $(LIB_OBJS)
	$(call msg,LD,$@)
	$(Q)$(CC) -shared -Wl,-soname,libfastpath.so.0 -o $@ $^ $(LDFLAGS) $(PKG_LIBS)

$(FASTPATH): $(CLI_OBJS) $(LIB_A)
	$(call msg,LD,$@)
	$(Q)$(CC) -o $@ $(CLI_OBJS) $(LIB_A) $(LDFLAGS) $(PKG_LIBS) -ldl

# --- tests -------------------------------------------------------------------
$(BUILD)/tests/unit/%: tests/unit/%.c $(LIB_A) $(TEST_HELPERS)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) -Itests -o $@ $< $(UNIT_EXTRA_$*) $(TEST_HELPERS) $(LIB_A) $(LDFLAGS) $(PKG_LIBS) -ldl -lcmocka

# Unit tests of code that lives in the command rather than the library.
UNIT_EXTRA_test_bench_report := $(BUILD)/obj/src/cli/bench_report.o
$(BUILD)/tests/unit/test_bench_report: $(UNIT_EXTRA_test_bench_report)

$(BUILD)/tests/prog/%: tests/prog/%.c $(LIB_A) $(SKELS) $(TEST_HELPERS)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) -Itests -o $@ $< $(TEST_HELPERS) $(LIB_A) $(LDFLAGS) $(PKG_LIBS) -ldl -lcmocka

test: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)$(MAKE) --no-print-directory test-unit test-prog test-netns fuzz-smoke

test-unit: $(UNIT_BINS)
	$(Q)./scripts/run-tests.sh unit $(UNIT_BINS)

test-prog: $(PROG_BINS)
	$(Q)./scripts/run-tests.sh prog $(PROG_BINS)

test-netns: $(FASTPATH)
	$(Q)FASTPATH=$(abspath $(FASTPATH)) $(PYTHON) -m pytest -q -p no:cacheprovider tests/netns $(PYTEST_ARGS)

demo: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)./scripts/demo.sh $(abspath $(FASTPATH))

bench: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)$(FASTPATH) bench all

# libFuzzer harnesses of the NFs' packet code: fuzz-build, fuzz-smoke (in
# `make test`), fuzz-long (FUZZ_SECONDS per NF).
FUZZ_SMOKE_SECONDS ?= 10
include tests/fuzz/fuzz.mk

PREFIX ?= /usr/local
install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib $(DESTDIR)$(PREFIX)/include/fastpath
	install -m 755 $(FASTPATH) $(DESTDIR)$(PREFIX)/bin/
	install -m 644 $(LIB_A) $(LIB_SO) $(DESTDIR)$(PREFIX)/lib/
	install -m 644 include/fastpath/*.h $(DESTDIR)$(PREFIX)/include/fastpath/

clean:
	rm -rf $(BUILD)

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
