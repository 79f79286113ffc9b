// SPDX-License-Identifier: MIT
/*
 * test_stack.c - the lwIP glue (user/stack/stack.c) driven as lwIP's own
 * test/unit/tcp does: crafted guest segments go in through stack_input(),
 * and what lwIP sends comes out through gtx.c into the capture backend
 * (txcap.h), the fake netif. A listening pcb made with lwIP's raw API stands
 * for pxtcp's listener. Cases: a SYN gets a SYN-ACK with the right
 * addresses and MSS; the handshake and data reach the pcb, and the delayed
 * ACK comes from the timer; with no tx room lwIP keeps its data (ERR_MEM)
 * and sends it once there is room; a segment for no connection gets a RST;
 * the timer runs only while TCP pcbs exist and retransmits the SYN-ACK.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "lwip/priv/tcp_priv.h"
#include "lwip/tcp.h"

#include "control/config.h"
#include "stack/stack.h"
#include "check.h"
#include "txcap.h"

#define MTU 1280 /* not 1500, so that the MSS shows it was heeded */

static struct config cfg;
static struct tg_ustats stats;
static const uint8_t guest[4] = { 100, 96, 0, 2 };
static const uint8_t server[4] = { 93, 184, 216, 34 };
static struct tcp_pcb *accepted;
static uint8_t got[64];
static size_t ngot;

/* A guest segment to server:dport (a SYN carries MSS 1460), into lwIP. */
static int guest_send(uint16_t sport, uint16_t dport, uint32_t seq, uint32_t ack, uint8_t flags,
		      const char *data)
{
	static const uint8_t mss[4] = { 2, 4, 0x05, 0xb4 };
	size_t n = data ? strlen(data) : 0, h, len;
	uint8_t l4[128], f[256];

	h = tb_tcp(l4, sport, dport, seq, ack, flags, mss, flags & TG_TCP_SYN ? 4 : 0);
	memcpy(l4 + h, data ? data : "", n);
	len = tb_frame4(f, cfg.guest_mac, cfg.gw_mac, guest, server, TG_IPPROTO_TCP, l4, h + n);
	return stack_input(f + TG_ETH_HLEN, len - TG_ETH_HLEN);
}

static err_t on_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err)
{
	(void)arg;
	(void)err;
	if (!p)
		return ERR_OK;
	if (ngot + p->tot_len <= sizeof(got))
		ngot += pbuf_copy_partial(p, got + ngot, p->tot_len, 0);
	tcp_recved(pcb, p->tot_len);
	pbuf_free(p);
	return ERR_OK;
}

static err_t on_accept(void *arg, struct tcp_pcb *pcb, err_t err)
{
	(void)arg;
	(void)err;
	accepted = pcb;
	tcp_recv(pcb, on_recv);
	return ERR_OK;
}

static void listen_on(uint16_t port)
{
	struct tcp_pcb *pcb = tcp_new_ip_type(IPADDR_TYPE_V4);
	ip_addr_t addr;

	ip_addr_set_zero_ip4(&addr);
	memcpy(&ip_2_ip4(&addr)->addr, server, 4);
	if (!pcb || tcp_bind(pcb, &addr, port) != ERR_OK || !(pcb = tcp_listen(pcb))) {
		fprintf(stderr, "test_stack: cannot listen on port %u\n", port);
		return;
	}
	tcp_accept(pcb, on_accept);
}

/* Reset every connection lwIP holds (their RSTs are captured, then
 * forgotten), so each case starts from no TCP work. */
static void abort_all(void)
{
	while (tcp_active_pcbs)
		tcp_abort(tcp_active_pcbs);
	accepted = NULL;
	txcap_drain(TXCAP_FRAMES);
}

static void syn_gets_synack(void)
{
	struct txseg t;

	abort_all();
	CHECK_EQ(guest_send(40000, 80, 1000, 0, TG_TCP_SYN, NULL), 0);
	CHECK_EQ(txcap.n, 1);
	CHECK(txcap_tcp(0, &t));
	CHECK_MEM(txcap.frame[0], cfg.guest_mac, 6);
	CHECK_MEM(txcap.frame[0] + 6, cfg.gw_mac, 6);
	CHECK_MEM(t.ip + 12, server, 4);
	CHECK_MEM(t.ip + 16, guest, 4);
	CHECK_EQ(t.sport, 80);
	CHECK_EQ(t.dport, 40000);
	CHECK_EQ(t.flags, TG_TCP_SYN | TG_TCP_ACK);
	CHECK_EQ(t.ack, 1001);
	CHECK_EQ(txcap_mss(&t), MTU - 40);
	CHECK(t.sums_ok);
	CHECK(!accepted); /* not before the guest's ACK */
}

