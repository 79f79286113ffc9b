/* SPDX-License-Identifier: MIT */
/*
 * ipreasm.h - bounded reassembly of the guest's IPv4 and IPv6 fragments.
 *
 * The guest's fragments are hostile input: every limit (datagrams in
 * progress, fragments per datagram, bytes per datagram, time) is fixed at
 * reasm_new() and enforced on every fragment, and anything ambiguous
 * (overlaps, data past the final fragment, a second final fragment) drops
 * the whole datagram rather than guessing which bytes to believe.
 *
 * Not thread-safe: one reassembly table belongs to the event-loop thread,
 * which feeds it fragments and calls reasm_expire() from its timer.
 */
#ifndef TAPGATE_IPREASM_H
#define TAPGATE_IPREASM_H

#include <stddef.h>
#include <stdint.h>

enum reasm_result {
	/* *out, *out_len: the whole datagram */
	REASM_DONE = 1,
	/* kept, waiting for more fragments */
	REASM_PENDING = 0,
	/* not a fragment, bad offsets, non-final fragment not a multiple of 8,
	 * empty, data past the final fragment, a second final fragment */
	REASM_DROP_MALFORMED = -1,
	/* overlaps an earlier fragment (whole reassembly dropped, RFC 5722 style) */
	REASM_DROP_OVERLAP = -2,
	/* past 65535 bytes of IPv4 packet or IPv6 payload (what came of it is dropped) */
	REASM_DROP_TOO_BIG = -3,
	/* max reassemblies in progress: the new datagram is refused */
	REASM_DROP_TABLE_FULL = -4,
	/* more than max_frags fragments for one datagram (it is dropped) */
	REASM_DROP_TOO_MANY_FRAGS = -5,
	/* no buffer for a new datagram */
	REASM_DROP_NOMEM = -6,
};

/*
 * done:      datagrams reassembled (REASM_DONE returns)
 * dropped:   fragments refused (every REASM_DROP_* return of reasm_add())
 * timed_out: datagrams abandoned because their time ran out
 */
struct reasm_stats {
	uint64_t done, dropped, timed_out;
};

struct reasm;

struct reasm *reasm_new(unsigned int max_reasm, unsigned int max_frags, uint32_t timeout_ms);
void reasm_free(struct reasm *r);

/* Feed one IPv4 or IPv6 fragment (header(s) + payload, Ethernet padding cut off); on
 * REASM_DONE *out is valid until the next reasm_add/reasm_expire/reasm_free. */
int reasm_add(struct reasm *r, const uint8_t *ip, size_t len, uint64_t now_ms, const uint8_t **out,
	      size_t *out_len);

unsigned int reasm_expire(struct reasm *r, uint64_t now_ms);
unsigned int reasm_pending(const struct reasm *r);
uint64_t reasm_next_deadline(const struct reasm *r);
const struct reasm_stats *reasm_stats(const struct reasm *r);

#endif
