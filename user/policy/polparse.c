// SPDX-License-Identifier: MIT
/*
 * polparse.c - read a policy file (policy.h) with json-c.
 *
 * The file is the operator's or the sandbox owner's, not the guest's, but
 * a mistake in it opens or closes a network: every key is known or
 * refused, every value is checked, nothing is guessed (a CIDR with host
 * bits set is refused, not masked), a key given twice is refused (json-c
 * would keep the last), and each message names the file, the line, the
 * value and what to write instead.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "control/config.h"
#include "policy/policy.h"
#include "policy/polscan.h"

static int action_of(const struct polscan_ctx *c, const char *path, json_object *v, uint8_t *out)
{
	const char *s = json_object_get_string(v);

	if (!json_object_is_type(v, json_type_string))
		return polscan_fail(c, path, "must be \"allow\" or \"deny\"");
	if (!strcmp(s, "allow"))
		*out = TG_ACT_ALLOW;
	else if (!strcmp(s, "deny"))
		*out = TG_ACT_DENY;
	else
		return polscan_fail(c, path, "\"%s\": must be \"allow\" or \"deny\"", s);
	return 0;
}

static int direction_of(const struct polscan_ctx *c, const char *path, json_object *v, uint8_t *out)
{
	const char *s = json_object_get_string(v);

	if (json_object_is_type(v, json_type_string)) {
		if (!strcmp(s, "egress"))
			return *out = POL_EGRESS, 0;
		if (!strcmp(s, "ingress"))
			return *out = POL_INGRESS, 0;
		if (!strcmp(s, "any"))
			return *out = POL_ANYDIR, 0;
	}
	return polscan_fail(c, path, "\"%s\": must be \"egress\", \"ingress\" or \"any\"", s);
}

static int protocols_of(const struct polscan_ctx *c, const char *path, json_object *v, uint8_t *out)
{
	char p[POLSCAN_PATH_MAX + 24];
	size_t n;

	if (!json_object_is_type(v, json_type_array))
		return polscan_fail(c, path,
				    "must be a list such as [\"tcp\", \"udp\"] ([] for any)");
	n = json_object_array_length(v);
	*out = n ? 0 : TG_PP_ALL;
	for (size_t i = 0; i < n; i++) {
		json_object *e = json_object_array_get_idx(v, i);
		const char *s = json_object_get_string(e);

		snprintf(p, sizeof(p), "%s[%zu]", path, i);
		if (!json_object_is_type(e, json_type_string))
			return polscan_fail(c, p, "must be \"tcp\", \"udp\" or \"icmp\"");
		if (!strcmp(s, "tcp"))
			*out |= TG_PP_TCP;
		else if (!strcmp(s, "udp"))
			*out |= TG_PP_UDP;
		else if (!strcmp(s, "icmp"))
			*out |= TG_PP_ICMP;
		else
			return polscan_fail(c, p, "\"%s\": must be \"tcp\", \"udp\" or \"icmp\"",
					    s);
	}
	return 0;
}

/* A port 1-65535, from a JSON integer or the digits of a range's end. */
static int port_num(const char *s, uint16_t *out)
{
	char *end;
	long v;

	if (!isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || v < 1 || v > 65535)
		return -1;
	*out = (uint16_t)v;
	return 0;
}

static int range_of(const struct polscan_ctx *c, const char *path, json_object *e,
		    struct pol_range *r)
{
	const char *s = json_object_get_string(e);
	char lo[16], *dash;

	if (json_object_is_type(e, json_type_int)) {
		int64_t v = json_object_get_int64(e);

		if (v < 1 || v > 65535)
			return polscan_fail(c, path, "%lld: a port is 1 to 65535", (long long)v);
		r->lo = r->hi = (uint16_t)v;
		return 0;
	}
	if (!json_object_is_type(e, json_type_string) || strlen(s) >= sizeof(lo))
		return polscan_fail(c, path, "must be a port (443) or a range (\"8000-8099\")");
	snprintf(lo, sizeof(lo), "%s", s);
	dash = strchr(lo, '-');
	if (dash)
		*dash = '\0';
	if (port_num(lo, &r->lo) || port_num(dash ? dash + 1 : lo, &r->hi))
		return polscan_fail(c, path,
				    "\"%s\": a port is 1 to 65535; a range is \"LOW-HIGH\"", s);
	if (r->lo > r->hi)
		return polscan_fail(c, path, "\"%s\": the range is empty (write \"%u-%u\")", s,
				    r->hi, r->lo);
	return 0;
}

