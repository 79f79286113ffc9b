// SPDX-License-Identifier: MIT
/*
 * test_gso.c - lwIP's segments to the guest joined into super-frames
 * (user/io/gso.c) through the one tx path (user/io/gtx.c): in a network
 * namespace of its own, the packet socket is bound to its loopback device
 * and a second packet socket with a virtio-net header reads what it sent
 * there, as the kernel saw it; single frames go to the capture backend
 * (txcap.h). Checked: four segments of one connection (the last short)
 * leave as one super-frame (GSO TCPv4, the segment size, partial sum, the
 * first sequence number, the last's PSH, lengths and the IPv4 sum right);
 * what cannot join (another connection, a gap, after a short segment or a
 * FIN, a SYN) starts over or goes as a frame; a run of one leaves as the
 * frame lwIP wrote, on the ring; a frame for the ring sends the pending
 * super-frame first (order kept); IPv6 (GSO TCPv6, payload length).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <linux/virtio_net.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "control/config.h"
#include "io/gso.h"
#include "check.h"
#include "txcap.h"

static struct config cfg;
static struct tg_ustats stats;
static int cap_fd = -1;

/* A TCP segment from 10.0.0.1:80 (@sport) to 10.0.0.2:@dport, or over
 * IPv6 (fd00::1 to fd00::2), with @len payload bytes of @fill. */
struct seg {
	uint8_t b[40 + 20 + 2000];
	size_t iphl, len;
};

static void make_seg(struct seg *s, bool v6, uint16_t dport, uint32_t seq, uint8_t flags,
		     size_t len, uint8_t fill)
{
	uint8_t *th;

	memset(s, 0, sizeof(*s));
	s->iphl = v6 ? 40 : 20;
	s->len = len;
	if (v6) {
		s->b[0] = 0x60;
		tb_put16(s->b + 4, (uint16_t)(20 + len));
		s->b[6] = 6;
		s->b[7] = 64;
		s->b[8] = 0xfd;
		s->b[23] = 1;
		s->b[24] = 0xfd;
		s->b[39] = 2;
	} else {
		s->b[0] = 0x45;
		tb_put16(s->b + 2, (uint16_t)(40 + len));
		s->b[8] = 64;
		s->b[9] = 6;
		memcpy(s->b + 12, (uint8_t[8]){ 10, 0, 0, 1, 10, 0, 0, 2 }, 8);
	}
	th = s->b + s->iphl;
	tb_put16(th, 80);
	tb_put16(th + 2, dport);
	tb_put32(th + 4, seq);
	tb_put32(th + 8, 7777);
	th[12] = 5 << 4;
	th[13] = flags;
	tb_put16(th + 14, 4096);
	memset(th + 20, fill, len);
}

/* Offer @s as stack.c does; false when it must go as a frame. */
static bool offer(const struct seg *s)
{
	uint16_t et = s->iphl == 40 ? TG_ETH_P_IPV6 : TG_ETH_P_IP;
	uint8_t *to = gtx_tcp_segment(et, s->b, s->iphl, 20, s->len);

	if (!to)
		return false;
	memcpy(to, s->b + s->iphl + 20, s->len);
	return true;
}

/* The next frame our packet socket sent on lo within @ms, with its
 * virtio-net header (lo's receive of each is skipped). */
static ssize_t captured_within(int ms, struct virtio_net_hdr *vh, uint8_t *frame, size_t cap)
{
	static uint8_t buf[sizeof(struct virtio_net_hdr) + 70000];

	for (;;) {
		struct sockaddr_ll from;
		socklen_t fl = sizeof(from);
		struct pollfd p = { .fd = cap_fd, .events = POLLIN };
		ssize_t n;

		if (poll(&p, 1, ms) != 1)
			return -1;
		n = recvfrom(cap_fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fl);
		if (n < (ssize_t)sizeof(*vh))
			return -1;
		if (from.sll_pkttype != PACKET_OUTGOING)
			continue; /* lo's own receive of it */
		memcpy(vh, buf, sizeof(*vh));
		n -= (ssize_t)sizeof(*vh);
		if ((size_t)n > cap)
			return -1;
		memcpy(frame, buf + sizeof(*vh), (size_t)n);
		return n;
	}
}

static ssize_t captured(struct virtio_net_hdr *vh, uint8_t *frame, size_t cap)
{
	return captured_within(1000, vh, frame, cap);
}

