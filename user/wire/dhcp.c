// SPDX-License-Identifier: MIT
/*
 * dhcp.c - the gateway's DHCPv4 server (see dhcp.h for what it gives whom).
 *
 * A client's message is hostile bytes: the fixed BOOTP part and the magic
 * cookie must be there whole, htype Ethernet with a 6-byte address, every
 * option must fit before the message ends, the three options the server
 * acts on (message type, requested address, server identifier) must have
 * their exact lengths, and a message type a client sends is required. Any
 * other option (client identifier, host name, parameter list, maximum
 * size) is walked over and not read: the answer is the same whatever they
 * say. Option overload (52) is not followed into sname/file, for the same
 * reason; a message whose type is only there is malformed. Answers follow
 * RFC 2131 4.3 (which message gets which, and 4.3.2 for a REQUEST's
 * states) and 4.1 (where they go).
 */
#include <errno.h>
#include <string.h>

#include "control/config.h"
#include "control/log.h"
#include "io/gtx.h"
#include "wire.h"
#include "wire/bytes.h"
#include "wire/csum.h"
#include "wire/dhcp.h"
#include "wire/frame.h"
#include "wire/slot.h"

#define BOOTREQUEST 1
#define BOOTREPLY   2
#define HTYPE_ETHER 1
#define COOKIE	    0x63825363u
#define F_BROADCAST 0x8000u

/* Offsets in the fixed part (RFC 2131, figure 1). */
#define O_OP	 0
#define O_HTYPE	 1
#define O_HLEN	 2
#define O_XID	 4
#define O_FLAGS	 10
#define O_CIADDR 12
#define O_YIADDR 16
#define O_GIADDR 24
#define O_CHADDR 28
#define O_COOKIE DHCP_FIXED

/* Options (RFC 2132). */
#define OPT_PAD	      0
#define OPT_MASK      1
#define OPT_ROUTER    3
#define OPT_DNS	      6
#define OPT_MTU	      26
#define OPT_REQ_IP    50
#define OPT_LEASE     51
#define OPT_TYPE      53
#define OPT_SERVER_ID 54
#define OPT_T1	      58
#define OPT_T2	      59
#define OPT_END	      255

static const uint8_t any4[4], bcast4[4] = { 255, 255, 255, 255 };

/* Keep @v (@len bytes) of an option the server acts on; the first of each
 * counts. -EINVAL for a wrong length. */
static int take_option(struct dhcp_msg *m, uint8_t code, const uint8_t *v, uint8_t len)
{
	switch (code) {
	case OPT_TYPE:
		if (len != 1)
			return -EINVAL;
		if (!m->type)
			m->type = v[0];
		return 0;
	case OPT_REQ_IP:
	case OPT_SERVER_ID:
		if (len != 4)
			return -EINVAL;
		if (code == OPT_REQ_IP && !m->has_reqip) {
			memcpy(m->reqip, v, 4);
			m->has_reqip = true;
		} else if (code == OPT_SERVER_ID && !m->has_server_id) {
			memcpy(m->server_id, v, 4);
			m->has_server_id = true;
		}
		return 0;
	}
	return 0; /* read over, not used */
}

/* Walk the options from @off to END or the message's end (a missing END
 * is tolerated: the UDP length bounds the message). */
static int read_options(const struct frame *f, size_t off, struct dhcp_msg *m)
{
	while (off < f->len) {
		const uint8_t *o = frame_get(f, off, 1), *v;

		if (o[0] == OPT_PAD) {
			off++;
			continue;
		}
		if (o[0] == OPT_END)
			return 0;
		o = frame_get(f, off, 2);
		v = o ? frame_get(f, off + 2, o[1]) : NULL;
		if (!v || take_option(m, o[0], v, o[1]))
			return -EINVAL;
		off += 2 + (size_t)o[1];
	}
	return 0;
}

/**
 * dhcp_parse() - Read a client's DHCP message
 * @msg: the UDP payload (guest bytes)
 * @len: its length
 * @m:   filled
 *
 * Return: 0, or -EINVAL when it is no well-formed client message (a
 * BOOTREQUEST over Ethernet with the cookie, options that fit, and a
 * client's message type: DISCOVER, REQUEST, DECLINE, RELEASE or INFORM)
 */
int dhcp_parse(const uint8_t *msg, size_t len, struct dhcp_msg *m)
{
	const struct frame f = { .data = msg, .len = len };
	const uint8_t *h = frame_get(&f, 0, DHCP_FIXED + 4);

	memset(m, 0, sizeof(*m));
	if (!h || h[O_OP] != BOOTREQUEST || h[O_HTYPE] != HTYPE_ETHER || h[O_HLEN] != TG_ETH_ALEN ||
	    rd32(h + O_COOKIE) != COOKIE)
		return -EINVAL;
	memcpy(m->xid, h + O_XID, 4);
	m->flags = rd16(h + O_FLAGS);
	memcpy(m->ciaddr, h + O_CIADDR, 4);
	memcpy(m->giaddr, h + O_GIADDR, 4);
	memcpy(m->chaddr, h + O_CHADDR, 16);
	if (read_options(&f, DHCP_FIXED + 4, m))
		return -EINVAL;
	switch (m->type) {
	case DHCP_DISCOVER:
	case DHCP_REQUEST:
	case DHCP_DECLINE:
	case DHCP_RELEASE:
	case DHCP_INFORM:
		return 0;
	}
	return -EINVAL;
}

