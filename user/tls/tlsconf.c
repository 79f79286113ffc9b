// SPDX-License-Identifier: MIT
/*
 * tlsconf.c - read the "tls" section of the --policy file (tlsconf.h).
 *
 * As for the rules (policy/polparse.c): every key known or refused, every
 * value checked, and each message names the file, the line and what to
 * write instead. policy_parse() has already checked the file's syntax and
 * repeated keys; this reads the one section it leaves alone.
 */
#include <ctype.h>
#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy/policy.h"
#include "policy/polscan.h"
#include "tls/tlsconf.h"

void tlsconf_defaults(struct tls_conf *c)
{
	memset(c, 0, sizeof(*c));
	c->nports = 1;
	c->ports[0] = 443;
}

/* A DNS name, or "*." and one: letters, digits, '-', '_', dots between
 * labels. Kept lower case. */
static bool name_ok(const char *s, char out[TLS_NAME_LEN])
{
	size_t n = strlen(s), i = 0, label = 0;

	if (!strncmp(s, "*.", 2))
		i = 2;
	if (n <= i || n >= TLS_NAME_LEN || s[n - 1] == '.')
		return false;
	for (size_t k = i; k < n; k++) {
		unsigned char ch = (unsigned char)s[k];

		if (ch == '.') {
			if (!label)
				return false;
			label = 0;
		} else if (isalnum(ch) || ch == '-' || ch == '_') {
			if (++label > 63)
				return false;
		} else {
			return false;
		}
	}
	for (size_t k = 0; k <= n; k++)
		out[k] = (char)tolower((unsigned char)s[k]);
	return true;
}

static int names_of(const struct polscan_ctx *c, const char *path, json_object *v,
		    struct tls_names *l)
{
	char p[POLSCAN_PATH_MAX];
	size_t n;

	if (!json_object_is_type(v, json_type_array))
		return polscan_fail(c, path,
				    "must be a list of names: [\"api.example.com\", "
				    "\"*.example.org\"]");
	n = json_object_array_length(v);
	if (n > TLS_NAMES_MAX)
		return polscan_fail(c, path, "%zu names; at most %u", n, TLS_NAMES_MAX);
	for (size_t i = 0; i < n; i++) {
		json_object *e = json_object_array_get_idx(v, i);

		snprintf(p, sizeof(p), "%s[%zu]", path, i);
		if (!json_object_is_type(e, json_type_string) ||
		    !name_ok(json_object_get_string(e), l->name[i]))
			return polscan_fail(c, p,
					    "must be a DNS name (\"api.example.com\") or \"*.\" "
					    "and one (\"*.example.org\")");
	}
	l->n = (unsigned int)n;
	return 0;
}

static int ports_of(const struct polscan_ctx *c, json_object *v, struct tls_conf *t)
{
	size_t n = json_object_is_type(v, json_type_array) ? json_object_array_length(v) : 0;

	if (!n || n > TLS_PORTS_MAX)
		return polscan_fail(c, "tls.ports", "must be a list of 1 to %u ports: [443]",
				    TLS_PORTS_MAX);
	for (size_t i = 0; i < n; i++) {
		json_object *e = json_object_array_get_idx(v, i);
		int64_t port = json_object_get_int64(e);

		if (!json_object_is_type(e, json_type_int) || port < 1 || port > 65535)
			return polscan_fail(c, "tls.ports", "a port is a number from 1 to 65535");
		t->ports[i] = (uint16_t)port;
	}
	t->nports = (unsigned int)n;
	return 0;
}

static int string_of(const struct polscan_ctx *c, const char *path, json_object *v, char *out,
		     size_t size)
{
	const char *s = json_object_get_string(v);

	if (!json_object_is_type(v, json_type_string) || !*s || strlen(s) >= size)
		return polscan_fail(c, path, "must be a string of 1 to %zu characters", size - 1);
	memcpy(out, s, strlen(s) + 1);
	return 0;
}

static int choice_of(const struct polscan_ctx *c, const char *path, json_object *v, const char *yes,
		     const char *no, bool *out)
{
	const char *s = json_object_get_string(v);

	if (json_object_is_type(v, json_type_string) && !strcmp(s, yes))
		*out = true;
	else if (json_object_is_type(v, json_type_string) && !strcmp(s, no))
		*out = false;
	else
		return polscan_fail(c, path, "must be \"%s\" or \"%s\"", yes, no);
	return 0;
}

