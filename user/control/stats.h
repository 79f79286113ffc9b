/* SPDX-License-Identifier: MIT */
/*
 * stats.h - `tapgate stats IFNAME [--json]`: read the pinned counters of a
 * running daemon (XDP verdicts and the daemon's own) and print them.
 */
#ifndef TAPGATE_STATS_H
#define TAPGATE_STATS_H

#include <stdbool.h>

enum stats_format { STATS_TEXT, STATS_JSON, STATS_PROMETHEUS };

int stats_print(const char *dev, enum stats_format fmt);

#endif
