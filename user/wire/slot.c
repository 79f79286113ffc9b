// SPDX-License-Identifier: MIT
/*
 * slot.c - stage and validate one guest frame (see slot.h for the contract).
 *
 * Everything here treats the frame as hostile: every header is read through
 * frame_get(), every length field is checked against what is really there,
 * and anything lwIP mishandles (IPv4 options, malformed TCP options,
 * fragments, broadcast destinations) is refused before lwIP can see it
 * (a DHCP client's broadcast excepted: it goes to wire/dhcp.c).
 * The XDP program already checked the source addresses; the slot checks
 * them again because it must not depend on which program steered the frame.
 */
#include <string.h>

#include "control/config.h"
#include "wire.h"
#include "wire/bytes.h"
#include "wire/csum.h"
#include "wire/slot.h"

static const char *const drop_names[SLOT_DROP__MAX] = { [SLOT_OK] = "ok",
#define SLOT_DROP_NAME(id, name, help) [SLOT_DROP_##id] = name,
							SLOT_DROPS(SLOT_DROP_NAME)
#undef SLOT_DROP_NAME
};

/**
 * slot_drop_name() - The name `tapgate stats` shows for a drop reason
 * @reason: an enum slot_drop
 *
 * Return: a static string; "?" for a number that is no reason
 */
const char *slot_drop_name(unsigned int reason)
{
	return reason < SLOT_DROP__MAX ? drop_names[reason] : "?";
}

bool slot_is_syn(const struct slot *s)
{
	return s->kind == SLOT_TCP &&
	       (s->tcp_flags & (TG_TCP_SYN | TG_TCP_ACK | TG_TCP_RST)) == TG_TCP_SYN;
}

/*
 * The smallest MSS a guest may announce, and twice it the smallest window of
 * its SYN. lwIP 2.1.3's tcp_write() cuts segments to min(MSS, half the
 * largest window the peer announced) less the options. At 12 bytes or less
 * with timestamps that size wraps (a segment far past the MSS), and when it
 * shrinks while data is queued, the next write asserts "mss_local is too
 * small" (Debian's build aborts). The largest window only grows from the
 * SYN's, so a floor on the SYN's window and MSS keeps the size from ever
 * shrinking below 64 bytes; and lwIP takes an MSS option from any segment,
 * so one is accepted only in the SYN that opens a connection (RFC 9293:
 * it MUST only be sent there). Linux floors the MSS at 48 for the same
 * kind of reason.
 */
#define MIN_MSS 64

/* Walk TCP options: each must fit, and the ones lwIP parses must have their
 * exact lengths, since lwIP 2.1.3 reads past a truncated option. An MSS
 * option only in a SYN (@syn), and not below MIN_MSS. */
static bool tcp_options_ok(const uint8_t *o, size_t n, bool syn)
{
	size_t i = 0;

	while (i < n) {
		uint8_t kind = o[i], len;

		if (kind == 0)
			return true;
		if (kind == 1) {
			i++;
			continue;
		}
		if (n - i < 2)
			return false;
		len = o[i + 1];
		if (len < 2 || len > n - i)
			return false;
		if ((kind == 2 && len != 4) || (kind == 3 && len != 3) || (kind == 4 && len != 2) ||
		    (kind == 8 && len != 10))
			return false;
		if (kind == 2 && (!syn || rd16(o + i + 2) < MIN_MSS))
			return false;
		i += len;
	}
	return true;
}

static int parse_tcp(struct slot *s)
{
	const uint8_t *th = frame_get(&s->f, s->l4_off, TG_TCP_HLEN);
	const uint8_t *opts;
	size_t hlen;
	bool syn;

	if (!th || s->l4_len < TG_TCP_HLEN)
		return SLOT_DROP_MALFORMED;
	hlen = (size_t)(th[12] >> 4) * 4;
	if (hlen < TG_TCP_HLEN || hlen > s->l4_len)
		return SLOT_DROP_MALFORMED;
	s->sport = rd16(th);
	s->dport = rd16(th + 2);
	s->tcp_flags = th[13];
	s->payload_len = s->l4_len - hlen;
	s->kind = SLOT_TCP;
	/* A SYN-ACK (the guest answering a published port's connect) carries
	 * the same options and the same limits as a SYN. */
	syn = s->tcp_flags & TG_TCP_SYN;
	opts = frame_get(&s->f, s->l4_off + TG_TCP_HLEN, hlen - TG_TCP_HLEN);
	if (!opts || !tcp_options_ok(opts, hlen - TG_TCP_HLEN, syn))
		return SLOT_DROP_TCP_OPTIONS;
	if (!s->sport || !s->dport || (syn && rd16(th + 14) < 2 * MIN_MSS))
		return SLOT_DROP_MALFORMED;
	/* No checksum check here: a guest with checksum offload (a veth, a
	 * virtio NIC) sends only the pseudo-header sum, and a virtual link does
	 * not corrupt bytes. stack_input() writes the real sum for lwIP. */
	return SLOT_OK;
}

