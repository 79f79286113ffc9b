// SPDX-License-Identifier: MIT
/*
 * ipreasm.c - bounded IPv4 and IPv6 fragment reassembly (see ipreasm.h).
 *
 * Memory: the table of max_reasm entries and their range arrays are
 * allocated once in reasm_new(). A datagram gets one 65575-byte buffer on
 * its first fragment (the 20-byte IPv4 or 40-byte IPv6 header, then the
 * payload at its final place; an IPv6 Fragment header is not kept), so its size limit is the buffer's size and a fragment is copied
 * once. Fragmented datagrams are rare, so buffers are not preallocated
 * (64 of them would be 4 MiB); up to FREE_MAX spare ones are kept to avoid
 * malloc churn when a guest does fragment.
 *
 * Ownership: a buffer belongs to its entry while the datagram is pending.
 * On completion it moves to r->out, where the caller may read it until its
 * next call into this file, which gives it back to the free list.
 *
 * Received bytes are tracked as an array of (offset, length) ranges, not a
 * bitmap of 8-byte blocks: the per-datagram fragment limit needs a count
 * anyway, and telling an exact duplicate (same offset and length) from a
 * fragment spanning two earlier ones needs their boundaries, which a
 * bitmap forgets. Ranges never overlap (an overlap drops the datagram), so
 * the datagram is complete when their lengths add up to the total length;
 * the linear scan over at most max_frags ranges costs less than the copy.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "wire.h"
#include "wire/bytes.h"
#include "wire/csum.h"
#include "wire/frame.h"
#include "wire/ipreasm.h"

#define IP4_MAX	      65535		    /* the total length field's limit */
#define BUF_LEN	      (TG_IP6_HLEN + 65535) /* IPv6: the header, then a payload length's worth */
#define IP4_KEEPFLAGS 0xc000		    /* reserved bit and DF: kept in the output */
#define FREE_MAX      2

struct reasm_key {
	uint8_t src[16], dst[16]; /* IPv4: the first 4 bytes, the rest zero */
	uint32_t id;
	uint8_t family, proto;
};

struct reasm_range {
	uint16_t off, len; /* payload bytes; len > 0 */
};

struct reasm_entry {
	uint8_t *buf; /* NULL: the entry is free */
	struct reasm_key key;
	uint64_t deadline;
	struct reasm_range *ranges; /* max_frags of them, nranges used */
	unsigned int nranges;
	uint32_t covered; /* payload bytes received: the sum of the range lengths */
	uint32_t high;	  /* highest payload end received */
	uint32_t total;	  /* payload length, once the final fragment came */
	uint8_t hlen;	  /* the IP header kept before the payload: 20 or 40 */
	bool have_final;
};

struct reasm {
	struct reasm_entry *tab;
	struct reasm_range *ranges;
	unsigned int max_reasm, max_frags, pending;
	uint32_t timeout_ms;
	uint8_t *spare[FREE_MAX];
	unsigned int nspare;
	uint8_t *out; /* the last completed datagram, still the caller's to read */
	struct reasm_stats stats;
};

/* One guest fragment, as read from its header. */
struct reasm_frag {
	struct reasm_key key;
	const uint8_t *hdr, *data;
	uint32_t off, len; /* payload offset and length, bytes */
	uint8_t hlen;	   /* IP header: 20, or 40 (the Fragment header follows) */
	bool more;
};

/**
 * reasm_new() - Allocate a reassembly table
 * @max_reasm:  datagrams in progress at once (64)
 * @max_frags:  fragments per datagram (128)
 * @timeout_ms: time a datagram may take, from its first fragment (10000)
 *
 * Called at setup. Every limit must be at least 1.
 *
 * Return: the table, or NULL with errno set (EINVAL, ENOMEM)
 */
struct reasm *reasm_new(unsigned int max_reasm, unsigned int max_frags, uint32_t timeout_ms)
{
	struct reasm *r;

