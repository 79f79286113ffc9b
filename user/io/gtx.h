/* SPDX-License-Identifier: MIT */
/*
 * gtx.h - guest tx: the one path every frame towards the guest takes.
 * lwIP's output (stack.c), the relays' packets (ip4out), held ACKs
 * (ackcoal), ARP and echo replies and resets (reply.c) all go through these
 * functions; only they touch
 * the tx frames, count them and decide what a full ring means (gtx.c says
 * who owns each frame when). Event-loop thread only.
 */
#ifndef TAPGATE_GTX_H
#define TAPGATE_GTX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ustats.h"

struct config;
struct slot;
struct umem;

/*
 * Where tx frames come from and go: the UMEM in the daemon, memory in the
 * unit tests (the one seam below this module). lend() must not take the
 * frame off its free list: a lent frame that is never sent stays free, and
 * lending again before send() returns the same frame.
 */
struct gtx_backend {
	void *ctx;
	uint32_t frame_size;
	uint8_t *(*lend)(void *ctx, uint64_t *addr);	     /* NULL when none is free */
	int (*send)(void *ctx, uint64_t addr, uint32_t len); /* 0 or -ENOBUFS */
	void (*kick)(void *ctx);			     /* send queued, reap completed */
	/* Frames of frame_size bytes that fit the free room beyond @reserve
	 * chunks (the UMEM's unit: a frame of frame_size may take several). */
	uint32_t (*room)(void *ctx, uint32_t reserve);
	bool (*stalled)(void *ctx); /* the kernel pushed back */
};

/* Builds a whole Ethernet frame answering @s into @out; 0 for no reply. */
typedef size_t (*gtx_build_fn)(const struct slot *s, const struct config *cfg, uint8_t *out,
			       size_t cap);

#define GTX_RESERVE 64 /* short tx frames (UMEM chunks) gtx_room() keeps for lwIP and replies */

struct gtx_backend gtx_umem_backend(struct umem *u);
void gtx_init(const struct config *cfg, struct tg_ustats *st, const struct gtx_backend *be);
uint8_t *gtx_begin(uint16_t ethertype, size_t *cap);
int gtx_commit(size_t l3_len);
uint32_t gtx_room(void);
uint8_t *gtx_tcp_segment(uint16_t ethertype, const uint8_t *ip, size_t iphl, size_t thl,
			 size_t paylen);
int gtx_send_ip(const uint8_t *ip, size_t len);
uint8_t *gtx_lend_frame(size_t *cap);
int gtx_commit_frame(size_t len);
int gtx_reply(gtx_build_fn build, const struct slot *s);
bool gtx_flush(void);
bool gtx_waiting(void);

#endif
