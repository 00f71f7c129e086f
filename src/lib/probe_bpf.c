// SPDX-License-Identifier: MIT
/*
 * Machine-wide BPF probes.  Each one loads (and where it matters, runs)
 * the smallest program that needs the feature, from probe.bpf.c opened
 * afresh with only the programs it needs enabled: a feature this kernel
 * lacks fails its own probe and no other.
 */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <linux/if_link.h>
#include <linux/magic.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "fastpath/probe.h"
#include "fastpath/xdp.h"
#include "probe.skel.h"
#include "probe_ct.skel.h"

/* Ethernet + IPv4 + TCP to no one: enough for every program here. */
static const unsigned char probe_frame[64] = {
	0x02, 0x00, 0x00, 0x00, 0x00, 0x02, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01,
	0x08, 0x00,
	0x45, 0x00, 0x00, 0x28, 0x00, 0x00, 0x40, 0x00, 0x40, 0x06, 0x00, 0x00,
	0xc6, 0x12, 0x00, 0x01, 0xc6, 0x12, 0x00, 0x02,
	0x00, 0x09, 0x00, 0x09, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x50, 0x02, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00,
};

static int why_errno(char *why, size_t len, int err, const char *what)
{
	snprintf(why, len, "%s: %s", what, strerror(-err));
	return err;
}

/* probe.bpf.c with every program off; the caller turns on what it needs. */
static struct fp_probe *probe_open(char *why, size_t len)
{
	struct bpf_program *prog;
	struct fp_probe *skel;

	skel = fp_probe__open();
	if (!skel) {
		why_errno(why, len, -errno, "opening the probe object");
		return NULL;
	}
	bpf_object__for_each_program(prog, skel->obj)
		bpf_program__set_autoload(prog, false);
	return skel;
}

static int probe_load(struct fp_probe *skel, char *why, size_t len)
{
	return fp_bpf_load_quiet(skel->obj, why, len);
}

/* One run of @prog_fd on probe_frame; *retval gets the XDP verdict. */
static int test_run(int prog_fd, uint32_t *retval, char *why, size_t len)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts,
		    .data_in = probe_frame,
		    .data_size_in = sizeof(probe_frame),
		    .repeat = 1);
	int err;

	err = bpf_prog_test_run_opts(prog_fd, &opts);
	if (err)
		return why_errno(why, len, -errno, "BPF_PROG_TEST_RUN");
	*retval = opts.retval;
	return 0;
}

int fp_probe_bpf_load(char *why, size_t len)
{
	struct fp_probe *skel = probe_open(why, len);
	int err;

	if (!skel)
		return -errno;
	bpf_program__set_autoload(skel->progs.probe_pass, true);
	err = probe_load(skel, why, len);
	fp_probe__destroy(skel);
	return err;
}

int fp_probe_btf(uint32_t *ntypes, char *why, size_t len)
{
	struct btf *btf = btf__load_vmlinux_btf();
	long err = libbpf_get_error(btf);

	if (err)
		return why_errno(why, len, (int)err,
				 "/sys/kernel/btf/vmlinux");
	*ntypes = btf__type_cnt(btf);
	btf__free(btf);
	return 0;
}

int fp_probe_jit(char *why, size_t len)
{
	struct bpf_prog_info info;
	uint32_t info_len = sizeof(info);
	struct fp_probe *skel = probe_open(why, len);
	int err;

	if (!skel)
		return -errno;
	bpf_program__set_autoload(skel->progs.probe_pass, true);
	err = probe_load(skel, why, len);
	if (err)
		goto out;
	memset(&info, 0, sizeof(info));
	err = bpf_obj_get_info_by_fd(bpf_program__fd(skel->progs.probe_pass),
				     &info, &info_len);
	if (err) {
		err = why_errno(why, len, -errno, "BPF_OBJ_GET_INFO_BY_FD");
		goto out;
	}
	if (!info.jited_prog_len) {
		snprintf(why, len, "the loaded program has no JITed code");
		err = -EOPNOTSUPP;
		goto out;
	}
	snprintf(why, len, "a %u-instruction program became %u bytes of native code",
		 info.xlated_prog_len / 8, info.jited_prog_len);
out:
	fp_probe__destroy(skel);
	return err;
}