static int ports_of(const struct polscan_ctx *c, const char *path, json_object *v,
		    struct pol_rule *r)
{
	char p[POLSCAN_PATH_MAX + 24];
	size_t n;

	if (!json_object_is_type(v, json_type_array))
		return polscan_fail(c, path,
				    "must be a list such as [443, \"8000-8099\"] ([] for any)");
	n = json_object_array_length(v);
	if (n > POL_PORTS_MAX)
		return polscan_fail(c, path,
				    "%zu entries; a rule holds at most %u (split the rule)", n,
				    POL_PORTS_MAX);
	for (size_t i = 0; i < n; i++) {
		snprintf(p, sizeof(p), "%s[%zu]", path, i);
		if (range_of(c, p, json_object_array_get_idx(v, i), &r->ports[i]))
			return -EINVAL;
	}
	r->nports = (unsigned int)n;
	return 0;
}

static bool host_bits_clear(const uint8_t *a, unsigned int len, unsigned int bits)
{
	for (unsigned int b = len; b < bits; b++)
		if (a[b / 8] & (0x80 >> (b % 8)))
			return false;
	return true;
}

static int cidr_of(const struct polscan_ctx *c, const char *path, const char *s, struct pol_rule *r)
{
	char addr[64], *slash;
	unsigned long len;
	char *end;

	if (strlen(s) >= sizeof(addr))
		return polscan_fail(c, path, "\"%.40s...\": too long for an address or CIDR", s);
	snprintf(addr, sizeof(addr), "%s", s);
	slash = strchr(addr, '/');
	if (slash)
		*slash = '\0';
	r->family = inet_pton(AF_INET, addr, r->addr) == 1    ? 4
		    : inet_pton(AF_INET6, addr, r->addr) == 1 ? 6
							      : 0;
	if (!r->family)
		return polscan_fail(c, path, "\"%s\": not an IPv4 or IPv6 address", s);
	len = r->family == 4 ? 32 : 128;
	if (slash) {
		errno = 0;
		len = strtoul(slash + 1, &end, 10);
		if (errno || *end || !isdigit((unsigned char)slash[1]) ||
		    len > (r->family == 4 ? 32u : 128u))
			return polscan_fail(c, path, "\"%s\": the prefix length must be 0 to %u", s,
					    r->family == 4 ? 32 : 128);
	}
	r->len = (uint8_t)len;
	if (!host_bits_clear(r->addr, r->len, r->family == 4 ? 32 : 128))
		return polscan_fail(c, path, "\"%s\": bits are set past the /%u prefix", s, r->len);
	r->dest = POL_D_CIDR;
	return 0;
}

/* A host name: labels of letters, digits, '-' and '_', 1-63 bytes each. */
static bool name_ok(const char *s)
{
	size_t label = 0, n = strlen(s);

	if (!n || n > POL_NAME_MAX || s[n - 1] == '.')
		return false;
	for (; *s; s++) {
		if (*s == '.') {
			if (!label)
				return false;
			label = 0;
		} else if (isalnum((unsigned char)*s) || *s == '-' || *s == '_') {
			if (++label > 63)
				return false;
		} else {
			return false;
		}
	}
	return true;
}

static int group_of(const struct polscan_ctx *c, const char *path, const char *s,
		    struct pol_rule *r)
{
	for (unsigned int g = 0; g < TG_G_MAX; g++)
		if (g != TG_G_GATEWAY && !strcmp(s, config_group_name(g))) {
			r->dest = POL_D_GROUP;
			r->group = (uint8_t)g;
			return 0;
		}
	return polscan_fail(
		c, path,
		"\"group:%s\": unknown group; groups are public, host, private, loopback, "
		"link-local, metadata, multicast",
		s);
}

static int destination_of(const struct polscan_ctx *c, const char *path, json_object *v,
			  struct pol_rule *r)
{
	const char *s = json_object_get_string(v);
	bool suffix;

	if (!json_object_is_type(v, json_type_string) || !*s)
		return polscan_fail(
			c, path,
			"must be a string: \"any\", a CIDR, \"group:NAME\", a domain or "
			"\"*.domain\"");
	if (!strcmp(s, "any"))
		return r->dest = POL_D_ANY, 0;
	if (!strncmp(s, "group:", 6))
		return group_of(c, path, s + 6, r);
	if (strchr(s, ':') || strchr(s, '/') || strspn(s, "0123456789.") == strlen(s))
		return cidr_of(c, path, s, r);
	suffix = !strncmp(s, "*.", 2);
	if (!name_ok(s + (suffix ? 2 : 0)))
		return polscan_fail(
			c, path,
			"\"%s\": not a CIDR, a group (\"group:private\") nor a domain name", s);
	r->dest = suffix ? POL_D_SUFFIX : POL_D_DOMAIN;
	for (size_t i = 0; s[i + (suffix ? 2 : 0)]; i++)
		r->name[i] = (char)tolower((unsigned char)s[i + (suffix ? 2 : 0)]);
	return 0;
}

