// SPDX-License-Identifier: MIT
/*
 * tapshuttle.c - a stand-in for a VMM in the integration tests.
 *
 * A real VMM holds the fd of a host tap device and moves the frames between
 * it and the guest's virtio NIC. tapshuttle does the same with two taps: it
 * creates HOST_TAP (IFF_TAP | IFF_NO_PI, not persistent) in the namespace it
 * starts in and brings it up, then enters the named network namespace
 * GUEST_NETNS and creates GUEST_TAP there (left down: the test script
 * configures it as the guest's NIC). It prints "ready" on stdout and then
 * copies every frame read from one tap fd to the other, both ways, until
 * SIGINT or SIGTERM. tapgate attaches its XDP program to HOST_TAP without
 * ever owning its fd, exactly as it would for a VM. Frames that cannot be
 * written at once (EAGAIN, or the peer is down) are dropped and counted; the
 * counters are printed on stderr at exit. The taps vanish with the process.
 *
 * With --vnet both taps are opened as a VMM such as qemu opens its tap:
 * with a 12-byte virtio-net header in front of every frame (IFF_VNET_HDR,
 * TUNSETVNETHDRSZ) and the offloads turned on (TUNSETOFFLOAD: checksum,
 * TSO4/6 and, where the kernel has them, USO4/6). The guest namespace's
 * kernel then hands its tap TCP and UDP super-frames (GSO, up to 64 KiB)
 * with partial checksums, and the shuttle writes each, header and all, to
 * HOST_TAP: tapgate sees what a virtio-net guest sends.
 *
 * With --queues N (2 to 16) HOST_TAP is a multi-queue tap, as a VMM with
 * N virtio queue pairs makes it: opened N times with IFF_MULTI_QUEUE, one
 * fd per queue, so that the host sees N rx queues. Each frame from the
 * guest is written to the queue a hash of its addresses, protocol and ports
 * picks (per flow, so a TCP connection stays in order; many flows spread
 * over all queues; ARP and other non-IP frames take queue 0), and frames
 * read from any queue go to the guest. The frames written to each queue
 * are counted and printed at exit.
 *
 * Usage: tapshuttle [--vnet] [--queues N] HOST_TAP GUEST_NETNS GUEST_TAP
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <unistd.h>

#define SHUTTLE_FRAME_MAX (128 * 1024) /* above the largest frame a tap hands us */
#define SHUTTLE_BATCH	  256	       /* frames moved per wakeup and direction */
#define NETNS_DIR	  "/var/run/netns/"
#define VNET_HDR_LEN	  12 /* struct virtio_net_hdr_mrg_rxbuf, as qemu uses */
#define QUEUES_MAX	  16 /* --queues at most */

/* Not in the uapi headers of older distributions (Linux 6.2 added them). */
#ifndef TUN_F_USO4
#define TUN_F_USO4 0x20
#define TUN_F_USO6 0x40
#endif

static int vnet;		 /* --vnet: virtio-net headers and offloads on both taps */
static unsigned int nqueues = 1; /* --queues: the host tap's queues */

/* One direction of the shuttle: frames read from @in are written to one of
 * @out (the guest tap, or the host tap's queues picked per flow). */
struct shuttle_dir {
	const char *name; /* "host->guest" or "guest->host", for the counters */
	int in;
	int out[QUEUES_MAX];
	unsigned int nout;
	uint64_t frames; /* frames written to @out */
	uint64_t bytes;
	uint64_t dropped;	      /* frames read from @in that @out did not take */
	uint64_t per_out[QUEUES_MAX]; /* frames written to each of @out */
};

/**
 * tap_offload() - Give a tap a virtio-net header and turn its offloads on
 * @fd:		The tap's fd, opened with IFF_VNET_HDR
 *
 * USO is tried first and left out where the kernel refuses it (before 6.2).
 *
 * Return: 0 on success, negative errno on failure
 */
static int tap_offload(int fd)
{
	unsigned int base = TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6;
	int hdr = VNET_HDR_LEN;

	if (ioctl(fd, TUNSETVNETHDRSZ, &hdr) < 0)
		return -errno;
	if (ioctl(fd, TUNSETOFFLOAD, base | TUN_F_USO4 | TUN_F_USO6) == 0)
		return 0;
	if (ioctl(fd, TUNSETOFFLOAD, base) < 0)
		return -errno;
	return 0;
}

