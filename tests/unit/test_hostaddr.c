// SPDX-License-Identifier: MIT
/*
 * test_hostaddr.c - the host address set (user/control/hostaddr.c): netlink
 * messages built here and parsed (adds, removals, IFA_LOCAL over a peer's
 * IFA_ADDRESS, duplicates, malformed messages and attributes, a dump's mark
 * and sweep, a cut or refused dump, 10 000 addresses); the real initial
 * dump against getifaddrs(); and, as root, in a network namespace of its
 * own, live events read from the socket, an overrun (ENOBUFS) under a
 * tiny receive buffer recovered by a second dump.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <poll.h>
#include <sched.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include "check.h"
#include "lib/frames.h"
#include "control/hostaddr.h"

#define PORTID 4242

static uint32_t buf[65536 / 4]; /* aligned as a recv() buffer */
static size_t len;

/* One RTM_NEWADDR/RTM_DELADDR at the end of buf: family from the literal,
 * IFA_ADDRESS @addr, IFA_LOCAL @local unless NULL. */
static struct nlmsghdr *msg(uint16_t type, uint16_t flags, uint32_t seq, uint32_t pid,
			    const char *addr, const char *local, uint8_t plen, uint32_t ifindex)
{
	struct nlmsghdr *nlh = (struct nlmsghdr *)((uint8_t *)buf + len);
	struct ifaddrmsg *ifa = NLMSG_DATA(nlh);
	int family = strchr(addr, ':') ? AF_INET6 : AF_INET;
	unsigned int alen = family == AF_INET ? 4 : 16;
	const char *what[2] = { addr, local };
	unsigned short types[2] = { IFA_ADDRESS, IFA_LOCAL };

	memset(nlh, 0, NLMSG_SPACE(sizeof(*ifa)));
	nlh->nlmsg_len = NLMSG_LENGTH(sizeof(*ifa));
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = flags;
	nlh->nlmsg_seq = seq;
	nlh->nlmsg_pid = pid;
	ifa->ifa_family = (uint8_t)family;
	ifa->ifa_prefixlen = plen;
	ifa->ifa_index = ifindex;
	for (int i = 0; i < 2 && what[i]; i++) {
		struct rtattr *rta =
			(struct rtattr *)((uint8_t *)nlh + NLMSG_ALIGN(nlh->nlmsg_len));
		uint8_t a[16];

		rta->rta_type = types[i];
		rta->rta_len = (unsigned short)RTA_LENGTH(alen);
		memcpy(RTA_DATA(rta), tb_addr(a, what[i]), alen);
		nlh->nlmsg_len = NLMSG_ALIGN(nlh->nlmsg_len) + RTA_ALIGN(rta->rta_len);
	}
	len += NLMSG_ALIGN(nlh->nlmsg_len);
	return nlh;
}

/* Make @nlh, the last message in buf, @n bytes long. */
static void cut(struct nlmsghdr *nlh, uint32_t n)
{
	nlh->nlmsg_len = n;
	len = (size_t)((uint8_t *)nlh - (uint8_t *)buf) + NLMSG_ALIGN(n);
}

static void ctl(uint16_t type, uint32_t seq, uint32_t pid, int error)
{
	struct nlmsghdr *nlh = (struct nlmsghdr *)((uint8_t *)buf + len);

	memset(nlh, 0, NLMSG_SPACE(sizeof(struct nlmsgerr)));
	nlh->nlmsg_len = NLMSG_LENGTH(type == NLMSG_ERROR ? sizeof(struct nlmsgerr) : 4);
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_MULTI;
	nlh->nlmsg_seq = seq;
	nlh->nlmsg_pid = pid;
	if (type == NLMSG_ERROR)
		((struct nlmsgerr *)NLMSG_DATA(nlh))->error = error;
	len += NLMSG_ALIGN(nlh->nlmsg_len);
}

#define NEW(...) msg(RTM_NEWADDR, 0, 0, 0, __VA_ARGS__)
#define DEL(...) msg(RTM_DELADDR, 0, 0, 0, __VA_ARGS__)

