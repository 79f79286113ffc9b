// SPDX-License-Identifier: MIT
/*
 * ip6out.c - build IPv6 packets for the guest and fragment them to its MTU.
 *
 * As ip4out.c: a UDP reply of up to 65507 bytes goes out as fragments
 * (RFC 8200 section 4.5: a Fragment header after the fixed header, offsets
 * in 8-byte units) that the guest's kernel reassembles, each a UMEM tx
 * frame; the caller checks ip6out_frames_needed() against the free frames
 * first, so a packet is sent whole or not at all.
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "control/config.h"
#include "io/gtx.h"
#include "wire.h"
#include "wire/bytes.h"
#include "wire/csum.h"
#include "wire/ip4out.h"
#include "wire/ip6out.h"

#define FRAG_HLEN 8

static const struct config *cfg;
static uint32_t next_id = 1;

/**
 * ip6out_init() - Remember the guest's MTU
 * @config: configuration (kept)
 */
void ip6out_init(const struct config *config)
{
	cfg = config;
}

static size_t frag_room(void)
{
	return (cfg->mtu - TG_IP6_HLEN - FRAG_HLEN) & ~7u;
}

/**
 * ip6out_frames_needed() - Tx frames one packet of @l4_len bytes takes
 * @l4_len: transport header and payload
 *
 * Return: the number of fragments (1 when it fits the MTU)
 */
uint32_t ip6out_frames_needed(size_t l4_len)
{
	if (l4_len + TG_IP6_HLEN <= cfg->mtu)
		return 1;
	return (uint32_t)((l4_len + frag_room() - 1) / frag_room());
}

/* True when a packet of @l4_len bytes could be sent whole right now. */
bool ip6out_room_for(size_t l4_len)
{
	return gtx_room() >= ip6out_frames_needed(l4_len);
}

static void ip_header(uint8_t *ip, uint8_t next, const uint8_t src[16], const uint8_t dst[16],
		      size_t plen)
{
	wr32(ip, 6u << 28);
	wr16(ip + 4, (uint16_t)plen);
	ip[6] = next;
	ip[7] = 255; /* what ND needs; as good as any for the rest */
	memcpy(ip + 8, src, 16);
	memcpy(ip + 24, dst, 16);
}

static int send_whole(uint8_t proto, const uint8_t src[16], const uint8_t dst[16],
		      const uint8_t *hdr, size_t hlen, const uint8_t *body, size_t blen)
{
	size_t cap;
	uint8_t *ip = gtx_begin(TG_ETH_P_IPV6, &cap);

	if (!ip || cap < TG_IP6_HLEN + hlen + blen)
		return -ENOBUFS;
	ip_header(ip, proto, src, dst, hlen + blen);
	ipout_copy_range(ip + TG_IP6_HLEN, hdr, hlen, body, 0, hlen + blen);
	return gtx_commit(TG_IP6_HLEN + hlen + blen) ? -ENOBUFS : 0;
}

static int send2(uint8_t proto, const uint8_t src[16], const uint8_t dst[16], const uint8_t *hdr,
		 size_t hlen, const uint8_t *body, size_t blen)
{
	size_t total = hlen + blen, off = 0, room = frag_room();
	uint32_t id = next_id++;

	if (total > 65535)
		return -EMSGSIZE;
	if (gtx_room() < ip6out_frames_needed(total))
		return -ENOBUFS;
	if (total + TG_IP6_HLEN <= cfg->mtu)
		return send_whole(proto, src, dst, hdr, hlen, body, blen);
	while (off < total) {
		size_t cap, n = total - off < room ? total - off : room;
		uint8_t *ip = gtx_begin(TG_ETH_P_IPV6, &cap);
		uint8_t *fh = ip + TG_IP6_HLEN;

		if (!ip || cap < TG_IP6_HLEN + FRAG_HLEN + n)
			return -ENOBUFS;
		ip_header(ip, TG_IPPROTO_FRAGMENT, src, dst, FRAG_HLEN + n);
		fh[0] = proto;
		fh[1] = 0;
		wr16(fh + 2, (uint16_t)(off | (off + n < total)));
		wr32(fh + 4, id);
		ipout_copy_range(fh + FRAG_HLEN, hdr, hlen, body, off, n);
		if (gtx_commit(TG_IP6_HLEN + FRAG_HLEN + n))
			return -ENOBUFS;
		off += n;
	}
	return 0;
}

