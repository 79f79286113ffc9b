/* SPDX-License-Identifier: MIT */
/*
 * flows.h - `tapgate flows`: the open flows from the pinned flow map.
 */
#ifndef TAPGATE_FLOWS_H
#define TAPGATE_FLOWS_H

#include <stdbool.h>

int flows_print(const char *dev, bool json);

#endif
