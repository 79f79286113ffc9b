// SPDX-License-Identifier: MIT
/*
 * hostaddr.c - the host's addresses, from the kernel and kept current
 * (hostaddr.h).
 *
 * One NETLINK_ROUTE socket, bound to the IPv4 and IPv6 address groups.
 * hostaddr_open() asks for an address dump (RTM_GETADDR; no link walk) and
 * reads it to its end; from then on the kernel sends every address added
 * or removed, and hostaddr_read() takes them from the event loop without
 * blocking. When the socket overruns (ENOBUFS: events were lost), or the
 * kernel says a dump was cut by changes (NLM_F_DUMP_INTR), the addresses
 * are dumped again, mark and sweep: each dump has a generation, what it
 * reports (or an event adds meanwhile) gets that generation, and at its
 * end whatever is older is gone. Until that end the set only grows, so it
 * never lacks an address the host still has.
 *
 * New entries are appended and sorted in once per batch of datagrams
 * (settle()), so a dump of 10 000 addresses costs one sort, not 10 000
 * insertions.
 *
 * Every message and attribute is bounds-checked with the kernel's
 * NLMSG_OK/RTA_OK before it is read, and only the kernel (sender port 0)
 * is listened to: no local process can take an address out of the set.
 * Event-loop thread only.
 */
#include <errno.h>
#include <limits.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "control/hostaddr.h"
#include "control/log.h"

#define BUF_SIZE     65536     /* a netlink datagram is at most 32 KiB */
#define RCVBUF	     (1 << 20) /* room for a burst of events between two reads */
#define OPEN_WAIT_MS 5000
#define READ_MAX     256 /* datagrams per drain(): then the loop's other sources */

/**
 * hostaddr_init() - An empty set without a socket
 * @h: the set
 */
void hostaddr_init(struct hostaddr *h)
{
	memset(h, 0, sizeof(*h));
	h->fd = -1;
}

/**
 * hostaddr_cmp() - The set's order: family, address, device, prefix length
 * @a: an entry
 * @b: another
 *
 * Return: <0, 0 or >0, as memcmp()
 */
int hostaddr_cmp(const struct hostaddr_entry *a, const struct hostaddr_entry *b)
{
	int r;

	if (a->family != b->family)
		return a->family - b->family;
	r = memcmp(a->addr, b->addr, sizeof(a->addr));
	if (r)
		return r;
	if (a->ifindex != b->ifindex)
		return a->ifindex < b->ifindex ? -1 : 1;
	return a->prefixlen - b->prefixlen;
}

static int key_cmp(const void *a, const void *b)
{
	return hostaddr_cmp(a, b);
}

/* Sort what came since the last settle() in, each key once (with the
 * newest generation); changed when a key is new. */
static void settle(struct hostaddr *h)
{
	size_t n = 0;

	if (h->settled == h->n)
		return;
	qsort(h->a, h->n, sizeof(*h->a), key_cmp);
	for (size_t i = 0; i < h->n; i++) {
		if (n && !hostaddr_cmp(&h->a[n - 1], &h->a[i])) {
			if (h->a[i].gen == h->gen)
				h->a[n - 1].gen = h->gen;
			continue;
		}
		h->a[n++] = h->a[i];
	}
	if (n > h->settled)
		h->changed = true;
	h->n = h->settled = n;
}

static struct hostaddr_entry *find(const struct hostaddr *h, const struct hostaddr_entry *key)
{
	if (!h->settled)
		return NULL; /* h->a may be NULL, which bsearch() must not get */
	return bsearch(key, h->a, h->settled, sizeof(*h->a), key_cmp);
}

static int add(struct hostaddr *h, const struct hostaddr_entry *e)
{
	struct hostaddr_entry *old = find(h, e);

	if (old) {
		old->gen = h->gen;
		return 0;
	}
	if (h->n == h->cap) {
		size_t cap = h->cap ? h->cap * 2 : 64;
		void *p = realloc(h->a, cap * sizeof(*h->a));

		if (!p)
			return -ENOMEM;
		h->a = p;
		h->cap = cap;
	}
	h->a[h->n] = *e;
	h->a[h->n++].gen = h->gen;
	return 0;
}

static void del(struct hostaddr *h, const struct hostaddr_entry *e)
{
	struct hostaddr_entry *old;

	settle(h);
	old = find(h, e);
	if (!old)
		return;
	memmove(old, old + 1, (size_t)(h->a + h->n - (old + 1)) * sizeof(*old));
	h->n--;
	h->settled--;
	h->changed = true;
}

