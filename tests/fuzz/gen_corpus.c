// SPDX-License-Identifier: MIT
/*
 * Write the NF packet corpus (tests/lib/nf_corpus.c) as libFuzzer seed
 * files, one frame per file, into a directory:
 *
 *	gen_corpus DIR
 *
 * File names are the frame's index and what it is, so a seed that
 * matters can be found again in the corpus.  The corpus is generated at
 * build time rather than committed: it is deterministic.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "lib/nf_corpus.h"

int main(int argc, char **argv)
{
	struct nf_corpus c;
	char path[4096], name[sizeof(c.f[0].what)];
	size_t i, j;
	FILE *f;

	if (argc != 2) {
		fprintf(stderr, "usage: gen_corpus DIR\n");
		return 2;
	}
	if (mkdir(argv[1], 0755) && errno != EEXIST) {
		fprintf(stderr, "gen_corpus: cannot create %s: %s\n", argv[1],
			strerror(errno));
		return 1;
	}
	if (nf_corpus_build(&c, NF_CORPUS_SEED)) {
		fprintf(stderr, "gen_corpus: out of memory\n");
		return 1;
	}
	for (i = 0; i < c.n; i++) {
		/* "v4/udp/plain/exact-drop" -> "v4_udp_plain_exact-drop" */
		for (j = 0; c.f[i].what[j]; j++) {
			char ch = c.f[i].what[j];

			name[j] = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
				  (ch >= '0' && ch <= '9') || ch == '-' || ch == '+'
				  ? ch : '_';
		}
		name[j] = '\0';
		snprintf(path, sizeof(path), "%s/%04zu-%s", argv[1], i, name);
		f = fopen(path, "wb");
		if (!f || fwrite(c.f[i].data, 1, c.f[i].len, f) != c.f[i].len ||
		    fclose(f)) {
			fprintf(stderr, "gen_corpus: cannot write %s: %s\n", path,
				strerror(errno));
			nf_corpus_free(&c);
			return 1;
		}
	}
	printf("gen_corpus: %zu frames in %s\n", c.n, argv[1]);
	nf_corpus_free(&c);
	return 0;
}
