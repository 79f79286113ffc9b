// SPDX-License-Identifier: MIT
/*
 * umem.c - AF_XDP rings in copy mode with need_wakeup (see umem.h for who
 * owns which frame). Ring work is batched as in the kernel's xsk samples:
 * peek many rx descriptors, release once, refill the fill ring in one go,
 * and kick tx once per loop turn. The sockets are bound with multi-buffer
 * (XDP_USE_SG) where the kernel has it (Linux 6.6): a frame longer than a
 * chunk then comes as a chain of descriptors, all but the last flagged
 * XDP_PKT_CONTD, as in the kernel's xsk selftests; tx chains are built the
 * same way.
 */
#include <errno.h>
#include <linux/if_xdp.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "control/log.h"
#include "steer.h"
#include "io/rxq.h"
#include "io/umem.h"
#include "wire.h"

/*
 * A region (each queue's rx, and tx): 256 chunks, 512 KiB pinned with
 * 2048-byte chunks, all of it resident even idle. 256 rx frames hold about
 * 2 ms of this path's peak rate; 512 measured no faster (iperf3, all four
 * TCP columns within run-to-run noise).
 */
#ifndef UMEM_RING_FRAMES
#define UMEM_RING_FRAMES 256
#endif
/* The tx region with one-chunk frames (MTU up to 1790): 128 chunks. A
 * pinned 256 KiB less per daemon (issue 13's density); h>g TCP measured
 * the same (iperf3 through a veth, 4 alternating runs each: x1 median 4.22
 * vs 4.17 Gbit/s, x4 3.78 vs 3.78), while 128 rx chunks cost g>h x4 half
 * its rate. Jumbo frames span chunks: their tx region keeps 256. */
#ifndef UMEM_TX_FRAMES
#define UMEM_TX_FRAMES 128
#endif

/* Not in the uapi headers of Debian 12 (Linux 6.1); values from 6.6. */
#ifndef XDP_USE_SG
#define XDP_USE_SG (1 << 4)
#endif
#ifndef XDP_PKT_CONTD
#define XDP_PKT_CONTD (1 << 0)
#endif

#define UMEM_HEADROOM 256   /* copy mode puts a frame XDP_PACKET_HEADROOM into its chunk */
#define UMEM_RX_MAX   65600 /* longest frame joined: Ethernet, IPv6 header, 64 KiB */
#define JOIN_FRAMES   4	    /* longest frames the join area holds per batch */

/* Queue @qi's fill ring takes all of its region's chunks. */
static int fill_all(struct umem *u, uint32_t qi)
{
	struct xsk_ring_prod *fq = &u->q[qi].fq;
	uint64_t base = (uint64_t)qi * u->ring_frames;
	uint32_t idx;

	if (xsk_ring_prod__reserve(fq, u->ring_frames, &idx) != u->ring_frames)
		return -ENOSPC;
	for (uint32_t i = 0; i < u->ring_frames; i++)
		*xsk_ring_prod__fill_addr(fq, idx + i) = (base + i) * u->frame_size;
	xsk_ring_prod__submit(fq, u->ring_frames);
	return 0;
}

/* The tx region, after every queue's rx region, on the free stack. */
static int make_tx_stack(struct umem *u)
{
	uint64_t base = (uint64_t)u->nq * u->ring_frames;

	u->tx_free = calloc(u->tx_frames, sizeof(*u->tx_free));
	if (!u->tx_free)
		return -ENOMEM;
	for (uint32_t i = 0; i < u->tx_frames; i++)
		u->tx_free[i] = (base + i) * u->frame_size;
	u->tx_nfree = u->tx_frames;
	return 0;
}

#define BUSY_WAIT_MS 2000
#define BUSY_STEP_MS 20

