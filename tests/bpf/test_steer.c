// SPDX-License-Identifier: MIT
/*
 * test_steer.c - runs the XDP program (bpf/steer.bpf.c) on crafted frames
 * with bpf_prog_test_run_opts(), no network device involved, and checks for
 * each case the XDP return code and that exactly one verdict counter grew
 * (by one packet and by the frame's length) while every other stayed. Each
 * case runs twice: with no AF_XDP socket in the XSKMAP, where every
 * redirect must fall back to XDP_DROP counted as TG_V_DROP_NOSOCK (fail
 * closed), and with an unbound AF_XDP socket in the XSKMAP, which makes
 * bpf_redirect_map() succeed (test_run does not deliver the frame) so that
 * the TG_V_TO_* verdicts can be told apart. Then mutated frames check that
 * every frame, however broken, is counted once and never passed. Frames
 * longer than a page (TSO super-frames, jumbo frames) reach the program in
 * several buffers, as multi-buffer XDP hands them over. Needs root.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <linux/if_ether.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "lib/frames.h"
#include "steer.h"
/* The skeleton names struct tg_config, so steer.h comes first. */
#include "steer.skel.h"
#include "wire.h"

#ifndef AF_XDP
#define AF_XDP 44
#endif

/* Room in front of a frame for XDP metadata: test_run refuses data shorter
 * than an Ethernet header, so frames shorter than that are handed in with 4
 * bytes of metadata in front (xdp_md.data = 4) to make up the size. */
#define META_LEN  4
#define FRAME_MAX 66000 /* room for a 64 KiB super-frame, in several buffers */
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

static const uint8_t GUEST6[16] = { 0xfd, 0x42, 0x6d, 0x73, 0x00, 0x62, 0, 0,
				    0,	  0,	0,    0,    0,	  0,	0, 0x02 };
static const uint8_t GW6[16] = {
	0xfd, 0x42, 0x6d, 0x73, 0x00, 0x62, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01
};
static const uint8_t OTHER6[16] = { 0xfd, 0x42, 0x6d, 0x73, 0x00, 0x62, 0, 0,
				    0,	  0,	0,    0,    0,	  0,	0, 0x09 };
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
#define OFF_IP6_LEN   (OFF_L3 + 4)
#define OFF_IP6_NH    (OFF_L3 + 6)
#define OFF_IP6_SRC   (OFF_L3 + 8)
#define OFF_IP6_DST   (OFF_L3 + 24)

/* Patch a built frame of @n bytes and return @n, so that a case's frame is
 * one line: a well-formed frame, then the one thing wrong with it. The
 * frame is built (an argument) before the patch is applied (the body). */
static size_t set8(uint8_t *b, size_t n, size_t off, uint8_t v)
{
	b[off] = v;
	return n;
}

static size_t set16(uint8_t *b, size_t n, size_t off, uint16_t v)
{
	tb_put16(b + off, v);
	return n;
}

static size_t setb(uint8_t *b, size_t n, size_t off, const uint8_t *v, size_t len)
{
	memcpy(b + off, v, len);
	return n;
}

/* The program reads the transport headers' ports and flags, never their
 * checksums; frames.h fills those in all the same. */
static size_t tcp_hdr(uint8_t *l4, uint8_t flags)
{
	return tb_tcp(l4, 40000, 443, 1000, flags & TG_TCP_ACK ? 2000 : 0, flags, NULL, 0);
}

/* UDP from port 40000 with @paylen bytes of 'x'. */
static size_t udp_dgram(uint8_t *l4, uint16_t dport, size_t paylen)
{
	memset(l4 + TG_UDP_HLEN, 'x', paylen);
	return tb_udp(l4, 40000, dport, paylen) + paylen;
}

/* ICMP / ICMPv6 echo request or another type with an 8-byte header. */
static size_t icmp_hdr(uint8_t *l4, uint8_t type)
{
	return tb_echo(l4, type, 0x77, 1);
}

static size_t ip4(uint8_t *b, const uint8_t *src, const uint8_t *dst, uint8_t proto,
		  const uint8_t *l4, size_t l4len)
{
	return tb_frame4(b, GUEST_MAC, GW_MAC, src, dst, proto, l4, l4len);
}

static size_t ip6(uint8_t *b, const uint8_t *src, const uint8_t *dst, uint8_t nh, const uint8_t *l4,
		  size_t l4len)
{
	return tb_frame6(b, GUEST_MAC, GW_MAC, src, dst, nh, l4, l4len);
}

static size_t tcp4_to(uint8_t *b, const uint8_t *src, const uint8_t *dst, uint8_t flags)
{
	uint8_t l4[TG_TCP_HLEN];

	return ip4(b, src, dst, TG_IPPROTO_TCP, l4, tcp_hdr(l4, flags));
}

static size_t tcp4(uint8_t *b, const uint8_t *dst, uint8_t flags)
{
	return tcp4_to(b, GUEST4, dst, flags);
}

static size_t udp4(uint8_t *b, const uint8_t *dst, uint16_t dport)
{
	uint8_t l4[TG_UDP_HLEN + 12];

	return ip4(b, GUEST4, dst, TG_IPPROTO_UDP, l4, udp_dgram(l4, dport, 12));
}

static size_t icmp4(uint8_t *b, const uint8_t *dst)
{
	uint8_t l4[TG_ICMP_HLEN];

	return ip4(b, GUEST4, dst, TG_IPPROTO_ICMP, l4, icmp_hdr(l4, TG_ICMP_ECHO_REQUEST));
}

static size_t tcp6_from(uint8_t *b, const uint8_t *src, const uint8_t *dst, uint8_t flags)
{
	uint8_t l4[TG_TCP_HLEN];

	return ip6(b, src, dst, TG_IPPROTO_TCP, l4, tcp_hdr(l4, flags));
}

static size_t tcp6(uint8_t *b, const uint8_t *dst, uint8_t flags)
{
	return tcp6_from(b, GUEST6, dst, flags);
}

static size_t udp6_from(uint8_t *b, const uint8_t *src, const uint8_t *dst, uint16_t dport)
{
	uint8_t l4[TG_UDP_HLEN + 12];

	return ip6(b, src, dst, TG_IPPROTO_UDP, l4, udp_dgram(l4, dport, 12));
}

static size_t icmp6(uint8_t *b, const uint8_t *src, const uint8_t *dst, uint8_t type)
{
	uint8_t l4[24] = { 0 };
	size_t len = type == 135 ? 24 : 8; /* NS carries its target */

	icmp_hdr(l4, type);
	return ip6(b, src, dst, TG_IPPROTO_ICMPV6, l4, len);
}

/* An ARP request for the gateway from the guest's Ethernet address, with
 * @sha and @sip in its body. */
static size_t arp(uint8_t *b, const uint8_t *sha, const uint8_t *sip)
{
	return setb(b, tb_arp(b, sha, TG_ARP_REQUEST, sip, GW4), OFF_SRC_MAC, GUEST_MAC, 6);
}