static int parse_udp(struct slot *s)
{
	const uint8_t *uh = frame_get(&s->f, s->l4_off, TG_UDP_HLEN);

	if (!uh || s->l4_len < TG_UDP_HLEN || rd16(uh + 4) != s->l4_len)
		return SLOT_DROP_MALFORMED;
	s->sport = rd16(uh);
	s->dport = rd16(uh + 2);
	s->payload_len = s->l4_len - TG_UDP_HLEN;
	s->kind = SLOT_UDP;
	return SLOT_OK;
}

static int parse_l4(struct slot *s)
{
	switch (s->proto) {
	case TG_IPPROTO_TCP:
		return parse_tcp(s);
	case TG_IPPROTO_UDP:
		return parse_udp(s);
	case TG_IPPROTO_ICMP:
	case TG_IPPROTO_ICMPV6:
		if (!frame_get(&s->f, s->l4_off, TG_ICMP_HLEN) || s->l4_len < TG_ICMP_HLEN)
			return SLOT_DROP_MALFORMED;
		s->kind = SLOT_ICMP;
		return SLOT_OK;
	}
	return SLOT_DROP_UNHANDLED;
}

static bool bad_dst4(const uint8_t d[4])
{
	return d[0] == 0 || d[0] >= 224; /* unspecified, multicast, class E, broadcast */
}

/*
 * A DHCP client's message to the gateway's server (RFC 2131): from 0.0.0.0
 * before the guest has its address, or from its address, to
 * 255.255.255.255 or the gateway, UDP 68 to 67, not fragmented, while
 * DHCP is served. The one exception to the source and destination checks,
 * made as the XDP program makes it (bpf/steer.bpf.c, dhcp4_client()).
 */
static bool dhcp_client4(const struct slot *s, const struct config *cfg, uint16_t frag)
{
	static const uint8_t any[4], bcast[4] = { 255, 255, 255, 255 };
	const uint8_t *uh = frame_get(&s->f, s->l4_off, TG_UDP_HLEN);

	if (!cfg->dhcp || s->proto != TG_IPPROTO_UDP || (frag & (TG_IP4_MF | TG_IP4_OFFMASK)))
		return false;
	if (memcmp(s->src, any, 4) && memcmp(s->src, &cfg->guest_ip4, 4))
		return false;
	if (memcmp(s->dst, bcast, 4) && memcmp(s->dst, &cfg->gw_ip4, 4))
		return false;
	return uh && s->l4_len >= TG_UDP_HLEN && rd16(uh) == TG_DHCP_CLIENT_PORT &&
	       rd16(uh + 2) == TG_DHCP_SERVER_PORT;
}

static int parse_dhcp(struct slot *s)
{
	int r = parse_udp(s);

	if (r == SLOT_OK)
		s->kind = SLOT_DHCP;
	return r;
}

static int parse_ip4(struct slot *s, const struct config *cfg)
{
	const uint8_t *ih = frame_get(&s->f, TG_ETH_HLEN, TG_IP4_HLEN);
	size_t tot;
	uint16_t frag;

	if (!ih || (ih[0] >> 4) != 4)
		return SLOT_DROP_MALFORMED;
	if ((ih[0] & 0x0f) != 5)
		return (ih[0] & 0x0f) < 5 ? SLOT_DROP_MALFORMED : SLOT_DROP_IP_OPTIONS;
	tot = rd16(ih + 2);
	if (tot < TG_IP4_HLEN || !frame_get(&s->f, TG_ETH_HLEN, tot))
		return SLOT_DROP_MALFORMED;
	if (csum_fold(csum_add(0, ih, TG_IP4_HLEN)) != 0)
		return SLOT_DROP_CHECKSUM;
	s->family = 4;
	s->proto = ih[9];
	s->l3_off = TG_ETH_HLEN;
	s->l3_len = tot;
	s->l4_off = TG_ETH_HLEN + TG_IP4_HLEN;
	s->l4_len = tot - TG_IP4_HLEN;
	memcpy(s->src, ih + 12, 4);
	memcpy(s->dst, ih + 16, 4);
	frag = rd16(ih + 6);
	s->df = frag & TG_IP4_DF;
	if (dhcp_client4(s, cfg, frag))
		return parse_dhcp(s);
	if (memcmp(s->src, &cfg->guest_ip4, 4))
		return SLOT_DROP_SPOOF;
	if (frag & (TG_IP4_MF | TG_IP4_OFFMASK)) { /* no ports in here to trust */
		s->kind = SLOT_FRAG;
		return SLOT_OK;
	}
	if (bad_dst4(s->dst))
		return SLOT_DROP_BAD_DST;
	return parse_l4(s);
}

