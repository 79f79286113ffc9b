// SPDX-License-Identifier: MIT
/*
 * test_dhcp_agree.c - the XDP program and the slot agree on what is a DHCP
 * client's message: the one exception both make to their source and
 * destination checks (bpf/steer.bpf.c dhcp4_client(), user/wire/slot.c
 * dhcp_client4()). Each "dhcp:" case of steer_cases.h, and each of those
 * frames with a few bytes changed at random (fixed seed), goes to the
 * program (bpf_prog_test_run_opts) and to slot_stage() with the same
 * configuration. What the slot takes as SLOT_DHCP the program must have
 * steered as TG_V_TO_DHCP; what the program steers so, the slot takes as
 * DHCP or drops (it also checks the IP checksum and the UDP length),
 * never as anything else. Needs root.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "steer_cases.h"
#include "control/config.h"
#include "wire/slot.h"

/* The verdict counter the frame grew, or -1. */
static int verdict_of(const struct env *e, const uint8_t *frame, size_t len)
{
	struct tg_count before[TG_V_MAX], after[TG_V_MAX];

	if (read_counters(e, before) || run_frame(e, frame, len) < 0 || read_counters(e, after))
		return -1;
	for (int v = 0; v < TG_V_MAX; v++)
		if (after[v].packets != before[v].packets)
			return v;
	return -1;
}

/* 0 when they agree on @frame, else -1 with @why filled. */
static int agree(const struct env *e, enum env_id id, const uint8_t *frame, size_t len, char *why,
		 size_t whylen)
{
	struct config cfg;
	struct slot s;
	int v = verdict_of(e, frame, len), r;

	config_defaults(&cfg);
	cfg.dhcp = id != ENV_BARE;
	r = slot_stage(&s, &cfg, frame, len);
	if (v < 0)
		return fail(why, whylen, "running the program failed");
	if (r == SLOT_OK && s.kind == SLOT_DHCP && v != TG_V_TO_DHCP)
		return fail(why, whylen, "slot: DHCP, program: verdict %d", v);
	if (v == TG_V_TO_DHCP && r == SLOT_OK && s.kind != SLOT_DHCP)
		return fail(why, whylen, "program: TO_DHCP, slot: kind %d", s.kind);
	return 0;
}

static int check_case(const struct env *envs, const struct tcase *c, unsigned int *seed, char *why,
		      size_t whylen)
{
	static uint8_t frame[FRAME_MAX];
	size_t len;

	memset(frame, 0, sizeof(frame));
	len = c->build(frame);
	if (agree(&envs[c->env], c->env, frame, len, why, whylen))
		return -1;
	for (int round = 0; round < 300; round++) {
		memset(frame, 0, sizeof(frame));
		len = c->build(frame);
		for (int k = 1 + rand_r(seed) % 3; k > 0; k--)
			frame[rand_r(seed) % len] ^= 1 + rand_r(seed) % 255;
		if (agree(&envs[c->env], c->env, frame, len, why, whylen))
			return fail(why + strlen(why), whylen - strlen(why), " (mutation %d)",
				    round);
	}
	return 0;
}

int main(void)
{
	struct env envs[ENV_MAX] = { 0 };
	int passed = 0, failed = 0, xsk_fd = -1;
	unsigned int seed = 4242;
	char why[256];

	log_set_level(LOG_ERROR);
	if (envs_open(envs, "test_dhcp_agree")) {
		failed++;
		goto cleanup;
	}
	/* A socket in the XSKMAP, so that a redirect counts as its verdict. */
	xsk_fd = socket(AF_XDP, SOCK_RAW, 0);
	for (int i = 0; i < ENV_MAX && xsk_fd >= 0; i++)
		if (set_socket(&envs[i], xsk_fd)) {
			printf("FAIL filling XSKMAP\n");
			failed++;
			goto cleanup;
		}
	if (xsk_fd < 0) {
		printf("SKIP no AF_XDP socket: redirects cannot be told apart\n");
		envs_close(envs);
		return 77;
	}
	for (size_t i = 0; i < NCASES; i++) {
		if (strncmp(cases[i].name, "dhcp:", 5))
			continue;
		if (check_case(envs, &cases[i], &seed, why, sizeof(why))) {
			printf("FAIL %s: %s\n", cases[i].name, why);
			failed++;
		} else {
			printf("ok %s: program and slot agree, and on 300 mutations\n",
			       cases[i].name);
			passed++;
		}
	}

cleanup:
	if (xsk_fd >= 0)
		close(xsk_fd);
	envs_close(envs);
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