/* ---- the cases' frames ------------------------------------------------ */

/* Ethernet */
/* an Ethernet header short of its last byte */
static size_t f_eth_13(uint8_t *b)
{
	return tb_eth(b, GW_MAC, GUEST_MAC, TG_ETH_P_IP) - 1;
}
static size_t f_eth_spoof(uint8_t *b)
{
	return setb(b, tcp4(b, PUBLIC4, TG_TCP_SYN), OFF_SRC_MAC, OTHER_MAC, 6);
}
static size_t f_eth_gwmac(uint8_t *b)
{
	return setb(b, tcp4(b, PUBLIC4, TG_TCP_SYN), OFF_SRC_MAC, GW_MAC, 6);
}
static size_t f_eth_vlan(uint8_t *b)
{
	/* a frame 4 bytes in: its ethertype is the real one, behind the tag */
	size_t n = tcp4(b + 4, PUBLIC4, TG_TCP_SYN);

	tb_eth(b, GW_MAC, GUEST_MAC, ETH_P_8021Q);
	tb_put16(b + TG_ETH_HLEN, 7); /* TCI: VLAN 7 */
	return n + 4;
}
static size_t f_eth_qinq(uint8_t *b)
{
	return set16(b, f_eth_vlan(b), OFF_ETHERTYPE, ETH_P_8021AD);
}
static size_t f_eth_lldp(uint8_t *b)
{
	return set16(b, tcp4(b, PUBLIC4, TG_TCP_SYN), OFF_ETHERTYPE, 0x88cc);
}
static size_t f_eth_only(uint8_t *b)
{
	return tb_eth(b, GW_MAC, GUEST_MAC, TG_ETH_P_IP);
}

/* ARP */
static size_t f_arp_req(uint8_t *b)
{
	return arp(b, GUEST_MAC, GUEST4);
}
static size_t f_arp_probe(uint8_t *b)
{
	return arp(b, GUEST_MAC, ANY4);
}
static size_t f_arp_spoof_ip(uint8_t *b)
{
	return arp(b, GUEST_MAC, OTHER4);
}
static size_t f_arp_spoof_mac(uint8_t *b)
{
	return arp(b, OTHER_MAC, GUEST4);
}
static size_t f_arp_short(uint8_t *b)
{
	return arp(b, GUEST_MAC, GUEST4) - 1;
}
static size_t f_arp_plen(uint8_t *b)
{
	return set8(b, arp(b, GUEST_MAC, GUEST4), OFF_L3 + 5, 16);
}
static size_t f_arp_ptype(uint8_t *b)
{
	return set16(b, arp(b, GUEST_MAC, GUEST4), OFF_L3 + 2, TG_ETH_P_IPV6);
}

/* IPv4 TCP and header checks */
static size_t f_tcp_syn_pub(uint8_t *b)
{
	return tcp4(b, PUBLIC4, TG_TCP_SYN);
}
static size_t f_tcp_ack_pub(uint8_t *b)
{
	return tcp4(b, PUBLIC4, TG_TCP_ACK);
}
static size_t f_tcp_ack_priv(uint8_t *b)
{
	return tcp4(b, PRIV4, TG_TCP_ACK);
}
static size_t f_tcp_syn_priv(uint8_t *b)
{
	return tcp4(b, PRIV4, TG_TCP_SYN);
}
static size_t f_tcp_synack_priv(uint8_t *b)
{
	return tcp4(b, PRIV4, TG_TCP_SYN | TG_TCP_ACK);
}
static size_t f_tcp_fin_priv(uint8_t *b)
{
	return tcp4(b, PRIV4, TG_TCP_FIN);
}
static size_t f_tcp_cgnat(uint8_t *b)
{
	return tcp4(b, CGNAT4, TG_TCP_ACK);
}
static size_t f_tcp_gw(uint8_t *b)
{
	return tcp4(b, GW4, TG_TCP_ACK);
}
static size_t f_ip4_spoof(uint8_t *b)
{
	return tcp4_to(b, OTHER4, PUBLIC4, TG_TCP_SYN);
}
static size_t f_ip4_spoof_zero(uint8_t *b)
{
	return tcp4_to(b, ANY4, PUBLIC4, TG_TCP_SYN);
}
/* tot_len one byte more than the frame holds */
static size_t f_ip4_trunc(uint8_t *b)
{
	return set16(b, tcp4(b, PUBLIC4, TG_TCP_SYN), OFF_IP4_LEN, 41);
}
static size_t f_ip4_len_lt_hdr(uint8_t *b)
{
	return set16(b, tcp4(b, PUBLIC4, TG_TCP_SYN), OFF_IP4_LEN, 19);
}
static size_t f_ip4_ihl4(uint8_t *b)
{
	return set8(b, tcp4(b, PUBLIC4, TG_TCP_SYN), OFF_IP4_VIHL, 0x44);
}
static size_t f_ip4_ver6(uint8_t *b)
{
	return set8(b, tcp4(b, PUBLIC4, TG_TCP_SYN), OFF_IP4_VIHL, 0x65);
}
static size_t f_ip4_19(uint8_t *b)
{
	return tcp4(b, PUBLIC4, TG_TCP_SYN) - 20 - 1;
}
/* 54 bytes of frame padded to Ethernet's minimum of 60 (b is zeroed) */
static size_t f_ip4_padded(uint8_t *b)
{
	return tcp4(b, PUBLIC4, TG_TCP_ACK) + 6;
}
static size_t f_ip4_options(uint8_t *b)
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
static size_t f_ip4_tcp_cut(uint8_t *b)
{
	return set16(b, f_ip4_padded(b), OFF_IP4_LEN, 20 + 12);
}
static size_t f_ip4_df(uint8_t *b)
{
	return set16(b, tcp4(b, PUBLIC4, TG_TCP_SYN), OFF_IP4_FRAG, 0x4000);
}
static size_t f_frag_mf(uint8_t *b)
{
	return set16(b, udp4(b, PUBLIC4, 443), OFF_IP4_FRAG, 0x2000);
}
/* offset 1480 bytes, no MF */
static size_t f_frag_last(uint8_t *b)
{
	return set16(b, udp4(b, PUBLIC4, 443), OFF_IP4_FRAG, 185);
}
static size_t f_frag_priv(uint8_t *b)
{
	return set16(b, tcp4(b, PRIV4, TG_TCP_ACK), OFF_IP4_FRAG, 0x2000);
}
static size_t f_frag_spoof(uint8_t *b)
{
	return set16(b, f_ip4_spoof(b), OFF_IP4_FRAG, 0x2000);
}

