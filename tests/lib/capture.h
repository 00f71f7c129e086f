/* SPDX-License-Identifier: MIT */
/* Tests that check what a function prints: capture stderr around it. */
#ifndef FASTPATH_TESTS_CAPTURE_H
#define FASTPATH_TESTS_CAPTURE_H

#include <stdio.h>

struct capture {
	FILE *f;
	int saved;
};

void capture_start(struct capture *c);
/* Stop capturing; returns what was written (a static buffer, 64 KiB). */
const char *capture_end(struct capture *c);
int count_lines(const char *s);

#endif
