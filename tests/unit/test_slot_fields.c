// SPDX-License-Identifier: MIT
/*
 * test_slot_fields.c - what slot_stage() decodes from good frames (offsets
 * and lengths, ports, flags, payload, addresses, Ethernet padding cut off),
 * and the names of the drop reasons, which `tapgate stats` shows and which
 * stay as they are.
 */
#include "slotframes.h"

/* ---- decoded fields --------------------------------------------------- */

static void syn4_fields(void)
{
	uint8_t b[128];
	size_t n = syn4_opts(b, linux_syn_opts, sizeof(linux_syn_opts));
	struct slot s;

	CHECK_EQ(stage(&s, b, n), SLOT_OK);
	CHECK_EQ(s.kind, SLOT_TCP);
	CHECK_EQ(s.family, 4);
	CHECK_EQ(s.proto, TG_IPPROTO_TCP);
	CHECK_EQ(s.l3_off, 14);
	CHECK_EQ(s.l3_len, 20 + 40);
	CHECK_EQ(s.l4_off, 34);
	CHECK_EQ(s.l4_len, 40);
	CHECK_EQ(s.sport, 40000);
	CHECK_EQ(s.dport, 80);
	CHECK_EQ(s.tcp_flags, TG_TCP_SYN);
	CHECK_EQ(s.payload_len, 0);
	CHECK_MEM(s.src, guest4, 4);
	CHECK_MEM(s.dst, pub4, 4);
	CHECK(slot_is_syn(&s));
}

static void padding_cut_off(void)
{
	uint8_t b[128];
	size_t n = f_syn4_padded(b);
	struct slot s;

	CHECK_EQ(n, 60);
	CHECK_EQ(stage(&s, b, n), SLOT_OK);
	CHECK_EQ(s.l3_len, 40); /* == tot_len, not the frame's 46 */
	CHECK_EQ(s.l4_len, 20);
	CHECK_EQ(s.payload_len, 0);
}

static void ack_data_fields(void)
{
	uint8_t b[256];
	size_t n = f_ack_data(b);
	struct slot s;

	CHECK_EQ(stage(&s, b, n), SLOT_OK);
	CHECK_EQ(s.payload_len, 100);
	CHECK_EQ(s.tcp_flags, TG_TCP_ACK | TG_TCP_PSH);
	CHECK(!slot_is_syn(&s));
}

static void udp4_fields(void)
{
	uint8_t b[128];
	size_t n = udp4(b, gw4, 30);
	struct slot s;

	CHECK_EQ(stage(&s, b, n), SLOT_OK);
	CHECK_EQ(s.kind, SLOT_UDP);
	CHECK_EQ(s.sport, 33333);
	CHECK_EQ(s.dport, 53);
	CHECK_EQ(s.payload_len, 30);
	CHECK_EQ(s.l4_len, 38);
	CHECK_MEM(s.dst, gw4, 4);
}

static void tcp6_fields(void)
{
	uint8_t b[128];
	size_t n = f_tcp6_padded(b);
	struct slot s;

	CHECK_EQ(stage(&s, b, n), SLOT_OK);
	CHECK_EQ(s.family, 6);
	CHECK_EQ(s.l3_off, 14);
	CHECK_EQ(s.l3_len, 60);
	CHECK_EQ(s.l4_off, 54);
	CHECK_EQ(s.l4_len, 20);
	CHECK_EQ(s.dport, 443);
	CHECK_MEM(s.src, guest6, 16);
	CHECK_MEM(s.dst, pub6, 16);
}

/* Behind two extension headers the transport is found past them, and the
 * flattened frame is the fixed header right before it: what lwIP takes. */
static void ext6_fields_and_flatten(void)
{
	uint8_t l4[16 + 20], t[20], b[128], flat[128];
	struct slot s, f;
	size_t n, m;

	tb_tcp(t, 40000, 443, 1000, 0, TG_TCP_SYN, NULL, 0);
	n = tb_frame6(b, cfg.guest_mac, cfg.gw_mac, guest6, pub6, TG_IPPROTO_DSTOPTS, l4,
		      tb_ext6(l4, 2, TG_IPPROTO_TCP, t, sizeof(t)));
	/* slot_stage() itself: the slot must still point at @b below */
	CHECK_EQ(slot_stage(&s, &cfg, b, n), SLOT_OK);
	CHECK_EQ(s.kind, SLOT_TCP);
	CHECK_EQ(s.proto, TG_IPPROTO_TCP);
	CHECK_EQ(s.l3_len, 76);
	CHECK_EQ(s.l4_off, 14 + 40 + 16);
	CHECK_EQ(s.l4_len, 20);
	CHECK_EQ(s.dport, 443);
	CHECK_EQ(slot_flatten6(&s, flat, 73), 0);
	m = slot_flatten6(&s, flat, sizeof(flat));
	CHECK_EQ(m, 74);
	CHECK_EQ(stage(&f, flat, m), SLOT_OK);
	CHECK_EQ(f.l4_off, 54);
	CHECK_EQ(f.l3_len, 60);
	CHECK_EQ(f.dport, 443);
	CHECK_MEM(flat + 54, t, 20);
}

static void arp_fields(void)
{
	uint8_t b[64];
	size_t n = f_arp_good(b);
	struct slot s;

	CHECK_EQ(stage(&s, b, n), SLOT_OK);
	CHECK_EQ(s.kind, SLOT_ARP);
	CHECK_EQ(s.family, 0);
	CHECK_MEM(s.src, guest4, 4);
	CHECK_MEM(s.dst, gw4, 4);
	CHECK(!slot_is_syn(&s));
}

static void drop_names(void)
{
	for (unsigned int i = 0; i < SLOT_DROP__MAX; i++) {
		CHECK(slot_drop_name(i) != NULL);
		CHECK(strcmp(slot_drop_name(i), "?") != 0);
	}
	CHECK(!strcmp(slot_drop_name(SLOT_DROP__MAX), "?"));
	CHECK(!strcmp(slot_drop_name(~0u), "?"));
	CHECK(SLOT_DROP__MAX <= TG_USTATS_DROPS); /* indexes tg_ustats.drop_reason[] */
}

/* `tapgate stats` shows these names and tools read them (and the numbers
 * index a pinned map): they stay, new reasons come after them. */
static void drop_names_stable(void)
{
	static const char *const want[] = {
		"ok",
		"malformed",
		"spoofed",
		"ip_options",
		"checksum",
		"tcp_options",
		"bad_destination",
		"fragment",
		"unhandled",
		"arp_not_for_gateway",
		"policy",
		"duplicate_syn",
		"syn_with_data",
		"icmp",
		"no_memory",
		"neighbour_discovery",
	};

	CHECK(SLOT_DROP__MAX >= sizeof(want) / sizeof(want[0]));
	for (unsigned int i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		if (strcmp(slot_drop_name(i), want[i]))
			ck_fail(__FILE__, __LINE__, "reason %u is '%s', want '%s'", i,
				slot_drop_name(i), want[i]);
}

int main(void)
{
	slotframes_init();
	RUN(syn4_fields);
	RUN(padding_cut_off);
	RUN(ack_data_fields);
	RUN(udp4_fields);
	RUN(tcp6_fields);
	RUN(ext6_fields_and_flatten);
	RUN(arp_fields);
	RUN(drop_names);
	RUN(drop_names_stable);
	return check_summary();
}