/* IPv4 UDP, ICMP, others */
static size_t f_udp_dns_pub(uint8_t *b)
{
	return udp4(b, PUBLIC4, TG_DNS_PORT);
}
static size_t f_udp_dns_priv(uint8_t *b)
{
	return udp4(b, PRIV4, TG_DNS_PORT);
}
static size_t f_udp_dns_gw(uint8_t *b)
{
	return udp4(b, GW4, TG_DNS_PORT);
}
static size_t f_udp_pub(uint8_t *b)
{
	return udp4(b, PUBLIC4, 443);
}
static size_t f_udp_mdns(uint8_t *b)
{
	return udp4(b, PUBLIC4, 5353);
}
static size_t f_udp_doq(uint8_t *b)
{
	return udp4(b, PUBLIC4, 853);
}
static size_t f_udp_priv(uint8_t *b)
{
	return udp4(b, PRIV4, 443);
}
static size_t f_udp_short(uint8_t *b)
{
	uint8_t l4[4];

	tb_put16(l4, 40000);
	tb_put16(l4 + 2, TG_DNS_PORT);
	return ip4(b, GUEST4, PUBLIC4, TG_IPPROTO_UDP, l4, sizeof(l4));
}
static size_t f_icmp_gw(uint8_t *b)
{
	return icmp4(b, GW4);
}
static size_t f_icmp_pub(uint8_t *b)
{
	return icmp4(b, PUBLIC4);
}
static size_t f_icmp_priv(uint8_t *b)
{
	return icmp4(b, PRIV4);
}
/* the first 4 bytes of an echo request */
static size_t f_icmp_short(uint8_t *b)
{
	uint8_t l4[TG_ICMP_HLEN];

	icmp_hdr(l4, TG_ICMP_ECHO_REQUEST);
	return ip4(b, GUEST4, GW4, TG_IPPROTO_ICMP, l4, 4);
}
static size_t f_gre(uint8_t *b)
{
	uint8_t l4[4] = { 0 }; /* GRE: no flags, then the payload's ethertype */

	tb_put16(l4 + 2, TG_ETH_P_IP);
	return ip4(b, GUEST4, PUBLIC4, IPPROTO_GRE, l4, sizeof(l4));
}

/* IPv6 */
static size_t f6_tcp_syn_pub(uint8_t *b)
{
	return tcp6(b, PUBLIC6, TG_TCP_SYN);
}
static size_t f6_tcp_ack_priv(uint8_t *b)
{
	return tcp6(b, PRIV6, TG_TCP_ACK);
}
static size_t f6_tcp_syn_priv(uint8_t *b)
{
	return tcp6(b, PRIV6, TG_TCP_SYN);
}
static size_t f6_tcp_gw(uint8_t *b)
{
	return tcp6(b, GW6, TG_TCP_ACK);
}
static size_t f6_tcp_from_ll(uint8_t *b)
{
	return tcp6_from(b, LL6, PUBLIC6, TG_TCP_SYN);
}
static size_t f6_tcp_from_other(uint8_t *b)
{
	return tcp6_from(b, OTHER6, PUBLIC6, TG_TCP_SYN);
}
static size_t f6_udp_from_any(uint8_t *b)
{
	return udp6_from(b, ANY6, PUBLIC6, TG_DNS_PORT);
}
static size_t f6_icmp_from_other(uint8_t *b)
{
	return icmp6(b, OTHER6, GW6, 128);
}
static size_t f6_ns_ll(uint8_t *b)
{
	return icmp6(b, LL6, SNM6, 135);
}
static size_t f6_ns_dad(uint8_t *b)
{
	return icmp6(b, ANY6, SNM6, 135);
}
static size_t f6_rs(uint8_t *b)
{
	return icmp6(b, LL6, ALLRT6, 133);
}
static size_t f6_ns_to_ll(uint8_t *b)
{
	return icmp6(b, GUEST6, LL6, 135);
}
static size_t f6_echo_gw(uint8_t *b)
{
	return icmp6(b, GUEST6, GW6, 128);
}
static size_t f6_echo_pub(uint8_t *b)
{
	return icmp6(b, GUEST6, PUBLIC6, 128);
}
static size_t f6_echo_priv(uint8_t *b)
{
	return icmp6(b, GUEST6, PRIV6, 128);
}
static size_t f6_echo_ll_priv(uint8_t *b)
{
	return icmp6(b, LL6, PRIV6, 128);
}
static size_t f6_echo_ll_gw(uint8_t *b)
{
	return icmp6(b, LL6, GW6, 128);
}
static size_t f6_echo_ll_ll(uint8_t *b)
{
	return icmp6(b, LL6, LL6, 128);
}
static size_t f6_udp_dns(uint8_t *b)
{
	return udp6_from(b, GUEST6, PUBLIC6, TG_DNS_PORT);
}
static size_t f6_udp_pub(uint8_t *b)
{
	return udp6_from(b, GUEST6, PUBLIC6, 443);
}
static size_t f6_udp_priv(uint8_t *b)
{
	return udp6_from(b, GUEST6, PRIV6, 443);
}
static size_t f6_hbh(uint8_t *b)
{
	/* MLDv2 report: hop-by-hop with router alert, then ICMPv6 143. */
	uint8_t l4[8 + TG_ICMP_HLEN] = { TG_IPPROTO_ICMPV6, 0, 5, 2, 0, 0, 1, 0 };

	icmp_hdr(l4 + 8, 143);
	return ip6(b, LL6, ALLRT6, TG_IPPROTO_HOPOPTS, l4, sizeof(l4));
}
static size_t f6_hbh_guest(uint8_t *b)
{
	return setb(b, f6_hbh(b), OFF_IP6_SRC, GUEST6, 16);
}
static size_t f6_hbh_pub(uint8_t *b)
{
	return setb(b, f6_hbh(b), OFF_IP6_DST, PUBLIC6, 16);
}
static size_t f6_frag(uint8_t *b)
{
	/* fragment header (offset 0, MF, id 7), then an empty UDP datagram */
	uint8_t l4[8 + TG_UDP_HLEN] = { TG_IPPROTO_UDP, 0, 0, 1, 0, 0, 0, 7 };

	udp_dgram(l4 + 8, 443, 0);
	return ip6(b, GUEST6, PUBLIC6, TG_IPPROTO_FRAGMENT, l4, sizeof(l4));
}
static size_t f6_frag_ll(uint8_t *b)
{
	return setb(b, f6_frag(b), OFF_IP6_SRC, LL6, 16);
}

/* Long frames: a TCP segment or UDP datagram of @pay payload bytes. */
static size_t tcp4_long(uint8_t *b, size_t pay);
static size_t f_ip4_spoof_long(uint8_t *b)
{
	uint8_t v[4] = { 10, 9, 9, 9 };

	return setb(b, tcp4_long(b, 20000), OFF_L3 + 12, v, 4);
}

static uint8_t long_l4[65536]; /* the transport part of a long frame */