/*
 * Queue 0's main socket holds the UMEM's own fill and completion rings and
 * the one tx ring; it is bound with the flags every other socket inherits
 * (a socket bound with XDP_SHARED_UMEM may give none: copy mode, need_wakeup
 * and multi-buffer come from this one; multi-buffer is a flag of the UMEM
 * since 6.6). Multi-buffer first; a kernel without it (before 6.6) refuses
 * the flag with EINVAL, and the socket is made again without it.
 * TG_XSK_NO_SG=1 in the environment skips the first try, so tests can see
 * that path here.
 */
static int create_first(struct umem *u, const char *ifname)
{
	struct xsk_socket_config xcfg = {
		.rx_size = u->ring_frames,
		.tx_size = u->ring_frames,
		.libxdp_flags = XSK_LIBXDP_FLAGS__INHIBIT_PROG_LOAD,
		.bind_flags = XDP_COPY | XDP_USE_NEED_WAKEUP | XDP_USE_SG,
	};
	const char *no_sg = getenv("TG_XSK_NO_SG");
	struct umem_queue *q = &u->q[0];
	int err = -EINVAL;

	if (!no_sg || strcmp(no_sg, "1"))
		err = xsk_socket__create(&q->xsk, ifname, 0, u->umem, &q->rx, &u->tx, &xcfg);
	u->sg = !err;
	if (err == -EINVAL) {
		xcfg.bind_flags &= (__u16)~XDP_USE_SG;
		err = xsk_socket__create(&q->xsk, ifname, 0, u->umem, &q->rx, &u->tx, &xcfg);
	}
	return err;
}

/*
 * Another queue's main socket (rx only), bound with XDP_SHARED_UMEM: a
 * queue other than the first must bring its own fill and completion rings,
 * which libxdp creates on this socket from q->fq and q->cq.
 */
static int create_other(struct umem *u, const char *ifname, uint32_t qi)
{
	struct xsk_socket_config xcfg = {
		.rx_size = u->ring_frames,
		.libxdp_flags = XSK_LIBXDP_FLAGS__INHIBIT_PROG_LOAD,
	};
	struct umem_queue *q = &u->q[qi];

	return xsk_socket__create_shared(&q->xsk, ifname, qi, u->umem, &q->rx, NULL, &q->fq, &q->cq,
					 &xcfg);
}

/*
 * A daemon that just stopped on this device may still hold its queues for
 * a moment (the kernel frees an AF_XDP socket after its last close, not at
 * it): EBUSY then means "wait", for a bounded time over all the queues
 * (*waited carries it from one to the next), so that a supervisor's
 * immediate restart serves instead of failing.
 */
static int create_waiting(struct umem *u, const char *ifname, uint32_t qi, unsigned int *waited)
{
	int err;

	while ((err = qi ? create_other(u, ifname, qi) : create_first(u, ifname)) == -EBUSY &&
	       *waited < BUSY_WAIT_MS) {
		usleep(BUSY_STEP_MS * 1000);
		*waited += BUSY_STEP_MS;
	}
	if (err) {
		u->q[qi].xsk = NULL;
		log_err("%s: cannot create the AF_XDP socket on queue %u: %s%s", ifname, qi,
			strerror(-err),
			err == -EBUSY ? " (another AF_XDP socket holds the queue)" : "");
		return err;
	}
	u->q[qi].fd = xsk_socket__fd(u->q[qi].xsk);
	return 0;
}

/*
 * How long frames may be each way. Without multi-buffer a frame must fit
 * one chunk, so a jumbo MTU is refused here rather than lost frame by
 * frame. A tx frame longer than a chunk is written into the staging buffer
 * and sent as a chain (at most 17 descriptors in copy mode: 4096-byte
 * chunks carry 64 KiB).
 */