/* Parse buf; whether the set changed. */
static bool feed(struct hostaddr *h)
{
	int err = hostaddr_parse(h, buf, len);
	bool changed = h->changed;

	CHECK_EQ(err, 0);
	h->changed = false;
	len = 0;
	return changed;
}

static bool has(const struct hostaddr *h, const char *addr, uint32_t ifindex)
{
	uint8_t a[16];
	int family = strchr(addr, ':') ? 6 : 4;

	tb_addr(a, addr);
	for (size_t i = 0; i < h->n; i++)
		if (h->a[i].family == family && h->a[i].ifindex == ifindex &&
		    !memcmp(h->a[i].addr, a, 16))
			return true;
	return false;
}

static bool is_set(const struct hostaddr *h)
{
	for (size_t i = 1; i < h->n; i++)
		if (hostaddr_cmp(&h->a[i - 1], &h->a[i]) >= 0)
			return false;
	return h->settled == h->n;
}

static void add_and_remove(void)
{
	struct hostaddr h;

	hostaddr_init(&h);
	NEW("10.0.0.1", NULL, 24, 2);
	NEW("fd00::5", NULL, 64, 2);
	CHECK(feed(&h));
	CHECK_EQ(h.n, 2);
	CHECK(has(&h, "10.0.0.1", 2) && has(&h, "fd00::5", 2));
	CHECK_EQ(h.a[0].family, 4); /* IPv4 first */
	CHECK_EQ(h.a[0].prefixlen, 24);
	NEW("10.0.0.1", NULL, 24, 2); /* again: no change */
	CHECK(!feed(&h));
	DEL("10.0.0.9", NULL, 24, 2); /* unknown: no change */
	CHECK(!feed(&h));
	DEL("10.0.0.1", NULL, 16, 2); /* another prefix length: another address */
	CHECK(!feed(&h));
	DEL("10.0.0.1", NULL, 24, 2);
	CHECK(feed(&h));
	CHECK_EQ(h.n, 1);
	CHECK(!has(&h, "10.0.0.1", 2));
	hostaddr_close(&h);
}

/* IPv4 on a point-to-point device: IFA_ADDRESS is the peer, IFA_LOCAL ours. */
static void local_over_peer(void)
{
	struct hostaddr h;

	hostaddr_init(&h);
	NEW("10.9.9.2", "10.9.9.1", 32, 7);
	NEW("fd01::2", "fd01::1", 128, 7);
	CHECK(feed(&h));
	CHECK_EQ(h.n, 2);
	CHECK(has(&h, "10.9.9.1", 7) && has(&h, "fd01::1", 7));
	CHECK(!has(&h, "10.9.9.2", 7));
	hostaddr_close(&h);
}

/* One address on two devices: two entries in a row; each goes on its own. */
static void same_address_two_devices(void)
{
	struct hostaddr h;

	hostaddr_init(&h);
	NEW("192.0.2.7", NULL, 24, 3);
	NEW("198.51.100.1", NULL, 24, 3);
	NEW("192.0.2.7", NULL, 24, 9);
	CHECK(feed(&h));
	CHECK_EQ(h.n, 3);
	CHECK(is_set(&h));
	CHECK(!memcmp(h.a[0].addr, h.a[1].addr, 16));
	DEL("192.0.2.7", NULL, 24, 3);
	CHECK(feed(&h));
	CHECK(has(&h, "192.0.2.7", 9));
	CHECK(!has(&h, "192.0.2.7", 3));
	hostaddr_close(&h);
}