static int inject_of(const struct polscan_ctx *c, const char *path, json_object *v, uint8_t *out)
{
	size_t n = json_object_is_type(v, json_type_array) ? json_object_array_length(v) : 0;

	*out = 0;
	for (size_t i = 0; i < n; i++) {
		const char *s = json_object_get_string(json_object_array_get_idx(v, i));

		if (!strcmp(s, "header"))
			*out |= TLS_IN_HEADER;
		else if (!strcmp(s, "basic_auth"))
			*out |= TLS_IN_BASIC;
		else if (!strcmp(s, "query"))
			*out |= TLS_IN_QUERY;
		else
			return polscan_fail(c, path,
					    "\"%s\": give a list of \"header\", \"basic_auth\" and "
					    "\"query\" (bodies are never rewritten)",
					    s);
	}
	if (!*out)
		return polscan_fail(c, path,
				    "must list at least one of \"header\", \"basic_auth\", "
				    "\"query\"");
	return 0;
}

static bool secret_name_ok(const char *s)
{
	size_t n = strlen(s);

	if (!n || n >= TLS_SECRET_NAME)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isupper((unsigned char)s[i]) && !isdigit((unsigned char)s[i]) && s[i] != '_')
			return false;
	return true;
}

static int secret_key(const struct polscan_ctx *c, const char *p, const char *key, json_object *v,
		      struct tls_secret_conf *s)
{
	char kp[2 * POLSCAN_PATH_MAX];

	snprintf(kp, sizeof(kp), "%s.%s", p, key);
	if (!strcmp(key, "name"))
		return json_object_is_type(v, json_type_string) &&
				       secret_name_ok(json_object_get_string(v))
			       ? (snprintf(s->name, sizeof(s->name), "%s",
					   json_object_get_string(v)),
				  0)
			       : polscan_fail(c, kp, "1 to %d of A-Z, 0-9 and _ (\"GITHUB_TOKEN\")",
					      TLS_SECRET_NAME - 1);
	if (!strcmp(key, "env"))
		return string_of(c, kp, v, s->env, sizeof(s->env));
	if (!strcmp(key, "file"))
		return string_of(c, kp, v, s->file, sizeof(s->file));
	if (!strcmp(key, "placeholder"))
		return string_of(c, kp, v, s->placeholder, sizeof(s->placeholder));
	if (!strcmp(key, "hosts"))
		return names_of(c, kp, v, &s->hosts);
	if (!strcmp(key, "inject"))
		return inject_of(c, kp, v, &s->inject);
	if (!strcmp(key, "comment"))
		return 0;
	return polscan_fail(c, kp,
			    "unknown key; a secret has name, env or file, hosts, placeholder, "
			    "inject and comment");
}

static int secret_of(const struct polscan_ctx *c, size_t i, json_object *v,
		     struct tls_secret_conf *s)
{
	char p[POLSCAN_PATH_MAX];

	snprintf(p, sizeof(p), "tls.secrets[%zu]", i);
	if (!json_object_is_type(v, json_type_object))
		return polscan_fail(
			c, p, "must be an object {\"name\": ..., \"env\": ..., \"hosts\": [...]}");
	s->inject = TLS_IN_HEADER | TLS_IN_BASIC;
	json_object_object_foreach(v, key, val)
	{
		int err = secret_key(c, p, key, val, s);

		if (err)
			return err;
	}
	if (!s->name[0] || !s->hosts.n)
		return polscan_fail(c, p, "a secret needs \"name\" and \"hosts\"");
	if (!s->env[0] == !s->file[0])
		return polscan_fail(c, p,
				    "give the value's source: \"env\" (a variable of tapgate's "
				    "environment) or \"file\", one of them");
	if (!s->placeholder[0])
		snprintf(s->placeholder, sizeof(s->placeholder), "$TAPGATE_%s", s->name);
	if (strlen(s->placeholder) < 8)
		return polscan_fail(c, p,
				    "placeholder: at least 8 characters, so that it cannot occur "
				    "by chance");
	return 0;
}