static int set_limits(struct umem *u, const char *ifname, uint32_t frame_max)
{
	u->rx_max = u->sg ? UMEM_RX_MAX : u->frame_size - UMEM_HEADROOM;
	u->tx_max = frame_max;
	if (frame_max > u->rx_max) {
		log_err("%s: --mtu %u needs multi-buffer AF_XDP sockets, which this kernel "
			"lacks (Linux 6.6 or later); give --mtu %u or less",
			ifname, frame_max - TG_ETH_HLEN, u->rx_max - TG_ETH_HLEN);
		return -EMSGSIZE;
	}
	if (frame_max > u->frame_size) {
		u->tx_stage = malloc(frame_max);
		if (!u->tx_stage)
			return -ENOMEM;
	}
	return u->sg ? rxjoin_init(&u->join, JOIN_FRAMES * UMEM_RX_MAX) : 0;
}

/* The device's rx queues, bounded: above the bound, refuse with the fix. */
static int count_queues(struct umem *u, const char *ifname)
{
	int n = rxq_count(ifname);

	if (n < 0) {
		log_err("%s: cannot read the rx queue count: %s", ifname, strerror(-n));
		return n;
	}
	if (n > UMEM_QUEUES_MAX) {
		log_err("%s: %d rx queues; tapgate serves at most %d: give the VMM %d queues or "
			"fewer (qemu: queues=%d on the tap netdev)",
			ifname, n, UMEM_QUEUES_MAX, UMEM_QUEUES_MAX, UMEM_QUEUES_MAX);
		return -E2BIG;
	}
	u->nq = (uint32_t)n;
	if (n > 1)
		log_info("%s: %d rx queues: one AF_XDP socket each, sharing one UMEM", ifname, n);
	return 0;
}

/* Every queue's main socket, its fill ring filled, in the XSKMAP at its
 * queue's key. */
static int open_queues(struct umem *u, const char *ifname, uint32_t frame_max, int xsks_map_fd)
{
	unsigned int waited = 0;
	int err = 0;

	for (uint32_t qi = 0; !err && qi < u->nq; qi++) {
		err = create_waiting(u, ifname, qi, &waited);
		if (!err && qi == 0)
			err = set_limits(u, ifname, frame_max);
		if (!err)
			err = fill_all(u, qi);
		if (!err)
			err = xsk_socket__update_xskmap(u->q[qi].xsk, xsks_map_fd);
	}
	if (waited)
		log_info("%s: waited %u ms for the previous socket to release the queues", ifname,
			 waited);
	return err;
}

/**
 * umem_open() - Create the UMEM and the AF_XDP socket of every rx queue,
 * and publish them
 * @u:           zeroed state
 * @ifname:      device the XDP program is (or will be) attached to
 * @frame_max:   longest frame each way (the guest MTU and 14): chunks of
 *               2048 bytes when it fits one with the rx headroom, else 4096
 * @xsks_map_fd: the XSKMAP the XDP program redirects through
 *
 * Return: 0 or a negative errno (everything undone)
 */
int umem_open(struct umem *u, const char *ifname, uint32_t frame_max, int xsks_map_fd)
{
	uint32_t frame_size = frame_max + UMEM_HEADROOM <= 2048 ? 2048 : 4096;
	struct xsk_umem_config ucfg = { 0 };
	int err;

	umem_close(u);
	err = count_queues(u, ifname);
	if (err)
		return err;
	u->frame_size = frame_size;
	u->ring_frames = UMEM_RING_FRAMES;
	u->tx_frames = frame_size == 2048 ? UMEM_TX_FRAMES : UMEM_RING_FRAMES;
	u->area_size = ((uint64_t)u->nq * u->ring_frames + u->tx_frames) * frame_size;
	u->area = mmap(NULL, u->area_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1,
		       0);
	if (u->area == MAP_FAILED) {
		u->area = NULL;
		return -errno;
	}
	ucfg.fill_size = u->ring_frames;
	ucfg.comp_size = u->ring_frames;
	ucfg.frame_size = frame_size;
	err = xsk_umem__create(&u->umem, u->area, u->area_size, &u->q[0].fq, &u->q[0].cq, &ucfg);
	if (err) {
		log_err("%s: cannot register the UMEM: %s", ifname, strerror(-err));
		goto fail;
	}
	err = open_queues(u, ifname, frame_max, xsks_map_fd);
	if (!err)
		err = make_tx_stack(u);
	if (!err)
		return 0;
	if (err != -EMSGSIZE) /* set_limits() said what and why */
		log_err("%s: cannot set up the AF_XDP rings: %s", ifname, strerror(-err));
fail:
	umem_close(u);
	return err;
}