/* Malformed messages and attributes are skipped, what follows is read. */
static void malformed(void)
{
	const uint32_t hdr = NLMSG_LENGTH(sizeof(struct ifaddrmsg));
	struct hostaddr h;
	struct nlmsghdr *m;

	hostaddr_init(&h);
	/* an ifaddrmsg cut short */
	cut(NEW("10.1.0.1", NULL, 32, 1), NLMSG_LENGTH(4));
	/* an IFA_ADDRESS of 5 bytes */
	m = NEW("10.1.0.2", NULL, 32, 1);
	IFA_RTA(NLMSG_DATA(m))->rta_len = RTA_LENGTH(5);
	/* an attribute longer than its message */
	m = NEW("10.1.0.3", NULL, 32, 1);
	IFA_RTA(NLMSG_DATA(m))->rta_len = 200;
	/* an attribute shorter than its header */
	m = NEW("10.1.0.4", NULL, 32, 1);
	IFA_RTA(NLMSG_DATA(m))->rta_len = 2;
	/* IPv4 with a 16-byte address; another family */
	m = NEW("fd00::4", NULL, 64, 1);
	((struct ifaddrmsg *)NLMSG_DATA(m))->ifa_family = AF_INET;
	m = NEW("10.1.0.5", NULL, 32, 1);
	((struct ifaddrmsg *)NLMSG_DATA(m))->ifa_family = AF_PACKET;
	/* no address at all */
	cut(NEW("10.1.0.6", NULL, 32, 1), hdr);
	/* a removal as malformed */
	cut(DEL("10.1.0.7", NULL, 32, 1), hdr - 1);
	/* and one good one after all that */
	NEW("10.1.0.7", NULL, 32, 1);
	CHECK(feed(&h));
	CHECK_EQ(h.n, 1);
	CHECK(has(&h, "10.1.0.7", 1));

	/* a message longer than the buffer ends the parse */
	NEW("10.1.0.8", NULL, 32, 1);
	NEW("10.1.0.9", NULL, 32, 1);
	CHECK_EQ(hostaddr_parse(&h, buf, len - 1), 0);
	CHECK(has(&h, "10.1.0.8", 1) && !has(&h, "10.1.0.9", 1));
	h.changed = false;
	len = 0;
	/* and so does a length below a header, or a header claiming less */
	CHECK_EQ(hostaddr_parse(&h, buf, 3), 0);
	cut(NEW("10.1.0.10", NULL, 32, 1), 8);
	NEW("10.1.0.11", NULL, 32, 1);
	CHECK(!feed(&h));
	CHECK_EQ(h.n, 2);
	hostaddr_close(&h);
}

/* A dump: what it reports stays (or comes), what it does not goes at its
 * end; events in between count; replies to someone else's dump do not. */
static void dump_mark_and_sweep(void)
{
	struct hostaddr h;

	hostaddr_init(&h);
	NEW("10.2.0.1", NULL, 24, 1);
	NEW("10.2.0.2", NULL, 24, 1);
	NEW("10.2.0.3", NULL, 24, 1);
	CHECK(feed(&h));
	h.portid = PORTID;
	h.seq = 7;
	h.gen++;
	h.dumping = true;
	msg(RTM_NEWADDR, NLM_F_MULTI, 7, PORTID, "10.2.0.2", NULL, 24, 1);
	msg(RTM_NEWADDR, NLM_F_MULTI, 7, PORTID, "10.2.0.4", NULL, 24, 1);
	NEW("10.2.0.5", NULL, 24, 1);	   /* an event during the dump */
	ctl(NLMSG_DONE, 7, PORTID + 1, 0); /* another socket's dump */
	ctl(NLMSG_DONE, 6, PORTID, 0);	   /* an older one of ours */
	CHECK(feed(&h));
	CHECK(h.dumping);
	CHECK_EQ(h.n, 5); /* nothing removed before the end */
	ctl(NLMSG_DONE, 7, PORTID, 0);
	CHECK(feed(&h));
	CHECK(!h.dumping && !h.redump);
	CHECK_EQ(h.n, 3);
	CHECK(has(&h, "10.2.0.2", 1) && has(&h, "10.2.0.4", 1) && has(&h, "10.2.0.5", 1));
	CHECK(!has(&h, "10.2.0.1", 1) && !has(&h, "10.2.0.3", 1));
	hostaddr_close(&h);
}

