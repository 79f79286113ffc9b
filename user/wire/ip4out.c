// SPDX-License-Identifier: MIT
/*
 * ip4out.c - build IPv4 packets for the guest and fragment them to its MTU.
 *
 * Replies of up to 65507 bytes of UDP (or a large echo) cannot be one
 * Ethernet frame: they go out as fragments the guest's kernel reassembles,
 * each fragment a UMEM tx frame. The caller checks ip4out_frames_needed()
 * against the free frames first, so a datagram is sent whole or not at all
 * (a partly sent datagram would only waste the guest's reassembly memory).
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

static const struct config *cfg;
static uint16_t next_id = 1;

/**
 * ip4out_init() - Remember the guest's address and MTU
 * @config: configuration (kept)
 */
void ip4out_init(const struct config *config)
{
	cfg = config;
}

static size_t frag_room(void)
{
	return (cfg->mtu - TG_IP4_HLEN) & ~7u;
}

/**
 * ip4out_frames_needed() - Tx frames one packet of @l4_len bytes takes
 * @l4_len: transport header and payload
 *
 * Return: the number of fragments (1 when it fits the MTU)
 */
uint32_t ip4out_frames_needed(size_t l4_len)
{
	if (l4_len + TG_IP4_HLEN <= cfg->mtu)
		return 1;
	return (uint32_t)((l4_len + frag_room() - 1) / frag_room());
}

/* True when a packet of @l4_len bytes could be sent whole right now. */
bool ip4out_room_for(size_t l4_len)
{
	return gtx_room() >= ip4out_frames_needed(l4_len);
}

static void ip_header(uint8_t *ip, uint8_t proto, const uint8_t src[4], uint16_t id, uint16_t frag,
		      size_t len)
{
	ip[0] = 0x45;
	ip[1] = 0;
	wr16(ip + 2, (uint16_t)(TG_IP4_HLEN + len));
	wr16(ip + 4, id);
	wr16(ip + 6, frag);
	ip[8] = 64;
	ip[9] = proto;
	wr16(ip + 10, 0);
	memcpy(ip + 12, src, 4);
	memcpy(ip + 16, &cfg->guest_ip4, 4);
	wr16(ip + 10, csum_fold(csum_add(0, ip, TG_IP4_HLEN)));
}

/**
 * ipout_copy_range() - Copy bytes [off, off + n) of a two-piece packet
 * @to:   where they go
 * @hdr:  the first piece (a transport header tapgate built)
 * @hlen: its length
 * @body: the second piece (the payload), after it
 * @off:  from where in the whole
 * @n:    how many bytes
 *
 * ip4out.c and ip6out.c cut a datagram into fragments with it.
 */
void ipout_copy_range(uint8_t *to, const uint8_t *hdr, size_t hlen, const uint8_t *body, size_t off,
		      size_t n)
{
	if (off < hlen) {
		size_t k = hlen - off < n ? hlen - off : n;

		memcpy(to, hdr + off, k);
		to += k;
		off += k;
		n -= k;
	}
	if (n)
		memcpy(to, body + (off - hlen), n);
}

static int send2(uint8_t proto, const uint8_t src[4], const uint8_t *hdr, size_t hlen,
		 const uint8_t *body, size_t blen)
{
	size_t total = hlen + blen, off = 0, room = frag_room();
	uint16_t id = next_id++;

	if (total > 65535 - TG_IP4_HLEN)
		return -EMSGSIZE;
	if (gtx_room() < ip4out_frames_needed(total))
		return -ENOBUFS;
	while (off < total) {
		size_t cap, n = total - off;
		uint16_t frag = (uint16_t)(off / 8);
		uint8_t *ip = gtx_begin(TG_ETH_P_IP, &cap);

		if (total + TG_IP4_HLEN > cfg->mtu && n > room) {
			n = room;
			frag |= TG_IP4_MF;
		}
		if (!ip || cap < TG_IP4_HLEN + n)
			return -ENOBUFS;
		ip_header(ip, proto, src, id, frag, n);
		ipout_copy_range(ip + TG_IP4_HLEN, hdr, hlen, body, off, n);
		if (gtx_commit(TG_IP4_HLEN + n))
			return -ENOBUFS;
		off += n;
	}
	return 0;
}

/**
 * ip4out_udp() - Send a UDP datagram to the guest
 * @src:     source address as the guest sees it (the flow's destination)
 * @sport:   source port
 * @dport:   the guest's port
 * @payload: data
 * @len:     its length, at most 65507
 *
 * Return: 0, -ENOBUFS (not enough tx frames: nothing sent) or -EMSGSIZE
 */
int ip4out_udp(const uint8_t src[4], uint16_t sport, uint16_t dport, const uint8_t *payload,
	       size_t len)
{
	uint8_t uh[TG_UDP_HLEN];
	uint32_t sum;
	uint16_t c;

	if (len > 65535 - TG_IP4_HLEN - TG_UDP_HLEN)
		return -EMSGSIZE;
	wr16(uh, sport);
	wr16(uh + 2, dport);
	wr16(uh + 4, (uint16_t)(TG_UDP_HLEN + len));
	wr16(uh + 6, 0);
	sum = csum_pseudo4(src, (const uint8_t *)&cfg->guest_ip4, TG_IPPROTO_UDP,
			   (uint16_t)(TG_UDP_HLEN + len));
	sum = csum_add(sum, uh, TG_UDP_HLEN);
	c = csum_fold(csum_add(sum, payload, len));
	wr16(uh + 6, c ? c : 0xffff);
	return send2(TG_IPPROTO_UDP, src, uh, TG_UDP_HLEN, payload, len);
}

/**
 * ip4out_send() - Send a ready transport packet (checksum done) to the guest
 * @proto: IP protocol
 * @src:   source address
 * @l4:    transport header and payload
 * @len:   its length
 *
 * Return: 0, -ENOBUFS or -EMSGSIZE
 */
int ip4out_send(uint8_t proto, const uint8_t src[4], const uint8_t *l4, size_t len)
{
	return send2(proto, src, l4, len, NULL, 0);
}

/**
 * ip4out_icmp_error() - Tell the guest one of its packets could not go on
 * @type:     3 (destination unreachable) or 11 (time exceeded)
 * @code:     e.g. 3 port unreachable, 4 fragmentation needed
 * @mtu:      next-hop MTU for code 4, else 0
 * @orig:     the guest's IP packet (header first)
 * @orig_len: its length; the error quotes the header and 8 bytes
 *
 * The error comes from the packet's destination, as a router or the
 * destination host itself would send it.
 *
 * Return: 0 or a negative errno
 */
int ip4out_icmp_error(uint8_t type, uint8_t code, uint16_t mtu, const uint8_t *orig,
		      size_t orig_len)
{
	uint8_t m[8 + TG_IP4_HLEN + 8] = { type, code };
	size_t q = orig_len < TG_IP4_HLEN + 8 ? orig_len : TG_IP4_HLEN + 8;

	if (orig_len < TG_IP4_HLEN)
		return -EINVAL;
	wr16(m + 6, mtu);
	memcpy(m + 8, orig, q);
	wr16(m + 2, csum_fold(csum_add(0, m, 8 + q)));
	return send2(TG_IPPROTO_ICMP, orig + 16, m, 8 + q, NULL, 0);
}