static int rule_key(const struct polscan_ctx *c, const char *path, const char *key, json_object *v,
		    struct pol_rule *r)
{
	if (!strcmp(key, "direction"))
		return direction_of(c, path, v, &r->dir);
	if (!strcmp(key, "destination"))
		return destination_of(c, path, v, r);
	if (!strcmp(key, "protocols"))
		return protocols_of(c, path, v, &r->protos);
	if (!strcmp(key, "ports"))
		return ports_of(c, path, v, r);
	if (!strcmp(key, "action"))
		return action_of(c, path, v, &r->action);
	if (!strcmp(key, "comment"))
		return 0;
	return polscan_fail(
		c, path,
		"unknown key; a rule has direction, destination, protocols, ports, action "
		"and comment");
}

static int rule_of(const struct polscan_ctx *c, unsigned int i, json_object *o, struct pol_rule *r)
{
	char path[POLSCAN_PATH_MAX], kp[POLSCAN_PATH_MAX];
	bool dest = false, act = false;

	snprintf(path, sizeof(path), "rules[%u]", i);
	if (!json_object_is_type(o, json_type_object))
		return polscan_fail(
			c, path,
			"a rule must be an object {\"destination\": ..., \"action\": ...}");
	memset(r, 0, sizeof(*r));
	r->dir = POL_EGRESS;
	r->protos = TG_PP_ALL;
	json_object_object_foreach(o, key, v)
	{
		if (snprintf(kp, sizeof(kp), "%s.%s", path, key) >= (int)sizeof(kp))
			return polscan_fail(c, path, "a key of %zu bytes: unknown", strlen(key));
		if (rule_key(c, kp, key, v, r))
			return -EINVAL;
		dest |= !strcmp(key, "destination");
		act |= !strcmp(key, "action");
	}
	if (!dest || !act)
		return polscan_fail(c, path, "a rule needs \"%s\"",
				    dest ? "action" : "destination");
	if (r->nports && !(r->protos & (TG_PP_TCP | TG_PP_UDP)))
		return polscan_fail(c, path, "ports given for a rule that matches no TCP or UDP");
	return 0;
}

static int rules_of(const struct polscan_ctx *c, json_object *v, struct policy *p)
{
	unsigned int *lines;
	size_t n;

	if (!json_object_is_type(v, json_type_array))
		return polscan_fail(c, "rules", "must be a list of rules");
	n = json_object_array_length(v);
	if (n > TG_PRULES_MAX)
		return polscan_fail(c, "rules", "%zu rules; a policy holds at most %u", n,
				    TG_PRULES_MAX);
	p->rule = calloc(n ? n : 1, sizeof(*p->rule));
	if (!p->rule)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++, p->n++)
		if (rule_of(c, (unsigned int)i, json_object_array_get_idx(v, i), &p->rule[i]))
			return -EINVAL;
	lines = calloc(n ? n : 1, sizeof(*lines));
	if (!lines)
		return -ENOMEM;
	polscan_lines(c->text, c->len, "rules", lines, n); /* one walk, not one per rule */
	for (size_t i = 0; i < n; i++)
		p->rule[i].line = lines[i];
	free(lines);
	return 0;
}

static int top_of(const struct polscan_ctx *c, json_object *top, struct policy *p)
{
	if (!json_object_is_type(top, json_type_object))
		return polscan_fail(
			c, "",
			"a policy is an object: {\"default_egress\": ..., \"rules\": [...]}");
	json_object_object_foreach(top, key, v)
	{
		int err;

		if (!strcmp(key, "default_egress"))
			err = action_of(c, key, v, &p->def_egress);
		else if (!strcmp(key, "default_ingress"))
			err = action_of(c, key, v, &p->def_ingress);
		else if (!strcmp(key, "rules"))
			err = rules_of(c, v, p);
		else if (!strcmp(key, "icmp_prohibited"))
			err = json_object_is_type(v, json_type_boolean)
				      ? (p->icmp_prohibited = json_object_get_boolean(v), 0)
				      : polscan_fail(c, key, "must be true or false");
		else if (!strcmp(key, "comment"))
			err = 0;
		else if (!strcmp(key, "tls")) /* tls/tlsconf.c's, read at start */
			err = json_object_is_type(v, json_type_object)
				      ? (p->has_tls = true, 0)
				      : polscan_fail(
						c, key,
						"must be an object (README, \"TLS interception\")");
		else
			err = polscan_fail(
				c, key,
				"unknown key; a policy has default_egress, default_ingress, "
				"rules, icmp_prohibited, tls and comment");
		if (err)
			return err;
	}
	return 0;
}

