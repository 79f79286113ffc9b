// SPDX-License-Identifier: MIT
/*
 * reject.c - ICMP "administratively prohibited" for denied UDP and ICMP
 * (reject.h), when the policy that denies asks for it (icmp_prohibited):
 * the guest's program then fails at once and can tell a policy from an
 * outage. Bounded: a guest that floods denied datagrams gets at most
 * REJECT_PER_S errors a second, the rest is dropped silently, as without
 * the option.
 */
#include "control/route.h"
#include "io/loop.h"
#include "proxy/reject.h"
#include "ustats.h"
#include "wire/frame.h"
#include "proxy/udpout.h"
#include "wire/slot.h"

#define REJECT_PER_S 100

/**
 * reject_denied() - Answer a denied datagram when the policy asks to
 * @s:       the staged frame
 * @rt:      its route (the policy's verdict inside)
 * @verdict: what route_slot() said
 * @st:      counters
 *
 * Return: @verdict, for the caller to count the drop as usual
 */
int reject_denied(const struct slot *s, const struct route *rt, int verdict, struct tg_ustats *st)
{
	static uint64_t second;
	static unsigned int sent;
	uint64_t now = loop_now_ms() / 1000;
	const uint8_t *ip;
	size_t n;

	if (verdict != SLOT_DROP_POLICY || !rt->verdict.icmp_prohibited || s->l3_len < 20)
		return verdict;
	if (now != second) {
		second = now;
		sent = 0;
	}
	if (sent >= REJECT_PER_S)
		return verdict;
	n = s->l3_len < 48 ? s->l3_len : 48; /* the headers: what the error quotes */
	ip = frame_get(&s->f, s->l3_off, n);
	if (ip && !udpout_error_ip(UDPOUT_PROHIBITED, 0, ip, n)) {
		sent++;
		st->policy_icmp_sent++;
	}
	return verdict;
}
