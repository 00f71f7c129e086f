// SPDX-License-Identifier: MIT
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <bpf/libbpf.h>
#include <linux/magic.h>

#include "fastpath/log.h"
#include "fastpath/pin.h"

int fp_pin_check_dir(const char *dir)
{
	char path[PATH_MAX];
	struct statfs st;
	char *slash;

	if (!dir || dir[0] != '/' || strlen(dir) >= 256) {
		fp_err("pin directory '%s' must be an absolute path under a bpffs mount (e.g. /sys/fs/bpf/fastpath)",
		       dir ? dir : "");
		return -EINVAL;
	}
	snprintf(path, sizeof(path), "%s", dir);
	/* Walk up to the nearest directory that exists. */
	while (statfs(path, &st)) {
		if (errno != ENOENT || !(slash = strrchr(path, '/')) ||
		    slash == path) {
			strcpy(path, "/");
			if (statfs(path, &st))
				return -errno;
			break;
		}
		*slash = '\0';
	}
	if ((unsigned long)st.f_type != BPF_FS_MAGIC) {
		fp_err("%s is not on a bpf filesystem (bpffs not mounted?); mount it with 'mount -t bpf bpf /sys/fs/bpf' (inside 'ip netns exec' too)",
		       dir);
		return -ENOENT;
	}
	return 0;
}

/* mkdir -p, remembering what we made so that removal undoes exactly it. */
static int make_dirs(struct fp_pins *pins, const char *dir)
{
	char path[256];
	size_t i;

	snprintf(path, sizeof(path), "%s", dir);
	for (i = 1; i <= strlen(dir); i++) {
		if (path[i] != '/' && path[i] != '\0')
			continue;
		path[i] = '\0';
		if (mkdir(path, 0700) == 0) {
			if (pins->n_made >= (int)(sizeof(pins->made) / sizeof(pins->made[0])))
				return -E2BIG;
			snprintf(pins->made[pins->n_made++], sizeof(pins->made[0]),
				 "%s", path);
		} else if (errno != EEXIST) {
			return -errno;
		}
		path[i] = dir[i];
	}
	return 0;
}

int fp_pin_map(struct fp_pins *pins, const char *dir, struct bpf_map *map,
	       const char *name)
{
	char *path;
	int err;

	if (pins->n >= (int)(sizeof(pins->paths) / sizeof(pins->paths[0])))
		return -E2BIG;
	if (!pins->dir[0]) {
		snprintf(pins->dir, sizeof(pins->dir), "%s", dir);
		err = make_dirs(pins, dir);
		if (err) {
			fp_err("cannot create pin directory %s: %s", dir,
			       strerror(-err));
			return err;
		}
	}
	path = pins->paths[pins->n];
	snprintf(path, sizeof(pins->paths[0]), "%s/%s", dir, name);
	err = bpf_map__pin(map, path);
	if (err) {
		fp_err("cannot pin map at %s: %s%s", path, strerror(-err),
		       err == -EEXIST ? "; another process uses that path, pick another --pin directory" : "");
		return err;
	}
	pins->n++;
	return 0;
}

void fp_pins_remove(struct fp_pins *pins)
{
	int i;

	for (i = 0; i < pins->n; i++)
		unlink(pins->paths[i]);
	pins->n = 0;
	while (pins->n_made > 0)
		rmdir(pins->made[--pins->n_made]);
	pins->dir[0] = '\0';
}
