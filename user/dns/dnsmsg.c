// SPDX-License-Identifier: MIT
/*
 * dnsmsg.c - DNS wire format, every byte hostile (see dnsmsg.h for the API).
 *
 * All reads go through frame_get() on a struct frame over the message, and
 * every name, wherever it sits, is decoded (or skipped) by name_read() alone,
 * so the rules for labels and compression pointers live in one place. A
 * compression pointer must point strictly before the run of labels it ends
 * and at or after the end of the header: targets then strictly decrease, so
 * no loop is possible even before the 64-hop cap, and a name can never be
 * read out of the header, whose id and flags tapgate rewrites (a name read
 * from the id would change meaning between our check and the upstream
 * resolver's). A consequence: the first question never holds a pointer, so
 * header + question can be copied or kept verbatim and stay self-contained.
 */
#include <errno.h>
#include <string.h>

#include "dns/dnsmsg.h"
#include "wire/bytes.h"
#include "wire/frame.h"

#define HDR_LEN	     12
#define NAME_PRES    253 /* presentation length limit: 255 bytes on the wire */
#define PTR_HOPS_MAX 64
#define CLASS_IN     1
#define EDNS_MIN     512 /* RFC 1035: every resolver takes 512-byte answers */
#define RR_FIXED     10	 /* type, class, ttl, rdlength after an owner name */
#define QFIXED	     4	 /* qtype, qclass after a question name */

#define F_QR	     0x8000
#define F_OPCODE     0x7800
#define F_AA	     0x0400
#define F_TC	     0x0200
#define F_RD	     0x0100
#define F_RA	     0x0080
#define F_AD	     0x0020
#define F_RCODE	     0x000f

struct hdr {
	uint16_t id, flags, qd, an, ns, ar;
};

static int hdr_read(const struct frame *m, struct hdr *h)
{
	const uint8_t *p = frame_get(m, 0, HDR_LEN);

	if (!p)
		return -EINVAL;
	h->id = rd16(p);
	h->flags = rd16(p + 2);
	h->qd = rd16(p + 4);
	h->an = rd16(p + 6);
	h->ns = rd16(p + 8);
	h->ar = rd16(p + 10);
	return 0;
}

static void hdr_write(uint8_t *p, uint16_t id, uint16_t flags, uint16_t qd, uint16_t an)
{
	wr16(p, id);
	wr16(p + 2, flags);
	wr16(p + 4, qd);
	wr16(p + 6, an);
	wr16(p + 8, 0);
	wr16(p + 10, 0);
}

/* Where name_read() is inside one name. */
struct name_cursor {
	size_t pos; /* next length byte */
	size_t seg; /* first byte of the current run of labels */
	size_t end; /* just past the name where it started; 0 until known */
	size_t len; /* presentation length so far */
	int hops;
};

static int name_follow(const struct frame *m, struct name_cursor *c)
{
	const uint8_t *p = frame_get(m, c->pos, 2);
	size_t to;

	if (!p || ++c->hops > PTR_HOPS_MAX)
		return -EINVAL;
	to = rd16(p) & 0x3fff;
	if (to < HDR_LEN || to >= c->seg) /* backwards only, never into the header */
		return -EINVAL;
	if (!c->end)
		c->end = c->pos + 2;
	c->pos = to;
	c->seg = to;
	return 0;
}

/* Printable, and no '.', so the dotted form means exactly one wire name. */
static bool label_char_ok(uint8_t ch)
{
	return ch >= 0x21 && ch <= 0x7e && ch != '.';
}

