// SPDX-License-Identifier: MIT
/*
 * splice.c - the bytes of a guest TCP connection and its host socket, both
 * ways (splice.h).
 *
 * Theory of operation. Guest data lwIP delivered sits in sp->toh (pbufs,
 * ours) until the host socket takes it, and only then is it acknowledged
 * to lwIP with tcp_recved(), so lwIP's receive window is the flow control
 * towards the guest. It is written once per rx batch (splice_flush_all()),
 * not once per segment. Host data is read only while lwIP has send room; a
 * read that lwIP then cannot queue waits in sp->tog. A filter, when there
 * is one, decides which guest bytes go on (sp->pass counts those it
 * cleared) and takes every host byte read, passing on what it will.
 *
 * Ownership: the owner (pxtcp.c) owns the host fd and the splice's memory;
 * the splice holds the pcb from splice_start() until both FINs have
 * crossed or it is reset (lwIP owns the pcb's memory: the err callback
 * says it is gone). Everything runs on the event-loop thread; lwIP
 * callbacks run inside stack_input(), tcp_output() or the TCP timer.
 *
 * Close state: one state per pair (guest side, host side). The guest side
 * goes open -> fin (its FIN came; its bytes may still wait) -> done (all
 * of them and the FIN passed to the host); the host side goes open -> eof
 * (read returned 0; our FIN waits until queued bytes and lwIP allow) ->
 * done (our FIN is queued). Events and where they come from:
 *
 *   GUEST_FIN      lwIP delivered the guest's FIN (on_recv)
 *   GUEST_DRAINED  every guest byte written after its FIN (flush); the
 *                  host socket is shut for writing then, unless our FIN
 *                  is out already (the owner's close() sends it)
 *   HOST_EOF       the host socket read returned 0 (host_read)
 *   FIN_QUEUED     tcp_shutdown() took our FIN (send_fin)
 *   RESET          an error on either side, a filter's reject, the
 *                  owner's splice_reset(), or lwIP freeing the pcb
 *
 *   state            guest  host   GUEST_FIN     DRAINED      HOST_EOF     FIN_QUEUED
 *   OPEN             open   open   GUEST_FIN     -            HOST_EOF     -
 *   GUEST_FIN        fin    open   -             GUEST_DONE   BOTH_FIN     -
 *   GUEST_DONE       done   open   -             -            LAST_FIN     -
 *   HOST_EOF         open   eof    BOTH_FIN      -            -            HOST_DONE
 *   HOST_DONE        open   done   FINS_CROSSED  -            -            -
 *   BOTH_FIN         fin    eof    -             LAST_FIN     -            FINS_CROSSED
 *   FINS_CROSSED     fin    done   -             CLOSED       -            -
 *   LAST_FIN         done   eof    -             -            -            CLOSED
 *   CLOSED, RESET    final
 *
 * RESET is reached from every state but the final ones. Entering
 * FINS_CROSSED or CLOSED gives the pcb back to lwIP (tcp_close(), which
 * cannot fail with no FIN left to queue): nothing more goes to the guest
 * or comes from it, and kept longer the pcb would reach TIME_WAIT, where
 * lwIP (and stack.c's drop_timewait()) frees it without calling the err
 * callback, leaving us a freed pcb (test_close_race). Entering RESET
 * detaches the pcb, aborts it (RST to the guest) and arms SO_LINGER 0 so
 * the owner's close() resets the host. Entering either final state tells
 * the owner, once.
 *
 * Apart from the close state, sp->rx says how far the host socket may be
 * read (edge-triggered): idle until an edge, then to a short read or
 * EAGAIN, or on to EOF once its FIN was signalled (EPOLLRDHUP).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "lwip/tcp.h"

#include "control/log.h"
#include "proxy/hostsock.h"
#include "proxy/splice.h"
#include "stack/stack.h"

enum sp_event {
	SPE_GUEST_FIN,
	SPE_GUEST_DRAINED,
	SPE_HOST_EOF,
	SPE_FIN_QUEUED,
	SPE_RESET,
	SPE__EVENTS
};

/* The table above. SP_OPEN is never entered again, so 0 marks an event
 * that cannot happen in that state. Columns: GUEST_FIN, GUEST_DRAINED,
 * HOST_EOF, FIN_QUEUED, RESET. */