/* A dump the kernel cut (NLM_F_DUMP_INTR) asks for another; one it refused
 * ends with its error. */
static void dump_cut_or_refused(void)
{
	struct hostaddr h;

	hostaddr_init(&h);
	h.portid = PORTID;
	h.seq = 3;
	h.dumping = true;
	msg(RTM_NEWADDR, NLM_F_MULTI | NLM_F_DUMP_INTR, 3, PORTID, "10.3.0.1", NULL, 24, 1);
	ctl(NLMSG_DONE, 3, PORTID, 0);
	CHECK(feed(&h));
	CHECK(h.redump && !h.dumping);
	h.redump = false;
	h.seq = 4;
	h.dumping = true;
	ctl(NLMSG_ERROR, 4, PORTID, -EBUSY);
	CHECK_EQ(hostaddr_parse(&h, buf, len), -EBUSY);
	len = 0;
	CHECK(!h.dumping);
	hostaddr_close(&h);
}

/* 10 000 addresses in dump-sized datagrams: one set, sorted, each once. */
static void ten_thousand(void)
{
	struct hostaddr h;
	char text[64];

	hostaddr_init(&h);
	for (unsigned int i = 0; i < 10000; i++) {
		snprintf(text, sizeof(text), "198.18.%u.%u", i / 250, i % 250 + 1);
		NEW(text, NULL, 15, 10 + i);
		if (i % 2 == 0) {
			snprintf(text, sizeof(text), "fe80::%x", i + 1);
			NEW(text, NULL, 64, 10 + i);
		}
		if (len > sizeof(buf) - 256)
			CHECK(feed(&h));
	}
	feed(&h);
	CHECK_EQ(h.n, 15000);
	CHECK(is_set(&h));
	for (unsigned int i = 0; i < 10000; i += 2) {
		snprintf(text, sizeof(text), "fe80::%x", i + 1);
		DEL(text, NULL, 64, 10 + i);
		if (len > sizeof(buf) - 256)
			CHECK(feed(&h));
	}
	CHECK(feed(&h));
	CHECK_EQ(h.n, 10000);
	CHECK(is_set(&h));
	hostaddr_close(&h);
}

/* The real dump holds what getifaddrs() sees, and nothing else. */
static void live_dump(void)
{
	struct hostaddr h;
	struct ifaddrs *ifa, *i;
	size_t seen = 0;

	CHECK_EQ(hostaddr_open(&h), 0);
	CHECK(h.fd >= 0 && !h.dumping);
	CHECK(is_set(&h));
	CHECK_EQ(getifaddrs(&ifa), 0);
	for (i = ifa; i; i = i->ifa_next) {
		const void *a;
		uint8_t want[16] = { 0 };
		int family;
		bool found = false;

		if (!i->ifa_addr ||
		    (i->ifa_addr->sa_family != AF_INET && i->ifa_addr->sa_family != AF_INET6))
			continue;
		family = i->ifa_addr->sa_family == AF_INET ? 4 : 6;
		a = family == 4 ? (const void *)&((struct sockaddr_in *)i->ifa_addr)->sin_addr
				: (const void *)&((struct sockaddr_in6 *)i->ifa_addr)->sin6_addr;
		memcpy(want, a, family == 4 ? 4 : 16);
		for (size_t k = 0; k < h.n && !found; k++)
			found = h.a[k].family == family && !memcmp(h.a[k].addr, want, 16);
		if (!found)
			ck_fail(__FILE__, __LINE__, "%s: an address of %s is not in the set",
				i->ifa_name, family == 4 ? "IPv4" : "IPv6");
		seen++;
	}
	freeifaddrs(ifa);
	CHECK_EQ(h.n, seen);
	CHECK_EQ(hostaddr_read(&h), 0); /* nothing happened since */
	hostaddr_close(&h);
	CHECK_EQ(h.fd, -1);
}

static int ip_batch(const char *fmt, unsigned int from, unsigned int to)
{
	FILE *p = popen("ip -batch -", "w");

	if (!p)
		return -1;
	for (unsigned int i = from; i < to; i++)
		fprintf(p, fmt, i / 250, i % 250 + 1);
	return pclose(p);
}

