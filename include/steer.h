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
#define TG_MAP_POLICY4	tg_policy4  /* LPM_TRIE: generation + IPv4 dst prefix -> tg_region */
#define TG_MAP_POLICY6	tg_policy6  /* LPM_TRIE: generation + IPv6 dst prefix -> tg_region */
#define TG_MAP_PCHAIN	tg_pchain   /* ARRAY: compiled rule entries (tg_pentry), both generations */
#define TG_MAP_PHITS	tg_phits    /* ARRAY, mmapable: __u64 hits per rule (TG_PHIT_*) */
#define TG_MAP_FLOWS	tg_flows    /* HASH: open flows, tg_flow_key -> tg_flow */
#define TG_MAP_CONFIG	tg_config   /* ARRAY[1]: struct tg_config, the device's */
#define TG_MAP_USTATS	tg_ustats   /* ARRAY[1], mmapable: struct tg_ustats (ustats.h) */

/* A macro's value as a string literal: TG_STR(TG_MAP_XSKS) is "tg_xsks". */
#define TG_STR_(x)  #x
#define TG_STR(x)   TG_STR_(x)

#define TG_XSKS_MAX 64
/* XSKMAP keys: the main socket of rx queue q is at q, the UDP relay's
 * socket of the same queue at TG_XSK_UDP + q. */
#define TG_XSK_UDP 32
/* LPM entries per family, both generations (a reload or a change of the
 * host's addresses holds both for a moment): each public IPv4 address the
 * host owns takes one IPv4 and five IPv6 entries (its embedded forms), so
 * 10 000 host addresses need some 50 000 IPv6 entries per generation. The
 * tries take memory per entry only. */
#define TG_POLICY_MAX 131072

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
	TG_V_DROP_NOCONFIG,  /* TG_MAP_CONFIG not filled (or for another ABI) */
	TG_V_DROP_EXTHDR,    /* more than TG_IP6_EXT_MAX IPv6 extension headers */
	TG_V_TO_DHCP,	     /* a DHCP client's message to the gateway's server
			      * (UDP 68 to 67, from 0.0.0.0 too): TG_CFG_DHCP */
	TG_V_DROP_SYN_RATE,  /* TCP SYN over the sandbox's new-connection rate
			      * (tg_config.syn_gap_ns): the guest retries */
	TG_V_MAX
};

struct tg_count {
	__u64 packets;
	__u64 bytes;
};

/*
 * The policy, compiled (user/policy/polcompile.c) for the XDP program.
 *
 * The destination address space is cut into regions, one LPM entry each:
 * every prefix a group or a rule names. A region's value points at two
 * chains in TG_MAP_PCHAIN, the operator's floor and the sandbox's policy:
 * the rules that can match an address of that region, in rule order, each
 * as (protocols, port range, action), ending with the default. The program
 * walks each chain to the first entry matching the frame's protocol and
 * port; both must allow. Two generations live side by side: the key's
 * first byte is the generation, and the daemon fills the idle one and then
 * flips tg_pol_gen (one write), so a reload is atomic for the program.
 *
 * LPM keys: prefixlen first (8 bits of generation + the address bits),
 * address in network byte order.
 */
struct tg_lpm4 {
	__u32 prefixlen;
	__u8 gen;
	__u8 addr[4];
	__u8 pad[3];
};

struct tg_lpm6 {
	__u32 prefixlen;
	__u8 gen;
	__u8 addr[16];
	__u8 pad[3];
};

#define TG_LPM_GEN_BITS 8