	if (!max_reasm || !max_frags || !timeout_ms) {
		errno = EINVAL;
		return NULL;
	}
	r = calloc(1, sizeof(*r));
	if (!r)
		return NULL;
	r->tab = calloc(max_reasm, sizeof(*r->tab));
	r->ranges = calloc((size_t)max_reasm * max_frags, sizeof(*r->ranges));
	if (!r->tab || !r->ranges) {
		reasm_free(r);
		errno = ENOMEM;
		return NULL;
	}
	for (unsigned int i = 0; i < max_reasm; i++)
		r->tab[i].ranges = r->ranges + (size_t)i * max_frags;
	r->max_reasm = max_reasm;
	r->max_frags = max_frags;
	r->timeout_ms = timeout_ms;
	return r;
}

/**
 * reasm_free() - Free a table, its pending datagrams and its buffers
 * @r: the table, or NULL
 */
void reasm_free(struct reasm *r)
{
	if (!r)
		return;
	for (unsigned int i = 0; r->tab && i < r->max_reasm; i++)
		free(r->tab[i].buf);
	for (unsigned int i = 0; i < r->nspare; i++)
		free(r->spare[i]);
	free(r->out);
	free(r->ranges);
	free(r->tab);
	free(r);
}

static uint8_t *buf_get(struct reasm *r)
{
	if (r->nspare)
		return r->spare[--r->nspare];
	return malloc(BUF_LEN);
}

static void buf_put(struct reasm *r, uint8_t *buf)
{
	if (r->nspare < FREE_MAX)
		r->spare[r->nspare++] = buf;
	else
		free(buf);
}

/* The caller's view of the last datagram ends with its next call. */
static void release_out(struct reasm *r)
{
	if (r->out)
		buf_put(r, r->out);
	r->out = NULL;
}

static void entry_drop(struct reasm *r, struct reasm_entry *e)
{
	buf_put(r, e->buf);
	e->buf = NULL;
	r->pending--;
}

static bool key_eq(const struct reasm_key *a, const struct reasm_key *b)
{
	return a->id == b->id && a->proto == b->proto && a->family == b->family &&
	       !memcmp(a->src, b->src, 16) && !memcmp(a->dst, b->dst, 16);
}

static struct reasm_entry *lookup(struct reasm *r, const struct reasm_key *key)
{
	for (unsigned int i = 0; i < r->max_reasm; i++) {
		struct reasm_entry *e = &r->tab[i];

		if (e->buf && key_eq(&e->key, key))
			return e;
	}
	return NULL;
}

/* An IPv6 fragment: the fixed header, then the Fragment header (RFC 8200
 * section 4.5; the slot sends only those with no other header before). */
static int frag_read6(const struct frame *f, struct reasm_frag *fr)
{
	const uint8_t *fh = frame_get(f, TG_IP6_HLEN, 8);
	uint16_t field;

	fr->hdr = frame_get(f, 0, TG_IP6_HLEN);
	if (!fr->hdr || !fh || fr->hdr[6] != TG_IPPROTO_FRAGMENT)
		return REASM_DROP_MALFORMED;
	fr->hlen = TG_IP6_HLEN;
	fr->len = (uint32_t)(f->len - TG_IP6_HLEN - 8);
	fr->data = frame_get(f, TG_IP6_HLEN + 8, fr->len);
	field = rd16(fh + 2);
	fr->more = field & 1;
	fr->off = field & ~7u;
	memcpy(fr->key.src, fr->hdr + 8, 16);
	memcpy(fr->key.dst, fr->hdr + 24, 16);
	fr->key.id = rd32(fh + 4);
	fr->key.family = 6;
	fr->key.proto = fh[0];
	return 0;
}

