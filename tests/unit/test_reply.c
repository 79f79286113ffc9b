// SPDX-License-Identifier: MIT
/*
 * test_reply.c - the frames tapgate writes itself (reply_arp, reply_echo4,
 * reply_echo6, reply_na, reply_rst, reply_tcp_rst_from_ip): every field of the reply, checksums
 * verified with lib/frames.h's own RFC 1071 sum, and capacities one byte short
 * of the reply (heap buffers of exactly that size, so an ASan build catches
 * a write past them).
 */
#include <stdlib.h>

#include "check.h"
#include "lib/frames.h"
#include "control/config.h"
#include "wire.h"
#include "wire/reply.h"
#include "wire/slot.h"

static struct config cfg;
static uint8_t guest4[16], gw4[16], pub4[16], guest6[16], pub6[16];

/* The staged frame must outlive the slot: keep it here. */
static uint8_t frame[2048];

static int stage(struct slot *s, size_t len)
{
	return slot_stage(s, &cfg, frame, len);
}

/* Run @fn with a heap buffer of exactly @cap bytes; copy the reply out. */
static size_t build(size_t (*fn)(const struct slot *, const struct config *, uint8_t *, size_t),
		    const struct slot *s, size_t cap, uint8_t *copy)
{
	uint8_t *out = malloc(cap ? cap : 1);
	size_t n = fn(s, &cfg, out, cap);

	if (n > cap)
		ck_fail(__FILE__, __LINE__, "reply of %zu bytes in a %zu-byte buffer", n, cap);
	else if (copy)
		memcpy(copy, out, n);
	free(out);
	return n;
}

static void check_ip4_reply(const uint8_t *r, size_t n, uint8_t proto)
{
	const uint8_t *ip = r + 14;

	CHECK_MEM(r, cfg.guest_mac, 6);
	CHECK_MEM(r + 6, cfg.gw_mac, 6);
	CHECK_EQ(tb_get16(r + 12), TG_ETH_P_IP);
	CHECK_EQ(ip[0], 0x45);
	CHECK_EQ(tb_get16(ip + 2), n - 14);
	CHECK_EQ(ip[9], proto);
	CHECK(ip[8] > 0); /* TTL */
	CHECK_EQ(tb_fold(tb_sum(0, ip, 20)), 0);
}

/* ---- ARP -------------------------------------------------------------- */

static void arp_reply_fields(void)
{
	uint8_t r[64];
	struct slot s;
	size_t n = tb_arp(frame, cfg.guest_mac, 1, guest4, gw4);

	CHECK_EQ(stage(&s, n), SLOT_OK);
	n = build(reply_arp, &s, 64, r);
	CHECK_EQ(n, 42);
	CHECK_MEM(r, cfg.guest_mac, 6);
	CHECK_MEM(r + 6, cfg.gw_mac, 6);
	CHECK_EQ(tb_get16(r + 12), TG_ETH_P_ARP);
	CHECK_EQ(tb_get16(r + 14), 1);		 /* htype Ethernet */
	CHECK_EQ(tb_get16(r + 16), TG_ETH_P_IP); /* ptype IPv4 */
	CHECK_EQ(r[18], 6);
	CHECK_EQ(r[19], 4);
	CHECK_EQ(tb_get16(r + 20), 2); /* reply */
	CHECK_MEM(r + 22, cfg.gw_mac, 6);
	CHECK_MEM(r + 28, gw4, 4);
	CHECK_MEM(r + 32, cfg.guest_mac, 6);
	CHECK_MEM(r + 38, guest4, 4);
}

static void arp_probe_reply(void)
{
	uint8_t r[64], zero[4] = { 0 };
	struct slot s;
	size_t n = tb_arp(frame, cfg.guest_mac, 1, zero, gw4);

	CHECK_EQ(stage(&s, n), SLOT_OK);
	CHECK_EQ(build(reply_arp, &s, 64, r), 42);
	CHECK_MEM(r + 38, zero, 4);
}

