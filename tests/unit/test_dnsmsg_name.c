// SPDX-License-Identifier: MIT
/*
 * test_dnsmsg_name.c - the one set of name rules of user/dns/dnsmsg.c, in
 * queries and in answers: case, label and name lengths (also once a pointer
 * joins the pieces), characters, compression pointers (loops, forward, out
 * of bounds, into the header, into a label) and the hop count.
 */
#include <errno.h>

#include "dnscraft.h"

/* ---- the name rules --------------------------------------------------- */

/* Pointers in a query's question could only point into the header. */
static void name_pointer_in_question(void)
{
	struct msg m;
	struct dns_query q;

	hdr(&m, 0x0161, 0, 1, 0, 0, 0); /* id bytes spell the label "a" */
	ptr(&m, 0);
	put16(&m, DNS_TYPE_A);
	put16(&m, IN);
	CHECK_EQ(pq(&m, &q), -EINVAL);

	hdr(&m, 1, 0, 1, 0, 0, 0);
	labels(&m, "www");
	ptr(&m, 12); /* to its own start */
	put16(&m, DNS_TYPE_A);
	put16(&m, IN);
	CHECK_EQ(pq(&m, &q), -EINVAL);
}

/* A response with question "example.com" and one A record whose owner is
 * written by @owner; parse_answers() on it. */
static int owner_case(void (*owner)(struct msg *), char *got)
{
	struct dns_addr_rr a[1];
	struct msg m;
	int total, r;

	hdr(&m, 1, F_QR, 1, 1, 0, 0);
	question(&m, "example.com", DNS_TYPE_A, IN); /* name at 12..24 */
	owner(&m);
	rr(&m, DNS_TYPE_A, IN, 60, 4);
	put32(&m, 0x0a000001);
	r = pa(&m, a, 1, &total);
	if (got && r == 1)
		strcpy(got, a[0].name);
	return r;
}

static void own_ptr_good(struct msg *m)
{
	labels(m, "WWW");
	ptr(m, 12);
}

static void own_ptr_to_com(struct msg *m)
{
	ptr(m, 12 + 8);
}

static void own_ptr_self(struct msg *m)
{
	ptr(m, (uint16_t)m->n);
}

static void own_ptr_forward(struct msg *m)
{
	ptr(m, (uint16_t)(m->n + 2));
}

static void own_ptr_out_of_bounds(struct msg *m)
{
	ptr(m, 0x3fff);
}

static void own_ptr_header(struct msg *m)
{
	ptr(m, 4);
}

static void own_ptr_mid_label(struct msg *m)
{
	ptr(m, 13); /* into "example": 'e' = 0x65 is a 0x40 label type */
}

/* "a" at X, "b" + pointer to X: fine; then a pointer back into a label run
 * that itself points forward to the pointer: a loop. */
static void own_loop(struct msg *m)
{
	size_t x = m->n;

	labels(m, "a");
	ptr(m, (uint16_t)(x + 4)); /* forward, to the next pointer */
	ptr(m, (uint16_t)x);	   /* back to "a": a -> here -> a ... */
}

static void own_label_64(struct msg *m)
{
	put8(m, 64);
	for (int i = 0; i < 64; i++)
		put8(m, 'a');
	put8(m, 0);
}

static void own_label_type_80(struct msg *m)
{
	put8(m, 0x81);
	put8(m, 'a');
	put8(m, 0);
}

static void own_label_63(struct msg *m)
{
	put8(m, 63);
	for (int i = 0; i < 63; i++)
		put8(m, 'a');
	ptr(m, 12);
}

static void own_dot_in_label(struct msg *m)
{
	put8(m, 3);
	put(m, "a.b", 3);
	ptr(m, 12);
}

static void own_space_in_label(struct msg *m)
{
	put8(m, 3);
	put(m, "a b", 3);
	ptr(m, 12);
}

static void own_del_in_label(struct msg *m)
{
	put8(m, 1);
	put8(m, 0x7f);
	ptr(m, 12);
}

static void own_high_in_label(struct msg *m)
{
	put8(m, 2);
	put8(m, 0xc3);
	put8(m, 0xa9);
	ptr(m, 12);
}

static void own_nul_in_label(struct msg *m)
{
	put8(m, 2);
	put8(m, 'a');
	put8(m, 0);
	ptr(m, 12);
}

static void own_odd_chars(struct msg *m)
{
	labels(m, "_srv-x~!");
	ptr(m, 12);
}

/* 0xc0 then the type's high byte 0x00: a pointer to offset 0 */
static void own_ptr_into_type(struct msg *m)
{
	put8(m, 0xc0);
}

