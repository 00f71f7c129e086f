// SPDX-License-Identifier: MIT
/*
 * Sweep results: read ping's JSON, cluster the configurations, print the
 * ranked cluster table, write sweep.json and sweep.svg, and read a
 * sweep.json back (`fastpath sweep --from-json`).
 *
 * The JSON reader is deliberately tiny: it only has to read what ping and
 * this file write (flat objects, numbers, plain strings, arrays of pairs),
 * so it walks the text instead of building a tree.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fastpath/kmeans.h"
#include "fastpath/log.h"
#include "fastpath/sweep.h"

const char *const fp_sweep_stat_key[FP_ST_N] = {
	"min_ns", "mean_ns", "std_ns", "q1_ns", "p50_ns", "q3_ns",
	"p90_ns", "p99_ns", "p999_ns", "max_ns",
};

/* --- a minimal JSON walker -------------------------------------------- */

static const char *ws(const char *p)
{
	while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
		p++;
	return p;
}

/* @p at '"': past the closing quote; copies the text to @out if given. */
static const char *jstring(const char *p, char *out, size_t cap)
{
	size_t n = 0;

	for (p++; *p && *p != '"'; p++) {
		if (*p == '\\' && p[1])
			p++;
		if (out && n + 1 < cap)
			out[n++] = *p;
	}
	if (out && cap)
		out[n] = '\0';
	return *p ? p + 1 : p;
}

static const char *skip_value(const char *p)
{
	int depth = 0;

	p = ws(p);
	if (*p == '"')
		return jstring(p, NULL, 0);
	if (*p != '{' && *p != '[') {
		while (*p && *p != ',' && *p != '}' && *p != ']' &&
		       *p != ' ' && *p != '\n')
			p++;
		return p;
	}
	for (; *p; p++) {
		if (*p == '"') {
			p = jstring(p, NULL, 0) - 1;
			continue;
		}
		if (*p == '{' || *p == '[')
			depth++;
		else if ((*p == '}' || *p == ']') && --depth == 0)
			return p + 1;
	}
	return p;
}

/*
 * Next member of the object at *@pp ('{' first, then where the previous
 * call left it): the value's start, with the key in @key; NULL at the end.
 */
static const char *member(const char **pp, char *key, size_t cap)
{
	const char *p = ws(*pp), *val;

	if (*p == '{' || *p == ',')
		p = ws(p + 1);
	if (*p != '"')
		return NULL;
	p = ws(jstring(p, key, cap));
	if (*p != ':')
		return NULL;
	val = ws(p + 1);
	*pp = ws(skip_value(val));
	return val;
}

/* Next element of the array at *@pp, like member(). */
static const char *element(const char **pp)
{
	const char *p = ws(*pp), *val;

	if (*p == '[' || *p == ',')
		p = ws(p + 1);
	if (!*p || *p == ']')
		return NULL;
	val = p;
	*pp = ws(skip_value(val));
	return val;
}

static const char *obj_get(const char *obj, const char *key)
{
	const char *p = obj, *v;
	char k[64];

	if (*ws(obj) != '{')
		return NULL;
	while ((v = member(&p, k, sizeof(k))))
		if (!strcmp(k, key))
			return v;
	return NULL;
}

static int get_num(const char *obj, const char *key, double *out)
{
	const char *v = obj_get(obj, key);
	char *end;

	if (!v)
		return -ENOENT;
	*out = strtod(v, &end);
	return end == v ? -EINVAL : 0;
}

static int read_hist(const char *arr, struct fp_sweep_result *r)
{
	const char *p = arr, *e, *q;
	size_t cap = 0;

	r->n_hist = 0;
	if (*ws(arr) != '[')
		return -EINVAL;
	while ((e = element(&p))) {
		struct fp_sweep_bin *nb;
		const char *x, *y;

		q = e;
		x = element(&q);
		y = x ? element(&q) : NULL;
		if (!y)
			return -EINVAL;
		if (r->n_hist == cap) {
			cap = cap ? cap * 2 : 64;
			nb = realloc(r->hist, cap * sizeof(*nb));
			if (!nb)
				return -ENOMEM;
			r->hist = nb;
		}
		r->hist[r->n_hist].lower_ns = strtod(x, NULL);
		r->hist[r->n_hist].count = strtoull(y, NULL, 10);
		r->n_hist++;
	}
	return 0;
}

