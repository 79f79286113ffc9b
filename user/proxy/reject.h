/* SPDX-License-Identifier: MIT */
/*
 * reject.h - ICMP "administratively prohibited" for denied datagrams.
 */
#ifndef TAPGATE_REJECT_H
#define TAPGATE_REJECT_H

struct route;
struct slot;
struct tg_ustats;

int reject_denied(const struct slot *s, const struct route *rt, int verdict, struct tg_ustats *st);

#endif
