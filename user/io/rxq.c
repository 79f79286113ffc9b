// SPDX-License-Identifier: MIT
/*
 * rxq.c - the device's rx queue count, from the driver (ethtool's
 * ETHTOOL_GCHANNELS over SIOCETHTOOL), asked through a socket of the
 * daemon's own network namespace, where the device is: sysfs may show
 * another namespace's devices.
 *
 * What Linux 6.18 reports (checked with ethtool -l and
 * /sys/class/net/DEV/queues/):
 *  - a tap opened with IFF_MULTI_QUEUE: combined = the queue fds attached
 *    right now (TUNSETIFF or TUNSETQUEUE), rx 0; the maximum is 256. Its
 *    rx queue i is the one whose fd the VMM writes i's frames to, and the
 *    XDP program sees it as ctx->rx_queue_index. A tap without the flag:
 *    combined 1.
 *  - a veth: rx = its real rx queues (1 unless made with numrxqueues),
 *    combined 0; the maximum is the number of CPUs.
 * The rx queues are combined + rx (a NIC may have both kinds). A driver
 * without the operation has one queue for all we know.
 */
#include <errno.h>
#include <linux/ethtool.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "io/rxq.h"

/**
 * rxq_count() - The rx queues of a device
 * @ifname: the device
 *
 * Called once at start, from the event-loop thread.
 *
 * Return: the count (at least 1), or a negative errno when the device
 * cannot be asked (gone, name too long)
 */
int rxq_count(const char *ifname)
{
	struct ethtool_channels ch = { .cmd = ETHTOOL_GCHANNELS };
	struct ifreq ifr = { 0 };
	int fd, err = 0, n;

	if (strlen(ifname) >= IFNAMSIZ)
		return -ENAMETOOLONG;
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	strcpy(ifr.ifr_name, ifname);
	ifr.ifr_data = (void *)&ch;
	if (ioctl(fd, SIOCETHTOOL, &ifr) < 0)
		err = -errno;
	close(fd);
	if (err == -EOPNOTSUPP)
		return 1;
	if (err)
		return err;
	n = (int)(ch.combined_count + ch.rx_count);
	return n > 0 ? n : 1;
}
