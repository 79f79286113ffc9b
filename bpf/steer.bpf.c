// SPDX-License-Identifier: MIT
/*
 * steer.bpf.c - the XDP program attached to a sandbox's tap or veth. Every
 * frame the guest sends is parsed (Ethernet, ARP, IPv4, IPv6, the first
 * bytes of TCP / UDP / ICMP), checked against the guest's addresses (no
 * spoofed MAC or IP) and the egress policy (LPM tables, a miss is a deny),
 * and then either dropped or redirected through the XSKMAP to the daemon's
 * AF_XDP socket, which does the real work in user space. Each frame is
 * counted under exactly one verdict (include/steer.h). The program never
 * returns XDP_PASS: a guest frame must not reach the host's own stack, and
 * when no socket is bound (daemon gone) the redirect falls back to XDP_DROP.
 *
 * Frames may come in several buffers (multi-buffer XDP, "xdp.frags"): a
 * VMM's TSO super-frames (up to 64 KiB, which the tun driver runs through
 * generic XDP) and jumbo frames. Headers are parsed in the first buffer
 * only and never read past it; lengths are checked against the whole frame
 * (bpf_xdp_get_buff_len()). The AF_XDP socket takes such frames as
 * descriptor chains (XDP_USE_SG), which user space joins again.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/icmpv6.h>
#include <linux/in.h>
#include <linux/in6.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <stdbool.h>

#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include "steer.h"
#include "ustats.h"
#include "wire.h"

/* ARP body for IPv4 over Ethernet (RFC 826); uapi's struct arphdr leaves
 * the address fields out because their size depends on hlen/plen. */
struct arp_eth4 {
	__be16 htype;
	__be16 ptype;
	__u8 hlen;
	__u8 plen;
	__be16 op;
	__u8 sha[TG_ETH_ALEN];
	__u8 sip[4];
	__u8 tha[TG_ETH_ALEN];
	__u8 tip[4];
};

_Static_assert(sizeof(struct arp_eth4) == TG_ARP_LEN, "ARP body must be 28 bytes");

/* The object's ABI, for a loader that did not build it (tapgate run
 * --adopt reads it before it writes TG_MAP_CONFIG). */
const volatile __u32 tg_abi = TG_ABI;

/* The device's configuration: filled by the daemon, or by an operator with
 * bpftool; until it holds this object's TG_ABI every frame is dropped. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct tg_config);
} TG_MAP_CONFIG SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_XSKMAP);
	__uint(max_entries, TG_XSKS_MAX);
	__type(key, __u32);
	__type(value, __u32);
} TG_MAP_XSKS SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, TG_V_MAX);
	__type(key, __u32);
	__type(value, struct tg_count);
} TG_MAP_COUNTERS SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, TG_POLICY_MAX);
	__type(key, struct tg_lpm4);
	__type(value, struct tg_region);
} TG_MAP_POLICY4 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, TG_POLICY_MAX);
	__type(key, struct tg_lpm6);
	__type(value, struct tg_region);
} TG_MAP_POLICY6 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2 * TG_PCHAIN_MAX);
	__type(key, __u32);
	__type(value, struct tg_pentry);
} TG_MAP_PCHAIN SEC(".maps");

/* Shared with the daemon, which counts the flows it decides in the same
 * array (mmapped): hence atomics, not a per-CPU map. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, TG_PHITS_MAX);
	__type(key, __u32);
	__type(value, __u64);
} TG_MAP_PHITS SEC(".maps");

/* Not used by the program: the daemon's own counters, kept in a map so that
 * they are pinned and dumped beside the verdict counters. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct tg_ustats);
} TG_MAP_USTATS SEC(".maps");

/* Not used by the program either: the daemon's list of open flows, pinned
 * for bpftool. Allocated per entry: an idle sandbox's map holds nothing. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, TG_FLOWS_MAX);
	__type(key, struct tg_flow_key);
	__type(value, struct tg_flow);
} TG_MAP_FLOWS SEC(".maps");

/* Frames longer than this are dropped as TG_V_DROP_OVERSIZE (0: no limit).
 * Set by the daemon once its AF_XDP socket is bound: the largest frame the
 * socket takes, one UMEM chunk when the kernel has no AF_XDP multi-buffer.
 * Writable global data, as the socket is bound after the program is loaded. */
volatile __u32 tg_rx_max;

