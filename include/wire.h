/* SPDX-License-Identifier: MIT */
/*
 * wire.h - the protocol numbers tapgate reads and writes on the guest's
 * link, spelled once for the XDP program, the daemon and the tests: header
 * lengths, ethertypes, IP protocol numbers, the IPv4 fragment bits, TCP
 * flags, ICMP(v6) and neighbour discovery types, the DNS and DHCP ports. Plain macros (no types, no libc), so that
 * clang -target bpf, user space and the test builders all include it.
 * Values are host order; the kernel's uapi headers and libc have their own
 * names for some of them (ETH_P_IP, IPPROTO_TCP): tapgate's code uses these.
 */
#ifndef TAPGATE_WIRE_H
#define TAPGATE_WIRE_H

/* Ethernet II */
#define TG_ETH_ALEN   6	 /* a MAC address */
#define TG_ETH_HLEN   14 /* destination, source, ethertype; no VLAN tag */
#define TG_ETH_P_IP   0x0800
#define TG_ETH_P_ARP  0x0806
#define TG_ETH_P_IPV6 0x86dd

/* ARP for IPv4 over Ethernet (RFC 826): the body after the Ethernet
 * header, and where its fields start in it */
#define TG_ARP_LEN	   28 /* 8 bytes of header, 2 x (MAC, IPv4) */
#define TG_ARP_HTYPE_ETHER 1
#define TG_ARP_REQUEST	   1
#define TG_ARP_REPLY	   2
#define TG_ARP_OP	   6  /* operation, 16 bits */
#define TG_ARP_SHA	   8  /* sender MAC */
#define TG_ARP_SPA	   14 /* sender IPv4 address */
#define TG_ARP_THA	   18 /* target MAC */
#define TG_ARP_TPA	   24 /* target IPv4 address */

/* IPv4 and IPv6 headers */
#define TG_IP4_HLEN    20     /* without options */
#define TG_IP4_DF      0x4000 /* don't fragment, in the flags/offset field */
#define TG_IP4_MF      0x2000 /* more fragments */
#define TG_IP4_OFFMASK 0x1fff /* fragment offset, in 8-byte units */
#define TG_IP6_HLEN    40

/* IP protocol / IPv6 next header numbers */
#define TG_IPPROTO_HOPOPTS  0
#define TG_IPPROTO_ICMP	    1
#define TG_IPPROTO_TCP	    6
#define TG_IPPROTO_UDP	    17
#define TG_IPPROTO_ROUTING  43
#define TG_IPPROTO_FRAGMENT 44
#define TG_IPPROTO_ICMPV6   58
#define TG_IPPROTO_DSTOPTS  60

/* IPv6 extension headers walked before the transport header (hop-by-hop,
 * routing, destination options; a fragment header ends the walk): at most
 * this many, in the XDP program and in the slot alike. A ninth is dropped
 * (TG_V_DROP_EXTHDR). Real traffic carries one or two; the bound keeps
 * the walk short and the verifier's loop small. */
#define TG_IP6_EXT_MAX 8

/* ICMPv6 multicast listener messages (RFC 2710, RFC 3810): queries,
 * reports, done. tapgate has no multicast to listen for. */
#define TG_ICMP6_MLD(t) ((t) == 130 || (t) == 131 || (t) == 132 || (t) == 143)

/* Transport headers */
#define TG_TCP_HLEN  20 /* without options */
#define TG_UDP_HLEN  8
#define TG_ICMP_HLEN 8 /* type, code, checksum, 4 more bytes: every ICMP(v6) message */

/* TCP flags: byte 13 of the TCP header */
#define TG_TCP_FIN 0x01
#define TG_TCP_SYN 0x02
#define TG_TCP_RST 0x04
#define TG_TCP_PSH 0x08
#define TG_TCP_ACK 0x10
#define TG_TCP_URG 0x20
#define TG_TCP_ECE 0x40
#define TG_TCP_CWR 0x80

/* ICMP and ICMPv6 types tapgate answers or relays */
#define TG_ICMP_ECHO_REPLY    0
#define TG_ICMP_ECHO_REQUEST  8
#define TG_ICMP6_ECHO_REQUEST 128
#define TG_ICMP6_ECHO_REPLY   129

/* IPv6 neighbour discovery (RFC 4861): message types, option types (RFC
 * 8106 for RDNSS), and the hop limit every ND message carries, which
 * proves it was not forwarded from off the link */
#define TG_ND_ROUTER_SOLICIT	  133
#define TG_ND_ROUTER_ADVERT	  134
#define TG_ND_NEIGHBOR_SOLICIT	  135
#define TG_ND_NEIGHBOR_ADVERT	  136
#define TG_ND_REDIRECT		  137
#define TG_ND_OPT_SOURCE_LINKADDR 1
#define TG_ND_OPT_TARGET_LINKADDR 2
#define TG_ND_OPT_PREFIX_INFO	  3
#define TG_ND_OPT_MTU		  5
#define TG_ND_OPT_RDNSS		  25
#define TG_ND_HOP_LIMIT		  255

/* DNS, intercepted on this port to any address, over UDP and TCP */
#define TG_DNS_PORT 53

/* DHCPv4 (RFC 2131): a client sends from this port to the server's */
#define TG_DHCP_CLIENT_PORT 68
#define TG_DHCP_SERVER_PORT 67

#endif /* TAPGATE_WIRE_H */
