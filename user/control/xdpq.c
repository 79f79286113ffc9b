// SPDX-License-Identifier: MIT
/*
 * xdpq.c - which XDP program a device runs (xdpq.h).
 *
 * libbpf's bpf_xdp_query() dumps every link of the namespace (RTM_GETLINK
 * with NLM_F_DUMP) and keeps one: on a host with 1000 sandboxes, 2000
 * veths, that is thousands of messages and tens of milliseconds per call,
 * and a start made three such calls (issue 13's ready time grew with the
 * number of devices). Here the request names the device (ifi_index, no
 * dump, no statistics): one message back, whatever the host has.
 *
 * The answer is bounds-checked with NLMSG_OK/RTA_OK before it is read and
 * taken only from the kernel (port 0) with our sequence number.
 */
#include <errno.h>
#include <stdbool.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "control/xdpq.h"

#define BUF_SIZE 16384 /* one link message without statistics is ~1-2 KiB */

struct req {
	struct nlmsghdr nh;
	struct ifinfomsg ifi;
	struct rtattr ext_hdr;
	__u32 ext_mask;
};

/* The IFLA_XDP attributes nested in @rta into @out. */
static void parse_xdp(const struct rtattr *rta, struct xdpq *out)
{
	int len = (int)RTA_PAYLOAD(rta);

	for (rta = RTA_DATA(rta); RTA_OK(rta, len); rta = RTA_NEXT(rta, len)) {
		size_t n = RTA_PAYLOAD(rta);

		if (rta->rta_type == IFLA_XDP_ATTACHED && n >= 1)
			out->attached = *(const __u8 *)RTA_DATA(rta);
		else if (n < sizeof(__u32))
			continue;
		else if (rta->rta_type == IFLA_XDP_PROG_ID)
			memcpy(&out->prog_id, RTA_DATA(rta), 4);
		else if (rta->rta_type == IFLA_XDP_DRV_PROG_ID)
			memcpy(&out->drv_id, RTA_DATA(rta), 4);
		else if (rta->rta_type == IFLA_XDP_SKB_PROG_ID)
			memcpy(&out->skb_id, RTA_DATA(rta), 4);
	}
}

/* NLMSG_OK() on a remainder kept signed for NLMSG_NEXT() (which can take
 * it below zero): clang sees the macro compare __u32 with int. */
static bool msg_ok(const struct nlmsghdr *nh, int left)
{
	return left >= 0 && NLMSG_OK(nh, (unsigned int)left);
}

/**
 * xdpq_parse() - Read the kernel's answer to an RTM_GETLINK for one device
 * @buf:     what recv() returned
 * @len:     its length
 * @seq:     the request's sequence number
 * @ifindex: the device asked about
 * @out:     set from its IFLA_XDP attributes (zeroed first)
 *
 * Return: 0, a negative errno the kernel answered (e.g. -ENODEV), or
 * -EPROTO for an answer that is not the link asked about
 */
int xdpq_parse(const void *buf, size_t len, __u32 seq, int ifindex, struct xdpq *out)
{
	int left = len > BUF_SIZE ? BUF_SIZE : (int)len;

	memset(out, 0, sizeof(*out));
	for (const struct nlmsghdr *nh = buf; msg_ok(nh, left); nh = NLMSG_NEXT(nh, left)) {
		const struct ifinfomsg *ifi = NLMSG_DATA(nh);
		const struct rtattr *rta;
		int alen;

		if (nh->nlmsg_seq != seq)
			continue;
		if (nh->nlmsg_type == NLMSG_ERROR) {
			const struct nlmsgerr *e = NLMSG_DATA(nh);

			if (nh->nlmsg_len < NLMSG_LENGTH(sizeof(*e)))
				return -EPROTO;
			return e->error < 0 ? e->error : -EPROTO;
		}
		if (nh->nlmsg_type != RTM_NEWLINK || nh->nlmsg_len < NLMSG_LENGTH(sizeof(*ifi)) ||
		    ifi->ifi_index != ifindex)
			continue;
		alen = (int)(nh->nlmsg_len - NLMSG_LENGTH(sizeof(*ifi)));
		for (rta = IFLA_RTA(ifi); RTA_OK(rta, alen); rta = RTA_NEXT(rta, alen))
			if (rta->rta_type == (IFLA_XDP | NLA_F_NESTED) || rta->rta_type == IFLA_XDP)
				parse_xdp(rta, out);
		return 0;
	}
	return -EPROTO;
}

/**
 * xdpq_query() - Which XDP program the device @ifindex runs, in each mode
 * @ifindex: the device, in the caller's network namespace
 * @out:     the answer
 *
 * Return: 0 or a negative errno (-ENODEV: no such device)
 */
int xdpq_query(int ifindex, struct xdpq *out)
{
	static __u32 seq;
	struct req r = {
		.nh = { .nlmsg_len = sizeof(r),
			.nlmsg_type = RTM_GETLINK,
			.nlmsg_flags = NLM_F_REQUEST,
			.nlmsg_seq = ++seq },
		.ifi = { .ifi_family = AF_UNSPEC, .ifi_index = ifindex },
		.ext_hdr = { .rta_len = RTA_LENGTH(sizeof(__u32)), .rta_type = IFLA_EXT_MASK },
		.ext_mask = RTEXT_FILTER_SKIP_STATS,
	};
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	struct timeval tmo = { .tv_sec = 2 };
	char buf[BUF_SIZE];
	int fd, err;

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (fd < 0)
		return -errno;
	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tmo, sizeof(tmo)) ||
	    sendto(fd, &r, sizeof(r), 0, (struct sockaddr *)&kernel, sizeof(kernel)) < 0) {
		err = -errno;
		close(fd);
		return err;
	}
	for (;;) {
		socklen_t alen = sizeof(kernel);
		ssize_t n = recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&kernel, &alen);

		if (n < 0) {
			err = errno == EAGAIN ? -ETIMEDOUT : -errno;
			break;
		}
		if (kernel.nl_pid)
			continue; /* not the kernel */
		err = xdpq_parse(buf, (size_t)n, seq, ifindex, out);
		if (err != -EPROTO)
			break; /* else not our answer: read on, until the timeout */
	}
	close(fd);
	return err;
}

/**
 * xdpq_id() - The program attached in the mode of @xdp_flags
 * @q:         an answer of xdpq_query()
 * @xdp_flags: XDP_FLAGS_DRV_MODE, XDP_FLAGS_SKB_MODE, or 0 for whichever
 *             one mode is attached (as bpf_xdp_query_id() reads them)
 *
 * Return: the program id, 0 for none
 */
__u32 xdpq_id(const struct xdpq *q, __u32 xdp_flags)
{
	if (xdp_flags & XDP_FLAGS_DRV_MODE)
		return q->drv_id;
	if (xdp_flags & XDP_FLAGS_SKB_MODE)
		return q->skb_id;
	return q->prog_id;
}
