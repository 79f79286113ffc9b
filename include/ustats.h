/* SPDX-License-Identifier: MIT */
/*
 * ustats.h - the daemon's own counters, kept in the mmapable TG_MAP_USTATS
 * array (one element) so that `bpftool map dump pinned` and `tapgate stats`
 * see them without asking the daemon. The XDP program never touches them;
 * it only declares the map with this value type, which is why the struct
 * lives in include/ and is built with clang -target bpf too (its BTF gives
 * bpftool the field names). Written only by the daemon's event-loop thread.
 *
 * TG_USTATS is the one list: it generates struct tg_ustats here and the
 * table `tapgate stats` prints (user/control/stats.c), in this order and
 * under these names, as text and as JSON. A new counter is one line here.
 * pid stays first: the text output shows it in its heading.
 */
#ifndef TAPGATE_USTATS_H
#define TAPGATE_USTATS_H

#include <linux/types.h>

/* X(name, help): one __u64 counter each. */
#define TG_USTATS(X)                                                                               \
	X(pid, "the daemon serving this device")                                                   \
	X(rx_frames, "frames from the guest taken off the rx ring")                                \
	X(rx_bytes, "bytes of those frames")                                                       \
	X(rx_super_frames, "of those, longer than the MTU: TSO super-frames from the VMM")         \
	X(tx_frames, "frames to the guest put on the tx ring")                                     \
	X(tx_bytes, "bytes of those frames")                                                       \
	X(arp_replies, "ARP requests for the gateway answered")                                    \
	X(icmp_replies, "echo requests (IPv4 and IPv6) to the gateway answered")                   \
	X(slot_drops, "frames dropped by the slot's inspection (by reason: drop_reason)")          \
	X(tx_ring_full, "times output found no tx room (backpressure)")                            \
	X(conns_open, "TCP connections open now")                                                  \
	X(conns_total, "connections accepted (host connect succeeded)")                            \
	X(conns_refused, "host refused, unreachable or timed out")                                 \
	X(conns_denied, "SYNs to a destination the policy denies")                                 \
	X(conns_limit, "refused because --max-conns was reached")                                  \
	X(conns_handshake_reset,                                                                   \
	  "handshakes the guest reset (or never finished) before the accept")                      \
	X(bytes_to_host, "TCP payload guest -> host")                                              \
	X(bytes_to_guest, "TCP payload host -> guest")                                             \
	X(xsk_rx_dropped, "AF_XDP rx drops (XDP_STATISTICS)")                                      \
	X(xsk_rx_ring_full, "AF_XDP rx ring full (XDP_STATISTICS)")                                \
	X(xsk_tx_invalid, "AF_XDP tx descriptors refused (XDP_STATISTICS)")                        \
	X(udp_rx_frames, "frames read from the UDP relay's own socket")                            \
	X(udp_flows_open, "UDP flows open now")                                                    \
	X(udp_flows_total, "UDP flows opened")                                                     \
	X(udp_evicted, "flows closed early by the --udp-max-flows cap")                            \
	X(udp_to_host, "datagrams guest -> host")                                                  \
	X(udp_to_guest, "datagrams host -> guest")                                                 \
	X(udp_dropped, "host socket full, no memory, bad datagram")                                \
	X(dns_queries, "DNS queries from the guest")                                               \
	X(dns_answers, "DNS answers to the guest")                                                 \
	X(dns_local, "answered by tapgate itself (--host-name)")                                   \
	X(dns_failover, "queries (UDP or TCP) moved on to the next upstream")                      \
	X(dns_timeouts, "queries no upstream answered (SERVFAIL)")                                 \
	X(dns_rebind_blocked, "answer records into private or host ranges (rebinding)")            \
	X(dns_truncated, "answers over the guest's EDNS size, cut and marked TC")                  \
	X(icmp_relayed, "echo requests relayed to the host network")                               \
	X(icmp_replies_relayed, "echo replies relayed back to the guest")                          \
	X(reasm_done, "IPv4 datagrams reassembled from fragments")                                 \
	X(reasm_dropped, "fragments refused, datagrams timed out in reassembly")                   \
	X(rx_pbuf_fallbacks, "guest segments that needed malloc (pool dry)")                       \
	X(acks_merged, "pure ACKs to the guest made redundant by a newer one")                     \
	X(udp_batched, "datagrams to the host that shared a send (UDP_SEGMENT)")                   \
	X(udp_batch_fallbacks, "batches the kernel refused whole: sent one by one")                \
	X(acks_folded, "guest pure ACKs left out: a later one acked more")                         \
	X(tcp_out_of_window, "guest segments out of order past the receive window, dropped")       \
	X(tcp_blind, "guest RSTs and SYNs off rcv_nxt in a live connection, dropped")              \
	X(tcp_mem_refused, "lwIP allocations refused by --tcp-mem")                                \
	X(tcp_mem_peak, "the most memory lwIP held at once (bytes)")                               \
	X(dns_tcp_rejected, "DNS-over-TCP connections reset: a message not a valid query")         \
	X(dns_tcp_limit, "DNS-over-TCP connections refused: too many at once")                     \
	X(policy_gen, "the policy generation in force (which half of tg_phits counts)")            \
	X(policy_icmp_sent, "ICMP prohibited errors for denied UDP/ICMP (icmp_prohibited)")        \
	X(policy_resets, "open flows a reloaded policy denies: TCP reset, UDP closed")             \
	X(dns_policy_denied, "DNS queries for a name the policy denies (NXDOMAIN)")                \
	X(dns_aaaa_empty, "AAAA queries answered empty (--dns-aaaa)")                              \
	X(dns_unmatched, "upstream DNS answers matching no query (id and question), dropped")      \
	X(nd_advertised, "neighbour solicitations for the gateway answered")                       \
	X(ra_sent, "router advertisements sent (periodic and solicited)")                          \
	X(inbound_accepted, "host connections accepted on published TCP ports")                    \
	X(inbound_open, "connections through published ports open now")                            \
	X(inbound_refused, "published-port connections the guest refused or never answered")       \
	X(inbound_udp_to_guest, "datagrams from host peers to a published UDP port of the guest")  \
	X(inbound_udp_to_host, "the guest's answers on published UDP ports, sent to the peers")    \
	X(inbound_denied, "host peers the ingress policy kept from a published port")              \
	X(icmp_foreign, "echo replies read that were no request of ours (late, or another's)")     \
	X(dhcp_offers, "DHCPOFFERs sent (the guest address, to the guest's MAC only)")             \
	X(dhcp_acks, "DHCPACKs sent: leases given or renewed, DHCPINFORMs answered")               \
	X(dhcp_naks, "DHCPNAKs sent: a DHCPREQUEST for another address than the guest's")          \
	X(dhcp_released, "DHCPRELEASEs and DHCPDECLINEs from the guest")                           \
	X(dhcp_ignored, "DHCP messages not ours to answer: another MAC, another server chosen")    \
	X(rx_queues, "the device's rx queues served, each with its own AF_XDP sockets")            \
	X(tls_intercepted, "TLS connections terminated and relayed (--tls-intercept)")             \
	X(tls_bypassed, "TLS connections spliced untouched (tls.bypass, or no name: no_sni)")      \
	X(tls_denied, "TLS connections closed: the policy refuses their server name")              \
	X(tls_no_sni, "ClientHellos without a server name")                                        \
	X(tls_bad_hello, "connections closed: no valid ClientHello within 16 KiB and 10 s")        \
	X(tls_upstream_failed, "server handshakes failed or did not verify (guest gets 502)")      \
	X(tls_guest_failed, "guest handshakes failed (does the guest trust tapgate's CA?)")        \
	X(tls_certs_minted, "leaf certificates made for server names")                             \
	X(tls_injections, "requests a secret was put into (by secret: tls_secret_injections)")     \
	X(tls_violations, "requests blocked with 403: a placeholder where it may not go")          \
	X(tls_bad_requests, "intercepted requests refused with 400: not HTTP/1.1 tapgate reads")   \
	X(tls_quic_dropped, "UDP datagrams to intercepted ports (QUIC) dropped")                   \
	X(tx_gso_frames, "TCP super-frames to the guest (runs of segments, packet socket, GSO)")   \
	X(tx_gso_segments, "the MSS segments those super-frames carried")                          \
	X(tx_gso_bytes, "bytes of those super-frames")

