/* SPDX-License-Identifier: MIT */
/*
 * dnsmsg.h - DNS wire format (RFC 1035, EDNS per RFC 6891) for the guest's
 * resolver: parse the guest's query, build the answers tapgate gives itself,
 * and inspect or cut down a response from upstream before the guest sees it.
 *
 * Every byte is hostile, from the guest or from upstream: no length, count or
 * compression pointer is trusted, every read is bounds-checked, and names are
 * decoded by one function with one set of rules (labels <= 63 bytes, names
 * <= 253 characters, pointers only backwards and never into the header, at
 * most 64 hops, printable characters other than '.' only). Nothing here
 * allocates or keeps state, so any thread may call any function on buffers
 * it owns.
 *
 * The names (struct dns_query, DNS_*) are the agreed API; the functions use
 * the dnsmsg_ prefix since lwIP exports dns_ functions.
 */
#ifndef TAPGATE_DNSMSG_H
#define TAPGATE_DNSMSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* presentation form, without trailing dot, fits in name[DNS_NAME_MAX + 1] */
#define DNS_NAME_MAX	   255
#define DNS_RCODE_SERVFAIL 2
#define DNS_RCODE_NXDOMAIN 3
#define DNS_RCODE_REFUSED  5
#define DNS_TYPE_A	   1
#define DNS_TYPE_AAAA	   28
#define DNS_TYPE_OPT	   41
#define DNS_TYPE_SVCB	   64
#define DNS_TYPE_HTTPS	   65
#define SVC_IPV4HINT	   4 /* SvcParamKeys (RFC 9460) */
#define SVC_IPV6HINT	   6

/* Sections of a message, for dns_addr_rr.section. */
#define DNS_SEC_ANSWER	   1
#define DNS_SEC_AUTHORITY  2
#define DNS_SEC_ADDITIONAL 3

struct dns_query {
	uint16_t id;
	uint16_t flags;		     /* the header's flags word, host order */
	char name[DNS_NAME_MAX + 1]; /* lower-cased, dotted, no trailing dot; "" is the root */
	uint16_t qtype, qclass;
	size_t question_end; /* offset just past the (single) question */
	/* the guest's UDP payload limit: 512 without OPT, else max(512, OPT class) */
	uint16_t edns_size;
	bool has_edns;
};

/* A query from the guest: QR=0, opcode QUERY, qdcount 1, an/ns 0, arcount 0 or 1
 * (and then that record must be an OPT with root owner). Nothing may follow
 * the question (and OPT). 0 or -EINVAL. */
int dnsmsg_parse_query(const uint8_t *msg, size_t len, struct dns_query *q);

/* Answer @q (parsed from @query) with one A (addrlen 4) or AAAA (addrlen 16) record
 * for the query name, owner written as a pointer to offset 12, TTL @ttl.
 * Header: same id, QR=1, AA=1, RD copied from the query, RA=1, rcode 0; the question
 * copied verbatim. If qtype does not match the address family (e.g. AAAA asked, only a
 * v4 address given via addrlen 4) or qclass is not IN, answer NOERROR with no records
 * (NODATA). No OPT is echoed. Returns the length, or 0 if @cap is too small (or
 * @addrlen is neither 4 nor 16). @out may be @query (answered in place). */
size_t dnsmsg_answer_addr(const uint8_t *query, const struct dns_query *q, const void *addr,
			  size_t addrlen, uint32_t ttl, uint8_t *out, size_t cap);

/* A response to @q with @rcode and no records: header (id, QR=1, RD copied, RA=1) +
 * question copied verbatim. Length or 0 (also for an rcode outside 0..15).
 * @out may be @query. */
size_t dnsmsg_error(const uint8_t *query, const struct dns_query *q, int rcode, uint8_t *out,
		    size_t cap);

/* Turn a response held in @msg (len bytes) into a header + its first question with
 * rcode @rcode and an/ns/ar counts 0 (used to turn a rebinding answer into NXDOMAIN).
 * TC and AD are cleared: the result is neither truncated nor validated.
 * Returns the new length, or 0 if @msg is not a well-formed response with qdcount 1
 * (or @rcode is outside 0..15); @msg is unchanged then. */
size_t dnsmsg_to_error(uint8_t *msg, size_t len, int rcode);

/* If @len > @limit: keep header + question (qdcount 1 only), set TC=1, zero an/ns/ar,
 * return the new length; if even that does not fit in @limit or the question is
 * malformed, keep the 12-byte header with qdcount 0 and TC=1 (12 even if @limit < 12).
 * If @len <= @limit, return @len unchanged. @len < 12 returns 0. */
size_t dnsmsg_truncate(uint8_t *msg, size_t len, size_t limit);

struct dns_addr_rr {
	char name[DNS_NAME_MAX + 1]; /* owner, lower-cased */
	uint8_t family;		     /* 4 or 6 */
	uint8_t addr[16];	     /* IPv4 in the first 4 bytes */
	uint32_t ttl;		     /* a TTL with the top bit set reads as 0 (RFC 2181 8) */
	uint8_t section;	     /* DNS_SEC_*; dnsmsg_parse_addrs() only */
};

/* Walk a response (QR=1): skip the questions, then in the ANSWER section collect every
 * class-IN A (rdlength 4) and AAAA (rdlength 16) record into @out (at most @max);
 * *@total gets how many such records there were (may exceed @max). CNAMEs and other
 * types are skipped (their rdata length is still bounds-checked). Returns the number
 * stored, or -EINVAL if anything (header, names, lengths) is malformed. The
 * authority and additional sections are not read. @total may be NULL. */
int dnsmsg_parse_answers(const uint8_t *msg, size_t len, struct dns_addr_rr *out, int max,
			 int *total);

int dnsmsg_parse_addrs(const uint8_t *msg, size_t len, struct dns_addr_rr *out, int max,
		       int *total);

/* A response's header and its one question (QR=1, qdcount 1), names
 * lower-cased as for queries. 0 or -EINVAL. */
int dnsmsg_parse_response(const uint8_t *msg, size_t len, struct dns_query *q);
/* Same id, name, type and class. */
bool dnsmsg_same_question(const struct dns_query *a, const struct dns_query *q);

/* Same id as in the header, read safely: 0 if len < 2 */
uint16_t dnsmsg_id(const uint8_t *msg, size_t len);
/* Write @id into the header; nothing if len < 2 */
void dnsmsg_set_id(uint8_t *msg, size_t len, uint16_t id);

#endif