static int read_stats(const char *obj, struct fp_sweep_result *r)
{
	const char *h;
	double v;
	int i;

	for (i = 0; i < FP_ST_N; i++)
		if (get_num(obj, fp_sweep_stat_key[i], &r->st[i])) {
			snprintf(r->error, sizeof(r->error),
				 "ping's JSON has no number %s",
				 fp_sweep_stat_key[i]);
			return -EINVAL;
		}
	if (!get_num(obj, "sent", &v))
		r->sent = v;
	if (!get_num(obj, "received", &v))
		r->received = v;
	if (!get_num(obj, "lost", &v))
		r->lost = v;
	h = obj_get(obj, "hist");
	if (h && read_hist(h, r)) {
		snprintf(r->error, sizeof(r->error),
			 "ping's JSON has a malformed hist");
		return -EINVAL;
	}
	return 0;
}

int fp_sweep_parse_ping(const char *json, struct fp_sweep_result *r)
{
	const char *p = json ? strchr(json, '{') : NULL;

	if (!p) {
		snprintf(r->error, sizeof(r->error), "ping printed no JSON object");
		return -EINVAL;
	}
	return read_stats(p, r);
}

void fp_sweep_results_free(struct fp_sweep_result *res, size_t n)
{
	size_t i;

	for (i = 0; res && i < n; i++)
		free(res[i].hist);
	free(res);
}

int fp_sweep_read_json(const char *path, struct fp_sweep_result **out,
		       size_t *n_out)
{
	struct fp_sweep_result *res = NULL;
	const char *p, *c, *v, *pp;
	size_t n = 0, cap = 0, len = 0, got;
	char *buf = NULL, key[FP_SWEEP_VALUE_LEN];
	FILE *f;
	int err = 0;

	f = fopen(path, "r");
	if (!f) {
		err = -errno;
		fp_err("cannot open %s: %s", path, strerror(-err));
		return err;
	}
	for (;;) {
		char *nb = realloc(buf, len + 65536 + 1);

		if (!nb) {
			err = -ENOMEM;
			goto out;
		}
		buf = nb;
		got = fread(buf + len, 1, 65536, f);
		len += got;
		if (!got)
			break;
	}
	buf[len] = '\0';
	p = strchr(buf, '{');
	p = p ? obj_get(p, "configs") : NULL;
	if (!p || *p != '[') {
		fp_err("%s is not a sweep.json (no \"configs\" array); give a file written by 'fastpath sweep'",
		       path);
		err = -EINVAL;
		goto out;
	}
	while ((c = element(&p))) {
		struct fp_sweep_result *r;

		if (n == cap) {
			struct fp_sweep_result *nr;

			cap = cap ? cap * 2 : 64;
			nr = realloc(res, cap * sizeof(*nr));
			if (!nr) {
				err = -ENOMEM;
				goto out;
			}
			res = nr;
		}
		r = &res[n++];
		memset(r, 0, sizeof(*r));
		r->cluster = -1;
		v = obj_get(c, "params");
		pp = v;
		while (v && r->n_params < FP_SWEEP_MAX_AXES &&
		       (v = member(&pp, key, sizeof(key)))) {
			strcpy(r->param_name[r->n_params], key);
			jstring(v, r->param_value[r->n_params],
				FP_SWEEP_VALUE_LEN);
			r->n_params++;
		}
		v = obj_get(c, "ok");
		r->ok = v && !strncmp(v, "true", 4);
		v = obj_get(c, "error");
		if (v && *v == '"')
			jstring(v, r->error, sizeof(r->error));
		if (r->ok && read_stats(c, r)) {
			fp_err("%s: configuration %zu: %s", path, n - 1,
			       r->error);
			err = -EINVAL;
			goto out;
		}
	}
	if (!n) {
		fp_err("%s holds no configurations", path);
		err = -EINVAL;
	}
out:
	fclose(f);
	free(buf);
	if (err) {
		fp_sweep_results_free(res, n);
		return err;
	}
	*out = res;
	*n_out = n;
	return 0;
}

