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

/* ---- memory: every byte lwIP holds comes from lwipmem.c, under one
 * budget set from the configuration, so no guest can grow it past that;
 * pools would need their sizes fixed at compile time instead. */
#define MEM_LIBC_MALLOC 1
#define MEMP_MEM_MALLOC 1
#define MEM_ALIGNMENT	8
#include <stddef.h>
#include <stdint.h>
void *lwipmem_malloc(size_t size);
void *lwipmem_calloc(size_t n, size_t size);
void lwipmem_free(void *p);
#define mem_clib_malloc lwipmem_malloc
#define mem_clib_calloc lwipmem_calloc
#define mem_clib_free	lwipmem_free
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
#define TCP_MSS 1460
/* Guest->host throughput is one receive window per round trip: 64 KiB
 * (Debian's build) left the guest window-limited two thirds of a bulk
 * transfer. 128 KiB with window scaling. Not more: what all connections'
 * windows let the guest send at once must mostly fit the AF_XDP rx ring
 * (256 frames, io/umem.c), or the ring drops frames and TCP recovers
 * slowly (no SACK). Measured on a veth, iperf3 guest->host: 256 KiB gave
 * 5.1 Gbit/s on 1 stream but 1.7 on 4 (1226 frames dropped by the ring,
 * 7975 retransmissions); 128 KiB gives 4.3 and 4.6. The guest cannot make
 * a connection hold more than this of its data, and lwipmem.c caps them
 * all together. */
#define LWIP_WND_SCALE 1
#define TCP_RCV_SCALE  3
#define TCP_WND	       (128 * 1024)
/* Host->guest: what may be in flight towards the guest per connection. */
#define TCP_SND_BUF (256 * 1024)
#define TCP_SNDLOWAT (32 * 1024) /* lwIP keeps it below 64 KiB */
#define LWIP_TCP_KEEPALIVE  1
/* Offered back when the guest offers them (sys_now() is the loop's clock):
 * a guest that sees timestamps can reuse a port still in its TIME_WAIT
 * (tcp_tw_reuse), so a client making tens of thousands of connections to
 * one server port does not stall on its own TIME_WAIT table. */
#define LWIP_TCP_TIMESTAMPS 1
/* Out-of-order segments: a memory link does not reorder, but frames can be
 * lost (a full rx ring) and then the queue saves the guest resending all
 * that followed. Bounded per connection in segments, because 1-byte
 * segments at every other sequence number were the memory attack (each
 * one a buffer and a walk of the queue); the slot drops what lies outside
 * the receive window before lwIP sees it (pxtcp.c). */
#define TCP_QUEUE_OOSEQ	    1
#define TCP_OOSEQ_MAX_PBUFS 16
#define TCP_OOSEQ_MAX_BYTES TCP_WND
/* pxtcp.c makes a listener per (destination, port) while handshakes are
 * pending, beside established connections on the same local tuple. */
#define SO_REUSE 1
#define LWIP_CHECKSUM_ON_COPY 1 /* tcp_write sums while it copies: one pass, not two */

/* ---- checksums */
#define LWIP_CHKSUM lwipsum /* our four-lane sum (stack/lwipsum.c) */
/* The slot checked the guest's IPv4 header checksum. Its TCP checksum
 * protects nothing on a memory link (and a guest with offload leaves only
 * the pseudo-header sum in it): lwIP does not verify it, so no pass over
 * the payload is spent on it. What lwIP sends is summed for the guest,
 * whose kernel checks it. */
#define CHECKSUM_CHECK_IP  0
#define CHECKSUM_CHECK_TCP 0
#define CHECKSUM_GEN_IP	   1
#define CHECKSUM_GEN_TCP   1
uint16_t lwipsum(const void *dataptr, int len);

/* ---- input: every destination is ours (the guest connects anywhere).
 * ip4_input accepts only packets to the netif's own address; the hook
 * takes every packet first and gives its TCP segment to tcp_input with the
 * packet's own addresses (stack.c). Only validated TCP reaches it. */
struct pbuf;
struct netif;
int stack_ip4_hook(struct pbuf *p, struct netif *inp);
#define LWIP_HOOK_IP4_INPUT(p, inp) stack_ip4_hook((p), (inp))

/* ---- the sequence guard: once lwIP has found a segment's connection, and
 * before it acts on it, stack.c drops what only a hostile guest sends (data
 * out of order past the window's right edge, which 2.1.3 queues untrimmed
 * and then asserts on; RSTs and SYNs off rcv_nxt, RFC 5961). */
struct tcp_pcb;
struct tcp_hdr;
signed char stack_tcp_guard(struct tcp_pcb *pcb, struct tcp_hdr *hdr, struct pbuf *p);
#define LWIP_HOOK_TCP_INPACKET_PCB(pcb, hdr, optlen, opt1len, opt2, p)                              \
	stack_tcp_guard((pcb), (hdr), (p))

#endif
