// SPDX-License-Identifier: MIT
/*
 * test_dhcp.c - the DHCP server (user/wire/dhcp.c) on client messages
 * staged by the real slot_stage() and answered through gtx into captured
 * frames (txcap.h): which message gets which answer (RFC 2131 4.3, the
 * REQUEST's four states of 4.3.2), where it goes (4.1), every field and
 * option of it with checksums verified by lib/frames.h's own sum, the
 * counters; which frames the slot takes as DHCP at all (the same addresses
 * the XDP program lets through, tests/bpf/steer_cases.h); malformed
 * messages dropped and counted, nothing sent.
 */
#include <arpa/inet.h>

#include "check.h"
#include "txcap.h"
#include "lib/frames.h"
#include "control/config.h"
#include "wire/dhcp.h"
#include "wire/slot.h"

static struct config cfg;
static struct tg_ustats st;
static uint8_t guest4[4], gw4[4], other4[4];
static const uint8_t any4[4], bcast4[4] = { 255, 255, 255, 255 };
static const uint8_t other_mac[6] = { 0x02, 0x6d, 0x73, 0, 0, 0x66 };
static uint8_t frame[2048], msg[1024];

/* Stage @len bytes of frame[] and serve it; the slot's or server's verdict. */
static int serve_frame(size_t len)
{
	struct slot s;
	int r = slot_stage(&s, &cfg, frame, len);

	if (r != SLOT_OK)
		return r;
	if (s.kind != SLOT_DHCP)
		return -1000 - (int)s.kind;
	return dhcp_serve(&s, &cfg, &st);
}

/* Message @mlen of msg[] from @src to @dst, served. */
static int serve(const uint8_t *src, const uint8_t *dst, size_t mlen)
{
	txcap_drain(TXCAP_FRAMES);
	memset(&st, 0, sizeof(st));
	return serve_frame(tb_dhcp_frame(frame, cfg.guest_mac, src, dst, msg, mlen));
}

/* The answer captured, read back. */
struct answer {
	const uint8_t *ip, *d; /* IPv4 header, DHCP message */
	size_t dlen;
	uint8_t type;
	const uint8_t *opt[256]; /* value of each option, or NULL */
	uint8_t optlen[256];
};

static bool read_answer(struct answer *a)
{
	const uint8_t *f = txcap.frame[0], *ip = f + 14, *u = ip + 20;
	size_t n = txcap.len[0] - 14, i;

	memset(a, 0, sizeof(*a));
	CHECK_EQ(txcap.n, 1);
	if (txcap.n != 1 || n < 28 + 240)
		return false;
	CHECK_MEM(f, cfg.guest_mac, 6);
	CHECK_MEM(f + 6, cfg.gw_mac, 6);
	CHECK_EQ(tb_get16(f + 12), TG_ETH_P_IP);
	CHECK_EQ(ip[0], 0x45);
	CHECK_EQ(tb_get16(ip + 2), n);
	CHECK_EQ(ip[9], TG_IPPROTO_UDP);
	CHECK_EQ(tb_fold(tb_sum(0, ip, 20)), 0);
	CHECK_MEM(ip + 12, gw4, 4);
	CHECK_EQ(tb_get16(u), 67);
	CHECK_EQ(tb_get16(u + 2), 68);
	CHECK_EQ(tb_get16(u + 4), n - 20);
	CHECK_EQ(tb_fold(tb_sum(tb_pseudo(ip + 12, ip + 16, 4, TG_IPPROTO_UDP, (uint32_t)(n - 20)),
				u, n - 20)),
		 0);
	a->ip = ip;
	a->d = u + 8;
	a->dlen = n - 28;
	CHECK(a->dlen >= 300); /* BOOTP's minimum */
	CHECK_EQ(a->d[0], 2);  /* BOOTREPLY */
	CHECK_EQ(a->d[1], 1);
	CHECK_EQ(a->d[2], 6);
	CHECK_EQ(tb_get32(a->d + 4), TB_DHCP_XID);
	CHECK_MEM(a->d + 28, cfg.guest_mac, 6);
	CHECK_EQ(tb_get32(a->d + 236), 0x63825363);
	for (i = 240; i < a->dlen && a->d[i] != 255;) {
		if (a->d[i] == 0) {
			i++;
			continue;
		}
		CHECK(i + 2 + a->d[i + 1] <= a->dlen);
		a->opt[a->d[i]] = a->d + i + 2;
		a->optlen[a->d[i]] = a->d[i + 1];
		i += 2 + a->d[i + 1];
	}
	CHECK(i < a->dlen); /* END found */
	CHECK_EQ(a->optlen[53], 1);
	a->type = a->opt[53] ? a->opt[53][0] : 0;
	CHECK_EQ(a->optlen[54], 4);
	if (a->opt[54])
		CHECK_MEM(a->opt[54], gw4, 4);
	return true;
}

