/* SPDX-License-Identifier: MIT */
/*
 * The NF packet corpus: one deterministic list of frames that every world
 * must treat the same way (tests/prog/test_nf_worlds.c compares XDP and
 * user space frame by frame; tests/fuzz/ seeds libFuzzer with it).
 *
 * The frames are written against the rules below (nf_corpus_fw_rules,
 * nf_corpus_lb_rules): IPv4 and IPv6, UDP and TCP, plain, one 802.1Q tag,
 * two tags (802.1ad outer) and IPv4 options, to addresses and ports that
 * match each kind of rule and to ones that match none, and LB replies from
 * every backend.  Then the malformed and odd: every truncation of a few
 * frames (down to the 14 bytes of an Ethernet header, the least
 * BPF_PROG_TEST_RUN takes), IPv4 fragments, bad version, IHL and total
 * length, IPv6 extension headers, ARP and other EtherTypes, bit flips of
 * good frames and random bytes after an Ethernet header (a seeded PRNG:
 * the same seed gives the same corpus on every run and machine).
 *
 * Self-contained (libc and fastpath/pktbuild.h only): tests/lib/ is linked
 * into every test binary.
 */
#ifndef FASTPATH_TESTS_NF_CORPUS_H
#define FASTPATH_TESTS_NF_CORPUS_H

#include <stddef.h>
#include <stdint.h>

#define NF_CORPUS_SEED		0x5eedf00dULL
#define NF_CORPUS_MIN_LEN	14	/* an Ethernet header */
#define NF_CORPUS_MAX_LEN	1514

struct nf_corpus_frame {
	uint8_t *data;
	uint16_t len;
	char what[60];		/* "v4/udp/vlan2/exact-drop", "trunc 37 of ..." */
};

struct nf_corpus {
	struct nf_corpus_frame *f;
	size_t n, cap;
};

/* Build the corpus for @seed into @c (zeroed by the caller or fresh).
 * Returns 0 or -ENOMEM; on error @c is left empty. */
int nf_corpus_build(struct nf_corpus *c, uint64_t seed);
void nf_corpus_free(struct nf_corpus *c);

/*
 * The rules the corpus was written against, as control lines for
 * fp_nf_ctl_line() (fastpath/nf_info.h); each list ends with NULL.
 * Firewall: exact drops and an exact accept, source prefix drops,
 * destination prefix accepts, policy drop.  LB: four services (IPv4 and
 * IPv6, UDP and TCP), three backends each.
 */
extern const char *const nf_corpus_fw_rules[];
extern const char *const nf_corpus_lb_rules[];

/* How many of nf_corpus_fw_rules go to each firewall table. */
#define NF_CORPUS_FW_EXACT	7
#define NF_CORPUS_FW_SRC	2
#define NF_CORPUS_FW_DST	2
#define NF_CORPUS_LB_SERVICES	4
#define NF_CORPUS_LB_BACKENDS	12

#endif
