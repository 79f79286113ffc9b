/* SPDX-License-Identifier: MIT */
/*
 * loader.h - put the XDP program on a device and take it off again: the
 * libbpf skeleton (bpftool gen skeleton), maps pinned under
 * TG_PIN_ROOT/<dev>/, attach with libxdp, one daemon per device (a lock
 * file), and recovery from a daemon that died attached.
 */
#ifndef TAPGATE_LOADER_H
#define TAPGATE_LOADER_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "control/config.h"
#include "steer.h"
#include "ustats.h"

struct config;
struct steer_bpf;
struct xdp_program;

#define LOADER_MAPS 11 /* the maps an adopted object's pins must hold */

struct loader {
	struct steer_bpf *skel; /* NULL when adopted */
	bool adopted;		/* an operator loaded, pinned and attached it */
	int fds[LOADER_MAPS];	/* adopted: the pinned maps, in map_names[] order */
	int prog_fd;		/* adopted: the pinned program */
	void *bss;		/* the program's .bss (tg_rx_max, tg_pol_gen), mmapped */
	size_t bss_len;		/* adopted: the mmap's length */
	struct xdp_program *prog;
	int ifindex;
	int lock_fd;
	int bpffs_fd; /* the bpffs holding the pins (O_PATH), for unpinning */
	int root_fd;  /* its tapgate/ and tapgate/DEV/ (O_PATH): unpinning */
	int dir_fd;   /* after --user needs no path lookup through /sys/fs/bpf */
	bool pinned;
	bool attached;
	bool plain;		  /* attached without libxdp's dispatcher (loader.c) */
	int mode;		  /* enum xdp_attach_mode once attached */
	struct tg_ustats *ustats; /* mmap of TG_MAP_USTATS */
	uint64_t *phits;	  /* mmap of TG_MAP_PHITS */
	char dev[16];
	char pin_dir[PATH_MAX];
};

int loader_open(struct loader *ld, const struct config *cfg);
int loader_adopt(struct loader *ld, const struct config *cfg);
int loader_attach(struct loader *ld, enum xdp_choice want, bool sg);
int loader_hand_over(struct loader *ld, uid_t uid, gid_t gid);
void loader_close(struct loader *ld);
int loader_set_inbound(struct loader *ld, bool on);
bool loader_needs_sys_admin(const struct loader *ld);
int loader_map_fd(struct loader *ld, const char *which);
const char *loader_map_name(size_t i);
void loader_set_rx_max(struct loader *ld, uint32_t max);
volatile uint32_t *loader_pol_gen(struct loader *ld);
uint32_t loader_prog_id(struct loader *ld);
const char *loader_mode_name(const struct loader *ld);
int loader_detach_dev(const char *dev);
int loader_pin_path(const char *dev, const char *map, char *buf, size_t len);
int loader_ensure_bpffs(void);
const char *loader_pin_root(void);

#endif