static void check_opt32(const struct answer *a, uint8_t code, uint32_t want)
{
	CHECK_EQ(a->optlen[code], 4);
	if (a->opt[code])
		CHECK_EQ(tb_get32(a->opt[code]), want);
}

/* The configuration options of an OFFER or ACK; with a lease unless INFORM. */
static void check_config(const struct answer *a, bool lease)
{
	check_opt32(a, 1, 0xfffffffc); /* /30 */
	CHECK_EQ(a->optlen[3], 4);
	CHECK_EQ(a->optlen[6], 4);
	if (a->opt[3] && a->opt[6]) {
		CHECK_MEM(a->opt[3], gw4, 4);
		CHECK_MEM(a->opt[6], gw4, 4);
	}
	CHECK_EQ(a->optlen[26], 2);
	if (a->opt[26])
		CHECK_EQ(tb_get16(a->opt[26]), cfg.mtu);
	if (lease) {
		check_opt32(a, 51, 86400);
		check_opt32(a, 58, 43200);
		check_opt32(a, 59, 75600);
	} else {
		CHECK(!a->opt[51] && !a->opt[58] && !a->opt[59]);
	}
}

static void discover_offer(void)
{
	struct answer a;
	size_t n = tb_dhcp(msg, DHCP_DISCOVER, cfg.guest_mac, 0, NULL, NULL, NULL);

	CHECK_EQ(serve(any4, bcast4, n), SLOT_OK);
	if (!read_answer(&a))
		return;
	CHECK_EQ(a.type, DHCP_OFFER);
	CHECK_MEM(a.ip + 16, guest4, 4); /* no broadcast flag: to the address offered */
	CHECK_MEM(a.d + 16, guest4, 4);	 /* yiaddr */
	CHECK_MEM(a.d + 12, any4, 4);	 /* ciaddr */
	CHECK_EQ(tb_get16(a.d + 10), 0);
	check_config(&a, true);
	CHECK_EQ(st.dhcp_offers, 1);
}

static void discover_broadcast_flag(void)
{
	struct answer a;
	size_t n = tb_dhcp(msg, DHCP_DISCOVER, cfg.guest_mac, TB_DHCP_BROADCAST, NULL, NULL, NULL);

	CHECK_EQ(serve(any4, bcast4, n), SLOT_OK);
	if (!read_answer(&a))
		return;
	CHECK_MEM(a.ip + 16, bcast4, 4);
	CHECK_EQ(tb_get16(a.d + 10), TB_DHCP_BROADCAST);
}

static void discover_other_mac(void)
{
	size_t n = tb_dhcp(msg, DHCP_DISCOVER, other_mac, 0, NULL, NULL, NULL);

	CHECK_EQ(serve(any4, bcast4, n), SLOT_OK);
	CHECK_EQ(txcap.n, 0);
	CHECK_EQ(st.dhcp_ignored, 1);
	CHECK_EQ(st.dhcp_offers, 0);
}

