// SPDX-License-Identifier: MIT
/*
 * privs.c - drop the capabilities tapgate no longer needs once it serves.
 *
 * Plain capset(2) and prctl(2), not libcap-ng: three capabilities kept and
 * every other dropped is a dozen lines, and the daemon links nothing more.
 * Kept, each for what it does after the drop:
 *   CAP_NET_ADMIN        detach the XDP program at exit (a netlink request
 *                        the kernel checks; under libxdp's dispatcher the
 *                        detach looks programs up by id, and CAP_SYS_ADMIN
 *                        is kept too, with a note in the log)
 *   CAP_BPF              every bpf(2) call: map updates (the flow listing,
 *                        a policy reload, the config flag of published
 *                        ports) when unprivileged BPF is disabled, as
 *                        Debian's kernels have it
 *   CAP_NET_BIND_SERVICE `tapgate publish` of a host port below 1024
 * Everything else goes from the effective, permitted and inheritable sets
 * and from the bounding set, and no_new_privs is set, so nothing the
 * process could exec gets any back. What needs more was done before: the
 * program loaded and attached, the pins made, the raw ICMP sockets
 * opened (CAP_NET_RAW), the descriptor limit raised (CAP_SYS_RESOURCE).
 * With --user NAME it also becomes that user and its group (setresgid,
 * setgroups, setresuid with PR_SET_KEEPCAPS, so the three survive):
 * before that, loader_hand_over() and ctl_hand_over() gave the user what it
 * removes at exit (its pin directory, lock file and control socket, in
 * directories its group may write, sticky). Without --user it stays uid 0
 * and those stay root's.
 */
#include <errno.h>
#include <grp.h>
#include <stdbool.h>
#include <linux/capability.h>
#include <stdint.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "control/log.h"
#include "control/privs.h"

#define KEEP ((1ull << CAP_NET_ADMIN) | (1ull << CAP_BPF) | (1ull << CAP_NET_BIND_SERVICE))

static uint64_t keep_caps = KEEP;

static int set_caps(uint64_t keep)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct d[2] = { 0 };

	d[0].effective = d[0].permitted = (uint32_t)keep;
	d[1].effective = d[1].permitted = (uint32_t)(keep >> 32);
	return syscall(SYS_capset, &h, d) ? -errno : 0;
}

/**
 * privs_drop() - Keep only the capabilities named above
 * @sys_admin: keep CAP_SYS_ADMIN too (the detach needs it)
 * @uid:       the user to become (--user), or 0 to stay root
 * @gid:       its group
 *
 * Called once, after setup, before the daemon says it is ready.
 *
 * Return: 0, or a negative errno (the caller stops: a daemon that cannot
 * give up its privileges must not serve)
 */
/* setresgid, setgroups and setresuid to @uid/@gid, the permitted set kept. */
static int become(uid_t uid, gid_t gid)
{
	int err = 0;

	if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) || setgroups(1, &gid) || setresgid(gid, gid, gid) ||
	    setresuid(uid, uid, uid))
		err = -errno;
	if (err)
		log_err("cannot become uid %u gid %u: %s", (unsigned int)uid, (unsigned int)gid,
			strerror(-err));
	return err;
}

int privs_drop(bool sys_admin, uid_t uid, gid_t gid)
{
	int err;

	if (sys_admin) {
		keep_caps |= 1ull << CAP_SYS_ADMIN;
		log_info("libxdp's dispatcher holds the program: cap_sys_admin is kept to "
			 "detach it at exit");
	}
	for (unsigned long cap = 0; cap <= CAP_LAST_CAP; cap++)
		if (!(keep_caps & (1ull << cap)) && prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) &&
		    errno != EINVAL) {
			err = -errno;
			log_err("cannot drop capability %lu from the bounding set: %s", cap,
				strerror(-err));
			return err;
		}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)) {
		err = -errno;
		log_err("cannot set no_new_privs: %s", strerror(-err));
		return err;
	}
	if (uid && (err = become(uid, gid)))
		return err;
	err = set_caps(keep_caps);
	if (err)
		log_err("cannot drop capabilities: %s", strerror(-err));
	return err;
}
