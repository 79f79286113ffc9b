// SPDX-License-Identifier: MIT
/*
 * test_splice.c - the TCP proxy (user/proxy/pxtcp.c) through its public
 * API, with a real host socket: the guest's TCP to the gateway
 * 100.96.0.1:PORT goes to 127.0.0.1:PORT (the host group is allowed), where
 * the test listens. Guest segments go in as the poller sends them (a SYN
 * through slot_stage() and pxtcp_syn(), the rest through stack_input());
 * what reaches the guest is captured by gtx.c's test backend (txcap.h).
 * Cases: connect first, then SYN-ACK; data both ways; backpressure (no tx
 * room: lwIP keeps the data, pxtcp_output_all() sends it once frames are
 * free); guest FIN and host close half-close each way and the connection
 * goes; a refused port and a denied destination get RST; a handshake the
 * guest never finishes is timed out. No privileges needed.
 */
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "control/config.h"
#include "control/group.h"
#include "policy/polload.h"
#include "policy/polset.h"
#include "io/loop.h"
#include "proxy/pxtcp.h"
#include "stack/stack.h"
#include "wire/slot.h"
#include "check.h"
#include "lib/frames.h"
#include "wire.h"
#include "txcap.h"

static struct config cfg;
static struct tg_ustats stats;
static struct group_table groups;
static const uint8_t guest[4] = { 100, 96, 0, 2 };
static const uint8_t gateway[4] = { 100, 96, 0, 1 };

/* A guest segment to @dst:@dport as an Ethernet frame in @f; its length. */
static size_t guest_frame(uint8_t *f, const uint8_t dst[4], uint16_t sport, uint16_t dport,
			  uint32_t seq, uint32_t ack, uint8_t flags, const char *data)
{
	static const uint8_t mss[4] = { 2, 4, 0x05, 0xb4 };
	size_t n = data ? strlen(data) : 0;
	uint8_t l4[128];
	size_t h = tb_tcp(l4, sport, dport, seq, ack, flags, mss, flags & TG_TCP_SYN ? 4 : 0);

	memcpy(l4 + h, data ? data : "", n);
	return tb_frame4(f, cfg.guest_mac, cfg.gw_mac, guest, dst, TG_IPPROTO_TCP, l4, h + n);
}

/* The guest's SYN, staged and given to the proxy as the poller does. */
static int guest_syn(const uint8_t dst[4], uint16_t sport, uint16_t dport, uint32_t seq)
{
	uint8_t f[256];
	size_t len = guest_frame(f, dst, sport, dport, seq, 0, TG_TCP_SYN, NULL);
	struct slot s;
	int r = slot_stage(&s, &cfg, f, len);

	if (r != SLOT_OK || !slot_is_syn(&s))
		return -1;
	return pxtcp_syn(&s);
}

/* Any other guest segment to the gateway goes straight to lwIP. */
static int guest_seg(uint16_t sport, uint16_t dport, uint32_t seq, uint32_t ack, uint8_t flags,
		     const char *data)
{
	uint8_t f[256];
	size_t len = guest_frame(f, gateway, sport, dport, seq, ack, flags, data);

	return stack_input(f + TG_ETH_HLEN, len - TG_ETH_HLEN);
}

/* One turn of the poller's loop, as far as TCP goes. */
static void turn(int timeout_ms)
{
	loop_wait(timeout_ms);
	pxtcp_flush();
	for (int i = 0; i < 8 && gtx_flush(); i++)
		pxtcp_output_all(); /* as the poller's flush_tx() */
	pxtcp_reap();
}

/* Turn the loop until @cond holds, for at most two seconds. */
#define TURN_UNTIL(cond)                                                                           \
	do {                                                                                       \
		for (int i_ = 0; i_ < 200 && !(cond); i_++)                                        \
			turn(10);                                                                  \
	} while (0)

/* A listening socket on 127.0.0.1, its port in @port. */
static int host_listen(uint16_t *port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t alen = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) || listen(fd, 8) ||
	    getsockname(fd, (struct sockaddr *)&a, &alen)) {
		perror("test_splice: host socket");
		if (fd >= 0)
			close(fd);
		return -1;
	}
	*port = ntohs(a.sin_port);
	return fd;
}

/* Bytes the host socket received within a second, into @buf. */
static ssize_t host_recv(int fd, char *buf, size_t cap)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	if (poll(&p, 1, 1000) != 1)
		return -ETIMEDOUT;
	return recv(fd, buf, cap, MSG_DONTWAIT);
}

