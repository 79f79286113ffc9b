// SPDX-License-Identifier: MIT
/*
 * gso.c - lwIP's TCP segments to the guest joined into super-frames.
 *
 * Why: an AF_XDP frame carries no offload metadata, so every MSS of a
 * download is one frame, one descriptor, one skb the kernel builds and one
 * packet the guest's stack takes in; at MTU 1500 that per-frame work, not
 * the bytes, is what held host->guest TCP. A packet socket with a
 * virtio-net header (PACKET_VNET_HDR) hands the device one skb marked
 * GSO: a veth passes it whole to the guest's stack (as the kernel's own
 * path between namespaces does), a tap passes it to a VMM that took TSO
 * (TUNSETOFFLOAD), and a device that cannot take it has the kernel cut it
 * into MSS frames before it leaves. The guest receives the segments its
 * MSS allows either way; nothing longer than the MTU reaches its wire.
 *
 * A run is the segments lwIP writes back to back for one connection:
 * same addresses, ports and ACK, each starting where the last ended, all
 * one MSS long but the last (a short one or a FIN ends the run). The
 * header is the latest segment's (its window, timestamps, PSH/FIN) with the
 * first one's sequence number; the checksum is left to the kernel or the
 * guest's device (partial, as virtio does), the IPv4 header sum is
 * rewritten for the new length. A run of one segment is the frame lwIP
 * wrote, untouched (gtx.c puts it on the AF_XDP ring like any other).
 */
#include <errno.h>
#include <linux/if_packet.h>
#include <linux/virtio_net.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "control/log.h"
#include "io/gso.h"
#include "wire.h"
#include "wire/bytes.h"
#include "wire/csum.h"

#define GSO_IP_MAX 0xffff /* IPv4 total length, IPv6 payload length */

static struct {
	int fd;
	uint8_t guest_mac[6], gw_mac[6];
	/* the pending run */
	unsigned int segs;
	uint16_t ethertype, iphl, thl, mss;
	uint32_t next_seq;
	size_t bytes; /* payload */
	bool closed;  /* a short segment or a FIN: nothing may follow */
	/* the virtio-net header, then the frame: one buffer for sendto(2),
	 * the only send the system call filter allows this socket */
	uint8_t buf[sizeof(struct virtio_net_hdr) + TG_ETH_HLEN + GSO_IP_MAX];
} g = { .fd = -1 };

#define FRAME (g.buf + sizeof(struct virtio_net_hdr))

/**
 * gso_open() - Open the packet socket super-frames leave by
 * @ifindex:   the guest's device
 * @guest_mac: destination of every frame
 * @gw_mac:    their source
 *
 * Needs CAP_NET_RAW (before privileges are dropped). Without it tapgate
 * sends one AF_XDP frame per segment, as before.
 *
 * Return: 0 or a negative errno
 */