static size_t tcp4_long(uint8_t *b, size_t pay)
{
	size_t n = tcp_hdr(long_l4, TG_TCP_ACK);

	memset(long_l4 + n, 'y', pay);
	return ip4(b, GUEST4, PUBLIC4, TG_IPPROTO_TCP, long_l4, n + pay);
}
static size_t udp4_long(uint8_t *b, size_t pay)
{
	return ip4(b, GUEST4, PUBLIC4, TG_IPPROTO_UDP, long_l4, udp_dgram(long_l4, 443, pay));
}
static size_t f_tcp_super(uint8_t *b)
{
	return tcp4_long(b, 65535 - 40); /* a TSO super-frame: 64 KiB of IP */
}
static size_t f_tcp_jumbo(uint8_t *b)
{
	return tcp4_long(b, 9000 - 40);
}
/* tot_len claims 64 KiB; the buffers hold 32 KiB */
static size_t f_tcp_super_cut(uint8_t *b)
{
	return set16(b, tcp4_long(b, 32768), OFF_IP4_LEN, 65535);
}
static size_t f_udp_super(uint8_t *b)
{
	return udp4_long(b, 4 * 1472); /* USO: four datagrams of 1472 bytes in one */
}
static size_t f_udp_at_mtu(uint8_t *b)
{
	return udp4_long(b, GUEST_MTU - 28);
}
static size_t f6_udp_super(uint8_t *b)
{
	return ip6(b, GUEST6, PUBLIC6, TG_IPPROTO_UDP, long_l4, udp_dgram(long_l4, 443, 3000));
}
static size_t f6_tcp_super(uint8_t *b)
{
	size_t n = tcp_hdr(long_l4, TG_TCP_ACK);

	memset(long_l4 + n, 'y', 60000);
	return ip6(b, GUEST6, PUBLIC6, TG_IPPROTO_TCP, long_l4, n + 60000);
}
static size_t f6_trunc(uint8_t *b)
{
	return set16(b, tcp6(b, PUBLIC6, TG_TCP_SYN), OFF_IP6_LEN, 21);
}
static size_t f6_39(uint8_t *b)
{
	return tcp6(b, PUBLIC6, TG_TCP_SYN) - 20 - 1;
}
static size_t f6_ver4(uint8_t *b)
{
	return set8(b, tcp6(b, PUBLIC6, TG_TCP_SYN), OFF_L3, 0x40);
}
/* the last TCP header byte lies past payload_len */
static size_t f6_tcp_cut(uint8_t *b)
{
	return set16(b, tcp6(b, PUBLIC6, TG_TCP_SYN), OFF_IP6_LEN, 19);
}
/* next header 59: no next header */
static size_t f6_nh_none(uint8_t *b)
{
	return set8(b, tcp6(b, PUBLIC6, TG_TCP_SYN), OFF_IP6_NH, 59);
}

/* ---- the table -------------------------------------------------------- */

/* Each environment is its own loaded copy of the program, with its own
 * config map. */
enum env_id {
	ENV_V6,	   /* IPv6 on, relay off, the full policy */
	ENV_RELAY, /* IPv6 on, relay on, the full policy */
	ENV_BARE,  /* nothing on, empty policy tables (every lookup misses) */
	ENV_SMALL, /* as relay, but the socket takes 2048 bytes (tg_rx_max) */
	ENV_MAX
};

static const char *const env_names[ENV_MAX] = { "v6", "relay", "bare", "small" };

struct tcase {
	const char *name;
	enum env_id env;
	size_t (*build)(uint8_t *b);
	int xdp; /* expected return once a socket is bound */
	enum tg_verdict verdict;
};

#define RDR  XDP_REDIRECT
#define DROP XDP_DROP