int fp_probe_bpffs(const char *path, char *why, size_t len)
{
	struct statfs st;

	if (statfs(path, &st))
		return why_errno(why, len, -errno, path);
	if ((unsigned long)st.f_type != BPF_FS_MAGIC) {
		snprintf(why, len, "%s is not a bpf filesystem", path);
		return -ENOENT;
	}
	return 0;
}

int fp_probe_xdp_helper(int helper, char *why, size_t len)
{
	int ret = libbpf_probe_bpf_helper(BPF_PROG_TYPE_XDP,
					  (enum bpf_func_id)helper, NULL);

	if (ret == 1)
		return 0;
	if (ret == 0) {
		snprintf(why, len, "the verifier does not know helper #%d for XDP",
			 helper);
		return -EOPNOTSUPP;
	}
	return why_errno(why, len, ret, "probe program");
}

int fp_probe_ringbuf(char *why, size_t len)
{
	int ret = libbpf_probe_bpf_map_type(BPF_MAP_TYPE_RINGBUF, NULL);

	if (ret == 1)
		return 0;
	if (ret == 0) {
		snprintf(why, len, "the kernel does not know BPF_MAP_TYPE_RINGBUF");
		return -EOPNOTSUPP;
	}
	return why_errno(why, len, ret, "creating a ring buffer");
}

int fp_probe_tail_call(char *why, size_t len)
{
	struct fp_probe *skel = probe_open(why, len);
	uint32_t key = 0, retval = 0;
	int err, target;

	if (!skel)
		return -errno;
	bpf_program__set_autoload(skel->progs.probe_tail, true);
	bpf_program__set_autoload(skel->progs.probe_drop, true);
	err = probe_load(skel, why, len);
	if (err)
		goto out;
	target = bpf_program__fd(skel->progs.probe_drop);
	err = bpf_map_update_elem(bpf_map__fd(skel->maps.probe_jmp), &key,
				  &target, BPF_ANY);
	if (err) {
		err = why_errno(why, len, -errno, "filling the program array");
		goto out;
	}
	err = test_run(bpf_program__fd(skel->progs.probe_tail), &retval, why,
		       len);
	if (!err && retval != XDP_DROP) {
		snprintf(why, len, "the tail call fell through (verdict %u)",
			 retval);
		err = -EOPNOTSUPP;
	}
out:
	fp_probe__destroy(skel);
	return err;
}

int fp_probe_ct_kfunc(char *why, size_t len)
{
	struct fp_probe_ct *skel;
	uint32_t retval;
	int err;

	skel = fp_probe_ct__open();
	if (!skel)
		return why_errno(why, len, -errno, "opening the probe object");
	err = fp_bpf_load_quiet(skel->obj, why, len);
	if (err)
		goto out;
	err = test_run(bpf_program__fd(skel->progs.probe_ct), &retval, why,
		       len);
	if (err)
		goto out;
	/* A lookup that ran finds nothing for a tuple nobody uses. */
	if (skel->data->ct_error != -ENOENT && skel->data->ct_error != 0) {
		snprintf(why, len, "bpf_xdp_ct_lookup() answered error %d",
			 skel->data->ct_error);
		err = -EOPNOTSUPP;
	}
out:
	fp_probe_ct__destroy(skel);
	return err;
}

/*
 * Load an extension for the global function probe_hook() of a loaded XDP
 * program, attach it, and check that a run of the target takes the
 * replacement's verdict.  Kernels or policies that forbid extensions fail
 * the load (EPERM on this project's machines).
 */
