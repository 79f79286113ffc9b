// SPDX-License-Identifier: MIT
/*
 * test_slot_short.c - every prefix of valid frames (ARP, IPv4 TCP with and
 * without options, UDP, ICMP, a fragment, IPv6 TCP and ICMPv6) staged from
 * a buffer of exactly that size, so that an ASan build catches any read
 * past the end: OK only once the frame is whole, and a staged slot stays
 * inside what it was given.
 */
#include "slotframes.h"

/* ---- short frames ----------------------------------------------------- */

/* Every prefix of @full (0..max(60, full length)) staged from an exact-size
 * heap buffer: no read past the end (ASan), OK only once the frame holds
 * @need bytes, and a staged slot stays inside what it was given. */
static void short_prefixes(const uint8_t *full, size_t full_len, size_t need)
{
	size_t top = full_len > 60 ? full_len : 60;

	for (size_t len = 0; len <= top && len <= full_len; len++) {
		uint8_t *copy = malloc(len ? len : 1);
		struct slot s;
		int r;

		memcpy(copy, full, len);
		r = slot_stage(&s, &cfg, copy, len);
		if (len < need && r == SLOT_OK)
			ck_fail(__FILE__, __LINE__, "len %zu (< %zu) staged OK", len, need);
		if (len >= need && r != SLOT_OK)
			ck_fail(__FILE__, __LINE__, "len %zu (>= %zu): %s", len, need,
				slot_drop_name((unsigned int)r));
		if (r == SLOT_OK)
			check_invariants(&s, len);
		free(copy);
	}
}

static void short_arp(void)
{
	uint8_t b[64] = { 0 };

	f_arp_good(b);
	short_prefixes(b, 60, 42);
}

static void short_syn4(void)
{
	uint8_t b[64] = { 0 };

	f_syn4_padded(b);
	short_prefixes(b, 60, 54);
}

static void short_syn4_options(void)
{
	uint8_t b[128] = { 0 };
	size_t n = syn4_opts(b, linux_syn_opts, sizeof(linux_syn_opts));

	short_prefixes(b, n, n);
}

static void short_udp4(void)
{
	uint8_t b[64] = { 0 };
	size_t n = udp4(b, gw4, 4);

	short_prefixes(b, 60, n);
}

static void short_icmp4(void)
{
	uint8_t b[64] = { 0 };
	size_t n = echo4(b, gw4, 0);

	short_prefixes(b, 60, n);
}

static void short_frag4(void)
{
	uint8_t b[64] = { 0 };
	size_t n = f_frag_tiny(b);

	short_prefixes(b, 60, n);
}

static void short_tcp6(void)
{
	uint8_t b[128] = { 0 };
	size_t n = tcp6(b, guest6, pub6);

	short_prefixes(b, n, n);
}

static void short_icmp6(void)
{
	uint8_t b[128] = { 0 };
	size_t n = f_icmp6_ns_from_linklocal(b);

	short_prefixes(b, n, n);
}

int main(void)
{
	slotframes_init();
	RUN(short_arp);
	RUN(short_syn4);
	RUN(short_syn4_options);
	RUN(short_udp4);
	RUN(short_icmp4);
	RUN(short_frag4);
	RUN(short_tcp6);
	RUN(short_icmp6);
	return check_summary();
}
