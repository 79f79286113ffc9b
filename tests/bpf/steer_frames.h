/* SPDX-License-Identifier: MIT */
/*
 * steer_frames.h - the guest frames of the XDP program's tests
 * (test_steer_*.c): the addresses every environment is configured with,
 * the offsets of the fields the cases patch, builders on top of
 * tests/lib/frames.h, and one function per case's frame, long frames
 * (TSO and USO super-frames, jumbo frames) included.
 *
 * Everything is static inline, as in tests/lib/frames.h.
 */
#ifndef TAPGATE_TEST_STEER_FRAMES_H
#define TAPGATE_TEST_STEER_FRAMES_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <linux/if_ether.h>
#include <netinet/in.h>

#include "lib/frames.h"
#include "wire.h"

#define GUEST_MTU 1500

/* ---- addresses -------------------------------------------------------- */

static const uint8_t GUEST_MAC[6] = { 0x02, 0x6d, 0x73, 0x00, 0x00, 0x02 };
static const uint8_t GW_MAC[6] = { 0x02, 0x6d, 0x73, 0x00, 0x00, 0x01 };
static const uint8_t OTHER_MAC[6] = { 0x02, 0x6d, 0x73, 0x00, 0x00, 0x66 };

static const uint8_t GUEST4[4] = { 100, 96, 0, 2 };
static const uint8_t GW4[4] = { 100, 96, 0, 1 };
static const uint8_t OTHER4[4] = { 100, 96, 0, 3 };
static const uint8_t ANY4[4] = { 0, 0, 0, 0 };
static const uint8_t PUBLIC4[4] = { 8, 8, 8, 8 };
static const uint8_t PRIV4[4] = { 10, 1, 2, 3 };
static const uint8_t CGNAT4[4] = { 100, 64, 0, 5 };
static const uint8_t BCAST4[4] = { 255, 255, 255, 255 };

static const uint8_t GUEST6[16] = { 0xfd, 0x42, 0x6d, 0x73, 0x00, 0x62, 0, 0,
				    0,	  0,	0,    0,    0,	  0,	0, 0x02 };
static const uint8_t GW6[16] = {
	0xfd, 0x42, 0x6d, 0x73, 0x00, 0x62, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01
};
/* Addresses of the guest's /64 other than GUEST6: a privacy address and
 * the SLAAC one of GUEST_MAC. Both the guest's too. */
static const uint8_t OTHER6[16] = { 0xfd, 0x42, 0x6d, 0x73, 0x00, 0x62, 0, 0,
				    0x3c, 0x91, 0x7e, 0x02, 0xa4, 0x55, 0, 0x09 };
static const uint8_t SLAAC6[16] = { 0xfd, 0x42, 0x6d, 0x73, 0x00, 0x62, 0, 0,
				    0,	  0x6d, 0x73, 0xff, 0xfe, 0,	0, 0x02 };
/* The next /64 over, and a prefix sharing only the first 48 bits: not the
 * guest's. */
static const uint8_t NEXT64_6[16] = { 0xfd, 0x42, 0x6d, 0x73, 0x00, 0x62, 0, 0x01,
				      0,    0,	  0,	0,    0,    0,	  0, 0x02 };
static const uint8_t NEAR6[16] = { 0xfd, 0x42, 0x6d, 0x73, 0x00, 0x62, 0x80, 0,
				   0,	 0,    0,    0,	   0,	 0,    0,    0x02 };
static const uint8_t PUBLIC6[16] = { 0x26, 0x06, 0x47, 0x00, 0, 0, 0,	 0,
				     0,	   0,	 0,    0,    0, 0, 0x11, 0x11 };
static const uint8_t PRIV6[16] = { 0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01 };
static const uint8_t LL6[16] = {
	0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0x6d, 0x73, 0xff, 0xfe, 0, 0, 0x02
};
static const uint8_t ANY6[16] = { 0 };
/* Solicited-node multicast group of ...::1, where an NS for it goes. */
static const uint8_t SNM6[16] = { 0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0xff, 0, 0, 0x01 };
static const uint8_t ALLRT6[16] = { 0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x02 };

/* ---- frames from the guest (tests/lib/frames.h) ------------------------ */

