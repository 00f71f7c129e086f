// SPDX-License-Identifier: MIT
/*
 * The chain's tables, in each world that runs NF code: BPF maps of the
 * nf_xdp object (sized before load) and their user-space twins (created
 * here with the same sizes, and handed to the packet code through the
 * descriptors' pointers, see src/lib/nf_user.c).
 */
#include <errno.h>
#include <string.h>

#include <bpf/libbpf.h>

#include "fastpath/log.h"
#include "lib/nfrun_priv.h"
#include "nf_xdp.skel.h"

static bool in_chain(const struct fp_run *r, enum fp_nf_id id)
{
	uint32_t i;

	for (i = 0; i < r->cfg.n; i++)
		if (r->cfg.chain[i]->id == id)
			return true;
	return false;
}

/* The size a table gets: --table-size, else its default. */
static uint32_t table_size(const struct fp_run *r, const struct fp_table_desc *d)
{
	uint32_t i;

	for (i = 0; i < r->cfg.n_sizes; i++)
		if (!strcmp(r->cfg.sizes[i].table, d->name))
			return r->cfg.sizes[i].entries;
	return d->max_entries;
}

static int check_sizes(const struct fp_run *r)
{
	uint32_t i, j, k;

	for (i = 0; i < r->cfg.n_sizes; i++) {
		bool found = false;

		for (j = 0; j < r->cfg.n && !found; j++) {
			const struct fp_nf_info *nf = r->cfg.chain[j];

			for (k = 0; k < nf->n_tables; k++)
				found |= !strcmp(nf->tables[k].name,
						 r->cfg.sizes[i].table);
		}
		if (!found) {
			fp_err("--table-size: no table '%s' in this chain; 'fastpath run --help' lists the tables of each NF",
			       r->cfg.sizes[i].table);
			return -EINVAL;
		}
	}
	return 0;
}

int fp_run_tables_size(struct fp_run *r)
{
	bool xdp = fp_run_mode_xdp(r->cfg.mode);
	unsigned int id, k;
	int err;

	err = check_sizes(r);
	if (err)
		return err;
	for (id = 0; id < FP_NF_COUNT; id++) {
		const struct fp_nf_info *nf = fp_nf_get((enum fp_nf_id)id);
		bool used = xdp && in_chain(r, (enum fp_nf_id)id);

		for (k = 0; nf && k < nf->n_tables; k++) {
			const struct fp_table_desc *d = &nf->tables[k];
			struct bpf_map *m;

			m = bpf_object__find_map_by_name(r->skel->obj, d->name);
			if (!m) {
				fp_err("run: the NF program has no map %s (build mismatch)",
				       d->name);
				return -ENOENT;
			}
			err = bpf_map__set_max_entries(m, used ? table_size(r, d) : 1);
			if (err) {
				fp_err("run: cannot size table %s: %s", d->name,
				       strerror(-err));
				return err;
			}
		}
	}
	return 0;
}

static int add_table(struct fp_run *r, const struct fp_table_desc *d)
{
	struct fp_table *t;
	int err;

	if (r->tables.n >= FP_TABLES_MAX)
		return -E2BIG;
	t = &r->tables.t[r->tables.n];
	memset(t, 0, sizeof(*t));
	t->desc = d;
	t->max_entries = table_size(r, d);
	t->fd = -1;
	if (fp_run_mode_xdp(r->cfg.mode))
		t->fd = bpf_map__fd(bpf_object__find_map_by_name(r->skel->obj,
								 d->name));
	if (fp_run_mode_user(r->cfg.mode)) {
		err = fp_table_twin_create(t, r->n_workers);
		if (err) {
			fp_err("run: cannot create the user-space table %s (%u entries): %s",
			       d->name, t->max_entries, strerror(-err));
			return err;
		}
	}
	r->tables.n++;
	return 0;
}

int fp_run_tables_create(struct fp_run *r)
{
	bool seen[FP_NF_COUNT] = { false };
	uint32_t i, k;
	int err, ncpus = libbpf_num_possible_cpus();

	r->tables.ncpus = ncpus > 0 ? (unsigned int)ncpus : 1;
	r->tables.nslots = r->n_workers;
	for (i = 0; i < r->cfg.n; i++) {
		const struct fp_nf_info *nf = r->cfg.chain[i];

		if (seen[nf->id])
			continue;
		seen[nf->id] = true;
		for (k = 0; k < nf->n_tables; k++) {
			err = add_table(r, &nf->tables[k]);
			if (err)
				return err;
		}
	}
	/* One instance per NF of the chain; a repeated NF shares tables
	 * and so its state: only its first instance is initialized. */
	for (i = 0; i < r->cfg.n; i++) {
		const struct fp_nf_info *nf = r->cfg.chain[i];
		uint32_t j;
		bool first = true;

		for (j = 0; j < i; j++)
			first &= r->cfg.chain[j] != nf;
		r->nf[i].info = nf;
		r->nf[i].tables = &r->tables;
		if (first && nf->init) {
			err = nf->init(&r->nf[i]);
			if (err)
				return err;
		}
	}
	return 0;
}

void fp_run_tables_free(struct fp_run *r)
{
	unsigned int i;

	for (i = 0; i < r->tables.n; i++) {
		fp_table_twin_free(&r->tables.t[i]);
	}
	r->tables.n = 0;
}