static int name_label(const struct frame *m, struct name_cursor *c, size_t llen, char *out)
{
	const uint8_t *s = frame_get(m, c->pos + 1, llen);
	size_t at = c->len ? c->len + 1 : 0;

	if (!s || at + llen > NAME_PRES)
		return -EINVAL;
	for (size_t i = 0; i < llen; i++) {
		uint8_t ch = s[i];

		if (!label_char_ok(ch))
			return -EINVAL;
		/* ASCII only: tolower() would depend on the locale */
		if (out)
			out[at + i] = (char)(ch >= 'A' && ch <= 'Z' ? ch + ('a' - 'A') : ch);
	}
	if (out && at)
		out[at - 1] = '.';
	c->len = at + llen;
	c->pos += 1 + llen;
	return 0;
}

/**
 * name_read() - Decode, or with @out NULL only check, the name at @off
 * @m:   the message
 * @off: offset of the name's first byte
 * @out: DNS_NAME_MAX + 1 bytes for the lower-cased dotted name, or NULL
 * @end: set to the offset just past the name where it starts (past its first
 *       pointer if it has one), where the record goes on
 *
 * Return: the presentation length (0 for the root), or -EINVAL
 */
static int name_read(const struct frame *m, size_t off, char *out, size_t *end)
{
	struct name_cursor c = { .pos = off, .seg = off };

	for (;;) {
		const uint8_t *b = frame_get(m, c.pos, 1);
		int err;

		if (!b)
			return -EINVAL;
		if (*b == 0)
			break;
		if ((*b & 0xc0) == 0xc0)
			err = name_follow(m, &c);
		else if (*b & 0xc0) /* 0x40 extended and 0x80 reserved label types */
			err = -EINVAL;
		else
			err = name_label(m, &c, *b, out);
		if (err)
			return err;
	}
	if (out)
		out[c.len] = '\0';
	*end = c.end ? c.end : c.pos + 1;
	return (int)c.len;
}

/* A question: name, then qtype and qclass; @off moves past it. */
static int question_read(const struct frame *m, size_t *off, char *name, uint16_t *qtype,
			 uint16_t *qclass)
{
	const uint8_t *p;
	size_t end;

	if (name_read(m, *off, name, &end) < 0)
		return -EINVAL;
	p = frame_get(m, end, QFIXED);
	if (!p)
		return -EINVAL;
	if (qtype)
		*qtype = rd16(p);
	if (qclass)
		*qclass = rd16(p + 2);
	*off = end + QFIXED;
	return 0;
}

/* The fixed part and rdata of a resource record whose owner ended at @off. */
struct rr {
	uint16_t type, rclass;
	uint32_t ttl;
	size_t rdoff, rdlen;
};

static int rr_read(const struct frame *m, size_t *off, char *owner, struct rr *rr)
{
	const uint8_t *p;
	size_t end;

	if (name_read(m, *off, owner, &end) < 0)
		return -EINVAL;
	p = frame_get(m, end, RR_FIXED);
	if (!p)
		return -EINVAL;
	rr->type = rd16(p);
	rr->rclass = rd16(p + 2);
	rr->ttl = rd32(p + 4);
	rr->rdlen = rd16(p + 8);
	rr->rdoff = end + RR_FIXED;
	if (!frame_get(m, rr->rdoff, rr->rdlen))
		return -EINVAL;
	*off = rr->rdoff + rr->rdlen;
	return 0;
}

/* EDNS options are code, length, data: each must fit the rdata exactly. */
static bool edns_options_ok(const uint8_t *o, size_t n)
{
	size_t i = 0;

	while (i < n) {
		if (n - i < 4 || rd16(o + i + 2) > n - i - 4)
			return false;
		i += 4 + rd16(o + i + 2);
	}
	return true;
}

/* The query's one additional record: an OPT owned by the root. */
static int opt_read(const struct frame *m, size_t *off, struct dns_query *q)
{
	struct rr rr;
	size_t start = *off, end;

	if (rr_read(m, off, NULL, &rr) || rr.type != DNS_TYPE_OPT)
		return -EINVAL;
	if (name_read(m, start, NULL, &end) != 0)
		return -EINVAL;
	if (!edns_options_ok(frame_get(m, rr.rdoff, rr.rdlen), rr.rdlen))
		return -EINVAL;
	q->has_edns = true;
	q->edns_size = rr.rclass > EDNS_MIN ? rr.rclass : EDNS_MIN;
	return 0;
}