/* --- clustering --------------------------------------------------------- */

/* The features of the paper: mean, median, std and the quartiles. */
static const enum fp_sweep_stat features[] = {
	FP_ST_MEAN, FP_ST_P50, FP_ST_STD, FP_ST_Q1, FP_ST_Q3,
};
#define N_FEAT (sizeof(features) / sizeof(features[0]))

int fp_sweep_analyse(struct fp_sweep_result *res, size_t n, uint64_t seed,
		     struct fp_sweep_analysis *an)
{
	struct fp_kmeans_result km;
	double *x, sum[FP_KMEANS_MAX_K] = { 0 };
	unsigned int rank[FP_KMEANS_MAX_K], order[FP_KMEANS_MAX_K];
	unsigned int c, d, j;
	size_t i, m = 0;
	int err;

	memset(an, 0, sizeof(*an));
	for (i = 0; i < n; i++) {
		res[i].cluster = -1;
		if (res[i].ok)
			an->n_ok++;
		else
			an->n_failed++;
	}
	if (!an->n_ok) {
		fp_err("sweep: no configuration succeeded, nothing to cluster; see the errors above");
		return -EINVAL;
	}
	x = calloc(an->n_ok * N_FEAT, sizeof(*x));
	if (!x)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		if (!res[i].ok)
			continue;
		for (j = 0; j < N_FEAT; j++)
			x[m * N_FEAT + j] = res[i].st[features[j]];
		m++;
	}
	err = fp_kmeans_auto(x, m, N_FEAT, seed, &km);
	free(x);
	if (err)
		return err;
	an->k = km.k;
	an->silhouette = km.silhouette;
	an->why_one = km.why_one;

	/* Rank clusters by the mean of their members' mean latency. */
	for (m = 0, i = 0; i < n; i++) {
		if (!res[i].ok)
			continue;
		an->cluster[km.assign[m]].size++;
		sum[km.assign[m]] += res[i].st[FP_ST_MEAN];
		m++;
	}
	for (c = 0; c < km.k; c++)
		order[c] = c;
	for (c = 1; c < km.k; c++)	/* insertion sort, k <= 8 */
		for (d = c; d > 0 &&
		     sum[order[d]] / an->cluster[order[d]].size <
		     sum[order[d - 1]] / an->cluster[order[d - 1]].size; d--) {
			unsigned int t = order[d];

			order[d] = order[d - 1];
			order[d - 1] = t;
		}
	for (c = 0; c < km.k; c++)
		rank[order[c]] = c;
	memset(an->cluster, 0, sizeof(an->cluster));
	for (m = 0, i = 0; i < n; i++) {
		struct fp_sweep_cluster *cl;

		if (!res[i].ok)
			continue;
		res[i].cluster = rank[km.assign[m++]];
		cl = &an->cluster[res[i].cluster];
		/* The first member sets the candidates; others clear them. */
		for (j = 0; j < res[i].n_params; j++) {
			if (!cl->size)
				strcpy(cl->constant[j], res[i].param_value[j]);
			else if (strcmp(cl->constant[j], res[i].param_value[j]))
				cl->constant[j][0] = '\0';
		}
		cl->size++;
		cl->mean_ns += res[i].st[FP_ST_MEAN];
		cl->std_ns += res[i].st[FP_ST_STD];
		cl->p50_ns += res[i].st[FP_ST_P50];
	}
	for (c = 0; c < km.k; c++) {
		an->cluster[c].mean_ns /= an->cluster[c].size;
		an->cluster[c].std_ns /= an->cluster[c].size;
		an->cluster[c].p50_ns /= an->cluster[c].size;
	}
	fp_kmeans_result_free(&km);
	return 0;
}