static bool nothing_captured(void)
{
	static uint8_t f[70000];
	struct virtio_net_hdr vh;

	return captured_within(50, &vh, f, sizeof(f)) < 0;
}

static void fresh(void)
{
	txcap_drain(TXCAP_FRAMES);
	memset(&stats, 0, sizeof(stats));
	gso_clear();
}

static void four_to_one(void)
{
	static uint8_t f[70000];
	struct virtio_net_hdr vh;
	struct seg s;
	const uint8_t *ip = f + 14, *th = ip + 20;
	ssize_t n;

	fresh();
	for (int i = 0; i < 3; i++) {
		make_seg(&s, false, 5000, 1000 + 1000u * (uint32_t)i, 0x10, 1000,
			 (uint8_t)('a' + i));
		CHECK(offer(&s));
	}
	make_seg(&s, false, 5000, 4000, 0x18, 500, 'd');
	CHECK(offer(&s));
	CHECK_EQ(gso_segs(), 4);
	CHECK_EQ(txcap.n, 0);
	gtx_flush();
	CHECK_EQ(gso_segs(), 0);
	n = captured(&vh, f, sizeof(f));
	CHECK_EQ(n, 14 + 40 + 3500);
	CHECK_EQ(vh.gso_type, VIRTIO_NET_HDR_GSO_TCPV4);
	CHECK_EQ(vh.gso_size, 1000);
	CHECK(vh.flags & VIRTIO_NET_HDR_F_NEEDS_CSUM);
	CHECK_EQ(vh.csum_start, 34);
	CHECK_EQ(vh.csum_offset, 16);
	CHECK_MEM(f, cfg.guest_mac, 6);
	CHECK_MEM(f + 6, cfg.gw_mac, 6);
	CHECK_EQ(tb_get16(ip + 2), 20 + 20 + 3500);
	CHECK_EQ(tb_fold(tb_sum(0, ip, 20)), 0);
	CHECK_EQ(tb_get32(th + 4), 1000);
	CHECK_EQ(th[13], 0x18);
	/* partial: the pseudo-header's sum, not complemented */
	CHECK_EQ(tb_get16(th + 16),
		 (uint16_t)~tb_fold(tb_pseudo(ip + 12, ip + 16, 4, 6, 20 + 3500)));
	CHECK_EQ(th[20], 'a');
	CHECK_EQ(th[20 + 2999], 'c');
	CHECK_EQ(th[20 + 3000], 'd');
	CHECK_EQ(stats.tx_gso_frames, 1);
	CHECK_EQ(stats.tx_gso_segments, 4);
	CHECK_EQ(stats.tx_gso_bytes, 14 + 40 + 3500);
	CHECK_EQ(txcap.n, 0);
}

/* What cannot join starts a run of its own (the pending one sent first). */
static void breaks(void)
{
	static uint8_t f[70000];
	struct virtio_net_hdr vh;
	struct seg s;

	fresh();
	make_seg(&s, false, 5000, 1, 0x10, 1000, 'x');
	CHECK(offer(&s));
	make_seg(&s, false, 5000, 1001, 0x10, 1000, 'x');
	CHECK(offer(&s));
	make_seg(&s, false, 5001, 2001, 0x10, 1000, 'y'); /* another connection */
	CHECK(offer(&s));
	CHECK_EQ(gso_segs(), 1);
	CHECK_EQ(captured(&vh, f, sizeof(f)), 14 + 40 + 2000); /* the first two */
	make_seg(&s, false, 5001, 5000, 0x10, 1000, 'y');      /* a gap */
	CHECK(offer(&s));
	CHECK_EQ(txcap.n, 1);				  /* the run of one went as its frame */
	make_seg(&s, false, 5001, 6000, 0x11, 1000, 'y'); /* a FIN ends a run */
	CHECK(offer(&s));
	CHECK_EQ(gso_segs(), 2);
	make_seg(&s, false, 5001, 7001, 0x10, 1000, 'y');
	CHECK(offer(&s));
	CHECK_EQ(gso_segs(), 1);
	CHECK_EQ(captured(&vh, f, sizeof(f)), 14 + 40 + 2000);
	CHECK_EQ(f[14 + 33], 0x11);
	make_seg(&s, false, 5001, 8001, 0x10, 300, 'y'); /* short: ends it */
	CHECK(offer(&s));
	make_seg(&s, false, 5001, 8301, 0x10, 300, 'y');
	CHECK(offer(&s));
	CHECK_EQ(gso_segs(), 1);
	CHECK_EQ(captured(&vh, f, sizeof(f)), 14 + 40 + 1300);
	make_seg(&s, false, 5001, 8601, 0x12, 0, 0); /* a SYN-ACK: a frame */
	CHECK(!offer(&s));
	make_seg(&s, false, 5001, 8601, 0x04, 10, 'r'); /* RST with data */
	CHECK(!offer(&s));
	make_seg(&s, false, 5001, 8601, 0x10, 0, 0); /* no payload */
	CHECK(!offer(&s));
	gtx_flush();
	CHECK_EQ(gso_segs(), 0);
	CHECK(nothing_captured());
}

