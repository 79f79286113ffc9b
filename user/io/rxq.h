/* SPDX-License-Identifier: MIT */
/*
 * rxq.h - how many rx queues a device has, so that umem.c binds an AF_XDP
 * socket to each: the XDP program can redirect a frame only to a socket
 * bound to the queue it arrived on.
 */
#ifndef TAPGATE_RXQ_H
#define TAPGATE_RXQ_H

int rxq_count(const char *ifname);

#endif
