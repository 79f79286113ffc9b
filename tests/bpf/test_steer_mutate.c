// SPDX-License-Identifier: MIT
/*
 * test_steer_mutate.c - the XDP program on broken frames in bulk: every
 * case's frame (steer_cases.h) with a few bytes changed at random (fixed
 * seed), in every environment, must be dropped or redirected, never
 * passed, and counted exactly once. Needs root.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "steer_cases.h"

/*
 * Broken frames in bulk: every case's frame with a few bytes changed at
 * random (fixed seed), in every environment. Whatever the frame, the
 * program must return XDP_DROP or XDP_REDIRECT and count it exactly once.
 */
static int check_mutations(struct env *envs, char *why, size_t whylen)
{
	unsigned int seed = 12345;

	for (int round = 0; round < 200; round++) {
		for (size_t i = 0; i < NCASES; i++) {
			const struct env *e = &envs[round % ENV_MAX];
			struct tg_count before[TG_V_MAX], after[TG_V_MAX];
			uint64_t dp = 0, db = 0;
			uint8_t frame[FRAME_MAX] = { 0 };
			size_t len = cases[i].build(frame);
			int ret, err;

			if (len < TG_ETH_HLEN)
				continue; /* see check_case() */

			for (int k = 1 + rand_r(&seed) % 3; k > 0; k--)
				frame[rand_r(&seed) % len] ^= 1 + rand_r(&seed) % 255;
			ret = read_counters(e, before);
			if (ret)
				return fail(why, whylen, "reading counters: %s", strerror(-ret));
			ret = run_frame(e, frame, len);
			err = read_counters(e, after);
			if (err)
				return fail(why, whylen, "reading counters: %s", strerror(-err));
			for (int v = 0; v < TG_V_MAX; v++) {
				dp += after[v].packets - before[v].packets;
				db += after[v].bytes - before[v].bytes;
			}
			if ((ret != XDP_DROP && ret != XDP_REDIRECT) || dp != 1 || db != len)
				return fail(why, whylen,
					    "mutated '%s' (round %d): %s, counted %llu times",
					    cases[i].name, round,
					    ret < 0 ? strerror(-ret) : action_name(ret),
					    (unsigned long long)dp);
		}
	}
	return 0;
}

int main(void)
{
	struct env envs[ENV_MAX] = { 0 };
	int passed = 0, failed = 0;
	char why[256];
	int xsk_fd = -1, err;

	if (envs_open(envs, "test_steer_mutate")) {
		failed++;
		goto cleanup;
	}
	/* As test_steer_cases leaves them: an unbound AF_XDP socket in every
	 * environment's XSKMAP when there can be one (redirects succeed). */
	xsk_fd = socket(AF_XDP, SOCK_RAW, 0);
	for (int i = 0; i < ENV_MAX && xsk_fd >= 0; i++) {
		err = set_socket(&envs[i], xsk_fd);
		if (err) {
			printf("FAIL mutated frames: filling XSKMAP: %s\n", strerror(-err));
			failed++;
			goto cleanup;
		}
	}

	if (check_mutations(envs, why, sizeof(why))) {
		printf("FAIL mutated frames: %s\n", why);
		failed++;
	} else {
		printf("ok mutated frames: each counted once, never passed\n");
		passed++;
	}

cleanup:
	if (xsk_fd >= 0)
		close(xsk_fd);
	envs_close(envs);
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
