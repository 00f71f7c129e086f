// SPDX-License-Identifier: MIT
/*
 * The sweep grid file: parse, validate, expand to configurations and turn
 * a configuration into reflect/ping options.  The knob table below is the
 * single place that knows the options of `fastpath reflect` and `ping`.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fastpath/log.h"
#include "fastpath/opts.h"
#include "fastpath/sweep.h"

static const char *const w_mode[] = { "afxdp", "socket", NULL };
static const char *const o_mode[] = { "", "--socket", NULL };
static const char *const w_bind[] = { "auto", "copy", "zerocopy", NULL };
static const char *const w_onoff[] = { "on", "off", NULL };
static const char *const o_wakeup[] = { "", "--no-need-wakeup", NULL };
static const char *const w_wait[] = { "spin", "poll", "busypoll", NULL };

#define RING(n, o) { n, o, FP_SWEEP_U32, FP_SWEEP_BOTH, NULL, NULL, 1, 1u << 20 }

/*
 * Device knobs (napi_defer_hard_irqs, gro_flush_timeout) go to the
 * reflector only: it owns dut0 and restores it on exit.  mode = socket is
 * --socket on both sides: kernel UDP echo against kernel UDP ping.
 */
static const struct fp_sweep_knob knobs[] = {
	{ "mode", NULL, FP_SWEEP_ENUM, FP_SWEEP_BOTH, w_mode, o_mode, 0, 0 },
	{ "bind", "--bind", FP_SWEEP_ENUM, FP_SWEEP_BOTH, w_bind, NULL, 0, 0 },
	{ "need_wakeup", NULL, FP_SWEEP_ENUM, FP_SWEEP_BOTH, w_onoff, o_wakeup, 0, 0 },
	{ "wait", "--wait", FP_SWEEP_ENUM, FP_SWEEP_BOTH, w_wait, NULL, 0, 0 },
	{ "batch", "--batch", FP_SWEEP_U32, FP_SWEEP_BOTH, NULL, NULL, 1, 256 },
	RING("rx_size", "--rx-size"),
	RING("tx_size", "--tx-size"),
	RING("fill_size", "--fill-size"),
	RING("comp_size", "--comp-size"),
	{ "frame_size", "--frame-size", FP_SWEEP_U32, FP_SWEEP_BOTH, NULL, NULL, 2048, 4096 },
	{ "busy_poll_usecs", "--busy-poll-usecs", FP_SWEEP_U32, FP_SWEEP_BOTH, NULL, NULL, 0, 1000000 },
	{ "busy_poll_budget", "--busy-poll-budget", FP_SWEEP_U32, FP_SWEEP_BOTH, NULL, NULL, 0, 65535 },
	/* Both ends busy-poll their own veth: each gets the setting. */
	{ "napi_defer_hard_irqs", "--napi-defer-hard-irqs", FP_SWEEP_U32, FP_SWEEP_BOTH, NULL, NULL, 0, 1u << 31 },
	{ "gro_flush_timeout", "--gro-flush-timeout", FP_SWEEP_U32, FP_SWEEP_BOTH, NULL, NULL, 0, 4000000000u },
	{ "cpu", "--cpu", FP_SWEEP_U32, FP_SWEEP_REFLECT, NULL, NULL, 0, 4095 },
	{ "ping_cpu", "--cpu", FP_SWEEP_U32, FP_SWEEP_PING, NULL, NULL, 0, 4095 },
	{ "size", "--size", FP_SWEEP_U32, FP_SWEEP_PING, NULL, NULL, 60, 1514 },
	{ "interval", "--interval", FP_SWEEP_DURATION, FP_SWEEP_PING, NULL, NULL, 0, 0 },
};

#define N_KNOBS (sizeof(knobs) / sizeof(knobs[0]))

const struct fp_sweep_knob *fp_sweep_knob_find(const char *name)
{
	size_t i;

	for (i = 0; i < N_KNOBS; i++)
		if (!strcmp(knobs[i].name, name))
			return &knobs[i];
	return NULL;
}

const char *fp_sweep_knob_names(void)
{
	static char buf[512];
	size_t i, off = 0;

	if (buf[0])
		return buf;
	for (i = 0; i < N_KNOBS; i++)
		off += snprintf(buf + off, sizeof(buf) - off, "%s%s",
				i ? ", " : "", knobs[i].name);
	return buf;
}

static char *trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

static bool valid_u32(const char *v, uint32_t min, uint32_t max)
{
	unsigned long long x;
	char *end;

	if (!isdigit((unsigned char)*v))
		return false;
	errno = 0;
	x = strtoull(v, &end, 10);
	return !errno && !*end && x >= min && x <= max;
}