/* The single question after the header @h into @q (id, flags, name, type,
 * class, its end in @off). */
static int head_question(const struct frame *m, const struct hdr *h, size_t *off,
			 struct dns_query *q)
{
	if (question_read(m, off, q->name, &q->qtype, &q->qclass))
		return -EINVAL;
	q->id = h->id;
	q->flags = h->flags;
	q->question_end = *off;
	return 0;
}

/**
 * dnsmsg_parse_query() - Parse and validate a query from the guest
 * @msg: the UDP payload (guest bytes)
 * @len: its length
 * @q:   filled in on success; cleared first
 *
 * Trailing bytes after the question (and OPT) are refused: no honest stub
 * sends them, and a query forwarded upstream should carry nothing unchecked.
 *
 * Return: 0, or -EINVAL
 */
int dnsmsg_parse_query(const uint8_t *msg, size_t len, struct dns_query *q)
{
	struct frame m = { .data = msg, .len = len };
	struct hdr h;
	size_t off = HDR_LEN;

	memset(q, 0, sizeof(*q));
	if (hdr_read(&m, &h) || (h.flags & (F_QR | F_OPCODE)))
		return -EINVAL;
	if (h.qd != 1 || h.an || h.ns || h.ar > 1)
		return -EINVAL;
	if (head_question(&m, &h, &off, q))
		return -EINVAL;
	q->edns_size = EDNS_MIN;
	if (h.ar && opt_read(&m, &off, q))
		return -EINVAL;
	return off == len ? 0 : -EINVAL;
}

/*
 * Header and copied question of a response to @q, or 0 if @cap has not
 * room for them and @more bytes after. The question is taken as
 * dnsmsg_parse_query() left it; its bounds are checked again so a stale or
 * hand-made @q cannot make us copy wild bytes.
 */
static size_t reply_head(const uint8_t *query, const struct dns_query *q, uint16_t flags,
			 uint16_t an, size_t more, uint8_t *out, size_t cap)
{
	size_t qlen;

	if (q->question_end < HDR_LEN + 1 + QFIXED || q->question_end > HDR_LEN + 255 + QFIXED)
		return 0;
	if (cap < q->question_end || cap - q->question_end < more)
		return 0;
	qlen = q->question_end - HDR_LEN;
	memmove(out + HDR_LEN, query + HDR_LEN, qlen); /* @out may be @query */
	hdr_write(out, q->id, F_QR | F_RA | (q->flags & F_RD) | flags, 1, an);
	return q->question_end;
}

static uint16_t addr_type(size_t addrlen)
{
	if (addrlen == 4)
		return DNS_TYPE_A;
	if (addrlen == 16)
		return DNS_TYPE_AAAA;
	return 0;
}

/**
 * dnsmsg_answer_addr() - Answer a query with one address, or NODATA
 * @query:   the query @q was parsed from
 * @q:       the parsed query
 * @addr:    @addrlen bytes of address, network order
 * @addrlen: 4 (A) or 16 (AAAA)
 * @ttl:     TTL of the record
 * @out:     response buffer (may be @query)
 * @cap:     its size
 *
 * Return: the response length, or 0 if it does not fit or @addrlen is bad
 */
size_t dnsmsg_answer_addr(const uint8_t *query, const struct dns_query *q, const void *addr,
			  size_t addrlen, uint32_t ttl, uint8_t *out, size_t cap)
{
	uint16_t type = addr_type(addrlen);
	bool match = type && q->qtype == type && q->qclass == CLASS_IN;
	size_t n, rr = 2 + RR_FIXED + addrlen;
	uint8_t *p;

	if (!type)
		return 0;
	n = reply_head(query, q, F_AA, match, match ? rr : 0, out, cap);
	if (!n || !match)
		return n;
	p = out + n;
	wr16(p, 0xc000 | HDR_LEN); /* the question's name */
	wr16(p + 2, type);
	wr16(p + 4, CLASS_IN);
	wr32(p + 6, ttl);
	wr16(p + 10, (uint16_t)addrlen);
	memcpy(p + 12, addr, addrlen);
	return n + rr;
}