static int secrets_of(const struct polscan_ctx *c, json_object *v, struct tls_conf *t)
{
	size_t n = json_object_is_type(v, json_type_array) ? json_object_array_length(v) : 0;

	if (!json_object_is_type(v, json_type_array) || n > TLS_SECRETS_MAX)
		return polscan_fail(c, "tls.secrets", "must be a list of at most %u secrets",
				    TLS_SECRETS_MAX);
	for (size_t i = 0; i < n; i++) {
		int err = secret_of(c, i, json_object_array_get_idx(v, i), &t->secret[i]);

		for (size_t j = 0; !err && j < i; j++)
			if (!strcmp(t->secret[i].name, t->secret[j].name) ||
			    strstr(t->secret[i].placeholder, t->secret[j].placeholder) ||
			    strstr(t->secret[j].placeholder, t->secret[i].placeholder))
				err = polscan_fail(
					c, "tls.secrets",
					"%s and %s: names and placeholders must differ, and "
					"no placeholder may hold another",
					t->secret[j].name, t->secret[i].name);
		if (err)
			return err;
	}
	t->nsecrets = (unsigned int)n;
	return 0;
}

static int key_of(const struct polscan_ctx *c, const char *key, json_object *v, struct tls_conf *t)
{
	char p[POLSCAN_PATH_MAX];

	snprintf(p, sizeof(p), "tls.%s", key);
	if (!strcmp(key, "ports"))
		return ports_of(c, v, t);
	if (!strcmp(key, "bypass"))
		return names_of(c, p, v, &t->bypass);
	if (!strcmp(key, "no_verify"))
		return names_of(c, p, v, &t->no_verify);
	if (!strcmp(key, "no_sni"))
		return choice_of(c, p, v, "bypass", "close", &t->no_sni_bypass);
	if (!strcmp(key, "on_violation"))
		return choice_of(c, p, v, "disconnect", "block", &t->cut_on_violation);
	if (!strcmp(key, "extra_ca"))
		return string_of(c, p, v, t->extra_ca, sizeof(t->extra_ca));
	if (!strcmp(key, "secrets"))
		return secrets_of(c, v, t);
	if (!strcmp(key, "comment"))
		return 0;
	return polscan_fail(c, p,
			    "unknown key; the tls section has ports, bypass, no_sni, extra_ca, "
			    "no_verify, secrets, on_violation and comment");
}

/**
 * tlsconf_parse() - Read the "tls" section of a policy's JSON text
 * @c:      set to the defaults, then to what the section says
 * @text:   the whole policy file (policy_parse() accepted it)
 * @len:    its length
 * @file:   its name, for messages
 * @err:    set to the message on failure
 * @errlen: its size
 *
 * A file without the section leaves the defaults.
 *
 * Return: 0 or -EINVAL (@err says why)
 */
int tlsconf_parse(struct tls_conf *c, const char *text, size_t len, const char *file, char *err,
		  size_t errlen)
{
	char *copy = strndup(text, len);
	struct polscan_ctx x = {
		.text = copy, .len = len, .file = file, .err = err, .errlen = errlen
	};
	json_object *top = copy ? json_tokener_parse(copy) : NULL, *tls;
	int rc = 0;

	tlsconf_defaults(c);
	if (!top) {
		snprintf(err, errlen, "%s: not a policy file", file);
		rc = -EINVAL;
	} else if (json_object_object_get_ex(top, "tls", &tls)) {
		json_object_object_foreach(tls, key, v)
		{
			rc = key_of(&x, key, v, c);
			if (rc)
				break;
		}
	}
	json_object_put(top);
	free(copy);
	return rc;
}

/**
 * tlsconf_load() - Read the "tls" section of a policy file
 * @c:      as for tlsconf_parse()
 * @path:   the file; NULL or "" for the defaults
 * @err:    set to the message on failure
 * @errlen: its size
 *
 * Return: 0 or a negative errno (@err says why)
 */
int tlsconf_load(struct tls_conf *c, const char *path, char *err, size_t errlen)
{
	FILE *f;
	char *buf;
	size_t n;
	int rc;

	tlsconf_defaults(c);
	if (!path || !*path)
		return 0;
	f = fopen(path, "re");
	buf = malloc(POL_FILE_MAX + 1);
	n = f && buf ? fread(buf, 1, POL_FILE_MAX + 1, f) : 0;
	if (f)
		fclose(f);
	if (!f || !buf || n > POL_FILE_MAX) {
		snprintf(err, errlen, "%s: cannot read it (%s)", path,
			 f ? "too long or no memory" : strerror(errno));
		free(buf);
		return -EIO;
	}
	rc = tlsconf_parse(c, buf, n, path, err, errlen);
	free(buf);
	return rc;
}