int fp_probe_freplace(char *why, size_t len)
{
	struct fp_probe *target, *ext = NULL;
	struct bpf_link *link = NULL;
	uint32_t retval = 0;
	int err, target_fd;

	target = probe_open(why, len);
	if (!target)
		return -errno;
	bpf_program__set_autoload(target->progs.probe_hooked, true);
	err = probe_load(target, why, len);
	if (err)
		goto out;
	target_fd = bpf_program__fd(target->progs.probe_hooked);

	ext = probe_open(why, len);
	if (!ext) {
		err = -errno;
		goto out;
	}
	bpf_program__set_autoload(ext->progs.probe_ext, true);
	err = bpf_program__set_attach_target(ext->progs.probe_ext, target_fd,
					     "probe_hook");
	if (err) {
		err = why_errno(why, len, err, "setting the attach target");
		goto out;
	}
	err = probe_load(ext, why, len);
	if (err) {
		char reason[128];

		snprintf(reason, sizeof(reason), "%s", why);
		snprintf(why, len, "loading the extension: %s", reason);
		goto out;
	}
	link = bpf_program__attach_freplace(ext->progs.probe_ext, target_fd,
					    "probe_hook");
	err = (int)libbpf_get_error(link);
	if (err) {
		link = NULL;
		err = why_errno(why, len, err, "attaching the extension");
		goto out;
	}
	err = test_run(target_fd, &retval, why, len);
	if (!err && retval != XDP_DROP) {
		snprintf(why, len, "the extension attached but did not run");
		err = -EOPNOTSUPP;
	}
out:
	bpf_link__destroy(link);
	fp_probe__destroy(ext);
	fp_probe__destroy(target);
	return err;
}

int fp_probe_live_frames(int ifindex, char *why, size_t len)
{
	struct xdp_md ctx = {
		.data_end = sizeof(probe_frame),
		.ingress_ifindex = (uint32_t)ifindex,
	};
	LIBBPF_OPTS(bpf_test_run_opts, opts,
		    .data_in = probe_frame,
		    .data_size_in = sizeof(probe_frame),
		    .ctx_in = &ctx,
		    .ctx_size_in = sizeof(ctx),
		    .repeat = 1,
		    .flags = BPF_F_TEST_XDP_LIVE_FRAMES);
	struct fp_probe *skel = probe_open(why, len);
	int err;

	if (!skel)
		return -errno;
	bpf_program__set_autoload(skel->progs.probe_drop, true);
	err = probe_load(skel, why, len);
	if (err)
		goto out;
	err = bpf_prog_test_run_opts(bpf_program__fd(skel->progs.probe_drop),
				     &opts);
	if (err)
		err = why_errno(why, len, -errno,
				"BPF_PROG_TEST_RUN with live frames");
out:
	fp_probe__destroy(skel);
	return err;
}

int fp_probe_xdp_attach(int ifindex, bool native, char *why, size_t len)
{
	LIBBPF_OPTS(bpf_link_create_opts, lo,
		    .flags = native ? XDP_FLAGS_DRV_MODE : XDP_FLAGS_SKB_MODE);
	struct fp_probe *skel = probe_open(why, len);
	int err, fd;

	if (!skel)
		return -errno;
	bpf_program__set_autoload(skel->progs.probe_pass, true);
	err = probe_load(skel, why, len);
	if (err)
		goto out;
	fd = bpf_link_create(bpf_program__fd(skel->progs.probe_pass), ifindex,
			     BPF_XDP, &lo);
	if (fd < 0) {
		err = -errno;
		if (err == -EOPNOTSUPP && native)
			snprintf(why, len, "the driver has no native XDP");
		else if (err == -EEXIST)
			snprintf(why, len, "blocked by an XDP program on an upper device (bridge, bond)");
		else if (err == -EBUSY)
			snprintf(why, len, "another XDP program was attached meanwhile");
		else
			why_errno(why, len, err, "attach");
		goto out;
	}
	/* Detach explicitly: the interface is back as it was on return. */
	bpf_link_detach(fd);
	close(fd);
out:
	fp_probe__destroy(skel);
	return err;
}