/* The policy generation in force (0 or 1; see steer.h). Until the daemon
 * has compiled a policy no region exists and every lookup misses: deny. */
volatile __u32 tg_pol_gen;

/* The frame being parsed: every header pointer is checked against end (the
 * first buffer's end) before it is read; len is the whole frame, all
 * buffers, for length fields. */
struct frame {
	void *data;
	void *end;
	__u32 len;
	const struct tg_config *cfg; /* TG_MAP_CONFIG's one entry */
};

static __always_inline bool mac_eq(const __u8 *a, const volatile __u8 *b)
{
	__u8 diff = 0;

#pragma unroll
	for (int i = 0; i < TG_ETH_ALEN; i++)
		diff |= a[i] ^ b[i];
	return diff == 0;
}

/* Compares a packet IPv6 address with one of tg_cfg's; both 4-byte
 * aligned within their structs, so four word compares. */
static __always_inline bool addr6_eq(const struct in6_addr *a, const volatile __u8 *b)
{
	const volatile __u32 *w = (const volatile __u32 *)b;

	return a->in6_u.u6_addr32[0] == w[0] && a->in6_u.u6_addr32[1] == w[1] &&
	       a->in6_u.u6_addr32[2] == w[2] && a->in6_u.u6_addr32[3] == w[3];
}

static __always_inline bool addr6_unspecified(const struct in6_addr *a)
{
	return (a->in6_u.u6_addr32[0] | a->in6_u.u6_addr32[1] | a->in6_u.u6_addr32[2] |
		a->in6_u.u6_addr32[3]) == 0;
}

/* fe80::/10 */
static __always_inline bool addr6_linklocal(const struct in6_addr *a)
{
	return a->in6_u.u6_addr8[0] == 0xfe && (a->in6_u.u6_addr8[1] & 0xc0) == 0x80;
}

/* ff02::/16, link-scope multicast: where neighbour discovery goes. */
static __always_inline bool addr6_ll_multicast(const struct in6_addr *a)
{
	return a->in6_u.u6_addr8[0] == 0xff && a->in6_u.u6_addr8[1] == 0x02;
}

/* The region of the destination, or NULL: a miss (no policy compiled
 * yet) is a deny. */
static __always_inline struct tg_region *region_of(const void *daddr, bool v6)
{
	__u8 gen = (__u8)tg_pol_gen;

	if (v6) {
		struct tg_lpm6 k6 = { .prefixlen = TG_LPM_GEN_BITS + 128, .gen = gen };

		__builtin_memcpy(k6.addr, daddr, sizeof(k6.addr));
		return bpf_map_lookup_elem(&TG_MAP_POLICY6, &k6);
	}
	struct tg_lpm4 k4 = { .prefixlen = TG_LPM_GEN_BITS + 32, .gen = gen };

	__builtin_memcpy(k4.addr, daddr, sizeof(k4.addr));
	return bpf_map_lookup_elem(&TG_MAP_POLICY4, &k4);
}

static __always_inline bool entry_matches(const struct tg_pentry *e, __u8 pbit, int port)
{
	if (!(e->protos & pbit))
		return false;
	if (port < 0)
		return e->port_lo == 0 && e->port_hi == 0xffff;
	return port >= e->port_lo && port <= e->port_hi;
}

static __always_inline void hit(__u32 idx)
{
	__u64 *n = bpf_map_lookup_elem(&TG_MAP_PHITS, &idx);

	if (n)
		__sync_fetch_and_add(n, 1);
}

/* The action of the first entry of the chain at @first matching the frame;
 * a chain that ends without one (never, as compiled) leaves it to user
 * space. A deny is counted on its rule here when the frame goes no
 * further (@count_deny); a denied SYN goes up for its reset, and user
 * space counts it then.
 *
 * A global function, not inlined: the verifier checks it once, with
 * arguments it knows nothing of, instead of walking its 32-entry loop at
 * each of the many places the policy is asked (per layer, per protocol,
 * per family). That cut the processed instructions from 145 000 to 13 500
 * and the load from ~65 to ~8 ms: most of a daemon's start (issue 13). */
__noinline int chain_action(__u32 first, __u8 pbit, int port, bool count_deny)
{
	for (__u32 i = 0; i < TG_PCHAIN_WALK; i++) {
		__u32 idx = first + i;
		struct tg_pentry *e = bpf_map_lookup_elem(&TG_MAP_PCHAIN, &idx);

		if (!e)
			break;
		if (!entry_matches(e, pbit, port))
			continue;
		if (e->action == TG_ACT_DENY && count_deny)
			hit(e->hit);
		return e->action;
	}
	return TG_ACT_USER;
}