/*
 * RFC 2131 4.3.2: a server identifier means SELECTING (another server's:
 * the client chose it, say nothing); else a requested address means
 * INIT-REBOOT, and a ciaddr alone RENEWING or REBINDING. The address asked
 * for is the guest's, or the client is wrong about its network: NAK.
 */
static int decide_request(const struct dhcp_msg *m, const struct config *cfg)
{
	const uint8_t *want = m->has_reqip ? m->reqip : m->ciaddr;

	if (m->has_server_id && memcmp(m->server_id, &cfg->gw_ip4, 4))
		return -1;
	return memcmp(want, &cfg->guest_ip4, 4) ? DHCP_NAK : DHCP_ACK;
}

/**
 * dhcp_decide() - The answer to a parsed client message
 * @m:   the message
 * @cfg: the guest's MAC and address, the gateway's address
 *
 * Only the configured guest MAC is served, and only on the link (no relay
 * agent: giaddr 0). A RELEASE needs no answer (no lease table to free); a
 * DECLINE neither (the one address cannot be swapped for another).
 *
 * Return: DHCP_OFFER, DHCP_ACK or DHCP_NAK to send; 0 when the guest's
 * message takes none (RELEASE, DECLINE); -1 when the message is not ours
 * to answer (another MAC, another server chosen, an INFORM from another
 * address)
 */
int dhcp_decide(const struct dhcp_msg *m, const struct config *cfg)
{
	if (memcmp(m->chaddr, cfg->guest_mac, 6) || memcmp(m->giaddr, any4, 4))
		return -1;
	switch (m->type) {
	case DHCP_DISCOVER:
		return DHCP_OFFER;
	case DHCP_REQUEST:
		return decide_request(m, cfg);
	case DHCP_INFORM:
		return memcmp(m->ciaddr, &cfg->guest_ip4, 4) ? -1 : DHCP_ACK;
	case DHCP_DECLINE:
	case DHCP_RELEASE:
		return m->has_server_id && memcmp(m->server_id, &cfg->gw_ip4, 4) ? -1 : 0;
	}
	return -1;
}

static uint8_t *put_opt(uint8_t *o, uint8_t code, const void *v, uint8_t len)
{
	o[0] = code;
	o[1] = len;
	memcpy(o + 2, v, len);
	return o + 2 + len;
}

static uint8_t *put_opt32(uint8_t *o, uint8_t code, uint32_t v)
{
	uint8_t b[4];

	wr32(b, v);
	return put_opt(o, code, b, 4);
}

/* The options of an answer of @type; returns the end (after END). An
 * INFORM's ACK has no lease (RFC 2131 4.3.5), a NAK only its type and the
 * server (table 3). */
static uint8_t *put_options(uint8_t *o, int type, const struct dhcp_msg *m,
			    const struct config *cfg)
{
	uint8_t t = (uint8_t)type, mtu[2];

	o = put_opt(o, OPT_TYPE, &t, 1);
	o = put_opt(o, OPT_SERVER_ID, &cfg->gw_ip4, 4);
	if (type != DHCP_NAK) {
		if (m->type != DHCP_INFORM) {
			o = put_opt32(o, OPT_LEASE, DHCP_LEASE_S);
			o = put_opt32(o, OPT_T1, DHCP_LEASE_S / 2);
			o = put_opt32(o, OPT_T2, DHCP_LEASE_S / 8 * 7);
		}
		o = put_opt32(o, OPT_MASK, cfg->prefix4 ? ~0u << (32 - cfg->prefix4) : 0);
		o = put_opt(o, OPT_ROUTER, &cfg->gw_ip4, 4);
		o = put_opt(o, OPT_DNS, &cfg->gw_ip4, 4);
		wr16(mtu, (uint16_t)cfg->mtu);
		o = put_opt(o, OPT_MTU, mtu, 2);
	}
	*o++ = OPT_END;
	return o;
}

/* RFC 2131 4.1, no relay: a NAK is broadcast; an answer to a client that
 * has an address (ciaddr) goes to it; else broadcast if the client asked
 * so, or to the address offered. The frame goes to the guest's MAC
 * whichever: it is the only one on the link. */
static const uint8_t *answer_dst(const struct dhcp_msg *m, int type, const struct config *cfg)
{
	if (type == DHCP_NAK)
		return bcast4;
	if (memcmp(m->ciaddr, any4, 4))
		return m->ciaddr;
	if (m->flags & F_BROADCAST)
		return bcast4;
	return (const uint8_t *)&cfg->guest_ip4;
}