/* Offsets of fields the cases below patch. */
#define OFF_SRC_MAC   6
#define OFF_ETHERTYPE 12
#define OFF_L3	      TG_ETH_HLEN
#define OFF_IP4_VIHL  (OFF_L3 + 0)
#define OFF_IP4_LEN   (OFF_L3 + 2)
#define OFF_IP4_FRAG  (OFF_L3 + 6)
#define OFF_IP4_PROTO (OFF_L3 + 9)
#define OFF_IP4_L4    (OFF_L3 + TG_IP4_HLEN) /* without options */
#define OFF_IP6_LEN   (OFF_L3 + 4)
#define OFF_IP6_NH    (OFF_L3 + 6)
#define OFF_IP6_SRC   (OFF_L3 + 8)
#define OFF_IP6_DST   (OFF_L3 + 24)

/* Patch a built frame of @n bytes and return @n, so that a case's frame is
 * one line: a well-formed frame, then the one thing wrong with it. The
 * frame is built (an argument) before the patch is applied (the body). */
static inline size_t set8(uint8_t *b, size_t n, size_t off, uint8_t v)
{
	b[off] = v;
	return n;
}

static inline size_t set16(uint8_t *b, size_t n, size_t off, uint16_t v)
{
	tb_put16(b + off, v);
	return n;
}

static inline size_t setb(uint8_t *b, size_t n, size_t off, const uint8_t *v, size_t len)
{
	memcpy(b + off, v, len);
	return n;
}

/* The program reads the transport headers' ports and flags, never their
 * checksums; frames.h fills those in all the same. */
static inline size_t tcp_hdr(uint8_t *l4, uint8_t flags)
{
	return tb_tcp(l4, 40000, 443, 1000, flags & TG_TCP_ACK ? 2000 : 0, flags, NULL, 0);
}

/* UDP from port 40000 with @paylen bytes of 'x'. */
static inline size_t udp_dgram(uint8_t *l4, uint16_t dport, size_t paylen)
{
	memset(l4 + TG_UDP_HLEN, 'x', paylen);
	return tb_udp(l4, 40000, dport, paylen) + paylen;
}

/* ICMP / ICMPv6 echo request or another type with an 8-byte header. */
static inline size_t icmp_hdr(uint8_t *l4, uint8_t type)
{
	return tb_echo(l4, type, 0x77, 1);
}

static inline size_t ip4(uint8_t *b, const uint8_t *src, const uint8_t *dst, uint8_t proto,
			 const uint8_t *l4, size_t l4len)
{
	return tb_frame4(b, GUEST_MAC, GW_MAC, src, dst, proto, l4, l4len);
}

static inline size_t ip6(uint8_t *b, const uint8_t *src, const uint8_t *dst, uint8_t nh,
			 const uint8_t *l4, size_t l4len)
{
	return tb_frame6(b, GUEST_MAC, GW_MAC, src, dst, nh, l4, l4len);
}

static inline size_t tcp4_to(uint8_t *b, const uint8_t *src, const uint8_t *dst, uint8_t flags)
{
	uint8_t l4[TG_TCP_HLEN];

	return ip4(b, src, dst, TG_IPPROTO_TCP, l4, tcp_hdr(l4, flags));
}

static inline size_t tcp4(uint8_t *b, const uint8_t *dst, uint8_t flags)
{
	return tcp4_to(b, GUEST4, dst, flags);
}

/* The guest answering a published port: from its port 443 to the
 * gateway's port @dport (inbound ones are 0xf000 and up). */
static inline size_t tcp4_gw_port(uint8_t *b, uint16_t dport, uint8_t flags)
{
	uint8_t l4[TG_TCP_HLEN];

	return ip4(b, GUEST4, GW4, TG_IPPROTO_TCP, l4,
		   tb_tcp(l4, 443, dport, 1000, 2000, flags, NULL, 0));
}
static inline size_t f_in_synack(uint8_t *b)
{
	return tcp4_gw_port(b, 0xf001, TG_TCP_SYN | TG_TCP_ACK);
}
static inline size_t f_in_ack_low(uint8_t *b)
{
	return tcp4_gw_port(b, 0xefff, TG_TCP_ACK);
}
static inline size_t udp4(uint8_t *b, const uint8_t *dst, uint16_t dport)
{
	uint8_t l4[TG_UDP_HLEN + 12];

	return ip4(b, GUEST4, dst, TG_IPPROTO_UDP, l4, udp_dgram(l4, dport, 12));
}

