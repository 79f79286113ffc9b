/* SPDX-License-Identifier: MIT */
/*
 * scfilter.h - the seccomp filter of a serving tapgate (see scfilter.c).
 */
#ifndef TAPGATE_SCFILTER_H
#define TAPGATE_SCFILTER_H

#include <stdbool.h>

enum scfilter_mode {
	SCFILTER_ON = 0, /* a call off the list ends the process, saying which */
	SCFILTER_LOG,	 /* a call off the list is let through and logged by the kernel */
	SCFILTER_OFF,
};

int scfilter_parse_mode(const char *arg, enum scfilter_mode *out);
int scfilter_install(enum scfilter_mode mode, bool by_id, int raw_fd);
unsigned int scfilter_count(void);

#endif