static const uint8_t next_state[SP__STATES][SPE__EVENTS] = {
	[SP_OPEN] = { SP_GUEST_FIN, 0, SP_HOST_EOF, 0, SP_RESET },
	[SP_GUEST_FIN] = { 0, SP_GUEST_DONE, SP_BOTH_FIN, 0, SP_RESET },
	[SP_GUEST_DONE] = { 0, 0, SP_LAST_FIN, 0, SP_RESET },
	[SP_HOST_EOF] = { SP_BOTH_FIN, 0, 0, SP_HOST_DONE, SP_RESET },
	[SP_HOST_DONE] = { SP_FINS_CROSSED, 0, 0, 0, SP_RESET },
	[SP_BOTH_FIN] = { 0, SP_LAST_FIN, 0, SP_FINS_CROSSED, SP_RESET },
	[SP_FINS_CROSSED] = { 0, SP_CLOSED, 0, 0, SP_RESET },
	[SP_LAST_FIN] = { 0, 0, 0, SP_CLOSED, SP_RESET },
};

/* Each side of a state: SIDE_FIN is "the guest's FIN came" for the guest
 * side and "the host's EOF was read" for the host side. */
enum side { SIDE_OPEN, SIDE_FIN, SIDE_DONE };

static const struct {
	const char *name;
	uint8_t guest, host;
} info[SP__STATES] = {
	[SP_OPEN] = { "open", SIDE_OPEN, SIDE_OPEN },
	[SP_GUEST_FIN] = { "guest-fin", SIDE_FIN, SIDE_OPEN },
	[SP_GUEST_DONE] = { "guest-done", SIDE_DONE, SIDE_OPEN },
	[SP_HOST_EOF] = { "host-eof", SIDE_OPEN, SIDE_FIN },
	[SP_HOST_DONE] = { "host-done", SIDE_OPEN, SIDE_DONE },
	[SP_BOTH_FIN] = { "both-fin", SIDE_FIN, SIDE_FIN },
	[SP_FINS_CROSSED] = { "fins-crossed", SIDE_FIN, SIDE_DONE },
	[SP_LAST_FIN] = { "last-fin", SIDE_DONE, SIDE_FIN },
	[SP_CLOSED] = { "closed", SIDE_DONE, SIDE_DONE },
	[SP_RESET] = { "reset", SIDE_DONE, SIDE_DONE },
};

static struct tg_ustats *st;
static struct splice *dirty_list; /* guest data queued, written by splice_flush_all() */
/* Host reads; at most 0xffff, since tcp_write() takes a u16_t length. */
static uint8_t iobuf[0xffff];

static int flush(struct splice *sp);

static bool is_final(const struct splice *sp)
{
	return sp->state == SP_CLOSED || sp->state == SP_RESET;
}

/* The host may still send: reading goes on. */
static bool host_open(const struct splice *sp)
{
	return info[sp->state].host == SIDE_OPEN && !is_final(sp);
}

/**
 * splice_init() - Remember where the counters are
 * @stats: counters (bytes both ways)
 */
void splice_init(struct tg_ustats *stats)
{
	st = stats;
}

static void detach_pcb(struct tcp_pcb *pcb)
{
	tcp_arg(pcb, NULL);
	tcp_recv(pcb, NULL);
	tcp_sent(pcb, NULL);
	tcp_err(pcb, NULL);
	tcp_poll(pcb, NULL, 0);
}

/* Both FINs crossed: lwIP finishes the guest side by itself. */
static void give_back_pcb(struct splice *sp)
{
	if (!sp->pcb)
		return;
	detach_pcb(sp->pcb);
	tcp_close(sp->pcb);
	sp->pcb = NULL;
}

static void reset_both(struct splice *sp)
{
	struct tcp_pcb *pcb = sp->pcb;

	sp->pcb = NULL;
	if (pcb)
		detach_pcb(pcb);
	if (sp->fd >= 0)
		hostsock_set_reset(sp->fd);
	sp->end(sp);
	if (pcb)
		tcp_abort(pcb);
}

