/* SPDX-License-Identifier: MIT */
/*
 * steer.h - the one contract between the XDP program (bpf/steer.bpf.c) and
 * the tapgate daemon (user/): map names, key and value layouts, verdicts and
 * limits. Everything here has fixed-width types and explicit padding so that
 * the BPF object and user space agree byte for byte. Nothing in this file may
 * be defined a second time elsewhere. Its neighbours: ustats.h (the daemon's
 * counters, in a map the program only declares) and wire.h (protocol
 * numbers both sides parse by).
 */
#ifndef TAPGATE_STEER_H
#define TAPGATE_STEER_H

#include <linux/types.h>

/* Maps are pinned under TG_PIN_ROOT/<ifname>/<map name>. */
#define TG_PIN_ROOT "/sys/fs/bpf/tapgate"

/* Name of the XDP program (the C function in steer.bpf.c). The daemon uses it
 * to recognise a stale tapgate program left on a device. */
#define TG_PROG_NAME "tg_steer"

/* Map names, spelled once for both sides: the BPF object names its maps
 * with them, user space reaches a map through the skeleton
 * (skel->maps.TG_MAP_XSKS) or by its name as a string, TG_STR(TG_MAP_XSKS),
 * never by a literal "tg_xsks" (scripts/contracts.sh checks). */
#define TG_MAP_XSKS	tg_xsks	    /* XSKMAP: rx queue -> AF_XDP socket */
#define TG_MAP_COUNTERS tg_counters /* PERCPU_ARRAY: verdict -> tg_count */
#define TG_MAP_POLICY4	tg_policy4  /* LPM_TRIE: IPv4 dst prefix -> tg_rule */
#define TG_MAP_POLICY6	tg_policy6  /* LPM_TRIE: IPv6 dst prefix -> tg_rule */
#define TG_MAP_USTATS	tg_ustats   /* ARRAY[1], mmapable: struct tg_ustats (ustats.h) */

/* A macro's value as a string literal: TG_STR(TG_MAP_XSKS) is "tg_xsks". */
#define TG_STR_(x)  #x
#define TG_STR(x)   TG_STR_(x)

#define TG_XSKS_MAX 64
/* XSKMAP keys: the main socket of rx queue q is at q, the UDP relay's
 * socket of the same queue at TG_XSK_UDP + q. */
#define TG_XSK_UDP    32
#define TG_POLICY_MAX 16384 /* per map; LPM tries use memory only per entry */

/*
 * Verdicts of the XDP program. Each frame is counted under exactly one.
 * TG_V_TO_* frames are redirected to the AF_XDP socket; when no socket is
 * bound (daemon gone) the redirect falls back to XDP_DROP and the frame is
 * counted as TG_V_DROP_NOSOCK instead.
 */
enum tg_verdict {
	TG_V_TO_TCP = 0,     /* TCP, policy allows the destination */
	TG_V_TO_DNS,	     /* UDP to port 53, any address: the DNS interceptor */
	TG_V_TO_ARP,	     /* ARP from the guest */
	TG_V_TO_ICMP,	     /* ICMP / ICMPv6 (incl. neighbour discovery) */
	TG_V_TO_FRAG,	     /* IPv4/IPv6 fragment: user space reassembles */
	TG_V_TO_DENIED_SYN,  /* TCP SYN to a denied destination: user space RSTs */
	TG_V_UDP_RELAY,	     /* non-DNS UDP, allowed: the UDP relay's own socket */
	TG_V_UDP_FRAG,	     /* IPv4 fragment of UDP: the relay's socket reassembles */
	TG_V_DROP_MALFORMED, /* truncated or inconsistent headers */
	TG_V_DROP_SPOOF_MAC, /* Ethernet or ARP source MAC is not the guest's */
	TG_V_DROP_SPOOF_IP,  /* IP / ARP sender address is not the guest's */
	TG_V_DROP_POLICY,    /* destination denied by the policy tables */
	TG_V_DROP_PROTO,     /* ethertype, IP protocol or header we do not carry */
	TG_V_DROP_NOSOCK,    /* redirect failed: no AF_XDP socket bound */
	TG_V_DROP_UDP,	     /* UDP the relay does not carry: relay off, or a
			      * local-discovery/DoQ port (853, 5353, 5355, 137) */
	TG_V_DROP_UDP_GSO,   /* UDP longer than the guest MTU, not fragmented: a
			      * USO super-frame, whose segment size XDP cannot see */
	TG_V_DROP_OVERSIZE,  /* longer than the AF_XDP socket takes (no
			      * multi-buffer on this kernel, see tg_rx_max) */
	TG_V_MAX
};

struct tg_count {
	__u64 packets;
	__u64 bytes;
};

/* LPM keys: prefixlen first, address in network byte order. */
struct tg_lpm4 {
	__u32 prefixlen;
	__u8 addr[4];
};

struct tg_lpm6 {
	__u32 prefixlen;
	__u8 addr[16];
};

enum tg_action {
	TG_ACT_DENY = 0,
	TG_ACT_ALLOW = 1,
};

/* Destination groups (docs/DESIGN.md, "Policy model"). */
enum tg_group {
	TG_G_PUBLIC = 0,
	TG_G_HOST,
	TG_G_PRIVATE,
	TG_G_LOOPBACK,
	TG_G_LINKLOCAL,
	TG_G_METADATA,
	TG_G_MULTICAST,
	TG_G_GATEWAY, /* the gateway address itself; stands for the host */
	TG_G_MAX
};

struct tg_rule {
	__u8 action; /* enum tg_action */
	__u8 group;  /* enum tg_group, for counting and display */
	__u8 pad[2];
};

/*
 * Load-time configuration, set through the skeleton's rodata before load.
 * Addresses in network byte order.
 */
#define TG_CFG_UDP_RELAY (1u << 0) /* steer non-DNS UDP to the relay */
#define TG_CFG_IPV6	 (1u << 1) /* guest has IPv6 */
#define TG_CFG_UDP_LOCAL (1u << 2) /* let 853, 5353, 5355, 137 through too */

/* UDP ports the relay carries only with TG_CFG_UDP_LOCAL (--allow-udp-local):
 * DNS over QUIC would bypass the interceptor; mDNS, LLMNR and NetBIOS only
 * leak the sandbox's names. @p in host order. XDP checks whole datagrams,
 * the relay reassembled ones. */
#define TG_UDP_LOCAL_PORT(p) ((p) == 853 || (p) == 5353 || (p) == 5355 || (p) == 137)

struct tg_config {
	__u8 guest_mac[6];
	__u8 gw_mac[6];
	__u32 guest_ip4;
	__u32 gw_ip4;
	__u8 guest_ip6[16];
	__u8 gw_ip6[16];
	__u32 flags;
	__u16 mtu; /* the guest's MTU; 0: not checked */
	__u16 pad;
};

#endif /* TAPGATE_STEER_H */
