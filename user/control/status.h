/* SPDX-License-Identifier: MIT */
/*
 * status.h - `tapgate status`: the daemons on this host, through their
 * control sockets.
 */
#ifndef TAPGATE_STATUS_H
#define TAPGATE_STATUS_H

#include <stdbool.h>

int status_print(const char *dev, bool json);

#endif
