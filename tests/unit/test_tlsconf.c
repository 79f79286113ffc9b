// SPDX-License-Identifier: MIT
/*
 * test_tlsconf.c - the policy file's "tls" section (user/tls/tlsconf.c)
 * and --secret: a full section read as written, the defaults without one,
 * each mistake refused with the file, the line and what to write; names
 * matched exactly or under a "*." suffix.
 */
#include <errno.h>
#include <stdlib.h>

#include "check.h"
#include "policy/policy.h"
#include "tls/tlsconf.h"

static struct tls_conf c;
static char err[512];

static int parse(const char *text)
{
	err[0] = '\0';
	return tlsconf_parse(&c, text, strlen(text), "p.json", err, sizeof(err));
}

static void t_full(void)
{
	const char *text =
		"{\n"
		"  \"default_egress\": \"deny\",\n"
		"  \"tls\": {\n"
		"    \"ports\": [443, 8443],\n"
		"    \"bypass\": [\"Pinned.Example.com\", \"*.cdn.test\"],\n"
		"    \"no_sni\": \"bypass\",\n"
		"    \"on_violation\": \"disconnect\",\n"
		"    \"extra_ca\": \"/etc/ca.pem\",\n"
		"    \"no_verify\": [\"lab.test\"],\n"
		"    \"secrets\": [\n"
		"      { \"name\": \"GH\", \"env\": \"GH_TOKEN\", \"hosts\": [\"api.github.com\"] "
		"},\n"
		"      { \"name\": \"K2\", \"file\": \"/run/k2\", \"hosts\": [\"*.k2.test\"],\n"
		"        \"placeholder\": \"@@k2-token@@\", \"inject\": [\"query\"] }\n"
		"    ]\n"
		"  }\n"
		"}\n";

	CHECK(parse(text) == 0);
	CHECK(c.nports == 2 && c.ports[0] == 443 && c.ports[1] == 8443);
	CHECK(tlsconf_port(&c, 8443) && !tlsconf_port(&c, 80));
	CHECK(tls_names_match(&c.bypass, "pinned.example.com"));
	CHECK(tls_names_match(&c.bypass, "a.b.cdn.test"));
	CHECK(!tls_names_match(&c.bypass, "cdn.test"));
	CHECK(!tls_names_match(&c.bypass, "xcdn.test"));
	CHECK(c.no_sni_bypass && c.cut_on_violation);
	CHECK(!strcmp(c.extra_ca, "/etc/ca.pem"));
	CHECK(c.nsecrets == 2);
	CHECK(!strcmp(c.secret[0].placeholder, "$TAPGATE_GH"));
	CHECK(c.secret[0].inject == (TLS_IN_HEADER | TLS_IN_BASIC));
	CHECK(!strcmp(c.secret[0].env, "GH_TOKEN"));
	CHECK(!strcmp(c.secret[1].file, "/run/k2") && c.secret[1].inject == TLS_IN_QUERY);
}

static void t_defaults(void)
{
	CHECK(parse("{\"default_egress\": \"allow\"}") == 0);
	CHECK(c.nports == 1 && c.ports[0] == 443);
	CHECK(!c.no_sni_bypass && !c.cut_on_violation && c.nsecrets == 0);
}

