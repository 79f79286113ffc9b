// SPDX-License-Identifier: MIT
/*
 * fuzz_slot.c - libFuzzer target: a hostile guest frame through
 * slot_stage() with the default configuration, then through the reply
 * builders the poller would use on it.
 *
 * Input: byte 0 picks the reply buffer's capacity, the rest is the frame.
 * The frame and the reply buffer are heap copies of exactly their size, so
 * ASan catches any read past the frame or write past the capacity.
 *
 * Checked: a staged slot lies inside the frame (l3 inside the frame, l4
 * inside l3, payload inside l4); every reply fits its capacity and carries
 * valid checksums; reply_tcp_rst_from_ip() on the staged IP packet agrees
 * with reply_rst() on the frame (the two paths the poller uses).
 *
 * The builders are called within their documented preconditions, as
 * poller.c's dispatch() does: reply_arp() on SLOT_ARP, reply_echo4() on
 * IPv4 SLOT_ICMP; reply_rst() checks for itself and gets every slot.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control/config.h"
#include "lib/frames.h"
#include "wire.h"
#include "wire/reply.h"
#include "wire/slot.h"

#define CAP_MAX (TG_ETH_HLEN + 65535 + 64)
#define L3	TG_ETH_HLEN		    /* where a reply's IPv4 header starts */
#define L4	(TG_ETH_HLEN + TG_IP4_HLEN) /* and its transport header */

static struct config cfg;

#define FUZZ_ASSERT(cond)                                                                          \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "fuzz_slot: %s:%d: assertion failed: %s\n", __FILE__,      \
				__LINE__, #cond);                                                  \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

/* 0..127 byte for byte (the edges of ARP, RST and small echo replies),
 * then coarse steps, and 255 for room for anything. */
static size_t pick_cap(uint8_t b)
{
	if (b < 128)
		return b;
	if (b == 255)
		return CAP_MAX;
	return 128 + (size_t)(b - 128) * 48;
}

static void check_slot(const struct slot *s, size_t len)
{
	FUZZ_ASSERT(s->kind != SLOT_NONE);
	FUZZ_ASSERT(s->l3_off <= len && s->l3_len <= len - s->l3_off);
	FUZZ_ASSERT(s->l4_off <= len && s->l4_len <= len - s->l4_off);
	if (s->kind == SLOT_ARP) {
		FUZZ_ASSERT(s->family == 0);
		FUZZ_ASSERT(len >= TG_ETH_HLEN + TG_ARP_LEN);
		return;
	}
	FUZZ_ASSERT(s->family == 4 || s->family == 6);
	FUZZ_ASSERT(s->l3_off == TG_ETH_HLEN);
	FUZZ_ASSERT(s->l4_off >= s->l3_off + (s->family == 4 ? TG_IP4_HLEN : TG_IP6_HLEN));
	FUZZ_ASSERT(s->l4_off + s->l4_len == s->l3_off + s->l3_len);
	switch (s->kind) {
	case SLOT_TCP:
		FUZZ_ASSERT(s->l4_len >= TG_TCP_HLEN);
		FUZZ_ASSERT(s->payload_len <= s->l4_len - TG_TCP_HLEN);
		FUZZ_ASSERT(s->sport && s->dport);
		break;
	case SLOT_UDP:
		FUZZ_ASSERT(s->l4_len >= TG_UDP_HLEN);
		FUZZ_ASSERT(s->payload_len == s->l4_len - TG_UDP_HLEN);
		break;
	case SLOT_ICMP:
		FUZZ_ASSERT(s->l4_len >= TG_ICMP_HLEN);
		break;
	case SLOT_DHCP: /* a client's message: UDP 68 to 67, to broadcast or the gateway */
		FUZZ_ASSERT(s->family == 4 && s->proto == TG_IPPROTO_UDP);
		FUZZ_ASSERT(s->sport == TG_DHCP_CLIENT_PORT && s->dport == TG_DHCP_SERVER_PORT);
		FUZZ_ASSERT(s->payload_len == s->l4_len - TG_UDP_HLEN);
		FUZZ_ASSERT(!memcmp(s->dst, "\xff\xff\xff\xff", 4) ||
			    !memcmp(s->dst, &cfg.gw_ip4, 4));
		break;
	default:
		break;
	}
	/* the source was checked against the guest's (or is 0.0.0.0, for a
	 * DHCP client that has no address yet) */
	if (s->family == 4)
		FUZZ_ASSERT(!memcmp(s->src, &cfg.guest_ip4, 4) ||
			    (s->kind == SLOT_DHCP && !memcmp(s->src, "\0\0\0\0", 4)));
}

/* An IPv4 reply: Ethernet to the guest, header checksum valid. */
static void check_ip4_reply(const uint8_t *r, size_t n)
{
	FUZZ_ASSERT(n >= L4);
	FUZZ_ASSERT(!memcmp(r, cfg.guest_mac, 6));
	FUZZ_ASSERT(r[L3] == 0x45);
	FUZZ_ASSERT(tb_get16(r + L3 + 2) == n - L3);
	FUZZ_ASSERT(tb_sum(0, r + L3, TG_IP4_HLEN) == 0xffff);
}

