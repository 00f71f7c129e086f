# libFuzzer harnesses for the NFs' packet code built for user space
# (tests/fuzz/fuzz_nf.c), included from the Makefile.
#
#   make fuzz-build              one binary per NF in $(BUILD)/fuzz/
#   make fuzz-smoke              each on the seeds and its saved corpus, then
#                                FUZZ_SMOKE_SECONDS of fuzzing (in `make test`)
#   make fuzz-long               FUZZ_SECONDS per NF, one after the other;
#                                logs in $(BUILD)/fuzz/NF.log
#
# The library sources the packet code needs are compiled again from source
# with the sanitizers and coverage (clang; gcc has no libFuzzer).  Seeds are
# the NF corpus (tests/lib/nf_corpus.c) written out by gen_corpus; what the
# fuzzer finds is kept in $(BUILD)/fuzz/saved/NF/ and replayed by every
# later run; crashes land in $(BUILD)/fuzz/crash/NF-*.

FUZZ_DIR      := $(BUILD)/fuzz
FUZZ_NFS      := macswap firewall lb fw_lb
FUZZ_LONG_NFS ?= macswap firewall lb
FUZZ_SECONDS  ?= 600
FUZZ_SMOKE_SECONDS ?= 20
# Ethernet MTU frames; the harness itself takes 14..4096 bytes.
FUZZ_OPTS     ?= -max_len=1514 -timeout=10 -print_final_stats=1

FUZZ_CHAIN_macswap  := FP_NF_MACSWAP
FUZZ_CHAIN_firewall := FP_NF_FIREWALL
FUZZ_CHAIN_lb       := FP_NF_LB
FUZZ_CHAIN_fw_lb    := FP_NF_FIREWALL,FP_NF_LB

FUZZ_CC      ?= $(CLANG)
FUZZ_SAN     := -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
# clang, unlike gcc, flags vprintf-style wrappers under -Wformat=2.
FUZZ_CFLAGS  := -g -O1 $(FUZZ_SAN) -std=gnu11 $(WARN) -Wno-format-nonliteral \
                -D_GNU_SOURCE \
                -Iinclude -Isrc -Itests $(PKG_CFLAGS)
FUZZ_LIB_SRCS := src/lib/nf_user.c $(wildcard src/lib/utable*.c) \
                 src/lib/nf_table.c src/lib/nf_registry.c \
                 $(wildcard src/lib/nf_*_ctl.c) src/lib/nf_ctl_util.c src/lib/maglev.c \
                 src/lib/log.c src/lib/pktbuild.c tests/lib/nf_corpus.c
FUZZ_LIB_OBJS := $(patsubst %.c,$(FUZZ_DIR)/obj/%.o,$(FUZZ_LIB_SRCS))
FUZZ_BINS     := $(patsubst %,$(FUZZ_DIR)/fuzz_%,$(FUZZ_NFS))
FUZZ_GEN      := $(FUZZ_DIR)/gen_corpus
FUZZ_SEEDS    := $(FUZZ_DIR)/seeds

.PHONY: fuzz-build fuzz-smoke fuzz-long

fuzz-build: $(FUZZ_BINS) $(FUZZ_SEEDS)/.done

$(FUZZ_DIR)/obj/%.o: %.c
	$(call msg,FUZZCC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -MMD -MP -c $< -o $@

$(FUZZ_DIR)/obj/fuzz_nf_%.o: tests/fuzz/fuzz_nf.c
	$(call msg,FUZZCC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -DFUZZ_CHAIN=$(FUZZ_CHAIN_$*) -MMD -MP -c $< -o $@

$(FUZZ_DIR)/fuzz_%: $(FUZZ_DIR)/obj/fuzz_nf_%.o $(FUZZ_LIB_OBJS)
	$(call msg,FUZZLD,$@)
	$(Q)$(FUZZ_CC) $(FUZZ_SAN) -o $@ $^ $(PKG_LIBS)

# The seed generator is plain code: gcc with the sanitizers is enough.
$(FUZZ_GEN): tests/fuzz/gen_corpus.c tests/lib/nf_corpus.c tests/lib/nf_corpus.h src/lib/pktbuild.c
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) -g -O1 -fsanitize=address,undefined -std=gnu11 $(WARN) \
		-D_GNU_SOURCE -Iinclude -Itests -o $@ $(filter %.c,$^)

$(FUZZ_SEEDS)/.done: $(FUZZ_GEN)
	$(Q)rm -rf $(FUZZ_SEEDS)
	$(Q)$(FUZZ_GEN) $(FUZZ_SEEDS) >/dev/null
	$(Q)touch $@

# One fuzzer at a time (the machines have 2 CPUs, shared).  libFuzzer runs
# every input of both directories first, then mutates; new finds go to the
# first, which later runs replay.
define fuzz_run
	mkdir -p $(FUZZ_DIR)/saved/$(1) $(FUZZ_DIR)/crash; \
	if $(FUZZ_DIR)/fuzz_$(1) $(FUZZ_OPTS) -max_total_time=$(2) \
		-artifact_prefix=$(FUZZ_DIR)/crash/$(1)- \
		$(FUZZ_DIR)/saved/$(1) $(FUZZ_SEEDS) >$(FUZZ_DIR)/$(1)$(3).log 2>&1; then \
		printf '  %-8s %s\n' FUZZ "$(1): $$(grep -E '^(stat::number_of_executed_units|#[0-9]+.*DONE)' $(FUZZ_DIR)/$(1)$(3).log | tr '\n' ' ')"; \
	else \
		tail -n 40 $(FUZZ_DIR)/$(1)$(3).log; \
		echo "fuzz: $(1) failed; log $(FUZZ_DIR)/$(1)$(3).log, reproducer in $(FUZZ_DIR)/crash/" >&2; \
		exit 1; \
	fi
endef

fuzz-smoke: fuzz-build
	$(Q)set -e; $(foreach nf,$(FUZZ_NFS),$(call fuzz_run,$(nf),$(FUZZ_SMOKE_SECONDS),-smoke);)

fuzz-long: fuzz-build
	$(Q)set -e; $(foreach nf,$(FUZZ_LONG_NFS),$(call fuzz_run,$(nf),$(FUZZ_SECONDS),);)

# Dependency files are never made by a rule (make would otherwise try the
# harness rule on them, through its built-in "%: %.o").
$(FUZZ_DIR)/obj/%.d: ;
-include $(shell find $(FUZZ_DIR)/obj -name '*.d' 2>/dev/null)
