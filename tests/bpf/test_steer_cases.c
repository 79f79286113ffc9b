// SPDX-License-Identifier: MIT
/*
 * test_steer_cases.c - runs the XDP program (bpf/steer.bpf.c) on crafted
 * frames with bpf_prog_test_run_opts(), no network device involved, and
 * checks for each case (steer_cases.h) the XDP return code and that
 * exactly one verdict counter grew (by one packet and by the frame's
 * length) while every other stayed. Each case runs twice: with no AF_XDP
 * socket in the XSKMAP, where every redirect must fall back to XDP_DROP
 * counted as TG_V_DROP_NOSOCK (fail closed), and with an unbound AF_XDP
 * socket in the XSKMAP, which makes bpf_redirect_map() succeed (test_run
 * does not deliver the frame) so that the TG_V_TO_* verdicts can be told
 * apart. Frames longer than a page (TSO super-frames, jumbo frames) reach
 * the program in several buffers, as multi-buffer XDP hands them over.
 * Needs root.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "steer_cases.h"

static const char *const verdict_names[TG_V_MAX] = {
	[TG_V_TO_TCP] = "TO_TCP",
	[TG_V_TO_DNS] = "TO_DNS",
	[TG_V_TO_ARP] = "TO_ARP",
	[TG_V_TO_ICMP] = "TO_ICMP",
	[TG_V_TO_FRAG] = "TO_FRAG",
	[TG_V_TO_DENIED_SYN] = "TO_DENIED_SYN",
	[TG_V_UDP_RELAY] = "UDP_RELAY",
	[TG_V_UDP_FRAG] = "UDP_FRAG",
	[TG_V_DROP_MALFORMED] = "DROP_MALFORMED",
	[TG_V_DROP_SPOOF_MAC] = "DROP_SPOOF_MAC",
	[TG_V_DROP_SPOOF_IP] = "DROP_SPOOF_IP",
	[TG_V_DROP_POLICY] = "DROP_POLICY",
	[TG_V_DROP_PROTO] = "DROP_PROTO",
	[TG_V_DROP_NOSOCK] = "DROP_NOSOCK",
	[TG_V_DROP_UDP] = "DROP_UDP",
	[TG_V_DROP_UDP_GSO] = "DROP_UDP_GSO",
	[TG_V_DROP_OVERSIZE] = "DROP_OVERSIZE",
	[TG_V_DROP_NOCONFIG] = "DROP_NOCONFIG",
	[TG_V_DROP_EXTHDR] = "DROP_EXTHDR",
	[TG_V_TO_DHCP] = "TO_DHCP",
	[TG_V_DROP_SYN_RATE] = "DROP_SYN_RATE",
};

/*
 * Runs one case in one pass and checks the action and counters. Without a
 * socket a redirect must end as XDP_DROP counted DROP_NOSOCK. Returns 0,
 * -1 with @why filled, or 1 (skipped, @why says why).
 */
static int check_case(const struct env *e, const struct tcase *c, bool xsk, char *why,
		      size_t whylen)
{
	struct tg_count before[TG_V_MAX], after[TG_V_MAX];
	bool redirect = c->xdp == XDP_REDIRECT;
	int want_ret = xsk ? c->xdp : XDP_DROP;
	int want_v = redirect && !xsk ? TG_V_DROP_NOSOCK : (int)c->verdict;
	const char *pass = xsk ? "socket bound" : "no socket";
	uint8_t frame[FRAME_MAX];
	size_t len;
	int ret, err;

	memset(frame, 0, sizeof(frame));
	len = c->build(frame);
	ret = read_counters(e, before);
	if (ret)
		return fail(why, whylen, "reading counters: %s", strerror(-ret));
	ret = run_frame(e, frame, len);
	if (ret == -EINVAL && len < TG_ETH_HLEN) {
		/* Recent kernels want TG_ETH_HLEN bytes after the metadata. */
		fail(why, whylen,
		     "this kernel's test_run refuses frames under %d bytes "
		     "(tap and veth never deliver them either)",
		     TG_ETH_HLEN);
		return 1;
	}
	if (ret < 0)
		return fail(why, whylen, "test_run: %s", strerror(-ret));
	err = read_counters(e, after);
	if (err)
		return fail(why, whylen, "reading counters: %s", strerror(-err));
	if (ret != want_ret)
		return fail(why, whylen, "%s: returned %s, want %s", pass, action_name(ret),
			    action_name(want_ret));
	for (int v = 0; v < TG_V_MAX; v++) {
		uint64_t dp = after[v].packets - before[v].packets;
		uint64_t db = after[v].bytes - before[v].bytes;
		uint64_t wp = v == want_v ? 1 : 0;

		if (dp != wp || db != wp * len)
			return fail(why, whylen,
				    "%s: %s grew by %llu packets, %llu bytes; want %s (%zu bytes)",
				    pass, verdict_names[v], (unsigned long long)dp,
				    (unsigned long long)db, verdict_names[want_v], len),
			       -1;
	}
	return 0;
}

int main(void)
{
	struct env envs[ENV_MAX] = { 0 };
	int passed = 0, failed = 0, skipped = 0;
	char why[256];
	int xsk_fd;

	if (envs_open(envs, "test_steer_cases")) {
		failed++;
		goto cleanup;
	}
	printf("ok verifier loads tg_steer in %d configurations\n", ENV_MAX);
	passed++;

	/* An unbound AF_XDP socket is enough for the XSKMAP entry to exist,
	 * so bpf_redirect_map() succeeds; test_run delivers nothing. */
	xsk_fd = socket(AF_XDP, SOCK_RAW, 0);
	if (xsk_fd < 0)
		printf("note: no AF_XDP socket (%s): TO_* verdicts checked as NOSOCK only\n",
		       strerror(errno));

	for (size_t i = 0; i < NCASES; i++) {
		const struct tcase *c = &cases[i];
		const struct env *e = &envs[c->env];
		int r;

		r = set_socket(e, -1);
		if (r)
			snprintf(why, sizeof(why), "clearing XSKMAP: %s", strerror(-r));
		else
			r = check_case(e, c, false, why, sizeof(why));
		if (!r && xsk_fd >= 0) {
			r = set_socket(e, xsk_fd);
			if (r)
				snprintf(why, sizeof(why), "filling XSKMAP: %s", strerror(-r));
			else
				r = check_case(e, c, true, why, sizeof(why));
		}
		if (r > 0) {
			printf("skip %s: %s\n", c->name, why);
			skipped++;
		} else if (r) {
			printf("FAIL %s: %s\n", c->name, why);
			failed++;
		} else {
			printf("ok %s\n", c->name);
			passed++;
		}
	}
	if (xsk_fd >= 0)
		close(xsk_fd);

cleanup:
	envs_close(envs);
	if (skipped)
		printf("%d skipped\n", skipped);
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