/**
 * tap_open() - Create a non-persistent tap device in the current namespace,
 * or attach one more queue to it
 * @name:	Interface name (shorter than IFNAMSIZ)
 * @multi:	With IFF_MULTI_QUEUE: each call on the same name adds a queue
 *
 * Return: non-blocking fd of the tap (of its new queue), or a negative errno
 */
static int tap_open(const char *name, int multi)
{
	struct ifreq ifr = { 0 };
	int fd, err;

	fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ifr.ifr_flags =
		IFF_TAP | IFF_NO_PI | (vnet ? IFF_VNET_HDR : 0) | (multi ? IFF_MULTI_QUEUE : 0);
	strncpy(ifr.ifr_name, name, IFNAMSIZ - 1);
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
		err = -errno;
		close(fd);
		return err;
	}
	if (vnet) {
		err = tap_offload(fd);
		if (err) {
			close(fd);
			return err;
		}
	}
	return fd;
}

/**
 * link_up() - Set IFF_UP on an interface of the current namespace
 * @name:	Interface name
 *
 * Return: 0 on success, negative errno on failure
 */
static int link_up(const char *name)
{
	struct ifreq ifr = { 0 };
	int sk, err = 0;

	sk = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (sk < 0)
		return -errno;
	strncpy(ifr.ifr_name, name, IFNAMSIZ - 1);
	if (ioctl(sk, SIOCGIFFLAGS, &ifr) < 0) {
		err = -errno;
		goto cleanup;
	}
	ifr.ifr_flags |= IFF_UP;
	if (ioctl(sk, SIOCSIFFLAGS, &ifr) < 0)
		err = -errno;
cleanup:
	close(sk);
	return err;
}

/**
 * netns_enter() - Move this process into a named network namespace
 * @name:	Name under /var/run/netns (as made by `ip netns add`)
 *
 * Return: 0 on success, negative errno on failure
 */