/* Read until a dump under way (and any second one) is over. */
static int read_settled(struct hostaddr *h)
{
	int changed = 0;

	for (int i = 0; i < 100; i++) {
		struct pollfd p = { .fd = h->fd, .events = POLLIN };

		poll(&p, 1, i ? 50 : 500);
		changed |= hostaddr_read(h);
		if (!h->dumping && !h->redump && !poll(&p, 1, 0))
			break;
	}
	return changed;
}

static size_t count_prefix(const struct hostaddr *h, uint8_t a0, uint8_t a1)
{
	size_t n = 0;

	for (size_t i = 0; i < h->n; i++)
		n += h->a[i].family == 4 && h->a[i].addr[0] == a0 && h->a[i].addr[1] == a1;
	return n;
}

/* As root, in a namespace of our own: events, and an overrun recovered. */
static void live_events(void)
{
	struct sockaddr_nl to = { .nl_family = AF_NETLINK };
	struct hostaddr h;
	int tiny = 1, forger;

	CHECK_EQ(hostaddr_open(&h), 0);
	CHECK_EQ(count_prefix(&h, 198, 18), 0);
	CHECK_EQ(ip_batch("address add 198.18.%u.%u/32 dev lo\n", 0, 3), 0);
	CHECK_EQ(read_settled(&h), 1);
	CHECK_EQ(count_prefix(&h, 198, 18), 3);
	CHECK(has(&h, "198.18.0.2", 1));
	CHECK_EQ(ip_batch("address del 198.18.%u.%u/32 dev lo\n", 1, 2), 0);
	CHECK_EQ(read_settled(&h), 1);
	CHECK(!has(&h, "198.18.0.2", 1) && has(&h, "198.18.0.3", 1));

	/* a removal forged by a local process (not the kernel) is ignored */
	forger = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	CHECK(forger >= 0);
	to.nl_pid = h.portid;
	DEL("198.18.0.3", NULL, 32, 1);
	CHECK_EQ(sendto(forger, buf, len, 0, (struct sockaddr *)&to, sizeof(to)), (ssize_t)len);
	len = 0;
	close(forger);
	CHECK_EQ(read_settled(&h), 0);
	CHECK(has(&h, "198.18.0.3", 1));

	/* 2000 events into a receive buffer of a few KiB: lost, then dumped */
	CHECK_EQ(setsockopt(h.fd, SOL_SOCKET, SO_RCVBUF, &tiny, sizeof(tiny)), 0);
	CHECK_EQ(ip_batch("address add 198.19.%u.%u/32 dev lo\n", 0, 2000), 0);
	CHECK_EQ(read_settled(&h), 1);
	CHECK(h.overruns > 0);
	CHECK_EQ(count_prefix(&h, 198, 19), 2000);
	CHECK_EQ(count_prefix(&h, 198, 18), 2);
	CHECK(is_set(&h));
	printf("  .. %llu overruns, %zu addresses after the second dump\n",
	       (unsigned long long)h.overruns, h.n);
	CHECK_EQ(ip_batch("address del 198.19.%u.%u/32 dev lo\n", 0, 2000), 0);
	read_settled(&h);
	CHECK_EQ(count_prefix(&h, 198, 19), 0);
	hostaddr_close(&h);
}

int main(void)
{
	RUN(add_and_remove);
	RUN(local_over_peer);
	RUN(same_address_two_devices);
	RUN(malformed);
	RUN(dump_mark_and_sweep);
	RUN(dump_cut_or_refused);
	RUN(ten_thousand);
	RUN(live_dump);
	/* Last: it leaves this process in a namespace of its own. */
	if (geteuid() == 0 && !unshare(CLONE_NEWNET) && !system("ip link set dev lo up"))
		RUN(live_events);
	else
		printf("skip live_events: needs root (a network namespace of its own) and ip\n");
	return check_summary();
}