/* "0", or a number with ns, us, ms or s: passed to ping verbatim. */
static bool valid_duration(const char *v)
{
	uint64_t ns;

	return !fp_fine_duration(v, &ns);	/* what ping accepts */
}

static int check_value(const struct fp_sweep_knob *k, const char *v,
		       const char *file, unsigned int line)
{
	unsigned int i;
	char list[128] = "";
	size_t off = 0;

	switch (k->kind) {
	case FP_SWEEP_ENUM:
		for (i = 0; k->words[i]; i++) {
			if (!strcmp(k->words[i], v))
				return 0;
			off += snprintf(list + off, sizeof(list) - off, "%s%s",
					i ? ", " : "", k->words[i]);
		}
		fp_err("%s:%u: %s '%s' is not valid; use one of %s", file,
		       line, k->name, v, list);
		return -EINVAL;
	case FP_SWEEP_U32:
		if (valid_u32(v, k->min, k->max))
			return 0;
		fp_err("%s:%u: %s '%s' is not valid; use a number in %u..%u",
		       file, line, k->name, v, k->min, k->max);
		return -EINVAL;
	case FP_SWEEP_DURATION:
		if (valid_duration(v))
			return 0;
		fp_err("%s:%u: %s '%s' is not a duration of 0..60 s; use e.g. 0, 100us, 1ms",
		       file, line, k->name, v);
		return -EINVAL;
	}
	return -EINVAL;
}

/* Fixed settings: not knobs of either command, one value each. */
static int parse_fixed(struct fp_sweep_grid *g, const char *name, char *val,
		       const char *file, unsigned int line)
{
	if (!strcmp(name, "count") || !strcmp(name, "runs")) {
		bool count = name[0] == 'c';

		if (!valid_u32(val, 1, count ? 100000000 : 99)) {
			fp_err("%s:%u: %s '%s' is not valid; use one number in 1..%u",
			       file, line, name, val,
			       count ? 100000000 : 99);
			return -EINVAL;
		}
		if (count)
			g->count = strtoul(val, NULL, 10);
		else
			g->runs = strtoul(val, NULL, 10);
		return 0;
	}
	if (!strcmp(name, "reflect_args") || !strcmp(name, "ping_args")) {
		char *dst = name[0] == 'r' ? g->reflect_args : g->ping_args;

		if (strlen(val) >= FP_SWEEP_ARGS_LEN) {
			fp_err("%s:%u: %s is too long; at most %d characters",
			       file, line, name, FP_SWEEP_ARGS_LEN - 1);
			return -EINVAL;
		}
		strcpy(dst, val);
		return 0;
	}
	return 1;	/* not a fixed setting */
}