/* Whether a frame to @daddr, protocol bit @pbit, destination port @port
 * (-1: none) may reach user space: both layers must not deny. */
static __always_inline bool policy_passes(const void *daddr, bool v6, __u8 pbit, int port,
					  bool count_deny)
{
	struct tg_region *r = region_of(daddr, v6);

	if (!r)
		return false;
	if (chain_action(r->chain[TG_L_FLOOR], pbit, port, count_deny) == TG_ACT_DENY)
		return false;
	return chain_action(r->chain[TG_L_SANDBOX], pbit, port, count_deny) != TG_ACT_DENY;
}

/* The transport part of a datagram, as found by the IPv4 or IPv6 parser. */
struct l4 {
	void *hdr;	   /* first byte of the transport header */
	__u32 len;	   /* transport bytes per the IP header, not the frame
			    * (Ethernet padding is not payload) */
	const void *daddr; /* destination address, inside the packet */
	bool v6;
};

/* True when @size bytes of transport header are both in the first buffer
 * and inside the datagram. */
static __always_inline bool l4_fits(const struct frame *f, const struct l4 *l, __u32 size)
{
	return l->hdr + size <= f->end && l->len >= size;
}

static __always_inline bool policy_allows(const struct l4 *l, __u8 pbit, int port)
{
	return policy_passes(l->daddr, l->v6, pbit, port, true);
}

static __always_inline bool is_gateway(const struct frame *f, const struct l4 *l)
{
	if (l->v6)
		return addr6_eq(l->daddr, f->cfg->gw_ip6);
	return *(const __be32 *)l->daddr == f->cfg->gw_ip4;
}

/*
 * TCP, shared by IPv4 and IPv6. A denied SYN still goes up so that user
 * space answers it with a RST (the guest sees "refused" at once instead of
 * retrying into a black hole); any other denied segment is dropped.
 */
/* The guest's side of a published port: to the gateway, on one of the
 * ports inbound connections take there (include/steer.h). */
static __always_inline bool inbound(const struct frame *f, const struct l4 *l, __be16 dport)
{
	return (f->cfg->flags & TG_CFG_INBOUND) && TG_INBOUND_PORT(bpf_ntohs(dport)) &&
	       is_gateway(f, l);
}

/* The same with --publish-keep-source: to the peer's own address. */
static __always_inline bool inbound_kept(const struct frame *f, const struct tcphdr *th)
{
	__u32 want = TG_CFG_INBOUND | TG_CFG_KEEP_SOURCE;

	return (f->cfg->flags & want) == want && TG_INBOUND_PORT(bpf_ntohs(th->dest)) &&
	       !(th->syn && !th->ack);
}

/* When the next SYN is due on the rate's schedule (GCRA), in bpf_ktime ns. */
__u64 tg_syn_tat;

/*
 * A new connection over the sandbox's rate: each costs user space a host
 * socket and a connect, so a guest's SYN flood must not reach the ring,
 * where it would crowd out the frames of the guest's live connections. A
 * dropped SYN is retried by the guest (1 s later); a burst of up to
 * syn_burst_ns / syn_gap_ns SYNs passes at once. Frames of different rx
 * queues may race on tg_syn_tat; a lost update lets one more SYN through,
 * which is cheaper than an atomic on every SYN.
 */
static __always_inline bool syn_over_rate(const struct tg_config *cfg)
{
	__u64 now, tat;

	if (!cfg->syn_gap_ns)
		return false;
	now = bpf_ktime_get_ns();
	tat = tg_syn_tat;
	if (tat < now)
		tat = now;
	if (tat - now > cfg->syn_burst_ns)
		return true;
	tg_syn_tat = tat + cfg->syn_gap_ns;
	return false;
}