/**
 * dnsmsg_error() - A response to a query with an rcode and no records
 * @query: the query @q was parsed from
 * @q:     the parsed query
 * @rcode: 0..15
 * @out:   response buffer (may be @query)
 * @cap:   its size
 *
 * Return: the response length, or 0 if it does not fit or @rcode is bad
 */
size_t dnsmsg_error(const uint8_t *query, const struct dns_query *q, int rcode, uint8_t *out,
		    size_t cap)
{
	if (rcode < 0 || rcode > F_RCODE)
		return 0;
	return reply_head(query, q, (uint16_t)rcode, 0, 0, out, cap);
}

/* The end of the only question of @m, or 0 if qdcount is not 1 or it is
 * malformed. */
static size_t single_question_end(const struct frame *m, const struct hdr *h)
{
	size_t off = HDR_LEN;

	if (h->qd != 1 || question_read(m, &off, NULL, NULL, NULL))
		return 0;
	return off;
}

/**
 * dnsmsg_to_error() - Cut a response down to its question with an rcode
 * @msg:   the response, rewritten in place
 * @len:   its length
 * @rcode: 0..15
 *
 * Return: the new length, or 0 (and @msg untouched) if @msg is not a
 * well-formed response with one question
 */
size_t dnsmsg_to_error(uint8_t *msg, size_t len, int rcode)
{
	struct frame m = { .data = msg, .len = len };
	struct hdr h;
	size_t end;
	uint16_t flags;

	if (rcode < 0 || rcode > F_RCODE || hdr_read(&m, &h) || !(h.flags & F_QR))
		return 0;
	end = single_question_end(&m, &h);
	if (!end)
		return 0;
	flags = (uint16_t)((h.flags & ~(F_RCODE | F_TC | F_AD)) | rcode);
	hdr_write(msg, h.id, flags, 1, 0);
	return end;
}

/**
 * dnsmsg_truncate() - Make a response fit the guest's limit the DNS way
 * @msg:   the response, rewritten in place
 * @len:   its length
 * @limit: the most the guest takes (dns_query.edns_size)
 *
 * Return: the new length (see dnsmsg.h), 0 if @len < 12
 */
size_t dnsmsg_truncate(uint8_t *msg, size_t len, size_t limit)
{
	struct frame m = { .data = msg, .len = len };
	struct hdr h;
	size_t end;

	if (hdr_read(&m, &h))
		return 0;
	if (len <= limit)
		return len;
	end = single_question_end(&m, &h);
	if (!end || end > limit)
		end = HDR_LEN;
	hdr_write(msg, h.id, h.flags | F_TC, end > HDR_LEN, 0);
	return end;
}

/* A response's header, and *@off past its questions: where its records
 * start. *@total (if set) is zeroed first. 0 or -EINVAL. */
static int records_start(const struct frame *m, struct hdr *h, size_t *off, int *total)
{
	if (total)
		*total = 0;
	*off = HDR_LEN;
	if (hdr_read(m, h) || !(h->flags & F_QR))
		return -EINVAL;
	for (unsigned int i = 0; i < h->qd; i++)
		if (question_read(m, off, NULL, NULL, NULL))
			return -EINVAL;
	return 0;
}

