// SPDX-License-Identifier: MIT
/*
 * reply.c - build the few frames tapgate answers by itself (see reply.h).
 * Input comes from a staged slot, so lengths and offsets were validated by
 * slot_stage(); outputs are bounded by the caller's capacity.
 */
#include <errno.h>
#include <string.h>

#include "control/config.h"
#include "io/gtx.h"
#include "wire.h"
#include "wire/bytes.h"
#include "wire/csum.h"
#include "wire/nd.h"
#include "wire/reply.h"
#include "wire/slot.h"

static void eth_header(uint8_t *out, const struct config *cfg, uint16_t type)
{
	memcpy(out, cfg->guest_mac, 6);
	memcpy(out + 6, cfg->gw_mac, 6);
	wr16(out + 12, type);
}

/**
 * reply_arp() - Answer an ARP request for the gateway's address
 * @s:   staged SLOT_ARP frame
 * @cfg: addresses
 * @out: buffer for the reply frame
 * @cap: its size
 *
 * Return: reply length, or 0 if the frame is not a request for the gateway
 */
size_t reply_arp(const struct slot *s, const struct config *cfg, uint8_t *out, size_t cap)
{
	const uint8_t *a = frame_get(&s->f, TG_ETH_HLEN, TG_ARP_LEN);
	uint8_t *r = out + TG_ETH_HLEN;

	if (!a || cap < TG_ETH_HLEN + TG_ARP_LEN || rd16(a + TG_ARP_OP) != TG_ARP_REQUEST ||
	    memcmp(a + TG_ARP_TPA, &cfg->gw_ip4, 4))
		return 0;
	eth_header(out, cfg, TG_ETH_P_ARP);
	memcpy(r, a, 6); /* htype, ptype, hlen, plen */
	wr16(r + TG_ARP_OP, TG_ARP_REPLY);
	memcpy(r + TG_ARP_SHA, cfg->gw_mac, 6);
	memcpy(r + TG_ARP_SPA, &cfg->gw_ip4, 4);
	memcpy(r + TG_ARP_THA, a + TG_ARP_SHA, 6);
	memcpy(r + TG_ARP_TPA, a + TG_ARP_SPA, 4);
	return TG_ETH_HLEN + TG_ARP_LEN;
}

static void ip4_header(uint8_t *ip, const uint8_t src[4], const uint8_t dst[4], uint8_t proto,
		       uint16_t tot_len)
{
	memset(ip, 0, TG_IP4_HLEN);
	ip[0] = 0x45;
	wr16(ip + 2, tot_len);
	wr16(ip + 6, TG_IP4_DF);
	ip[8] = 64;
	ip[9] = proto;
	memcpy(ip + 12, src, 4);
	memcpy(ip + 16, dst, 4);
	wr16(ip + 10, csum_fold(csum_add(0, ip, TG_IP4_HLEN)));
}

static void ip6_header(uint8_t *ip, const uint8_t src[16], const uint8_t dst[16], uint8_t next,
		       size_t plen, uint8_t hops)
{
	wr32(ip, 6u << 28);
	wr16(ip + 4, (uint16_t)plen);
	ip[6] = next;
	ip[7] = hops;
	memcpy(ip + 8, src, 16);
	memcpy(ip + 24, dst, 16);
}

/**
 * reply_echo4() - Answer an ICMP echo request sent to the gateway
 * @s:   staged SLOT_ICMP IPv4 frame
 * @cfg: addresses
 * @out: buffer for the reply frame
 * @cap: its size
 *
 * Return: reply length, or 0 if not an echo request to the gateway
 */
size_t reply_echo4(const struct slot *s, const struct config *cfg, uint8_t *out, size_t cap)
{
	const uint8_t *icmp = frame_get(&s->f, s->l4_off, s->l4_len);
	uint8_t *ip = out + TG_ETH_HLEN, *ic = ip + TG_IP4_HLEN;

	if (s->kind != SLOT_ICMP || s->family != 4 || s->l4_len < TG_ICMP_HLEN || !icmp ||
	    icmp[0] != TG_ICMP_ECHO_REQUEST || icmp[1] != 0 || memcmp(s->dst, &cfg->gw_ip4, 4) ||
	    cap < TG_ETH_HLEN + TG_IP4_HLEN + s->l4_len)
		return 0;
	eth_header(out, cfg, TG_ETH_P_IP);
	ip4_header(ip, s->dst, s->src, TG_IPPROTO_ICMP, (uint16_t)(TG_IP4_HLEN + s->l4_len));
	memcpy(ic, icmp, s->l4_len);
	ic[0] = TG_ICMP_ECHO_REPLY;
	wr16(ic + 2, 0);
	wr16(ic + 2, csum_fold(csum_add(0, ic, s->l4_len)));
	return TG_ETH_HLEN + TG_IP4_HLEN + s->l4_len;
}

