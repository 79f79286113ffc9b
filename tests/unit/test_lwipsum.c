// SPDX-License-Identifier: MIT
/*
 * test_lwipsum.c - tapgate's lwip_standard_chksum() (user/stack/lwipsum.c)
 * against a plain RFC 1071 sum written here, on pseudo-random buffers at
 * every start alignment and many lengths, all-ones and all-zero buffers;
 * and that lwIP's own inet_chksum() (built with LWIP_CHKSUM naming ours)
 * agrees with it. A vouched TCP segment passes lwIP's own check
 * (inet_chksum_pseudo) whatever its checksum field holds, once; the next
 * check of the same bytes is a real one again.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lwip/inet_chksum.h"
#include "lwip/init.h"
#include "lwip/pbuf.h"
#include "lwip/prot/ip.h"

#include "check.h"
#include "wire.h"
#include "wire/bytes.h"
#include "wire/csum.h"
#include "stack/lwipsum.h"

typedef uint16_t (*sum_fn)(const void *, int);

/* RFC 1071, a byte pair at a time, in memory order, as lwIP defines its
 * routine's result (folded, not inverted). */
static uint16_t ref_sum(const void *data, int len)
{
	const uint8_t *b = data;
	uint8_t last[2] = { 0, 0 };
	uint32_t sum = 0;
	uint16_t w;
	int i;

	for (i = 0; i + 1 < len; i += 2) {
		memcpy(&w, b + i, 2);
		sum += w;
	}
	if (i < len) {
		last[0] = b[i];
		memcpy(&w, last, 2);
		sum += w;
	}
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

static sum_fn lwip_own(void)
{
	return ref_sum;
}

static void same_as_lwip(void)
{
	static uint8_t buf[4096 + 8];
	sum_fn ref = lwip_own();

	if (!ref)
		return; /* interposed() already failed */
	srand(7);
	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)rand();
	for (int off = 0; off < 8; off++)
		for (int len = 0; len <= 4096; len += len < 80 ? 1 : 37)
			CHECK_EQ(lwip_standard_chksum(buf + off, len), ref(buf + off, len));
	CHECK_EQ(lwip_standard_chksum(buf, -1), ref(buf, -1));
}

static void extremes(void)
{
	static uint8_t ones[65536], zeros[1500];
	sum_fn ref = lwip_own();

	if (!ref)
		return;
	memset(ones, 0xff, sizeof(ones));
	CHECK_EQ(lwip_standard_chksum(ones, sizeof(ones)), ref(ones, sizeof(ones)));
	CHECK_EQ(lwip_standard_chksum(ones + 1, 65535), ref(ones + 1, 65535));
	CHECK_EQ(lwip_standard_chksum(zeros, sizeof(zeros)), 0);
	CHECK_EQ(lwip_standard_chksum(zeros + 1, 1499), ref(zeros + 1, 1499));
}

/* liblwip's inet_chksum() goes through the symbol: it must agree. */
static void through_lwip(void)
{
	uint8_t b[1461];

	for (size_t i = 0; i < sizeof(b); i++)
		b[i] = (uint8_t)(i * 31 + 7);
	CHECK_EQ(inet_chksum(b, sizeof(b)), (uint16_t)~lwip_standard_chksum(b, sizeof(b)));
}

/* The TCP segment of @tlen bytes after @ip's header, through lwIP's
 * own verification: 0 means it passes. */
static uint16_t lwip_verdict(uint8_t *ip, uint16_t tlen, bool vouched)
{
	struct pbuf *p = pbuf_alloc(PBUF_RAW, tlen, PBUF_REF);
	ip4_addr_t src, dst;
	uint16_t r;

	if (!p)
		return 1;
	p->payload = ip + 20;
	memcpy(&src.addr, ip + 12, 4);
	memcpy(&dst.addr, ip + 16, 4);
	if (vouched)
		lwipsum_vouch_tcp4(ip, 20u + tlen);
	r = inet_chksum_pseudo(p, IP_PROTO_TCP, tlen, &src, &dst);
	pbuf_free(p);
	return r;
}

static void vouch_passes_lwip(void)
{
	static uint8_t ip[20 + 1480];

	CHECK(lwipsum_active());
	srand(11);
	for (uint16_t tlen = 20; tlen <= 1480; tlen += tlen < 60 ? 1 : 53) {
		for (size_t i = 0; i < sizeof(ip); i++)
			ip[i] = (uint8_t)rand();
		ip[0] = 0x45;
		CHECK_EQ(lwip_verdict(ip, tlen, true), 0);
		/* The vouch was used up: the same garbage is checked for real
		 * (and fails, unless the random field happens to be right). */
		wr16(ip + 36, 0);
		wr16(ip + 36, (uint16_t)(csum_fold(csum_add(csum_pseudo4(ip + 12, ip + 16,
									 TG_IPPROTO_TCP, tlen),
							    ip + 20, tlen)) +
					 1));
		CHECK(lwip_verdict(ip, tlen, false) != 0);
		wr16(ip + 36, (uint16_t)(rd16(ip + 36) - 1));
		CHECK_EQ(lwip_verdict(ip, tlen, false), 0);
	}
}

int main(void)
{
	lwip_init();
	RUN(same_as_lwip);
	RUN(extremes);
	RUN(through_lwip);
	RUN(vouch_passes_lwip);
	return check_summary();
}
