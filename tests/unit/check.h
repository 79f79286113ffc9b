/* SPDX-License-Identifier: MIT */
/*
 * check.h - the unit tests' tiny harness and frame builders.
 *
 * Harness: a case is a function run by RUN(fn) (or a table row between
 * case_begin() and case_end()); CHECK*() records the first failure of the
 * case and goes on. Each case prints "ok NAME" or "FAIL NAME: why", and
 * check_summary() prints "N passed, N failed" and returns the exit status.
 *
 * Builders write whole Ethernet frames with correct IPv4 header and
 * TCP/UDP/ICMP checksums, computed here independently of user/wire/frame.c so
 * that checksums produced by the code under test are verified against a
 * second implementation. tests/fuzz/gen_corpus.py builds the same frames
 * for the fuzz seeds.
 *
 * Everything is static inline: each test includes only what it uses, and
 * no name can clash with the user objects the tests link against.
 */
#ifndef TAPGATE_TEST_CHECK_H
#define TAPGATE_TEST_CHECK_H

#include <arpa/inet.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* ---- harness ---------------------------------------------------------- */

struct ck_state {
	const char *name;
	bool failed;
	char why[512];
	int passed, nfailed;
};

static struct ck_state ck;

static inline void case_begin(const char *name)
{
	ck.name = name;
	ck.failed = false;
	ck.why[0] = '\0';
}

static inline void case_end(void)
{
	if (ck.failed) {
		printf("FAIL %s: %s\n", ck.name, ck.why);
		ck.nfailed++;
	} else {
		printf("ok %s\n", ck.name);
		ck.passed++;
	}
	fflush(stdout);
}

__attribute__((format(printf, 3, 4))) static inline void ck_fail(const char *file, int line,
								  const char *fmt, ...)
{
	va_list ap;
	int n;

	if (ck.failed)
		return; /* keep the first reason: later ones are often consequences */
	ck.failed = true;
	n = snprintf(ck.why, sizeof(ck.why), "%s:%d: ", file, line);
	if (n < 0 || (size_t)n >= sizeof(ck.why))
		return;
	va_start(ap, fmt);
	vsnprintf(ck.why + n, sizeof(ck.why) - (size_t)n, fmt, ap);
	va_end(ap);
}

static inline int check_summary(void)
{
	printf("%d passed, %d failed\n", ck.passed, ck.nfailed);
	return ck.nfailed ? 1 : 0;
}