static inline size_t icmp4(uint8_t *b, const uint8_t *dst)
{
	uint8_t l4[TG_ICMP_HLEN];

	return ip4(b, GUEST4, dst, TG_IPPROTO_ICMP, l4, icmp_hdr(l4, TG_ICMP_ECHO_REQUEST));
}

static inline size_t tcp6_from(uint8_t *b, const uint8_t *src, const uint8_t *dst, uint8_t flags)
{
	uint8_t l4[TG_TCP_HLEN];

	return ip6(b, src, dst, TG_IPPROTO_TCP, l4, tcp_hdr(l4, flags));
}

static inline size_t tcp6(uint8_t *b, const uint8_t *dst, uint8_t flags)
{
	return tcp6_from(b, GUEST6, dst, flags);
}

static inline size_t udp6_from(uint8_t *b, const uint8_t *src, const uint8_t *dst, uint16_t dport)
{
	uint8_t l4[TG_UDP_HLEN + 12];

	return ip6(b, src, dst, TG_IPPROTO_UDP, l4, udp_dgram(l4, dport, 12));
}

static inline size_t icmp6(uint8_t *b, const uint8_t *src, const uint8_t *dst, uint8_t type)
{
	uint8_t l4[24] = { 0 };
	size_t len = type == 135 ? 24 : 8; /* NS carries its target */

	icmp_hdr(l4, type);
	return ip6(b, src, dst, TG_IPPROTO_ICMPV6, l4, len);
}

/* An ARP request for the gateway from the guest's Ethernet address, with
 * @sha and @sip in its body. */
static inline size_t arp(uint8_t *b, const uint8_t *sha, const uint8_t *sip)
{
	return setb(b, tb_arp(b, sha, TG_ARP_REQUEST, sip, GW4), OFF_SRC_MAC, GUEST_MAC, 6);
}

/* ---- the cases' frames ------------------------------------------------ */

/* Ethernet */
/* an Ethernet header short of its last byte */
static inline size_t f_eth_13(uint8_t *b)
{
	return tb_eth(b, GW_MAC, GUEST_MAC, TG_ETH_P_IP) - 1;
}
static inline size_t f_eth_spoof(uint8_t *b)
{
	return setb(b, tcp4(b, PUBLIC4, TG_TCP_SYN), OFF_SRC_MAC, OTHER_MAC, 6);
}
static inline size_t f_eth_gwmac(uint8_t *b)
{
	return setb(b, tcp4(b, PUBLIC4, TG_TCP_SYN), OFF_SRC_MAC, GW_MAC, 6);
}
static inline size_t f_eth_vlan(uint8_t *b)
{
	/* a frame 4 bytes in: its ethertype is the real one, behind the tag */
	size_t n = tcp4(b + 4, PUBLIC4, TG_TCP_SYN);

	tb_eth(b, GW_MAC, GUEST_MAC, ETH_P_8021Q);
	tb_put16(b + TG_ETH_HLEN, 7); /* TCI: VLAN 7 */
	return n + 4;
}
static inline size_t f_eth_qinq(uint8_t *b)
{
	return set16(b, f_eth_vlan(b), OFF_ETHERTYPE, ETH_P_8021AD);
}
static inline size_t f_eth_lldp(uint8_t *b)
{
	return set16(b, tcp4(b, PUBLIC4, TG_TCP_SYN), OFF_ETHERTYPE, 0x88cc);
}
static inline size_t f_eth_only(uint8_t *b)
{
	return tb_eth(b, GW_MAC, GUEST_MAC, TG_ETH_P_IP);
}

/* ARP */
static inline size_t f_arp_req(uint8_t *b)
{
	return arp(b, GUEST_MAC, GUEST4);
}
static inline size_t f_arp_probe(uint8_t *b)
{
	return arp(b, GUEST_MAC, ANY4);
}
static inline size_t f_arp_spoof_ip(uint8_t *b)
{
	return arp(b, GUEST_MAC, OTHER4);
}
static inline size_t f_arp_spoof_mac(uint8_t *b)
{
	return arp(b, OTHER_MAC, GUEST4);
}
static inline size_t f_arp_short(uint8_t *b)
{
	return arp(b, GUEST_MAC, GUEST4) - 1;
}
static inline size_t f_arp_plen(uint8_t *b)
{
	return set8(b, arp(b, GUEST_MAC, GUEST4), OFF_L3 + 5, 16);
}
static inline size_t f_arp_ptype(uint8_t *b)
{
	return set16(b, arp(b, GUEST_MAC, GUEST4), OFF_L3 + 2, TG_ETH_P_IPV6);
}