/* One answer record; stores it in @slot (if not NULL) when it is an address. */
static int answer_read(const struct frame *m, size_t *off, struct dns_addr_rr *slot, bool *is_addr)
{
	struct rr rr;
	uint8_t family;

	if (rr_read(m, off, slot ? slot->name : NULL, &rr))
		return -EINVAL;
	*is_addr = false;
	if (rr.rclass != CLASS_IN || (rr.type != DNS_TYPE_A && rr.type != DNS_TYPE_AAAA))
		return 0;
	family = rr.type == DNS_TYPE_A ? 4 : 6;
	if (rr.rdlen != (family == 4 ? 4u : 16u))
		return -EINVAL;
	*is_addr = true;
	if (!slot)
		return 0;
	slot->family = family;
	memset(slot->addr, 0, sizeof(slot->addr));
	memcpy(slot->addr, frame_get(m, rr.rdoff, rr.rdlen), rr.rdlen);
	slot->ttl = rr.ttl > 0x7fffffff ? 0 : rr.ttl; /* RFC 2181 8: top bit set means 0 */
	return 0;
}

/**
 * dnsmsg_parse_answers() - Collect the A and AAAA records of a response
 * @msg:   the response (upstream bytes)
 * @len:   its length
 * @out:   room for @max records
 * @max:   how many to store at most (<= 0: none)
 * @total: set to how many there were, or NULL
 *
 * Return: the number stored, or -EINVAL
 */
int dnsmsg_parse_answers(const uint8_t *msg, size_t len, struct dns_addr_rr *out, int max,
			 int *total)
{
	struct frame m = { .data = msg, .len = len };
	struct hdr h;
	size_t off;
	int n = 0, seen = 0;

	if (records_start(&m, &h, &off, total))
		return -EINVAL;
	for (unsigned int i = 0; i < h.an; i++) {
		bool is_addr;

		if (answer_read(&m, &off, n < max ? &out[n] : NULL, &is_addr))
			return -EINVAL;
		if (is_addr) {
			seen++;
			n += n < max;
		}
	}
	if (total)
		*total = seen;
	return n;
}

/* One address (at @at, @alen bytes: 4 or 16) into out[*n] while there is
 * room; counted in *@seen either way. */
static int put_addr(const struct frame *m, struct dns_addr_rr *out, int max, int *n, int *seen,
		    const char *owner, uint8_t section, const struct rr *rr, size_t at, size_t alen)
{
	const uint8_t *a = frame_get(m, at, alen);
	struct dns_addr_rr *o;

	if (!a)
		return -EINVAL;
	(*seen)++;
	if (*n >= max)
		return 0;
	o = &out[(*n)++];
	memcpy(o->name, owner, sizeof(o->name));
	o->family = alen == 4 ? 4 : 6;
	memset(o->addr, 0, sizeof(o->addr));
	memcpy(o->addr, a, alen);
	o->ttl = rr->ttl > 0x7fffffff ? 0 : rr->ttl; /* RFC 2181 8: top bit set means 0 */
	o->section = section;
	return 0;
}

/* Every address a record carries into @out from *@n on (at most @max):
 * A and AAAA, and the ipv4hint/ipv6hint parameters of SVCB and HTTPS
 * (RFC 9460), which clients connect to as they would to an A record. */
static int record_addrs(const struct frame *m, size_t *off, uint8_t section,
			struct dns_addr_rr *out, int max, int *n, int *seen)
{
	char owner[DNS_NAME_MAX + 1];
	struct rr rr;
	size_t p, end;