static const struct tcase cases[] = {
	{ "eth: 13-byte frame", ENV_V6, f_eth_13, DROP, TG_V_DROP_MALFORMED },
	{ "eth: spoofed source MAC", ENV_V6, f_eth_spoof, DROP, TG_V_DROP_SPOOF_MAC },
	{ "eth: gateway MAC as source", ENV_V6, f_eth_gwmac, DROP, TG_V_DROP_SPOOF_MAC },
	{ "eth: 802.1Q VLAN tag", ENV_V6, f_eth_vlan, DROP, TG_V_DROP_PROTO },
	{ "eth: 802.1ad tag", ENV_V6, f_eth_qinq, DROP, TG_V_DROP_PROTO },
	{ "eth: LLDP ethertype", ENV_V6, f_eth_lldp, DROP, TG_V_DROP_PROTO },
	{ "eth: IPv4 ethertype, no header", ENV_V6, f_eth_only, DROP, TG_V_DROP_MALFORMED },

	{ "arp: request from guest", ENV_V6, f_arp_req, RDR, TG_V_TO_ARP },
	{ "arp: probe from 0.0.0.0", ENV_V6, f_arp_probe, RDR, TG_V_TO_ARP },
	{ "arp: wrong sender IP", ENV_V6, f_arp_spoof_ip, DROP, TG_V_DROP_SPOOF_IP },
	{ "arp: wrong sender MAC", ENV_V6, f_arp_spoof_mac, DROP, TG_V_DROP_SPOOF_MAC },
	{ "arp: 27-byte body", ENV_V6, f_arp_short, DROP, TG_V_DROP_MALFORMED },
	{ "arp: plen 16", ENV_V6, f_arp_plen, DROP, TG_V_DROP_MALFORMED },
	{ "arp: ptype IPv6", ENV_V6, f_arp_ptype, DROP, TG_V_DROP_MALFORMED },

	{ "ipv4: TCP SYN to public", ENV_V6, f_tcp_syn_pub, RDR, TG_V_TO_TCP },
	{ "ipv4: TCP ACK to public", ENV_V6, f_tcp_ack_pub, RDR, TG_V_TO_TCP },
	{ "ipv4: TCP ACK to 10.1.2.3 (deny)", ENV_V6, f_tcp_ack_priv, DROP, TG_V_DROP_POLICY },
	{ "ipv4: TCP SYN to 10.1.2.3 (deny)", ENV_V6, f_tcp_syn_priv, RDR, TG_V_TO_DENIED_SYN },
	{ "ipv4: TCP SYN-ACK to 10.1.2.3", ENV_V6, f_tcp_synack_priv, DROP, TG_V_DROP_POLICY },
	{ "ipv4: TCP FIN to 10.1.2.3", ENV_V6, f_tcp_fin_priv, DROP, TG_V_DROP_POLICY },
	{ "ipv4: TCP to 100.64.0.5 (deny /10)", ENV_V6, f_tcp_cgnat, DROP, TG_V_DROP_POLICY },
	{ "ipv4: TCP to gateway (allow /32 in deny /10)", ENV_V6, f_tcp_gw, RDR, TG_V_TO_TCP },
	{ "ipv4: spoofed source IP", ENV_V6, f_ip4_spoof, DROP, TG_V_DROP_SPOOF_IP },
	{ "ipv4: source 0.0.0.0", ENV_V6, f_ip4_spoof_zero, DROP, TG_V_DROP_SPOOF_IP },
	{ "ipv4: tot_len > frame", ENV_V6, f_ip4_trunc, DROP, TG_V_DROP_MALFORMED },
	{ "ipv4: tot_len < header", ENV_V6, f_ip4_len_lt_hdr, DROP, TG_V_DROP_MALFORMED },
	{ "ipv4: ihl 4", ENV_V6, f_ip4_ihl4, DROP, TG_V_DROP_MALFORMED },
	{ "ipv4: version 6", ENV_V6, f_ip4_ver6, DROP, TG_V_DROP_MALFORMED },
	{ "ipv4: 19-byte header", ENV_V6, f_ip4_19, DROP, TG_V_DROP_MALFORMED },
	{ "ipv4: Ethernet padding after tot_len", ENV_V6, f_ip4_padded, RDR, TG_V_TO_TCP },
	{ "ipv4: options (ihl 6)", ENV_V6, f_ip4_options, RDR, TG_V_TO_TCP },
	{ "ipv4: TCP header cut by tot_len", ENV_V6, f_ip4_tcp_cut, DROP, TG_V_DROP_MALFORMED },
	{ "ipv4: DF is not a fragment", ENV_V6, f_ip4_df, RDR, TG_V_TO_TCP },
	{ "ipv4: first fragment (MF)", ENV_V6, f_frag_mf, RDR, TG_V_TO_FRAG },
	{ "ipv4: last fragment (offset)", ENV_V6, f_frag_last, RDR, TG_V_TO_FRAG },
	{ "ipv4: fragment to denied dst", ENV_V6, f_frag_priv, RDR, TG_V_TO_FRAG },
	{ "ipv4: UDP first fragment, relay on", ENV_RELAY, f_frag_mf, RDR, TG_V_UDP_FRAG },
	{ "ipv4: UDP last fragment, relay on", ENV_RELAY, f_frag_last, RDR, TG_V_UDP_FRAG },
	{ "ipv4: TCP fragment, relay on", ENV_RELAY, f_frag_priv, RDR, TG_V_TO_FRAG },
	{ "ipv4: fragment from spoofed src", ENV_V6, f_frag_spoof, DROP, TG_V_DROP_SPOOF_IP },
	{ "ipv4: UDP to 8.8.8.8:53", ENV_V6, f_udp_dns_pub, RDR, TG_V_TO_DNS },
	{ "ipv4: UDP to 10.1.2.3:53 (a denied resolver)", ENV_V6, f_udp_dns_priv, DROP,
	  TG_V_DROP_POLICY },
	{ "ipv4: UDP to the gateway:53", ENV_V6, f_udp_dns_gw, RDR, TG_V_TO_DNS },
	{ "ipv4: UDP to 8.8.8.8:443, relay off", ENV_V6, f_udp_pub, DROP, TG_V_DROP_UDP },
	{ "ipv4: UDP to 8.8.8.8:443, relay on", ENV_RELAY, f_udp_pub, RDR, TG_V_UDP_RELAY },
	{ "ipv4: UDP to 8.8.8.8:5353 (mDNS), relay on", ENV_RELAY, f_udp_mdns, DROP,
	  TG_V_DROP_UDP },
	{ "ipv4: UDP to 8.8.8.8:853 (DoQ), relay on", ENV_RELAY, f_udp_doq, DROP, TG_V_DROP_UDP },
	{ "ipv4: UDP to 10.1.2.3:443, relay off", ENV_V6, f_udp_priv, DROP, TG_V_DROP_POLICY },
	{ "ipv4: UDP to 10.1.2.3:443, relay on", ENV_RELAY, f_udp_priv, DROP, TG_V_DROP_POLICY },
	{ "ipv4: UDP 4-byte header", ENV_V6, f_udp_short, DROP, TG_V_DROP_MALFORMED },
	{ "ipv4: ICMP echo to gateway", ENV_V6, f_icmp_gw, RDR, TG_V_TO_ICMP },
	{ "ipv4: ICMP echo to 8.8.8.8", ENV_V6, f_icmp_pub, RDR, TG_V_TO_ICMP },
	{ "ipv4: ICMP echo to 10.1.2.3", ENV_V6, f_icmp_priv, DROP, TG_V_DROP_POLICY },
	{ "ipv4: ICMP 4-byte header", ENV_V6, f_icmp_short, DROP, TG_V_DROP_MALFORMED },
	{ "ipv4: GRE", ENV_V6, f_gre, DROP, TG_V_DROP_PROTO },

	{ "ipv6: TCP SYN to public", ENV_V6, f6_tcp_syn_pub, RDR, TG_V_TO_TCP },
	{ "ipv6: TCP ACK to fd00::1 (deny)", ENV_V6, f6_tcp_ack_priv, DROP, TG_V_DROP_POLICY },
	{ "ipv6: TCP SYN to fd00::1 (deny)", ENV_V6, f6_tcp_syn_priv, RDR, TG_V_TO_DENIED_SYN },
	{ "ipv6: TCP to gateway (allow /128)", ENV_V6, f6_tcp_gw, RDR, TG_V_TO_TCP },
	{ "ipv6: TCP from fe80::", ENV_V6, f6_tcp_from_ll, DROP, TG_V_DROP_SPOOF_IP },
	{ "ipv6: TCP from another address", ENV_V6, f6_tcp_from_other, DROP, TG_V_DROP_SPOOF_IP },
	{ "ipv6: UDP from ::", ENV_V6, f6_udp_from_any, DROP, TG_V_DROP_SPOOF_IP },
	{ "ipv6: ICMPv6 from another address", ENV_V6, f6_icmp_from_other, DROP,
	  TG_V_DROP_SPOOF_IP },
	{ "ipv6: NS from fe80:: to ff02::1:ff00:1", ENV_V6, f6_ns_ll, RDR, TG_V_TO_ICMP },
	{ "ipv6: DAD NS from ::", ENV_V6, f6_ns_dad, RDR, TG_V_TO_ICMP },
	{ "ipv6: RS from fe80:: to ff02::2", ENV_V6, f6_rs, RDR, TG_V_TO_ICMP },
	{ "ipv6: NS to a link-local address", ENV_V6, f6_ns_to_ll, RDR, TG_V_TO_ICMP },
	{ "ipv6: echo to gateway", ENV_V6, f6_echo_gw, RDR, TG_V_TO_ICMP },
	{ "ipv6: echo to public", ENV_V6, f6_echo_pub, RDR, TG_V_TO_ICMP },
	{ "ipv6: echo to fd00::1 (deny)", ENV_V6, f6_echo_priv, DROP, TG_V_DROP_POLICY },
	{ "ipv6: echo from fe80:: to fd00::1", ENV_V6, f6_echo_ll_priv, DROP, TG_V_DROP_SPOOF_IP },
	{ "ipv6: echo from fe80:: to gateway", ENV_V6, f6_echo_ll_gw, DROP, TG_V_DROP_SPOOF_IP },
	{ "ipv6: echo from fe80:: to fe80::", ENV_V6, f6_echo_ll_ll, RDR, TG_V_TO_ICMP },
	{ "ipv6: UDP to port 53", ENV_V6, f6_udp_dns, RDR, TG_V_TO_DNS },
	{ "ipv6: UDP to public:443, relay off", ENV_V6, f6_udp_pub, DROP, TG_V_DROP_UDP },
	{ "ipv6: UDP to public:443, relay on", ENV_RELAY, f6_udp_pub, RDR, TG_V_UDP_RELAY },
	{ "ipv6: UDP to fd00::1:443, relay on", ENV_RELAY, f6_udp_priv, DROP, TG_V_DROP_POLICY },
	{ "ipv6: hop-by-hop (MLD report)", ENV_V6, f6_hbh, DROP, TG_V_DROP_PROTO },
	{ "ipv6: hop-by-hop from guest6", ENV_V6, f6_hbh_guest, DROP, TG_V_DROP_PROTO },
	{ "ipv6: hop-by-hop from fe80:: to public", ENV_V6, f6_hbh_pub, DROP, TG_V_DROP_SPOOF_IP },
	{ "ipv6: no next header (59)", ENV_V6, f6_nh_none, DROP, TG_V_DROP_PROTO },
	{ "ipv6: fragment header", ENV_V6, f6_frag, RDR, TG_V_TO_FRAG },
	{ "ipv6: fragment from fe80::", ENV_V6, f6_frag_ll, DROP, TG_V_DROP_SPOOF_IP },
	{ "ipv6: payload_len > frame", ENV_V6, f6_trunc, DROP, TG_V_DROP_MALFORMED },
	{ "ipv6: 39-byte header", ENV_V6, f6_39, DROP, TG_V_DROP_MALFORMED },
	{ "ipv6: version 4", ENV_V6, f6_ver4, DROP, TG_V_DROP_MALFORMED },
	{ "ipv6: TCP header cut by payload_len", ENV_V6, f6_tcp_cut, DROP, TG_V_DROP_MALFORMED },

	{ "bare: IPv6 off", ENV_BARE, f6_tcp_syn_pub, DROP, TG_V_DROP_PROTO },
	{ "bare: IPv6 NS, IPv6 off", ENV_BARE, f6_ns_dad, DROP, TG_V_DROP_PROTO },
	{ "bare: policy miss, TCP ACK", ENV_BARE, f_tcp_ack_pub, DROP, TG_V_DROP_POLICY },
	{ "bare: policy miss, TCP SYN", ENV_BARE, f_tcp_syn_pub, RDR, TG_V_TO_DENIED_SYN },
	{ "bare: policy miss, UDP", ENV_BARE, f_udp_pub, DROP, TG_V_DROP_POLICY },
	{ "bare: policy miss, ICMP to 8.8.8.8", ENV_BARE, f_icmp_pub, DROP, TG_V_DROP_POLICY },
	{ "bare: policy miss, ICMP to gateway", ENV_BARE, f_icmp_gw, RDR, TG_V_TO_ICMP },
	{ "bare: policy miss, DNS to 8.8.8.8", ENV_BARE, f_udp_dns_pub, DROP, TG_V_DROP_POLICY },
	{ "bare: policy miss, DNS to the gateway", ENV_BARE, f_udp_dns_gw, RDR, TG_V_TO_DNS },
	{ "bare: ARP", ENV_BARE, f_arp_req, RDR, TG_V_TO_ARP },

	{ "long: TCP super-frame, 64 KiB", ENV_V6, f_tcp_super, RDR, TG_V_TO_TCP },
	{ "long: TCP jumbo frame, 9000", ENV_V6, f_tcp_jumbo, RDR, TG_V_TO_TCP },
	{ "long: tot_len past the last buffer", ENV_V6, f_tcp_super_cut, DROP,
	  TG_V_DROP_MALFORMED },
	{ "long: IPv6 TCP super-frame", ENV_V6, f6_tcp_super, RDR, TG_V_TO_TCP },
	{ "long: UDP at the MTU, relay on", ENV_RELAY, f_udp_at_mtu, RDR, TG_V_UDP_RELAY },
	{ "long: UDP super-frame (USO), relay on", ENV_RELAY, f_udp_super, DROP,
	  TG_V_DROP_UDP_GSO },
	{ "long: UDP super-frame (USO), relay off", ENV_V6, f_udp_super, DROP, TG_V_DROP_UDP_GSO },
	{ "long: IPv6 UDP super-frame", ENV_RELAY, f6_udp_super, DROP, TG_V_DROP_UDP_GSO },
	{ "small rx: TCP super-frame", ENV_SMALL, f_tcp_super, DROP, TG_V_DROP_OVERSIZE },
	{ "small rx: TCP SYN fits", ENV_SMALL, f_tcp_syn_pub, RDR, TG_V_TO_TCP },
	{ "small rx: UDP at the MTU", ENV_SMALL, f_udp_at_mtu, RDR, TG_V_UDP_RELAY },
	{ "small rx: spoofed super-frame", ENV_SMALL, f_ip4_spoof_long, DROP, TG_V_DROP_SPOOF_IP },
};