/* A run of one is the frame lwIP wrote, on the ring; a frame for the ring
 * sends a pending super-frame first. */
static void one_and_order(void)
{
	static uint8_t f[70000];
	const uint8_t ack[40] = { 0x45, 0, 0, 40, [8] = 64, [9] = 6 };
	struct virtio_net_hdr vh;
	struct seg s;

	fresh();
	make_seg(&s, false, 5002, 1, 0x18, 1, 'z');
	CHECK(offer(&s));
	gtx_flush();
	CHECK_EQ(txcap.n, 1);
	CHECK_EQ(txcap.len[0], 14 + 41);
	CHECK_MEM(txcap.frame[0] + 14, s.b, 41);
	CHECK(nothing_captured());
	CHECK_EQ(stats.tx_gso_frames, 0);

	make_seg(&s, false, 5002, 2, 0x10, 1000, 'z');
	CHECK(offer(&s));
	make_seg(&s, false, 5002, 1002, 0x10, 1000, 'z');
	CHECK(offer(&s));
	CHECK_EQ(gtx_send_ip(ack, sizeof(ack)), 0);
	CHECK_EQ(gso_segs(), 0);
	CHECK_EQ(txcap.n, 2);
	CHECK_EQ(captured(&vh, f, sizeof(f)), 14 + 40 + 2000);
}

static void ipv6(void)
{
	static uint8_t f[70000];
	struct virtio_net_hdr vh;
	struct seg s;

	fresh();
	make_seg(&s, true, 6000, 10, 0x10, 1200, 'v');
	CHECK(offer(&s));
	make_seg(&s, true, 6000, 1210, 0x10, 1200, 'w');
	CHECK(offer(&s));
	gtx_flush();
	CHECK_EQ(captured(&vh, f, sizeof(f)), 14 + 60 + 2400);
	CHECK_EQ(vh.gso_type, VIRTIO_NET_HDR_GSO_TCPV6);
	CHECK_EQ(vh.gso_size, 1200);
	CHECK_EQ(vh.csum_start, 54);
	CHECK_EQ(tb_get16(f + 12), TG_ETH_P_IPV6);
	CHECK_EQ(tb_get16(f + 14 + 4), 20 + 2400);
	CHECK_EQ(tb_get16(f + 14 + 40 + 16),
		 (uint16_t)~tb_fold(tb_pseudo(f + 14 + 8, f + 14 + 24, 16, 6, 20 + 2400)));
}

/* A namespace of our own with lo up: what the socket sends stays here. */
static int setup(void)
{
	struct ifreq ifr = { .ifr_name = "lo" };
	int one = 1, fd, ifindex;
	struct sockaddr_ll sa = { .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL) };

	if (unshare(CLONE_NEWNET))
		return -errno;
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0 || ioctl(fd, SIOCGIFFLAGS, &ifr))
		return -errno;
	ifr.ifr_flags |= IFF_UP;
	if (ioctl(fd, SIOCSIFFLAGS, &ifr))
		return -errno;
	close(fd);
	ifindex = (int)if_nametoindex("lo");
	sa.sll_ifindex = ifindex;
	cap_fd = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL));
	if (cap_fd < 0 || setsockopt(cap_fd, SOL_PACKET, PACKET_VNET_HDR, &one, sizeof(one)) ||
	    bind(cap_fd, (struct sockaddr *)&sa, sizeof(sa)))
		return -errno;
	return gso_open(ifindex, cfg.guest_mac, cfg.gw_mac);
}

int main(void)
{
	int err;

	config_defaults(&cfg);
	txcap_init(&cfg, &stats);
	err = setup();
	if (err) {
		fprintf(stderr, "test_gso: cannot set up (root needed): %s\n", strerror(-err));
		return 1;
	}
	RUN(four_to_one);
	RUN(breaks);
	RUN(one_and_order);
	RUN(ipv6);
	gso_close();
	return check_summary();
}