/* Parameter names of the first successful result (all share them). */
static const struct fp_sweep_result *first_ok(const struct fp_sweep_result *res,
					      size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (res[i].ok)
			return &res[i];
	return NULL;
}

void fp_sweep_print(FILE *f, const struct fp_sweep_result *res, size_t n,
		    const struct fp_sweep_analysis *an)
{
	const struct fp_sweep_result *r0 = first_ok(res, n);
	unsigned int c, j;
	size_t i;

	fprintf(f, "%u configurations: %u measured, %u failed\n",
		an->n_ok + an->n_failed, an->n_ok, an->n_failed);
	for (i = 0; i < n; i++)
		if (!res[i].ok)
			fprintf(f, "  failed: config %zu: %s\n", i, res[i].error);
	if (an->k == 1 && an->why_one)
		fprintf(f, "k = 1 (%s): no clustering\n", an->why_one);
	else
		fprintf(f, "k = %u, chosen by the silhouette score (%.3f) over k = 2..min(8, n-1);\n"
			   "features: mean, median, std, q1, q3 (z-scores)\n",
			an->k, an->silhouette);
	fprintf(f, "\n%-4s %5s %12s %12s %12s  %s\n", "rank", "size",
		"mean_us", "std_us", "median_us", "constant parameters");
	for (c = 0; c < an->k; c++) {
		const struct fp_sweep_cluster *cl = &an->cluster[c];
		bool any = false;

		fprintf(f, "%-4u %5u %12.2f %12.2f %12.2f  ", c + 1, cl->size,
			cl->mean_ns / 1e3, cl->std_ns / 1e3, cl->p50_ns / 1e3);
		for (j = 0; r0 && j < r0->n_params; j++) {
			if (!cl->constant[j][0])
				continue;
			fprintf(f, "%s%s=%s", any ? " " : "", r0->param_name[j],
				cl->constant[j]);
			any = true;
		}
		fprintf(f, "%s\n", any ? "" : "-");
	}
}

/* --- sweep.json ------------------------------------------------------- */

static void jstr(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fputc('\\', f);
		if ((unsigned char)*s < 0x20)
			fputc(' ', f);
		else
			fputc(*s, f);
	}
	fputc('"', f);
}

static int close_file(FILE *f, const char *path)
{
	int err = ferror(f) ? -EIO : 0;

	if (fclose(f) && !err)
		err = -errno;
	if (err)
		fp_err("cannot write %s: %s", path, strerror(-err));
	return err;
}