static void arp_not_for_gateway(void)
{
	struct slot s;
	size_t n = tb_arp(frame, cfg.guest_mac, 1, guest4, pub4);

	CHECK_EQ(stage(&s, n), SLOT_OK);
	CHECK_EQ(build(reply_arp, &s, 64, NULL), 0);
}

static void arp_reply_not_answered(void)
{
	struct slot s;
	size_t n = tb_arp(frame, cfg.guest_mac, 2, guest4, gw4); /* op = reply */

	CHECK_EQ(stage(&s, n), SLOT_OK);
	CHECK_EQ(build(reply_arp, &s, 64, NULL), 0);
}

static void arp_capacity(void)
{
	struct slot s;
	size_t n = tb_arp(frame, cfg.guest_mac, 1, guest4, gw4);

	CHECK_EQ(stage(&s, n), SLOT_OK);
	CHECK_EQ(build(reply_arp, &s, 41, NULL), 0);
	CHECK_EQ(build(reply_arp, &s, 0, NULL), 0);
	CHECK_EQ(build(reply_arp, &s, 42, NULL), 42);
}

/* ---- ICMP echo -------------------------------------------------------- */

static size_t echo_frame(const uint8_t *dst, uint8_t type, size_t datalen)
{
	uint8_t l4[1600];
	size_t n = tb_echo(l4, type, 0xbeef, 0x0102);

	for (size_t i = 0; i < datalen; i++)
		l4[n + i] = (uint8_t)(i * 7 + 1);
	return tb_frame4(frame, cfg.guest_mac, cfg.gw_mac, guest4, dst, TG_IPPROTO_ICMP, l4,
			 n + datalen);
}

static void echo_reply_sized(size_t datalen)
{
	uint8_t r[1600];
	struct slot s;
	size_t n = echo_frame(gw4, 8, datalen), want = 14 + 20 + 8 + datalen;

	CHECK_EQ(stage(&s, n), SLOT_OK);
	n = build(reply_echo4, &s, sizeof(r), r);
	CHECK_EQ(n, want);
	if (n != want)
		return;
	check_ip4_reply(r, n, TG_IPPROTO_ICMP);
	CHECK_MEM(r + 14 + 12, gw4, 4);
	CHECK_MEM(r + 14 + 16, guest4, 4);
	CHECK_EQ(r[34], 0); /* echo reply */
	CHECK_EQ(r[35], 0);
	CHECK_EQ(tb_get16(r + 38), 0xbeef); /* id */
	CHECK_EQ(tb_get16(r + 40), 0x0102); /* seq */
	CHECK_MEM(r + 42, frame + 42, datalen);
	CHECK_EQ(tb_fold(tb_sum(0, r + 34, 8 + datalen)), 0);
}

static void echo_reply_56(void)
{
	echo_reply_sized(56);
}

static void echo_reply_odd_length(void)
{
	echo_reply_sized(33);
}

static void echo_reply_no_data(void)
{
	echo_reply_sized(0);
}

static void echo_reply_large(void)
{
	echo_reply_sized(1472);
}

static void echo_reply_padded_request(void)
{
	uint8_t r[128];
	struct slot s;
	size_t n = echo_frame(gw4, 8, 4);

	memset(frame + n, 0x5a, 60 - n); /* Ethernet padding is not echoed */
	CHECK_EQ(stage(&s, 60), SLOT_OK);
	n = build(reply_echo4, &s, sizeof(r), r);
	CHECK_EQ(n, 14 + 20 + 12);
	CHECK_EQ(tb_fold(tb_sum(0, r + 34, 12)), 0);
}

static void echo_not_to_gateway(void)
{
	struct slot s;
	size_t n = echo_frame(pub4, 8, 16);

	CHECK_EQ(stage(&s, n), SLOT_OK);
	CHECK_EQ(build(reply_echo4, &s, 256, NULL), 0);
}

static void echo_reply_not_answered(void)
{
	struct slot s;
	size_t n = echo_frame(gw4, 0, 16);

	CHECK_EQ(stage(&s, n), SLOT_OK);
	CHECK_EQ(build(reply_echo4, &s, 256, NULL), 0);
}