static __always_inline enum tg_verdict l4_tcp(const struct frame *f, const struct l4 *l)
{
	const struct tcphdr *th = l->hdr;

	if (!l4_fits(f, l, sizeof(*th)))
		return TG_V_DROP_MALFORMED;
	/* Every bare SYN goes up (a denied one for its RST): limit them all. */
	if (th->syn && !th->ack && syn_over_rate(f->cfg))
		return TG_V_DROP_SYN_RATE;
	/* DNS over TCP goes to the interceptor, as UDP/53: to the gateway
	 * always, to another resolver where the policy allows it. */
	if (th->dest == bpf_htons(TG_DNS_PORT) && is_gateway(f, l))
		return TG_V_TO_DNS;
	if (inbound(f, l, th->dest) || inbound_kept(f, th))
		return TG_V_TO_TCP;
	if (policy_passes(l->daddr, l->v6, TG_PP_TCP, bpf_ntohs(th->dest), !(th->syn && !th->ack)))
		return th->dest == bpf_htons(TG_DNS_PORT) ? TG_V_TO_DNS : TG_V_TO_TCP;
	if (th->syn && !th->ack)
		return TG_V_TO_DENIED_SYN;
	return TG_V_DROP_POLICY;
}

/*
 * UDP, shared by IPv4 and IPv6. DNS is intercepted (the interceptor
 * answers with the configured upstreams, never the address itself): to the
 * gateway always, to another resolver only where the policy allows UDP/53
 * there, so that a denied resolver cannot carry data out. Other allowed
 * UDP goes to the relay only when the daemon runs one.
 */
static __always_inline enum tg_verdict l4_udp(const struct frame *f, const struct l4 *l)
{
	const struct udphdr *uh = l->hdr;

	if (!l4_fits(f, l, sizeof(*uh)))
		return TG_V_DROP_MALFORMED;
	if (uh->dest == bpf_htons(TG_DNS_PORT) && is_gateway(f, l))
		return TG_V_TO_DNS;
	if (inbound(f, l, uh->dest) && (f->cfg->flags & TG_CFG_UDP_RELAY))
		return TG_V_UDP_RELAY; /* a published UDP port's answer */
	if (!policy_allows(l, TG_PP_UDP, bpf_ntohs(uh->dest)))
		return TG_V_DROP_POLICY;
	if (uh->dest == bpf_htons(TG_DNS_PORT))
		return TG_V_TO_DNS;
	if (!(f->cfg->flags & TG_CFG_UDP_RELAY))
		return TG_V_DROP_UDP;
	if (!(f->cfg->flags & TG_CFG_UDP_LOCAL) && TG_UDP_LOCAL_PORT(bpf_ntohs(uh->dest)))
		return TG_V_DROP_UDP;
	return TG_V_UDP_RELAY;
}

/* ICMP: to the gateway (echo) it is answered by user space itself, whatever
 * the policy; anything else is relayed only where the policy allows. Every
 * ICMP message has at least an 8-byte header. */
static __always_inline enum tg_verdict l4_icmp4(const struct frame *f, const struct l4 *l)
{
	if (!l4_fits(f, l, TG_ICMP_HLEN))
		return TG_V_DROP_MALFORMED;
	if (is_gateway(f, l) || policy_allows(l, TG_PP_ICMP, -1))
		return TG_V_TO_ICMP;
	return TG_V_DROP_POLICY;
}

/* ICMPv6: as ICMP, and neighbour discovery (link-local or ff02::
 * destinations) is answered locally too: it never leaves the link. */
static __always_inline enum tg_verdict l4_icmp6(const struct frame *f, const struct l4 *l)
{
	const struct in6_addr *daddr = l->daddr;

	if (!l4_fits(f, l, sizeof(struct icmp6hdr)))
		return TG_V_DROP_MALFORMED;
	if (TG_ICMP6_MLD(((const struct icmp6hdr *)l->hdr)->icmp6_type))
		return TG_V_DROP_PROTO; /* every Linux guest sends them; no multicast here */
	if (is_gateway(f, l) || addr6_linklocal(daddr) || addr6_ll_multicast(daddr) ||
	    policy_allows(l, TG_PP_ICMP, -1))
		return TG_V_TO_ICMP;
	return TG_V_DROP_POLICY;
}

/*
 * A UDP datagram longer than the guest's MTU and not fragmented is a USO
 * super-frame (UDP_SEGMENT in the guest, USO in its NIC): several datagrams
 * in one frame, whose segment size was in the skb (from the VMM's virtio
 * header) and is not in the bytes XDP and AF_XDP carry. Relayed as one
 * datagram it would change what the guest's peer receives, so it is
 * dropped and counted; TCP super-frames are a byte stream and go through.
 */
