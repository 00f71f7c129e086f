/* SPDX-License-Identifier: MIT */
/*
 * `fastpath sweep`: run a grid of ping/reflect configurations, cluster
 * them by latency statistics and report which parameters matter.
 *
 * The grid file is declarative, one knob per line:
 *
 *	# comment
 *	wait        = spin, poll, busypoll
 *	need_wakeup = on, off
 *	batch       = 1, 16, 64
 *	count       = 20000		(fixed setting: round trips per run)
 *	runs        = 3			(fixed setting: the median is kept)
 *
 * A knob with several values is an axis of the cartesian product; a knob
 * with one value is constant.  Each knob knows which side takes it (the
 * reflector, the pinger, or both) and how it becomes command-line options
 * (see the table in sweep_grid.c).  Errors are reported one line each as
 * "FILE:LINE: what is wrong; what to do", and all of them, not only the
 * first.
 */
#ifndef FASTPATH_SWEEP_H
#define FASTPATH_SWEEP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define FP_SWEEP_MAX_AXES	24
#define FP_SWEEP_MAX_VALUES	16
#define FP_SWEEP_VALUE_LEN	32
#define FP_SWEEP_MAX_CONFIGS	4096
#define FP_SWEEP_MAX_ARGS	64
#define FP_SWEEP_ARGS_LEN	256

enum fp_sweep_side {
	FP_SWEEP_REFLECT = 1,
	FP_SWEEP_PING = 2,
	FP_SWEEP_BOTH = 3,
};

enum fp_sweep_kind {
	FP_SWEEP_ENUM,		/* one of a list of words */
	FP_SWEEP_U32,		/* number in [min, max] */
	FP_SWEEP_DURATION,	/* digits with ns/us/ms/s, or 0 */
};

struct fp_sweep_knob {
	const char *name;		/* in the grid file: "busy_poll_usecs" */
	const char *opt;		/* option: "--busy-poll-usecs" */
	enum fp_sweep_kind kind;
	enum fp_sweep_side side;
	const char *const *words;	/* ENUM: NULL-terminated */
	const char *const *word_opt;	/* ENUM: option for each word, or NULL
					 * for "OPT WORD"; "" means none */
	uint32_t min, max;		/* U32 */
};

/* The knob called @name, or NULL. */
const struct fp_sweep_knob *fp_sweep_knob_find(const char *name);
/* "mode, bind, ...": every knob's name, for messages. */
const char *fp_sweep_knob_names(void);

struct fp_sweep_axis {
	const struct fp_sweep_knob *knob;
	unsigned int n;
	char values[FP_SWEEP_MAX_VALUES][FP_SWEEP_VALUE_LEN];
};

struct fp_sweep_grid {
	struct fp_sweep_axis axis[FP_SWEEP_MAX_AXES];
	unsigned int n_axes;
	uint32_t count;		/* round trips per run, default 20000 */
	uint32_t runs;		/* runs per configuration, default 3 */
	/* extra words for each side, e.g. "--iface dut0" (see docs) */
	char reflect_args[FP_SWEEP_ARGS_LEN];
	char ping_args[FP_SWEEP_ARGS_LEN];
	size_t n_configs;	/* product of the axes' sizes */
};

/*
 * Parse grid @text (named @file in messages) into @g.  0, or -EINVAL
 * after printing one line per error.
 */
int fp_sweep_grid_parse(const char *text, const char *file,
			struct fp_sweep_grid *g);
/* The same from the file at @path. */
int fp_sweep_grid_load(const char *path, struct fp_sweep_grid *g);

/* Value of axis @a in configuration @cfg (0..n_configs-1). */
const char *fp_sweep_grid_value(const struct fp_sweep_grid *g, size_t cfg,
				unsigned int a);

/*
 * Append the options of configuration @cfg for @side to @argv (which holds
 * *@n of @cap entries).  The strings point into @g or static tables.
 * 0 or -E2BIG.
 */
int fp_sweep_grid_argv(const struct fp_sweep_grid *g, size_t cfg,
		       enum fp_sweep_side side, const char **argv,
		       size_t cap, size_t *n);

/* --- results and analysis (sweep_run.c) ---------------------------------- */

/* The statistics fields, in the order of ping's JSON. */
enum fp_sweep_stat {
	FP_ST_MIN, FP_ST_MEAN, FP_ST_STD, FP_ST_Q1, FP_ST_P50, FP_ST_Q3,
	FP_ST_P90, FP_ST_P99, FP_ST_P999, FP_ST_MAX, FP_ST_N,
};
/* "mean_ns", ... */
extern const char *const fp_sweep_stat_key[FP_ST_N];

struct fp_sweep_bin {
	double lower_ns;
	uint64_t count;
};

struct fp_sweep_result {
	/* parameters as "name" -> "value", one per axis */
	unsigned int n_params;
	char param_name[FP_SWEEP_MAX_AXES][FP_SWEEP_VALUE_LEN];
	char param_value[FP_SWEEP_MAX_AXES][FP_SWEEP_VALUE_LEN];
	bool ok;
	char error[256];	/* when !ok: what failed */
	double st[FP_ST_N];	/* nanoseconds; median over runs */
	uint64_t sent, received, lost;
	struct fp_sweep_bin *hist;	/* of the median run (by p50) */
	size_t n_hist;
	int cluster;		/* rank of its cluster, 0 = fastest; -1 */
};

/*
 * Read ping's --json object from @json into @r (stats, counters, hist).
 * 0 or -EINVAL with @r->error set.
 */
int fp_sweep_parse_ping(const char *json, struct fp_sweep_result *r);

struct fp_sweep_cluster {
	unsigned int size;
	double mean_ns;		/* mean over members of their mean_ns */
	double std_ns;		/* mean over members of their std_ns */
	double p50_ns;		/* mean over members of their p50_ns */
	/* per parameter: the value if constant inside the cluster, else "" */
	char constant[FP_SWEEP_MAX_AXES][FP_SWEEP_VALUE_LEN];
};

struct fp_sweep_analysis {
	unsigned int k;
	double silhouette;
	const char *why_one;
	unsigned int n_ok, n_failed;
	struct fp_sweep_cluster cluster[8];	/* ranked by mean latency */
};

/*
 * Cluster the successful results over (mean, median, std, q1, q3),
 * choosing k by silhouette (kmeans.h), rank the clusters by mean latency
 * and set each result's .cluster.  0, -EINVAL when no result succeeded.
 */
int fp_sweep_analyse(struct fp_sweep_result *res, size_t n, uint64_t seed,
		     struct fp_sweep_analysis *an);

/* Print the ranked cluster table (the paper's Tables I/II) to @f. */
void fp_sweep_print(FILE *f, const struct fp_sweep_result *res, size_t n,
		    const struct fp_sweep_analysis *an);

/* Write sweep.json / sweep.svg.  0 or -errno (printed). */
int fp_sweep_write_json(const char *path, const struct fp_sweep_result *res,
			size_t n, const struct fp_sweep_analysis *an,
			uint64_t seed);
int fp_sweep_write_svg(const char *path, const struct fp_sweep_result *res,
		       size_t n, const struct fp_sweep_analysis *an);

/*
 * Read a sweep.json written by fp_sweep_write_json() back: *@res is
 * allocated (free with fp_sweep_results_free()).  0 or -errno (printed).
 */
int fp_sweep_read_json(const char *path, struct fp_sweep_result **res,
		       size_t *n);
void fp_sweep_results_free(struct fp_sweep_result *res, size_t n);

#endif
