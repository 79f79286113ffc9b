/* SPDX-License-Identifier: MIT */
/*
 * ctl.h - the control socket of a running daemon: `tapgate policy` and
 * `tapgate status` talk to it.
 */
#ifndef TAPGATE_CTL_H
#define TAPGATE_CTL_H

#include <stddef.h>
#include <sys/types.h>
#include <stdint.h>

#define CTL_DIR	      "/run/tapgate"
#define CTL_NAME_MAX  256
#define CTL_BODY_MAX  (1u << 20) /* a policy file's limit */
#define CTL_REPLY_MAX 1024

/* Runs one request; writes its one-line reply ("ok ..." / "error ...",
 * ending in a newline) into @reply. */
typedef void (*ctl_fn)(const char *cmd, const char *name, const char *body, size_t len, char *reply,
		       size_t rlen);

int ctl_path(const char *dev, char *out, size_t len);
int ctl_open(const char *dev, ctl_fn fn);
void ctl_close(void);
int ctl_hand_over(uid_t uid, gid_t gid);
void ctl_run_timers(uint64_t now_ms);
int ctl_timeout_ms(uint64_t now_ms);
int ctl_request(const char *dev, const char *cmd, const char *name, const char *body, size_t len,
		char *reply, size_t rlen);

#endif