static __always_inline bool udp_superframe(const struct frame *f, __u32 ip_len)
{
	return f->cfg->mtu && ip_len > f->cfg->mtu;
}

/*
 * A DHCP client's message to the gateway's server (RFC 2131, 4.1 and
 * 4.3.2): from 0.0.0.0 before the guest has its address (from its address
 * when renewing), to 255.255.255.255 (to the gateway when renewing), UDP
 * port 68 to 67, not fragmented. Exactly that passes the source check,
 * and only while the daemon serves DHCP (TG_CFG_DHCP); any other frame
 * from 0.0.0.0 is spoofed and any other broadcast denied, as ever. User
 * space agrees (user/wire/slot.c, dhcp_client4()).
 */
static __always_inline bool dhcp4_client(const struct frame *f, const struct iphdr *ip, void *l4,
					 __u32 l4_len)
{
	const struct udphdr *uh = l4;

	if (!(f->cfg->flags & TG_CFG_DHCP) || ip->protocol != TG_IPPROTO_UDP ||
	    (ip->frag_off & bpf_htons(TG_IP4_MF | TG_IP4_OFFMASK)))
		return false;
	if (ip->saddr != 0 && ip->saddr != f->cfg->guest_ip4)
		return false;
	if (ip->daddr != 0xffffffff && ip->daddr != f->cfg->gw_ip4)
		return false;
	if ((void *)(uh + 1) > f->end || l4_len < sizeof(*uh))
		return false;
	return uh->source == bpf_htons(TG_DHCP_CLIENT_PORT) &&
	       uh->dest == bpf_htons(TG_DHCP_SERVER_PORT);
}

static __always_inline enum tg_verdict parse_ipv4(const struct frame *f, void *l3)
{
	struct iphdr *ip = l3;
	struct l4 l = { .v6 = false };
	__u32 hlen, tot_len;

	if ((void *)(ip + 1) > f->end)
		return TG_V_DROP_MALFORMED;
	if (ip->version != 4 || ip->ihl < 5)
		return TG_V_DROP_MALFORMED;
	hlen = ip->ihl * 4;
	tot_len = bpf_ntohs(ip->tot_len);
	/* tot_len may be shorter than the frame (Ethernet pads), never
	 * longer. */
	if (tot_len < hlen || tot_len > f->len - sizeof(struct ethhdr))
		return TG_V_DROP_MALFORMED;
	if (dhcp4_client(f, ip, l3 + hlen, tot_len - hlen))
		return TG_V_TO_DHCP;
	if (ip->saddr != f->cfg->guest_ip4)
		return TG_V_DROP_SPOOF_IP;
	/* Only the first fragment carries ports: never classify by them;
	 * user space reassembles (bounded) and decides on the whole. UDP's go
	 * to the relay's socket, in one queue with the flow's unfragmented
	 * datagrams, so that a big one cannot overtake a small one. */
	if (ip->frag_off & bpf_htons(TG_IP4_MF | TG_IP4_OFFMASK))
		return ip->protocol == TG_IPPROTO_UDP && (f->cfg->flags & TG_CFG_UDP_RELAY)
			       ? TG_V_UDP_FRAG
			       : TG_V_TO_FRAG;

	l.hdr = l3 + hlen;
	l.len = tot_len - hlen;
	l.daddr = &ip->daddr;
	switch (ip->protocol) {
	case TG_IPPROTO_TCP:
		return l4_tcp(f, &l);
	case TG_IPPROTO_UDP:
		if (udp_superframe(f, tot_len))
			return TG_V_DROP_UDP_GSO;
		return l4_udp(f, &l);
	case TG_IPPROTO_ICMP:
		return l4_icmp4(f, &l);
	default:
		return TG_V_DROP_PROTO;
	}
}

/*
 * Any address of the guest's /64 is the guest's (SLAAC and privacy
 * addresses; nobody else lives there) but the gateway's own. User space
 * decides alike (user/wire/slot.c, guest_source6()).
 */
static __always_inline bool addr6_guest(const struct frame *f, const struct in6_addr *a)
{
	const volatile __u32 *w = (const volatile __u32 *)f->cfg->guest_ip6;

	return a->in6_u.u6_addr32[0] == w[0] && a->in6_u.u6_addr32[1] == w[1] &&
	       !addr6_eq(a, f->cfg->gw_ip6);
}