/* IPv4 TCP and header checks */
static inline size_t f_tcp_syn_pub(uint8_t *b)
{
	return tcp4(b, PUBLIC4, TG_TCP_SYN);
}
static inline size_t f_tcp_ack_pub(uint8_t *b)
{
	return tcp4(b, PUBLIC4, TG_TCP_ACK);
}
static inline size_t f_tcp_ack_priv(uint8_t *b)
{
	return tcp4(b, PRIV4, TG_TCP_ACK);
}
static inline size_t f_tcp_syn_priv(uint8_t *b)
{
	return tcp4(b, PRIV4, TG_TCP_SYN);
}
static inline size_t f_tcp_synack_priv(uint8_t *b)
{
	return tcp4(b, PRIV4, TG_TCP_SYN | TG_TCP_ACK);
}
static inline size_t f_tcp_fin_priv(uint8_t *b)
{
	return tcp4(b, PRIV4, TG_TCP_FIN);
}
static inline size_t f_tcp_cgnat(uint8_t *b)
{
	return tcp4(b, CGNAT4, TG_TCP_ACK);
}
static inline size_t f_tcp_gw(uint8_t *b)
{
	return tcp4(b, GW4, TG_TCP_ACK);
}
static inline size_t f_ip4_spoof(uint8_t *b)
{
	return tcp4_to(b, OTHER4, PUBLIC4, TG_TCP_SYN);
}
static inline size_t f_ip4_spoof_zero(uint8_t *b)
{
	return tcp4_to(b, ANY4, PUBLIC4, TG_TCP_SYN);
}
/* tot_len one byte more than the frame holds */
static inline size_t f_ip4_trunc(uint8_t *b)
{
	return set16(b, tcp4(b, PUBLIC4, TG_TCP_SYN), OFF_IP4_LEN, 41);
}
static inline size_t f_ip4_len_lt_hdr(uint8_t *b)
{
	return set16(b, tcp4(b, PUBLIC4, TG_TCP_SYN), OFF_IP4_LEN, 19);
}
static inline size_t f_ip4_ihl4(uint8_t *b)
{
	return set8(b, tcp4(b, PUBLIC4, TG_TCP_SYN), OFF_IP4_VIHL, 0x44);
}
static inline size_t f_ip4_ver6(uint8_t *b)
{
	return set8(b, tcp4(b, PUBLIC4, TG_TCP_SYN), OFF_IP4_VIHL, 0x65);
}
static inline size_t f_ip4_19(uint8_t *b)
{
	return tcp4(b, PUBLIC4, TG_TCP_SYN) - 20 - 1;
}
/* 54 bytes of frame padded to Ethernet's minimum of 60 (b is zeroed) */
static inline size_t f_ip4_padded(uint8_t *b)
{
	return tcp4(b, PUBLIC4, TG_TCP_ACK) + 6;
}
static inline size_t f_ip4_options(uint8_t *b)
{
	uint8_t l4[4 + TG_TCP_HLEN] = { 1, 1, 1, 0 }; /* NOP NOP NOP EOL */
	size_t n;

	/* built as 24 bytes of protocol 0 (no checksum to fill) after a
	 * 20-byte header, then made a 24-byte header with TCP after it */
	tcp_hdr(l4 + 4, TG_TCP_SYN);
	n = ip4(b, GUEST4, PUBLIC4, 0, l4, sizeof(l4));
	b[OFF_IP4_VIHL] = 0x46;
	b[OFF_IP4_PROTO] = TG_IPPROTO_TCP;
	tb_ip4_csum(b + OFF_L3);
	return n;
}
/* tot_len ends 12 bytes into TCP: the rest of the header is only padding */
static inline size_t f_ip4_tcp_cut(uint8_t *b)
{
	return set16(b, f_ip4_padded(b), OFF_IP4_LEN, 20 + 12);
}
static inline size_t f_ip4_df(uint8_t *b)
{
	return set16(b, tcp4(b, PUBLIC4, TG_TCP_SYN), OFF_IP4_FRAG, 0x4000);
}
static inline size_t f_frag_mf(uint8_t *b)
{
	return set16(b, udp4(b, PUBLIC4, 443), OFF_IP4_FRAG, 0x2000);
}
/* offset 1480 bytes, no MF */
static inline size_t f_frag_last(uint8_t *b)
{
	return set16(b, udp4(b, PUBLIC4, 443), OFF_IP4_FRAG, 185);
}
static inline size_t f_frag_priv(uint8_t *b)
{
	return set16(b, tcp4(b, PRIV4, TG_TCP_ACK), OFF_IP4_FRAG, 0x2000);
}
static inline size_t f_frag_spoof(uint8_t *b)
{
	return set16(b, f_ip4_spoof(b), OFF_IP4_FRAG, 0x2000);
}