/* The one place the close state changes (see the table at the top). */
static void step(struct splice *sp, enum sp_event ev)
{
	enum splice_state from = sp->state, to = SP_OPEN;

	if (from < SP__STATES && ev < SPE__EVENTS)
		to = next_state[from][ev];
	if (to == SP_OPEN) {
		log_dbg("splice: event %d in state %s ignored", (int)ev, info[from].name);
		return;
	}
	sp->state = to;
	if (ev == SPE_GUEST_DRAINED && to != SP_CLOSED)
		shutdown(sp->fd, SHUT_WR);
	switch (to) {
	case SP_FINS_CROSSED:
		give_back_pcb(sp);
		break;
	case SP_CLOSED:
		give_back_pcb(sp);
		sp->end(sp);
		break;
	case SP_RESET:
		reset_both(sp);
		break;
	default:
		break;
	}
}

/**
 * splice_reset() - Reset both sides: RST to the guest and to the host
 * @sp: a started splice
 *
 * The owner is told (its end callback) before this returns.
 */
void splice_reset(struct splice *sp)
{
	if (!is_final(sp))
		step(sp, SPE_RESET);
}

/* ---- guest -> host */

/*
 * Queue guest data lwIP delivered. sp->toh is linked through the pbufs' own
 * next pointers, but it is not a pbuf chain in lwIP's sense: pbuf_cat()
 * would walk the whole queue (up to a 128 KiB window, ~90 pbufs) for every
 * segment to fix each tot_len (3 % of the CPU in a guest->host profile),
 * and a u16 tot_len cannot count past 64 KiB anyway. So the tail and the
 * byte count are kept here, and only pbuf functions that go by each
 * pbuf's len (pbuf_free_header, pbuf_copy_partial) touch the queue.
 */
static void toh_append(struct splice *sp, struct pbuf *p)
{
	struct pbuf *last = p;
	uint32_t n = p->len;

	for (; last->next; last = last->next)
		n += last->next->len;
	if (sp->toh)
		sp->toh_tail->next = p;
	else
		sp->toh = p;
	sp->toh_tail = last;
	sp->toh_len += n;
}

/**
 * splice_guest_take() - Drop guest bytes at the head; open lwIP's window
 * @sp: splice
 * @n:  bytes, at most splice_guest_len()
 *
 * Written and filtered-out bytes alike leave this way.
 */
void splice_guest_take(struct splice *sp, uint32_t n)
{
	sp->toh_len -= n;
	while (n) {
		u16_t chunk = (u16_t)(n > 0xffff ? 0xffff : n);

		sp->toh = pbuf_free_header(sp->toh, chunk);
		if (sp->pcb)
			tcp_recved(sp->pcb, chunk);
		n -= chunk;
	}
	if (!sp->toh)
		sp->toh_tail = NULL;
}

/* Guest bytes queued for the host (cleared or not). */
uint32_t splice_guest_len(const struct splice *sp)
{
	return sp->toh_len;
}

/**
 * splice_guest_peek() - Copy the first @len queued guest bytes
 * @sp:  splice
 * @buf: where they go
 * @len: at most splice_guest_len() and 0xffff
 */
void splice_guest_peek(const struct splice *sp, uint8_t *buf, uint32_t len)
{
	pbuf_copy_partial(sp->toh, buf, (u16_t)len, 0);
}

/* The guest has sent its FIN: no more bytes will come. */
bool splice_guest_ended(const struct splice *sp)
{
	return info[sp->state].guest != SIDE_OPEN;
}

/* Bytes for the guest wait for lwIP's room (splice_to_guest() said 1). */
bool splice_guest_blocked(const struct splice *sp)
{
	return sp->tog_len != 0;
}

/* How many queued bytes may go to the host now; 0 when held. */
static long cleared(struct splice *sp)
{
	long r;

	if (!sp->filter)
		return sp->toh_len;
	if (!sp->pass) {
		r = sp->filter->from_guest(sp->fctx, sp);
		if (r <= 0)
			return r;
		sp->pass = (uint32_t)r;
	}
	return sp->pass;
}

/**
 * flush() - Write queued guest data to the host socket
 * @sp: started splice
 *
 * Return: 0, or -ECONNABORTED when the splice was reset (the caller, if
 * an lwIP callback, must return ERR_ABRT)
 */
