// SPDX-License-Identifier: MIT
/*
 * udpout.c - replies and ICMP errors along a guest UDP flow (udpout.h).
 */
#include <errno.h>
#include <string.h>

#include "proxy/flow.h"
#include "proxy/udpout.h"
#include "wire.h"
#include "wire/bytes.h"
#include "wire/csum.h"
#include "wire/ip4out.h"
#include "wire/ip6out.h"

#define UDP_MAX	 65507 /* the longest UDP payload over IPv4 */
#define UDP_MAX6 65527 /* and over IPv6 (fragmented) */

/**
 * udpout_room() - Whether the largest reply could go to the guest now
 * @k: the flow
 *
 * A datagram's size is known only once it is read from the host socket:
 * the caller reads only while this holds.
 *
 * Return: true when there are tx frames for any datagram
 */
bool udpout_room(const struct flow_key *k)
{
	if (k->src.family == 6)
		return ip6out_room_for(TG_UDP_HLEN + UDP_MAX6);
	return ip4out_room_for(TG_UDP_HLEN + UDP_MAX);
}

/**
 * udpout_reply() - Send a datagram to the guest from where its flow went
 * @k:       the flow, as the guest sent it
 * @payload: data
 * @len:     its length
 *
 * Return: 0, -ENOBUFS (nothing sent) or -EMSGSIZE
 */
int udpout_reply(const struct flow_key *k, const uint8_t *payload, size_t len)
{
	if (k->src.family == 6)
		return ip6out_udp(k->dst.a, k->src.a, k->dport, k->sport, payload, len);
	return ip4out_udp(k->dst.a, k->dport, k->sport, payload, len);
}

static void udp_quote(uint8_t *u, const struct flow_key *k, size_t len)
{
	wr16(u, k->sport);
	wr16(u + 2, k->dport);
	wr16(u + 4, (uint16_t)(TG_UDP_HLEN + len));
	wr16(u + 6, 0);
}

/**
 * udpout_error() - Tell the guest about one of its datagrams, rebuilt
 * @k:   the flow
 * @why: what went wrong
 * @df:  whether the datagram had DF (IPv4)
 * @mtu: the path MTU for UDPOUT_TOO_BIG
 * @len: the datagram's payload length
 *
 * The relay no longer has the guest's packet: the error quotes its IP and
 * UDP headers as they were.
 *
 * Return: 0 or a negative errno
 */
int udpout_error(const struct flow_key *k, enum udpout_error why, bool df, uint16_t mtu, size_t len)
{
	uint8_t q[TG_IP6_HLEN + TG_UDP_HLEN] = { 0 };

	if (k->src.family == 6) {
		wr32(q, 6u << 28);
		wr16(q + 4, (uint16_t)(TG_UDP_HLEN + len));
		q[6] = TG_IPPROTO_UDP;
		q[7] = 64;
		memcpy(q + 8, k->src.a, 16);
		memcpy(q + 24, k->dst.a, 16);
		udp_quote(q + TG_IP6_HLEN, k, len);
		return udpout_error_ip(why, mtu, q, sizeof(q));
	}
	q[0] = 0x45;
	wr16(q + 2, (uint16_t)(TG_IP4_HLEN + TG_UDP_HLEN + len));
	q[6] = df ? 0x40 : 0;
	q[8] = 64;
	q[9] = TG_IPPROTO_UDP;
	memcpy(q + 12, k->src.a, 4);
	memcpy(q + 16, k->dst.a, 4);
	wr16(q + 10, csum_fold(csum_add(0, q, TG_IP4_HLEN)));
	udp_quote(q + TG_IP4_HLEN, k, len);
	return udpout_error_ip(why, mtu, q, TG_IP4_HLEN + TG_UDP_HLEN);
}

/* ICMP and ICMPv6 type and code for each error (RFC 792, RFC 4443). */
static const uint8_t codes[][2][2] = {
	[UDPOUT_PORT_UNREACH] = { { 3, 3 }, { 1, 4 } },
	[UDPOUT_TOO_BIG] = { { 3, 4 }, { 2, 0 } },
	[UDPOUT_PROHIBITED] = { { 3, 13 }, { 1, 1 } },
};

/**
 * udpout_error_ip() - Tell the guest about one of its packets
 * @why: what went wrong
 * @mtu: the path MTU for UDPOUT_TOO_BIG, else 0
 * @ip:  the packet (IPv4 or IPv6, header first)
 * @len: as much of it as is at hand
 *
 * Return: 0 or a negative errno
 */
int udpout_error_ip(enum udpout_error why, uint16_t mtu, const uint8_t *ip, size_t len)
{
	if (len < 1 || why > UDPOUT_PROHIBITED)
		return -EINVAL;
	if ((ip[0] >> 4) == 6)
		return ip6out_icmp_error(codes[why][1][0], codes[why][1][1], mtu, ip, len);
	return ip4out_icmp_error(codes[why][0][0], codes[why][0][1], mtu, ip, len);
}