/* The last captured segment that carries data or a flag other than ACK. */
static bool last_seg(struct txseg *t)
{
	for (unsigned int i = txcap.n; i-- > 0;)
		if (txcap_tcp(i, t) && (t->len || t->flags != TG_TCP_ACK))
			return true;
	return false;
}

static void splice(void)
{
	uint16_t port, sport = 41000;
	int lfd = host_listen(&port), hfd = -1;
	uint32_t gseq = 1000, hseq;
	unsigned int before = pxtcp_count();
	uint64_t full;
	struct txseg t;
	char buf[64];

	CHECK(lfd >= 0);
	if (lfd < 0)
		return;
	txcap_drain(TXCAP_FRAMES);
	CHECK_EQ(guest_syn(gateway, sport, port, gseq), SLOT_OK);
	CHECK_EQ(txcap.n, 0); /* connect first: no SYN-ACK yet */
	CHECK_EQ(pxtcp_count(), before + 1);
	TURN_UNTIL(txcap.n > 0);
	CHECK(txcap_tcp(0, &t));
	CHECK_EQ(t.flags, TG_TCP_SYN | TG_TCP_ACK);
	CHECK_MEM(t.ip + 12, gateway, 4);
	CHECK_MEM(t.ip + 16, guest, 4);
	CHECK_EQ(t.sport, port);
	CHECK_EQ(t.dport, sport);
	CHECK_EQ(t.ack, gseq + 1);
	CHECK(t.sums_ok);
	hseq = t.seq + 1;
	gseq++;
	hfd = accept(lfd, NULL, NULL);
	CHECK(hfd >= 0);

	/* The handshake ends; guest data reaches the host. */
	CHECK_EQ(guest_seg(sport, port, gseq, hseq, TG_TCP_ACK, NULL), 0);
	CHECK_EQ(stats.conns_open, 1);
	CHECK_EQ(guest_seg(sport, port, gseq, hseq, TG_TCP_ACK | TG_TCP_PSH, "ping"), 0);
	gseq += 4;
	pxtcp_flush();
	CHECK_EQ(host_recv(hfd, buf, sizeof(buf)), 4);
	CHECK_MEM(buf, "ping", 4);

	/* Host data reaches the guest. */
	txcap_drain(TXCAP_FRAMES);
	CHECK_EQ(send(hfd, "pong", 4, 0), 4);
	TURN_UNTIL(last_seg(&t));
	CHECK(last_seg(&t));
	CHECK_EQ(t.len, 4);
	CHECK_MEM(t.data, "pong", 4);
	CHECK_EQ(t.seq, hseq);
	CHECK_EQ(t.ack, gseq);
	CHECK(t.sums_ok);
	hseq += 4;

	/* No tx room: lwIP keeps the data; it goes once frames are free. */
	txcap_drain(0);
	full = stats.tx_ring_full;
	CHECK_EQ(send(hfd, "held", 4, 0), 4);
	TURN_UNTIL(stats.tx_ring_full > full);
	CHECK(stats.tx_ring_full > full);
	CHECK(gtx_waiting());
	txcap_drain(TXCAP_FRAMES);
	CHECK(gtx_flush()); /* room again: output now, not on a timer */
	pxtcp_output_all();
	CHECK(last_seg(&t));
	CHECK_EQ(t.len, 4);
	CHECK_MEM(t.data, "held", 4);
	CHECK_EQ(t.seq, hseq);
	hseq += 4;

	/* Guest FIN: the host reads EOF and may still send. */
	CHECK_EQ(guest_seg(sport, port, gseq, hseq, TG_TCP_ACK | TG_TCP_FIN, NULL), 0);
	gseq++;
	pxtcp_flush();
	CHECK_EQ(host_recv(hfd, buf, sizeof(buf)), 0);
	txcap_drain(TXCAP_FRAMES);
	CHECK_EQ(send(hfd, "late", 4, 0), 4);
	TURN_UNTIL(last_seg(&t));
	CHECK(last_seg(&t));
	CHECK_EQ(t.len, 4);
	CHECK_MEM(t.data, "late", 4);
	CHECK_EQ(t.ack, gseq); /* the guest's FIN acknowledged */
	hseq += 4;

	/* Host close: FIN to the guest, and the connection goes. */
	txcap_drain(TXCAP_FRAMES);
	close(hfd);
	TURN_UNTIL(last_seg(&t) && (t.flags & TG_TCP_FIN));
	CHECK(last_seg(&t));
	CHECK(t.flags & TG_TCP_FIN);
	CHECK_EQ(t.seq, hseq);
	TURN_UNTIL(pxtcp_count() == before);
	CHECK_EQ(pxtcp_count(), before);
	CHECK_EQ(stats.conns_open, 0);
	CHECK_EQ(guest_seg(sport, port, gseq, hseq + 1, TG_TCP_ACK, NULL), 0);
	close(lfd);
}