/* A REQUEST from @src to @dst and what it must get. */
static void request(const uint8_t *src, const uint8_t *dst, const uint8_t *ciaddr,
		    const uint8_t *reqip, const uint8_t *sid, int want, const uint8_t *want_dst)
{
	struct answer a;
	size_t n = tb_dhcp(msg, DHCP_REQUEST, cfg.guest_mac, 0, ciaddr, reqip, sid);

	CHECK_EQ(serve(src, dst, n), SLOT_OK);
	if (!want) {
		CHECK_EQ(txcap.n, 0);
		CHECK_EQ(st.dhcp_ignored, 1);
		return;
	}
	if (!read_answer(&a))
		return;
	CHECK_EQ(a.type, want);
	CHECK_MEM(a.ip + 16, want_dst, 4);
	if (want == DHCP_NAK) {
		CHECK_EQ(st.dhcp_naks, 1);
		CHECK_MEM(a.d + 16, any4, 4);
		CHECK(!a.opt[1] && !a.opt[3] && !a.opt[51]);
		return;
	}
	CHECK_EQ(st.dhcp_acks, 1);
	CHECK_MEM(a.d + 16, guest4, 4);
	CHECK_MEM(a.d + 12, ciaddr ? ciaddr : any4, 4);
	check_config(&a, true);
}

static void request_selecting(void)
{
	request(any4, bcast4, NULL, guest4, gw4, DHCP_ACK, guest4);
}

static void request_selecting_other_server(void)
{
	request(any4, bcast4, NULL, guest4, other4, 0, NULL);
}

static void request_selecting_other_address(void)
{
	request(any4, bcast4, NULL, other4, gw4, DHCP_NAK, bcast4);
}

static void request_init_reboot(void)
{
	request(any4, bcast4, NULL, guest4, NULL, DHCP_ACK, guest4);
}

static void request_init_reboot_other_address(void)
{
	request(any4, bcast4, NULL, other4, NULL, DHCP_NAK, bcast4);
}

static void request_renewing(void)
{
	request(guest4, gw4, guest4, NULL, NULL, DHCP_ACK, guest4);
}

static void request_rebinding(void)
{
	request(guest4, bcast4, guest4, NULL, NULL, DHCP_ACK, guest4);
}

static void request_renewing_other_address(void)
{
	request(guest4, gw4, other4, NULL, NULL, DHCP_NAK, bcast4);
}

static void request_nothing_asked(void)
{
	request(any4, bcast4, NULL, NULL, NULL, DHCP_NAK, bcast4);
}

static void release_and_decline(void)
{
	size_t n = tb_dhcp(msg, DHCP_RELEASE, cfg.guest_mac, 0, guest4, NULL, gw4);

	CHECK_EQ(serve(guest4, gw4, n), SLOT_OK);
	CHECK_EQ(txcap.n, 0);
	CHECK_EQ(st.dhcp_released, 1);
	n = tb_dhcp(msg, DHCP_DECLINE, cfg.guest_mac, 0, NULL, guest4, gw4);
	CHECK_EQ(serve(any4, bcast4, n), SLOT_OK);
	CHECK_EQ(txcap.n, 0);
	CHECK_EQ(st.dhcp_released, 1);
}

static void inform(void)
{
	struct answer a;
	size_t n = tb_dhcp(msg, DHCP_INFORM, cfg.guest_mac, 0, guest4, NULL, NULL);

	CHECK_EQ(serve(guest4, bcast4, n), SLOT_OK);
	if (!read_answer(&a))
		return;
	CHECK_EQ(a.type, DHCP_ACK);
	CHECK_MEM(a.ip + 16, guest4, 4); /* to ciaddr */
	CHECK_MEM(a.d + 16, any4, 4);	 /* no yiaddr */
	check_config(&a, false);
	n = tb_dhcp(msg, DHCP_INFORM, cfg.guest_mac, 0, other4, NULL, NULL);
	CHECK_EQ(serve(guest4, bcast4, n), SLOT_OK);
	CHECK_EQ(txcap.n, 0);
	CHECK_EQ(st.dhcp_ignored, 1);
}