static bool is_linklocal6(const uint8_t a[16])
{
	return a[0] == 0xfe && (a[1] & 0xc0) == 0x80;
}

static bool is_unspec6(const uint8_t a[16])
{
	static const uint8_t zero[16];

	return !memcmp(a, zero, 16);
}

/*
 * A link-local or unspecified source is how ND and DAD speak before the
 * guest has its address; it is only honest on the link, so such frames may
 * address a link-local or link-scope multicast destination only.
 */
static bool nd_source_ok(const struct slot *s)
{
	bool ll_dst = is_linklocal6(s->dst) || (s->dst[0] == 0xff && s->dst[1] == 0x02);

	return s->proto == TG_IPPROTO_ICMPV6 && (is_linklocal6(s->src) || is_unspec6(s->src)) &&
	       ll_dst;
}

/*
 * Any address of the guest's /64 is the guest's: SLAAC makes one from its
 * MAC, privacy extensions make random ones, and nobody else lives there,
 * except the gateway, whose address the guest must not take. The XDP
 * program decides alike (bpf/steer.bpf.c, ipv6_source_ok()).
 */
static bool guest_source6(const uint8_t a[16], const struct config *cfg)
{
	return !memcmp(a, cfg->guest_ip6, 8) && memcmp(a, cfg->gw_ip6, 16);
}

static bool ext_hdr6(uint8_t nh)
{
	return nh == TG_IPPROTO_HOPOPTS || nh == TG_IPPROTO_ROUTING || nh == TG_IPPROTO_DSTOPTS;
}

/*
 * Past the extension headers to the transport header, as the XDP program
 * walks them (bpf/steer.bpf.c walk_ext6()): at most TG_IP6_EXT_MAX, each
 * within the payload. Sets s->proto, l4_off and l4_len.
 */
static int walk_ext6(struct slot *s)
{
	for (unsigned int i = 0; ext_hdr6(s->proto); i++) {
		const uint8_t *e = frame_get(&s->f, s->l4_off, 2);
		size_t hl;

		if (i == TG_IP6_EXT_MAX)
			return SLOT_DROP_EXTHDR;
		if (!e)
			return SLOT_DROP_MALFORMED;
		hl = ((size_t)e[1] + 1) * 8;
		if (hl > s->l4_len)
			return SLOT_DROP_MALFORMED;
		s->proto = e[0];
		s->l4_off += hl;
		s->l4_len -= hl;
	}
	return SLOT_OK;
}

static int parse_ip6(struct slot *s, const struct config *cfg)
{
	const uint8_t *ih = frame_get(&s->f, TG_ETH_HLEN, TG_IP6_HLEN);
	size_t plen;
	int r;

	if (!cfg->ipv6)
		return SLOT_DROP_UNHANDLED;
	if (!ih || (ih[0] >> 4) != 6)
		return SLOT_DROP_MALFORMED;
	plen = rd16(ih + 4);
	if (!frame_get(&s->f, TG_ETH_HLEN + TG_IP6_HLEN, plen))
		return SLOT_DROP_MALFORMED;
	s->family = 6;
	s->df = true; /* no router fragments IPv6: too big is the sender's to hear */
	s->proto = ih[6];
	s->l3_off = TG_ETH_HLEN;
	s->l3_len = TG_IP6_HLEN + plen;
	s->l4_off = TG_ETH_HLEN + TG_IP6_HLEN;
	s->l4_len = plen;
	memcpy(s->src, ih + 8, 16);
	memcpy(s->dst, ih + 24, 16);
	r = walk_ext6(s);
	if (r != SLOT_OK)
		return r;
	if (!guest_source6(s->src, cfg) && !nd_source_ok(s))
		return SLOT_DROP_SPOOF;
	if (s->proto == TG_IPPROTO_FRAGMENT) {
		s->kind = SLOT_FRAG;
		return SLOT_OK;
	}
	if (s->proto != TG_IPPROTO_ICMPV6 && (s->dst[0] == 0xff || is_unspec6(s->dst)))
		return SLOT_DROP_BAD_DST;
	r = parse_l4(s);
	if (r == SLOT_OK && s->proto == TG_IPPROTO_ICMPV6 &&
	    TG_ICMP6_MLD(s->f.data[s->l4_off])) /* parse_l4() saw 8 bytes there */
		return SLOT_DROP_UNHANDLED;	/* as XDP: no multicast here */
	return r;
}