/*
 * A guest sends from :: before it owns an address (DAD) and from fe80::/10
 * for neighbour discovery: fine for ICMPv6 to link-scope destinations
 * (fe80::/10, ff02::/16), which user space answers locally and never
 * forwards; such a source towards anything further is spoofing, as it
 * would be for any other protocol. @nh is the transport protocol, past
 * the extension headers (MLD reports come from the same sources to ff02::
 * behind a hop-by-hop header).
 */
static __always_inline bool ipv6_source_ok(const struct frame *f, const struct ipv6hdr *ip6,
					   __u8 nh)
{
	if (addr6_guest(f, &ip6->saddr))
		return true;
	if (nh != TG_IPPROTO_ICMPV6)
		return false;
	if (!addr6_unspecified(&ip6->saddr) && !addr6_linklocal(&ip6->saddr))
		return false;
	return addr6_linklocal(&ip6->daddr) || addr6_ll_multicast(&ip6->daddr);
}

static __always_inline bool ext_hdr6(__u8 nh)
{
	return nh == TG_IPPROTO_HOPOPTS || nh == TG_IPPROTO_ROUTING || nh == TG_IPPROTO_DSTOPTS;
}

/*
 * Walk the extension headers before the transport header (RFC 8200
 * section 4: a next-header byte, then the length in 8-octet units past
 * the first 8), at most TG_IP6_EXT_MAX of them and all in the first buffer
 * (a frame's headers always are). On TG_V_MAX, @l is the transport header
 * and *nh its type; the slot walks the same (user/wire/slot.c).
 */
static __always_inline enum tg_verdict walk_ext6(const struct frame *f, struct l4 *l, __u8 *nh)
{
	__u8 *p = l->hdr;
	__u32 left = l->len, hl;

#pragma unroll
	for (int i = 0; i <= TG_IP6_EXT_MAX; i++) {
		if (!ext_hdr6(*nh))
			break;
		if (i == TG_IP6_EXT_MAX)
			return TG_V_DROP_EXTHDR;
		if ((void *)(p + 2) > f->end)
			return TG_V_DROP_MALFORMED;
		hl = ((__u32)p[1] + 1) * 8;
		if (hl > left)
			return TG_V_DROP_MALFORMED;
		*nh = p[0];
		p += hl;
		left -= hl;
	}
	l->hdr = p;
	l->len = left;
	return TG_V_MAX;
}

static __always_inline enum tg_verdict parse_ipv6(const struct frame *f, void *l3)
{
	struct ipv6hdr *ip6 = l3;
	struct l4 l = { .v6 = true };
	enum tg_verdict v;
	__u8 nh;

	if (!(f->cfg->flags & TG_CFG_IPV6))
		return TG_V_DROP_PROTO;
	if ((void *)(ip6 + 1) > f->end)
		return TG_V_DROP_MALFORMED;
	if (ip6->version != 6)
		return TG_V_DROP_MALFORMED;
	l.hdr = ip6 + 1;
	l.len = bpf_ntohs(ip6->payload_len);
	if (l.len > f->len - sizeof(struct ethhdr) - sizeof(*ip6))
		return TG_V_DROP_MALFORMED;
	l.daddr = &ip6->daddr;
	nh = ip6->nexthdr;
	v = walk_ext6(f, &l, &nh);
	if (v != TG_V_MAX)
		return v;
	if (!ipv6_source_ok(f, ip6, nh))
		return TG_V_DROP_SPOOF_IP;
	switch (nh) {
	case TG_IPPROTO_FRAGMENT:
		/* As IPv4: no ports to classify by until reassembled. */
		return TG_V_TO_FRAG;
	case TG_IPPROTO_TCP:
		return l4_tcp(f, &l);
	case TG_IPPROTO_UDP:
		if (udp_superframe(f, sizeof(*ip6) + bpf_ntohs(ip6->payload_len)))
			return TG_V_DROP_UDP_GSO;
		return l4_udp(f, &l);
	case TG_IPPROTO_ICMPV6:
		return l4_icmp6(f, &l);
	default:
		return TG_V_DROP_PROTO; /* ESP, AH, no next header, ... */
	}
}

