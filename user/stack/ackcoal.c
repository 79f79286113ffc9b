// SPDX-License-Identifier: MIT
/*
 * ackcoal.c - one pure ACK per connection per batch of guest frames.
 *
 * lwIP acknowledges every second segment, and each ACK towards the guest
 * is a tx descriptor, an skb, a veth transmit and a pass through the
 * guest's TCP stack, most of it charged to tapgate's thread. While one rx
 * batch is processed (up to 256 frames), the pure ACKs lwIP emits are held
 * here, one per connection; a newer one replaces the held one, and the
 * survivors go out when the batch is done, after the guest's bytes were
 * written to the host, so they announce the newest window too. The guest
 * sees stretch ACKs, as from any receiver with GRO.
 *
 * What is never merged: a duplicate ACK (same ack number and window: it
 * tells the guest a segment went missing; the held copy and the new one
 * both go, in order), and anything that is not a pure ACK (data, SYN, FIN,
 * RST), which goes at once and makes the held ACK of its connection
 * redundant (it acknowledges at least as much), so that one is dropped.
 */
#include <string.h>

#include "io/gtx.h"
#include "stack/ackcoal.h"
#include "wire.h"
#include "wire/bytes.h"

#define HELD_MAX 32 /* connections with an ACK held in one batch */

struct held {
	uint8_t tuple[12]; /* addresses and ports, as in the packet */
	uint32_t ack;
	uint16_t wnd;
	uint16_t len;
	uint8_t pkt[ACKCOAL_HDR_MAX];
};

static struct held held[HELD_MAX];
static unsigned int nheld, merged;
static bool active;

/* Where the TCP header starts, or 0 if @ip is not IPv4 TCP we can read. */
static size_t tcp_off(const uint8_t *ip, size_t len)
{
	size_t ihl;

	if (len < TG_IP4_HLEN || ip[0] >> 4 != 4 || ip[9] != TG_IPPROTO_TCP)
		return 0;
	ihl = (size_t)(ip[0] & 0xf) * 4;
	return ihl >= TG_IP4_HLEN && len >= ihl + TG_TCP_HLEN ? ihl : 0;
}

static bool pure_ack(const uint8_t *ip, size_t len, size_t tot_len, size_t th)
{
	size_t doff = (size_t)(ip[th + 12] >> 4) * 4;

	return ip[th + 13] == TG_TCP_ACK && tot_len == th + doff && tot_len <= len &&
	       tot_len <= ACKCOAL_HDR_MAX;
}

static struct held *find(const uint8_t *tuple)
{
	for (unsigned int i = 0; i < nheld; i++)
		if (!memcmp(held[i].tuple, tuple, sizeof(held[i].tuple)))
			return &held[i];
	return NULL;
}

static void forget(struct held *h)
{
	*h = held[--nheld];
}

/** ackcoal_begin() - A batch of guest frames starts: hold pure ACKs */
void ackcoal_begin(void)
{
	active = true;
}

/**
 * ackcoal_offer() - Hold lwIP's next packet if it is a pure ACK
 * @ip:      its first bytes (up to ACKCOAL_HDR_MAX)
 * @len:     how many of them
 * @tot_len: the packet's length
 *
 * A held ACK that must go before this packet is sent first (gtx_send_ip()).
 *
 * Return: true when the packet is held (the caller sends nothing now)
 */
bool ackcoal_offer(const uint8_t *ip, size_t len, size_t tot_len)
{
	uint8_t tuple[12];
	struct held *h;
	uint32_t ack;
	uint16_t wnd;
	size_t th;

	if (!active || !(th = tcp_off(ip, len)))
		return false;
	memcpy(tuple, ip + 12, 8);
	memcpy(tuple + 8, ip + th, 4);
	h = find(tuple);
	if (!pure_ack(ip, len, tot_len, th)) {
		if (h) {
			forget(h);
			merged++;
		}
		return false;
	}
	ack = rd32(ip + th + 8);
	wnd = rd16(ip + th + 14);
	if (h && h->ack == ack && h->wnd == wnd) {
		gtx_send_ip(h->pkt, h->len); /* a duplicate ACK: both go, in order */
		forget(h);
		return false;
	}
	if (h) {
		merged++;
	} else {
		if (nheld == HELD_MAX)
			return false;
		h = &held[nheld++];
		memcpy(h->tuple, tuple, sizeof(tuple));
	}
	h->ack = ack;
	h->wnd = wnd;
	h->len = (uint16_t)tot_len;
	memcpy(h->pkt, ip, tot_len);
	return true;
}

/**
 * ackcoal_end() - The batch is done: send the held ACKs (gtx_send_ip())
 *
 * Return: ACKs merged away since the last call, for the counters
 */
unsigned int ackcoal_end(void)
{
	unsigned int n = merged;

	for (unsigned int i = 0; i < nheld; i++)
		gtx_send_ip(held[i].pkt, held[i].len);
	nheld = 0;
	merged = 0;
	active = false;
	return n;
}