enum tg_action {
	TG_ACT_DENY = 0,
	TG_ACT_ALLOW = 1,
	TG_ACT_USER = 2, /* user space decides: a domain rule, or a chain too long to walk */
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

/* Policy layers: both must allow. */
enum tg_layer {
	TG_L_FLOOR = 0, /* the operator's (--floor) */
	TG_L_SANDBOX,	/* the sandbox's (--policy, --allow) */
	TG_L_MAX
};

struct tg_region {
	__u32 chain[TG_L_MAX]; /* first entry of each layer's chain in TG_MAP_PCHAIN */
	__u8 group;	       /* enum tg_group, for display */
	__u8 pad[3];
};

/* Protocol bits of a rule entry. */
#define TG_PP_TCP  (1u << 0)
#define TG_PP_UDP  (1u << 1)
#define TG_PP_ICMP (1u << 2)
#define TG_PP_ALL  (TG_PP_TCP | TG_PP_UDP | TG_PP_ICMP)

/* One entry of a chain. A frame matches when its protocol's bit is set and
 * its destination port is in [port_lo, port_hi] (ICMP, which has none,
 * matches only the full range). */
struct tg_pentry {
	__u16 port_lo, port_hi; /* host order */
	__u16 hit;		/* index in TG_MAP_PHITS */
	__u8 protos;		/* TG_PP_* */
	__u8 action;		/* enum tg_action */
};

/* Entries per generation; the program walks at most TG_PCHAIN_WALK of a
 * chain (the compiler ends a longer one with a TG_ACT_USER entry). */
#define TG_PCHAIN_MAX  8192
#define TG_PCHAIN_WALK 32
/* Rules per layer. Hit counters: per generation, layer and rule, the
 * default counted as rule TG_PRULES_MAX. */
#define TG_PRULES_MAX		  4095
#define TG_PHIT(gen, layer, rule) ((((gen)*TG_L_MAX + (layer)) * (TG_PRULES_MAX + 1)) + (rule))
#define TG_PHITS_MAX		  TG_PHIT(2, 0, 0)

/*
 * The device's configuration, in TG_MAP_CONFIG (the daemon fills it after
 * load, or an operator with `bpftool map update`). Addresses in network
 * byte order. abi must be TG_ABI: the layout of this struct and the maps'
 * meaning; a change to either bumps it, and the program drops every frame
 * while the map holds another value (zero until filled).
 */
#ifndef TG_ABI
/* 2: TG_V_TO_DHCP and TG_CFG_DHCP; 3: TG_CFG_KEEP_SOURCE; 4: the SYN
 * rate (syn_gap_ns, syn_burst_ns, TG_V_DROP_SYN_RATE); 5: TLS counters;
 * 6: the super-frame counters (tx_gso_*) */
#define TG_ABI 6 /* -DTG_ABI=N builds a mismatched object, for a test */
#endif

#define TG_CFG_UDP_RELAY (1u << 0) /* steer non-DNS UDP to the relay */
#define TG_CFG_IPV6	 (1u << 1) /* guest has IPv6 */
#define TG_CFG_UDP_LOCAL (1u << 2) /* let 853, 5353, 5355, 137 through too */
#define TG_CFG_INBOUND	 (1u << 4) /* published ports: see TG_INBOUND_PORT() */

/* The gateway's ports of inbound connections (published ports: the host's
 * peer stands behind the gateway's address, on one of these ports). The
 * guest's side of them is TCP and UDP to the gateway on these ports, let
 * through the XDP policy with TG_CFG_INBOUND whatever the policy says of
 * the host; user space (lwIP, the inbound table) takes only what belongs
 * to a connection or peer it opened. @p in host order. */
#define TG_INBOUND_PORT(p)  (((p)&0xf000) == 0xf000)
#define TG_INBOUND_PORT_MIN 0xf000
#define TG_CFG_DHCP	    (1u << 3) /* the daemon serves DHCPv4: TG_V_TO_DHCP */
/* --publish-keep-source: an inbound TCP connection comes from the host
 * peer's own address, so the guest's side of it is TCP to that address on
 * one of the inbound ports. Let through too, but never a bare SYN: only
 * segments lwIP can match to a connection it opened (anything else gets
 * its RST from lwIP, and nothing reaches the host). */
#define TG_CFG_KEEP_SOURCE (1u << 5)

/* UDP ports the relay carries only with TG_CFG_UDP_LOCAL (--allow-udp-local):
 * DNS over QUIC would bypass the interceptor; mDNS, LLMNR and NetBIOS only
 * leak the sandbox's names. @p in host order. XDP checks whole datagrams,
 * the relay reassembled ones. */
#define TG_UDP_LOCAL_PORT(p) ((p) == 853 || (p) == 5353 || (p) == 5355 || (p) == 137)

struct tg_config {
	__u32 abi; /* TG_ABI */
	__u8 guest_mac[6];
	__u8 gw_mac[6];
	__u32 guest_ip4;
	__u32 gw_ip4;
	__u8 guest_ip6[16];
	__u8 gw_ip6[16];
	__u32 flags;
	__u16 mtu; /* the guest's MTU; 0: not checked */
	__u16 pad;
	/* New connections: a bare SYN more than syn_burst_ns ahead of the
	 * schedule of one per syn_gap_ns is dropped (TG_V_DROP_SYN_RATE).
	 * syn_gap_ns 0: no limit. */
	__u64 syn_gap_ns;
	__u64 syn_burst_ns;
};

/*
 * The flows the sandbox has open right now, one entry per TCP connection
 * (spliced) and UDP flow, for `bpftool map dump` and `tapgate flows`. The
 * daemon inserts at open, deletes at close and refreshes the byte counts
 * about once a second, only of flows that moved; the program never reads
 * it. Addresses as the guest sent them, network order; ports host order.
 */
#define TG_FLOWS_MAX 65536

struct tg_flow_key {
	__u8 family; /* 4 or 6 */
	__u8 proto;  /* IPPROTO_TCP, IPPROTO_UDP */
	__u16 sport, dport;
	__u8 pad[2];
	__u8 src[16], dst[16];
};

struct tg_flow {
	__u64 bytes_out; /* guest -> host */
	__u64 bytes_in;	 /* host -> guest */
	__u64 opened_s;	 /* CLOCK_MONOTONIC seconds at open */
	__u8 state;	 /* enum tg_flow_state */
	__u8 pad[7];
};

enum tg_flow_state {
	TG_FLOW_OPEN = 1,    /* TCP: spliced, data both ways */
	TG_FLOW_CLOSING = 2, /* TCP: one side closed */
	TG_FLOW_UDP = 3,     /* a UDP flow */
};

#endif /* TAPGATE_STEER_H */
