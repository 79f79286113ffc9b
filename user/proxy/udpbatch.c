// SPDX-License-Identifier: MIT
/*
 * udpbatch.c - datagrams of one flow, sent to the host in one syscall.
 *
 * An unlimited UDP stream from the guest cost one send() per datagram:
 * a syscall, a route lookup, an skb and a trip through loopback each, all
 * on tapgate's thread, which then competes for the CPU with the host
 * program that has to read them. Consecutive datagrams of one flow within
 * an rx batch are gathered here and go as one UDP_SEGMENT send: the kernel
 * carries one large skb and cuts it into the original datagrams (same
 * sizes, same order, same boundaries) where it must, at the receiving
 * socket at the latest. UDP_SEGMENT needs every datagram but the last to
 * have the same size, so a longer one, or anything after a shorter one,
 * starts a new batch.
 */
#include <netinet/in.h>
#include <netinet/udp.h>
#include <string.h>
#include <sys/socket.h>

#include "proxy/udpbatch.h"

#ifndef UDP_SEGMENT
#define UDP_SEGMENT 103
#endif

/* Can @len bytes of @owner join the batch? An empty batch takes anything. */
bool udpbatch_fits(const struct udpbatch *b, const void *owner, bool df, size_t len)
{
	if (!b->owner)
		return len <= UDPBATCH_MAX_BYTES;
	return b->owner == owner && b->df == df && !b->closed && len <= b->seg &&
	       b->n < UDPBATCH_MAX_SEGS && b->len + len <= UDPBATCH_MAX_BYTES;
}

/* Append one datagram; the caller checked udpbatch_fits(). */
void udpbatch_add(struct udpbatch *b, const void *owner, int fd, bool df, const void *data,
		  size_t len)
{
	if (!b->owner) {
		b->owner = owner;
		b->fd = fd;
		b->df = df;
		b->seg = (uint16_t)len;
	}
	memcpy(b->buf + b->len, data, len);
	b->len += len;
	b->n++;
	/* A zero-length datagram cannot be a segment either. */
	b->closed = len < b->seg || len == 0;
}

/* One send() for the whole batch; as send(), -1 and errno on failure. */
ssize_t udpbatch_send(const struct udpbatch *b)
{
	union {
		char buf[CMSG_SPACE(sizeof(uint16_t))];
		struct cmsghdr align;
	} u;
	struct iovec iov = { .iov_base = (void *)b->buf, .iov_len = b->len };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct cmsghdr *c;

	if (b->n > 1) {
		memset(&u, 0, sizeof(u));
		m.msg_control = u.buf;
		m.msg_controllen = sizeof(u.buf);
		c = CMSG_FIRSTHDR(&m);
		c->cmsg_level = SOL_UDP;
		c->cmsg_type = UDP_SEGMENT;
		c->cmsg_len = CMSG_LEN(sizeof(uint16_t));
		memcpy(CMSG_DATA(c), &b->seg, sizeof(uint16_t));
	}
	return sendmsg(b->fd, &m, MSG_DONTWAIT);
}

void udpbatch_clear(struct udpbatch *b)
{
	b->owner = NULL;
	b->n = 0;
	b->len = 0;
	b->closed = false;
}
