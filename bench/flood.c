// SPDX-License-Identifier: MIT
/*
 * flood.c - send one UDP frame as fast as one core can, for the policy
 * bench (bench/policy.sh): how many frames a denied flood costs the host.
 *
 * Usage: flood IFNAME SRCMAC DSTMAC SRCIP DSTIP PORT SECONDS
 * Runs inside the guest's namespace on its interface (AF_PACKET, batches
 * of 64 with sendmmsg); prints "sent N" at the end.
 */
#include <arpa/inet.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BATCH 64

static int mac(const char *s, uint8_t out[6])
{
	return sscanf(s, "%hhx:%hhx:%hhx:%hhx:%hhx:%hhx", &out[0], &out[1], &out[2], &out[3],
		      &out[4], &out[5]) == 6
		       ? 0
		       : -1;
}

static uint16_t csum(const uint8_t *p, size_t n)
{
	uint32_t s = 0;

	for (size_t i = 0; i + 1 < n; i += 2)
		s += (uint32_t)(p[i] << 8 | p[i + 1]);
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

/* Ethernet + IPv4 + UDP with 18 payload bytes: a 60-byte frame. */
static size_t build(uint8_t *f, char **argv)
{
	uint8_t *ip = f + 14, *udp = ip + 20;
	uint16_t c;

	memset(f, 0, 60);
	if (mac(argv[3], f) || mac(argv[2], f + 6) || inet_pton(AF_INET, argv[4], ip + 12) != 1 ||
	    inet_pton(AF_INET, argv[5], ip + 16) != 1)
		return 0;
	f[12] = 0x08;
	ip[0] = 0x45;
	ip[3] = 46;
	ip[6] = 0x40;
	ip[8] = 64;
	ip[9] = 17;
	c = csum(ip, 20);
	ip[10] = (uint8_t)(c >> 8);
	ip[11] = (uint8_t)c;
	udp[0] = 0x9c;
	udp[1] = 0x40;
	udp[2] = (uint8_t)(atoi(argv[6]) >> 8);
	udp[3] = (uint8_t)atoi(argv[6]);
	udp[5] = 26;
	return 60;
}

int main(int argc, char **argv)
{
	struct sockaddr_ll ll = { .sll_family = AF_PACKET, .sll_halen = 6 };
	struct mmsghdr m[BATCH];
	struct iovec iov;
	uint8_t frame[64];
	unsigned long long sent = 0;
	struct timespec t0, t;
	double secs;
	size_t len;
	int fd;

	if (argc != 8 || !(len = build(frame, argv))) {
		fprintf(stderr, "usage: flood IFNAME SRCMAC DSTMAC SRCIP DSTIP PORT SECONDS\n");
		return 2;
	}
	secs = atof(argv[7]);
	fd = socket(AF_PACKET, SOCK_RAW, 0);
	ll.sll_ifindex = (int)if_nametoindex(argv[1]);
	if (fd < 0 || !ll.sll_ifindex) {
		perror("flood: socket");
		return 1;
	}
	memcpy(ll.sll_addr, frame, 6);
	iov = (struct iovec){ .iov_base = frame, .iov_len = len };
	for (int i = 0; i < BATCH; i++)
		m[i] = (struct mmsghdr){ .msg_hdr = { .msg_name = &ll,
						      .msg_namelen = sizeof(ll),
						      .msg_iov = &iov,
						      .msg_iovlen = 1 } };
	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		int n = sendmmsg(fd, m, BATCH, 0);

		if (n > 0)
			sent += (unsigned long long)n;
		clock_gettime(CLOCK_MONOTONIC, &t);
	} while ((double)(t.tv_sec - t0.tv_sec) + (double)(t.tv_nsec - t0.tv_nsec) / 1e9 < secs);
	printf("sent %llu\n", sent);
	return 0;
}
