/* SPDX-License-Identifier: MIT */
/*
 * adopt.h - serve a device whose program an operator loaded with bpftool.
 */
#ifndef TAPGATE_ADOPT_H
#define TAPGATE_ADOPT_H

struct loader;

int adopt_open(struct loader *ld);
void adopt_release(struct loader *ld);

#endif