static __always_inline enum tg_verdict parse_arp(const struct frame *f, void *l3)
{
	struct arp_eth4 *arp = l3;
	__be32 sip;

	if ((void *)(arp + 1) > f->end)
		return TG_V_DROP_MALFORMED;
	if (arp->htype != bpf_htons(TG_ARP_HTYPE_ETHER) || arp->ptype != bpf_htons(TG_ETH_P_IP) ||
	    arp->hlen != TG_ETH_ALEN || arp->plen != 4)
		return TG_V_DROP_MALFORMED;
	if (!mac_eq(arp->sha, f->cfg->guest_mac))
		return TG_V_DROP_SPOOF_MAC;
	/* 0.0.0.0 is an ARP probe (RFC 5227): the guest checking its address. */
	__builtin_memcpy(&sip, arp->sip, sizeof(sip));
	if (sip != f->cfg->guest_ip4 && sip != 0)
		return TG_V_DROP_SPOOF_IP;
	return TG_V_TO_ARP;
}

static __always_inline enum tg_verdict parse_eth(const struct frame *f)
{
	struct ethhdr *eth = f->data;

	if ((void *)(eth + 1) > f->end)
		return TG_V_DROP_MALFORMED;
	if (!mac_eq(eth->h_source, f->cfg->guest_mac))
		return TG_V_DROP_SPOOF_MAC;
	/* VLAN tags (0x8100, 0x88a8) fall in the default: a guest has no
	 * business tagging, and a tag would hide the real ethertype. */
	switch (eth->h_proto) {
	case bpf_htons(TG_ETH_P_ARP):
		return parse_arp(f, eth + 1);
	case bpf_htons(TG_ETH_P_IP):
		return parse_ipv4(f, eth + 1);
	case bpf_htons(TG_ETH_P_IPV6):
		return parse_ipv6(f, eth + 1);
	default:
		return TG_V_DROP_PROTO;
	}
}

/* Verdicts that mean "hand to user space"; all others are drops. */
static __always_inline bool verdict_redirects(enum tg_verdict v)
{
	switch (v) {
	case TG_V_TO_TCP:
	case TG_V_TO_DNS:
	case TG_V_TO_ARP:
	case TG_V_TO_ICMP:
	case TG_V_TO_FRAG:
	case TG_V_TO_DENIED_SYN:
	case TG_V_UDP_RELAY:
	case TG_V_UDP_FRAG:
	case TG_V_TO_DHCP:
		return true;
	default:
		return false;
	}
}

static __always_inline void count(__u32 verdict, __u64 bytes)
{
	struct tg_count *c = bpf_map_lookup_elem(&TG_MAP_COUNTERS, &verdict);

	/* Per-CPU values: no other writer, no atomics needed. */
	if (c) {
		c->packets += 1;
		c->bytes += bytes;
	}
}

SEC("xdp.frags")
int tg_steer(struct xdp_md *ctx)
{
	__u64 bytes = bpf_xdp_get_buff_len(ctx);
	struct frame f = {
		.data = (void *)(long)ctx->data,
		.end = (void *)(long)ctx->data_end,
		.len = (__u32)bytes,
	};
	enum tg_verdict v;
	__u32 key = 0;
	long ret;

	f.cfg = bpf_map_lookup_elem(&TG_MAP_CONFIG, &key);
	if (!f.cfg || f.cfg->abi != TG_ABI) {
		count(TG_V_DROP_NOCONFIG, bytes);
		return XDP_DROP; /* not configured yet, or for another object: fail closed */
	}
	v = parse_eth(&f);

	if (verdict_redirects(v) && tg_rx_max && bytes > tg_rx_max)
		v = TG_V_DROP_OVERSIZE;
	if (!verdict_redirects(v)) {
		count(v, bytes);
		return XDP_DROP;
	}
	/* The low bits of flags are the action when the queue has no socket:
	 * drop, never pass, so a dead daemon cannot leak guest frames into the
	 * host stack. */
	/* Non-DNS UDP (and UDP fragments) go to the relay's own socket, so
	 * they never queue behind TCP in the slot's ring nor enter lwIP. */
	key = ctx->rx_queue_index;
	if (v == TG_V_UDP_RELAY || v == TG_V_UDP_FRAG)
		key += TG_XSK_UDP;
	ret = bpf_redirect_map(&TG_MAP_XSKS, key, XDP_DROP);
	if (ret != XDP_REDIRECT) {
		count(TG_V_DROP_NOSOCK, bytes);
		return XDP_DROP;
	}
	count(v, bytes);
	return XDP_REDIRECT;
}

char LICENSE[] SEC("license") = "GPL";