static int flush(struct splice *sp)
{
	while (sp->toh) {
		struct iovec iov[32];
		long limit = cleared(sp);
		int n = 0;
		ssize_t w;

		if (limit < 0) {
			log_dbg("splice: the filter rejected guest bytes: %s",
				strerror((int)-limit));
			splice_reset(sp);
			return -ECONNABORTED;
		}
		if (!limit)
			break; /* held by the filter */
		for (struct pbuf *q = sp->toh; q && n < 32 && limit; q = q->next)
			if (q->len) {
				iov[n].iov_base = q->payload;
				iov[n].iov_len = q->len < (size_t)limit ? q->len : (size_t)limit;
				limit -= (long)iov[n++].iov_len;
			}
		w = writev(sp->fd, iov, n);
		if (w < 0 && errno == EAGAIN)
			return 0; /* EPOLLOUT (edge) calls us again */
		if (w < 0) {
			log_dbg("host write: %s; resetting the guest connection", strerror(errno));
			splice_reset(sp);
			return -ECONNABORTED;
		}
		st->bytes_to_host += (uint64_t)w;
		sp->to_host += (uint64_t)w;
		if (sp->filter)
			sp->pass -= (uint32_t)w;
		splice_guest_take(sp, (uint32_t)w);
	}
	if (!sp->toh && info[sp->state].guest == SIDE_FIN && !is_final(sp))
		step(sp, SPE_GUEST_DRAINED);
	return 0;
}

static err_t on_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err)
{
	struct splice *sp = arg;

	(void)pcb;
	if (!sp || err != ERR_OK) { /* err: not produced by lwIP 2.1; be safe */
		if (p)
			pbuf_free(p);
		return ERR_OK;
	}
	if (!p)
		step(sp, SPE_GUEST_FIN);
	else
		toh_append(sp, p); /* bounded by lwIP's receive window */
	/* Written once the rx batch is done (splice_flush_all()): one writev
	 * for many segments, not a syscall and a loopback segment for each. */
	if (!sp->dirty) {
		sp->dirty = true;
		sp->dnext = dirty_list;
		dirty_list = sp;
	}
	return ERR_OK;
}

/**
 * splice_flush_all() - Write the guest data of this rx batch to the hosts
 *
 * Called by the event loop after a batch of guest frames, outside lwIP,
 * and before the owners free ended splices (none stays on the list).
 */
void splice_flush_all(void)
{
	while (dirty_list) {
		struct splice *sp = dirty_list;

		dirty_list = sp->dnext;
		sp->dirty = false;
		if (!is_final(sp))
			flush(sp);
	}
}

/* ---- host -> guest */

/* Bytes lwIP can queue now: send buffer and segment-count limits. */
static size_t guest_room(const struct tcp_pcb *pcb)
{
	size_t room = tcp_sndbuf(pcb);
	int segs = TCP_SND_QUEUELEN - (int)tcp_sndqueuelen(pcb) - 2;
	size_t by_segs = segs > 0 ? (size_t)segs * tcp_mss(pcb) : 0;

	if (stack_write_would_misplace(pcb))
		return 0; /* a retransmission waits at the queue's tail */
	return room < by_segs ? room : by_segs;
}

/**
 * splice_to_guest() - Queue bytes for the guest in lwIP
 * @sp:  splice
 * @buf: bytes
 * @n:   at most 0xffff
 *
 * What lwIP cannot take now is copied and kept, and goes first once lwIP
 * has room: until then (splice_guest_blocked()) nothing else may be queued.
 *
 * Return: 0 when queued, 1 when kept, or a negative errno
 */
int splice_to_guest(struct splice *sp, const uint8_t *buf, size_t n)
{
	err_t err;

	if (!sp->pcb || is_final(sp))
		return -EIO; /* our FIN is out: nothing more can reach the guest */
	if (sp->tog_len && buf != sp->tog)
		return -EBUSY;
	err = stack_write_would_misplace(sp->pcb)
		      ? ERR_MEM
		      : tcp_write(sp->pcb, buf, (u16_t)n, TCP_WRITE_FLAG_COPY);
	if (err == ERR_OK) {
		st->bytes_to_guest += n;
		sp->to_guest += n;
		return 0;
	}
	if (err != ERR_MEM)
		return -EIO;
	if (buf != sp->tog) {
		sp->tog = malloc(n);
		if (!sp->tog)
			return -ENOMEM;
		memcpy(sp->tog, buf, n);
	}
	sp->tog_len = (uint32_t)n;
	return 1;
}

