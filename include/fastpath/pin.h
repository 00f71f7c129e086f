/* SPDX-License-Identifier: MIT */
/*
 * Pinning maps in bpffs, for tools that expose their live state to other
 * processes (`bpftool map dump pinned ...`, later `fastpath stats`).
 *
 * fastpath never pins programs or links: a link must die with its process
 * (fail-safe).  Pinned maps are removed again when their owner exits, so
 * nothing is left behind unless the user keeps a reference.
 */
#ifndef FASTPATH_PIN_H
#define FASTPATH_PIN_H

struct bpf_map;

/*
 * Check that @dir is (or would be created) inside a mounted bpffs: the
 * nearest existing ancestor must be on a bpf filesystem.  Prints one line
 * saying how to mount bpffs otherwise.
 */
int fp_pin_check_dir(const char *dir);

struct fp_pins {
	char dir[256];
	int n_made;		/* directories we created, deepest last */
	char made[8][256];
	int n;
	char paths[4][320];
};

/* Pin @map as DIR/@name (creating DIR); record it in @pins. */
int fp_pin_map(struct fp_pins *pins, const char *dir, struct bpf_map *map,
	       const char *name);
/* Remove every pin recorded in @pins (and DIR if we created it). */
void fp_pins_remove(struct fp_pins *pins);

#endif
