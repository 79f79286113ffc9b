/* SPDX-License-Identifier: MIT */
/*
 * reply.h - frames tapgate writes to the guest itself, without lwIP:
 * ARP replies and IPv6 neighbour advertisements for the gateway, ICMP and
 * ICMPv6 echo replies from the gateway, and TCP resets for SYNs that get
 * no connection. Each builder writes a whole
 * Ethernet frame into a caller's buffer (a UMEM tx frame) and returns its
 * length, or 0 when the frame needs no reply or does not fit.
 */
#ifndef TAPGATE_REPLY_H
#define TAPGATE_REPLY_H

#include <stddef.h>
#include <stdint.h>

struct config;
struct slot;

size_t reply_arp(const struct slot *s, const struct config *cfg, uint8_t *out, size_t cap);
size_t reply_echo4(const struct slot *s, const struct config *cfg, uint8_t *out, size_t cap);
size_t reply_echo6(const struct slot *s, const struct config *cfg, uint8_t *out, size_t cap);
size_t reply_na(const struct slot *s, const struct config *cfg, uint8_t *out, size_t cap);
size_t reply_rst(const struct slot *s, const struct config *cfg, uint8_t *out, size_t cap);
int reply_send_rst(const uint8_t *ip, size_t len, const struct config *cfg);
size_t reply_tcp_rst_from_ip(const uint8_t *ip, size_t ip_len, const struct config *cfg,
			     uint8_t *out, size_t cap);

#endif