static void echo_bad_code_not_answered(void)
{
	struct slot s;
	size_t n = echo_frame(gw4, 8, 16);

	frame[35] = 1;
	CHECK_EQ(stage(&s, n), SLOT_OK);
	CHECK_EQ(build(reply_echo4, &s, 256, NULL), 0);
}

static void echo6_not_answered(void)
{
	uint8_t l4[16];
	struct slot s;
	size_t n = tb_echo(l4, 128, 1, 1);

	memset(l4 + n, 0, 8);
	n = tb_frame6(frame, cfg.guest_mac, cfg.gw_mac, guest6, cfg.gw_ip6, TG_IPPROTO_ICMPV6, l4,
		      16);
	CHECK_EQ(stage(&s, n), SLOT_OK);
	CHECK_EQ(build(reply_echo4, &s, 256, NULL), 0);
}

static void echo_capacity(void)
{
	struct slot s;
	size_t n = echo_frame(gw4, 8, 56);

	CHECK_EQ(stage(&s, n), SLOT_OK);
	CHECK_EQ(build(reply_echo4, &s, n - 1, NULL), 0);
	CHECK_EQ(build(reply_echo4, &s, 14 + 20 + 7, NULL), 0);
	CHECK_EQ(build(reply_echo4, &s, 0, NULL), 0);
	CHECK_EQ(build(reply_echo4, &s, n, NULL), n);
}

/* ---- ICMPv6 echo ------------------------------------------------------ */

static size_t echo6_frame(const uint8_t *src, const uint8_t *dst, uint8_t type, size_t datalen)
{
	uint8_t l4[1600];
	size_t n = tb_echo(l4, type, 0xbeef, 0x0102);

	for (size_t i = 0; i < datalen; i++)
		l4[n + i] = (uint8_t)(i * 5 + 3);
	return tb_frame6(frame, cfg.guest_mac, cfg.gw_mac, src, dst, TG_IPPROTO_ICMPV6, l4,
			 n + datalen);
}

/* The reply to an echo request from @src to @dst: addresses swapped, type
 * 129, id, sequence and data kept, the checksum right. */
static void echo6_reply_between(const uint8_t *src, const uint8_t *dst, size_t datalen)
{
	uint8_t r[1600];
	const uint8_t *ip = r + 14, *ic = r + 54;
	struct slot s;
	size_t n = echo6_frame(src, dst, 128, datalen), want = 14 + 40 + 8 + datalen;

	CHECK_EQ(stage(&s, n), SLOT_OK);
	n = build(reply_echo6, &s, sizeof(r), r);
	CHECK_EQ(n, want);
	if (n != want)
		return;
	CHECK_MEM(r, cfg.guest_mac, 6);
	CHECK_MEM(r + 6, cfg.gw_mac, 6);
	CHECK_EQ(tb_get16(r + 12), TG_ETH_P_IPV6);
	CHECK_EQ(ip[0] >> 4, 6);
	CHECK_EQ(tb_get16(ip + 4), 8 + datalen);
	CHECK_EQ(ip[6], TG_IPPROTO_ICMPV6);
	CHECK(ip[7] > 0);
	CHECK_MEM(ip + 8, dst, 16);
	CHECK_MEM(ip + 24, src, 16);
	CHECK_EQ(ic[0], 129);
	CHECK_EQ(ic[1], 0);
	CHECK_EQ(tb_get16(ic + 4), 0xbeef);
	CHECK_EQ(tb_get16(ic + 6), 0x0102);
	CHECK_MEM(ic + 8, frame + 62, datalen);
	CHECK_EQ(tb_fold(tb_sum(
			 tb_pseudo(ip + 8, ip + 24, 16, TG_IPPROTO_ICMPV6, (uint32_t)(8 + datalen)),
			 ic, 8 + datalen)),
		 0);
}