static void name_rules(void)
{
	char got[DNS_NAME_MAX + 1] = "";

	CHECK_EQ(owner_case(own_ptr_good, got), 1);
	CHECK(!strcmp(got, "www.example.com"));
	CHECK_EQ(owner_case(own_ptr_to_com, got), 1);
	CHECK(!strcmp(got, "com"));
	CHECK_EQ(owner_case(own_odd_chars, got), 1);
	CHECK(!strcmp(got, "_srv-x~!.example.com"));
	CHECK_EQ(owner_case(own_label_63, NULL), 1);
	CHECK_EQ(owner_case(own_ptr_self, NULL), -EINVAL);
	CHECK_EQ(owner_case(own_ptr_forward, NULL), -EINVAL);
	CHECK_EQ(owner_case(own_loop, NULL), -EINVAL);
	CHECK_EQ(owner_case(own_ptr_out_of_bounds, NULL), -EINVAL);
	CHECK_EQ(owner_case(own_ptr_header, NULL), -EINVAL);
	CHECK_EQ(owner_case(own_ptr_mid_label, NULL), -EINVAL);
	CHECK_EQ(owner_case(own_label_64, NULL), -EINVAL);
	CHECK_EQ(owner_case(own_label_type_80, NULL), -EINVAL);
	CHECK_EQ(owner_case(own_dot_in_label, NULL), -EINVAL);
	CHECK_EQ(owner_case(own_space_in_label, NULL), -EINVAL);
	CHECK_EQ(owner_case(own_del_in_label, NULL), -EINVAL);
	CHECK_EQ(owner_case(own_high_in_label, NULL), -EINVAL);
	CHECK_EQ(owner_case(own_nul_in_label, NULL), -EINVAL);
	CHECK_EQ(owner_case(own_ptr_into_type, NULL), -EINVAL);
}

/* A dotted name of @len characters from labels of at most 63. */
static void long_name(char *s, size_t len)
{
	size_t i = 0;

	while (i < len) {
		size_t l = len - i > 63 ? 63 : len - i;

		if (len - i - l == 1) /* never leave a lone dot at the end */
			l--;
		memset(s + i, 'x', l);
		i += l;
		if (i < len)
			s[i++] = '.';
	}
	s[len] = '\0';
}

static void name_length(void)
{
	char s[300];
	struct msg m;
	struct dns_query q;

	long_name(s, 253);
	query(&m, s, DNS_TYPE_A, 0);
	CHECK_EQ(m.n, 12 + 255 + 4);
	CHECK_EQ(pq(&m, &q), 0);
	CHECK_EQ(strlen(q.name), 253);
	CHECK(!strcmp(q.name, s));

	long_name(s, 254);
	query(&m, s, DNS_TYPE_A, 0);
	CHECK_EQ(pq(&m, &q), -EINVAL);

	long_name(s, 255);
	query(&m, s, DNS_TYPE_A, 0);
	CHECK_EQ(pq(&m, &q), -EINVAL);
}

/* Over 253 only once a pointer joins the pieces. */
static void name_length_compressed(void)
{
	struct dns_addr_rr a[1];
	char s[300];
	struct msg m;
	int total;

	long_name(s, 200);
	hdr(&m, 1, F_QR, 1, 1, 0, 0);
	question(&m, s, DNS_TYPE_A, IN);
	long_name(s, 52); /* 52 + 1 + 200 = 253: fits */
	labels(&m, s);
	ptr(&m, 12);
	rr(&m, DNS_TYPE_A, IN, 1, 4);
	put32(&m, 1);
	CHECK_EQ(pa(&m, a, 1, &total), 1);
	CHECK_EQ(strlen(a[0].name), 253);

	long_name(s, 200);
	hdr(&m, 1, F_QR, 1, 1, 0, 0);
	question(&m, s, DNS_TYPE_A, IN);
	long_name(s, 53); /* 254 */
	labels(&m, s);
	ptr(&m, 12);
	rr(&m, DNS_TYPE_A, IN, 1, 4);
	put32(&m, 1);
	CHECK_EQ(pa(&m, a, 1, &total), -EINVAL);
}

/* Question k (k >= 2) is a pointer to question k-1: its name takes k-1 hops. */
static void pointer_chain(struct msg *m, int questions)
{
	size_t prev = 12;

	hdr(m, 1, F_QR, (uint16_t)questions, 0, 0, 0);
	question(m, "a", DNS_TYPE_A, IN);
	for (int k = 2; k <= questions; k++) {
		size_t here = m->n;

		ptr(m, (uint16_t)prev);
		put16(m, DNS_TYPE_A);
		put16(m, IN);
		prev = here;
	}
}

static void name_hops(void)
{
	struct msg m;
	int total;

	pointer_chain(&m, 65); /* the last name: 64 hops */
	CHECK_EQ(pa(&m, NULL, 0, &total), 0);
	pointer_chain(&m, 66); /* 65 hops */
	CHECK_EQ(pa(&m, NULL, 0, &total), -EINVAL);
}

int main(void)
{
	RUN(name_pointer_in_question);
	RUN(name_rules);
	RUN(name_length);
	RUN(name_length_compressed);
	RUN(name_hops);
	return check_summary();
}