static int parse_arp(struct slot *s, const struct config *cfg)
{
	const uint8_t *a = frame_get(&s->f, TG_ETH_HLEN, TG_ARP_LEN);

	/* Ethernet hardware, IPv4 protocol, their address lengths */
	if (!a || rd16(a) != TG_ARP_HTYPE_ETHER || rd16(a + 2) != TG_ETH_P_IP ||
	    a[4] != TG_ETH_ALEN || a[5] != 4)
		return SLOT_DROP_MALFORMED;
	if (memcmp(a + TG_ARP_SHA, cfg->guest_mac, 6))
		return SLOT_DROP_SPOOF;
	/* 0.0.0.0 is an ARP probe (RFC 5227) before the guest takes its address. */
	if (memcmp(a + TG_ARP_SPA, &cfg->guest_ip4, 4) && memcmp(a + TG_ARP_SPA, "\0\0\0\0", 4))
		return SLOT_DROP_SPOOF;
	memcpy(s->src, a + TG_ARP_SPA, 4);
	memcpy(s->dst, a + TG_ARP_TPA, 4);
	s->kind = SLOT_ARP;
	return SLOT_OK;
}

/**
 * slot_flatten6() - An IPv6 frame without its extension headers
 * @s:   a staged IPv6 frame (SLOT_TCP, SLOT_FRAG...)
 * @out: where the frame goes: Ethernet, the fixed header, then what
 *       followed the extension headers
 * @cap: its size
 *
 * lwIP and the reassembler take the fixed header right before TCP or the
 * Fragment header; the headers walked past carry nothing tapgate acts on.
 *
 * Return: the frame's length, or 0 when it does not fit
 */
size_t slot_flatten6(const struct slot *s, uint8_t *out, size_t cap)
{
	size_t n = TG_ETH_HLEN + TG_IP6_HLEN + s->l4_len;

	if (s->family != 6 || n > cap || s->l4_len > 0xffff)
		return 0;
	memcpy(out, s->f.data, TG_ETH_HLEN + TG_IP6_HLEN);
	memcpy(out + TG_ETH_HLEN + TG_IP6_HLEN, s->f.data + s->l4_off, s->l4_len);
	out[TG_ETH_HLEN + 6] = s->proto;
	wr16(out + TG_ETH_HLEN + 4, (uint16_t)s->l4_len);
	return n;
}

/**
 * slot_stage() - Parse and validate one guest frame into the slot
 * @s:    the slot, overwritten
 * @cfg:  the sandbox's addresses
 * @data: the Ethernet frame (guest bytes; not copied, not kept)
 * @len:  its length as the ring reported it
 *
 * Called only from the event-loop thread.
 *
 * Return: SLOT_OK with s->kind set, or an enum slot_drop reason
 */
int slot_stage(struct slot *s, const struct config *cfg, const uint8_t *data, size_t len)
{
	const uint8_t *eth;

	memset(s, 0, sizeof(*s));
	s->f.data = data;
	s->f.len = len;
	eth = frame_get(&s->f, 0, TG_ETH_HLEN);
	if (!eth)
		return SLOT_DROP_MALFORMED;
	if (memcmp(eth + 6, cfg->guest_mac, 6))
		return SLOT_DROP_SPOOF;
	switch (rd16(eth + 12)) {
	case TG_ETH_P_IP:
		return parse_ip4(s, cfg);
	case TG_ETH_P_IPV6:
		return parse_ip6(s, cfg);
	case TG_ETH_P_ARP:
		return parse_arp(s, cfg);
	}
	return SLOT_DROP_UNHANDLED;
}