/* IPv4 and UDP headers from the gateway's port 67 to @dst's 68, around
 * the @dlen bytes of message already at ip + 28. */
static void headers(uint8_t *ip, const uint8_t dst[4], size_t dlen, const struct config *cfg)
{
	const uint8_t *src = (const uint8_t *)&cfg->gw_ip4;
	uint8_t *u = ip + TG_IP4_HLEN;
	uint16_t ulen = (uint16_t)(TG_UDP_HLEN + dlen), c;

	wr16(u, TG_DHCP_SERVER_PORT);
	wr16(u + 2, TG_DHCP_CLIENT_PORT);
	wr16(u + 4, ulen);
	wr16(u + 6, 0);
	c = csum_fold(csum_add(csum_pseudo4(src, dst, TG_IPPROTO_UDP, ulen), u, ulen));
	wr16(u + 6, c ? c : 0xffff);
	ip[0] = 0x45;
	wr16(ip + 2, (uint16_t)(TG_IP4_HLEN + ulen));
	ip[8] = 64;
	ip[9] = TG_IPPROTO_UDP;
	memcpy(ip + 12, src, 4);
	memcpy(ip + 16, dst, 4);
	wr16(ip + 10, csum_fold(csum_add(0, ip, TG_IP4_HLEN)));
}

/**
 * dhcp_build() - Write the answer to a client's message as an IPv4 packet
 * @m:    the client's message
 * @type: DHCP_OFFER, DHCP_ACK or DHCP_NAK (from dhcp_decide())
 * @cfg:  addresses, prefix, MTU
 * @ip:   where the packet goes
 * @cap:  its room, at least DHCP_IP_MAX
 *
 * Return: the packet's length, or 0 when @cap is short
 */
size_t dhcp_build(const struct dhcp_msg *m, int type, const struct config *cfg, uint8_t *ip,
		  size_t cap)
{
	uint8_t *d = ip + TG_IP4_HLEN + TG_UDP_HLEN;
	size_t dlen;

	if (cap < DHCP_IP_MAX)
		return 0;
	memset(ip, 0, DHCP_IP_MAX);
	d[O_OP] = BOOTREPLY;
	d[O_HTYPE] = HTYPE_ETHER;
	d[O_HLEN] = TG_ETH_ALEN;
	memcpy(d + O_XID, m->xid, 4);
	wr16(d + O_FLAGS, m->flags & F_BROADCAST);
	if (type == DHCP_ACK)
		memcpy(d + O_CIADDR, m->ciaddr, 4);
	if (type != DHCP_NAK && m->type != DHCP_INFORM)
		memcpy(d + O_YIADDR, &cfg->guest_ip4, 4);
	memcpy(d + O_CHADDR, m->chaddr, 16);
	wr32(d + O_COOKIE, COOKIE);
	dlen = (size_t)(put_options(d + DHCP_FIXED + 4, type, m, cfg) - d);
	if (dlen < DHCP_MSG_MIN)
		dlen = DHCP_MSG_MIN; /* zeros: PAD */
	headers(ip, answer_dst(m, type, cfg), dlen, cfg);
	return TG_IP4_HLEN + TG_UDP_HLEN + dlen;
}

static void count(struct tg_ustats *st, const struct dhcp_msg *m, int answer)
{
	if (answer == DHCP_OFFER)
		st->dhcp_offers++;
	else if (answer == DHCP_ACK)
		st->dhcp_acks++;
	else if (answer == DHCP_NAK)
		st->dhcp_naks++;
	else if (answer == 0)
		st->dhcp_released++;
	else
		st->dhcp_ignored++;
	log_dbg("DHCP message %u from the guest: answered %d", m->type, answer);
}

/**
 * dhcp_serve() - Answer a staged DHCP client message
 * @s:   a SLOT_DHCP frame
 * @cfg: configuration
 * @st:  counters (dhcp_*)
 *
 * Return: SLOT_OK (answered, or nothing to answer: counted),
 * SLOT_DROP_DHCP for a malformed message, SLOT_DROP_NOMEM without tx room
 * (the client asks again)
 */
int dhcp_serve(const struct slot *s, const struct config *cfg, struct tg_ustats *st)
{
	const uint8_t *p = frame_get(&s->f, s->l4_off + TG_UDP_HLEN, s->payload_len);
	uint8_t ip[DHCP_IP_MAX];
	struct dhcp_msg m;
	int answer;

	if (s->kind != SLOT_DHCP || !p || dhcp_parse(p, s->payload_len, &m))
		return SLOT_DROP_DHCP;
	answer = dhcp_decide(&m, cfg);
	if (answer > 0 && gtx_send_ip(ip, dhcp_build(&m, answer, cfg, ip, sizeof(ip))))
		return SLOT_DROP_NOMEM;
	count(st, &m, answer);
	return SLOT_OK;
}