static void handshake_and_data(void)
{
	struct txseg t;
	uint32_t iss;
	uint64_t now = 1000000;

	abort_all();
	ngot = 0;
	guest_send(40001, 80, 1000, 0, TG_TCP_SYN, NULL);
	CHECK(txcap_tcp(0, &t));
	iss = t.seq;
	CHECK_EQ(guest_send(40001, 80, 1001, iss + 1, TG_TCP_ACK, NULL), 0);
	CHECK(accepted != NULL);
	CHECK_EQ(guest_send(40001, 80, 1001, iss + 1, TG_TCP_ACK | TG_TCP_PSH, "hello"), 0);
	CHECK_EQ(ngot, 5);
	CHECK_MEM(got, "hello", 5);
	/* lwIP delays that ACK to its next (fast) timer. */
	txcap_drain(TXCAP_FRAMES);
	stack_run_timers(now);
	stack_run_timers(now + TCP_TMR_INTERVAL);
	CHECK(txcap.n >= 1);
	CHECK(txcap_tcp(txcap.n - 1, &t));
	CHECK_EQ(t.flags, TG_TCP_ACK);
	CHECK_EQ(t.ack, 1006);
	CHECK_EQ(t.len, 0);
}

static void full_tx_keeps_data(void)
{
	struct txseg t;
	uint64_t full = stats.tx_ring_full, frames = stats.tx_frames;

	CHECK(accepted != NULL); /* from handshake_and_data */
	if (!accepted)
		return;
	txcap_drain(0);
	CHECK_EQ(tcp_write(accepted, "world", 5, TCP_WRITE_FLAG_COPY), ERR_OK);
	CHECK_EQ(tcp_output(accepted), ERR_MEM);
	CHECK_EQ(txcap.n, 0);
	CHECK_EQ(stats.tx_ring_full, full + 1);
	CHECK(gtx_waiting());
	txcap_drain(TXCAP_FRAMES);
	gtx_flush(); /* frames came free: no longer waiting */
	CHECK(!gtx_waiting());
	CHECK_EQ(tcp_output(accepted), ERR_OK);
	CHECK_EQ(txcap.n, 1);
	CHECK(txcap_tcp(0, &t));
	CHECK_EQ(t.len, 5);
	CHECK_MEM(t.data, "world", 5);
	CHECK(t.sums_ok);
	CHECK_EQ(stats.tx_frames, frames + 1);
}

static void unknown_connection_gets_rst(void)
{
	struct txseg t;

	abort_all();
	CHECK_EQ(guest_send(40002, 81, 7000, 12345, TG_TCP_ACK | TG_TCP_PSH, "x"), 0);
	CHECK_EQ(txcap.n, 1);
	CHECK(txcap_tcp(0, &t));
	CHECK_MEM(t.ip + 12, server, 4);
	CHECK_MEM(t.ip + 16, guest, 4);
	CHECK_EQ(t.sport, 81);
	CHECK_EQ(t.dport, 40002);
	CHECK_EQ(t.flags, TG_TCP_RST | TG_TCP_ACK);
	CHECK_EQ(t.seq, 12345);
	CHECK_EQ(t.ack, 7001);
	CHECK(t.sums_ok);
	txcap_drain(TXCAP_FRAMES);
	guest_send(40002, 81, 7001, 12345, TG_TCP_RST, NULL); /* never answered */
	CHECK_EQ(txcap.n, 0);
	CHECK_EQ(stack_input((const uint8_t *)"short", 5), -EINVAL);
}

static void timers(void)
{
	uint64_t now = 2000000;
	struct txseg t;
	uint32_t iss;
	int waited = 0;

	abort_all();
	stack_run_timers(now);
	CHECK_EQ(stack_timeout_ms(now), -1); /* no TCP work: sleep */
	guest_send(40003, 80, 3000, 0, TG_TCP_SYN, NULL);
	CHECK(txcap_tcp(0, &t));
	iss = t.seq;
	CHECK_EQ(stack_timeout_ms(now), 0); /* arm from the next loop turn */
	stack_run_timers(now);
	CHECK_EQ(stack_timeout_ms(now), TCP_TMR_INTERVAL);
	CHECK_EQ(stack_timeout_ms(now + 100), TCP_TMR_INTERVAL - 100);
	while (txcap.n == 1 && waited < 10000) {
		waited += TCP_TMR_INTERVAL;
		stack_run_timers(now + (uint64_t)waited);
	}
	CHECK_EQ(txcap.n, 2); /* the SYN-ACK again, after the RTO */
	CHECK(waited >= 1000);
	CHECK(txcap_tcp(1, &t));
	CHECK_EQ(t.flags, TG_TCP_SYN | TG_TCP_ACK);
	CHECK_EQ(t.seq, iss);
	abort_all();
	stack_run_timers(now + (uint64_t)waited);
	CHECK_EQ(stack_timeout_ms(now + (uint64_t)waited), -1);
}

int main(void)
{
	config_defaults(&cfg);
	cfg.mtu = MTU;
	txcap_init(&cfg, &stats);
	if (stack_init(&cfg)) {
		fprintf(stderr, "test_stack: stack_init failed\n");
		return 1;
	}
	listen_on(80);
	RUN(syn_gets_synack);
	RUN(handshake_and_data);
	RUN(full_tx_keeps_data);
	RUN(unknown_connection_gets_rst);
	RUN(timers);
	return check_summary();
}