/* Read the header through frame_get(); 0 or REASM_DROP_MALFORMED. */
static int frag_read(const uint8_t *ip, size_t len, struct reasm_frag *fr)
{
	const struct frame f = { .data = ip, .len = len };
	uint16_t field;

	/* The caller checked the length fields, which cannot exceed IP4_MAX
	 * (IPv4) or IP4_MAX + 40 (IPv6); a longer @len is a broken caller,
	 * refused all the same. */
	memset(&fr->key, 0, sizeof(fr->key));
	if (len > IP4_MAX + TG_IP6_HLEN || len < 1)
		return REASM_DROP_MALFORMED;
	if ((ip[0] >> 4) == 6)
		return frag_read6(&f, fr);
	fr->hdr = frame_get(&f, 0, TG_IP4_HLEN);
	if (!fr->hdr || len > IP4_MAX)
		return REASM_DROP_MALFORMED;
	fr->hlen = TG_IP4_HLEN;
	fr->len = (uint32_t)(len - TG_IP4_HLEN);
	fr->data = frame_get(&f, TG_IP4_HLEN, fr->len);
	field = rd16(fr->hdr + 6);
	fr->more = field & TG_IP4_MF;
	fr->off = (uint32_t)(field & TG_IP4_OFFMASK) * 8;
	memcpy(fr->key.src, fr->hdr + 12, 4);
	memcpy(fr->key.dst, fr->hdr + 16, 4);
	fr->key.id = rd16(fr->hdr + 4);
	fr->key.family = 4;
	fr->key.proto = fr->hdr[9];
	return 0;
}

/* What can be said of a fragment alone, before its datagram is looked up. */
static int frag_check(const struct reasm_frag *fr)
{
	if (!fr->more && fr->off == 0)
		return REASM_DROP_MALFORMED; /* a whole datagram: not ours */
	if (fr->len == 0)
		return REASM_DROP_MALFORMED;
	/* Only the final fragment may end off an 8-byte boundary, else the
	 * next one could not start where this one ends. */
	if (fr->more && fr->len % 8)
		return REASM_DROP_MALFORMED;
	/* IPv4's total length counts its header, IPv6's payload length not. */
	if (fr->off + fr->len > (fr->hlen == TG_IP6_HLEN ? 65535u : IP4_MAX - TG_IP4_HLEN))
		return REASM_DROP_TOO_BIG;
	return 0;
}

static uint64_t deadline_of(uint64_t now_ms, uint32_t timeout_ms)
{
	return now_ms > UINT64_MAX - timeout_ms ? UINT64_MAX : now_ms + timeout_ms;
}

static struct reasm_entry *free_entry(struct reasm *r)
{
	for (unsigned int i = 0; i < r->max_reasm; i++)
		if (!r->tab[i].buf)
			return &r->tab[i];
	return NULL;
}

/* A new datagram: 0 with *ep set, or REASM_DROP_TABLE_FULL/NOMEM. */
static int entry_start(struct reasm *r, const struct reasm_frag *fr, uint64_t now_ms,
		       struct reasm_entry **ep)
{
	struct reasm_entry *e = free_entry(r);

	/* The timer may lag: make room from stale datagrams before refusing. */
	if (!e && reasm_expire(r, now_ms))
		e = free_entry(r);
	if (!e)
		return REASM_DROP_TABLE_FULL;
	e->buf = buf_get(r);
	if (!e->buf)
		return REASM_DROP_NOMEM;
	e->key = fr->key;
	e->deadline = deadline_of(now_ms, r->timeout_ms);
	e->nranges = 0;
	e->covered = 0;
	e->high = 0;
	e->total = 0;
	e->hlen = fr->hlen;
	e->have_final = false;
	r->pending++;
	*ep = e;
	return 0;
}

/* Is @ra the final fragment? Only it can end at the total length. */
static bool range_final(const struct reasm_entry *e, const struct reasm_range *ra)
{
	return e->have_final && (uint32_t)ra->off + ra->len == e->total;
}

/* Against the ranges received: 1 for an exact duplicate, 0 for new bytes,
 * or REASM_DROP_OVERLAP. A copy that disagrees on MF is not a duplicate: it
 * says another total length. */