/* IPv4 UDP, ICMP, others */
static inline size_t f_udp_dns_pub(uint8_t *b)
{
	return udp4(b, PUBLIC4, TG_DNS_PORT);
}
static inline size_t f_udp_dns_priv(uint8_t *b)
{
	return udp4(b, PRIV4, TG_DNS_PORT);
}
static inline size_t f_udp_dns_gw(uint8_t *b)
{
	return udp4(b, GW4, TG_DNS_PORT);
}
static inline size_t f_udp_pub(uint8_t *b)
{
	return udp4(b, PUBLIC4, 443);
}
static inline size_t f_udp_mdns(uint8_t *b)
{
	return udp4(b, PUBLIC4, 5353);
}
static inline size_t f_udp_doq(uint8_t *b)
{
	return udp4(b, PUBLIC4, 853);
}
static inline size_t f_udp_priv(uint8_t *b)
{
	return udp4(b, PRIV4, 443);
}
static inline size_t f_udp_short(uint8_t *b)
{
	uint8_t l4[4];

	tb_put16(l4, 40000);
	tb_put16(l4 + 2, TG_DNS_PORT);
	return ip4(b, GUEST4, PUBLIC4, TG_IPPROTO_UDP, l4, sizeof(l4));
}

/* DHCP (RFC 2131): a client's message of @type from @src to @dst, UDP 68
 * to 67; the ones the program steers to the daemon, and the near misses
 * it drops as before. */
static inline size_t dhcp4(uint8_t *b, const uint8_t *src, const uint8_t *dst, uint8_t type)
{
	uint8_t m[300];
	size_t n = tb_dhcp(m, type, GUEST_MAC, 0, NULL, NULL, NULL);

	return tb_dhcp_frame(b, GUEST_MAC, src, dst, m, n);
}
static inline size_t f_dhcp_discover(uint8_t *b)
{
	return dhcp4(b, ANY4, BCAST4, 1);
}
static inline size_t f_dhcp_any_to_gw(uint8_t *b)
{
	return dhcp4(b, ANY4, GW4, 1);
}
static inline size_t f_dhcp_renew(uint8_t *b)
{
	return dhcp4(b, GUEST4, GW4, 3);
}
static inline size_t f_dhcp_rebind(uint8_t *b)
{
	return dhcp4(b, GUEST4, BCAST4, 3);
}
static inline size_t f_dhcp_any_to_pub(uint8_t *b)
{
	return dhcp4(b, ANY4, PUBLIC4, 1);
}
static inline size_t f_dhcp_spoof(uint8_t *b)
{
	return dhcp4(b, OTHER4, BCAST4, 1);
}
static inline size_t f_dhcp_sport(uint8_t *b)
{
	return set16(b, dhcp4(b, ANY4, BCAST4, 1), OFF_IP4_L4, 40000);
}
static inline size_t f_dhcp_dport(uint8_t *b)
{
	return set16(b, dhcp4(b, ANY4, BCAST4, 1), OFF_IP4_L4 + 2, 68);
}
static inline size_t f_dhcp_frag(uint8_t *b)
{
	return set16(b, dhcp4(b, ANY4, BCAST4, 1), OFF_IP4_FRAG, 0x2000);
}
/* tot_len leaves 4 bytes of UDP header */
static inline size_t f_dhcp_cut(uint8_t *b)
{
	return set16(b, dhcp4(b, ANY4, BCAST4, 1), OFF_IP4_LEN, TG_IP4_HLEN + 4);
}
static inline size_t f_dhcp_guest_sport(uint8_t *b)
{
	return set16(b, dhcp4(b, GUEST4, BCAST4, 1), OFF_IP4_L4, 40000);
}
static inline size_t f_udp_bcast(uint8_t *b)
{
	return udp4(b, BCAST4, 443);
}
static inline size_t f_icmp_gw(uint8_t *b)
{
	return icmp4(b, GW4);
}
static inline size_t f_icmp_pub(uint8_t *b)
{
	return icmp4(b, PUBLIC4);
}
static inline size_t f_icmp_priv(uint8_t *b)
{
	return icmp4(b, PRIV4);
}
/* the first 4 bytes of an echo request */
static inline size_t f_icmp_short(uint8_t *b)
{
	uint8_t l4[TG_ICMP_HLEN];

	icmp_hdr(l4, TG_ICMP_ECHO_REQUEST);
	return ip4(b, GUEST4, GW4, TG_IPPROTO_ICMP, l4, 4);
}
static inline size_t f_gre(uint8_t *b)
{
	uint8_t l4[4] = { 0 }; /* GRE: no flags, then the payload's ethertype */

	tb_put16(l4 + 2, TG_ETH_P_IP);
	return ip4(b, GUEST4, PUBLIC4, IPPROTO_GRE, l4, sizeof(l4));
}

