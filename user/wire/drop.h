/* SPDX-License-Identifier: MIT */
/*
 * drop.h - why a guest frame was dropped after the XDP program let it
 * through: by the slot's inspection, or by the module that acted on it
 * (reassembly, the proxies, the DNS interceptor, lwIP's input). Each
 * reason indexes tg_ustats.drop_reason[] (ustats.h) and has the name
 * `tapgate stats` prints for it (slot_drop_name()).
 *
 * SLOT_DROPS is the one list: it generates the enum here and the names in
 * slot.c. A new reason is one line at the end (the numbers are indexes into
 * a pinned map that tools may read: do not reorder).
 */
#ifndef TAPGATE_DROP_H
#define TAPGATE_DROP_H

#include "ustats.h"

/* X(ID, "name", help): SLOT_DROP_ID, printed as "name". */
#define SLOT_DROPS(X)                                                                              \
	X(MALFORMED, "malformed", "truncated or inconsistent headers")                             \
	X(SPOOF, "spoofed", "source not the guest's (XDP checks first)")                           \
	X(IP_OPTIONS, "ip_options", "IPv4 options: lwIP need not see them")                        \
	X(CHECKSUM, "checksum", "bad IPv4 header checksum")                                        \
	X(TCP_OPTIONS, "tcp_options", "malformed TCP options (lwIP 2.1.3 over-reads)")             \
	X(BAD_DST, "bad_destination", "broadcast, multicast or unspecified destination")           \
	X(FRAGMENT, "fragment", "fragment refused by reassembly (bounds, overlap)")                \
	X(UNHANDLED, "unhandled", "not served: IPv6 TCP and UDP, other protocols, ethertypes")     \
	X(ARP, "arp_not_for_gateway", "ARP not asking for the gateway")                            \
	X(POLICY, "policy", "destination not allowed")                                             \
	X(DUP_SYN, "duplicate_syn", "SYN for a connection already being set up")                   \
	X(SYN_DATA, "syn_with_data", "SYN carrying data (no TCP Fast Open)")                       \
	X(ICMP, "icmp", "ICMP we do not answer or relay")                                          \
	X(NOMEM, "no_memory", "no memory or tx room to act on it")                                 \
	X(ND, "neighbour_discovery",                                                               \
	  "ND not for the gateway: DAD probes, advertisements, redirects")                         \
	X(ND_INVALID, "nd_invalid", "ND failing RFC 4861 validation (hop limit, code, lengths)")   \
	X(EXTHDR, "ipv6_exthdr", "more than TG_IP6_EXT_MAX IPv6 extension headers")                \
	X(DHCP, "dhcp_malformed", "malformed DHCP message (RFC 2131 header, cookie, options)")

enum slot_drop {
	SLOT_OK = 0, /* not dropped */
#define SLOT_DROP_ENUM(id, name, help) SLOT_DROP_##id,
	SLOT_DROPS(SLOT_DROP_ENUM)
#undef SLOT_DROP_ENUM
		SLOT_DROP__MAX
};

_Static_assert(SLOT_DROP__MAX <= TG_USTATS_DROPS,
	       "more drop reasons than tg_ustats.drop_reason[] holds: grow TG_USTATS_DROPS");

#endif