/* Each mistake: refused, naming the file, a line and the key. */
static void t_mistakes(void)
{
	static const struct {
		const char *tls, *want;
	} rows[] = {
		{ "\"port\": [443]", "unknown key" },
		{ "\"ports\": [0]", "1 to 65535" },
		{ "\"ports\": []", "list of 1 to" },
		{ "\"bypass\": [\"a b.test\"]", "DNS name" },
		{ "\"bypass\": \"a.test\"", "list of names" },
		{ "\"no_sni\": \"allow\"", "\"bypass\" or \"close\"" },
		{ "\"secrets\": [{\"name\": \"gh\", \"env\": \"X\", \"hosts\": [\"a.test\"]}]",
		  "A-Z" },
		{ "\"secrets\": [{\"name\": \"GH\", \"hosts\": [\"a.test\"]}]", "source" },
		{ "\"secrets\": [{\"name\": \"GH\", \"env\": \"X\", \"file\": \"/f\", \"hosts\": "
		  "[\"a.test\"]}]",
		  "one of them" },
		{ "\"secrets\": [{\"name\": \"GH\", \"env\": \"X\"}]", "needs" },
		{ "\"secrets\": [{\"name\": \"GH\", \"env\": \"X\", \"hosts\": [\"a.test\"], "
		  "\"inject\": "
		  "[\"body\"]}]",
		  "never rewritten" },
		{ "\"secrets\": [{\"name\": \"GH\", \"env\": \"X\", \"hosts\": [\"a.test\"], "
		  "\"placeholder\": \"short\"}]",
		  "at least 8" },
		{ "\"secrets\": [{\"name\": \"A\", \"env\": \"X\", \"hosts\": [\"a.test\"]}, "
		  "{\"name\": "
		  "\"AB\", \"env\": \"Y\", \"hosts\": [\"a.test\"], \"placeholder\": "
		  "\"$TAPGATE_A_B\"}]",
		  "no placeholder may hold another" },
	};
	char text[1024];

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		snprintf(text, sizeof(text), "{\n\"tls\": {\n%s\n}\n}\n", rows[i].tls);
		CHECK(parse(text) == -EINVAL);
		CHECK(strstr(err, "p.json:") == err);
		CHECK(strstr(err, "tls") != NULL);
		CHECK(strstr(err, rows[i].want) != NULL);
		if (ck.failed) {
			printf("  row %zu: %s\n", i, err);
			break;
		}
	}
}

static void t_secret_option(void)
{
	tlsconf_defaults(&c);
	unsetenv("CREDENTIALS_DIRECTORY");
	CHECK(tlsconf_add_secret(&c, "GH=api.github.com,*.ghe.test", err, sizeof(err)) == 0);
	CHECK(c.nsecrets == 1 && c.secret[0].hosts.n == 2);
	CHECK(!strcmp(c.secret[0].env, "GH") && !strcmp(c.secret[0].placeholder, "$TAPGATE_GH"));
	CHECK(tlsconf_add_secret(&c, "GH=a.test", err, sizeof(err)) == -EINVAL);
	CHECK(strstr(err, "twice") != NULL);
	CHECK(tlsconf_add_secret(&c, "gh=a.test", err, sizeof(err)) == -EINVAL);
	CHECK(tlsconf_add_secret(&c, "K=a b", err, sizeof(err)) == -EINVAL);
	CHECK(tlsconf_add_secret(&c, "K=", err, sizeof(err)) == -EINVAL);
	setenv("CREDENTIALS_DIRECTORY", "/run/credentials/x", 1);
	CHECK(tlsconf_add_secret(&c, "K2=a.test", err, sizeof(err)) == 0);
	CHECK(!strcmp(c.secret[1].file, "/run/credentials/x/K2") && !c.secret[1].env[0]);
	unsetenv("CREDENTIALS_DIRECTORY");
}

static void t_policy_knows_the_section(void)
{
	struct policy p;
	const char *ok = "{\"default_egress\": \"allow\", \"tls\": {}}";
	const char *bad = "{\"default_egress\": \"allow\", \"tls\": 5}";

	CHECK(policy_parse(&p, ok, strlen(ok), "p.json", err, sizeof(err)) == 0);
	CHECK(p.has_tls);
	policy_free(&p);
	CHECK(policy_parse(&p, bad, strlen(bad), "p.json", err, sizeof(err)) == -EINVAL);
	CHECK(strstr(err, "must be an object") != NULL);
}

int main(void)
{
	RUN(t_full);
	RUN(t_defaults);
	RUN(t_mistakes);
	RUN(t_secret_option);
	RUN(t_policy_knows_the_section);
	return check_summary();
}