#define CHECK(cond)                                                    \
	do {                                                           \
		if (!(cond))                                           \
			ck_fail(__FILE__, __LINE__, "CHECK(%s)", #cond); \
	} while (0)

#define CHECK_EQ(a, b)                                                                    \
	do {                                                                              \
		long long ck_a_ = (long long)(a), ck_b_ = (long long)(b);                 \
		if (ck_a_ != ck_b_)                                                       \
			ck_fail(__FILE__, __LINE__, "%s == %s: got %lld, want %lld", #a, #b, \
				ck_a_, ck_b_);                                            \
	} while (0)

#define CHECK_MEM(a, b, n)                                                          \
	do {                                                                        \
		if (memcmp((a), (b), (n)))                                          \
			ck_fail(__FILE__, __LINE__, "memcmp(%s, %s, %s) != 0", #a, #b, \
				#n);                                                \
	} while (0)

#define RUN(fn)                  \
	do {                     \
		case_begin(#fn); \
		fn();            \
		case_end();      \
	} while (0)

/* ---- byte helpers ----------------------------------------------------- */

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
static inline uint32_t tb_pseudo(const uint8_t *src, const uint8_t *dst, size_t alen,
				 uint8_t proto, uint32_t len)
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
		fprintf(stderr, "check.h: bad address literal '%s'\n", s);
	return a;
}

/* ---- frame builders --------------------------------------------------- */

#define TB_ETH_HLEN 14
#define TB_ETH_IP4 0x0800
#define TB_ETH_ARP 0x0806
#define TB_ETH_IP6 0x86dd
#define TB_ICMP 1
#define TB_TCP 6
#define TB_UDP 17
#define TB_FRAG6 44
#define TB_ICMP6 58

#define TB_FIN 0x01
#define TB_SYN 0x02
#define TB_RST 0x04
#define TB_PSH 0x08
#define TB_ACK 0x10

static inline size_t tb_eth(uint8_t *out, const uint8_t dst[6], const uint8_t src[6],
			    uint16_t type)
{
	memcpy(out, dst, 6);
	memcpy(out + 6, src, 6);
	tb_put16(out + 12, type);
	return TB_ETH_HLEN;
}

/* ARP over Ethernet/IPv4, broadcast destination; returns 42. */
static inline size_t tb_arp(uint8_t *out, const uint8_t smac[6], uint16_t op,
			    const uint8_t sip[4], const uint8_t tip[4])
{
	static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	uint8_t *a = out + tb_eth(out, bcast, smac, TB_ETH_ARP);

	tb_put16(a, 1);
	tb_put16(a + 2, TB_ETH_IP4);
	a[4] = 6;
	a[5] = 4;
	tb_put16(a + 6, op);
	memcpy(a + 8, smac, 6);
	memcpy(a + 14, sip, 4);
	memset(a + 18, 0, 6);
	memcpy(a + 24, tip, 4);
	return TB_ETH_HLEN + 28;
}

/* TCP header; @optlen must be a multiple of 4. Checksum left 0. */
static inline size_t tb_tcp(uint8_t *l4, uint16_t sport, uint16_t dport, uint32_t seq,
			    uint32_t ack, uint8_t flags, const uint8_t *opts, size_t optlen)
{
	memset(l4, 0, 20);
	tb_put16(l4, sport);
	tb_put16(l4 + 2, dport);
	tb_put32(l4 + 4, seq);
	tb_put32(l4 + 8, ack);
	l4[12] = (uint8_t)(((20 + optlen) / 4) << 4);
	l4[13] = flags;
	tb_put16(l4 + 14, 64240);
	if (optlen)
		memcpy(l4 + 20, opts, optlen);
	return 20 + optlen;
}

/* UDP header for @paylen payload bytes (written by the caller after it). */
static inline size_t tb_udp(uint8_t *l4, uint16_t sport, uint16_t dport, size_t paylen)
{
	tb_put16(l4, sport);
	tb_put16(l4 + 2, dport);
	tb_put16(l4 + 4, (uint16_t)(8 + paylen));
	tb_put16(l4 + 6, 0);
	return 8;
}

/* ICMP / ICMPv6 echo header (type 8 / 128 request); data after it. */
static inline size_t tb_echo(uint8_t *l4, uint8_t type, uint16_t id, uint16_t seq)
{
	l4[0] = type;
	l4[1] = 0;
	tb_put16(l4 + 2, 0);
	tb_put16(l4 + 4, id);
	tb_put16(l4 + 6, seq);
	return 8;
}

/* Fill the transport checksum of @l4 (@n bytes) for @proto. */
static inline void tb_l4_csum(uint8_t *l4, size_t n, uint8_t proto, const uint8_t *src,
			      const uint8_t *dst, size_t alen)
{
	size_t off;
	uint32_t sum = 0;

	switch (proto) {
	case TB_TCP:
		if (n < 20)
			return;
		off = 16;
		sum = tb_pseudo(src, dst, alen, proto, (uint32_t)n);
		break;
	case TB_UDP:
		if (n < 8)
			return;
		off = 6;
		sum = tb_pseudo(src, dst, alen, proto, (uint32_t)n);
		break;
	case TB_ICMP:
		if (n < 4)
			return;
		off = 2;
		break;
	case TB_ICMP6:
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

static inline void tb_ip4_csum(uint8_t *ip)
{
	size_t hl = (size_t)(ip[0] & 0x0f) * 4;

	tb_put16(ip + 10, 0);
	tb_put16(ip + 10, tb_fold(tb_sum(0, ip, hl)));
}

/*
 * tb_frame4() - Ethernet + 20-byte IPv4 header + @l4 (copied), with the
 * IPv4 header checksum and the transport checksum filled in.
 * Return: frame length (14 + 20 + l4len)
 */
static inline size_t tb_frame4(uint8_t *out, const uint8_t smac[6], const uint8_t dmac[6],
			       const uint8_t src[4], const uint8_t dst[4], uint8_t proto,
			       const uint8_t *l4, size_t l4len)
{
	uint8_t *ip = out + tb_eth(out, dmac, smac, TB_ETH_IP4);

	memset(ip, 0, 20);
	ip[0] = 0x45;
	tb_put16(ip + 2, (uint16_t)(20 + l4len));
	tb_put16(ip + 4, 0x1234);
	tb_put16(ip + 6, 0x4000); /* DF */
	ip[8] = 64;
	ip[9] = proto;
	memcpy(ip + 12, src, 4);
	memcpy(ip + 16, dst, 4);
	memmove(ip + 20, l4, l4len);
	tb_l4_csum(ip + 20, l4len, proto, src, dst, 4);
	tb_ip4_csum(ip);
	return TB_ETH_HLEN + 20 + l4len;
}

/* As tb_frame4() for IPv6 (40-byte header, @nh the next header). */
static inline size_t tb_frame6(uint8_t *out, const uint8_t smac[6], const uint8_t dmac[6],
			       const uint8_t src[16], const uint8_t dst[16], uint8_t nh,
			       const uint8_t *l4, size_t l4len)
{
	uint8_t *ip = out + tb_eth(out, dmac, smac, TB_ETH_IP6);

	memset(ip, 0, 40);
	ip[0] = 0x60;
	tb_put16(ip + 4, (uint16_t)l4len);
	ip[6] = nh;
	ip[7] = 64;
	memcpy(ip + 8, src, 16);
	memcpy(ip + 24, dst, 16);
	memmove(ip + 40, l4, l4len);
	tb_l4_csum(ip + 40, l4len, nh, src, dst, 16);
	return TB_ETH_HLEN + 40 + l4len;
}

/* Hex dump of a frame for failure messages while writing tests. */
static inline void tb_dump(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		fprintf(stderr, "%02x%s", p[i], (i % 16 == 15 || i + 1 == n) ? "\n" : " ");
}

#endif