#define NCASES (sizeof(cases) / sizeof(cases[0]))

static const char *const verdict_names[TG_V_MAX] = {
	[TG_V_TO_TCP] = "TO_TCP",
	[TG_V_TO_DNS] = "TO_DNS",
	[TG_V_TO_ARP] = "TO_ARP",
	[TG_V_TO_ICMP] = "TO_ICMP",
	[TG_V_TO_FRAG] = "TO_FRAG",
	[TG_V_TO_DENIED_SYN] = "TO_DENIED_SYN",
	[TG_V_UDP_RELAY] = "UDP_RELAY",
	[TG_V_UDP_FRAG] = "UDP_FRAG",
	[TG_V_DROP_MALFORMED] = "DROP_MALFORMED",
	[TG_V_DROP_SPOOF_MAC] = "DROP_SPOOF_MAC",
	[TG_V_DROP_SPOOF_IP] = "DROP_SPOOF_IP",
	[TG_V_DROP_POLICY] = "DROP_POLICY",
	[TG_V_DROP_PROTO] = "DROP_PROTO",
	[TG_V_DROP_NOSOCK] = "DROP_NOSOCK",
	[TG_V_DROP_UDP] = "DROP_UDP",
	[TG_V_DROP_UDP_GSO] = "DROP_UDP_GSO",
	[TG_V_DROP_OVERSIZE] = "DROP_OVERSIZE",
};

/* ---- environments ----------------------------------------------------- */

struct env {
	struct steer_bpf *skel;
	int prog_fd;
	int xsks_fd;
	int counters_fd;
};

static int ncpus;

/* Chains of one entry each, in generation 0: CHAIN_ALLOW at 0, CHAIN_DENY
 * at 1 (the compiler's output in small; tests/bpf/test_policy.c runs the
 * real one). */
enum { CHAIN_ALLOW = 0, CHAIN_DENY = 1 };

static int add_rule4(int fd, const uint8_t *addr, uint32_t plen, uint8_t action, uint8_t group)
{
	struct tg_lpm4 key = { .prefixlen = TG_LPM_GEN_BITS + plen };
	struct tg_region r = { .chain = { CHAIN_ALLOW,
					  action == TG_ACT_ALLOW ? CHAIN_ALLOW : CHAIN_DENY },
			       .group = group };

	memcpy(key.addr, addr, 4);
	return bpf_map_update_elem(fd, &key, &r, BPF_ANY) ? -errno : 0;
}

