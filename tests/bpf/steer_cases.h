/* SPDX-License-Identifier: MIT */
/*
 * steer_cases.h - the table of the XDP program's tests: each case is a
 * frame (steer_frames.h), the environment it runs in (steer_env.h), the
 * XDP action it must get once a socket is bound and the one verdict
 * counter it must grow. test_steer_cases.c runs each case,
 * test_steer_mutate.c each case's frame mutated.
 */
#ifndef TAPGATE_TEST_STEER_CASES_H
#define TAPGATE_TEST_STEER_CASES_H

#include <stddef.h>
#include <stdint.h>

#include "steer_env.h"
#include "steer_frames.h"

struct tcase {
	const char *name;
	enum env_id env;
	size_t (*build)(uint8_t *b);
	int xdp; /* expected return once a socket is bound */
	enum tg_verdict verdict;
};

#define RDR  XDP_REDIRECT
#define DROP XDP_DROP

static const struct tcase cases[] = {
	{ "eth: 13-byte frame", ENV_V6, f_eth_13, DROP, TG_V_DROP_MALFORMED },
	{ "eth: spoofed source MAC", ENV_V6, f_eth_spoof, DROP, TG_V_DROP_SPOOF_MAC },
	{ "eth: gateway MAC as source", ENV_V6, f_eth_gwmac, DROP, TG_V_DROP_SPOOF_MAC },
	{ "eth: 802.1Q VLAN tag", ENV_V6, f_eth_vlan, DROP, TG_V_DROP_PROTO },
	{ "eth: 802.1ad tag", ENV_V6, f_eth_qinq, DROP, TG_V_DROP_PROTO },
	{ "eth: LLDP ethertype", ENV_V6, f_eth_lldp, DROP, TG_V_DROP_PROTO },
	{ "eth: IPv4 ethertype, no header", ENV_V6, f_eth_only, DROP, TG_V_DROP_MALFORMED },

	{ "arp: request from guest", ENV_V6, f_arp_req, RDR, TG_V_TO_ARP },
	{ "arp: probe from 0.0.0.0", ENV_V6, f_arp_probe, RDR, TG_V_TO_ARP },
	{ "arp: wrong sender IP", ENV_V6, f_arp_spoof_ip, DROP, TG_V_DROP_SPOOF_IP },
	{ "arp: wrong sender MAC", ENV_V6, f_arp_spoof_mac, DROP, TG_V_DROP_SPOOF_MAC },
	{ "arp: 27-byte body", ENV_V6, f_arp_short, DROP, TG_V_DROP_MALFORMED },
	{ "arp: plen 16", ENV_V6, f_arp_plen, DROP, TG_V_DROP_MALFORMED },
	{ "arp: ptype IPv6", ENV_V6, f_arp_ptype, DROP, TG_V_DROP_MALFORMED },

	{ "ipv4: TCP SYN to public", ENV_V6, f_tcp_syn_pub, RDR, TG_V_TO_TCP },
	{ "ipv4: TCP ACK to public", ENV_V6, f_tcp_ack_pub, RDR, TG_V_TO_TCP },
	{ "ipv4: TCP ACK to 10.1.2.3 (deny)", ENV_V6, f_tcp_ack_priv, DROP, TG_V_DROP_POLICY },
	{ "ipv4: TCP SYN to 10.1.2.3 (deny)", ENV_V6, f_tcp_syn_priv, RDR, TG_V_TO_DENIED_SYN },
	{ "ipv4: TCP SYN-ACK to 10.1.2.3", ENV_V6, f_tcp_synack_priv, DROP, TG_V_DROP_POLICY },
	{ "ipv4: TCP FIN to 10.1.2.3", ENV_V6, f_tcp_fin_priv, DROP, TG_V_DROP_POLICY },
	{ "ipv4: TCP to 100.64.0.5 (deny /10)", ENV_V6, f_tcp_cgnat, DROP, TG_V_DROP_POLICY },
	{ "ipv4: TCP to gateway (allow /32 in deny /10)", ENV_V6, f_tcp_gw, RDR, TG_V_TO_TCP },
	{ "ipv4: spoofed source IP", ENV_V6, f_ip4_spoof, DROP, TG_V_DROP_SPOOF_IP },
	{ "ipv4: source 0.0.0.0", ENV_V6, f_ip4_spoof_zero, DROP, TG_V_DROP_SPOOF_IP },
	{ "ipv4: tot_len > frame", ENV_V6, f_ip4_trunc, DROP, TG_V_DROP_MALFORMED },
	{ "ipv4: tot_len < header", ENV_V6, f_ip4_len_lt_hdr, DROP, TG_V_DROP_MALFORMED },
	{ "ipv4: ihl 4", ENV_V6, f_ip4_ihl4, DROP, TG_V_DROP_MALFORMED },
	{ "ipv4: version 6", ENV_V6, f_ip4_ver6, DROP, TG_V_DROP_MALFORMED },
	{ "ipv4: 19-byte header", ENV_V6, f_ip4_19, DROP, TG_V_DROP_MALFORMED },
	{ "ipv4: Ethernet padding after tot_len", ENV_V6, f_ip4_padded, RDR, TG_V_TO_TCP },
	{ "ipv4: options (ihl 6)", ENV_V6, f_ip4_options, RDR, TG_V_TO_TCP },
	{ "ipv4: TCP header cut by tot_len", ENV_V6, f_ip4_tcp_cut, DROP, TG_V_DROP_MALFORMED },
	{ "ipv4: DF is not a fragment", ENV_V6, f_ip4_df, RDR, TG_V_TO_TCP },
	{ "ipv4: first fragment (MF)", ENV_V6, f_frag_mf, RDR, TG_V_TO_FRAG },
	{ "ipv4: last fragment (offset)", ENV_V6, f_frag_last, RDR, TG_V_TO_FRAG },
	{ "ipv4: fragment to denied dst", ENV_V6, f_frag_priv, RDR, TG_V_TO_FRAG },
	{ "ipv4: UDP first fragment, relay on", ENV_RELAY, f_frag_mf, RDR, TG_V_UDP_FRAG },
	{ "ipv4: UDP last fragment, relay on", ENV_RELAY, f_frag_last, RDR, TG_V_UDP_FRAG },
	{ "ipv4: TCP fragment, relay on", ENV_RELAY, f_frag_priv, RDR, TG_V_TO_FRAG },
	{ "ipv4: fragment from spoofed src", ENV_V6, f_frag_spoof, DROP, TG_V_DROP_SPOOF_IP },
	{ "ipv4: UDP to 8.8.8.8:53", ENV_V6, f_udp_dns_pub, RDR, TG_V_TO_DNS },
	{ "ipv4: UDP to 10.1.2.3:53 (a denied resolver)", ENV_V6, f_udp_dns_priv, DROP,
	  TG_V_DROP_POLICY },
	{ "ipv4: UDP to the gateway:53", ENV_V6, f_udp_dns_gw, RDR, TG_V_TO_DNS },
	{ "ipv4: UDP to 8.8.8.8:443, relay off", ENV_V6, f_udp_pub, DROP, TG_V_DROP_UDP },
	{ "ipv4: UDP to 8.8.8.8:443, relay on", ENV_RELAY, f_udp_pub, RDR, TG_V_UDP_RELAY },
	{ "ipv4: UDP to 8.8.8.8:5353 (mDNS), relay on", ENV_RELAY, f_udp_mdns, DROP,
	  TG_V_DROP_UDP },
	{ "ipv4: UDP to 8.8.8.8:853 (DoQ), relay on", ENV_RELAY, f_udp_doq, DROP, TG_V_DROP_UDP },
	{ "ipv4: UDP to 10.1.2.3:443, relay off", ENV_V6, f_udp_priv, DROP, TG_V_DROP_POLICY },
	{ "ipv4: UDP to 10.1.2.3:443, relay on", ENV_RELAY, f_udp_priv, DROP, TG_V_DROP_POLICY },
	{ "ipv4: UDP 4-byte header", ENV_V6, f_udp_short, DROP, TG_V_DROP_MALFORMED },
	{ "dhcp: DISCOVER from 0.0.0.0 to broadcast", ENV_V6, f_dhcp_discover, RDR, TG_V_TO_DHCP },
	{ "dhcp: from 0.0.0.0 to the gateway", ENV_RELAY, f_dhcp_any_to_gw, RDR, TG_V_TO_DHCP },
	{ "dhcp: REQUEST renewing (to the gateway)", ENV_V6, f_dhcp_renew, RDR, TG_V_TO_DHCP },
	{ "dhcp: REQUEST rebinding (to broadcast)", ENV_RELAY, f_dhcp_rebind, RDR, TG_V_TO_DHCP },
	{ "dhcp: from 0.0.0.0 to 8.8.8.8:67", ENV_RELAY, f_dhcp_any_to_pub, DROP,
	  TG_V_DROP_SPOOF_IP },
	{ "dhcp: from another address", ENV_RELAY, f_dhcp_spoof, DROP, TG_V_DROP_SPOOF_IP },
	{ "dhcp: from 0.0.0.0, source port 40000", ENV_RELAY, f_dhcp_sport, DROP,
	  TG_V_DROP_SPOOF_IP },
	{ "dhcp: from 0.0.0.0 to port 68", ENV_RELAY, f_dhcp_dport, DROP, TG_V_DROP_SPOOF_IP },
	{ "dhcp: fragment from 0.0.0.0", ENV_RELAY, f_dhcp_frag, DROP, TG_V_DROP_SPOOF_IP },
	{ "dhcp: UDP header cut, from 0.0.0.0", ENV_RELAY, f_dhcp_cut, DROP, TG_V_DROP_SPOOF_IP },
	{ "dhcp: guest to broadcast:67 from 40000", ENV_RELAY, f_dhcp_guest_sport, DROP,
	  TG_V_DROP_POLICY },
	{ "dhcp: other UDP to broadcast, relay on", ENV_RELAY, f_udp_bcast, DROP,
	  TG_V_DROP_POLICY },
	{ "dhcp: DISCOVER, DHCP off", ENV_BARE, f_dhcp_discover, DROP, TG_V_DROP_SPOOF_IP },
	{ "dhcp: renewing, DHCP off", ENV_BARE, f_dhcp_renew, DROP, TG_V_DROP_POLICY },
	{ "ipv4: ICMP echo to gateway", ENV_V6, f_icmp_gw, RDR, TG_V_TO_ICMP },
	{ "ipv4: ICMP echo to 8.8.8.8", ENV_V6, f_icmp_pub, RDR, TG_V_TO_ICMP },
	{ "ipv4: ICMP echo to 10.1.2.3", ENV_V6, f_icmp_priv, DROP, TG_V_DROP_POLICY },
	{ "ipv4: ICMP 4-byte header", ENV_V6, f_icmp_short, DROP, TG_V_DROP_MALFORMED },
	{ "ipv4: GRE", ENV_V6, f_gre, DROP, TG_V_DROP_PROTO },

	{ "ipv6: TCP SYN to public", ENV_V6, f6_tcp_syn_pub, RDR, TG_V_TO_TCP },
	{ "ipv6: TCP ACK to fd00::1 (deny)", ENV_V6, f6_tcp_ack_priv, DROP, TG_V_DROP_POLICY },
	{ "ipv6: TCP SYN to fd00::1 (deny)", ENV_V6, f6_tcp_syn_priv, RDR, TG_V_TO_DENIED_SYN },
	{ "ipv6: TCP to gateway (allow /128)", ENV_V6, f6_tcp_gw, RDR, TG_V_TO_TCP },
	{ "ipv6: TCP from fe80::", ENV_V6, f6_tcp_from_ll, DROP, TG_V_DROP_SPOOF_IP },
	{ "ipv6: TCP from another address", ENV_V6, f6_tcp_from_other, DROP, TG_V_DROP_SPOOF_IP },
	{ "ipv6: UDP from ::", ENV_V6, f6_udp_from_any, DROP, TG_V_DROP_SPOOF_IP },
	{ "ipv6: ICMPv6 from another address", ENV_V6, f6_icmp_from_other, DROP,
	  TG_V_DROP_SPOOF_IP },
	{ "ipv6: NS from fe80:: to ff02::1:ff00:1", ENV_V6, f6_ns_ll, RDR, TG_V_TO_ICMP },
	{ "ipv6: DAD NS from ::", ENV_V6, f6_ns_dad, RDR, TG_V_TO_ICMP },
	{ "ipv6: RS from fe80:: to ff02::2", ENV_V6, f6_rs, RDR, TG_V_TO_ICMP },
	{ "ipv6: NS to a link-local address", ENV_V6, f6_ns_to_ll, RDR, TG_V_TO_ICMP },
	{ "ipv6: echo to gateway", ENV_V6, f6_echo_gw, RDR, TG_V_TO_ICMP },
	{ "ipv6: echo to public", ENV_V6, f6_echo_pub, RDR, TG_V_TO_ICMP },
	{ "ipv6: echo to fd00::1 (deny)", ENV_V6, f6_echo_priv, DROP, TG_V_DROP_POLICY },
	{ "ipv6: echo from fe80:: to fd00::1", ENV_V6, f6_echo_ll_priv, DROP, TG_V_DROP_SPOOF_IP },
	{ "ipv6: echo from fe80:: to gateway", ENV_V6, f6_echo_ll_gw, DROP, TG_V_DROP_SPOOF_IP },
	{ "ipv6: echo from fe80:: to fe80::", ENV_V6, f6_echo_ll_ll, RDR, TG_V_TO_ICMP },
	{ "ipv6: UDP to port 53", ENV_V6, f6_udp_dns, RDR, TG_V_TO_DNS },
	{ "ipv6: UDP to public:443, relay off", ENV_V6, f6_udp_pub, DROP, TG_V_DROP_UDP },
	{ "ipv6: UDP to public:443, relay on", ENV_RELAY, f6_udp_pub, RDR, TG_V_UDP_RELAY },
	{ "ipv6: UDP to fd00::1:443, relay on", ENV_RELAY, f6_udp_priv, DROP, TG_V_DROP_POLICY },
	{ "ipv6: hop-by-hop (MLD report)", ENV_V6, f6_hbh, DROP, TG_V_DROP_PROTO },
	{ "ipv6: hop-by-hop from guest6", ENV_V6, f6_hbh_guest, DROP, TG_V_DROP_PROTO },
	{ "ipv6: hop-by-hop from fe80:: to public", ENV_V6, f6_hbh_pub, DROP, TG_V_DROP_SPOOF_IP },
	{ "ipv6: no next header (59)", ENV_V6, f6_nh_none, DROP, TG_V_DROP_PROTO },
	{ "ipv6: fragment header", ENV_V6, f6_frag, RDR, TG_V_TO_FRAG },
	{ "ipv6: fragment from fe80::", ENV_V6, f6_frag_ll, DROP, TG_V_DROP_SPOOF_IP },
	{ "ipv6: payload_len > frame", ENV_V6, f6_trunc, DROP, TG_V_DROP_MALFORMED },
	{ "ipv6: 39-byte header", ENV_V6, f6_39, DROP, TG_V_DROP_MALFORMED },
	{ "ipv6: version 4", ENV_V6, f6_ver4, DROP, TG_V_DROP_MALFORMED },
	{ "ipv6: TCP header cut by payload_len", ENV_V6, f6_tcp_cut, DROP, TG_V_DROP_MALFORMED },

	{ "bare: IPv6 off", ENV_BARE, f6_tcp_syn_pub, DROP, TG_V_DROP_PROTO },
	{ "bare: IPv6 NS, IPv6 off", ENV_BARE, f6_ns_dad, DROP, TG_V_DROP_PROTO },
	{ "bare: policy miss, TCP ACK", ENV_BARE, f_tcp_ack_pub, DROP, TG_V_DROP_POLICY },
	{ "bare: policy miss, TCP SYN", ENV_BARE, f_tcp_syn_pub, RDR, TG_V_TO_DENIED_SYN },
	{ "bare: policy miss, UDP", ENV_BARE, f_udp_pub, DROP, TG_V_DROP_POLICY },
	{ "bare: policy miss, ICMP to 8.8.8.8", ENV_BARE, f_icmp_pub, DROP, TG_V_DROP_POLICY },
	{ "bare: policy miss, ICMP to gateway", ENV_BARE, f_icmp_gw, RDR, TG_V_TO_ICMP },
	{ "bare: policy miss, DNS to 8.8.8.8", ENV_BARE, f_udp_dns_pub, DROP, TG_V_DROP_POLICY },
	{ "bare: policy miss, DNS to the gateway", ENV_BARE, f_udp_dns_gw, RDR, TG_V_TO_DNS },
	{ "bare: ARP", ENV_BARE, f_arp_req, RDR, TG_V_TO_ARP },

	{ "long: TCP super-frame, 64 KiB", ENV_V6, f_tcp_super, RDR, TG_V_TO_TCP },
	{ "long: TCP jumbo frame, 9000", ENV_V6, f_tcp_jumbo, RDR, TG_V_TO_TCP },
	{ "long: tot_len past the last buffer", ENV_V6, f_tcp_super_cut, DROP,
	  TG_V_DROP_MALFORMED },
	{ "long: IPv6 TCP super-frame", ENV_V6, f6_tcp_super, RDR, TG_V_TO_TCP },
	{ "long: UDP at the MTU, relay on", ENV_RELAY, f_udp_at_mtu, RDR, TG_V_UDP_RELAY },
	{ "long: UDP super-frame (USO), relay on", ENV_RELAY, f_udp_super, DROP,
	  TG_V_DROP_UDP_GSO },
	{ "long: UDP super-frame (USO), relay off", ENV_V6, f_udp_super, DROP, TG_V_DROP_UDP_GSO },
	{ "long: IPv6 UDP super-frame", ENV_RELAY, f6_udp_super, DROP, TG_V_DROP_UDP_GSO },
	{ "small rx: TCP super-frame", ENV_SMALL, f_tcp_super, DROP, TG_V_DROP_OVERSIZE },
	{ "small rx: TCP SYN fits", ENV_SMALL, f_tcp_syn_pub, RDR, TG_V_TO_TCP },
	{ "small rx: UDP at the MTU", ENV_SMALL, f_udp_at_mtu, RDR, TG_V_UDP_RELAY },
	{ "small rx: spoofed super-frame", ENV_SMALL, f_ip4_spoof_long, DROP, TG_V_DROP_SPOOF_IP },
};

#define NCASES (sizeof(cases) / sizeof(cases[0]))

#endif