int gso_open(int ifindex, const uint8_t guest_mac[6], const uint8_t gw_mac[6])
{
	struct sockaddr_ll sa = { .sll_family = AF_PACKET, .sll_ifindex = ifindex };
	int one = 1, fd;

	/* Protocol 0: the socket sends and never receives. */
	fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/* Through the device's queue (no PACKET_QDISC_BYPASS): the direct
	 * path drops a super-frame the device cannot take, where the queue
	 * has the kernel cut it into segments first. */
	if (setsockopt(fd, SOL_PACKET, PACKET_VNET_HDR, &one, sizeof(one)) ||
	    bind(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		int err = -errno;

		close(fd);
		return err;
	}
	g.fd = fd;
	memcpy(g.guest_mac, guest_mac, 6);
	memcpy(g.gw_mac, gw_mac, 6);
	g.segs = 0;
	return 0;
}

void gso_close(void)
{
	if (g.fd >= 0)
		close(g.fd);
	g.fd = -1;
	g.segs = 0;
}

bool gso_on(void)
{
	return g.fd >= 0;
}

/** gso_fd() - The packet socket (for the system call filter), or -1 */
int gso_fd(void)
{
	return g.fd;
}

/* Whether a segment may be part of a run at all: ACK, maybe PSH and FIN,
 * payload, and the header the stack writes. */
static bool eligible(uint16_t ethertype, const uint8_t *ip, size_t iphl, size_t thl, size_t paylen)
{
	const uint8_t *th = ip + iphl;

	if (ethertype == TG_ETH_P_IP) {
		if (iphl != 20 || ip[0] != 0x45 || ip[9] != 6)
			return false;
	} else if (ethertype != TG_ETH_P_IPV6 || iphl != 40 || (ip[0] >> 4) != 6 || ip[6] != 6) {
		return false;
	}
	return paylen && paylen <= GSO_IP_MAX - iphl - thl && thl >= 20 &&
	       (size_t)(th[12] >> 4) * 4 == thl && (th[13] & ~0x19) == 0 && (th[13] & 0x10);
}

static bool same_flow(const uint8_t *ip, const uint8_t *th)
{
	const uint8_t *pip = FRAME + TG_ETH_HLEN, *pth = pip + g.iphl;

	if (g.ethertype == TG_ETH_P_IP ? memcmp(ip + 12, pip + 12, 8) : memcmp(ip + 8, pip + 8, 32))
		return false;
	return !memcmp(th, pth, 4) && !memcmp(th + 8, pth + 8, 4);
}

static bool joins(uint16_t ethertype, const uint8_t *ip, size_t iphl, size_t thl, size_t paylen)
{
	const uint8_t *th = ip + iphl;

	return g.segs && !g.closed && ethertype == g.ethertype && iphl == g.iphl && thl == g.thl &&
	       paylen <= g.mss && rd32(th + 4) == g.next_seq &&
	       g.iphl + g.thl + g.bytes + paylen <= GSO_IP_MAX && same_flow(ip, th);
}

static void start(uint16_t ethertype, const uint8_t *ip, size_t iphl, size_t thl, size_t paylen)
{
	uint8_t *f = FRAME;

	memcpy(f, g.guest_mac, 6);
	memcpy(f + 6, g.gw_mac, 6);
	wr16(f + 12, ethertype);
	memcpy(f + TG_ETH_HLEN, ip, iphl + thl);
	g.ethertype = ethertype;
	g.iphl = (uint16_t)iphl;
	g.thl = (uint16_t)thl;
	g.mss = (uint16_t)paylen;
	g.bytes = 0;
	g.segs = 0;
	g.closed = false;
}

/**
 * gso_append() - Take a TCP segment into the pending run
 * @ethertype: TG_ETH_P_IP or TG_ETH_P_IPV6
 * @ip:        its IP and TCP headers, flat
 * @iphl:      IP header length (20 or 40)
 * @thl:       TCP header length
 * @paylen:    payload bytes that follow (the caller copies them)
 *
 * Return: where the payload goes, or NULL when the segment cannot join:
 * not a plain data segment (send it as a frame), or not the pending run's
 * next one (send the run first, then offer it again)
 */
uint8_t *gso_append(uint16_t ethertype, const uint8_t *ip, size_t iphl, size_t thl, size_t paylen)
{
	const uint8_t *th = ip + iphl;
	uint8_t *pth, flags;
	uint8_t *to;

	if (g.fd < 0 || !eligible(ethertype, ip, iphl, thl, paylen))
		return NULL;
	if (!g.segs)
		start(ethertype, ip, iphl, thl, paylen);
	else if (!joins(ethertype, ip, iphl, thl, paylen))
		return NULL;
	pth = FRAME + TG_ETH_HLEN + g.iphl;
	flags = pth[13] | th[13];
	/* the latest window and options; the first segment's sequence */
	memcpy(pth + 8, th + 8, thl - 8);
	pth[13] = flags;
	to = pth + thl + g.bytes;
	g.bytes += paylen;
	g.segs++;
	g.next_seq = rd32(th + 4) + (uint32_t)paylen;
	g.closed = paylen < g.mss || (th[13] & 0x01);
	return to;
}

/** gso_segs() - Segments in the pending run (0: none pending) */
unsigned int gso_segs(void)
{
	return g.segs;
}

/**
 * gso_frame() - The pending run of one segment, as lwIP wrote it
 * @len: set to the frame's length, Ethernet header included
 *
 * Return: the frame (valid until the next gso_ call)
 */
const uint8_t *gso_frame(size_t *len)
{
	*len = TG_ETH_HLEN + g.iphl + g.thl + g.bytes;
	return FRAME;
}

/** gso_clear() - Forget the pending run (sent some other way) */
void gso_clear(void)
{
	g.segs = 0;
}

/* The headers of a super-frame: lengths, the IPv4 sum, the TCP sum left
 * partial (the pseudo-header's, as the kernel's own stack leaves it). */
static void finish_headers(void)
{
	uint8_t *ip = FRAME + TG_ETH_HLEN, *th = ip + g.iphl;
	uint32_t tcplen = (uint32_t)(g.thl + g.bytes), sum;

	if (g.ethertype == TG_ETH_P_IP) {
		wr16(ip + 2, (uint16_t)(g.iphl + tcplen));
		wr16(ip + 10, 0);
		wr16(ip + 10, csum_fold(csum_add(0, ip, g.iphl)));
		sum = csum_pseudo4(ip + 12, ip + 16, 6, (uint16_t)tcplen);
	} else {
		wr16(ip + 4, (uint16_t)tcplen);
		sum = csum_pseudo6(ip + 8, ip + 24, 6, tcplen);
	}
	wr16(th + 16, (uint16_t)~csum_fold(sum));
	struct virtio_net_hdr vh = {
		.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM,
		.gso_type = g.ethertype == TG_ETH_P_IP ? VIRTIO_NET_HDR_GSO_TCPV4
						       : VIRTIO_NET_HDR_GSO_TCPV6,
		.hdr_len = (uint16_t)(TG_ETH_HLEN + g.iphl + g.thl),
		.gso_size = g.mss,
		.csum_start = (uint16_t)(TG_ETH_HLEN + g.iphl),
		.csum_offset = 16,
	};

	memcpy(g.buf, &vh, sizeof(vh));
}

/**
 * gso_send() - Send the pending run (of two segments or more) now
 *
 * Return: 0 (sent, or dropped after a refusal that will not pass: then
 * super-frames are off from here on, said once, and lwIP retransmits), or
 * -ENOBUFS when the kernel pushed back (the run stays pending)
 */
int gso_send(void)
{
	size_t len = sizeof(struct virtio_net_hdr) + TG_ETH_HLEN + g.iphl + g.thl + g.bytes;
	ssize_t n;

	finish_headers();
	/* No address: the device the socket is bound to (see scfilter.c). */
	do
		n = sendto(g.fd, g.buf, len, MSG_DONTWAIT, NULL, 0);
	while (n < 0 && errno == EINTR);
	if (n < 0 && (errno == EAGAIN || errno == ENOBUFS))
		return -ENOBUFS;
	g.segs = 0;
	if (n < 0) {
		log_warn(
			"super-frames to the guest refused (%s): one frame per segment from now on",
			strerror(errno));
		gso_close();
	}
	return 0;
}
