/* SPDX-License-Identifier: MIT */
/*
 * hostroute.h - whether the host has a route for a family at all, asked of
 * the kernel's routing table and kept for a few seconds: a guest whose
 * host cannot reach IPv6 gets empty AAAA answers (--dns-aaaa auto), so it
 * never tries an address that would fail.
 */
#ifndef TAPGATE_HOSTROUTE_H
#define TAPGATE_HOSTROUTE_H

#include <stdbool.h>
#include <stdint.h>

bool hostroute_reaches(int family, uint64_t now_ms);

#endif