/*
 * The UDP relay's socket of queue @qi, made by hand: bound with
 * XDP_SHARED_UMEM to the queue's main socket, so the kernel gives it that
 * socket's buffer pool (and so its fill and completion rings). libxdp's
 * xsk_socket__create_shared() names the UMEM's first socket (queue 0's) as
 * the one to share with, which the kernel takes, for a socket on another
 * queue, as a new pool that must bring its own rings (EINVAL).
 */
static int open_relay(struct umem *u, unsigned int ifindex, uint32_t qi)
{
	struct umem_queue *q = &u->q[qi];
	struct sockaddr_xdp sxdp = {
		.sxdp_family = AF_XDP,
		.sxdp_flags = XDP_SHARED_UMEM,
		.sxdp_ifindex = ifindex,
		.sxdp_queue_id = qi,
		.sxdp_shared_umem_fd = (__u32)q->fd,
	};
	struct xdp_mmap_offsets off;
	socklen_t olen = sizeof(off);
	uint32_t size = u->ring_frames;
	uint8_t *map;

	q->ufd = socket(AF_XDP, SOCK_RAW | SOCK_CLOEXEC, 0);
	if (q->ufd < 0 || setsockopt(q->ufd, SOL_XDP, XDP_RX_RING, &size, sizeof(size)) ||
	    getsockopt(q->ufd, SOL_XDP, XDP_MMAP_OFFSETS, &off, &olen))
		return -errno;
	q->umap_len = off.rx.desc + size * sizeof(struct xdp_desc);
	map = mmap(NULL, q->umap_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, q->ufd,
		   XDP_PGOFF_RX_RING);
	if (map == MAP_FAILED)
		return -errno;
	q->umap = map;
	q->urx = (struct xsk_ring_cons){
		.mask = size - 1,
		.size = size,
		.producer = (uint32_t *)(map + off.rx.producer),
		.consumer = (uint32_t *)(map + off.rx.consumer),
		.flags = (uint32_t *)(map + off.rx.flags),
		.ring = map + off.rx.desc,
	};
	q->urx.cached_prod = *q->urx.producer;
	q->urx.cached_cons = *q->urx.consumer;
	if (bind(q->ufd, (struct sockaddr *)&sxdp, sizeof(sxdp)))
		return -errno;
	return 0;
}

/**
 * umem_open_udp() - Add the UDP relay's AF_XDP socket on every queue
 * @u:           state after umem_open()
 * @ifname:      the device
 * @xsks_map_fd: the XSKMAP; queue q's goes in at TG_XSK_UDP + q
 *
 * A second socket rather than a verdict the poller reads: the XDP program
 * already knows the frame is plain UDP, so the relay gets its own ring and
 * never waits behind a burst of TCP in the main ring, and the slot and lwIP
 * never see it. One per queue, since the guest's UDP arrives on any of
 * them and a redirect reaches only a socket of the frame's queue. Each
 * shares its queue's fill and completion rings with the queue's main
 * socket.
 *
 * Return: 0 or a negative errno
 */
int umem_open_udp(struct umem *u, const char *ifname, int xsks_map_fd)
{
	unsigned int ifindex = if_nametoindex(ifname);

	if (!ifindex)
		return -errno;
	for (uint32_t qi = 0; qi < u->nq; qi++) {
		int key = TG_XSK_UDP + (int)qi, err;

		err = open_relay(u, ifindex, qi);
		if (err) {
			log_err("%s: cannot create the UDP relay's AF_XDP socket on queue %u: %s",
				ifname, qi, strerror(-err));
			return err;
		}
		if (bpf_map_update_elem(xsks_map_fd, &key, &u->q[qi].ufd, BPF_ANY)) {
			err = -errno;
			log_err("%s: cannot publish the UDP relay's socket of queue %u: %s", ifname,
				qi, strerror(-err));
			return err;
		}
	}
	return 0;
}