/* Syntax, then repeated keys: the two things json_tokener_parse_ex and
 * polscan say about the text as a whole. */
static json_object *parse_text(const struct polscan_ctx *c)
{
	struct json_tokener *tok = json_tokener_new_ex(POLSCAN_PATH_MAX / 4);
	json_object *top = NULL;
	char path[POLSCAN_PATH_MAX];
	unsigned int line;
	size_t end;

	if (!tok)
		return NULL;
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	top = json_tokener_parse_ex(tok, c->text, (int)c->len);
	end = json_tokener_get_parse_end(tok);
	if (!top || json_tokener_get_error(tok) != json_tokener_success ||
	    end + strspn(c->text + end, " \t\r\n") < c->len) {
		enum json_tokener_error e = json_tokener_get_error(tok);

		snprintf(c->err, c->errlen, "%s:%u: not valid JSON: %s", c->file,
			 polscan_offset_line(c->text, c->len, end),
			 e == json_tokener_success    ? "text after the policy object"
			 : e == json_tokener_continue ? "the file ends inside the policy"
						      : json_tokener_error_desc(e));
		json_object_put(top);
		top = NULL;
	} else if (polscan_repeated(c->text, c->len, path, &line)) {
		snprintf(c->err, c->errlen, "%s:%u: %s: given twice (json-c would keep the last)",
			 c->file, line, path);
		json_object_put(top);
		top = NULL;
	}
	json_tokener_free(tok);
	return top;
}

/**
 * policy_parse() - Read a policy from JSON text
 * @p:      set on success; zeroed on entry, freed on failure
 * @text:   the file's bytes (no NUL needed)
 * @len:    their number
 * @file:   its name, for messages
 * @err:    set to the message on failure
 * @errlen: its size
 *
 * Return: 0, -EINVAL (bad policy, @err says why) or -ENOMEM
 */
int policy_parse(struct policy *p, const char *text, size_t len, const char *file, char *err,
		 size_t errlen)
{
	struct polscan_ctx c = { .len = len, .file = file, .err = err, .errlen = errlen };
	json_object *top;
	char *copy;
	int rc;

	memset(p, 0, sizeof(*p));
	snprintf(err, errlen, "%s: out of memory", file);
	if (len > POL_FILE_MAX) {
		snprintf(err, errlen, "%s: %zu bytes; a policy file holds at most %u", file, len,
			 POL_FILE_MAX);
		return -EINVAL;
	}
	copy = malloc(len + 1); /* NUL-terminated for polscan's strchr */
	if (!copy)
		return -ENOMEM;
	memcpy(copy, text, len);
	copy[len] = '\0';
	c.text = copy;
	top = parse_text(&c);
	rc = top ? top_of(&c, top, p) : -EINVAL;
	json_object_put(top);
	free(copy);
	if (rc)
		policy_free(p);
	else
		snprintf(p->origin, sizeof(p->origin), "%s", file);
	return rc;
}

/**
 * policy_load() - Read a policy file
 * @p:      set on success
 * @path:   the file
 * @err:    set to the message on failure
 * @errlen: its size
 *
 * Return: 0 or a negative errno (@err says what to do)
 */
int policy_load(struct policy *p, const char *path, char *err, size_t errlen)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat sb;
	char *buf;
	ssize_t n;
	int rc;

	memset(p, 0, sizeof(*p));
	if (fd < 0 || fstat(fd, &sb) < 0) {
		rc = -errno;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return rc;
	}
	if (sb.st_size > POL_FILE_MAX) {
		snprintf(err, errlen, "%s: %lld bytes; a policy file holds at most %u", path,
			 (long long)sb.st_size, POL_FILE_MAX);
		close(fd);
		return -EINVAL;
	}
	buf = malloc((size_t)sb.st_size + 1);
	n = buf ? read(fd, buf, (size_t)sb.st_size) : -1;
	close(fd);
	if (n != sb.st_size) {
		snprintf(err, errlen, "%s: cannot read it whole", path);
		free(buf);
		return -EIO;
	}
	rc = policy_parse(p, buf, (size_t)n, path, err, errlen);
	free(buf);
	return rc;
}

void policy_free(struct policy *p)
{
	free(p->rule);
	memset(p, 0, sizeof(*p));
}