/* IPv6 */
static inline size_t f6_tcp_syn_pub(uint8_t *b)
{
	return tcp6(b, PUBLIC6, TG_TCP_SYN);
}
static inline size_t f6_tcp_ack_priv(uint8_t *b)
{
	return tcp6(b, PRIV6, TG_TCP_ACK);
}
static inline size_t f6_tcp_syn_priv(uint8_t *b)
{
	return tcp6(b, PRIV6, TG_TCP_SYN);
}
static inline size_t f6_tcp_gw(uint8_t *b)
{
	return tcp6(b, GW6, TG_TCP_ACK);
}
static inline size_t f6_tcp_from_ll(uint8_t *b)
{
	return tcp6_from(b, LL6, PUBLIC6, TG_TCP_SYN);
}
static inline size_t f6_tcp_from_other(uint8_t *b)
{
	return tcp6_from(b, OTHER6, PUBLIC6, TG_TCP_SYN);
}
static inline size_t f6_tcp_from_slaac(uint8_t *b)
{
	return tcp6_from(b, SLAAC6, PUBLIC6, TG_TCP_SYN);
}
static inline size_t f6_tcp_from_next64(uint8_t *b)
{
	return tcp6_from(b, NEXT64_6, PUBLIC6, TG_TCP_SYN);
}
static inline size_t f6_tcp_from_near(uint8_t *b)
{
	return tcp6_from(b, NEAR6, PUBLIC6, TG_TCP_SYN);
}
static inline size_t f6_tcp_from_gw(uint8_t *b)
{
	return tcp6_from(b, GW6, PUBLIC6, TG_TCP_SYN);
}
static inline size_t f6_echo_from_gw(uint8_t *b)
{
	return icmp6(b, GW6, PUBLIC6, 128);
}
static inline size_t f6_echo_from_next64(uint8_t *b)
{
	return icmp6(b, NEXT64_6, GW6, 128);
}
static inline size_t f6_udp_from_slaac(uint8_t *b)
{
	return udp6_from(b, SLAAC6, PUBLIC6, TG_DNS_PORT);
}
static inline size_t f6_udp_from_any(uint8_t *b)
{
	return udp6_from(b, ANY6, PUBLIC6, TG_DNS_PORT);
}
static inline size_t f6_icmp_from_other(uint8_t *b)
{
	return icmp6(b, OTHER6, GW6, 128);
}
static inline size_t f6_ns_ll(uint8_t *b)
{
	return icmp6(b, LL6, SNM6, 135);
}
static inline size_t f6_ns_dad(uint8_t *b)
{
	return icmp6(b, ANY6, SNM6, 135);
}
static inline size_t f6_rs(uint8_t *b)
{
	return icmp6(b, LL6, ALLRT6, 133);
}
static inline size_t f6_ns_to_ll(uint8_t *b)
{
	return icmp6(b, GUEST6, LL6, 135);
}
static inline size_t f6_echo_gw(uint8_t *b)
{
	return icmp6(b, GUEST6, GW6, 128);
}
static inline size_t f6_echo_pub(uint8_t *b)
{
	return icmp6(b, GUEST6, PUBLIC6, 128);
}
static inline size_t f6_echo_priv(uint8_t *b)
{
	return icmp6(b, GUEST6, PRIV6, 128);
}
static inline size_t f6_echo_ll_priv(uint8_t *b)
{
	return icmp6(b, LL6, PRIV6, 128);
}
static inline size_t f6_echo_ll_gw(uint8_t *b)
{
	return icmp6(b, LL6, GW6, 128);
}
static inline size_t f6_echo_ll_ll(uint8_t *b)
{
	return icmp6(b, LL6, LL6, 128);
}
static inline size_t f6_udp_dns(uint8_t *b)
{
	return udp6_from(b, GUEST6, PUBLIC6, TG_DNS_PORT);
}
static inline size_t f6_udp_pub(uint8_t *b)
{
	return udp6_from(b, GUEST6, PUBLIC6, 443);
}
static inline size_t f6_udp_priv(uint8_t *b)
{
	return udp6_from(b, GUEST6, PRIV6, 443);
}
static inline size_t f6_hbh(uint8_t *b)
{
	/* MLDv2 report: hop-by-hop with router alert, then ICMPv6 143. */
	uint8_t l4[8 + TG_ICMP_HLEN] = { TG_IPPROTO_ICMPV6, 0, 5, 2, 0, 0, 1, 0 };

	icmp_hdr(l4 + 8, 143);
	return ip6(b, LL6, ALLRT6, TG_IPPROTO_HOPOPTS, l4, sizeof(l4));
}
static inline size_t f6_hbh_guest(uint8_t *b)
{
	return setb(b, f6_hbh(b), OFF_IP6_SRC, GUEST6, 16);
}
static inline size_t f6_hbh_pub(uint8_t *b)
{
	return setb(b, f6_hbh(b), OFF_IP6_DST, PUBLIC6, 16);
}
/* UDP to PUBLIC6 (port 443) behind @n destination-options headers. */
static inline size_t udp6_ext(uint8_t *b, unsigned int n)
{
	uint8_t l4[8 * 9 + TG_UDP_HLEN], u[TG_UDP_HLEN];
	size_t len;

	udp_dgram(u, 443, 0);
	len = tb_ext6(l4, n, TG_IPPROTO_UDP, u, sizeof(u));
	return ip6(b, GUEST6, PUBLIC6, TG_IPPROTO_DSTOPTS, l4, len);
}
static inline size_t f6_ext8_udp(uint8_t *b)
{
	return udp6_ext(b, 8);
}
static inline size_t f6_ext9_udp(uint8_t *b)
{
	return udp6_ext(b, 9);
}
static inline size_t f6_ext_past_payload(uint8_t *b)
{
	size_t n = udp6_ext(b, 1);

	b[TG_ETH_HLEN + TG_IP6_HLEN + 1] = 2; /* 24 bytes claimed, 16 there */
	return n;
}
static inline size_t f6_ext_tcp(uint8_t *b)
{
	uint8_t l4[8 + TG_TCP_HLEN], t[TG_TCP_HLEN];

	tcp_hdr(t, TG_TCP_SYN);
	return ip6(b, GUEST6, PUBLIC6, TG_IPPROTO_DSTOPTS, l4,
		   tb_ext6(l4, 1, TG_IPPROTO_TCP, t, sizeof(t)));
}
static inline size_t f6_frag(uint8_t *b)
{
	/* fragment header (offset 0, MF, id 7), then an empty UDP datagram */
	uint8_t l4[8 + TG_UDP_HLEN] = { TG_IPPROTO_UDP, 0, 0, 1, 0, 0, 0, 7 };

	udp_dgram(l4 + 8, 443, 0);
	return ip6(b, GUEST6, PUBLIC6, TG_IPPROTO_FRAGMENT, l4, sizeof(l4));
}
static inline size_t f6_frag_ll(uint8_t *b)
{
	return setb(b, f6_frag(b), OFF_IP6_SRC, LL6, 16);
}