static void echo6_reply_gateway(void)
{
	echo6_reply_between(guest6, cfg.gw_ip6, 56);
	echo6_reply_between(guest6, cfg.gw_ip6, 33);
	echo6_reply_between(guest6, cfg.gw_ip6, 0);
	echo6_reply_between(guest6, cfg.gw_ip6, 1452);
}

/* To the gateway's link-local address, from the guest's; and from an
 * address of the guest's /64 other than the configured one. */
static void echo6_reply_linklocal_and_privacy(void)
{
	uint8_t ll_gw[16], ll_guest[16], priv[16];

	tb_addr(ll_gw, "fe80::6d:73ff:fe00:1");
	tb_addr(ll_guest, "fe80::6d:73ff:fe00:2");
	tb_addr(priv, "fd42:6d73:62::5eed:1:2:3");
	echo6_reply_between(ll_guest, ll_gw, 56);
	echo6_reply_between(priv, cfg.gw_ip6, 56);
	echo6_reply_between(priv, ll_gw, 8);
}

static void echo6_not_answered_cases(void)
{
	uint8_t unspec[16] = { 0 }, snm[16], ll_other[16];
	struct slot s;

	tb_addr(snm, "ff02::1");
	tb_addr(ll_other, "fe80::1");
	CHECK_EQ(stage(&s, echo6_frame(guest6, pub6, 128, 8)), SLOT_OK);
	CHECK_EQ(build(reply_echo6, &s, 256, NULL), 0); /* not the gateway */
	CHECK_EQ(stage(&s, echo6_frame(guest6, cfg.gw_ip6, 129, 8)), SLOT_OK);
	CHECK_EQ(build(reply_echo6, &s, 256, NULL), 0); /* a reply */
	CHECK_EQ(stage(&s, echo6_frame(ll_other, snm, 128, 8)), SLOT_OK);
	CHECK_EQ(build(reply_echo6, &s, 256, NULL), 0); /* multicast */
	CHECK_EQ(stage(&s, echo6_frame(unspec, ll_other, 128, 8)), SLOT_OK);
	CHECK_EQ(build(reply_echo6, &s, 256, NULL), 0); /* nobody to answer */
	CHECK_EQ(stage(&s, echo6_frame(guest6, cfg.gw_ip6, 128, 8)), SLOT_OK);
	frame[14 + 40 + 1] = 1; /* code 1 */
	CHECK_EQ(build(reply_echo6, &s, 256, NULL), 0);
	CHECK_EQ(stage(&s, echo_frame(gw4, 8, 16)), SLOT_OK);
	CHECK_EQ(build(reply_echo6, &s, 256, NULL), 0); /* IPv4 */
}

static void echo6_capacity(void)
{
	struct slot s;
	size_t n = echo6_frame(guest6, cfg.gw_ip6, 128, 56);

	CHECK_EQ(stage(&s, n), SLOT_OK);
	CHECK_EQ(build(reply_echo6, &s, n - 1, NULL), 0);
	CHECK_EQ(build(reply_echo6, &s, 0, NULL), 0);
	CHECK_EQ(build(reply_echo6, &s, n, NULL), n);
}

/* ---- neighbour advertisement ------------------------------------------ */

static size_t ns_frame(const uint8_t *src, const uint8_t *dst, const uint8_t *target)
{
	uint8_t l4[24] = { TG_ND_NEIGHBOR_SOLICIT };
	size_t n;

	memcpy(l4 + 8, target, 16);
	n = tb_frame6(frame, cfg.guest_mac, cfg.gw_mac, src, dst, TG_IPPROTO_ICMPV6, l4, 24);
	frame[14 + 7] = 255;
	return n;
}