/**
 * umem_close() - Close every socket (which takes it out of the XSKMAP) and
 * free the UMEM; safe on a partly opened or zeroed one
 * @u: state
 */
void umem_close(struct umem *u)
{
	/* Queue 0's main socket last: its fd is the UMEM's. Only the queues
	 * umem_open() counted have their fds set (-1 when not open). */
	for (uint32_t qi = u->nq; qi-- > 0;) {
		if (u->q[qi].umap)
			munmap(u->q[qi].umap, u->q[qi].umap_len);
		if (u->q[qi].ufd >= 0)
			close(u->q[qi].ufd);
		if (u->q[qi].xsk)
			xsk_socket__delete(u->q[qi].xsk);
	}
	if (u->umem)
		xsk_umem__delete(u->umem);
	if (u->area)
		munmap(u->area, u->area_size);
	free(u->tx_free);
	free(u->tx_stage);
	rxjoin_fini(&u->join);
	memset(u, 0, sizeof(*u));
	for (uint32_t qi = 0; qi < UMEM_QUEUES_MAX; qi++)
		u->q[qi].fd = u->q[qi].ufd = -1;
}

/**
 * umem_report() - Say at start which guest frames this socket cannot take
 * @u:      state after umem_open()
 * @ifname: the device
 *
 * A VMM's tap carries the guest's offloaded super-frames: without
 * multi-buffer every one longer than a chunk would be lost; UDP ones
 * (USO) cannot be cut back into their datagrams on any kernel. Both are
 * dropped and counted by the XDP program; this names the fix.
 */
void umem_report(const struct umem *u, const char *ifname)
{
	char path[64];
	bool tap;

	snprintf(path, sizeof(path), "/sys/class/net/%s/tun_flags", ifname);
	tap = access(path, F_OK) == 0;
	if (!u->sg)
		log_warn("%s: this kernel's AF_XDP sockets take no multi-buffer frames (Linux "
			 "6.6 or later): guest frames over %u bytes are dropped (drop_oversize); "
			 "turn TSO off in the VMM (qemu: host_tso4=off,host_tso6=off on "
			 "virtio-net) or in the guest (ethtool -K eth0 tso off)",
			 ifname, u->rx_max);
	if (tap)
		log_info("%s: UDP super-frames (USO) from the guest are dropped (drop_udp_gso): "
			 "their segment size does not reach XDP; keep USO off in the VMM "
			 "(qemu: host_uso=off) or in the guest (ethtool -K eth0 "
			 "tx-udp-segmentation off)",
			 ifname);
}

static const struct xdp_desc *rx_desc(const struct umem_rx *b, uint32_t i)
{
	return xsk_ring_cons__rx_desc(b->ring, b->idx + i);
}

/* The bytes a descriptor points at, or NULL if they are outside the UMEM. */
static const uint8_t *desc_bytes(const struct umem *u, const struct xdp_desc *d)
{
	uint64_t addr = xsk_umem__add_offset_to_addr(d->addr);

	if (addr >= u->area_size || d->len > u->area_size - addr)
		return NULL;
	return (const uint8_t *)u->area + addr;
}

/**
 * umem_rx_peek() - Take a batch of whole received frames off a ring
 * @u:     state
 * @queue: the rx queue (below u->nq)
 * @relay: its UDP relay socket's ring, else its main socket's
 * @max:   descriptors at most (more than the longest chain, so that a batch
 *         always holds at least one whole frame)
 * @b:     the batch, for umem_rx_next() and umem_rx_done()
 *
 * A chain cut by @max is left on the ring for the next batch.
 *
 * Return: descriptors in the batch (0 when none)
 */