/**
 * reply_na() - Answer a Neighbour Solicitation for one of the gateway's
 *              addresses: the IPv6 twin of reply_arp()
 * @s:   staged SLOT_ICMP IPv6 frame
 * @cfg: addresses
 * @out: buffer for the reply frame
 * @cap: its size
 *
 * From the address asked about, to the asker, or to all nodes when it asked
 * from :: (RFC 4861 7.2.4); hop limit 255.
 *
 * Return: reply length, or 0 if @s is no valid solicitation (nd_parse())
 * for the gateway
 */
size_t reply_na(const struct slot *s, const struct config *cfg, uint8_t *out, size_t cap)
{
	static const uint8_t all_nodes[16] = { 0xff, 0x02, [15] = 1 };
	uint8_t *ip = out + TG_ETH_HLEN, *m = ip + TG_IP6_HLEN;
	const uint8_t *dst;
	struct nd_msg nm;
	uint32_t sum;

	if (cap < TG_ETH_HLEN + TG_IP6_HLEN + ND_NA_LEN || nd_parse(s, &nm) != SLOT_OK ||
	    nm.type != TG_ND_NEIGHBOR_SOLICIT || !nd_is_gateway(cfg, nm.target))
		return 0;
	dst = nm.from_unspec ? all_nodes : s->src;
	eth_header(out, cfg, TG_ETH_P_IPV6);
	ip6_header(ip, nm.target, dst, TG_IPPROTO_ICMPV6, ND_NA_LEN, TG_ND_HOP_LIMIT);
	nd_build_na(cfg, nm.target, !nm.from_unspec, m, ND_NA_LEN);
	sum = csum_pseudo6(nm.target, dst, TG_IPPROTO_ICMPV6, ND_NA_LEN);
	wr16(m + 2, csum_fold(csum_add(sum, m, ND_NA_LEN)));
	return TG_ETH_HLEN + TG_IP6_HLEN + ND_NA_LEN;
}

/**
 * reply_echo6() - Answer an ICMPv6 echo request sent to the gateway
 * @s:   staged SLOT_ICMP IPv6 frame
 * @cfg: addresses
 * @out: buffer for the reply frame
 * @cap: its size
 *
 * Either of the gateway's addresses answers (its own and its link-local
 * one), from the address asked, to whichever address of its /64 (or its
 * link-local one) the guest sent from.
 *
 * Return: reply length, or 0 if not an echo request to the gateway
 */
size_t reply_echo6(const struct slot *s, const struct config *cfg, uint8_t *out, size_t cap)
{
	static const uint8_t unspec[16];
	const uint8_t *icmp = frame_get(&s->f, s->l4_off, s->l4_len);
	uint8_t *ip = out + TG_ETH_HLEN, *ic = ip + TG_IP6_HLEN;
	uint32_t sum;

	if (s->kind != SLOT_ICMP || s->family != 6 || s->l4_len < TG_ICMP_HLEN || !icmp ||
	    icmp[0] != TG_ICMP6_ECHO_REQUEST || icmp[1] != 0 || !nd_is_gateway(cfg, s->dst) ||
	    !memcmp(s->src, unspec, 16) || cap < TG_ETH_HLEN + TG_IP6_HLEN + s->l4_len)
		return 0;
	eth_header(out, cfg, TG_ETH_P_IPV6);
	ip6_header(ip, s->dst, s->src, TG_IPPROTO_ICMPV6, s->l4_len, 64);
	memcpy(ic, icmp, s->l4_len);
	ic[0] = TG_ICMP6_ECHO_REPLY;
	wr16(ic + 2, 0);
	sum = csum_pseudo6(s->dst, s->src, TG_IPPROTO_ICMPV6, (uint32_t)s->l4_len);
	wr16(ic + 2, csum_fold(csum_add(sum, ic, s->l4_len)));
	return TG_ETH_HLEN + TG_IP6_HLEN + s->l4_len;
}