static void refused_port_gets_rst(void)
{
	uint16_t port, sport = 41001;
	int fd = host_listen(&port);
	uint64_t refused = stats.conns_refused;
	unsigned int before = pxtcp_count();
	struct txseg t;

	close(fd); /* nothing listens there now */
	txcap_drain(TXCAP_FRAMES);
	CHECK_EQ(guest_syn(gateway, sport, port, 5000), SLOT_OK);
	TURN_UNTIL(txcap.n > 0);
	CHECK_EQ(txcap.n, 1);
	CHECK(txcap_tcp(0, &t));
	CHECK_EQ(t.flags, TG_TCP_RST | TG_TCP_ACK);
	CHECK_MEM(t.ip + 12, gateway, 4);
	CHECK_EQ(t.sport, port);
	CHECK_EQ(t.dport, sport);
	CHECK_EQ(t.ack, 5001);
	CHECK(t.sums_ok);
	CHECK_EQ(stats.conns_refused, refused + 1);
	turn(0);
	CHECK_EQ(pxtcp_count(), before);
}

static void denied_gets_rst(void)
{
	static const uint8_t private_dst[4] = { 10, 1, 2, 3 };
	uint64_t denied = stats.conns_denied;
	unsigned int before = pxtcp_count();
	struct txseg t;

	txcap_drain(TXCAP_FRAMES);
	CHECK_EQ(guest_syn(private_dst, 41002, 80, 6000), SLOT_OK);
	CHECK_EQ(txcap.n, 1); /* at once: no connect tried */
	CHECK(txcap_tcp(0, &t));
	CHECK_EQ(t.flags, TG_TCP_RST | TG_TCP_ACK);
	CHECK_MEM(t.ip + 12, private_dst, 4);
	CHECK_EQ(t.ack, 6001);
	CHECK_EQ(stats.conns_denied, denied + 1);
	CHECK_EQ(pxtcp_count(), before);
}

static void handshake_times_out(void)
{
	uint16_t port, sport = 41003;
	int lfd = host_listen(&port), hfd;
	unsigned int before = pxtcp_count();
	uint64_t now;
	int wait;
	char c;

	CHECK(lfd >= 0);
	if (lfd < 0)
		return;
	txcap_drain(TXCAP_FRAMES);
	CHECK_EQ(guest_syn(gateway, sport, port, 7000), SLOT_OK);
	TURN_UNTIL(txcap.n > 0); /* the SYN-ACK; the guest never answers */
	hfd = accept(lfd, NULL, NULL);
	now = loop_now_ms();
	wait = pxtcp_timeout_ms(now);
	CHECK(wait > 0 && wait <= 30000);
	pxtcp_run_timers(now + (uint64_t)wait);
	turn(0);
	CHECK_EQ(pxtcp_count(), before);
	CHECK_EQ(pxtcp_timeout_ms(now), -1);
	CHECK(hfd >= 0);
	CHECK_EQ(recv(hfd, &c, 1, 0), -1); /* the host side was reset */
	CHECK_EQ(errno, ECONNRESET);
	close(hfd);
	close(lfd);
}

int main(void)
{
	char msg[256];
	int err;

	config_defaults(&cfg);
	cfg.allow |= 1u << TG_G_HOST; /* --allow public,host */
	err = group_build(&groups, &cfg, NULL);
	polset_init(NULL);
	if (!err)
		err = polload_install(&cfg, NULL, &groups, msg, sizeof(msg));
	if (!err)
		err = loop_init();
	if (!err) {
		txcap_init(&cfg, &stats);
		err = stack_init(&cfg);
	}
	if (!err)
		err = pxtcp_init(&cfg, &groups, &stats);
	if (err) {
		fprintf(stderr, "test_splice: setup: %s\n", strerror(-err));
		return 1;
	}
	RUN(splice);
	RUN(refused_port_gets_rst);
	RUN(denied_gets_rst);
	RUN(handshake_times_out);
	pxtcp_fini();
	group_free(&groups);
	loop_fini();
	return check_summary();
}