static int check_overlap(const struct reasm_entry *e, const struct reasm_frag *fr)
{
	uint32_t end = fr->off + fr->len;

	for (unsigned int i = 0; i < e->nranges; i++) {
		const struct reasm_range *ra = &e->ranges[i];

		if (fr->off >= (uint32_t)ra->off + ra->len || ra->off >= end)
			continue;
		if (ra->off == fr->off && ra->len == fr->len && range_final(e, ra) == !fr->more &&
		    !memcmp(e->buf + e->hlen + fr->off, fr->data, fr->len))
			return 1;
		/* Ranges are disjoint, so no other range can match exactly. */
		return REASM_DROP_OVERLAP;
	}
	return 0;
}

/* Against the total length the final fragment fixes: 0 or MALFORMED. */
static int check_end(struct reasm_entry *e, const struct reasm_frag *fr)
{
	uint32_t end = fr->off + fr->len;

	if (fr->more)
		return e->have_final && end > e->total ? REASM_DROP_MALFORMED : 0;
	/* A second final fragment that is not a duplicate disagrees on the
	 * length; bytes already past this end were never part of it. */
	if (e->have_final || e->high > end)
		return REASM_DROP_MALFORMED;
	e->have_final = true;
	e->total = end;
	return 0;
}

/* Add @fr to @e: 1 for an ignored duplicate, 0 if kept, or a DROP code. */
static int entry_insert(struct reasm *r, struct reasm_entry *e, const struct reasm_frag *fr)
{
	struct reasm_range *ra;
	int err;

	err = check_overlap(e, fr);
	if (err)
		return err;
	if (e->nranges == r->max_frags)
		return REASM_DROP_TOO_MANY_FRAGS;
	err = check_end(e, fr);
	if (err)
		return err;
	ra = &e->ranges[e->nranges++];
	ra->off = (uint16_t)fr->off;
	ra->len = (uint16_t)fr->len;
	memcpy(e->buf + e->hlen + fr->off, fr->data, fr->len);
	if (fr->off == 0)
		memcpy(e->buf, fr->hdr, e->hlen);
	e->covered += fr->len;
	if (fr->off + fr->len > e->high)
		e->high = fr->off + fr->len;
	return 0;
}

/* Turn the first fragment's header into the whole datagram's and hand the
 * buffer to the caller. */
static int finish(struct reasm *r, struct reasm_entry *e, const uint8_t **out, size_t *out_len)
{
	uint8_t *h = e->buf;
	size_t n = e->hlen + e->total;

	if (e->key.family == 6) {
		wr16(h + 4, (uint16_t)e->total);
		h[6] = e->key.proto; /* the Fragment header is gone */
	} else {
		wr16(h + 2, (uint16_t)n);
		wr16(h + 6, rd16(h + 6) & IP4_KEEPFLAGS);
		wr16(h + 10, 0);
		wr16(h + 10, csum_fold(csum_add(0, h, TG_IP4_HLEN)));
	}
	r->out = e->buf;
	e->buf = NULL;
	r->pending--;
	r->stats.done++;
	*out = r->out;
	*out_len = n;
	return REASM_DONE;
}

static int refuse(struct reasm *r, int why)
{
	r->stats.dropped++;
	return why;
}