/* Long frames: a TCP segment or UDP datagram of @pay payload bytes. */
static inline size_t tcp4_long(uint8_t *b, size_t pay);
static inline size_t f_ip4_spoof_long(uint8_t *b)
{
	uint8_t v[4] = { 10, 9, 9, 9 };

	return setb(b, tcp4_long(b, 20000), OFF_L3 + 12, v, 4);
}

static uint8_t long_l4[65536]; /* the transport part of a long frame */

static inline size_t tcp4_long(uint8_t *b, size_t pay)
{
	size_t n = tcp_hdr(long_l4, TG_TCP_ACK);

	memset(long_l4 + n, 'y', pay);
	return ip4(b, GUEST4, PUBLIC4, TG_IPPROTO_TCP, long_l4, n + pay);
}
static inline size_t udp4_long(uint8_t *b, size_t pay)
{
	return ip4(b, GUEST4, PUBLIC4, TG_IPPROTO_UDP, long_l4, udp_dgram(long_l4, 443, pay));
}
static inline size_t f_tcp_super(uint8_t *b)
{
	return tcp4_long(b, 65535 - 40); /* a TSO super-frame: 64 KiB of IP */
}
static inline size_t f_tcp_jumbo(uint8_t *b)
{
	return tcp4_long(b, 9000 - 40);
}
/* tot_len claims 64 KiB; the buffers hold 32 KiB */
static inline size_t f_tcp_super_cut(uint8_t *b)
{
	return set16(b, tcp4_long(b, 32768), OFF_IP4_LEN, 65535);
}
static inline size_t f_udp_super(uint8_t *b)
{
	return udp4_long(b, 4 * 1472); /* USO: four datagrams of 1472 bytes in one */
}
static inline size_t f_udp_at_mtu(uint8_t *b)
{
	return udp4_long(b, GUEST_MTU - 28);
}
static inline size_t f6_udp_super(uint8_t *b)
{
	return ip6(b, GUEST6, PUBLIC6, TG_IPPROTO_UDP, long_l4, udp_dgram(long_l4, 443, 3000));
}
static inline size_t f6_tcp_super(uint8_t *b)
{
	size_t n = tcp_hdr(long_l4, TG_TCP_ACK);

	memset(long_l4 + n, 'y', 60000);
	return ip6(b, GUEST6, PUBLIC6, TG_IPPROTO_TCP, long_l4, n + 60000);
}
static inline size_t f6_trunc(uint8_t *b)
{
	return set16(b, tcp6(b, PUBLIC6, TG_TCP_SYN), OFF_IP6_LEN, 21);
}
static inline size_t f6_39(uint8_t *b)
{
	return tcp6(b, PUBLIC6, TG_TCP_SYN) - 20 - 1;
}
static inline size_t f6_ver4(uint8_t *b)
{
	return set8(b, tcp6(b, PUBLIC6, TG_TCP_SYN), OFF_L3, 0x40);
}
/* the last TCP header byte lies past payload_len */
static inline size_t f6_tcp_cut(uint8_t *b)
{
	return set16(b, tcp6(b, PUBLIC6, TG_TCP_SYN), OFF_IP6_LEN, 19);
}
/* next header 59: no next header */
static inline size_t f6_nh_none(uint8_t *b)
{
	return set8(b, tcp6(b, PUBLIC6, TG_TCP_SYN), OFF_IP6_NH, 59);
}

