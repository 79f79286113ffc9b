/* SPDX-License-Identifier: MIT */
/*
 * dnsrec.h - the A/AAAA answers the guest received: name -> addresses,
 * bounded, oldest evicted. Domain rules of the policy look names up here.
 */
#ifndef TAPGATE_DNSREC_H
#define TAPGATE_DNSREC_H

#include <stdbool.h>
#include <stdint.h>

#include "dns/dnsmsg.h"

#define DNSREC_MAX 4096

int dnsrec_init(unsigned int cap);
void dnsrec_fini(void);
void dnsrec_add(const struct dns_addr_rr *rr, uint64_t now_ms);
const char *dnsrec_lookup(int family, const uint8_t *addr, uint64_t now_ms);
bool dnsrec_pinned(int family, const uint8_t *addr, const char *name, bool suffix, uint64_t now_ms);
unsigned int dnsrec_count(void);

#endif
