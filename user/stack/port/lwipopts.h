/* SPDX-License-Identifier: MIT */
/*
 * lwipopts.h - how tapgate builds lwIP (Debian's lwip source package,
 * compiled by the Makefile into build/.../liblwip.a with this file).
 *
 * lwIP is used through its raw API from the event-loop thread only, as a
 * TCP endpoint for every destination the guest connects to: no sockets, no
 * netconn, no tcpip thread, no ARP (the netif takes bare IP packets), no
 * UDP/ICMP/fragments (tapgate relays and reassembles those itself before
 * lwIP sees a byte). Every option below that differs from lwIP's default
 * says why.
 */
#ifndef TAPGATE_LWIPOPTS_H
#define TAPGATE_LWIPOPTS_H

/* ---- system: one thread, no OS layer */
#define NO_SYS		    1 /* raw API from the event loop; no locks needed */
#define SYS_LIGHTWEIGHT_PROT 0
#define LWIP_TIMERS	    0 /* stack.c calls tcp_tmr() itself, only while TCP is busy */
#define LWIP_NETCONN	    0
#define LWIP_SOCKET	    0
#define LWIP_STATS	    0

/* ---- memory: the C library's allocator (see stack.c for the bounds) */
#define MEM_LIBC_MALLOC 1
#define MEMP_MEM_MALLOC 1
#define MEM_ALIGNMENT	8
#define LWIP_SUPPORT_CUSTOM_PBUF 1 /* guest segments come from our own pool (stack.c) */

/* ---- IP: one netif, fed only validated IP packets */
#define LWIP_IPV4     1
#define LWIP_IPV6     1
#define LWIP_ARP      0 /* the netif takes and gives bare IP packets */
#define LWIP_ETHERNET 0
#define IP_FORWARD    0 /* never route between anything */
#define IP_REASSEMBLY 0 /* the slot reassembles (bounded) and gives lwIP whole segments */
#define IP_FRAG	      0 /* lwIP sends segments of the MSS only */
#define LWIP_IPV6_FRAG	0
#define LWIP_IPV6_REASS 0
#define LWIP_IPV6_AUTOCONFIG 0 /* a guest Router Advertisement must not configure us */
#define LWIP_IPV6_SEND_ROUTER_SOLICIT 0
#define LWIP_IPV6_DUP_DETECT_ATTEMPTS 0
#define LWIP_IPV6_MLD		      0
#define LWIP_ND6_QUEUEING	      0
#define LWIP_ICMP  1 /* the code path of ip4_input; we feed it no ICMP */
#define LWIP_ICMP6 1 /* required by LWIP_IPV6 */
#define LWIP_RAW   0
#define LWIP_UDP   0 /* the UDP relay and DNS interceptor are tapgate's own */
#define LWIP_IGMP  0
#define LWIP_DHCP  0
#define LWIP_AUTOIP 0
#define LWIP_DNS   0
#define LWIP_NETIF_LOOPBACK 0
#define LWIP_SINGLE_NETIF   1

/* ---- TCP */
#define LWIP_TCP	    1
#define TCP_MSS		    1460
#define LWIP_WND_SCALE	    1
#define TCP_RCV_SCALE	    1
#define TCP_WND		    0xFFFF
#define TCP_SND_BUF	    TCP_WND
#define LWIP_TCP_KEEPALIVE  1
/* pxtcp.c makes a listener per (destination, port) while handshakes are
 * pending, beside established connections on the same local tuple. */
#define SO_REUSE 1
#define LWIP_CHECKSUM_ON_COPY 1 /* tcp_write sums while it copies: one pass, not two */

/* Checksums: lwIP calls our four-lane sum (stack/lwipsum.c). */
#define LWIP_CHKSUM lwip_standard_chksum

#endif
