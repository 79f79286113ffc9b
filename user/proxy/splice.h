/* SPDX-License-Identifier: MIT */
/*
 * splice.h - move the bytes of one guest TCP connection (an lwIP pcb) and
 * its host socket both ways, with flow control, half-close and reset, and
 * an optional stream filter in between. Whoever set the connection up
 * (connect-first in pxtcp.c; later, accept-first for published ports)
 * embeds a struct splice, starts it once both ends exist, and is told
 * once when it has ended. Everything here is for the event-loop thread.
 */
#ifndef TAPGATE_SPLICE_H
#define TAPGATE_SPLICE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ustats.h"

struct pbuf;
struct tcp_pcb;
struct splice;

/* Keepalive on both ends, so that a vanished peer does not pin a splice. */
#define SPLICE_KEEP_IDLE_S  60
#define SPLICE_KEEP_INTVL_S 10
#define SPLICE_KEEP_CNT	    6

/* Close state (see splice.c's opening comment for the transitions). */
enum splice_state {
	SP_OPEN = 0,	 /* both ways open */
	SP_GUEST_FIN,	 /* guest FIN in; its last bytes still going to the host */
	SP_GUEST_DONE,	 /* guest bytes and FIN passed on; the host still sends */
	SP_HOST_EOF,	 /* host EOF read; our FIN waits for queued bytes or memory */
	SP_HOST_DONE,	 /* our FIN is queued to the guest; the guest still sends */
	SP_BOTH_FIN,	 /* guest FIN in and host EOF read; both still draining */
	SP_FINS_CROSSED, /* both FINs crossed: pcb back to lwIP; guest bytes draining */
	SP_LAST_FIN,	 /* guest side done; only our FIN to the guest is left */
	SP_CLOSED,	 /* both ways done (final) */
	SP_RESET,	 /* reset both ways (final) */
	SP__STATES
};

/* How far the host socket may be read before epoll speaks again. */
enum splice_rx {
	SP_RX_IDLE = 0, /* drained: wait for the next edge */
	SP_RX_READY,	/* an edge: read until a short read or EAGAIN */
	SP_RX_TO_EOF,	/* its FIN was signalled: read on to EOF */
};

/*
 * A stream filter: sees the bytes of both directions before they go on.
 * Every callback runs on the event-loop thread, possibly inside lwIP.
 * A filter that rejects returns a negative errno; the splice then resets
 * both sides. The filter counts its rejects itself.
 */
struct splice_filter {
	/*
	 * Guest bytes are queued (splice_guest_len()) and none is cleared
	 * for the host. Look at them (splice_guest_peek()); answer or drop
	 * some (splice_to_guest(), splice_guest_take()). Return how many
	 * bytes at the head may go to the host, 0 to hold the rest until
	 * more come or the guest side has room again, or a negative errno.
	 * After the guest's FIN (splice_guest_ended()) nothing more comes:
	 * hold only for room, take what can never be whole.
	 */
	long (*from_guest)(void *ctx, struct splice *sp);
	/*
	 * @n host bytes at @buf (n == 0: nothing new, the guest side has
	 * room again). The filter takes all of them: it passes on what may
	 * go with splice_to_guest() until that returns 1, and keeps the
	 * rest. Return 0, or a negative errno.
	 */
	int (*from_host)(void *ctx, struct splice *sp, const uint8_t *buf, size_t n);
	/* Host bytes the filter can take now; 0 stops reading the host. */
	size_t (*host_room)(void *ctx);
	/* The splice is gone: free what the filter holds. */
	void (*end)(void *ctx);
};

/* The owner's callback, once: the splice reached SP_CLOSED or SP_RESET. */
typedef void (*splice_end_fn)(struct splice *sp);

/* Fields are splice.c's; owners only embed the struct and zero it. */
struct splice {
	enum splice_state state;
	enum splice_rx rx;
	struct tcp_pcb *pcb; /* NULL before splice_start() and once given back */
	int fd;
	bool dirty;	      /* on the dirty list: guest data to write */
	struct splice *dnext; /* dirty list */
	struct pbuf *toh;     /* guest -> host, not yet written (see toh_append) */
	struct pbuf *toh_tail;
	uint32_t toh_len;
	uint32_t pass; /* guest bytes the filter cleared, not yet written */
	uint8_t *tog;  /* host -> guest bytes lwIP could not take yet */
	uint32_t tog_len;
	const struct splice_filter *filter;
	void *fctx;
	splice_end_fn end;
	uint64_t to_host, to_guest; /* bytes, for the flow listing */
};

void splice_init(struct tg_ustats *stats);
void splice_host_seen(struct splice *sp, uint32_t events);
int splice_start(struct splice *sp, struct tcp_pcb *pcb, int fd, const struct splice_filter *f,
		 void *fctx, splice_end_fn end);
void splice_host_event(struct splice *sp, uint32_t events);
void splice_output(struct splice *sp);
void splice_flush_all(void);
void splice_reset(struct splice *sp);
void splice_free(struct splice *sp);

/* For filters. */
uint32_t splice_guest_len(const struct splice *sp);
void splice_guest_peek(const struct splice *sp, uint8_t *buf, uint32_t len);
void splice_guest_take(struct splice *sp, uint32_t n);
bool splice_guest_ended(const struct splice *sp);
bool splice_guest_blocked(const struct splice *sp);
int splice_to_guest(struct splice *sp, const uint8_t *buf, size_t n);

#endif
