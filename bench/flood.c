// SPDX-License-Identifier: MIT
/*
 * flood.c - send 60-byte frames as fast as one core can: one UDP frame
 * again and again, for the policy bench (bench/policy.sh: how many frames a
 * denied flood costs the host), or with "syn" TCP SYNs from ever new source
 * ports, each a new connection (the SYN flood of issue 16: bench/run.sh and
 * tests/integration/test_synflood.sh).
 *
 * Usage: flood IFNAME SRCMAC DSTMAC SRCIP DSTIP PORT SECONDS [syn]
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

/* TCP's checksum of a 20-byte header over IPv4 (pseudo header first). */
static uint16_t tcp_csum(const uint8_t *ip)
{
	uint8_t b[12 + 20];

	memcpy(b, ip + 12, 8);
	b[8] = 0;
	b[9] = 6;
	b[10] = 0;
	b[11] = 20;
	memcpy(b + 12, ip + 20, 20);
	b[12 + 16] = b[12 + 17] = 0;
	return csum(b, sizeof(b));
}

/* Make @f a SYN from source port @sport, sequence number @seq. */
static void set_syn(uint8_t *f, uint16_t sport, uint32_t seq)
{
	uint8_t *ip = f + 14, *tcp = ip + 20;
	uint16_t c;

	tcp[0] = (uint8_t)(sport >> 8);
	tcp[1] = (uint8_t)sport;
	tcp[4] = (uint8_t)(seq >> 24);
	tcp[5] = (uint8_t)(seq >> 16);
	tcp[6] = (uint8_t)(seq >> 8);
	tcp[7] = (uint8_t)seq;
	c = tcp_csum(ip);
	tcp[16] = (uint8_t)(c >> 8);
	tcp[17] = (uint8_t)c;
}

/* Ethernet + IPv4 + UDP with 18 payload bytes, or + TCP (a SYN with a
 * 64 KiB window) and 6 bytes of padding: a 60-byte frame. */
static size_t build(uint8_t *f, char **argv, int syn)
{
	uint8_t *ip = f + 14, *udp = ip + 20;
	uint16_t c;

	memset(f, 0, 60);
	if (mac(argv[3], f) || mac(argv[2], f + 6) || inet_pton(AF_INET, argv[4], ip + 12) != 1 ||
	    inet_pton(AF_INET, argv[5], ip + 16) != 1)
		return 0;
	f[12] = 0x08;
	ip[0] = 0x45;
	ip[3] = syn ? 40 : 46;
	ip[6] = 0x40;
	ip[8] = 64;
	ip[9] = syn ? 6 : 17;
	c = csum(ip, 20);
	ip[10] = (uint8_t)(c >> 8);
	ip[11] = (uint8_t)c;
	udp[0] = 0x9c;
	udp[1] = 0x40;
	udp[2] = (uint8_t)(atoi(argv[6]) >> 8);
	udp[3] = (uint8_t)atoi(argv[6]);
	if (syn) {
		udp[12] = 0x50; /* data offset 5 */
		udp[13] = 0x02; /* SYN */
		udp[14] = 0xff;
		udp[15] = 0xff;
		set_syn(f, 40000, 1);
	} else {
		udp[5] = 26;
	}
	return 60;
}

int main(int argc, char **argv)
{
	struct sockaddr_ll ll = { .sll_family = AF_PACKET, .sll_halen = 6 };
	struct mmsghdr m[BATCH];
	struct iovec iov[BATCH];
	static uint8_t frame[BATCH][64];
	unsigned long long sent = 0;
	struct timespec t0, t;
	uint32_t next = 0;
	double secs;
	size_t len;
	int syn = argc == 9 && !strcmp(argv[8], "syn");
	int fd;

	if ((argc != 8 && !syn) || !(len = build(frame[0], argv, syn))) {
		fprintf(stderr,
			"usage: flood IFNAME SRCMAC DSTMAC SRCIP DSTIP PORT SECONDS [syn]\n");
		return 2;
	}
	secs = atof(argv[7]);
	fd = socket(AF_PACKET, SOCK_RAW, 0);
	ll.sll_ifindex = (int)if_nametoindex(argv[1]);
	if (fd < 0 || !ll.sll_ifindex) {
		perror("flood: socket");
		return 1;
	}
	memcpy(ll.sll_addr, frame[0], 6);
	for (int i = 0; i < BATCH; i++) {
		memcpy(frame[i], frame[0], len);
		iov[i] = (struct iovec){ .iov_base = frame[i], .iov_len = len };
		m[i] = (struct mmsghdr){ .msg_hdr = { .msg_name = &ll,
						      .msg_namelen = sizeof(ll),
						      .msg_iov = &iov[i],
						      .msg_iovlen = 1 } };
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		int n;

		/* Source ports 1024-65535 in turn, a new sequence number each
		 * time round: every SYN opens a new connection. */
		for (int i = 0; syn && i < BATCH; i++, next++)
			set_syn(frame[i], (uint16_t)(1024 + next % 64512), next * 2654435761u);
		n = sendmmsg(fd, m, BATCH, 0);

		if (n > 0)
			sent += (unsigned long long)n;
		clock_gettime(CLOCK_MONOTONIC, &t);
	} while ((double)(t.tv_sec - t0.tv_sec) + (double)(t.tv_nsec - t0.tv_nsec) / 1e9 < secs);
	printf("sent %llu\n", sent);
	return 0;
}
