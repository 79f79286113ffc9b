/* SPDX-License-Identifier: MIT */
/*
 * policy.h - the policy model (docs/DESIGN.md, "Policy model"): ordered
 * rules, first match wins per direction, a default per direction; two
 * layers, the operator's floor and the sandbox's policy, both must allow.
 * Parsed from JSON (polparse.c), decided for a flow in user space
 * (poleval.c) and compiled for the XDP program (polcompile.c): one model,
 * so the two sides cannot drift.
 */
#ifndef TAPGATE_POLICY_H
#define TAPGATE_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "steer.h"

#define POL_PORTS_MAX 32	 /* port ranges per rule */
#define POL_FILE_MAX  (1u << 20) /* bytes of a policy file */
#define POL_NAME_MAX  253	 /* a domain name, no trailing dot */

enum pol_dir {
	POL_EGRESS = 1,
	POL_INGRESS = 2,
	POL_ANYDIR = POL_EGRESS | POL_INGRESS,
};

enum pol_dest {
	POL_D_ANY = 0,
	POL_D_CIDR,   /* family, addr, len */
	POL_D_GROUP,  /* group (host also matches the gateway) */
	POL_D_DOMAIN, /* name: addresses DNS answered for exactly that name */
	POL_D_SUFFIX, /* name: ... for that name or any name under it */
};

struct pol_range {
	uint16_t lo, hi;
};

struct pol_rule {
	uint8_t dir;	/* enum pol_dir */
	uint8_t dest;	/* enum pol_dest */
	uint8_t protos; /* TG_PP_*; never 0 */
	uint8_t action; /* TG_ACT_ALLOW or TG_ACT_DENY */
	uint8_t family; /* 4 or 6, POL_D_CIDR */
	uint8_t len;	/* prefix length, POL_D_CIDR */
	uint8_t group;	/* enum tg_group, POL_D_GROUP */
	uint8_t addr[16];
	char name[POL_NAME_MAX + 1]; /* lower case, POL_D_DOMAIN and POL_D_SUFFIX */
	unsigned int nports;	     /* 0: any port */
	struct pol_range ports[POL_PORTS_MAX];
	unsigned int line; /* in its file, for messages */
};

struct policy {
	uint8_t def_egress, def_ingress; /* TG_ACT_ALLOW or TG_ACT_DENY */
	bool icmp_prohibited;		 /* denied UDP and ICMP get ICMP "administratively
			       * prohibited" back, not silence */
	unsigned int n;
	struct pol_rule *rule;
	char origin[64]; /* the file's name as given (cut at 63 bytes), or "--allow" */
	bool has_tls;	 /* the file has a "tls" section (tls/tlsconf.c reads it) */
};

/* What a decision looks at. */
struct pol_flow {
	uint8_t dir;   /* POL_EGRESS or POL_INGRESS */
	uint8_t proto; /* IPPROTO_TCP, IPPROTO_UDP, IPPROTO_ICMP */
	uint8_t family;
	uint8_t group;	  /* enum tg_group of addr */
	uint16_t port;	  /* host order; unused for ICMP */
	uint8_t addr[16]; /* network order */
};

struct pol_verdict {
	uint8_t action; /* TG_ACT_ALLOW or TG_ACT_DENY */
	uint8_t layer;	/* enum tg_layer that decided (the first to deny) */
	int rule;	/* its rule, -1 for the default */
	unsigned int line;
	bool icmp_prohibited; /* the denying layer asks for an ICMP error */
};

/* Whether the address was answered by DNS for @name (or, @suffix, a name
 * under it) to this sandbox (dns/pins.c). */
typedef bool (*pol_pinned_fn)(int family, const uint8_t *addr, const char *name, bool suffix);

void policy_free(struct policy *p);
int policy_from_allow(struct policy *p, uint32_t allow);
int policy_parse(struct policy *p, const char *text, size_t len, const char *file, char *err,
		 size_t errlen);
int policy_load(struct policy *p, const char *path, char *err, size_t errlen);
unsigned int policy_warn_shadowed(const struct policy *p);

uint8_t pol_proto_bit(uint8_t proto);
bool pol_rule_traffic(const struct pol_rule *r, uint8_t dir, uint8_t pbit, int port);
bool pol_group_matches(uint8_t rule_group, uint8_t group);
bool pol_prefix_has(const uint8_t *p, unsigned int len, const uint8_t *a);
bool pol_name_under(const char *name, const char *suffix);
int policy_eval(const struct policy *p, const struct pol_flow *f, pol_pinned_fn pinned,
		uint8_t *action);
bool policy_name_denied(const struct policy *p, const char *name);

#endif