int fp_sweep_write_json(const char *path, const struct fp_sweep_result *res,
			size_t n, const struct fp_sweep_analysis *an,
			uint64_t seed)
{
	const struct fp_sweep_result *r0 = first_ok(res, n);
	unsigned int c, j;
	size_t i, b;
	FILE *f;
	int s;

	f = fopen(path, "w");
	if (!f) {
		s = -errno;
		fp_err("cannot create %s: %s", path, strerror(-s));
		return s;
	}
	fprintf(f, "{\"seed\":%llu,\"criterion\":\"silhouette\",\"features\":[\"mean_ns\",\"p50_ns\",\"std_ns\",\"q1_ns\",\"q3_ns\"],"
		   "\"k\":%u,\"silhouette\":%.6f,\"measured\":%u,\"failed\":%u,\n\"clusters\":[",
		(unsigned long long)seed, an->k,
		isfinite(an->silhouette) ? an->silhouette : 0.0, an->n_ok,
		an->n_failed);
	for (c = 0; c < an->k; c++) {
		const struct fp_sweep_cluster *cl = &an->cluster[c];
		bool any = false;

		fprintf(f, "%s\n{\"rank\":%u,\"size\":%u,\"mean_ns\":%.1f,\"std_ns\":%.1f,\"p50_ns\":%.1f,\"constant\":{",
			c ? "," : "", c + 1, cl->size, cl->mean_ns, cl->std_ns,
			cl->p50_ns);
		for (j = 0; r0 && j < r0->n_params; j++) {
			if (!cl->constant[j][0])
				continue;
			fprintf(f, "%s", any ? "," : "");
			jstr(f, r0->param_name[j]);
			fputc(':', f);
			jstr(f, cl->constant[j]);
			any = true;
		}
		fprintf(f, "}}");
	}
	fprintf(f, "],\n\"configs\":[");
	for (i = 0; i < n; i++) {
		const struct fp_sweep_result *r = &res[i];

		fprintf(f, "%s\n{\"params\":{", i ? "," : "");
		for (j = 0; j < r->n_params; j++) {
			fprintf(f, "%s", j ? "," : "");
			jstr(f, r->param_name[j]);
			fputc(':', f);
			jstr(f, r->param_value[j]);
		}
		fprintf(f, "},\"ok\":%s,\"error\":", r->ok ? "true" : "false");
		jstr(f, r->ok ? "" : r->error);
		fprintf(f, ",\"cluster\":%d", r->cluster >= 0 ? r->cluster + 1 : 0);
		if (r->ok) {
			fprintf(f, ",\"sent\":%llu,\"received\":%llu,\"lost\":%llu",
				(unsigned long long)r->sent,
				(unsigned long long)r->received,
				(unsigned long long)r->lost);
			for (s = 0; s < FP_ST_N; s++)
				fprintf(f, ",\"%s\":%.1f", fp_sweep_stat_key[s],
					r->st[s]);
			fprintf(f, ",\"hist\":[");
			for (b = 0; b < r->n_hist; b++)
				fprintf(f, "%s[%.0f,%llu]", b ? "," : "",
					r->hist[b].lower_ns,
					(unsigned long long)r->hist[b].count);
			fputc(']', f);
		}
		fputc('}', f);
	}
	fprintf(f, "\n]}\n");
	return close_file(f, path);
}

/* --- sweep.svg ---------------------------------------------------------- */

struct box {
	double lo, q1, med, q3, hi;	/* p1, q1, median, q3, p99 */
	bool hist;			/* from histograms, not averages */
};

static int cmp_bin(const void *a, const void *b)
{
	const struct fp_sweep_bin *x = a, *y = b;

	return x->lower_ns < y->lower_ns ? -1 : x->lower_ns > y->lower_ns;
}

/* Quantile @q of sorted bins: linear inside a bin up to the next bound. */
static double bin_quantile(const struct fp_sweep_bin *b, size_t n,
			   uint64_t total, double q)
{
	double want = q * total, cum = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		if (cum + b[i].count >= want && b[i].count) {
			double next = i + 1 < n ? b[i + 1].lower_ns :
						  b[i].lower_ns * 1.1;

			return b[i].lower_ns + (next - b[i].lower_ns) *
			       (want - cum) / b[i].count;
		}
		cum += b[i].count;
	}
	return n ? b[n - 1].lower_ns : 0;
}

/* The cluster's distribution: its members' histograms merged. */
static void cluster_box(const struct fp_sweep_result *res, size_t n,
			int c, struct box *bx)
{
	struct fp_sweep_bin *all = NULL;
	size_t i, m = 0, cap = 0, out = 0;
	uint64_t total = 0;
	unsigned int members = 0;

	memset(bx, 0, sizeof(*bx));
	for (i = 0; i < n; i++) {
		if (res[i].cluster != c)
			continue;
		members++;
		bx->lo += res[i].st[FP_ST_MIN];
		bx->q1 += res[i].st[FP_ST_Q1];
		bx->med += res[i].st[FP_ST_P50];
		bx->q3 += res[i].st[FP_ST_Q3];
		bx->hi += res[i].st[FP_ST_P99];
		if (m + res[i].n_hist > cap) {
			struct fp_sweep_bin *nb;

			cap = (m + res[i].n_hist) * 2;
			nb = realloc(all, cap * sizeof(*nb));
			if (!nb)
				break;
			all = nb;
		}
		memcpy(all + m, res[i].hist, res[i].n_hist * sizeof(*all));
		m += res[i].n_hist;
	}
	if (members) {
		bx->lo /= members;
		bx->q1 /= members;
		bx->med /= members;
		bx->q3 /= members;
		bx->hi /= members;
	}
	if (m) {
		qsort(all, m, sizeof(*all), cmp_bin);
		for (i = 0; i < m; i++) {
			total += all[i].count;
			if (out && all[out - 1].lower_ns == all[i].lower_ns)
				all[out - 1].count += all[i].count;
			else
				all[out++] = all[i];
		}
	}
	if (total) {
		bx->lo = bin_quantile(all, out, total, 0.01);
		bx->q1 = bin_quantile(all, out, total, 0.25);
		bx->med = bin_quantile(all, out, total, 0.50);
		bx->q3 = bin_quantile(all, out, total, 0.75);
		bx->hi = bin_quantile(all, out, total, 0.99);
		bx->hist = true;
	}
	free(all);
}

