// SPDX-License-Identifier: MIT
/*
 * polset.c - the policy in force: both layers, in user space and in the
 * XDP program's maps at once (polset.h).
 *
 * A new policy (start, reload, the host's addresses changing) is compiled
 * into the maps' idle generation, then one write of tg_pol_gen puts it in
 * force for the program, and only then does user space switch: a frame
 * the program let through under the old policy is judged again by the new
 * one in user space, never the other way round. On any failure the old
 * policy stays whole, in both places. Runs on the event-loop thread.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "control/log.h"
#include "policy/polcompile.h"
#include "policy/polset.h"

static struct policy layers[TG_L_MAX];
static struct polset_maps maps = { .fds = { -1, -1, -1 } };
static uint32_t gen;
static bool have_maps, installed;
static pol_pinned_fn pins; /* the DNS interceptor's (dns/dnsrec.c) */

/* Where domain rules look when a caller gives no pins of its own. */
void polset_set_pins(pol_pinned_fn fn)
{
	pins = fn;
}

/* The DNS pins domain rules look at (NULL before the DNS interceptor). */
pol_pinned_fn polset_pins(void)
{
	return pins;
}

/**
 * polset_init() - Where the policy goes besides user space
 * @m: the program's maps and variables; NULL for user space only (tests)
 */
void polset_init(const struct polset_maps *m)
{
	have_maps = m != NULL;
	if (m)
		maps = *m;
}

static int compile_into(const struct policy *l, const struct group_table *g, uint32_t to, char *err,
			size_t errlen)
{
	struct polcompile_in in = { .layer = l, .groups = g, .gen = to };
	struct polcompile_out out;
	int rc;

	if (!have_maps)
		return 0;
	rc = polcompile_write(&in, &maps.fds, &out);
	if (rc) {
		if (rc == -ENOSPC)
			snprintf(err, errlen,
				 "the policy does not fit the kernel tables (%u chain entries, "
				 "%u regions at most): fewer rules or port ranges",
				 TG_PCHAIN_MAX, TG_POLICY_MAX);
		else
			snprintf(err, errlen, "cannot write the policy maps: %s", strerror(-rc));
		polcompile_sweep(&maps.fds, gen); /* drop the half-written generation */
		return rc;
	}
	*maps.gen = to;
	__sync_synchronize();
	log_dbg("policy: %zu regions, %u chain entries, generation %u", out.regions, out.entries,
		to);
	return polcompile_sweep(&maps.fds, to);
}

/* The hit counters of generation @g: zeroed before it is used again. */
static void hits_clear(uint32_t g)
{
	if (maps.hits)
		memset(&maps.hits[TG_PHIT(g, 0, 0)], 0,
		       (size_t)TG_L_MAX * (TG_PRULES_MAX + 1) * sizeof(uint64_t));
}

/**
 * polset_install() - Put a floor and a sandbox policy in force
 * @floor:   the operator's layer; moved in on success
 * @sandbox: the sandbox's layer; moved in on success
 * @g:       the destination groups
 * @err:     set to the reason on failure
 * @errlen:  its size
 *
 * Return: 0, or a negative errno with the old policy still in force
 */
int polset_install(struct policy *floor, struct policy *sandbox, const struct group_table *g,
		   char *err, size_t errlen)
{
	struct policy next[TG_L_MAX] = { *floor, *sandbox };
	uint32_t to = installed ? !gen : gen;
	int rc;

	hits_clear(to);
	rc = compile_into(next, g, to, err, errlen);
	if (rc)
		return rc;
	for (int l = 0; l < TG_L_MAX; l++)
		policy_free(&layers[l]);
	memcpy(layers, next, sizeof(layers));
	memset(floor, 0, sizeof(*floor));
	memset(sandbox, 0, sizeof(*sandbox));
	gen = to;
	installed = true;
	return 0;
}

/**
 * polset_regroup() - Recompile after the destination groups changed
 * @g: the new groups
 *
 * Return: 0 or a negative errno (the old tables stay)
 */
int polset_regroup(const struct group_table *g)
{
	char err[160];
	uint32_t to = !gen;
	int rc;

	if (!installed)
		return 0;
	/* Same rules: their counts carry over to the new generation. */
	if (maps.hits)
		memcpy(&maps.hits[TG_PHIT(to, 0, 0)], &maps.hits[TG_PHIT(gen, 0, 0)],
		       (size_t)TG_L_MAX * (TG_PRULES_MAX + 1) * sizeof(uint64_t));
	rc = compile_into(layers, g, to, err, sizeof(err));
	if (rc) {
		log_err("policy: %s", err);
		return rc;
	}
	gen = to;
	return 0;
}