static void na_reply(void)
{
	uint8_t r[128], ll[16], snm[16];
	const uint8_t *ip = r + 14, *m = r + 54;
	struct slot s;
	size_t n;

	tb_addr(ll, "fe80::6d:73ff:fe00:2");
	tb_addr(snm, "ff02::1:ff00:1");
	CHECK_EQ(stage(&s, ns_frame(ll, snm, cfg.gw_ip6)), SLOT_OK);
	CHECK_EQ(build(reply_na, &s, 14 + 40 + 32 - 1, NULL), 0);
	n = build(reply_na, &s, 14 + 40 + 32, r);
	CHECK_EQ(n, 14 + 40 + 32);
	CHECK_MEM(r, cfg.guest_mac, 6);
	CHECK_EQ(tb_get16(r + 12), TG_ETH_P_IPV6);
	CHECK_EQ(ip[7], 255);
	CHECK_MEM(ip + 8, cfg.gw_ip6, 16);
	CHECK_MEM(ip + 24, ll, 16);
	CHECK_EQ(m[0], TG_ND_NEIGHBOR_ADVERT);
	CHECK_MEM(m + 8, cfg.gw_ip6, 16);
	CHECK_EQ(tb_fold(tb_sum(tb_pseudo(ip + 8, ip + 24, 16, TG_IPPROTO_ICMPV6, 32), m, 32)), 0);
	/* not for the gateway, or not valid: no answer */
	CHECK_EQ(stage(&s, ns_frame(ll, snm, guest6)), SLOT_OK);
	CHECK_EQ(build(reply_na, &s, sizeof(r), NULL), 0);
	CHECK_EQ(stage(&s, ns_frame(ll, snm, cfg.gw_ip6)), SLOT_OK);
	frame[14 + 7] = 64;
	CHECK_EQ(build(reply_na, &s, sizeof(r), NULL), 0);
}

/* ---- TCP RST ---------------------------------------------------------- */

static size_t tcp_frame(uint8_t flags, uint32_t seq, uint32_t ack, size_t paylen)
{
	uint8_t l4[1600];
	size_t n = tb_tcp(l4, 40000, 80, seq, ack, flags, NULL, 0);

	memset(l4 + n, 'd', paylen);
	return tb_frame4(frame, cfg.guest_mac, cfg.gw_mac, guest4, pub4, TG_IPPROTO_TCP, l4,
			 n + paylen);
}

/* Common checks of a RST answering a segment from guest4:40000 to pub4:80. */
static void check_rst(const uint8_t *r, size_t n)
{
	const uint8_t *t = r + 34;

	CHECK_EQ(n, 54);
	check_ip4_reply(r, n, TG_IPPROTO_TCP);
	CHECK_MEM(r + 14 + 12, pub4, 4);
	CHECK_MEM(r + 14 + 16, guest4, 4);
	CHECK_EQ(tb_get16(t), 80);
	CHECK_EQ(tb_get16(t + 2), 40000);
	CHECK_EQ(t[12] >> 4, 5);
	CHECK_EQ(tb_fold(tb_sum(tb_pseudo(pub4, guest4, 4, TG_IPPROTO_TCP, 20), t, 20)), 0);
}

static void rst_for_syn(void)
{
	uint8_t r[64];
	struct slot s;
	size_t n = tcp_frame(TG_TCP_SYN, 0x11223344, 0, 0);

	CHECK_EQ(stage(&s, n), SLOT_OK);
	n = build(reply_rst, &s, sizeof(r), r);
	check_rst(r, n);
	CHECK_EQ(tb_get32(r + 34 + 4), 0);
	CHECK_EQ(tb_get32(r + 34 + 8), 0x11223345);
	CHECK_EQ(r[34 + 13], TG_TCP_RST | TG_TCP_ACK);
}

static void rst_for_syn_seq_wraps(void)
{
	uint8_t r[64];
	struct slot s;
	size_t n = tcp_frame(TG_TCP_SYN, 0xffffffff, 0, 0);

	CHECK_EQ(stage(&s, n), SLOT_OK);
	n = build(reply_rst, &s, sizeof(r), r);
	check_rst(r, n);
	CHECK_EQ(tb_get32(r + 34 + 8), 0);
}

