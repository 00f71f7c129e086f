// SPDX-License-Identifier: MIT
/*
 * bench/results/SCENARIO.json: every run's rate, the medians, per-packet
 * costs and ratios, the options, and the machine they were measured on.
 * The shape only grows (docs/cmd/bench.md).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "fastpath/log.h"
#include "cli/bench.h"

static void cpu_model(char *buf, size_t len)
{
	char line[256];
	FILE *f = fopen("/proc/cpuinfo", "r");

	snprintf(buf, len, "unknown");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		char *colon = strchr(line, ':');

		if (strncmp(line, "model name", 10) || !colon)
			continue;
		colon += 2;
		colon[strcspn(colon, "\n")] = '\0';
		snprintf(buf, len, "%s", colon);
		break;
	}
	fclose(f);
}

/* Strings here are ours or the kernel's: escape quotes and backslashes. */
static void put_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fputc('\\', f);
		if ((unsigned char)*s >= 0x20)
			fputc(*s, f);
	}
	fputc('"', f);
}

static void write_variant(FILE *f, const struct bench_report *rep,
			  const struct bench_variant_result *r)
{
	uint32_t run;

	fprintf(f, "    {\"name\": ");
	put_str(f, r->variant->name);
	fprintf(f, ", \"role\": \"%s\", \"summary\": ",
		bench_role_name(r->variant->role));
	put_str(f, r->variant->summary);
	fprintf(f, ",\n     \"runs_pps\": [");
	for (run = 0; run < rep->opts.runs; run++)
		fprintf(f, "%s%.0f", run ? ", " : "", r->pps[run]);
	fprintf(f, "],\n     \"median_pps\": %.0f, \"ns_per_pkt\": %.2f, "
		   "\"dut_ns_per_pkt\": %.2f, \"ratio_to_baseline\": %.4f}",
		r->median_pps, r->ns_per_pkt, r->dut_ns_per_pkt, r->ratio);
}

static int write_report(FILE *f, const struct bench_report *rep)
{
	const struct bench_scenario *s = rep->scenario;
	struct utsname u;
	char model[128];
	int i;

	uname(&u);
	cpu_model(model, sizeof(model));
	fprintf(f, "{\n  \"scenario\": ");
	put_str(f, s->name);
	fprintf(f, ",\n  \"summary\": ");
	put_str(f, s->summary);
	fprintf(f, ",\n  \"date\": \"%s\",\n  \"machine\": {\"kernel\": ",
		rep->started);
	put_str(f, u.release);
	fprintf(f, ", \"cpus\": %ld, \"cpu_model\": ",
		sysconf(_SC_NPROCESSORS_ONLN));
	put_str(f, model);
	fprintf(f, "},\n  \"config\": {\"topology\": ");
	put_str(f, s->topology);
	fprintf(f, ", \"generator\": \"%s\", \"frame_size\": %u, \"cpu\": %d, "
		   "\"runs\": %u, \"window_s\": %.3f, \"warmup_s\": %.3f},\n"
		   "  \"variants\": [\n",
		rep->engine, rep->opts.size, rep->opts.cpu, rep->opts.runs,
		(double)rep->opts.window_ns / 1e9,
		(double)rep->opts.warmup_ns / 1e9);
	for (i = 0; i < rep->n_variants; i++) {
		write_variant(f, rep, &rep->v[i]);
		fprintf(f, "%s\n", i + 1 < rep->n_variants ? "," : "");
	}
	fprintf(f, "  ]\n}\n");
	return ferror(f) ? -EIO : 0;
}

int bench_write_json(const struct bench_report *rep, const char *dir)
{
	char path[4096], tmp[4200];
	FILE *f;
	int err;

	if (mkdir(dir, 0755) && errno != EEXIST) {
		err = -errno;
		fp_err("bench: cannot create %s: %s", dir, strerror(-err));
		return err;
	}
	snprintf(path, sizeof(path), "%s/%s.json", dir, rep->scenario->name);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "w");
	if (!f) {
		err = -errno;
		fp_err("bench: cannot write %s: %s", tmp, strerror(-err));
		return err;
	}
	err = write_report(f, rep);
	if (fclose(f) && !err)
		err = -errno;
	if (!err && rename(tmp, path))
		err = -errno;
	if (err) {
		fp_err("bench: cannot write %s: %s", path, strerror(-err));
		unlink(tmp);
		return err;
	}
	printf("  wrote %s\n", path);
	return 0;
}