/**
 * reply_rst() - Reset a guest SYN that gets no connection
 * @s:   staged SLOT_TCP IPv4 frame
 * @cfg: addresses
 * @out: buffer for the reply frame
 * @cap: its size
 *
 * The RST acknowledges the SYN (RFC 793 reset generation for a segment
 * without ACK), so the guest's connect() fails at once with ECONNREFUSED.
 *
 * Return: reply length, or 0 when it does not apply
 */
size_t reply_rst(const struct slot *s, const struct config *cfg, uint8_t *out, size_t cap)
{
	const uint8_t *th = frame_get(&s->f, s->l4_off, TG_TCP_HLEN);
	size_t hlen = s->family == 6 ? TG_IP6_HLEN : TG_IP4_HLEN;
	uint8_t *ip = out + TG_ETH_HLEN, *t = ip + hlen;
	const size_t len = TG_ETH_HLEN + hlen + TG_TCP_HLEN;
	uint32_t ack, sum;

	if (s->kind != SLOT_TCP || !th || (s->tcp_flags & TG_TCP_RST) || cap < len)
		return 0;
	ack = rd32(th + 4) + (uint32_t)s->payload_len + ((s->tcp_flags & TG_TCP_SYN) ? 1 : 0) +
	      ((s->tcp_flags & TG_TCP_FIN) ? 1 : 0);
	if (s->family == 6) {
		eth_header(out, cfg, TG_ETH_P_IPV6);
		ip6_header(ip, s->dst, s->src, TG_IPPROTO_TCP, TG_TCP_HLEN, 64);
		sum = csum_pseudo6(s->dst, s->src, TG_IPPROTO_TCP, TG_TCP_HLEN);
	} else {
		eth_header(out, cfg, TG_ETH_P_IP);
		ip4_header(ip, s->dst, s->src, TG_IPPROTO_TCP, TG_IP4_HLEN + TG_TCP_HLEN);
		sum = csum_pseudo4(s->dst, s->src, TG_IPPROTO_TCP, TG_TCP_HLEN);
	}
	memset(t, 0, TG_TCP_HLEN);
	wr16(t, s->dport);
	wr16(t + 2, s->sport);
	if (s->tcp_flags & TG_TCP_ACK) {
		memcpy(t + 4, th + 8, 4); /* seq = their ack, no ACK flag */
		t[13] = TG_TCP_RST;
	} else {
		wr32(t + 8, ack);
		t[13] = TG_TCP_RST | TG_TCP_ACK;
	}
	t[12] = (TG_TCP_HLEN / 4) << 4;
	wr16(t + 16, csum_fold(csum_add(sum, t, TG_TCP_HLEN)));
	return len;
}

/**
 * reply_tcp_rst_from_ip() - reply_rst() for a SYN kept as a bare IP packet
 * @ip:     IPv4 or IPv6 packet (validated by slot_stage() when it was a
 *          frame)
 * @ip_len: its length
 * @cfg:    addresses
 * @out:    buffer for the reply frame
 * @cap:    its size
 *
 * Return: reply length, or 0
 */
size_t reply_tcp_rst_from_ip(const uint8_t *ip, size_t ip_len, const struct config *cfg,
			     uint8_t *out, size_t cap)
{
	uint8_t frame[TG_ETH_HLEN + 128];
	struct slot s;

	if (ip_len > sizeof(frame) - TG_ETH_HLEN)
		return 0;
	memcpy(frame + 6, cfg->guest_mac, 6);
	memcpy(frame, cfg->gw_mac, 6);
	if (!ip_len)
		return 0;
	wr16(frame + 12, (ip[0] >> 4) == 6 ? TG_ETH_P_IPV6 : TG_ETH_P_IP);
	memcpy(frame + TG_ETH_HLEN, ip, ip_len);
	if (slot_stage(&s, cfg, frame, TG_ETH_HLEN + ip_len) != SLOT_OK)
		return 0;
	return reply_rst(&s, cfg, out, cap);
}

/**
 * reply_send_rst() - Answer the TCP segment in @ip (a refused SYN) with RST
 * @ip:  the guest's IP packet
 * @len: its length
 * @cfg: addresses
 *
 * Without tx room the guest retransmits its SYN and asks again.
 *
 * Return: 0, -ENOBUFS, or -ENODATA when @ip needs no reset
 */
int reply_send_rst(const uint8_t *ip, size_t len, const struct config *cfg)
{
	size_t cap;
	uint8_t *f = gtx_lend_frame(&cap);

	if (!f)
		return -ENOBUFS;
	return gtx_commit_frame(reply_tcp_rst_from_ip(ip, len, cfg, f, cap));
}