static int netns_enter(const char *name)
{
	char path[256];
	int fd, err = 0;

	if (snprintf(path, sizeof(path), NETNS_DIR "%s", name) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (setns(fd, CLONE_NEWNET) < 0)
		err = -errno;
	close(fd);
	return err;
}

/**
 * signals_open() - Block SIGINT/SIGTERM and return a signalfd for them
 *
 * Return: the signalfd, or a negative errno
 */
static int signals_open(void)
{
	sigset_t set;
	int fd;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		return -errno;
	fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

/**
 * fatal_read_error() - Tell whether a read error means the tap is gone
 * @err:	errno of the failed read()
 *
 * Return: true if the shuttle cannot go on
 */
static int fatal_read_error(int err)
{
	return err == EBADFD || err == ENODEV || err == ENXIO || err == EBADF;
}

/**
 * flow_queue() - The host tap queue a frame from the guest goes to
 * @f:		The frame as read (the virtio-net header first with --vnet)
 * @len:	Its length
 * @n:		Queues to pick from
 *
 * An FNV-1a hash of the IP addresses, the protocol and, for TCP and UDP
 * that is not a fragment, the ports: one flow, one queue, as a guest's
 * transmit steering keeps it. Fragments hash without ports, so all of a
 * datagram's pieces share a queue. ARP and other frames take queue 0.
 *
 * Return: the queue, below @n
 */
static unsigned int flow_queue(const unsigned char *f, size_t len, unsigned int n)
{
	size_t l3 = (vnet ? VNET_HDR_LEN : 0) + 14, a, alen, l4;
	uint32_t h = 2166136261u;
	int ports;
	unsigned char proto;

	if (n < 2 || len < l3)
		return 0;
	if (f[l3 - 2] == 0x08 && f[l3 - 1] == 0x00 && len >= l3 + 20) {
		proto = f[l3 + 9];
		a = l3 + 12;
		alen = 8;
		l4 = l3 + (size_t)(f[l3] & 15) * 4;
		ports = !(f[l3 + 6] & 0x3f) && !f[l3 + 7]; /* MF clear, offset 0 */
	} else if (f[l3 - 2] == 0x86 && f[l3 - 1] == 0xdd && len >= l3 + 40) {
		proto = f[l3 + 6];
		a = l3 + 8;
		alen = 32;
		l4 = l3 + 40;
		ports = 1;
	} else {
		return 0;
	}
	for (size_t i = a; i < a + alen; i++)
		h = (h ^ f[i]) * 16777619u;
	h = (h ^ proto) * 16777619u;
	if (ports && (proto == 6 || proto == 17) && len >= l4 + 4)
		for (size_t i = l4; i < l4 + 4; i++)
			h = (h ^ f[i]) * 16777619u;
	return h % n;
}

/**
 * shuttle_move() - Move up to SHUTTLE_BATCH frames in one direction
 * @d:		The direction
 * @buf:	Scratch buffer of SHUTTLE_FRAME_MAX bytes
 *
 * Each frame is read whole and written whole; a frame the other tap does not
 * take at once is dropped and counted, as a NIC would.
 *
 * Return: 0 when the input is drained or the batch is done, negative errno
 * if the input tap is gone
 */
static int shuttle_move(struct shuttle_dir *d, unsigned char *buf)
{
	unsigned int q;
	ssize_t n;
	int i;

	for (i = 0; i < SHUTTLE_BATCH; i++) {
		n = read(d->in, buf, SHUTTLE_FRAME_MAX);
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				return 0;
			return fatal_read_error(errno) ? -errno : 0;
		}
		if (n == 0)
			return 0;
		q = flow_queue(buf, (size_t)n, d->nout);
		if (write(d->out[q], buf, n) != n) {
			d->dropped++;
			continue;
		}
		d->per_out[q]++;
		d->frames++;
		d->bytes += n;
	}
	return 0;
}

/**
 * shuttle_report() - Print one direction's counters on stderr
 * @d:		The direction
 */
static void shuttle_report(const struct shuttle_dir *d)
{
	fprintf(stderr, "tapshuttle: %s: %llu frames, %llu bytes, %llu dropped\n", d->name,
		(unsigned long long)d->frames, (unsigned long long)d->bytes,
		(unsigned long long)d->dropped);
	for (unsigned int q = 0; d->nout > 1 && q < d->nout; q++)
		fprintf(stderr, "tapshuttle: %s: queue %u: %llu frames\n", d->name, q,
			(unsigned long long)d->per_out[q]);
}

/**
 * shuttle_run() - Shuttle frames between the taps until a signal arrives
 * @dirs:	The directions: one per host tap queue (to the guest), then
 *		the guest's (to the host tap's queues)
 * @ndirs:	How many
 * @sigfd:	signalfd for SIGINT/SIGTERM
 *
 * Return: 0 on a signal, negative errno if a tap went away or poll failed
 */
static int shuttle_run(struct shuttle_dir *dirs, unsigned int ndirs, int sigfd)
{
	static unsigned char buf[SHUTTLE_FRAME_MAX];
	struct pollfd pfd[QUEUES_MAX + 2];
	unsigned int i;
	int err;

	for (i = 0; i < ndirs; i++)
		pfd[i] = (struct pollfd){ .fd = dirs[i].in, .events = POLLIN };
	pfd[ndirs] = (struct pollfd){ .fd = sigfd, .events = POLLIN };
	for (;;) {
		if (poll(pfd, ndirs + 1, -1) < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (pfd[ndirs].revents)
			return 0;
		for (i = 0; i < ndirs; i++) {
			if (!pfd[i].revents)
				continue;
			err = shuttle_move(&dirs[i], buf);
			if (err)
				return err;
		}
	}
}

/**
 * setup() - Create both taps (the host tap with all its queues) and the
 * signalfd
 * @argv:	Program arguments: HOST_TAP GUEST_NETNS GUEST_TAP
 * @host:	Filled with the host tap's fds, nqueues of them
 * @guest:	Filled with the guest tap fd
 * @sigfd:	Filled with the signalfd
 *
 * Return: 0 on success, 1 after printing what failed
 */
static int setup(char **argv, int *host, int *guest, int *sigfd)
{
	int err;

	*sigfd = signals_open();
	if (*sigfd < 0) {
		fprintf(stderr, "tapshuttle: signalfd: %s\n", strerror(-*sigfd));
		return 1;
	}
	for (unsigned int q = 0; q < nqueues; q++) {
		host[q] = tap_open(argv[1], nqueues > 1);
		if (host[q] < 0) {
			fprintf(stderr, "tapshuttle: %s: cannot create tap queue %u: %s\n", argv[1],
				q, strerror(-host[q]));
			return 1;
		}
	}
	err = link_up(argv[1]);
	if (err) {
		fprintf(stderr, "tapshuttle: %s: cannot set up: %s\n", argv[1], strerror(-err));
		return 1;
	}
	err = netns_enter(argv[2]);
	if (err) {
		fprintf(stderr, "tapshuttle: netns %s: %s (made with 'ip netns add'?)\n", argv[2],
			strerror(-err));
		return 1;
	}
	*guest = tap_open(argv[3], 0);
	if (*guest < 0) {
		fprintf(stderr, "tapshuttle: %s in netns %s: cannot create tap: %s\n", argv[3],
			argv[2], strerror(-*guest));
		return 1;
	}
	return 0;
}

/**
 * parse_options() - Take --vnet and --queues N off the front of the command
 * line
 * @argc:	Argument count, updated
 * @argv:	Arguments, updated to start before HOST_TAP
 *
 * Return: 0, or 1 for a bad --queues
 */
static int parse_options(int *argc, char ***argv)
{
	char *end;

	while (*argc > 1 && !strncmp((*argv)[1], "--", 2)) {
		if (!strcmp((*argv)[1], "--vnet")) {
			vnet = 1;
		} else if (!strcmp((*argv)[1], "--queues") && *argc > 2) {
			unsigned long n = strtoul((*argv)[2], &end, 10);

			if (*end || n < 1 || n > QUEUES_MAX)
				return 1;
			nqueues = (unsigned int)n;
			(*argv)++;
			(*argc)--;
		} else {
			return 1;
		}
		(*argv)++;
		(*argc)--;
	}
	return 0;
}

/**
 * check_args() - Validate the command line
 * @argc:	Argument count
 * @argv:	Arguments
 *
 * Return: 0 if usable, 1 after printing the usage
 */
static int check_args(int argc, char **argv)
{
	if (parse_options(&argc, &argv) || argc != 4 || strlen(argv[1]) >= IFNAMSIZ ||
	    strlen(argv[3]) >= IFNAMSIZ || strchr(argv[2], '/')) {
		fprintf(stderr,
			"usage: tapshuttle [--vnet] [--queues N] HOST_TAP GUEST_NETNS GUEST_TAP\n"
			"  (tap names shorter than %d characters, N from 1 to %d)\n",
			IFNAMSIZ, QUEUES_MAX);
		return 1;
	}
	return 0;
}

/**
 * report() - Print the counters: the host queues' frames to the guest
 * summed, then the guest's frames to the host per queue
 * @dirs:	The directions, as shuttle_run() took them
 */
static void report(struct shuttle_dir *dirs)
{
	struct shuttle_dir up = { .name = "host->guest" };

	for (unsigned int q = 0; q < nqueues; q++) {
		up.frames += dirs[q].frames;
		up.bytes += dirs[q].bytes;
		up.dropped += dirs[q].dropped;
	}
	shuttle_report(&up);
	shuttle_report(&dirs[nqueues]);
}

int main(int argc, char **argv)
{
	struct shuttle_dir dirs[QUEUES_MAX + 1] = { 0 };
	int host[QUEUES_MAX], guest = -1, sigfd = -1, err;
	unsigned int q;

	if (check_args(argc, argv))
		return 1;
	parse_options(&argc, &argv);
	if (setup(argv, host, &guest, &sigfd))
		return 1;
	for (q = 0; q < nqueues; q++) {
		dirs[q] = (struct shuttle_dir){ .name = "host->guest", .in = host[q], .nout = 1 };
		dirs[q].out[0] = guest;
	}
	dirs[nqueues] = (struct shuttle_dir){ .name = "guest->host", .in = guest, .nout = nqueues };
	for (q = 0; q < nqueues; q++)
		dirs[nqueues].out[q] = host[q];

	printf("ready\n");
	fflush(stdout);

	err = shuttle_run(dirs, nqueues + 1, sigfd);
	if (err)
		fprintf(stderr, "tapshuttle: stopped: %s\n", strerror(-err));
	report(dirs);
	for (q = 0; q < nqueues; q++)
		close(host[q]);
	close(guest);
	close(sigfd);
	return err ? 1 : 0;
}
