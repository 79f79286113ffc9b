// SPDX-License-Identifier: MIT
/*
 * test_udpbatch.c - datagrams gathered and sent with one UDP_SEGMENT send
 * (user/proxy/udpbatch.c), through the real kernel on 127.0.0.1: the receiving
 * socket gets every datagram back with its own size, content and place,
 * including a shorter last one and an empty one; what may not join a batch
 * (another flow, another DF choice, a longer datagram, anything after a
 * shorter or empty one, past the segment or byte limit) is refused.
 */
#include <errno.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "check.h"
#include "proxy/udpbatch.h"

static struct udpbatch b;
static int tx = -1, rx = -1;
static uint8_t got[UDPBATCH_MAX_BYTES + 1];

static void fill(uint8_t *p, size_t len, unsigned int seq)
{
	for (size_t i = 0; i < len; i++)
		p[i] = (uint8_t)(seq * 31 + i * 7);
}

/* A connected sender and its receiver on loopback, with room to spare. */
static int sockets(void)
{
	struct sockaddr_in sa = { .sin_family = AF_INET,
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t sl = sizeof(sa);
	int big = 8 << 20;

	rx = socket(AF_INET, SOCK_DGRAM, 0);
	tx = socket(AF_INET, SOCK_DGRAM, 0);
	if (rx < 0 || tx < 0)
		return -1;
	setsockopt(rx, SOL_SOCKET, SO_RCVBUF, &big, sizeof(big));
	if (bind(rx, (struct sockaddr *)&sa, sizeof(sa)) ||
	    getsockname(rx, (struct sockaddr *)&sa, &sl) ||
	    connect(tx, (struct sockaddr *)&sa, sizeof(sa)))
		return -1;
	return 0;
}

/* Batch the datagrams of @sizes, send, and read them back one by one. */
static void round_trip(const size_t *sizes, unsigned int n)
{
	static uint8_t want[UDPBATCH_MAX_BYTES];
	int owner;

	udpbatch_clear(&b);
	for (unsigned int i = 0; i < n; i++) {
		fill(want, sizes[i], i);
		CHECK(udpbatch_fits(&b, &owner, false, sizes[i]));
		udpbatch_add(&b, &owner, tx, false, want, sizes[i]);
	}
	CHECK_EQ(b.n, n);
	if (udpbatch_send(&b) < 0) {
		ck_fail(__FILE__, __LINE__, "send: %s", strerror(errno));
		return;
	}
	for (unsigned int i = 0; i < n; i++) {
		ssize_t r = recv(rx, got, sizeof(got), MSG_DONTWAIT);

		fill(want, sizes[i], i);
		CHECK_EQ(r, (long long)sizes[i]);
		if (r == (ssize_t)sizes[i])
			CHECK_MEM(got, want, sizes[i]);
	}
	CHECK(recv(rx, got, sizeof(got), MSG_DONTWAIT) < 0 && errno == EAGAIN);
	udpbatch_clear(&b);
}

static void equal_sizes(void)
{
	size_t s[44];

	for (unsigned int i = 0; i < 44; i++)
		s[i] = 1472;
	round_trip(s, 44);
}

static void shorter_last(void)
{
	const size_t s[] = { 1000, 1000, 1000, 999 };

	round_trip(s, 4);
}

static void one_and_empty(void)
{
	const size_t one[] = { 1 }, empty[] = { 0 }, big[] = { UDPBATCH_MAX_BYTES };

	round_trip(one, 1);
	round_trip(empty, 1);
	round_trip(big, 1);
}

static void smallest_segments(void)
{
	size_t s[UDPBATCH_MAX_SEGS];

	for (unsigned int i = 0; i < UDPBATCH_MAX_SEGS; i++)
		s[i] = 1;
	round_trip(s, UDPBATCH_MAX_SEGS);
}

static void refusals(void)
{
	static const uint8_t d[UDPBATCH_MAX_BYTES];
	int a, other;

	udpbatch_clear(&b);
	udpbatch_add(&b, &a, tx, false, d, 100);
	CHECK(udpbatch_fits(&b, &a, false, 100));
	CHECK(udpbatch_fits(&b, &a, false, 50));
	CHECK(!udpbatch_fits(&b, &other, false, 100)); /* another flow */
	CHECK(!udpbatch_fits(&b, &a, true, 100));      /* another DF choice */
	CHECK(!udpbatch_fits(&b, &a, false, 101));     /* longer */
	udpbatch_add(&b, &a, tx, false, d, 50);
	CHECK(!udpbatch_fits(&b, &a, false, 50)); /* after a shorter one */
	CHECK(!udpbatch_fits(&b, &a, false, 1));
	udpbatch_clear(&b);
	udpbatch_add(&b, &a, tx, false, d, 0);
	CHECK(!udpbatch_fits(&b, &a, false, 0)); /* after an empty one */
	udpbatch_clear(&b);
	for (unsigned int i = 0; i < UDPBATCH_MAX_SEGS; i++)
		udpbatch_add(&b, &a, tx, false, d, 10);
	CHECK(!udpbatch_fits(&b, &a, false, 10)); /* segment limit */
	udpbatch_clear(&b);
	udpbatch_add(&b, &a, tx, false, d, 30000);
	udpbatch_add(&b, &a, tx, false, d, 30000);
	CHECK(!udpbatch_fits(&b, &a, false, 30000)); /* byte limit */
	CHECK(udpbatch_fits(&b, &a, false, UDPBATCH_MAX_BYTES - 60000));
	udpbatch_clear(&b);
	CHECK(udpbatch_fits(&b, &other, true, UDPBATCH_MAX_BYTES)); /* empty */
	CHECK(!udpbatch_fits(&b, &other, true, UDPBATCH_MAX_BYTES + 1));
}

int main(void)
{
	if (sockets()) {
		printf("FAIL sockets: %s\n0 passed, 1 failed\n", strerror(errno));
		return 1;
	}
	RUN(equal_sizes);
	RUN(shorter_last);
	RUN(one_and_empty);
	RUN(smallest_segments);
	RUN(refusals);
	close(tx);
	close(rx);
	return check_summary();
}
