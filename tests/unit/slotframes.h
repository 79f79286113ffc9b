/* SPDX-License-Identifier: MIT */
/*
 * slotframes.h - guest frames for the slot unit tests (test_slot_*.c), from
 * the default configuration's addresses: the frame makers (TCP, UDP, ICMP
 * over IPv4 and IPv6), the frames of the verdict table that the field and
 * short-frame cases reuse, stage() (slot_stage() on a heap copy of exactly
 * the frame's size, so that an ASan build catches any read past the end)
 * and the invariants of a staged slot.
 *
 * Call slotframes_init() first. Everything is static inline, as in check.h.
 */
#ifndef TAPGATE_TEST_SLOTFRAMES_H
#define TAPGATE_TEST_SLOTFRAMES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "lib/frames.h"
#include "control/config.h"
#include "wire/slot.h"

static struct config cfg;
static uint8_t guest4[16], gw4[16], pub4[16], guest6[16], gw6[16], pub6[16];

/* Stage @len bytes of @b from a heap copy of exactly @len bytes. */
static inline int stage(struct slot *s, const uint8_t *b, size_t len)
{
	uint8_t *copy = malloc(len ? len : 1);
	int r;

	memcpy(copy, b, len);
	r = slot_stage(s, &cfg, copy, len);
	/* The slot points into the frame; tests only look at decoded fields
	 * after this, so the frame can go (and a use would be caught). */
	s->f.data = NULL;
	free(copy);
	return r;
}

/* Invariants of a staged slot (also checked by the fuzzer). */
static inline void check_invariants(const struct slot *s, size_t len)
{
	CHECK(s->kind != SLOT_NONE);
	CHECK(s->l3_off + s->l3_len <= len);
	CHECK(s->l4_off + s->l4_len <= len);
	if (s->kind != SLOT_ARP) {
		CHECK(s->l4_off >= s->l3_off);
		CHECK(s->l4_off + s->l4_len <= s->l3_off + s->l3_len);
	}
	if (s->kind == SLOT_TCP || s->kind == SLOT_UDP)
		CHECK(s->payload_len <= s->l4_len);
}

/* ---- frame makers ----------------------------------------------------- */

static const uint8_t linux_syn_opts[20] = {
	2, 4,  0x05, 0xb4,		     /* MSS 1460 */
	4, 2,				     /* SACK permitted */
	8, 10, 0,    0,	   0, 1, 0, 0, 0, 0, /* timestamps */
	1,				     /* NOP */
	3, 3,  7,			     /* window scale 7 */
};

static inline size_t tcp4(uint8_t *b, const uint8_t *src, const uint8_t *dst, uint8_t flags,
			  const uint8_t *opts, size_t optlen, size_t paylen)
{
	uint8_t l4[1600];
	size_t n = tb_tcp(l4, 40000, 80, 1000, flags & TG_TCP_ACK ? 5000 : 0, flags, opts, optlen);

	memset(l4 + n, 'x', paylen);
	return tb_frame4(b, cfg.guest_mac, cfg.gw_mac, src, dst, TG_IPPROTO_TCP, l4, n + paylen);
}

static inline size_t syn4(uint8_t *b)
{
	return tcp4(b, guest4, pub4, TG_TCP_SYN, NULL, 0, 0);
}

static inline size_t syn4_opts(uint8_t *b, const uint8_t *opts, size_t optlen)
{
	return tcp4(b, guest4, pub4, TG_TCP_SYN, opts, optlen, 0);
}

static inline size_t udp4(uint8_t *b, const uint8_t *dst, size_t paylen)
{
	uint8_t l4[1600];
	size_t n = tb_udp(l4, 33333, 53, paylen);

	memset(l4 + n, 'q', paylen);
	return tb_frame4(b, cfg.guest_mac, cfg.gw_mac, guest4, dst, TG_IPPROTO_UDP, l4, n + paylen);
}

static inline size_t echo4(uint8_t *b, const uint8_t *dst, size_t datalen)
{
	uint8_t l4[1600];
	size_t n = tb_echo(l4, 8, 0x1234, 1);

	memset(l4 + n, 'p', datalen);
	return tb_frame4(b, cfg.guest_mac, cfg.gw_mac, guest4, dst, TG_IPPROTO_ICMP, l4,
			 n + datalen);
}

static inline size_t tcp6(uint8_t *b, const uint8_t *src, const uint8_t *dst)
{
	uint8_t l4[64];
	size_t n = tb_tcp(l4, 40000, 443, 1000, 0, TG_TCP_SYN, NULL, 0);

	return tb_frame6(b, cfg.guest_mac, cfg.gw_mac, src, dst, TG_IPPROTO_TCP, l4, n);
}

/* Neighbour solicitation-ish ICMPv6 (type 135) of 24 bytes. */
static inline size_t icmp6(uint8_t *b, const uint8_t *src, const uint8_t *dst)
{
	uint8_t l4[24] = { 135, 0 };

	memcpy(l4 + 8, gw6, 16);
	return tb_frame6(b, cfg.guest_mac, cfg.gw_mac, src, dst, TG_IPPROTO_ICMPV6, l4, sizeof(l4));
}

static inline size_t udp6(uint8_t *b, const uint8_t *dst)
{
	uint8_t l4[16];
	size_t n = tb_udp(l4, 5353, 5353, 8);

	memset(l4 + n, 0, 8);
	return tb_frame6(b, cfg.guest_mac, cfg.gw_mac, guest6, dst, TG_IPPROTO_UDP, l4, n + 8);
}

/* ---- frames of the table that other cases reuse ------------------------ */

static inline size_t f_arp_good(uint8_t *b)
{
	return tb_arp(b, cfg.guest_mac, 1, guest4, gw4);
}

static inline size_t f_syn4_padded(uint8_t *b)
{
	size_t n = syn4(b);

	memset(b + n, 0xee, 60 - n); /* garbage padding, not zeros */
	return 60;
}

static inline size_t f_frag_tiny(uint8_t *b)
{
	/* A fragment carries no ports to trust: staged even when shorter
	 * than any transport header. */
	uint8_t l4[1] = { 0 };
	size_t n = tb_frame4(b, cfg.guest_mac, cfg.gw_mac, guest4, pub4, TG_IPPROTO_TCP, l4, 1);

	tb_put16(b + 14 + 6, 0x2000);
	tb_ip4_csum(b + 14);
	return n;
}

static inline size_t f_ack_data(uint8_t *b)
{
	return tcp4(b, guest4, pub4, TG_TCP_ACK | TG_TCP_PSH, NULL, 0, 100);
}

static inline size_t f_icmp6_ns_from_linklocal(uint8_t *b)
{
	uint8_t s[16], d[16];

	return icmp6(b, tb_addr(s, "fe80::1"), tb_addr(d, "ff02::1:ff00:1"));
}

static inline size_t f_tcp6_padded(uint8_t *b)
{
	size_t n = tcp6(b, guest6, pub6);

	memset(b + n, 0xaa, 10);
	return n + 10;
}

/* The configuration's defaults and the addresses the frames use. */
static inline void slotframes_init(void)
{
	config_defaults(&cfg);
	memcpy(guest4, &cfg.guest_ip4, 4);
	memcpy(gw4, &cfg.gw_ip4, 4);
	tb_ip4(pub4, 8, 8, 8, 8);
	memcpy(guest6, cfg.guest_ip6, 16);
	memcpy(gw6, cfg.gw_ip6, 16);
	tb_addr(pub6, "2001:db8::1");
}

#endif