/**
 * reasm_add() - Feed one guest IPv4 or IPv6 fragment
 * @r:       the table
 * @ip:      the whole packet: a 20-byte IPv4 header (no options), or a
 *           40-byte IPv6 header and a Fragment header; then the payload
 * @len:     its length, from the header's length field (Ethernet padding
 *           cut off)
 * @now_ms:  a monotonic clock, never going back
 * @out:     on REASM_DONE, set to the reassembled packet
 * @out_len: on REASM_DONE, set to its length
 *
 * The caller checked version, IHL, total length, header checksum and source
 * address. Datagrams are told apart by (family, src, dst, id, protocol).
 * The output is the first fragment's header (IPv4: MF and offset cleared,
 * total length and checksum rewritten; IPv6: payload length and next
 * header rewritten, the Fragment header left out) then the payload; it stays valid until the next call
 * to reasm_add(), reasm_expire() or reasm_free(). An exact duplicate
 * (offset, length, MF and bytes) is ignored; any other overlap, data past the
 * final fragment's end, a second final fragment, more than max_frags
 * fragments or a datagram past its length field's limit (65535 bytes of
 * IPv4 packet, of IPv6 payload) drops the whole datagram.
 * Event-loop thread only.
 *
 * Return: REASM_DONE, REASM_PENDING, or a REASM_DROP_* code
 */
int reasm_add(struct reasm *r, const uint8_t *ip, size_t len, uint64_t now_ms, const uint8_t **out,
	      size_t *out_len)
{
	struct reasm_entry *e;
	struct reasm_frag fr;
	int err;

	release_out(r);
	err = frag_read(ip, len, &fr);
	if (err)
		return refuse(r, err);
	e = lookup(r, &fr.key);
	err = frag_check(&fr);
	if (err) {
		/* A ping of death is never legitimate: forget the rest of it. */
		if (e && err == REASM_DROP_TOO_BIG)
			entry_drop(r, e);
		return refuse(r, err);
	}
	if (e && now_ms >= e->deadline) {
		entry_drop(r, e);
		r->stats.timed_out++;
		e = NULL;
	}
	if (!e) {
		err = entry_start(r, &fr, now_ms, &e);
		if (err)
			return refuse(r, err);
	}
	err = entry_insert(r, e, &fr);
	if (err < 0) {
		entry_drop(r, e);
		return refuse(r, err);
	}
	if (!e->have_final || e->covered != e->total)
		return REASM_PENDING;
	return finish(r, e, out, out_len);
}

/**
 * reasm_expire() - Drop the datagrams whose time ran out
 * @r:      the table
 * @now_ms: the clock reasm_add() is given
 *
 * A datagram expires @timeout_ms after its first fragment. Called from the
 * event loop's timer (see reasm_next_deadline()); reasm_add() also expires
 * lazily, so a late timer only delays freeing memory.
 *
 * Return: how many datagrams were dropped
 */
unsigned int reasm_expire(struct reasm *r, uint64_t now_ms)
{
	unsigned int n = 0;

	release_out(r);
	if (!r->pending) /* the common case; the loop calls this every turn */
		return 0;
	for (unsigned int i = 0; i < r->max_reasm; i++) {
		struct reasm_entry *e = &r->tab[i];

		if (e->buf && now_ms >= e->deadline) {
			entry_drop(r, e);
			n++;
		}
	}
	r->stats.timed_out += n;
	return n;
}

/**
 * reasm_pending() - Datagrams in progress
 * @r: the table
 *
 * Return: how many datagrams hold a buffer, waiting for fragments
 */
unsigned int reasm_pending(const struct reasm *r)
{
	return r->pending;
}

/**
 * reasm_next_deadline() - When reasm_expire() next has work
 * @r: the table
 *
 * Return: the earliest deadline of a pending datagram (on the clock given
 * to reasm_add()), or 0 if none is pending
 */
uint64_t reasm_next_deadline(const struct reasm *r)
{
	uint64_t next = 0;

	if (!r->pending)
		return 0;
	for (unsigned int i = 0; i < r->max_reasm; i++) {
		const struct reasm_entry *e = &r->tab[i];

		if (e->buf && (!next || e->deadline < next))
			next = e->deadline;
	}
	return next;
}

/**
 * reasm_stats() - The table's counters (see struct reasm_stats)
 * @r: the table
 *
 * Return: a pointer valid until reasm_free()
 */
const struct reasm_stats *reasm_stats(const struct reasm *r)
{
	return &r->stats;
}