static int add_rule6(int fd, const uint8_t *addr, uint32_t plen, uint8_t action, uint8_t group)
{
	struct tg_lpm6 key = { .prefixlen = TG_LPM_GEN_BITS + plen };
	struct tg_region r = { .chain = { CHAIN_ALLOW,
					  action == TG_ACT_ALLOW ? CHAIN_ALLOW : CHAIN_DENY },
			       .group = group };

	memcpy(key.addr, addr, 16);
	return bpf_map_update_elem(fd, &key, &r, BPF_ANY) ? -errno : 0;
}

static int add_chains(int fd)
{
	struct tg_pentry allow = { .port_hi = 0xffff, .protos = TG_PP_ALL, .action = TG_ACT_ALLOW };
	struct tg_pentry deny = { .port_hi = 0xffff, .protos = TG_PP_ALL, .action = TG_ACT_DENY };
	uint32_t k0 = CHAIN_ALLOW, k1 = CHAIN_DENY;

	if (bpf_map_update_elem(fd, &k0, &allow, BPF_ANY) ||
	    bpf_map_update_elem(fd, &k1, &deny, BPF_ANY))
		return -errno;
	return 0;
}

/* The default egress policy in small: public allowed, private denied, the
 * gateway allowed inside the denied 100.64/10 (longest prefix wins). */
static int fill_policy(struct steer_bpf *skel)
{
	int p4 = bpf_map__fd(skel->maps.TG_MAP_POLICY4);
	int p6 = bpf_map__fd(skel->maps.TG_MAP_POLICY6);
	static const uint8_t fc00[16] = { 0xfc };
	int err = add_chains(bpf_map__fd(skel->maps.TG_MAP_PCHAIN));

	err = err ?: add_rule4(p4, ANY4, 0, TG_ACT_ALLOW, TG_G_PUBLIC);
	err = err ?: add_rule4(p4, (uint8_t[]){ 10, 0, 0, 0 }, 8, TG_ACT_DENY, TG_G_PRIVATE);
	err = err ?: add_rule4(p4, (uint8_t[]){ 100, 64, 0, 0 }, 10, TG_ACT_DENY, TG_G_PRIVATE);
	err = err ?: add_rule4(p4, GW4, 32, TG_ACT_ALLOW, TG_G_GATEWAY);
	err = err ?: add_rule6(p6, ANY6, 0, TG_ACT_ALLOW, TG_G_PUBLIC);
	err = err ?: add_rule6(p6, fc00, 7, TG_ACT_DENY, TG_G_PRIVATE);
	err = err ?: add_rule6(p6, GW6, 128, TG_ACT_ALLOW, TG_G_GATEWAY);
	return err;
}

static int env_open(struct env *e, enum env_id id)
{
	struct tg_config cfgv = { 0 }, *cfg = &cfgv;
	__u32 zero = 0;
	int err;

	e->skel = steer_bpf__open();
	if (!e->skel)
		return -errno;
	err = steer_bpf__load(e->skel);
	if (err)
		return err;
	cfg->abi = TG_ABI;
	memcpy(cfg->guest_mac, GUEST_MAC, 6);
	memcpy(cfg->gw_mac, GW_MAC, 6);
	memcpy(&cfg->guest_ip4, GUEST4, 4);
	memcpy(&cfg->gw_ip4, GW4, 4);
	memcpy(cfg->guest_ip6, GUEST6, 16);
	memcpy(cfg->gw_ip6, GW6, 16);
	cfg->flags = id == ENV_BARE ? 0 : TG_CFG_IPV6;
	if (id == ENV_RELAY || id == ENV_SMALL)
		cfg->flags |= TG_CFG_UDP_RELAY;
	cfg->mtu = GUEST_MTU;
	if (bpf_map_update_elem(bpf_map__fd(e->skel->maps.TG_MAP_CONFIG), &zero, cfg, BPF_ANY))
		return -errno;
	/* The daemon's value without multi-buffer: one 2048-byte chunk. */
	e->skel->bss->tg_rx_max = id == ENV_SMALL ? 2048 - 256 : 0;
	if (id != ENV_BARE) {
		err = fill_policy(e->skel);
		if (err)
			return err;
	}
	e->prog_fd = bpf_program__fd(e->skel->progs.tg_steer);
	e->xsks_fd = bpf_map__fd(e->skel->maps.TG_MAP_XSKS);
	e->counters_fd = bpf_map__fd(e->skel->maps.TG_MAP_COUNTERS);
	return 0;
}

/* Sums the per-CPU counters into out[TG_V_MAX]. */
static int read_counters(const struct env *e, struct tg_count *out)
{
	struct tg_count percpu[ncpus];

	for (uint32_t v = 0; v < TG_V_MAX; v++) {
		if (bpf_map_lookup_elem(e->counters_fd, &v, percpu))
			return -errno;
		out[v] = (struct tg_count){ 0 };
		for (int c = 0; c < ncpus; c++) {
			out[v].packets += percpu[c].packets;
			out[v].bytes += percpu[c].bytes;
		}
	}
	return 0;
}

/* Runs the program once on @frame; returns its XDP action or -errno. */
static int run_frame(const struct env *e, const uint8_t *frame, size_t len)
{
	uint8_t buf[META_LEN + FRAME_MAX];
	size_t meta = len < TG_ETH_HLEN ? META_LEN : 0;
	struct xdp_md md = { .data = meta, .data_end = meta + len };
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = buf, .data_size_in = meta + len,
		    .ctx_in = &md, .ctx_size_in = sizeof(md), .repeat = 1);

	memset(buf, 0, meta);
	memcpy(buf + meta, frame, len);
	if (bpf_prog_test_run_opts(e->prog_fd, &opts))
		return -errno;
	return opts.retval;
}

static const char *action_name(int a)
{
	switch (a) {
	case XDP_ABORTED:
		return "XDP_ABORTED";
	case XDP_DROP:
		return "XDP_DROP";
	case XDP_PASS:
		return "XDP_PASS";
	case XDP_TX:
		return "XDP_TX";
	case XDP_REDIRECT:
		return "XDP_REDIRECT";
	default:
		return "?";
	}
}

/* Fills @why for the FAIL line; returns -1 so callers can return it. */
__attribute__((format(printf, 3, 4))) static int fail(char *why, size_t whylen, const char *fmt,
						      ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, whylen, fmt, ap);
	va_end(ap);
	return -1;
}

/*
 * Runs one case in one pass and checks the action and counters. Without a
 * socket a redirect must end as XDP_DROP counted DROP_NOSOCK. Returns 0,
 * -1 with @why filled, or 1 (skipped, @why says why).
 */
