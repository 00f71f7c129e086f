// SPDX-License-Identifier: MIT
/* The NFs fastpath ships, by name and id, and their control lines. */
#include <errno.h>
#include <string.h>

#include "fastpath/nf_info.h"

/* In the order of enum fp_nf_id. */
static const struct fp_nf_info *const nfs[FP_NF_COUNT] = {
	[FP_NF_MACSWAP] = &fp_nf_macswap_info,
	[FP_NF_FIREWALL] = &fp_nf_firewall_info,
	[FP_NF_LB] = &fp_nf_lb_info,
};

const struct fp_nf_info *fp_nf_find(const char *name)
{
	unsigned int i;

	for (i = 0; i < FP_NF_COUNT; i++)
		if (name && !strcmp(nfs[i]->name, name))
			return nfs[i];
	return NULL;
}

const struct fp_nf_info *fp_nf_get(enum fp_nf_id id)
{
	if ((unsigned int)id >= FP_NF_COUNT)
		return NULL;
	return nfs[id];
}

/* More words than any command has; the rest is an error, not ignored. */
#define CTL_MAX_WORDS 16

int fp_nf_ctl_line(struct fp_nf_inst *nf, char *line, FILE *out)
{
	const struct fp_nf_info *info = nf->info;
	char *argv[CTL_MAX_WORDS + 1];
	int argc = 0, err;
	char *p = line;

	for (;;) {
		while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
			p++;
		if (!*p || *p == '#')
			break;
		if (argc == CTL_MAX_WORDS) {
			fprintf(out, "%s: too many words (at most %d); see "
				"'fastpath ctl IFACE %s help'\n", info->name,
				CTL_MAX_WORDS, info->name);
			return -E2BIG;
		}
		argv[argc++] = p;
		while (*p && *p != ' ' && *p != '\t' && *p != '\n' &&
		       *p != '\r' && *p != '#')
			p++;
		if (*p == '#') {
			*p = '\0';	/* "drop#note": the comment ends it */
			break;
		}
		if (*p)
			*p++ = '\0';
	}
	argv[argc] = NULL;
	if (!argc)
		return 0;
	if (!strcmp(argv[0], "help")) {
		fputs(info->ctl_help, out);
		return 0;
	}
	/* A handler returns -EOPNOTSUPP, printing nothing, for a first word
	 * it does not know; every other error it reports itself. */
	err = info->ctl ? info->ctl(nf, argc, argv, out) : -EOPNOTSUPP;
	if (err == -EOPNOTSUPP)
		fprintf(out, "%s: unknown command '%s'; see 'fastpath ctl "
			"IFACE %s help'\n", info->name, argv[0], info->name);
	return err;
}
