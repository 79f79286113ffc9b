/* SPDX-License-Identifier: MIT */
/*
 * udpbatch.h - datagrams of one flow, sent to the host in one syscall.
 */
#ifndef TAPGATE_UDPBATCH_H
#define TAPGATE_UDPBATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define UDPBATCH_MAX_SEGS  64	 /* UDP_MAX_SEGMENTS of older kernels (newer: 128) */
#define UDPBATCH_MAX_BYTES 65507 /* one IPv4 UDP datagram's payload */

struct udpbatch {
	const void *owner; /* the flow; NULL when empty */
	int fd;
	bool df;
	bool closed;  /* the last datagram was shorter: nothing may follow */
	uint16_t seg; /* size of each datagram but the last */
	uint16_t n;
	size_t len;
	uint8_t buf[UDPBATCH_MAX_BYTES];
};

bool udpbatch_fits(const struct udpbatch *b, const void *owner, bool df, size_t len);
void udpbatch_add(struct udpbatch *b, const void *owner, int fd, bool df, const void *data,
		  size_t len);
ssize_t udpbatch_send(const struct udpbatch *b);
void udpbatch_clear(struct udpbatch *b);

#endif
