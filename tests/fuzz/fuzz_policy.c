// SPDX-License-Identifier: MIT
/*
 * fuzz_policy.c - libFuzzer target: any bytes as a policy file.
 *
 * A policy file is the operator's, not the guest's, but a crash or a
 * misread there opens or closes a sandbox's network, and polscan.c walks
 * the text by hand. Input: the file's bytes, in a heap block of exactly
 * their size (ASan sees a read past the end). Checked: a refused file
 * leaves nothing behind and says why with the file name; a parsed one has
 * sane rules (a protocol, ordered port ranges, prefixes within the
 * family, CIDRs with no bits past the prefix) and can be decided on,
 * linted and freed.
 */
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control/log.h"
#include "policy/policy.h"

static void check_rule(const struct pol_rule *r)
{
	if (!r->protos || (r->protos & ~TG_PP_ALL) || !r->dir || r->action > TG_ACT_ALLOW)
		abort();
	for (unsigned int i = 0; i < r->nports; i++)
		if (!r->ports[i].lo || r->ports[i].lo > r->ports[i].hi)
			abort();
	if (r->dest == POL_D_CIDR && r->len > (r->family == 4 ? 32 : 128))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t protos[] = { IPPROTO_TCP, IPPROTO_UDP, IPPROTO_ICMP };
	char *text = malloc(size ? size : 1);
	struct policy p;
	char err[512];
	uint8_t action;

	log_set_level(LOG_ERROR);
	memcpy(text, data, size);
	if (policy_parse(&p, text, size, "f.json", err, sizeof(err))) {
		if (p.n || p.rule || strncmp(err, "f.json", 6))
			abort();
		free(text);
		return 0;
	}
	for (unsigned int i = 0; i < p.n; i++)
		check_rule(&p.rule[i]);
	for (size_t i = 0; i < sizeof(protos); i++) {
		struct pol_flow f = { .dir = POL_EGRESS,
				      .proto = protos[i],
				      .family = 4,
				      .port = (uint16_t)(size * 131),
				      .group = (uint8_t)(size % TG_G_MAX) };

		memcpy(f.addr, data, size < 16 ? size : 16);
		policy_eval(&p, &f, NULL, &action);
		if (action > TG_ACT_ALLOW)
			abort();
	}
	policy_warn_shadowed(&p);
	policy_name_denied(&p, "a.example.com");
	policy_free(&p);
	free(text);
	return 0;
}
