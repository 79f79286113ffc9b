// SPDX-License-Identifier: MIT
/*
 * adopt.c - `tapgate run --adopt`: serve a device whose program an
 * operator loaded, pinned and attached with bpftool (README, "Loaded by
 * bpftool"). Everything is checked before anything is written: the pinned
 * program is attached to the device, it is this tapgate's ABI, and every
 * map is pinned. Then the daemon fills the config map and binds its
 * sockets as usual; on exit it takes only its sockets away (closing them
 * empties the XSKMAP), so the program stays and drops every frame until a
 * daemon adopts it again.
 */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <limits.h>
#include <linux/if_link.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "control/adopt.h"
#include "control/loader.h"
#include "control/log.h"
#include "control/xdpq.h"
#include "steer.h"

static int pinned(struct loader *ld, const char *name, char *path, size_t len)
{
	loader_pin_path(ld->dev, name, path, len);
	return bpf_obj_get(path);
}

static int check_attached(struct loader *ld, const char *path)
{
	struct bpf_prog_info info = { 0 };
	__u32 len = sizeof(info), id = 0;
	struct xdpq q;
	int err;

	ld->prog_fd = pinned(ld, TG_PROG_NAME, (char[PATH_MAX]){ 0 }, PATH_MAX);
	if (ld->prog_fd < 0) {
		log_err("%s: --adopt: no program pinned at %s; load it first: bpftool prog loadall "
			"steer.bpf.o %s pinmaps %s (README, \"Loaded by bpftool\")",
			ld->dev, path, ld->pin_dir, ld->pin_dir);
		return -ENOENT;
	}
	err = bpf_obj_get_info_by_fd(ld->prog_fd, &info, &len) ? -errno : 0;
	if (!err)
		err = xdpq_query(ld->ifindex, &q);
	if (!err)
		id = xdpq_id(&q, 0);
	if (!err && (!id || id != info.id)) {
		log_err("%s: --adopt: the program pinned at %s (id %u) is not the one attached to "
			"%s (id %u); attach it: bpftool net attach xdp pinned %s dev %s",
			ld->dev, path, info.id, ld->dev, id, path, ld->dev);
		return -ENOENT;
	}
	return err;
}

/* The program's .rodata (tg_abi) and .bss (tg_rx_max, tg_pol_gen) maps,
 * found through the program itself: their pin names depend on the file
 * name bpftool loaded. */
static int internal_map(struct loader *ld, const char *suffix, struct bpf_map_info *mi)
{
	__u32 ids[16], n = 16, len = sizeof(struct bpf_prog_info);
	struct bpf_prog_info info = { .nr_map_ids = n, .map_ids = (__u64)(unsigned long)ids };

	if (bpf_obj_get_info_by_fd(ld->prog_fd, &info, &len))
		return -errno;
	for (__u32 i = 0; i < info.nr_map_ids && i < n; i++) {
		int fd = bpf_map_get_fd_by_id(ids[i]);
		__u32 mlen = sizeof(*mi);
		size_t nl, sl = strlen(suffix);

		memset(mi, 0, sizeof(*mi));
		if (fd < 0)
			continue;
		if (!bpf_obj_get_info_by_fd(fd, mi, &mlen) && (nl = strlen(mi->name)) >= sl &&
		    !strcmp(mi->name + nl - sl, suffix))
			return fd;
		close(fd);
	}
	return -ENOENT;
}

static int check_abi(struct loader *ld)
{
	struct bpf_map_info mi;
	int fd = internal_map(ld, ".rodata", &mi);
	__u32 zero = 0, abi = 0;
	uint8_t *v;

	if (fd < 0) {
		log_err("%s: --adopt: the pinned program has no .rodata: not a tapgate object",
			ld->dev);
		return -ENOENT;
	}
	v = calloc(1, mi.value_size > 4 ? mi.value_size : 4);
	if (v && !bpf_map_lookup_elem(fd, &zero, v))
		memcpy(&abi, v, sizeof(abi)); /* tg_abi is the object's only rodata */
	free(v);
	close(fd);
	if (abi != TG_ABI) {
		log_err("%s: --adopt: the attached object speaks ABI %u, this tapgate ABI %u: load "
			"the steer.bpf.o that came with this tapgate (make install puts it in "
			"/usr/local/lib/tapgate/)",
			ld->dev, abi, TG_ABI);
		return -EPROTO;
	}
	return 0;
}

static int map_bss(struct loader *ld)
{
	struct bpf_map_info mi;
	int fd = internal_map(ld, ".bss", &mi);
	void *p;

	if (fd < 0)
		return fd;
	ld->bss_len = ((size_t)mi.value_size + 4095) & ~(size_t)4095;
	p = mmap(NULL, ld->bss_len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (p == MAP_FAILED)
		return -errno;
	ld->bss = p;
	return 0;
}

static int open_maps(struct loader *ld)
{
	char path[PATH_MAX];
	const char *name;

	for (size_t i = 0; (name = loader_map_name(i)); i++) {
		ld->fds[i] = pinned(ld, name, path, sizeof(path));
		if (ld->fds[i] < 0) {
			log_err("%s: --adopt: map %s is not pinned at %s (bpftool prog loadall ... "
				"pinmaps %s)",
				ld->dev, name, path, ld->pin_dir);
			return -ENOENT;
		}
	}
	return 0;
}

/**
 * adopt_open() - Take over an operator's loaded, pinned, attached program
 * @ld:  state after loader_begin()
 *
 * Return: 0, or a negative errno after a message
 */
int adopt_open(struct loader *ld)
{
	char path[PATH_MAX];
	int err;

	ld->adopted = true;
	loader_pin_path(ld->dev, NULL, ld->pin_dir, sizeof(ld->pin_dir));
	loader_pin_path(ld->dev, TG_PROG_NAME, path, sizeof(path));
	err = check_attached(ld, path);
	if (!err)
		err = check_abi(ld);
	if (!err)
		err = open_maps(ld);
	if (!err)
		err = map_bss(ld);
	if (err == -ENOENT && !ld->bss && ld->fds[0] >= 0)
		log_err("%s: --adopt: the pinned program has no .bss map", ld->dev);
	return err;
}

/* What adopt_open() took; the operator's program, maps and pins stay. */
void adopt_release(struct loader *ld)
{
	if (ld->bss && ld->bss_len)
		munmap(ld->bss, ld->bss_len);
	ld->bss = NULL;
	for (int i = 0; i < LOADER_MAPS; i++) {
		if (ld->fds[i] >= 0)
			close(ld->fds[i]);
		ld->fds[i] = -1;
	}
	if (ld->prog_fd >= 0)
		close(ld->prog_fd);
	ld->prog_fd = -1;
	ld->adopted = false;
}
