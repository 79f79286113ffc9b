/* SPDX-License-Identifier: MIT */
/*
 * frames.h - the one frame builder of the C tests (unit, bpf and fuzz):
 * Ethernet, ARP, IPv4 and IPv6 headers, TCP, UDP and ICMP/ICMPv6, with the
 * IPv4 header and transport checksums filled in.
 *
 * Checksums are computed here, byte pair by byte pair, independently of
 * user/wire/csum.c, so that what the code under test produces is checked
 * against a second implementation. The protocol numbers come from
 * include/wire.h: they are the contract, not the code under test.
 * tests/fuzz/gen_*.py build the same frames in Python for the fuzz seeds.
 *
 * Everything is static inline: each test includes only what it uses, and
 * no name can clash with the user objects the tests link against. Builders
 * write into a caller's buffer, which must have room, and return the
 * length they wrote.
 */
#ifndef TAPGATE_TEST_FRAMES_H
#define TAPGATE_TEST_FRAMES_H

#include <arpa/inet.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "wire.h"

/* ---- bytes ------------------------------------------------------------ */

static inline void tb_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void tb_put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static inline uint16_t tb_get16(const uint8_t *p)
{
	return (uint16_t)((p[0] << 8) | p[1]);
}

static inline uint32_t tb_get32(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

/* ---- checksums -------------------------------------------------------- */

/* Reference RFC 1071 sum: byte pairs, odd byte padded, folded at the end. */
static inline uint32_t tb_sum(uint32_t sum, const uint8_t *p, size_t n)
{
	uint64_t acc = sum;

	for (size_t i = 0; i + 1 < n; i += 2)
		acc += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (n & 1)
		acc += (uint32_t)(p[n - 1] << 8);
	while (acc >> 16)
		acc = (acc & 0xffff) + (acc >> 16);
	return (uint32_t)acc;
}

static inline uint16_t tb_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* Pseudo-header sum for IPv4 (@alen 4) or IPv6 (@alen 16). */
static inline uint32_t tb_pseudo(const uint8_t *src, const uint8_t *dst, size_t alen, uint8_t proto,
				 uint32_t len)
{
	uint8_t tail[8] = { 0 };
	uint32_t sum = tb_sum(0, src, alen);

	sum = tb_sum(sum, dst, alen);
	if (alen == 4) {
		tail[1] = proto;
		tb_put16(tail + 2, (uint16_t)len);
		return tb_sum(sum, tail, 4);
	}
	tb_put32(tail, len);
	tail[7] = proto;
	return tb_sum(sum, tail, 8);
}

/* ---- addresses -------------------------------------------------------- */

static inline uint8_t *tb_ip4(uint8_t a[16], uint8_t b0, uint8_t b1, uint8_t b2, uint8_t b3)
{
	memset(a, 0, 16);
	a[0] = b0;
	a[1] = b1;
	a[2] = b2;
	a[3] = b3;
	return a;
}

/* Parse a textual address (v4 or v6) into 16 bytes (v4 in the first 4). */
static inline uint8_t *tb_addr(uint8_t a[16], const char *s)
{
	memset(a, 0, 16);
	if (inet_pton(AF_INET6, s, a) != 1 && inet_pton(AF_INET, s, a) != 1)
		fprintf(stderr, "frames.h: bad address literal '%s'\n", s);
	return a;
}

/* ---- headers ---------------------------------------------------------- */

static inline size_t tb_eth(uint8_t *out, const uint8_t dst[6], const uint8_t src[6], uint16_t type)
{
	memcpy(out, dst, TG_ETH_ALEN);
	memcpy(out + 6, src, TG_ETH_ALEN);
	tb_put16(out + 12, type);
	return TG_ETH_HLEN;
}

/* ARP over Ethernet/IPv4 from @smac (the Ethernet source and the sender
 * hardware address), broadcast destination, target MAC zero; returns 42. */
static inline size_t tb_arp(uint8_t *out, const uint8_t smac[6], uint16_t op, const uint8_t sip[4],
			    const uint8_t tip[4])
{
	static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	uint8_t *a = out + tb_eth(out, bcast, smac, TG_ETH_P_ARP);

	tb_put16(a, TG_ARP_HTYPE_ETHER);
	tb_put16(a + 2, TG_ETH_P_IP);
	a[4] = TG_ETH_ALEN;
	a[5] = 4;
	tb_put16(a + TG_ARP_OP, op);
	memcpy(a + TG_ARP_SHA, smac, 6);
	memcpy(a + TG_ARP_SPA, sip, 4);
	memset(a + TG_ARP_THA, 0, 6);
	memcpy(a + TG_ARP_TPA, tip, 4);
	return TG_ETH_HLEN + TG_ARP_LEN;
}

static inline void tb_ip4_csum(uint8_t *ip)
{
	size_t hl = (size_t)(ip[0] & 0x0f) * 4;

	tb_put16(ip + 10, 0);
	tb_put16(ip + 10, tb_fold(tb_sum(0, ip, hl)));
}

/* A 20-byte IPv4 header for @l4len bytes after it: TTL 64, the given id
 * and flags/offset field, checksum filled. Returns 20. */
static inline size_t tb_ip4_hdr(uint8_t *ip, const uint8_t src[4], const uint8_t dst[4],
				uint8_t proto, uint16_t id, uint16_t frag, size_t l4len)
{
	memset(ip, 0, TG_IP4_HLEN);
	ip[0] = 0x45;
	tb_put16(ip + 2, (uint16_t)(TG_IP4_HLEN + l4len));
	tb_put16(ip + 4, id);
	tb_put16(ip + 6, frag);
	ip[8] = 64;
	ip[9] = proto;
	memcpy(ip + 12, src, 4);
	memcpy(ip + 16, dst, 4);
	tb_ip4_csum(ip);
	return TG_IP4_HLEN;
}

/* ---- transport -------------------------------------------------------- */

/* TCP header, window 64240; @optlen must be a multiple of 4. Checksum 0. */
static inline size_t tb_tcp(uint8_t *l4, uint16_t sport, uint16_t dport, uint32_t seq, uint32_t ack,
			    uint8_t flags, const uint8_t *opts, size_t optlen)
{
	memset(l4, 0, TG_TCP_HLEN);
	tb_put16(l4, sport);
	tb_put16(l4 + 2, dport);
	tb_put32(l4 + 4, seq);
	tb_put32(l4 + 8, ack);
	l4[12] = (uint8_t)(((TG_TCP_HLEN + optlen) / 4) << 4);
	l4[13] = flags;
	tb_put16(l4 + 14, 64240);
	if (optlen)
		memcpy(l4 + TG_TCP_HLEN, opts, optlen);
	return TG_TCP_HLEN + optlen;
}

/* UDP header for @paylen payload bytes (written by the caller after it). */
static inline size_t tb_udp(uint8_t *l4, uint16_t sport, uint16_t dport, size_t paylen)
{
	tb_put16(l4, sport);
	tb_put16(l4 + 2, dport);
	tb_put16(l4 + 4, (uint16_t)(TG_UDP_HLEN + paylen));
	tb_put16(l4 + 6, 0);
	return TG_UDP_HLEN;
}

/* ICMP / ICMPv6 header of an echo (or any type with an 8-byte header);
 * data after it. */
static inline size_t tb_echo(uint8_t *l4, uint8_t type, uint16_t id, uint16_t seq)
{
	l4[0] = type;
	l4[1] = 0;
	tb_put16(l4 + 2, 0);
	tb_put16(l4 + 4, id);
	tb_put16(l4 + 6, seq);
	return TG_ICMP_HLEN;
}

/* Fill the transport checksum of @l4 (@n bytes) for @proto; other
 * protocols (extension headers, fragments) are left as they are. */
static inline void tb_l4_csum(uint8_t *l4, size_t n, uint8_t proto, const uint8_t *src,
			      const uint8_t *dst, size_t alen)
{
	size_t off;
	uint32_t sum = 0;

	switch (proto) {
	case TG_IPPROTO_TCP:
		if (n < TG_TCP_HLEN)
			return;
		off = 16;
		sum = tb_pseudo(src, dst, alen, proto, (uint32_t)n);
		break;
	case TG_IPPROTO_UDP:
		if (n < TG_UDP_HLEN)
			return;
		off = 6;
		sum = tb_pseudo(src, dst, alen, proto, (uint32_t)n);
		break;
	case TG_IPPROTO_ICMP:
		if (n < 4)
			return;
		off = 2;
		break;
	case TG_IPPROTO_ICMPV6:
		if (n < 4)
			return;
		off = 2;
		sum = tb_pseudo(src, dst, alen, proto, (uint32_t)n);
		break;
	default:
		return;
	}
	tb_put16(l4 + off, 0);
	tb_put16(l4 + off, tb_fold(tb_sum(sum, l4, n)));
}

/*
 * tb_ext6() - @n IPv6 destination-options headers of 8 bytes each (a PadN
 * option filling them), chained to @last, then @inner: what an IPv6 frame
 * carries with its next header TG_IPPROTO_DSTOPTS (or @last when @n is 0).
 * Return: bytes written to @out
 */
static inline size_t tb_ext6(uint8_t *out, unsigned int n, uint8_t last, const uint8_t *inner,
			     size_t inner_len)
{
	for (unsigned int i = 0; i < n; i++) {
		uint8_t *e = out + 8 * i;

		e[0] = i + 1 < n ? TG_IPPROTO_DSTOPTS : last;
		e[1] = 0;
		e[2] = 1; /* PadN, 4 bytes of padding */
		e[3] = 4;
		memset(e + 4, 0, 4);
	}
	memmove(out + 8 * n, inner, inner_len);
	return 8 * n + inner_len;
}

/* ---- whole frames ----------------------------------------------------- */

/*
 * tb_frame4() - Ethernet + 20-byte IPv4 header (id 0x1234, DF) + @l4
 * (copied; it may overlap @out), with the IPv4 header checksum and the
 * transport checksum filled in.
 * Return: frame length (14 + 20 + l4len)
 */
static inline size_t tb_frame4(uint8_t *out, const uint8_t smac[6], const uint8_t dmac[6],
			       const uint8_t src[4], const uint8_t dst[4], uint8_t proto,
			       const uint8_t *l4, size_t l4len)
{
	uint8_t *ip = out + tb_eth(out, dmac, smac, TG_ETH_P_IP);

	memmove(ip + TG_IP4_HLEN, l4, l4len);
	tb_ip4_hdr(ip, src, dst, proto, 0x1234, TG_IP4_DF, l4len);
	tb_l4_csum(ip + TG_IP4_HLEN, l4len, proto, src, dst, 4);
	return TG_ETH_HLEN + TG_IP4_HLEN + l4len;
}

/* As tb_frame4() for IPv6 (40-byte header, hop limit 64, @nh the next
 * header). */
static inline size_t tb_frame6(uint8_t *out, const uint8_t smac[6], const uint8_t dmac[6],
			       const uint8_t src[16], const uint8_t dst[16], uint8_t nh,
			       const uint8_t *l4, size_t l4len)
{
	uint8_t *ip = out + tb_eth(out, dmac, smac, TG_ETH_P_IPV6);

	memmove(ip + TG_IP6_HLEN, l4, l4len);
	memset(ip, 0, TG_IP6_HLEN);
	ip[0] = 0x60;
	tb_put16(ip + 4, (uint16_t)l4len);
	ip[6] = nh;
	ip[7] = 64;
	memcpy(ip + 8, src, 16);
	memcpy(ip + 24, dst, 16);
	tb_l4_csum(ip + TG_IP6_HLEN, l4len, nh, src, dst, 16);
	return TG_ETH_HLEN + TG_IP6_HLEN + l4len;
}

/* ---- DHCPv4 ------------------------------------------------------------ */

#define TB_DHCP_XID	  0x3903f326u
#define TB_DHCP_BROADCAST 0x8000 /* flags: the client wants a broadcast answer */

/* One DHCP option: code, length, value; returns where the next goes. */
static inline uint8_t *tb_dhcp_opt(uint8_t *o, uint8_t code, const uint8_t *v, uint8_t len)
{
	o[0] = code;
	o[1] = len;
	memcpy(o + 2, v, len);
	return o + 2 + len;
}

/*
 * tb_dhcp() - A client's DHCP message (RFC 2131), as udhcpc sends one: a
 * BOOTREQUEST over Ethernet from @chaddr, transaction TB_DHCP_XID, @flags,
 * @ciaddr (NULL: 0.0.0.0), the magic cookie, then the options: message
 * type @type, a client identifier and a host name (which a server may
 * read over), the requested address @reqip and the server identifier
 * @sid when not NULL, END.
 * Return: message length (at least 240)
 */
static inline size_t tb_dhcp(uint8_t *out, uint8_t type, const uint8_t chaddr[6], uint16_t flags,
			     const uint8_t *ciaddr, const uint8_t *reqip, const uint8_t *sid)
{
	uint8_t *o = out + 240;

	memset(out, 0, 240);
	out[0] = 1; /* BOOTREQUEST */
	out[1] = 1; /* Ethernet */
	out[2] = 6;
	tb_put32(out + 4, TB_DHCP_XID);
	tb_put16(out + 10, flags);
	if (ciaddr)
		memcpy(out + 12, ciaddr, 4);
	memcpy(out + 28, chaddr, 6);
	tb_put32(out + 236, 0x63825363);
	o = tb_dhcp_opt(o, 53, &type, 1);
	o = tb_dhcp_opt(o, 61,
			(const uint8_t[]){ 1, chaddr[0], chaddr[1], chaddr[2], chaddr[3], chaddr[4],
					   chaddr[5] },
			7);
	o = tb_dhcp_opt(o, 12, (const uint8_t *)"guest", 5);
	if (reqip)
		o = tb_dhcp_opt(o, 50, reqip, 4);
	if (sid)
		o = tb_dhcp_opt(o, 54, sid, 4);
	*o++ = 255;
	return (size_t)(o - out);
}

/*
 * tb_dhcp_frame() - @msg (@mlen bytes) in UDP from port 68 to 67, from
 * @src to @dst, in a frame from @smac to the broadcast MAC.
 * Return: frame length
 */
static inline size_t tb_dhcp_frame(uint8_t *out, const uint8_t smac[6], const uint8_t src[4],
				   const uint8_t dst[4], const uint8_t *msg, size_t mlen)
{
	static const uint8_t bmac[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	uint8_t *l4 = out + TG_ETH_HLEN + TG_IP4_HLEN;

	memmove(l4 + TG_UDP_HLEN, msg, mlen);
	tb_udp(l4, TG_DHCP_CLIENT_PORT, TG_DHCP_SERVER_PORT, mlen);
	return tb_frame4(out, smac, bmac, src, dst, TG_IPPROTO_UDP, l4, TG_UDP_HLEN + mlen);
}

/* Hex dump of a frame for failure messages while writing tests. */
static inline void tb_dump(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		fprintf(stderr, "%02x%s", p[i], (i % 16 == 15 || i + 1 == n) ? "\n" : " ");
}

#endif
