// SPDX-License-Identifier: MIT
/*
 * fuzz_dhcp.c - libFuzzer target: hostile bytes through the DHCP server's
 * parser (user/wire/dhcp.c), and its decision and builder on whatever
 * parsed.
 *
 * Input: byte 0 picks the configuration (its low 5 bits a prefix length
 * 8..30 with the guest and gateway addresses the default ones, bit 5 the
 * MTU 1400 or 9000, bit 6 another guest MAC), the rest is the UDP payload.
 * The message and the answer's buffer are heap blocks of exactly their
 * size, so ASan catches a read past the message or a write past DHCP_IP_MAX.
 *
 * Checked: a parsed message is a client's type and carries the header's
 * fields; the decision answers only the configured MAC, never without
 * relay-free addressing, and a NAK only for a REQUEST; the answer has
 * valid IPv4 and UDP checksums, comes from the gateway's port 67 to 68,
 * is a BOOTREPLY echoing xid and chaddr, offers the guest's address or
 * none, and is at least BOOTP's 300 bytes; a short buffer gets nothing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control/config.h"
#include "lib/frames.h"
#include "wire/dhcp.h"

#define FUZZ_ASSERT(cond)                                                                          \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "fuzz_dhcp: %s:%d: assertion failed: %s\n", __FILE__,      \
				__LINE__, #cond);                                                  \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

static void pick_config(struct config *cfg, uint8_t b)
{
	config_defaults(cfg);
	cfg->prefix4 = (uint8_t)(8 + (b & 0x1f) % 23);
	cfg->mtu = (b & 0x20) ? 9000 : 1400;
	if (b & 0x40)
		cfg->guest_mac[5] = 0x66;
}

static void check_parsed(const struct dhcp_msg *m, const uint8_t *msg, size_t len)
{
	FUZZ_ASSERT(len >= 240);
	FUZZ_ASSERT(m->type == DHCP_DISCOVER || m->type == DHCP_REQUEST ||
		    m->type == DHCP_DECLINE || m->type == DHCP_RELEASE || m->type == DHCP_INFORM);
	FUZZ_ASSERT(msg[0] == 1 && msg[1] == 1 && msg[2] == 6);
	FUZZ_ASSERT(!memcmp(m->xid, msg + 4, 4) && !memcmp(m->ciaddr, msg + 12, 4));
	FUZZ_ASSERT(!memcmp(m->chaddr, msg + 28, 16));
}

static void check_answer(const struct dhcp_msg *m, int type, const struct config *cfg,
			 const uint8_t *ip, size_t n)
{
	const uint8_t *u = ip + 20, *d = u + 8;
	static const uint8_t zero[4];

	FUZZ_ASSERT(n >= 28 + 300 && n <= DHCP_IP_MAX);
	FUZZ_ASSERT(ip[0] == 0x45 && tb_get16(ip + 2) == n && ip[9] == TG_IPPROTO_UDP);
	FUZZ_ASSERT(tb_fold(tb_sum(0, ip, 20)) == 0);
	FUZZ_ASSERT(!memcmp(ip + 12, &cfg->gw_ip4, 4));
	FUZZ_ASSERT(tb_get16(u) == 67 && tb_get16(u + 2) == 68 && tb_get16(u + 4) == n - 20);
	FUZZ_ASSERT(
		tb_fold(tb_sum(tb_pseudo(ip + 12, ip + 16, 4, TG_IPPROTO_UDP, (uint32_t)(n - 20)),
			       u, n - 20)) == 0);
	FUZZ_ASSERT(d[0] == 2 && !memcmp(d + 4, m->xid, 4) && !memcmp(d + 28, m->chaddr, 16));
	FUZZ_ASSERT(tb_get32(d + 236) == 0x63825363);
	FUZZ_ASSERT(d[240] == 53 && d[241] == 1 && d[242] == type);
	if (type == DHCP_NAK || m->type == DHCP_INFORM)
		FUZZ_ASSERT(!memcmp(d + 16, zero, 4));
	else
		FUZZ_ASSERT(!memcmp(d + 16, &cfg->guest_ip4, 4));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config cfg;
	struct dhcp_msg m;
	uint8_t *msg, *ip;
	size_t len, n;
	int type;

	if (size < 1)
		return 0;
	pick_config(&cfg, data[0]);
	len = size - 1;
	msg = malloc(len ? len : 1);
	memcpy(msg, data + 1, len);
	if (dhcp_parse(msg, len, &m)) {
		free(msg);
		return 0;
	}
	check_parsed(&m, msg, len);
	type = dhcp_decide(&m, &cfg);
	if (type > 0) {
		FUZZ_ASSERT(!memcmp(m.chaddr, cfg.guest_mac, 6));
		FUZZ_ASSERT(type == DHCP_OFFER || type == DHCP_ACK || type == DHCP_NAK);
		FUZZ_ASSERT(type != DHCP_NAK || m.type == DHCP_REQUEST);
		FUZZ_ASSERT(type != DHCP_OFFER || m.type == DHCP_DISCOVER);
		ip = malloc(DHCP_IP_MAX);
		n = dhcp_build(&m, type, &cfg, ip, DHCP_IP_MAX);
		check_answer(&m, type, &cfg, ip, n);
		FUZZ_ASSERT(dhcp_build(&m, type, &cfg, ip, DHCP_IP_MAX - 1) == 0);
		free(ip);
	} else if (type == 0) {
		FUZZ_ASSERT(m.type == DHCP_RELEASE || m.type == DHCP_DECLINE);
	}
	free(msg);
	return 0;
}