/* What lwIP could not take before, now that it may have room. */
static int push_leftover(struct splice *sp)
{
	int r;

	if (guest_room(sp->pcb) < sp->tog_len)
		return 1;
	r = splice_to_guest(sp, sp->tog, sp->tog_len);
	if (r)
		return r;
	free(sp->tog);
	sp->tog = NULL;
	sp->tog_len = 0;
	return 0;
}

/*
 * One non-blocking read of the host socket. Returns the bytes read, 0 when
 * there is nothing more for now (EAGAIN, a short read, or EOF, which moves
 * the close state), or -errno. A short read emptied the socket and new data
 * brings a new edge, but a FIN already signalled (SP_RX_TO_EOF) does not:
 * then reading goes on to EOF.
 */
static ssize_t host_read(struct splice *sp, uint8_t *buf, size_t len)
{
	ssize_t n = recv(sp->fd, buf, len, MSG_DONTWAIT);

	if (n == 0) {
		sp->rx = SP_RX_IDLE;
		step(sp, SPE_HOST_EOF);
		return 0;
	}
	if (n < 0) {
		if (errno != EAGAIN)
			return -errno;
		sp->rx = SP_RX_IDLE;
		return 0;
	}
	if ((size_t)n < len && sp->rx == SP_RX_READY)
		sp->rx = SP_RX_IDLE;
	return n;
}

/* Host bytes straight into lwIP while it has room. */
static int pull_plain(struct splice *sp)
{
	while (sp->rx != SP_RX_IDLE && host_open(sp)) {
		size_t room = guest_room(sp->pcb);
		ssize_t n;
		int r;

		if (room == 0)
			return 0;
		if (room > sizeof(iobuf))
			room = sizeof(iobuf);
		n = host_read(sp, iobuf, room);
		if (n <= 0)
			return (int)n;
		r = splice_to_guest(sp, iobuf, (size_t)n);
		if (r)
			return r;
	}
	return 0;
}

/* Host bytes through the filter, as much as it can hold. */
static int pull_filtered(struct splice *sp)
{
	const struct splice_filter *f = sp->filter;
	int r = f->from_host(sp->fctx, sp, NULL, 0);

	while (!r && !sp->tog_len && sp->rx != SP_RX_IDLE && host_open(sp)) {
		size_t room = f->host_room(sp->fctx);
		ssize_t n;

		if (room == 0)
			break;
		if (room > sizeof(iobuf))
			room = sizeof(iobuf);
		n = host_read(sp, iobuf, room);
		if (n <= 0) {
			r = (int)n;
			break;
		}
		r = f->from_host(sp->fctx, sp, iobuf, (size_t)n);
	}
	if (r < 0)
		return r;
	/* Guest bytes the filter held while the guest side was full. */
	if (sp->toh && !sp->tog_len)
		return flush(sp);
	return 0;
}

/* The host's EOF was read: our FIN goes once nothing waits before it. */
static void send_fin(struct splice *sp)
{
	if (info[sp->state].host != SIDE_FIN || is_final(sp) || sp->tog_len || !sp->pcb)
		return;
	if (tcp_shutdown(sp->pcb, 0, 1) == ERR_OK)
		step(sp, SPE_FIN_QUEUED);
}

/**
 * pull() - Move host bytes into lwIP while it has room
 * @sp: started splice
 *
 * Reading stops when lwIP's send buffer is full; the sent callback resumes
 * it. sp->rx remembers an unconsumed edge of the host socket.
 */
static void pull(struct splice *sp)
{
	int r = 0;

	if (sp->tog_len)
		r = push_leftover(sp);
	if (!r)
		r = sp->filter ? pull_filtered(sp) : pull_plain(sp);
	if (is_final(sp))
		return;
	if (r < 0) {
		log_dbg("host side: %s; resetting both sides", strerror(-r));
		splice_reset(sp);
		return;
	}
	send_fin(sp);
	if (sp->pcb)
		tcp_output(sp->pcb);
}

static err_t on_sent(void *arg, struct tcp_pcb *pcb, u16_t len)
{
	struct splice *sp = arg;

	(void)pcb;
	(void)len;
	if (!sp)
		return ERR_OK;
	pull(sp);
	return sp->state == SP_RESET ? ERR_ABRT : ERR_OK;
}