uint32_t umem_rx_peek(struct umem *u, uint32_t queue, bool relay, uint32_t max, struct umem_rx *b)
{
	struct xsk_ring_cons *rx = relay ? &u->q[queue].urx : &u->q[queue].rx;
	uint32_t idx = 0, n = xsk_ring_cons__peek(rx, max, &idx), k = n;

	*b = (struct umem_rx){ .ring = rx, .queue = queue, .idx = idx };
	while (k > 0 && (rx_desc(b, k - 1)->options & XDP_PKT_CONTD))
		k--;
	if (k == 0)
		k = n; /* one chain longer than @max: umem_rx_next() drops it */
	else if (k < n)
		xsk_ring_cons__cancel(rx, n - k);
	b->n = k;
	rxjoin_reset(&u->join);
	return k;
}

/*
 * The descriptors of the chain starting at @first: the index of its last
 * one (b->n if the batch ends first), its total length, and whether every
 * piece is inside the UMEM.
 */
static uint32_t chain_end(const struct umem *u, const struct umem_rx *b, uint32_t first,
			  uint32_t *total, bool *ok)
{
	uint32_t i;

	*total = 0;
	*ok = true;
	for (i = first; i < b->n; i++) {
		const struct xdp_desc *d = rx_desc(b, i);

		*ok = *ok && desc_bytes(u, d);
		*total += d->len;
		if (!(d->options & XDP_PKT_CONTD))
			break;
	}
	return i;
}

/* Copies the chain [first, last] into the join area; NULL when it is full. */
static const uint8_t *join_chain(struct umem *u, const struct umem_rx *b, uint32_t first,
				 uint32_t last, uint32_t total)
{
	uint8_t *to = rxjoin_take(&u->join, total);
	uint32_t off = 0;

	for (uint32_t i = first; to && i <= last; i++) {
		const struct xdp_desc *d = rx_desc(b, i);

		memcpy(to + off, desc_bytes(u, d), d->len);
		off += d->len;
	}
	return to;
}

/**
 * umem_rx_next() - The next frame of a batch, joined if it came as a chain
 * @u:    state
 * @b:    batch from umem_rx_peek()
 * @data: set to the frame (in the UMEM or the join area; valid until
 *        umem_rx_done())
 * @len:  set to its length
 *
 * Return: 1 with a frame; 0 when the batch is done (or the join area is
 * full: the rest stays for the next batch); -EINVAL or -EMSGSIZE for a
 * frame skipped as unusable (a descriptor outside the UMEM, a chain longer
 * than u->rx_max or than the batch), which the caller counts as dropped
 */
int umem_rx_next(struct umem *u, struct umem_rx *b, const uint8_t **data, uint32_t *len)
{
	uint32_t first = b->pos, last, total;
	bool ok;

	if (first >= b->n)
		return 0;
	last = chain_end(u, b, first, &total, &ok);
	if (last == first) {
		b->pos++;
		*data = desc_bytes(u, rx_desc(b, first));
		*len = rx_desc(b, first)->len;
		return *data ? 1 : -EINVAL;
	}
	if (last == b->n || !ok || total > u->rx_max) {
		b->pos = last == b->n ? last : last + 1;
		return ok ? -EMSGSIZE : -EINVAL;
	}
	*data = join_chain(u, b, first, last, total);
	if (!*data)
		return 0;
	b->pos = last + 1;
	*len = total;
	return 1;
}

/**
 * umem_rx_done() - Give the frames taken from a batch back to the kernel
 * @u: state
 * @b: the batch; descriptors umem_rx_next() did not take stay on the ring
 */