/* The dump is complete: what it did not report is gone. */
static void dump_done(struct hostaddr *h)
{
	size_t n = 0;

	settle(h);
	for (size_t i = 0; i < h->n; i++)
		if (h->a[i].gen == h->gen)
			h->a[n++] = h->a[i];
	if (n != h->n)
		h->changed = true;
	h->n = h->settled = n;
	h->dumping = false;
}

/* An RTM_NEWADDR/RTM_DELADDR's address; -EINVAL when it has none we take. */
static int parse_addr(const struct nlmsghdr *nlh, struct hostaddr_entry *out)
{
	const struct ifaddrmsg *ifa;
	const struct rtattr *rta;
	const void *local = NULL, *address = NULL;
	unsigned int alen;
	int rem;

	if (nlh->nlmsg_len < NLMSG_SPACE(sizeof(*ifa)))
		return -EINVAL;
	ifa = NLMSG_DATA(nlh);
	if (ifa->ifa_family == AF_INET)
		alen = 4;
	else if (ifa->ifa_family == AF_INET6)
		alen = 16;
	else
		return -EINVAL;
	rem = (int)IFA_PAYLOAD(nlh);
	for (rta = IFA_RTA(ifa); RTA_OK(rta, rem); rta = RTA_NEXT(rta, rem)) {
		if (RTA_PAYLOAD(rta) != alen)
			continue;
		if (rta->rta_type == IFA_LOCAL)
			local = RTA_DATA(rta);
		else if (rta->rta_type == IFA_ADDRESS)
			address = RTA_DATA(rta);
	}
	/* IFA_LOCAL is the address itself; IFA_ADDRESS is too, unless the
	 * device is point-to-point, where it is the peer's. */
	if (!local)
		local = address;
	if (!local)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	out->family = alen == 4 ? 4 : 6;
	out->prefixlen = ifa->ifa_prefixlen;
	out->ifindex = ifa->ifa_index;
	memcpy(out->addr, local, alen);
	return 0;
}

/* A dump's NLMSG_ERROR: the negative errno it carries (0 for an ACK). */
static int dump_error(const struct nlmsghdr *nlh)
{
	const struct nlmsgerr *e = NLMSG_DATA(nlh);

	if (nlh->nlmsg_len < NLMSG_LENGTH(sizeof(e->error)))
		return -EPROTO;
	return e->error > 0 || e->error < -4095 ? -EPROTO : e->error;
}

/* NLMSG_OK() on a remainder kept signed for NLMSG_NEXT() (which can take
 * it below zero): clang sees the macro compare __u32 with int. */
static bool msg_ok(const struct nlmsghdr *nlh, int rem)
{
	return rem >= 0 && NLMSG_OK(nlh, (unsigned int)rem);
}

/**
 * hostaddr_parse() - Apply a buffer of netlink messages to the set
 * @h:   the set
 * @buf: what one recv() returned, 4-byte aligned
 * @len: its length
 *
 * RTM_NEWADDR adds, RTM_DELADDR removes; the replies to our dump (our
 * port, our sequence number) end it at NLMSG_DONE. Anything malformed,
 * of another family or type is skipped. Sets @h->changed when the set
 * changed.
 *
 * Return: 0, -ENOMEM, or the error the kernel answered our dump with
 */
int hostaddr_parse(struct hostaddr *h, const void *buf, size_t len)
{
	const struct nlmsghdr *nlh = buf;
	int rem = len > INT_MAX ? INT_MAX : (int)len;
	int err = 0;

	for (; msg_ok(nlh, rem); nlh = NLMSG_NEXT(nlh, rem)) {
		bool ours = h->dumping && nlh->nlmsg_pid == h->portid && nlh->nlmsg_seq == h->seq;
		struct hostaddr_entry e;

		if (ours && (nlh->nlmsg_flags & NLM_F_DUMP_INTR))
			h->redump = true;
		switch (nlh->nlmsg_type) {
		case NLMSG_DONE:
			if (ours)
				dump_done(h);
			break;
		case NLMSG_ERROR:
			if (ours && dump_error(nlh)) {
				h->dumping = false;
				err = err ?: dump_error(nlh);
			}
			break;
		case RTM_NEWADDR:
			if (!parse_addr(nlh, &e))
				err = add(h, &e) ?: err;
			break;
		case RTM_DELADDR:
			if (!parse_addr(nlh, &e))
				del(h, &e);
			break;
		default:
			break;
		}
	}
	settle(h);
	return err;
}

