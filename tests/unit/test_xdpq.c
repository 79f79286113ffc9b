// SPDX-License-Identifier: MIT
/*
 * test_xdpq.c - the one-device XDP query (user/control/xdpq.c): against
 * the kernel, in a network namespace of its own, "lo" with nothing
 * attached, then with a two-instruction XDP program attached in generic
 * mode (the ids the kernel reports, as libbpf's bpf_xdp_query_id() reads
 * them); a device that does not exist; and answers built here: an error,
 * another device's link, truncated messages and attributes.
 */
#include <errno.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <sched.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "check.h"
#include "control/xdpq.h"

static uint32_t buf[4096 / 4];

static void nothing_attached(void)
{
	struct xdpq q = { .prog_id = 7 };

	CHECK_EQ(xdpq_query((int)if_nametoindex("lo"), &q), 0);
	CHECK_EQ(q.attached, XDP_ATTACHED_NONE);
	CHECK_EQ(q.prog_id, 0u);
	CHECK_EQ(xdpq_id(&q, XDP_FLAGS_SKB_MODE), 0u);
}

static void generic_mode_program(void)
{
	struct bpf_insn prog[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = XDP_PASS },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	int ifindex = (int)if_nametoindex("lo");
	int fd = bpf_prog_load(BPF_PROG_TYPE_XDP, "xdpq_test", "GPL", prog, 2, NULL);
	struct bpf_prog_info info = { 0 };
	__u32 len = sizeof(info), id = 0;
	struct xdpq q;

	CHECK(fd >= 0);
	if (fd < 0)
		return;
	CHECK_EQ(bpf_obj_get_info_by_fd(fd, &info, &len), 0);
	CHECK_EQ(bpf_xdp_attach(ifindex, fd, XDP_FLAGS_SKB_MODE, NULL), 0);
	CHECK_EQ(xdpq_query(ifindex, &q), 0);
	CHECK_EQ(q.attached, XDP_ATTACHED_SKB);
	CHECK_EQ(q.prog_id, info.id);
	CHECK_EQ(xdpq_id(&q, XDP_FLAGS_SKB_MODE), info.id);
	CHECK_EQ(xdpq_id(&q, XDP_FLAGS_DRV_MODE), 0u);
	CHECK_EQ(xdpq_id(&q, 0), info.id);
	CHECK_EQ(bpf_xdp_query_id(ifindex, XDP_FLAGS_SKB_MODE, &id), 0);
	CHECK_EQ(id, info.id); /* libbpf's answer, from its link dump */
	CHECK_EQ(bpf_xdp_detach(ifindex, XDP_FLAGS_SKB_MODE, NULL), 0);
	CHECK_EQ(xdpq_query(ifindex, &q), 0);
	CHECK_EQ(q.attached, XDP_ATTACHED_NONE);
}

static void no_such_device(void)
{
	struct xdpq q;

	CHECK_EQ(xdpq_query(0x7ffffff0, &q), -ENODEV);
}

/* An RTM_NEWLINK for @ifindex with one IFLA_XDP holding @xdp_len bytes of
 * attributes (ATTACHED then PROG_ID), at the start of buf. */
static size_t link_msg(uint32_t seq, int ifindex, uint16_t xdp_len)
{
	struct nlmsghdr *nh = (struct nlmsghdr *)buf;
	struct ifinfomsg *ifi = NLMSG_DATA(nh);
	struct rtattr *xdp = IFLA_RTA(ifi), *a;
	__u32 id = 42;

	memset(buf, 0, sizeof(buf));
	ifi->ifi_index = ifindex;
	xdp->rta_type = IFLA_XDP;
	a = RTA_DATA(xdp);
	a->rta_type = IFLA_XDP_ATTACHED;
	a->rta_len = RTA_LENGTH(1);
	*(__u8 *)RTA_DATA(a) = XDP_ATTACHED_DRV;
	a = (struct rtattr *)((char *)a + RTA_ALIGN(a->rta_len));
	a->rta_type = IFLA_XDP_PROG_ID;
	a->rta_len = RTA_LENGTH(4);
	memcpy(RTA_DATA(a), &id, 4);
	xdp->rta_len = (unsigned short)RTA_LENGTH(xdp_len);
	nh->nlmsg_type = RTM_NEWLINK;
	nh->nlmsg_seq = seq;
	nh->nlmsg_len = NLMSG_LENGTH(sizeof(*ifi)) + RTA_ALIGN(xdp->rta_len);
	return nh->nlmsg_len;
}

static void built_answers(void)
{
	struct nlmsghdr *nh = (struct nlmsghdr *)buf;
	struct nlmsgerr *e = NLMSG_DATA(nh);
	size_t n = link_msg(5, 3, 16);
	struct xdpq q;

	CHECK_EQ(xdpq_parse(buf, n, 5, 3, &q), 0);
	CHECK_EQ(q.attached, XDP_ATTACHED_DRV);
	CHECK_EQ(q.prog_id, 42u);
	CHECK_EQ(xdpq_parse(buf, n, 6, 3, &q), -EPROTO);     /* another request's */
	CHECK_EQ(xdpq_parse(buf, n, 5, 4, &q), -EPROTO);     /* another device */
	CHECK_EQ(xdpq_parse(buf, n - 1, 5, 3, &q), -EPROTO); /* cut message */
	CHECK_EQ(xdpq_parse(buf, 3, 5, 3, &q), -EPROTO);
	n = link_msg(5, 3, 10); /* PROG_ID cut to 2 bytes: not read */
	CHECK_EQ(xdpq_parse(buf, n, 5, 3, &q), 0);
	CHECK_EQ(q.attached, XDP_ATTACHED_DRV);
	CHECK_EQ(q.prog_id, 0u);
	link_msg(5, 3, 400); /* IFLA_XDP claims more than its message holds */
	nh->nlmsg_len = NLMSG_LENGTH(sizeof(struct ifinfomsg)) + 24;
	CHECK_EQ(xdpq_parse(buf, sizeof(buf), 5, 3, &q), 0);
	CHECK_EQ(q.attached, XDP_ATTACHED_NONE);
	CHECK_EQ(q.prog_id, 0u);
	memset(buf, 0, sizeof(buf));
	nh->nlmsg_type = NLMSG_ERROR;
	nh->nlmsg_seq = 9;
	nh->nlmsg_len = NLMSG_LENGTH(sizeof(*e));
	e->error = -ENODEV;
	CHECK_EQ(xdpq_parse(buf, nh->nlmsg_len, 9, 3, &q), -ENODEV);
	nh->nlmsg_len = NLMSG_LENGTH(2); /* too short to hold the error */
	CHECK_EQ(xdpq_parse(buf, nh->nlmsg_len, 9, 3, &q), -EPROTO);
}

int main(void)
{
	if (unshare(CLONE_NEWNET)) {
		perror("unshare(CLONE_NEWNET): run as root");
		return 1;
	}
	RUN(nothing_attached);
	RUN(generic_mode_program);
	RUN(no_such_device);
	RUN(built_answers);
	return check_summary();
}