static const char *proto_name(uint8_t proto)
{
	return proto == IPPROTO_TCP ? "tcp" : proto == IPPROTO_UDP ? "udp" : "icmp";
}

/* At most a few lines a second: a guest that floods denied flows must not
 * flood the log too. */
static void log_denial(const struct pol_flow *f, const struct pol_verdict *v)
{
	static time_t window;
	static unsigned int lines;
	char addr[INET6_ADDRSTRLEN];
	time_t now = time(NULL);

	if (now != window) {
		window = now;
		lines = 0;
	}
	if (++lines > 5)
		return;
	inet_ntop(f->family == 4 ? AF_INET : AF_INET6, f->addr, addr, sizeof(addr));
	if (v->rule < 0)
		log_info("policy: denied %s to %s port %u: %s's default (%s)", proto_name(f->proto),
			 addr, f->port, v->layer == TG_L_FLOOR ? "floor" : "policy",
			 layers[v->layer].origin);
	else
		log_info("policy: denied %s to %s port %u: %s rule %d (%s:%u)",
			 proto_name(f->proto), addr, f->port,
			 v->layer == TG_L_FLOOR ? "floor" : "policy", v->rule,
			 layers[v->layer].origin, v->line);
}

/**
 * polset_check() - Decide a new flow, count it on its rule, log a denial
 * @f:      the flow
 * @pinned: the DNS pins, for domain rules
 * @v:      set to the verdict: the first layer that denies, else the sandbox's
 *
 * Return: true when both layers allow
 */
bool polset_check(const struct pol_flow *f, pol_pinned_fn pinned, struct pol_verdict *v)
{
	memset(v, 0, sizeof(*v));
	v->action = TG_ACT_DENY; /* nothing installed: fail closed */
	v->rule = -1;
	for (int l = 0; installed && l < TG_L_MAX; l++) {
		v->layer = (uint8_t)l;
		v->rule = policy_eval(&layers[l], f, pinned ? pinned : pins, &v->action);
		v->line = v->rule >= 0 ? layers[l].rule[v->rule].line : 0;
		if (maps.hits)
			__sync_fetch_and_add(
				&maps.hits[TG_PHIT(gen, l, v->rule < 0 ? TG_PRULES_MAX : v->rule)],
				1);
		if (v->action != TG_ACT_ALLOW)
			break;
	}
	if (v->action != TG_ACT_ALLOW) {
		v->icmp_prohibited = installed && layers[v->layer].icmp_prohibited;
		log_denial(f, v);
	}
	return v->action == TG_ACT_ALLOW;
}

/**
 * polset_still_allows() - Whether a flow already open may stay (reload)
 * @f: the flow
 *
 * Neither counted nor logged: the flow was counted when it was decided.
 */
bool polset_still_allows(const struct pol_flow *f)
{
	uint8_t action = TG_ACT_DENY;

	for (int l = 0; installed && l < TG_L_MAX; l++) {
		policy_eval(&layers[l], f, pins, &action);
		if (action != TG_ACT_ALLOW)
			return false;
	}
	return installed;
}

/**
 * polset_addr_exempt() - Whether the sandbox's policy names @addr itself
 * @family: 4 or 6
 * @addr:   an address a DNS answer carries
 *
 * The rebinding filter turns answers into private, loopback, link-local,
 * metadata or host addresses into NXDOMAIN; an allow rule whose CIDR holds
 * the address says the owner means the guest to reach it by name.
 */
bool polset_addr_exempt(int family, const uint8_t *addr)
{
	const struct policy *p = &layers[TG_L_SANDBOX];

	for (unsigned int i = 0; installed && i < p->n; i++) {
		const struct pol_rule *r = &p->rule[i];

		if (r->dest == POL_D_CIDR && r->action == TG_ACT_ALLOW && (r->dir & POL_EGRESS) &&
		    r->family == family && pol_prefix_has(r->addr, r->len, addr))
			return true;
	}
	return false;
}

/**
 * polset_name_denied() - Whether either layer refuses DNS for @name
 * @name: the queried name, no trailing dot
 */
bool polset_name_denied(const char *name)
{
	if (!installed)
		return true;
	return policy_name_denied(&layers[TG_L_FLOOR], name) ||
	       policy_name_denied(&layers[TG_L_SANDBOX], name);
}

/* The layer in force, for display. */
const struct policy *polset_layer(int layer)
{
	return &layers[layer];
}

uint32_t polset_gen(void)
{
	return gen;
}

void polset_free(void)
{
	for (int l = 0; l < TG_L_MAX; l++)
		policy_free(&layers[l]);
	installed = false;
	gen = 0;
	have_maps = false;
	maps = (struct polset_maps){ .fds = { -1, -1, -1 } };
}