/* Run @fn into a heap buffer of exactly @cap bytes; returns the length. */
static size_t run_reply(size_t (*fn)(const struct slot *, const struct config *, uint8_t *, size_t),
			const struct slot *s, size_t cap, uint8_t *copy)
{
	uint8_t *out = malloc(cap ? cap : 1);
	size_t n = fn(s, &cfg, out, cap);

	FUZZ_ASSERT(n <= cap);
	if (copy && n)
		memcpy(copy, out, n);
	free(out);
	return n;
}

static uint8_t reply[CAP_MAX];

/* An IPv6 RST: the guest's segment answered from its destination. */
static void check_rst6(const struct slot *s, size_t n)
{
	const uint8_t *ip = reply + L3, *t = ip + TG_IP6_HLEN;

	FUZZ_ASSERT(n == 0 || n == L3 + TG_IP6_HLEN + TG_TCP_HLEN);
	if (!n)
		return;
	FUZZ_ASSERT(s->kind == SLOT_TCP && !(s->tcp_flags & TG_TCP_RST));
	FUZZ_ASSERT((ip[0] >> 4) == 6 && ip[6] == TG_IPPROTO_TCP);
	FUZZ_ASSERT(!memcmp(ip + 8, s->dst, 16) && !memcmp(ip + 24, s->src, 16));
	FUZZ_ASSERT(tb_sum(tb_pseudo(ip + 8, ip + 24, 16, TG_IPPROTO_TCP, TG_TCP_HLEN), t,
			   TG_TCP_HLEN) == 0xffff);
	FUZZ_ASSERT(t[13] & TG_TCP_RST);
}

/* Without its extension headers the frame stages again as the same flow,
 * its transport right after the fixed header (what lwIP and the
 * reassembler are given). */
static void check_flatten6(const struct slot *s)
{
	static uint8_t flat[TG_ETH_HLEN + TG_IP6_HLEN + 65536];
	struct slot f;
	size_t n = slot_flatten6(s, flat, sizeof(flat));

	FUZZ_ASSERT(n == TG_ETH_HLEN + TG_IP6_HLEN + s->l4_len);
	FUZZ_ASSERT(slot_stage(&f, &cfg, flat, n) == SLOT_OK);
	FUZZ_ASSERT(f.kind == s->kind && f.proto == s->proto && f.l4_len == s->l4_len);
	FUZZ_ASSERT(f.l4_off == TG_ETH_HLEN + TG_IP6_HLEN);
	FUZZ_ASSERT(f.sport == s->sport && f.dport == s->dport);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct slot s;
	uint8_t *frame;
	size_t len, cap, n;
	int r;

	if (!cfg.mtu)
		config_defaults(&cfg);
	if (size < 1)
		return 0;
	cap = pick_cap(data[0]);
	len = size - 1;
	frame = malloc(len ? len : 1);
	memcpy(frame, data + 1, len);

	r = slot_stage(&s, &cfg, frame, len);
	FUZZ_ASSERT(r >= 0 && r < SLOT_DROP__MAX);
	FUZZ_ASSERT(slot_drop_name((unsigned int)r) != NULL);
	if (r != SLOT_OK)
		goto out;
	check_slot(&s, len);
	(void)slot_is_syn(&s);

	if (s.kind == SLOT_ARP) {
		n = run_reply(reply_arp, &s, cap, reply);
		FUZZ_ASSERT(n == 0 || n == TG_ETH_HLEN + TG_ARP_LEN);
		if (n)
			FUZZ_ASSERT(!memcmp(reply + L3 + 8, cfg.gw_mac, 6));
	}
	if (s.kind == SLOT_ICMP && s.family == 4) {
		n = run_reply(reply_echo4, &s, cap, reply);
		FUZZ_ASSERT(n == 0 || n == L4 + s.l4_len);
		if (n) {
			check_ip4_reply(reply, n);
			FUZZ_ASSERT(tb_sum(0, reply + L4, n - L4) == 0xffff);
		}
	}
	n = run_reply(reply_rst, &s, cap, reply);
	if (s.family == 6)
		check_rst6(&s, n);
	else
		FUZZ_ASSERT(n == 0 || n == L4 + TG_TCP_HLEN);
	if (n && s.family == 4) {
		FUZZ_ASSERT(s.kind == SLOT_TCP && !(s.tcp_flags & TG_TCP_RST));
		check_ip4_reply(reply, n);
		FUZZ_ASSERT(tb_sum(tb_pseudo(reply + L3 + 12, reply + L3 + 16, 4, TG_IPPROTO_TCP,
					     TG_TCP_HLEN),
				   reply + L4, TG_TCP_HLEN) == 0xffff);
		FUZZ_ASSERT(reply[L4 + 13] & TG_TCP_RST);
	}
	if (s.family == 6 && s.l4_off != s.l3_off + TG_IP6_HLEN)
		check_flatten6(&s);
	if (s.kind == SLOT_TCP && s.family == 4) {
		/* pxtcp keeps the SYN's IP packet and answers it later */
		uint8_t *ip = malloc(s.l3_len), *out = malloc(64), direct[64];
		size_t m;

		memcpy(ip, frame + s.l3_off, s.l3_len);
		m = reply_tcp_rst_from_ip(ip, s.l3_len, &cfg, out, 64);
		if (s.l3_len > 128) {
			FUZZ_ASSERT(m == 0);
		} else {
			FUZZ_ASSERT(run_reply(reply_rst, &s, 64, direct) == m);
			FUZZ_ASSERT(!m || !memcmp(direct, out, m));
		}
		free(out);
		free(ip);
	}
out:
	free(frame);
	return 0;
}