static void no_tx_room(void)
{
	size_t n = tb_dhcp(msg, DHCP_DISCOVER, cfg.guest_mac, 0, NULL, NULL, NULL);
	size_t len = tb_dhcp_frame(frame, cfg.guest_mac, any4, bcast4, msg, n);

	txcap_drain(0);
	memset(&st, 0, sizeof(st));
	CHECK_EQ(serve_frame(len), SLOT_DROP_NOMEM);
	CHECK_EQ(st.dhcp_offers, 0);
}

/* Options the server reads over, padding, duplicates, no END. */
static void options_tolerated(void)
{
	size_t n = tb_dhcp(msg, DHCP_DISCOVER, cfg.guest_mac, 0, NULL, NULL, NULL);
	uint8_t *o = msg + n - 1; /* over END */
	struct answer a;

	*o++ = 0;
	*o++ = 0;
	o = tb_dhcp_opt(o, 53, (const uint8_t[]){ DHCP_RELEASE }, 1); /* the first counts */
	o = tb_dhcp_opt(o, 55, (const uint8_t[]){ 1, 3, 6, 26, 51 }, 5);
	o = tb_dhcp_opt(o, 52, (const uint8_t[]){ 3 }, 1); /* overload: not followed */
	CHECK_EQ(serve(any4, bcast4, (size_t)(o - msg)), SLOT_OK);
	if (read_answer(&a))
		CHECK_EQ(a.type, DHCP_OFFER);
}

/* Each malformed message is dropped as dhcp_malformed, nothing sent. */
static void malformed(void)
{
	static const struct {
		const char *what;
		size_t off; /* byte to set, or SIZE_MAX: cut the message to @val bytes */
		uint8_t val;
	} bad[] = {
		{ "op BOOTREPLY", 0, 2 },
		{ "htype 6", 1, 6 },
		{ "hlen 16", 2, 16 },
		{ "cookie", 239, 0x64 },
		{ "no message type", 240, 99 },	     /* type option renamed */
		{ "type length 2", 241, 2 },	     /* covers the next byte */
		{ "type OFFER", 242, DHCP_OFFER },   /* a server's */
		{ "type 0", 242, 0 },		     /* none */
		{ "type 200", 242, 200 },	     /* unknown */
		{ "option past the end", 244, 200 }, /* client id length */
		{ "cut in the fixed part", SIZE_MAX, 239 },
		{ "cut in an option", SIZE_MAX, 245 },
		{ "only the cookie", SIZE_MAX, 240 }, /* no type */
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		size_t n = tb_dhcp(msg, DHCP_DISCOVER, cfg.guest_mac, 0, NULL, NULL, NULL);
		int r;

		if (bad[i].off == SIZE_MAX)
			n = bad[i].val;
		else
			msg[bad[i].off] = bad[i].val;
		r = serve(any4, bcast4, n);
		if (r != SLOT_DROP_DHCP || txcap.n)
			ck_fail(__FILE__, __LINE__, "%s: got %d and %u frames, want %d",
				bad[i].what, r, txcap.n, SLOT_DROP_DHCP);
	}
	/* a requested address of 3 bytes (option 50 is at 259: after type,
	 * client id and host name) */
	{
		size_t n = tb_dhcp(msg, DHCP_REQUEST, cfg.guest_mac, 0, NULL, guest4, gw4);

		CHECK_EQ(msg[259], 50);
		msg[260] = 3;
		CHECK_EQ(serve(any4, bcast4, n), SLOT_DROP_DHCP);
	}
}