static void rst_for_ack_segment(void)
{
	uint8_t r[64];
	struct slot s;
	size_t n = tcp_frame(TG_TCP_ACK | TG_TCP_PSH, 1000, 0xcafef00d, 10);

	CHECK_EQ(stage(&s, n), SLOT_OK);
	n = build(reply_rst, &s, sizeof(r), r);
	check_rst(r, n);
	CHECK_EQ(tb_get32(r + 34 + 4), 0xcafef00d); /* seq = their ack */
	CHECK_EQ(r[34 + 13], TG_TCP_RST);
	CHECK_EQ(tb_get32(r + 34 + 8), 0);
}

static void rst_for_data_without_ack(void)
{
	uint8_t r[64];
	struct slot s;
	size_t n = tcp_frame(TG_TCP_PSH | TG_TCP_FIN, 5000, 0, 10);

	CHECK_EQ(stage(&s, n), SLOT_OK);
	n = build(reply_rst, &s, sizeof(r), r);
	check_rst(r, n);
	CHECK_EQ(tb_get32(r + 34 + 8), 5000 + 10 + 1); /* data + FIN */
	CHECK_EQ(r[34 + 13], TG_TCP_RST | TG_TCP_ACK);
}

static void rst_not_for_rst(void)
{
	struct slot s;
	size_t n = tcp_frame(TG_TCP_RST, 1, 0, 0);

	CHECK_EQ(stage(&s, n), SLOT_OK);
	CHECK_EQ(build(reply_rst, &s, 64, NULL), 0);
	n = tcp_frame(TG_TCP_RST | TG_TCP_ACK, 1, 2, 0);
	CHECK_EQ(stage(&s, n), SLOT_OK);
	CHECK_EQ(build(reply_rst, &s, 64, NULL), 0);
}

static void rst_not_for_udp(void)
{
	uint8_t l4[16];
	struct slot s;
	size_t n = tb_udp(l4, 40000, 80, 0);

	n = tb_frame4(frame, cfg.guest_mac, cfg.gw_mac, guest4, pub4, TG_IPPROTO_UDP, l4, n);
	CHECK_EQ(stage(&s, n), SLOT_OK);
	CHECK_EQ(build(reply_rst, &s, 64, NULL), 0);
}

/* IPv6: the same RST, in an IPv6 header from the destination to the
 * guest's address; and kept as a bare packet, the same again. */
static void rst_for_ipv6(void)
{
	uint8_t l4[20], r[128], b[128];
	const uint8_t *ip = r + 14, *t = r + 54;
	struct slot s;
	size_t n = tb_tcp(l4, 40000, 80, 1000, 0, TG_TCP_SYN, NULL, 0);

	n = tb_frame6(frame, cfg.guest_mac, cfg.gw_mac, guest6, pub6, TG_IPPROTO_TCP, l4, n);
	CHECK_EQ(stage(&s, n), SLOT_OK);
	CHECK_EQ(build(reply_rst, &s, 73, NULL), 0);
	n = build(reply_rst, &s, sizeof(r), r);
	CHECK_EQ(n, 74);
	CHECK_EQ(tb_get16(r + 12), TG_ETH_P_IPV6);
	CHECK_EQ(ip[0] >> 4, 6);
	CHECK_EQ(tb_get16(ip + 4), 20);
	CHECK_EQ(ip[6], TG_IPPROTO_TCP);
	CHECK_MEM(ip + 8, pub6, 16);
	CHECK_MEM(ip + 24, guest6, 16);
	CHECK_EQ(tb_get16(t), 80);
	CHECK_EQ(tb_get16(t + 2), 40000);
	CHECK_EQ(tb_get32(t + 8), 1001);
	CHECK_EQ(t[13], TG_TCP_RST | TG_TCP_ACK);
	CHECK_EQ(tb_fold(tb_sum(tb_pseudo(pub6, guest6, 16, TG_IPPROTO_TCP, 20), t, 20)), 0);
	CHECK_EQ(reply_tcp_rst_from_ip(frame + 14, 60, &cfg, b, sizeof(b)), 74);
	CHECK_MEM(b, r, 74);
}