/* Room for the slot's drop reasons (enum slot_drop, user/wire/drop.h, which
 * checks at compile time that its reasons fit). */
#define TG_USTATS_DROPS 32
/* Room for the frames of each rx queue (user/io/umem.h checks at compile
 * time that the queues it serves fit). */
#define TG_USTATS_QUEUES 16
/* Room for the secrets of TLS interception (user/tls/tlsconf.h). */
#define TG_USTATS_SECRETS 16

struct tg_ustats {
#define TG_USTATS_FIELD(name, help) __u64 name;
	TG_USTATS(TG_USTATS_FIELD)
#undef TG_USTATS_FIELD
	__u64 drop_reason[TG_USTATS_DROPS]; /* slot drops by enum slot_drop */
	/* Frames taken off each rx queue's two rings (main and UDP relay): they
	 * add up to rx_frames + udp_rx_frames. */
	__u64 rx_queue_frames[TG_USTATS_QUEUES];
	/* Per secret of the tls section, in its order: name (NUL-padded; names
	 * are not secret), requests it was put into, requests it blocked. */
	__u8 tls_secret_name[TG_USTATS_SECRETS][32];
	__u64 tls_secret_injections[TG_USTATS_SECRETS];
	__u64 tls_secret_violations[TG_USTATS_SECRETS];
};

#endif /* TAPGATE_USTATS_H */