int fp_sweep_write_svg(const char *path, const struct fp_sweep_result *res,
		       size_t n, const struct fp_sweep_analysis *an)
{
	const int W = 800, left = 230, right = 30, top = 40, row = 44;
	struct box bx[FP_KMEANS_MAX_K];
	double lo = INFINITY, hi = 0, llo, lhi, t;
	int H = top + 50 + row * (int)an->k, err;
	unsigned int c;
	FILE *f;

	for (c = 0; c < an->k; c++) {
		cluster_box(res, n, c, &bx[c]);
		if (bx[c].lo > 0 && bx[c].lo < lo)
			lo = bx[c].lo;
		if (bx[c].hi > hi)
			hi = bx[c].hi;
	}
	if (!isfinite(lo) || hi <= lo) {
		lo = lo > 0 && isfinite(lo) ? lo : 100;
		hi = lo * 10;
	}
	/* Log scale over whole decades: latencies span orders of magnitude. */
	llo = floor(log10(lo));
	lhi = ceil(log10(hi));
	if (lhi <= llo)
		lhi = llo + 1;
#define X(v) (left + (W - left - right) * \
	      (log10((v) > 0 ? (v) : lo) - llo) / (lhi - llo))

	f = fopen(path, "w");
	if (!f) {
		err = -errno;
		fp_err("cannot create %s: %s", path, strerror(-err));
		return err;
	}
	fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" font-family=\"sans-serif\" font-size=\"12\">\n"
		   "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n"
		   "<text x=\"%d\" y=\"20\" font-size=\"14\">Round-trip latency per cluster (box q1-q3, line median, whiskers p1-p99)</text>\n",
		W, H, 10);
	for (t = llo; t <= lhi + 1e-9; t++) {
		double x = X(pow(10, t));

		fprintf(f, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#ddd\"/>\n"
			   "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%g us</text>\n",
			x, top, x, H - 40, x, H - 25, pow(10, t) / 1e3);
	}
	for (c = 0; c < an->k; c++) {
		const struct box *b = &bx[c];
		int y = top + 10 + row * (int)c, mid = y + 12;

		fprintf(f, "<text x=\"10\" y=\"%d\">#%u n=%u mean %.1f us%s</text>\n",
			mid + 4, c + 1, an->cluster[c].size,
			an->cluster[c].mean_ns / 1e3, b->hist ? "" : " *");
		fprintf(f, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"black\"/>\n",
			X(b->lo), mid, X(b->hi), mid);
		fprintf(f, "<rect x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"24\" fill=\"#8ab\" stroke=\"black\"/>\n",
			X(b->q1), y, X(b->q3) - X(b->q1) > 1 ? X(b->q3) - X(b->q1) : 1);
		fprintf(f, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"black\" stroke-width=\"2\"/>\n",
			X(b->med), y, X(b->med), y + 24);
	}
	fprintf(f, "<text x=\"10\" y=\"%d\" font-size=\"10\">* no histograms: averages of the members' statistics</text>\n</svg>\n",
		H - 8);
#undef X
	return close_file(f, path);
}