/* Which frames the slot takes as DHCP: exactly what the XDP program steers
 * (tests/bpf/steer_cases.h, "dhcp:"). */
static void slot_addresses(void)
{
	size_t n = tb_dhcp(msg, DHCP_DISCOVER, cfg.guest_mac, 0, NULL, NULL, NULL);
	uint8_t l4[TG_UDP_HLEN + 300];
	struct slot s;
	size_t len;

	len = tb_dhcp_frame(frame, cfg.guest_mac, any4, gw4, msg, n);
	CHECK_EQ(slot_stage(&s, &cfg, frame, len), SLOT_OK);
	CHECK_EQ(s.kind, SLOT_DHCP);
	len = tb_dhcp_frame(frame, cfg.guest_mac, any4, other4, msg, n);
	CHECK_EQ(slot_stage(&s, &cfg, frame, len), SLOT_DROP_SPOOF);
	len = tb_dhcp_frame(frame, cfg.guest_mac, other4, bcast4, msg, n);
	CHECK_EQ(slot_stage(&s, &cfg, frame, len), SLOT_DROP_SPOOF);
	/* from 0.0.0.0, or to the broadcast, on other ports */
	memcpy(l4 + TG_UDP_HLEN, msg, n);
	tb_udp(l4, 68, 68, n);
	len = tb_frame4(frame, cfg.guest_mac, cfg.gw_mac, any4, bcast4, TG_IPPROTO_UDP, l4,
			TG_UDP_HLEN + n);
	CHECK_EQ(slot_stage(&s, &cfg, frame, len), SLOT_DROP_SPOOF);
	tb_udp(l4, 40000, 67, n);
	len = tb_frame4(frame, cfg.guest_mac, cfg.gw_mac, guest4, bcast4, TG_IPPROTO_UDP, l4,
			TG_UDP_HLEN + n);
	CHECK_EQ(slot_stage(&s, &cfg, frame, len), SLOT_DROP_BAD_DST);
	/* a fragment is no DHCP message */
	len = tb_dhcp_frame(frame, cfg.guest_mac, any4, bcast4, msg, n);
	tb_put16(frame + 14 + 6, 0x2000);
	tb_ip4_csum(frame + 14);
	CHECK_EQ(slot_stage(&s, &cfg, frame, len), SLOT_DROP_SPOOF);
	/* --no-dhcp: what it was before */
	cfg.dhcp = false;
	len = tb_dhcp_frame(frame, cfg.guest_mac, any4, bcast4, msg, n);
	CHECK_EQ(slot_stage(&s, &cfg, frame, len), SLOT_DROP_SPOOF);
	len = tb_dhcp_frame(frame, cfg.guest_mac, guest4, gw4, msg, n);
	CHECK_EQ(slot_stage(&s, &cfg, frame, len), SLOT_OK);
	CHECK_EQ(s.kind, SLOT_UDP); /* an ordinary datagram to the gateway */
	cfg.dhcp = true;
}

int main(void)
{
	static struct tg_ustats gst;

	config_defaults(&cfg);
	memcpy(guest4, &cfg.guest_ip4, 4);
	memcpy(gw4, &cfg.gw_ip4, 4);
	inet_pton(AF_INET, "100.96.0.3", other4);
	txcap_init(&cfg, &gst);
	RUN(discover_offer);
	RUN(discover_broadcast_flag);
	RUN(discover_other_mac);
	RUN(request_selecting);
	RUN(request_selecting_other_server);
	RUN(request_selecting_other_address);
	RUN(request_init_reboot);
	RUN(request_init_reboot_other_address);
	RUN(request_renewing);
	RUN(request_rebinding);
	RUN(request_renewing_other_address);
	RUN(request_nothing_asked);
	RUN(release_and_decline);
	RUN(inform);
	RUN(no_tx_room);
	RUN(options_tolerated);
	RUN(malformed);
	RUN(slot_addresses);
	return check_summary();
}
