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
 * Usage: tapshuttle [--vnet] HOST_TAP GUEST_NETNS GUEST_TAP
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

/* Not in the uapi headers of older distributions (Linux 6.2 added them). */
#ifndef TUN_F_USO4
#define TUN_F_USO4 0x20
#define TUN_F_USO6 0x40
#endif

static int vnet; /* --vnet: virtio-net headers and offloads on both taps */

/* One direction of the shuttle: frames read from @in are written to @out. */
struct shuttle_dir {
	const char *name; /* "host->guest" or "guest->host", for the counters */
	int in;
	int out;
	uint64_t frames; /* frames written to @out */
	uint64_t bytes;
	uint64_t dropped; /* frames read from @in that @out did not take */
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
 * tap_open() - Create a non-persistent tap device in the current namespace
 * @name:	Interface name (shorter than IFNAMSIZ)
 *
 * Return: non-blocking fd of the tap, or a negative errno
 */
static int tap_open(const char *name)
{
	struct ifreq ifr = { 0 };
	int fd, err;

	fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI | (vnet ? IFF_VNET_HDR : 0);
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
		if (write(d->out, buf, n) != n) {
			d->dropped++;
			continue;
		}
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
}

/**
 * shuttle_run() - Shuttle frames between the taps until a signal arrives
 * @dirs:	The two directions; dirs[0].in is the host tap, dirs[1].in the
 *		guest tap
 * @sigfd:	signalfd for SIGINT/SIGTERM
 *
 * Return: 0 on a signal, negative errno if a tap went away or poll failed
 */
static int shuttle_run(struct shuttle_dir dirs[2], int sigfd)
{
	static unsigned char buf[SHUTTLE_FRAME_MAX];
	struct pollfd pfd[3] = {
		{ .fd = dirs[0].in, .events = POLLIN },
		{ .fd = dirs[1].in, .events = POLLIN },
		{ .fd = sigfd, .events = POLLIN },
	};
	int i, err;

	for (;;) {
		if (poll(pfd, 3, -1) < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (pfd[2].revents)
			return 0;
		for (i = 0; i < 2; i++) {
			if (!pfd[i].revents)
				continue;
			err = shuttle_move(&dirs[i], buf);
			if (err)
				return err;
		}
	}
}

/**
 * setup() - Create both taps and the signalfd
 * @argv:	Program arguments: HOST_TAP GUEST_NETNS GUEST_TAP
 * @host:	Filled with the host tap fd
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
	*host = tap_open(argv[1]);
	if (*host < 0) {
		fprintf(stderr, "tapshuttle: %s: cannot create tap: %s\n", argv[1],
			strerror(-*host));
		return 1;
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
	*guest = tap_open(argv[3]);
	if (*guest < 0) {
		fprintf(stderr, "tapshuttle: %s in netns %s: cannot create tap: %s\n", argv[3],
			argv[2], strerror(-*guest));
		return 1;
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
	if (argc != 4 || strlen(argv[1]) >= IFNAMSIZ || strlen(argv[3]) >= IFNAMSIZ ||
	    strchr(argv[2], '/')) {
		fprintf(stderr,
			"usage: tapshuttle [--vnet] HOST_TAP GUEST_NETNS GUEST_TAP\n"
			"  (tap names shorter than %d characters)\n",
			IFNAMSIZ);
		return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct shuttle_dir dirs[2] = {
		{ .name = "host->guest" },
		{ .name = "guest->host" },
	};
	int host = -1, guest = -1, sigfd = -1, err;

	if (argc > 1 && !strcmp(argv[1], "--vnet")) {
		vnet = 1;
		argv++;
		argc--;
	}
	if (check_args(argc, argv) || setup(argv, &host, &guest, &sigfd))
		return 1;
	dirs[0].in = host;
	dirs[0].out = guest;
	dirs[1].in = guest;
	dirs[1].out = host;

	printf("ready\n");
	fflush(stdout);

	err = shuttle_run(dirs, sigfd);
	if (err)
		fprintf(stderr, "tapshuttle: stopped: %s\n", strerror(-err));
	shuttle_report(&dirs[0]);
	shuttle_report(&dirs[1]);
	close(host);
	close(guest);
	close(sigfd);
	return err ? 1 : 0;
}