static int check_case(const struct env *e, const struct tcase *c, bool xsk, char *why,
		      size_t whylen)
{
	struct tg_count before[TG_V_MAX], after[TG_V_MAX];
	bool redirect = c->xdp == XDP_REDIRECT;
	int want_ret = xsk ? c->xdp : XDP_DROP;
	int want_v = redirect && !xsk ? TG_V_DROP_NOSOCK : (int)c->verdict;
	const char *pass = xsk ? "socket bound" : "no socket";
	uint8_t frame[FRAME_MAX];
	size_t len;
	int ret, err;

	memset(frame, 0, sizeof(frame));
	len = c->build(frame);
	ret = read_counters(e, before);
	if (ret)
		return fail(why, whylen, "reading counters: %s", strerror(-ret));
	ret = run_frame(e, frame, len);
	if (ret == -EINVAL && len < TG_ETH_HLEN) {
		/* Recent kernels want TG_ETH_HLEN bytes after the metadata. */
		fail(why, whylen,
		     "this kernel's test_run refuses frames under %d bytes "
		     "(tap and veth never deliver them either)",
		     TG_ETH_HLEN);
		return 1;
	}
	if (ret < 0)
		return fail(why, whylen, "test_run: %s", strerror(-ret));
	err = read_counters(e, after);
	if (err)
		return fail(why, whylen, "reading counters: %s", strerror(-err));
	if (ret != want_ret)
		return fail(why, whylen, "%s: returned %s, want %s", pass, action_name(ret),
			    action_name(want_ret));
	for (int v = 0; v < TG_V_MAX; v++) {
		uint64_t dp = after[v].packets - before[v].packets;
		uint64_t db = after[v].bytes - before[v].bytes;
		uint64_t wp = v == want_v ? 1 : 0;

		if (dp != wp || db != wp * len)
			return fail(why, whylen,
				    "%s: %s grew by %llu packets, %llu bytes; want %s (%zu bytes)",
				    pass, verdict_names[v], (unsigned long long)dp,
				    (unsigned long long)db, verdict_names[want_v], len),
			       -1;
	}
	return 0;
}

static int set_socket(const struct env *e, int xsk_fd)
{
	/* test_run's rx_queue_index is 0: the main socket's key and the UDP
	 * relay's; one socket stands in for both. */
	uint32_t keys[2] = { 0, TG_XSK_UDP };

	for (int i = 0; i < 2; i++) {
		if (xsk_fd < 0) {
			if (bpf_map_delete_elem(e->xsks_fd, &keys[i]) && errno != ENOENT)
				return -errno;
		} else if (bpf_map_update_elem(e->xsks_fd, &keys[i], &xsk_fd, BPF_ANY)) {
			return -errno;
		}
	}
	return 0;
}

/*
 * Broken frames in bulk: every case's frame with a few bytes changed at
 * random (fixed seed), in every environment. Whatever the frame, the
 * program must return XDP_DROP or XDP_REDIRECT and count it exactly once.
 */
static int check_mutations(struct env *envs, char *why, size_t whylen)
{
	unsigned int seed = 12345;

	for (int round = 0; round < 200; round++) {
		for (size_t i = 0; i < NCASES; i++) {
			const struct env *e = &envs[round % ENV_MAX];
			struct tg_count before[TG_V_MAX], after[TG_V_MAX];
			uint64_t dp = 0, db = 0;
			uint8_t frame[FRAME_MAX] = { 0 };
			size_t len = cases[i].build(frame);
			int ret, err;

			if (len < TG_ETH_HLEN)
				continue; /* see check_case() */

			for (int k = 1 + rand_r(&seed) % 3; k > 0; k--)
				frame[rand_r(&seed) % len] ^= 1 + rand_r(&seed) % 255;
			ret = read_counters(e, before);
			if (ret)
				return fail(why, whylen, "reading counters: %s", strerror(-ret));
			ret = run_frame(e, frame, len);
			err = read_counters(e, after);
			if (err)
				return fail(why, whylen, "reading counters: %s", strerror(-err));
			for (int v = 0; v < TG_V_MAX; v++) {
				dp += after[v].packets - before[v].packets;
				db += after[v].bytes - before[v].bytes;
			}
			if ((ret != XDP_DROP && ret != XDP_REDIRECT) || dp != 1 || db != len)
				return fail(why, whylen,
					    "mutated '%s' (round %d): %s, counted %llu times",
					    cases[i].name, round,
					    ret < 0 ? strerror(-ret) : action_name(ret),
					    (unsigned long long)dp);
		}
	}
	return 0;
}

int main(void)
{
	struct env envs[ENV_MAX] = { 0 };
	int passed = 0, failed = 0, skipped = 0;
	char why[256];
	int xsk_fd, err;

	libbpf_set_strict_mode(LIBBPF_STRICT_ALL);
	ncpus = libbpf_num_possible_cpus();
	if (ncpus <= 0) {
		fprintf(stderr, "test_steer: cannot count CPUs: %s\n", strerror(-ncpus));
		return 1;
	}
	for (int i = 0; i < ENV_MAX; i++) {
		err = env_open(&envs[i], i);
		if (err) {
			fprintf(stderr, "test_steer: loading the program (%s): %s (run as root)\n",
				env_names[i], strerror(-err));
			failed++;
			goto cleanup;
		}
	}
	printf("ok verifier loads tg_steer in %d configurations\n", ENV_MAX);
	passed++;

	/* An unbound AF_XDP socket is enough for the XSKMAP entry to exist,
	 * so bpf_redirect_map() succeeds; test_run delivers nothing. */
	xsk_fd = socket(AF_XDP, SOCK_RAW, 0);
	if (xsk_fd < 0)
		printf("note: no AF_XDP socket (%s): TO_* verdicts checked as NOSOCK only\n",
		       strerror(errno));

	for (size_t i = 0; i < NCASES; i++) {
		const struct tcase *c = &cases[i];
		const struct env *e = &envs[c->env];
		int r;

		r = set_socket(e, -1);
		if (r)
			snprintf(why, sizeof(why), "clearing XSKMAP: %s", strerror(-r));
		else
			r = check_case(e, c, false, why, sizeof(why));
		if (!r && xsk_fd >= 0) {
			r = set_socket(e, xsk_fd);
			if (r)
				snprintf(why, sizeof(why), "filling XSKMAP: %s", strerror(-r));
			else
				r = check_case(e, c, true, why, sizeof(why));
		}
		if (r > 0) {
			printf("skip %s: %s\n", c->name, why);
			skipped++;
		} else if (r) {
			printf("FAIL %s: %s\n", c->name, why);
			failed++;
		} else {
			printf("ok %s\n", c->name);
			passed++;
		}
	}

	if (check_mutations(envs, why, sizeof(why))) {
		printf("FAIL mutated frames: %s\n", why);
		failed++;
	} else {
		printf("ok mutated frames: each counted once, never passed\n");
		passed++;
	}
	if (xsk_fd >= 0)
		close(xsk_fd);

cleanup:
	for (int i = 0; i < ENV_MAX; i++)
		steer_bpf__destroy(envs[i].skel);
	if (skipped)
		printf("%d skipped\n", skipped);
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