static void on_err(void *arg, err_t err)
{
	struct splice *sp = arg;

	if (!sp)
		return;
	log_dbg("guest connection ended by lwIP (error %d)", (int)err);
	sp->pcb = NULL; /* freed by lwIP */
	splice_reset(sp);
}

/* lwIP's slow timer: a FIN that found no memory is tried again. */
static err_t on_poll(void *arg, struct tcp_pcb *pcb)
{
	struct splice *sp = arg;

	if (!sp) {
		tcp_poll(pcb, NULL, 0);
		return ERR_OK;
	}
	send_fin(sp);
	return ERR_OK;
}

/* ---- start, events, end */

static void tune_pcb(struct tcp_pcb *pcb)
{
	tcp_nagle_disable(pcb);
	ip_set_option(pcb, SOF_KEEPALIVE);
	pcb->keep_idle = SPLICE_KEEP_IDLE_S * 1000;
	pcb->keep_intvl = SPLICE_KEEP_INTVL_S * 1000;
	pcb->keep_cnt = SPLICE_KEEP_CNT;
}

/**
 * splice_host_seen() - Remember what epoll said about the host socket
 * @sp:     splice, started or not
 * @events: epoll events
 *
 * Called first for every event: a server that speaks (and closes) at once
 * can have its bytes in the very event that completes the connect, and an
 * edge-triggered socket will not say so again.
 */
void splice_host_seen(struct splice *sp, uint32_t events)
{
	if (events & (EPOLLRDHUP | EPOLLHUP | EPOLLERR))
		sp->rx = SP_RX_TO_EOF;
	else if ((events & EPOLLIN) && sp->rx == SP_RX_IDLE)
		sp->rx = SP_RX_READY;
}

/**
 * splice_start() - Both ends exist: start moving bytes
 * @sp:   zeroed splice (splice_host_seen() may have run)
 * @pcb:  the guest's pcb, just accepted; the splice sets its callbacks
 * @fd:   the host socket, connected (owned by the caller)
 * @f:    stream filter, or NULL
 * @fctx: the filter's state, zeroed
 * @end:  told once when the splice is closed or reset
 *
 * Called from lwIP's accept callback (event-loop thread).
 *
 * Return: 0, or -ECONNABORTED when it was reset at once (the accept
 * callback must return ERR_ABRT)
 */
int splice_start(struct splice *sp, struct tcp_pcb *pcb, int fd, const struct splice_filter *f,
		 void *fctx, splice_end_fn end)
{
	sp->state = SP_OPEN;
	sp->pcb = pcb;
	sp->fd = fd;
	sp->filter = f;
	sp->fctx = fctx;
	sp->end = end;
	hostsock_tune(fd, SPLICE_KEEP_IDLE_S, SPLICE_KEEP_INTVL_S, SPLICE_KEEP_CNT);
	tcp_arg(pcb, sp);
	tcp_recv(pcb, on_recv);
	tcp_sent(pcb, on_sent);
	tcp_err(pcb, on_err);
	tcp_poll(pcb, on_poll, 4);
	tune_pcb(pcb);
	pull(sp); /* the host may have spoken first */
	return sp->state == SP_RESET ? -ECONNABORTED : 0;
}

/**
 * splice_host_event() - The host socket of a started splice woke epoll
 * @sp:     splice
 * @events: epoll events (splice_host_seen() has run)
 */
void splice_host_event(struct splice *sp, uint32_t events)
{
	if (is_final(sp))
		return;
	if (events & (EPOLLOUT | EPOLLERR))
		flush(sp);
	if (!is_final(sp))
		pull(sp);
}

/**
 * splice_output() - The tx ring had room again: let lwIP send, read on
 * @sp: started splice
 */
void splice_output(struct splice *sp)
{
	if (is_final(sp) || !sp->pcb)
		return;
	tcp_output(sp->pcb);
	if (sp->rx != SP_RX_IDLE)
		pull(sp);
}

/**
 * splice_free() - Free what an ended (or never started) splice holds
 * @sp: splice, not on the dirty list (splice_flush_all() ran)
 *
 * Does not close the host fd: that is the owner's.
 */
void splice_free(struct splice *sp)
{
	if (sp->toh)
		pbuf_free(sp->toh);
	sp->toh = NULL;
	free(sp->tog);
	sp->tog = NULL;
	if (sp->filter && sp->filter->end)
		sp->filter->end(sp->fctx);
	sp->filter = NULL;
}
