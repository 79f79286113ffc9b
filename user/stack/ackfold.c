// SPDX-License-Identifier: MIT
/*
 * ackfold.c - the guest's pure ACKs that a later one in the same rx batch
 * makes redundant.
 *
 * While tapgate sends to the guest, the guest acknowledges every few
 * segments, and by the time tapgate reads its rx ring a batch holds dozens
 * of pure ACKs for the same connection (39 frames per batch on average in
 * a host->guest iperf3 run). Each one fed to lwIP is a pass through
 * tcp_input() and tcp_output(), which walks the connection's whole unacked
 * queue to find its tail. Only the newest of them says anything: an ACK
 * acknowledges everything below it and carries the newer window. So the
 * poller stages a batch, asks here about its frames from the last to the
 * first, and leaves out a pure ACK when a later pure ACK of the same
 * connection acknowledges strictly more.
 *
 * What is never left out: anything with data, SYN, FIN, RST, URG, ECN bits
 * or TCP options other than a timestamp in its usual layout (NOP, NOP,
 * TS: lwIP keeps no PAWS state and measures round trips without them, so
 * the newest ACK's timestamp says all that an older one would); and an ACK that a later one only repeats (same number:
 * duplicate ACKs are how the guest reports a loss). Only a later pure ACK
 * can supersede, since its sequence number is always acceptable to lwIP,
 * where a data segment might be refused whole. lwIP's congestion window
 * counts acknowledged bytes, so stretched ACKs do not starve it (in slow
 * start each ACK still grows it by up to two segments).
 */
#include <stdint.h>
#include <string.h>

#include "stack/ackfold.h"
#include "wire.h"
#include "wire/bytes.h"
#include "wire/slot.h"

#define CONNS_MAX 16 /* connections tracked per batch; more are left alone */

struct newest {
	uint8_t dst[4];
	uint16_t sport, dport;
	uint32_t ack; /* the highest ack number seen later in the batch */
};

static struct newest seen[CONNS_MAX];
static unsigned int nseen;

/* A new batch: forget the last one. */
void ackfold_begin(void)
{
	nseen = 0;
}

/* No options, or exactly NOP, NOP, timestamp (10 bytes) */
static bool plain_options(const struct slot *s)
{
	const uint8_t *o;

	if (s->l4_len == TG_TCP_HLEN)
		return true;
	o = frame_get(&s->f, s->l4_off + TG_TCP_HLEN, 12);
	return s->l4_len == TG_TCP_HLEN + 12 && o && o[0] == 1 && o[1] == 1 && o[2] == 8 &&
	       o[3] == 10;
}

static bool pure_ack(const struct slot *s, uint32_t *ack)
{
	if (s->kind != SLOT_TCP || s->family != 4 || s->tcp_flags != TG_TCP_ACK || s->payload_len ||
	    !plain_options(s))
		return false;
	*ack = rd32(s->f.data + s->l4_off + 8);
	return true;
}

/* The connection's entry; a new one starts at @ack. NULL when full. */
static struct newest *find(const struct slot *s, uint32_t ack)
{
	for (unsigned int i = 0; i < nseen; i++)
		if (seen[i].sport == s->sport && seen[i].dport == s->dport &&
		    !memcmp(seen[i].dst, s->dst, 4))
			return &seen[i];
	if (nseen == CONNS_MAX)
		return NULL;
	memcpy(seen[nseen].dst, s->dst, 4);
	seen[nseen].sport = s->sport;
	seen[nseen].dport = s->dport;
	seen[nseen].ack = ack;
	return &seen[nseen++];
}

/**
 * ackfold_superseded() - Is this frame a pure ACK a later one makes redundant?
 * @s: a staged frame; frames of one batch are asked about last to first
 *
 * Return: true when the poller may leave it out
 */
bool ackfold_superseded(const struct slot *s)
{
	struct newest *n;
	uint32_t ack;

	if (!pure_ack(s, &ack))
		return false;
	n = find(s, ack);
	if (!n)
		return false;
	if ((int32_t)(n->ack - ack) > 0)
		return true;
	n->ack = ack; /* as high as any later one (higher: a hostile order) */
	return false;
}