/**
 * ip6out_udp() - Send a UDP datagram to the guest
 * @src:     source address as the guest sees it (the flow's destination)
 * @dst:     the guest's address
 * @sport:   source port
 * @dport:   the guest's port
 * @payload: data
 * @len:     its length, at most 65527
 *
 * Return: 0, -ENOBUFS (not enough tx frames: nothing sent) or -EMSGSIZE
 */
int ip6out_udp(const uint8_t src[16], const uint8_t dst[16], uint16_t sport, uint16_t dport,
	       const uint8_t *payload, size_t len)
{
	uint8_t uh[TG_UDP_HLEN];
	uint32_t sum;
	uint16_t c;

	if (len > 65535 - TG_UDP_HLEN)
		return -EMSGSIZE;
	wr16(uh, sport);
	wr16(uh + 2, dport);
	wr16(uh + 4, (uint16_t)(TG_UDP_HLEN + len));
	wr16(uh + 6, 0);
	sum = csum_pseudo6(src, dst, TG_IPPROTO_UDP, (uint32_t)(TG_UDP_HLEN + len));
	sum = csum_add(sum, uh, TG_UDP_HLEN);
	c = csum_fold(csum_add(sum, payload, len));
	wr16(uh + 6, c ? c : 0xffff); /* zero is "no checksum", not allowed in IPv6 */
	return send2(TG_IPPROTO_UDP, src, dst, uh, TG_UDP_HLEN, payload, len);
}

/**
 * ip6out_send() - Send a ready transport packet (checksum done) to the guest
 * @proto: next header
 * @src:   source address
 * @dst:   the guest's address
 * @l4:    transport header and payload
 * @len:   its length
 *
 * Return: 0, -ENOBUFS or -EMSGSIZE
 */
int ip6out_send(uint8_t proto, const uint8_t src[16], const uint8_t dst[16], const uint8_t *l4,
		size_t len)
{
	return send2(proto, src, dst, l4, len, NULL, 0);
}

/**
 * ip6out_icmp() - Checksum an ICMPv6 message and send it to the guest
 * @src: source address
 * @dst: the guest's address (or a link-scope multicast one)
 * @m:   the message, type first; its checksum field is written
 * @len: its length
 *
 * Return: 0, -ENOBUFS or -EMSGSIZE
 */
int ip6out_icmp(const uint8_t src[16], const uint8_t dst[16], uint8_t *m, size_t len)
{
	uint32_t sum;

	if (len < 4)
		return -EINVAL;
	wr16(m + 2, 0);
	sum = csum_pseudo6(src, dst, TG_IPPROTO_ICMPV6, (uint32_t)len);
	wr16(m + 2, csum_fold(csum_add(sum, m, len)));
	return send2(TG_IPPROTO_ICMPV6, src, dst, m, len, NULL, 0);
}

/**
 * ip6out_icmp_error() - Tell the guest one of its packets could not go on
 * @type:     1 (destination unreachable), 2 (packet too big), 3 (time
 *            exceeded)
 * @code:     e.g. 1 administratively prohibited, 4 port unreachable
 * @info:     the MTU for packet too big, else 0
 * @orig:     the guest's IPv6 packet (header first)
 * @orig_len: its length; the error quotes as much of it as fits the
 *            minimum MTU (RFC 4443 section 2.4)
 *
 * The error comes from the packet's destination, as a router or the
 * destination itself would send it.
 *
 * Return: 0 or a negative errno
 */
int ip6out_icmp_error(uint8_t type, uint8_t code, uint32_t info, const uint8_t *orig,
		      size_t orig_len)
{
	uint8_t m[1280 - TG_IP6_HLEN] = { type, code };
	size_t q = orig_len < sizeof(m) - 8 ? orig_len : sizeof(m) - 8;

	if (orig_len < TG_IP6_HLEN)
		return -EINVAL;
	wr32(m + 4, info);
	memcpy(m + 8, orig, q);
	return ip6out_icmp(orig + 24, orig + 8, m, 8 + q);
}