/* Published ports' answers, and what only looks like them. */
static inline size_t tcp4_pub_port(uint8_t *b, uint16_t dport, uint8_t flags)
{
	uint8_t l4[TG_TCP_HLEN];

	return ip4(b, GUEST4, PUBLIC4, TG_IPPROTO_TCP, l4,
		   tb_tcp(l4, 443, dport, 1000, 2000, flags, NULL, 0));
}
static inline size_t f_in_ack_pub(uint8_t *b)
{
	return tcp4_pub_port(b, 0xf001, TG_TCP_ACK);
}
static inline size_t f_in_udp(uint8_t *b)
{
	return udp4(b, GW4, 0xf002);
}
static inline size_t f_in_udp_pub(uint8_t *b)
{
	return udp4(b, PUBLIC4, 0xf002);
}
static inline size_t f_in_synack_pub(uint8_t *b)
{
	return tcp4_pub_port(b, 0xf001, TG_TCP_SYN | TG_TCP_ACK);
}
static inline size_t f_in_syn_pub(uint8_t *b)
{
	return tcp4_pub_port(b, 0xf001, TG_TCP_SYN);
}
static inline size_t f_in_ack_pub_low(uint8_t *b)
{
	return tcp4_pub_port(b, 0xefff, TG_TCP_ACK);
}

#endif