static void rst_capacity(void)
{
	struct slot s;
	size_t n = tcp_frame(TG_TCP_SYN, 1, 0, 0);

	CHECK_EQ(stage(&s, n), SLOT_OK);
	CHECK_EQ(build(reply_rst, &s, 53, NULL), 0);
	CHECK_EQ(build(reply_rst, &s, 0, NULL), 0);
	CHECK_EQ(build(reply_rst, &s, 54, NULL), 54);
}

static void rst_from_ip_matches(void)
{
	uint8_t a[64], b[64];
	uint8_t *ip;
	struct slot s;
	size_t n = tcp_frame(TG_TCP_SYN, 77, 0, 0), na, nb;

	CHECK_EQ(stage(&s, n), SLOT_OK);
	na = build(reply_rst, &s, sizeof(a), a);
	ip = malloc(n - 14);
	memcpy(ip, frame + 14, n - 14);
	nb = reply_tcp_rst_from_ip(ip, n - 14, &cfg, b, sizeof(b));
	CHECK_EQ(na, 54);
	CHECK_EQ(nb, na);
	if (na == nb)
		CHECK_MEM(a, b, na);
	CHECK_EQ(reply_tcp_rst_from_ip(ip, n - 14, &cfg, b, 53), 0);
	free(ip);
}

static void rst_from_ip_rejects(void)
{
	uint8_t out[64], big[200];
	size_t n = tcp_frame(TG_TCP_SYN, 77, 0, 0);

	frame[14 + 10] ^= 1; /* bad IPv4 checksum */
	CHECK_EQ(reply_tcp_rst_from_ip(frame + 14, n - 14, &cfg, out, sizeof(out)), 0);
	CHECK_EQ(reply_tcp_rst_from_ip(frame + 14, 0, &cfg, out, sizeof(out)), 0);
	n = tcp_frame(TG_TCP_SYN, 77, 0, 129 - 40); /* 129-byte packet: over the limit */
	memcpy(big, frame + 14, n - 14);
	CHECK_EQ(reply_tcp_rst_from_ip(big, n - 14, &cfg, out, sizeof(out)), 0);
	n = tcp_frame(TG_TCP_SYN, 77, 0, 128 - 40); /* 128: at the limit */
	memcpy(big, frame + 14, n - 14);
	CHECK_EQ(reply_tcp_rst_from_ip(big, n - 14, &cfg, out, sizeof(out)), 54);
}

int main(void)
{
	config_defaults(&cfg);
	memcpy(guest4, &cfg.guest_ip4, 4);
	memcpy(gw4, &cfg.gw_ip4, 4);
	tb_ip4(pub4, 93, 184, 216, 34);
	memcpy(guest6, cfg.guest_ip6, 16);
	tb_addr(pub6, "2001:db8::80");

	RUN(arp_reply_fields);
	RUN(arp_probe_reply);
	RUN(arp_not_for_gateway);
	RUN(arp_reply_not_answered);
	RUN(arp_capacity);
	RUN(echo_reply_56);
	RUN(echo_reply_odd_length);
	RUN(echo_reply_no_data);
	RUN(echo_reply_large);
	RUN(echo_reply_padded_request);
	RUN(echo_not_to_gateway);
	RUN(echo_reply_not_answered);
	RUN(echo_bad_code_not_answered);
	RUN(echo6_not_answered);
	RUN(echo_capacity);
	RUN(echo6_reply_gateway);
	RUN(echo6_reply_linklocal_and_privacy);
	RUN(echo6_not_answered_cases);
	RUN(echo6_capacity);
	RUN(na_reply);
	RUN(rst_for_syn);
	RUN(rst_for_syn_seq_wraps);
	RUN(rst_for_ack_segment);
	RUN(rst_for_data_without_ack);
	RUN(rst_not_for_rst);
	RUN(rst_not_for_udp);
	RUN(rst_for_ipv6);
	RUN(rst_capacity);
	RUN(rst_from_ip_matches);
	RUN(rst_from_ip_rejects);
	return check_summary();
}
