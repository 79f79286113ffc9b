// SPDX-License-Identifier: MIT
/*
 * polload.c - the two layers a `tapgate run` asks for (polload.h): the
 * sandbox's from --policy, or --allow's shorthand; the operator's from
 * --floor, or a floor that allows everything (the sandbox's policy alone
 * decides). Used at start, on SIGHUP and for `tapgate policy`.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "control/config.h"
#include "control/log.h"
#include "policy/polload.h"
#include "policy/polset.h"

static void open_floor(struct policy *p)
{
	memset(p, 0, sizeof(*p));
	p->def_egress = TG_ACT_ALLOW;
	p->def_ingress = TG_ACT_ALLOW;
	snprintf(p->origin, sizeof(p->origin), "no --floor");
}

/* --floor's file. Interception is the sandbox's to configure: a floor
 * with a tls section would be silently ignored, so it is refused. */
static int load_floor(const struct config *cfg, struct policy *floor, char *err, size_t errlen)
{
	int rc = policy_load(floor, cfg->floor_path, err, errlen);

	if (!rc && floor->has_tls) {
		snprintf(err, errlen,
			 "%s: a \"tls\" section belongs in the sandbox's --policy file",
			 cfg->floor_path);
		policy_free(floor);
		rc = -EINVAL;
	}
	return rc;
}

/**
 * polload() - Read both layers
 * @cfg:     --policy, --floor, --allow
 * @sandbox: set to the sandbox's layer (@path instead of --policy if set)
 * @floor:   set to the operator's layer
 * @path:    a policy file to use instead of --policy, or NULL
 * @err:     set to the reason on failure
 * @errlen:  its size
 *
 * Return: 0 or a negative errno; nothing to free on failure
 */
int polload(const struct config *cfg, struct policy *sandbox, struct policy *floor,
	    const char *path, char *err, size_t errlen)
{
	int rc;

	if (!path && cfg->policy_path[0])
		path = cfg->policy_path;
	rc = path ? policy_load(sandbox, path, err, errlen)
		  : policy_from_allow(sandbox, cfg->allow);
	if (rc)
		return rc;
	if (!cfg->floor_path[0]) {
		open_floor(floor);
		return 0;
	}
	rc = load_floor(cfg, floor, err, errlen);
	if (rc)
		policy_free(sandbox);
	return rc;
}

/**
 * polload_install() - Read both layers and put them in force
 * @cfg:    --policy, --floor, --allow
 * @path:   a policy file instead of --policy, or NULL
 * @groups: the destination groups
 * @err:    set to the reason on failure
 * @errlen: its size
 *
 * Shadowed rules are warned about. On failure the policy in force stays.
 *
 * Return: 0 or a negative errno
 */
static int install(struct policy *sandbox, struct policy *floor, const struct group_table *groups,
		   char *err, size_t errlen)
{
	int rc;

	policy_warn_shadowed(floor);
	policy_warn_shadowed(sandbox);
	rc = polset_install(floor, sandbox, groups, err, errlen);
	policy_free(floor);
	policy_free(sandbox);
	return rc;
}

int polload_install(const struct config *cfg, const char *path, const struct group_table *groups,
		    char *err, size_t errlen)
{
	struct policy sandbox, floor;
	int rc = polload(cfg, &sandbox, &floor, path, err, errlen);

	if (!rc && sandbox.has_tls && !cfg->tls_intercept)
		log_warn("%s: its \"tls\" section does nothing without --tls-intercept",
			 sandbox.origin);
	return rc ? rc : install(&sandbox, &floor, groups, err, errlen);
}

/**
 * polload_install_text() - Put a sandbox policy given as text in force
 * @cfg:    --floor
 * @name:   the text's name, for messages
 * @text:   the policy (`tapgate policy` sends it)
 * @len:    its length
 * @groups: the destination groups
 * @err:    set to the reason on failure
 * @errlen: its size
 *
 * Return: 0 or a negative errno; the policy in force stays on failure
 */
int polload_install_text(const struct config *cfg, const char *name, const char *text, size_t len,
			 const struct group_table *groups, char *err, size_t errlen)
{
	struct policy sandbox, floor;
	int rc = policy_parse(&sandbox, text, len, name, err, errlen);

	if (rc)
		return rc;
	if (cfg->floor_path[0])
		rc = load_floor(cfg, &floor, err, errlen);
	else
		open_floor(&floor);
	if (rc) {
		policy_free(&sandbox);
		return rc;
	}
	return install(&sandbox, &floor, groups, err, errlen);
}