void umem_rx_done(struct umem *u, struct umem_rx *b)
{
	struct xsk_ring_prod *fq = &u->q[b->queue].fq;
	uint32_t n = b->pos, fidx;

	if (b->n > n)
		xsk_ring_cons__cancel(b->ring, b->n - n);
	if (!n)
		return;
	/* Exactly the chunks taken off rx go back, to the fill ring of the queue
	 * they came from, so that ring always has room for them. */
	if (xsk_ring_prod__reserve(fq, n, &fidx) != n) {
		log_err("fill ring of queue %u out of room; frames lost", b->queue);
		xsk_ring_cons__release(b->ring, n);
		return;
	}
	for (uint32_t i = 0; i < n; i++) {
		uint64_t a = xsk_umem__extract_addr(rx_desc(b, i)->addr);

		*xsk_ring_prod__fill_addr(fq, fidx + i) = a - a % u->frame_size;
	}
	xsk_ring_prod__submit(fq, n);
	xsk_ring_cons__release(b->ring, n);
	if (xsk_ring_prod__needs_wakeup(fq))
		recvfrom(u->q[b->queue].fd, NULL, 0, MSG_DONTWAIT, NULL, NULL);
}

/* Tx goes out on queue 0 only, but every queue has a completion ring: all
 * are reaped, so that a frame is never stranded whichever ring the kernel
 * completes it on. */
static void reap_completions(struct umem *u)
{
	for (uint32_t qi = 0; qi < u->nq; qi++) {
		struct xsk_ring_cons *cq = &u->q[qi].cq;
		uint32_t idx, n = xsk_ring_cons__peek(cq, u->ring_frames, &idx);

		for (uint32_t i = 0; i < n; i++)
			u->tx_free[u->tx_nfree++] = *xsk_ring_cons__comp_addr(cq, idx + i);
		if (n)
			xsk_ring_cons__release(cq, n);
		u->tx_queued -= n;
	}
}

/* Chunks one frame of @len bytes takes on tx. */
static uint32_t tx_chunks(const struct umem *u, uint32_t len)
{
	return len ? (len + u->frame_size - 1) / u->frame_size : 1;
}

/**
 * umem_tx_room() - How many of the longest frames could be sent right now
 * @u:       state
 * @reserve: free chunks to leave alone (for lwIP's segments)
 *
 * Return: frames of u->tx_max bytes the free chunks beyond @reserve hold
 */
uint32_t umem_tx_room(const struct umem *u, uint32_t reserve)
{
	uint32_t free = u->tx_nfree > reserve ? u->tx_nfree - reserve : 0;

	return free / tx_chunks(u, u->tx_max);
}

/**
 * umem_tx_frame() - Borrow room to write one frame into
 * @u:    state
 * @addr: set to its UMEM address (or UMEM_TX_STAGED), for umem_tx_send()
 *
 * The room is a free tx chunk, or the staging buffer when frames may be
 * longer than a chunk. It must be given to umem_tx_send() before the next
 * call.
 *
 * Return: room for u->tx_max bytes, or NULL when all chunks are in flight
 */
uint8_t *umem_tx_frame(struct umem *u, uint64_t *addr)
{
	if (!u->tx_nfree)
		reap_completions(u);
	if (!u->tx_nfree)
		return NULL;
	if (u->tx_stage) {
		*addr = UMEM_TX_STAGED;
		return u->tx_stage;
	}
	*addr = u->tx_free[u->tx_nfree - 1];
	return (uint8_t *)u->area + *addr;
}

static void tx_queued_add(struct umem *u, uint32_t n)
{
	xsk_ring_prod__submit(&u->tx, n);
	u->tx_queued += n;
	if (u->tx_queued >= 64)
		umem_tx_flush(u);
}