static int parse_line(struct fp_sweep_grid *g, char *s, const char *file,
		      unsigned int line)
{
	const struct fp_sweep_knob *k;
	struct fp_sweep_axis *ax;
	char *eq, *name, *val, *tok, *save = NULL;
	unsigned int i;
	int err = 0;

	eq = strchr(s, '=');
	if (!eq) {
		fp_err("%s:%u: expected 'name = value, value, ...'", file, line);
		return -EINVAL;
	}
	*eq = '\0';
	name = trim(s);
	val = trim(eq + 1);
	if (!*val) {
		fp_err("%s:%u: %s has no value; list at least one", file, line,
		       name);
		return -EINVAL;
	}
	err = parse_fixed(g, name, val, file, line);
	if (err <= 0)
		return err;
	k = fp_sweep_knob_find(name);
	if (!k) {
		fp_err("%s:%u: unknown knob '%s'; use one of %s, or count, runs, reflect_args, ping_args",
		       file, line, name, fp_sweep_knob_names());
		return -EINVAL;
	}
	for (i = 0; i < g->n_axes; i++)
		if (g->axis[i].knob == k) {
			fp_err("%s:%u: %s is given twice; list all its values on one line",
			       file, line, name);
			return -EINVAL;
		}
	if (g->n_axes == FP_SWEEP_MAX_AXES) {
		fp_err("%s:%u: too many knobs; at most %d", file, line,
		       FP_SWEEP_MAX_AXES);
		return -EINVAL;
	}
	ax = &g->axis[g->n_axes];
	memset(ax, 0, sizeof(*ax));
	ax->knob = k;
	for (tok = strtok_r(val, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		tok = trim(tok);
		if (!*tok) {
			fp_err("%s:%u: %s has an empty value; remove the extra comma",
			       file, line, name);
			return -EINVAL;
		}
		if (check_value(k, tok, file, line))
			return -EINVAL;
		for (i = 0; i < ax->n; i++)
			if (!strcmp(ax->values[i], tok)) {
				fp_err("%s:%u: %s lists '%s' twice; list each value once",
				       file, line, name, tok);
				return -EINVAL;
			}
		if (ax->n == FP_SWEEP_MAX_VALUES ||
		    strlen(tok) >= FP_SWEEP_VALUE_LEN) {
			fp_err("%s:%u: %s: at most %d values of %d characters",
			       file, line, name, FP_SWEEP_MAX_VALUES,
			       FP_SWEEP_VALUE_LEN - 1);
			return -EINVAL;
		}
		strcpy(ax->values[ax->n++], tok);
	}
	if (!ax->n) {
		fp_err("%s:%u: %s has no value; list at least one", file, line,
		       name);
		return -EINVAL;
	}
	g->n_axes++;
	return 0;
}

int fp_sweep_grid_parse(const char *text, const char *file,
			struct fp_sweep_grid *g)
{
	char *copy, *s, *next, *hash;
	unsigned int line = 0, i;
	int err = 0;

	memset(g, 0, sizeof(*g));
	g->count = 20000;
	g->runs = 3;
	strcpy(g->reflect_args, "--iface dut0");
	strcpy(g->ping_args, "--iface gen0 --dst-ip 198.18.0.2");
	copy = strdup(text);
	if (!copy)
		return -ENOMEM;
	for (s = copy; s; s = next) {
		next = strchr(s, '\n');
		if (next)
			*next++ = '\0';
		line++;
		hash = strchr(s, '#');
		if (hash)
			*hash = '\0';
		s = trim(s);
		if (!*s)
			continue;
		/* Keep going: the user sees every error in one pass. */
		if (parse_line(g, s, file, line))
			err = -EINVAL;
	}
	free(copy);
	if (err)
		return err;
	g->n_configs = 1;
	for (i = 0; i < g->n_axes; i++) {
		g->n_configs *= g->axis[i].n;
		if (g->n_configs > FP_SWEEP_MAX_CONFIGS) {
			fp_err("%s: the grid has more than %d configurations; list fewer values",
			       file, FP_SWEEP_MAX_CONFIGS);
			return -E2BIG;
		}
	}
	return 0;
}

int fp_sweep_grid_load(const char *path, struct fp_sweep_grid *g)
{
	char *buf = NULL;
	size_t len = 0, got;
	FILE *f;
	int err;

	f = fopen(path, "r");
	if (!f) {
		err = -errno;
		fp_err("cannot open grid file %s: %s", path, strerror(-err));
		return err;
	}
	buf = malloc(65536 + 1);
	if (!buf) {
		fclose(f);
		return -ENOMEM;
	}
	while ((got = fread(buf + len, 1, 65536 - len, f)) > 0)
		len += got;
	if (len == 65536 && !feof(f)) {
		fp_err("grid file %s is larger than 64 KiB; a grid is a few lines",
		       path);
		fclose(f);
		free(buf);
		return -EFBIG;
	}
	fclose(f);
	buf[len] = '\0';
	err = fp_sweep_grid_parse(buf, path, g);
	free(buf);
	return err;
}

/* The first axis varies slowest, like nested loops in file order. */
static unsigned int value_index(const struct fp_sweep_grid *g, size_t cfg,
				unsigned int a)
{
	unsigned int i;

	for (i = g->n_axes; i-- > a + 1;)
		cfg /= g->axis[i].n;
	return cfg % g->axis[a].n;
}

const char *fp_sweep_grid_value(const struct fp_sweep_grid *g, size_t cfg,
				unsigned int a)
{
	return g->axis[a].values[value_index(g, cfg, a)];
}

static int push(const char **argv, size_t cap, size_t *n, const char *s)
{
	if (*n >= cap)
		return -E2BIG;
	argv[(*n)++] = s;
	return 0;
}

int fp_sweep_grid_argv(const struct fp_sweep_grid *g, size_t cfg,
		       enum fp_sweep_side side, const char **argv,
		       size_t cap, size_t *n)
{
	unsigned int a, w;

	for (a = 0; a < g->n_axes; a++) {
		const struct fp_sweep_knob *k = g->axis[a].knob;
		const char *v = fp_sweep_grid_value(g, cfg, a);

		if (!(k->side & side))
			continue;
		if (k->word_opt) {
			for (w = 0; k->words[w] && strcmp(k->words[w], v); w++)
				;
			if (k->words[w] && *k->word_opt[w] &&
			    push(argv, cap, n, k->word_opt[w]))
				return -E2BIG;
			continue;
		}
		if (push(argv, cap, n, k->opt) || push(argv, cap, n, v))
			return -E2BIG;
	}
	return 0;
}