/* Ask the kernel for every address; its replies raise the generation. */
static int dump_start(struct hostaddr *h)
{
	struct {
		struct nlmsghdr nlh;
		struct ifaddrmsg ifa;
	} req = {
		.nlh = { .nlmsg_len = sizeof(req),
			 .nlmsg_type = RTM_GETADDR,
			 .nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP,
			 .nlmsg_seq = h->seq + 1 },
		.ifa = { .ifa_family = AF_UNSPEC },
	};
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };

	if (sendto(h->fd, &req, sizeof(req), 0, (struct sockaddr *)&kernel, sizeof(kernel)) < 0)
		return -errno;
	h->seq++;
	h->gen++;
	h->dumping = true;
	h->redump = false;
	return 0;
}

/* Read what is there (at most READ_MAX datagrams); dump again when events
 * were lost. */
static int drain(struct hostaddr *h)
{
	int err = 0;

	for (int i = 0; i < READ_MAX && !err; i++) {
		struct sockaddr_nl from;
		struct iovec iov = { .iov_base = h->buf, .iov_len = BUF_SIZE };
		struct msghdr msg = {
			.msg_name = &from,
			.msg_namelen = sizeof(from),
			.msg_iov = &iov,
			.msg_iovlen = 1,
		};
		ssize_t n = recvmsg(h->fd, &msg, MSG_DONTWAIT);

		if (n < 0 && errno == EAGAIN)
			break;
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno != ENOBUFS) {
			h->redump = !h->dumping; /* the next drain() starts over */
			return -errno;
		}
		if (n < 0 || (msg.msg_flags & MSG_TRUNC)) {
			h->overruns++;
			h->redump = true;
		} else if (msg.msg_namelen == sizeof(from) && from.nl_pid == 0) {
			err = hostaddr_parse(h, h->buf, (size_t)n);
		}
		if (!err && h->redump && !h->dumping)
			err = dump_start(h);
	}
	return err;
}

/**
 * hostaddr_open() - Open the netlink socket and read the host's addresses
 * @h: the set (need not be initialised)
 *
 * Blocks for the initial dump (at most 5 s without a reply).
 *
 * Return: 0, or a negative errno (then @h is closed)
 */
int hostaddr_open(struct hostaddr *h)
{
	struct sockaddr_nl sa = {
		.nl_family = AF_NETLINK,
		.nl_groups = RTMGRP_IPV4_IFADDR | RTMGRP_IPV6_IFADDR,
	};
	socklen_t salen = sizeof(sa);
	int size = RCVBUF, err = 0;

	hostaddr_init(h);
	h->buf = malloc(BUF_SIZE);
	h->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_ROUTE);
	if (!h->buf)
		err = -ENOMEM;
	else if (h->fd < 0)
		err = -errno;
	if (!err && setsockopt(h->fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)))
		setsockopt(h->fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	if (!err && (bind(h->fd, (struct sockaddr *)&sa, sizeof(sa)) ||
		     getsockname(h->fd, (struct sockaddr *)&sa, &salen)))
		err = -errno;
	if (!err) {
		h->portid = sa.nl_pid;
		err = dump_start(h);
	}
	while (!err && h->dumping) {
		struct pollfd p = { .fd = h->fd, .events = POLLIN };
		int r = poll(&p, 1, OPEN_WAIT_MS);

		if (r == 0)
			err = -ETIMEDOUT;
		else if (r < 0 && errno != EINTR)
			err = -errno;
		else if (r > 0)
			err = drain(h);
	}
	if (err) {
		log_err("cannot read the host's addresses (netlink): %s", strerror(-err));
		hostaddr_close(h);
		return err;
	}
	h->changed = false;
	return 0;
}

/**
 * hostaddr_read() - Take the address events waiting on @h->fd
 * @h: an open set
 *
 * Never blocks. An error is logged here; the set is still as current as
 * what was read.
 *
 * Return: 1 when the set changed since the last call, else 0
 */
int hostaddr_read(struct hostaddr *h)
{
	int err = drain(h);

	if (err)
		log_warn("reading the host's address changes: %s; the set may be stale until "
			 "the next change",
			 strerror(-err));
	if (!h->changed)
		return 0;
	h->changed = false;
	return 1;
}

/**
 * hostaddr_close() - Close the socket and free the set
 * @h: the set (open, initialised or closed)
 */
void hostaddr_close(struct hostaddr *h)
{
	if (h->fd >= 0)
		close(h->fd);
	free(h->a);
	free(h->buf);
	hostaddr_init(h);
}