	if (rr_read(m, off, owner, &rr))
		return -EINVAL;
	if (rr.rclass != CLASS_IN)
		return 0;
	if (rr.type == DNS_TYPE_A || rr.type == DNS_TYPE_AAAA) {
		if (rr.rdlen != (rr.type == DNS_TYPE_A ? 4u : 16u))
			return -EINVAL;
		return put_addr(m, out, max, n, seen, owner, section, &rr, rr.rdoff, rr.rdlen);
	}
	if (rr.type != DNS_TYPE_SVCB && rr.type != DNS_TYPE_HTTPS)
		return 0;
	/* SvcPriority, TargetName, then key, length, value: each inside. */
	if (rr.rdlen < 2 || name_read(m, rr.rdoff + 2, NULL, &end) < 0 || end > rr.rdoff + rr.rdlen)
		return -EINVAL;
	for (p = end; p < rr.rdoff + rr.rdlen;) {
		const uint8_t *kv = frame_get(m, p, 4);
		size_t vlen, alen;

		if (!kv || rd16(kv + 2) > rr.rdoff + rr.rdlen - p - 4)
			return -EINVAL;
		vlen = rd16(kv + 2);
		alen = rd16(kv) == SVC_IPV4HINT ? 4 : rd16(kv) == SVC_IPV6HINT ? 16 : 0;
		if (alen && (vlen == 0 || vlen % alen))
			return -EINVAL;
		for (size_t a = 0; alen && a < vlen; a += alen)
			if (put_addr(m, out, max, n, seen, owner, section, &rr, p + 4 + a, alen))
				return -EINVAL;
		p += 4 + vlen;
	}
	return 0;
}

/**
 * dnsmsg_parse_addrs() - Every address a response carries, in any section
 * @msg:   the response (upstream bytes)
 * @len:   its length
 * @out:   room for @max addresses (.section says where each was)
 * @max:   how many to store at most (<= 0: none)
 * @total: set to how many there were, or NULL
 *
 * What the rebinding filter must see: a resolver that puts a private
 * address in the additional section, or in an HTTPS record's hints, points
 * the guest there as surely as with an A record.
 *
 * Return: the number stored, or -EINVAL
 */
int dnsmsg_parse_addrs(const uint8_t *msg, size_t len, struct dns_addr_rr *out, int max, int *total)
{
	struct frame m = { .data = msg, .len = len };
	struct hdr h;
	size_t off;
	int n = 0, seen = 0;

	if (records_start(&m, &h, &off, total))
		return -EINVAL;
	for (unsigned int i = 0; i < (unsigned int)h.an + h.ns + h.ar; i++) {
		uint8_t section = i < h.an			  ? DNS_SEC_ANSWER
				  : i < (unsigned int)h.an + h.ns ? DNS_SEC_AUTHORITY
								  : DNS_SEC_ADDITIONAL;

		if (record_addrs(&m, &off, section, out, max, &n, &seen))
			return -EINVAL;
	}
	if (total)
		*total = seen;
	return n;
}

/**
 * dnsmsg_parse_response() - The header and the one question of a response
 * @msg: the message (from upstream: hostile)
 * @len: its length
 * @q:   set to its id, flags, question (lower-cased) and question end
 *
 * Return: 0, or -EINVAL when it is not a response (QR=1) with exactly one
 * well-formed question
 */
int dnsmsg_parse_response(const uint8_t *msg, size_t len, struct dns_query *q)
{
	struct frame m = { .data = msg, .len = len };
	struct hdr h;
	size_t off = HDR_LEN;

	memset(q, 0, sizeof(*q));
	if (hdr_read(&m, &h) || !(h.flags & F_QR) || h.qd != 1)
		return -EINVAL;
	return head_question(&m, &h, &off, q);
}

/**
 * dnsmsg_same_question() - Does a response answer this query?
 * @a: a parsed response (dnsmsg_parse_response())
 * @q: a parsed query
 *
 * Return: true when the ids, names, types and classes are the same
 */
bool dnsmsg_same_question(const struct dns_query *a, const struct dns_query *q)
{
	return a->id == q->id && a->qtype == q->qtype && a->qclass == q->qclass &&
	       !strcmp(a->name, q->name);
}

uint16_t dnsmsg_id(const uint8_t *msg, size_t len)
{
	return len < 2 ? 0 : rd16(msg);
}

void dnsmsg_set_id(uint8_t *msg, size_t len, uint16_t id)
{
	if (len >= 2)
		wr16(msg, id);
}