/**
 * tlsconf_add_secret() - Add a secret given as --secret NAME=HOST[,HOST...]
 * @c:      the tls section read so far (its secrets come first)
 * @spec:   the option's argument
 * @err:    set to the message on failure
 * @errlen: its size
 *
 * The value comes from the environment variable NAME or, when that is not
 * set, the file $CREDENTIALS_DIRECTORY/NAME (systemd's LoadCredential=);
 * the placeholder is $TAPGATE_NAME, the places headers and basic auth.
 *
 * Return: 0 or -EINVAL
 */
int tlsconf_add_secret(struct tls_conf *c, const char *spec, char *err, size_t errlen)
{
	struct tls_secret_conf *s = &c->secret[c->nsecrets];
	const char *eq = strchr(spec, '='), *creds = getenv("CREDENTIALS_DIRECTORY");
	char hosts[1024], name[TLS_SECRET_NAME], *save = NULL, *h;

	if (c->nsecrets == TLS_SECRETS_MAX) {
		snprintf(err, errlen, "--secret: %u secrets at most", TLS_SECRETS_MAX);
		return -EINVAL;
	}
	memset(s, 0, sizeof(*s));
	snprintf(s->name, sizeof(s->name), "%.*s", eq ? (int)(eq - spec) : 0, spec);
	if (!eq || (size_t)(eq - spec) >= TLS_SECRET_NAME || !secret_name_ok(s->name)) {
		snprintf(err, errlen, "--secret: NAME is 1 to %d of A-Z, 0-9 and _",
			 TLS_SECRET_NAME - 1);
		return -EINVAL;
	}
	snprintf(hosts, sizeof(hosts), "%s", eq + 1);
	for (h = strtok_r(hosts, ",", &save); h; h = strtok_r(NULL, ",", &save)) {
		if (s->hosts.n == TLS_NAMES_MAX || !name_ok(h, s->hosts.name[s->hosts.n++])) {
			snprintf(err, errlen,
				 "--secret %s: '%.300s' is not a host name (api.example.com, "
				 "*.example.org)",
				 s->name, h);
			return -EINVAL;
		}
	}
	if (!s->hosts.n) {
		snprintf(err, errlen, "--secret %s: name the hosts it may go to", s->name);
		return -EINVAL;
	}
	for (unsigned int i = 0; i < c->nsecrets; i++) {
		if (!strcmp(c->secret[i].name, s->name)) {
			snprintf(err, errlen, "--secret %s: given twice", s->name);
			return -EINVAL;
		}
	}
	memcpy(name, s->name, sizeof(name)); /* snprintf may not read what it writes */
	if (getenv(name) || !creds)
		snprintf(s->env, sizeof(s->env), "%s", name);
	else
		snprintf(s->file, sizeof(s->file), "%.3000s/%s", creds, name);
	snprintf(s->placeholder, sizeof(s->placeholder), "$TAPGATE_%s", name);
	s->inject = TLS_IN_HEADER | TLS_IN_BASIC;
	c->nsecrets++;
	return 0;
}

/**
 * tls_names_match() - Whether @name is on the list
 * @l:    names: exact, or "*.suffix" for the names under suffix
 * @name: lower case, no trailing dot
 */
bool tls_names_match(const struct tls_names *l, const char *name)
{
	size_t n = strlen(name);

	for (unsigned int i = 0; i < l->n; i++) {
		const char *e = l->name[i];
		size_t s;

		if (strncmp(e, "*.", 2)) {
			if (!strcmp(e, name))
				return true;
			continue;
		}
		s = strlen(e + 1); /* ".suffix" */
		if (n > s && !strcmp(name + n - s, e + 1))
			return true;
	}
	return false;
}

bool tlsconf_port(const struct tls_conf *c, uint16_t port)
{
	for (unsigned int i = 0; i < c->nports; i++)
		if (c->ports[i] == port)
			return true;
	return false;
}