/* The staged frame, copied into free chunks and queued as one chain. */
static int send_staged(struct umem *u, uint32_t len)
{
	uint32_t n = tx_chunks(u, len), idx, off = 0;

	if (len > u->tx_max)
		return -EMSGSIZE;
	if (u->tx_nfree < n)
		reap_completions(u);
	if (u->tx_nfree < n || xsk_ring_prod__reserve(&u->tx, n, &idx) != n)
		return -ENOBUFS;
	for (uint32_t i = 0; i < n; i++) {
		struct xdp_desc *d = xsk_ring_prod__tx_desc(&u->tx, idx + i);
		uint32_t piece = len - off < u->frame_size ? len - off : u->frame_size;

		d->addr = u->tx_free[--u->tx_nfree];
		d->len = piece;
		d->options = i + 1 < n ? XDP_PKT_CONTD : 0;
		memcpy((uint8_t *)u->area + d->addr, u->tx_stage + off, piece);
		off += piece;
	}
	tx_queued_add(u, n);
	return 0;
}

/**
 * umem_tx_send() - Queue the frame written into umem_tx_frame()'s room
 * @u:    state
 * @addr: the address umem_tx_frame() gave
 * @len:  bytes written
 *
 * Return: 0, or -ENOBUFS when the tx ring or the free chunks are short
 * (nothing is sent, the room stays free)
 */
int umem_tx_send(struct umem *u, uint64_t addr, uint32_t len)
{
	struct xdp_desc *d;
	uint32_t idx;

	if (addr == UMEM_TX_STAGED)
		return send_staged(u, len);
	if (xsk_ring_prod__reserve(&u->tx, 1, &idx) != 1)
		return -ENOBUFS;
	d = xsk_ring_prod__tx_desc(&u->tx, idx);
	d->addr = addr;
	d->len = len;
	d->options = 0;
	u->tx_nfree--;
	tx_queued_add(u, 1);
	return 0;
}

/**
 * umem_tx_flush() - Make the kernel send what is queued; reap completions
 * @u: state
 *
 * In copy mode the kernel sends at most a small batch per sendto(), so this
 * kicks until the ring is drained or the kernel pushes back; then
 * u->tx_stalled tells the loop to retry shortly.
 */
void umem_tx_flush(struct umem *u)
{
	u->tx_stalled = false;
	for (int i = 0; u->tx_queued && i < 64; i++) {
		uint32_t before = u->tx_queued;

		if (sendto(u->q[0].fd, NULL, 0, MSG_DONTWAIT, NULL, 0) < 0 && errno != EAGAIN &&
		    errno != EBUSY && errno != ENOBUFS && errno != ENETDOWN)
			log_dbg("tx kick: %s", strerror(errno));
		reap_completions(u);
		if (u->tx_queued == before) {
			u->tx_stalled = true;
			break;
		}
	}
}

/* Adds one socket's XDP_STATISTICS to the totals. */
static int add_stats(int fd, __u64 *rx_dropped, __u64 *rx_ring_full, __u64 *tx_invalid)
{
	struct xdp_statistics st;
	socklen_t len = sizeof(st);

	if (fd < 0)
		return 0;
	if (getsockopt(fd, SOL_XDP, XDP_STATISTICS, &st, &len) < 0)
		return -errno;
	*rx_dropped += st.rx_dropped;
	*rx_ring_full += st.rx_ring_full;
	*tx_invalid += st.tx_invalid_descs;
	return 0;
}

/**
 * umem_stats() - The kernel's drop counters of all the AF_XDP sockets, summed
 * @u:            state
 * @rx_dropped:   frames dropped for want of a fill-ring frame
 * @rx_ring_full: frames dropped because an rx ring was full
 * @tx_invalid:   tx descriptors the kernel rejected
 *
 * Return: 0 or a negative errno
 */
int umem_stats(struct umem *u, __u64 *rx_dropped, __u64 *rx_ring_full, __u64 *tx_invalid)
{
	__u64 d = 0, f = 0, t = 0;
	int err = 0;

	for (uint32_t qi = 0; !err && qi < u->nq; qi++) {
		err = add_stats(u->q[qi].fd, &d, &f, &t);
		if (!err)
			err = add_stats(u->q[qi].ufd, &d, &f, &t);
	}
	if (err)
		return err;
	*rx_dropped = d;
	*rx_ring_full = f;
	*tx_invalid = t;
	return 0;
}
