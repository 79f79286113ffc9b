// SPDX-License-Identifier: MIT
/*
 * test_wire.c - include/wire.h against a second source: every protocol
 * number tapgate spells for itself equals the C library's name for it
 * (<net/ethernet.h>, <netinet/if_ether.h>, <netinet/in.h>, <netinet/ip.h>, <netinet/tcp.h>,
 * <netinet/ip_icmp.h>), so a typo in the one list cannot hide behind the
 * tests that build their frames from that same list.
 */
#include <net/ethernet.h>
#include <net/if_arp.h>
#include <netinet/if_ether.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/ip_icmp.h>
#include <netinet/tcp.h>
#include <netinet/udp.h>
#include <stddef.h>

#include "check.h"
#include "wire.h"

static void ethernet(void)
{
	CHECK_EQ(TG_ETH_ALEN, ETH_ALEN);
	CHECK_EQ(TG_ETH_HLEN, ETH_HLEN);
	CHECK_EQ(TG_ETH_P_IP, ETHERTYPE_IP);
	CHECK_EQ(TG_ETH_P_ARP, ETHERTYPE_ARP);
	CHECK_EQ(TG_ETH_P_IPV6, ETHERTYPE_IPV6);
	CHECK_EQ(TG_ARP_LEN, sizeof(struct ether_arp));
	CHECK_EQ(TG_ARP_HTYPE_ETHER, ARPHRD_ETHER);
	CHECK_EQ(TG_ARP_REQUEST, ARPOP_REQUEST);
	CHECK_EQ(TG_ARP_REPLY, ARPOP_REPLY);
	CHECK_EQ(TG_ARP_OP, offsetof(struct ether_arp, ea_hdr.ar_op));
	CHECK_EQ(TG_ARP_SHA, offsetof(struct ether_arp, arp_sha));
	CHECK_EQ(TG_ARP_SPA, offsetof(struct ether_arp, arp_spa));
	CHECK_EQ(TG_ARP_THA, offsetof(struct ether_arp, arp_tha));
	CHECK_EQ(TG_ARP_TPA, offsetof(struct ether_arp, arp_tpa));
}

static void ip(void)
{
	CHECK_EQ(TG_IP4_HLEN, sizeof(struct iphdr));
	CHECK_EQ(TG_IP4_DF, IP_DF);
	CHECK_EQ(TG_IP4_MF, IP_MF);
	CHECK_EQ(TG_IP4_OFFMASK, IP_OFFMASK);
	CHECK_EQ(TG_IP6_HLEN, 40); /* RFC 8200: fixed, no struct in libc */
	CHECK_EQ(TG_IPPROTO_HOPOPTS, IPPROTO_HOPOPTS);
	CHECK_EQ(TG_IPPROTO_ICMP, IPPROTO_ICMP);
	CHECK_EQ(TG_IPPROTO_TCP, IPPROTO_TCP);
	CHECK_EQ(TG_IPPROTO_UDP, IPPROTO_UDP);
	CHECK_EQ(TG_IPPROTO_FRAGMENT, IPPROTO_FRAGMENT);
	CHECK_EQ(TG_IPPROTO_ROUTING, IPPROTO_ROUTING);
	CHECK_EQ(TG_IPPROTO_DSTOPTS, IPPROTO_DSTOPTS);
	CHECK_EQ(TG_IPPROTO_ICMPV6, IPPROTO_ICMPV6);
}

static void transport(void)
{
	CHECK_EQ(TG_TCP_HLEN, sizeof(struct tcphdr));
	CHECK_EQ(TG_UDP_HLEN, sizeof(struct udphdr));
	CHECK_EQ(TG_ICMP_HLEN, ICMP_MINLEN);
	CHECK_EQ(TG_TCP_FIN, TH_FIN);
	CHECK_EQ(TG_TCP_SYN, TH_SYN);
	CHECK_EQ(TG_TCP_RST, TH_RST);
	CHECK_EQ(TG_TCP_PSH, TH_PUSH);
	CHECK_EQ(TG_TCP_ACK, TH_ACK);
	CHECK_EQ(TG_TCP_URG, TH_URG);
	CHECK_EQ(TG_TCP_ECE, 0x40); /* RFC 3168; libc's TH_ flags stop at URG */
	CHECK_EQ(TG_TCP_CWR, 0x80);
	CHECK_EQ(TG_ICMP_ECHO_REPLY, ICMP_ECHOREPLY);
	CHECK_EQ(TG_ICMP_ECHO_REQUEST, ICMP_ECHO);
	CHECK_EQ(TG_ICMP6_ECHO_REQUEST, ICMP6_ECHO_REQUEST);
	CHECK_EQ(TG_ICMP6_ECHO_REPLY, ICMP6_ECHO_REPLY);
	CHECK_EQ(TG_ND_ROUTER_SOLICIT, ND_ROUTER_SOLICIT);
	CHECK_EQ(TG_ND_ROUTER_ADVERT, ND_ROUTER_ADVERT);
	CHECK_EQ(TG_ND_NEIGHBOR_SOLICIT, ND_NEIGHBOR_SOLICIT);
	CHECK_EQ(TG_ND_NEIGHBOR_ADVERT, ND_NEIGHBOR_ADVERT);
	CHECK_EQ(TG_ND_REDIRECT, ND_REDIRECT);
	CHECK_EQ(TG_ND_OPT_SOURCE_LINKADDR, ND_OPT_SOURCE_LINKADDR);
	CHECK_EQ(TG_ND_OPT_TARGET_LINKADDR, ND_OPT_TARGET_LINKADDR);
	CHECK_EQ(TG_ND_OPT_PREFIX_INFO, ND_OPT_PREFIX_INFORMATION);
	CHECK_EQ(TG_ND_OPT_MTU, ND_OPT_MTU);
	CHECK_EQ(TG_ND_OPT_RDNSS, 25); /* RFC 8106; not in libc */
	CHECK_EQ(TG_ND_HOP_LIMIT, 255);
}

int main(void)
{
	RUN(ethernet);
	RUN(ip);
	RUN(transport);
	return check_summary();
}
