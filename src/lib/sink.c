// SPDX-License-Identifier: MIT
/* The sink: load the specialised XDP program, attach it, sum its counters. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "fastpath/log.h"
#include "fastpath/pin.h"
#include "fastpath/sink.h"
#include "sink_xdp.skel.h"

struct fp_sink {
	struct fp_sink_xdp *skel;
	struct fp_xdp_link *link;
	bool check;
	int ncpus;
	struct fp_sink_pcpu *pcpu;	/* one slot per possible CPU */
	__u32 *keys;			/* with check: the stream array */
	struct fp_sink_stream *streams;
	struct fp_pins pins;
};

void fp_sink_close(struct fp_sink *s)
{
	if (!s)
		return;
	/* Detach before the program and maps go away. */
	fp_xdp_detach(s->link);
	fp_pins_remove(&s->pins);
	fp_sink_xdp__destroy(s->skel);
	free(s->pcpu);
	free(s->keys);
	free(s->streams);
	free(s);
}

int fp_sink_open(const struct fp_sink_opts *o, struct fp_sink **out)
{
	struct fp_sink *s;
	int err;

	*out = NULL;
	if (o->pin_dir && (err = fp_pin_check_dir(o->pin_dir)))
		return err;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->check = o->check;
	s->ncpus = libbpf_num_possible_cpus();
	if (s->ncpus <= 0) {
		err = s->ncpus ? s->ncpus : -EINVAL;
		fp_err("sink: cannot count the possible CPUs: %s", strerror(-err));
		goto fail;
	}
	s->pcpu = calloc((size_t)s->ncpus, sizeof(*s->pcpu));
	if (o->check) {
		s->keys = calloc(FP_SINK_MAX_STREAMS, sizeof(*s->keys));
		s->streams = calloc(FP_SINK_MAX_STREAMS, sizeof(*s->streams));
	}
	if (!s->pcpu || (o->check && (!s->keys || !s->streams))) {
		err = -ENOMEM;
		goto fail;
	}

	s->skel = fp_sink_xdp__open();
	if (!s->skel) {
		err = -errno;
		fp_err("sink: cannot open the BPF object: %s", strerror(-err));
		goto fail;
	}
	s->skel->rodata->pass = o->pass;
	s->skel->rodata->check = o->check;
	/* Without check the stream table is never touched: do not
	 * preallocate it. */
	if (!o->check) {
		err = bpf_map__set_max_entries(s->skel->maps.sink_streams, 1);
		if (err)
			goto fail;
	}
	err = fp_bpf_load(s->skel->obj, "sink");
	if (err)
		goto fail;
	if (o->pin_dir) {
		err = fp_pin_map(&s->pins, o->pin_dir,
				 s->skel->maps.sink_counters, "counters");
		if (!err && o->check)
			err = fp_pin_map(&s->pins, o->pin_dir,
					 s->skel->maps.sink_streams, "streams");
		if (err)
			goto fail;
	}
	err = fp_xdp_attach(s->skel->progs.fp_sink, o->ifindex, &o->xdp,
			    &s->link);
	if (err)
		goto fail;
	*out = s;
	return 0;
fail:
	fp_sink_close(s);
	return err;
}

static int read_streams(struct fp_sink *s, struct fp_sink_counters *c)
{
	/* BPF_F_LOCK: each state is copied whole, under its spin lock; one
	 * batch call reads the whole array. */
	LIBBPF_OPTS(bpf_map_batch_opts, opts, .elem_flags = BPF_F_LOCK);
	struct fp_seq_state tot = { 0 };
	__u32 n = FP_SINK_MAX_STREAMS, out_batch, i;
	int err;

	err = bpf_map_lookup_batch(bpf_map__fd(s->skel->maps.sink_streams),
				   NULL, &out_batch, s->keys, s->streams, &n,
				   &opts);
	/* -ENOENT: the walk reached the end of the array (all read). */
	if (err && err != -ENOENT) {
		fp_err("sink: cannot read the stream table: %s", strerror(-err));
		return err;
	}
	for (i = 0; i < n; i++) {
		const struct fp_seq_state *st = &s->streams[i].seq;

		if (!st->received && !st->corrupted)
			continue;
		fp_seq_sum(&tot, st);
		c->streams++;
	}
	c->received = tot.received;
	c->lost = tot.lost;
	c->dup = tot.dup;
	c->reordered = tot.reordered;
	c->too_old = tot.too_old;
	c->corrupted += tot.corrupted;
	return 0;
}

int fp_sink_read(struct fp_sink *s, struct fp_sink_counters *c)
{
	__u32 zero = 0;
	int i, err;

	memset(c, 0, sizeof(*c));
	if (bpf_map_lookup_elem(bpf_map__fd(s->skel->maps.sink_counters),
				&zero, s->pcpu)) {
		err = -errno;
		fp_err("sink: cannot read the counters: %s", strerror(-err));
		return err;
	}
	for (i = 0; i < s->ncpus; i++) {
		c->packets += s->pcpu[i].packets;
		c->bytes += s->pcpu[i].bytes;
		c->checked += s->pcpu[i].checked;
		c->unchecked += s->pcpu[i].unchecked;
		c->corrupted += s->pcpu[i].corrupted;
	}
	if (!s->check)
		return 0;
	return read_streams(s, c);
}

enum fp_xdp_mode fp_sink_xdp_mode(const struct fp_sink *s)
{
	return fp_xdp_link_mode(s->link);
}

int fp_sink_prog_insns(const struct fp_sink *s, uint32_t *insns)
{
	struct bpf_prog_info info;
	__u32 len = sizeof(info);

	memset(&info, 0, sizeof(info));
	if (bpf_obj_get_info_by_fd(bpf_program__fd(s->skel->progs.fp_sink),
				   &info, &len))
		return -errno;
	*insns = info.xlated_prog_len / 8;
	return 0;
}
