// SPDX-License-Identifier: MIT
/*
 * test_policy.c - policy files (polparse.c, polscan.c) and one layer's
 * decisions (poleval.c): good files read as written, bad ones refused
 * with the line and the problem, first match wins, ports and protocols,
 * groups, domain rules through pins, names denied for DNS, shadowed rules.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "policy/policy.h"

static struct policy pol;
static char err[512];

static int parse(const char *text)
{
	policy_free(&pol);
	err[0] = '\0';
	return policy_parse(&pol, text, strlen(text), "p.json", err, sizeof(err));
}

/* The file is refused and the message holds @want. */
static void refused(const char *name, const char *text, const char *want)
{
	case_begin(name);
	CHECK(parse(text) != 0);
	if (!strstr(err, want))
		ck_fail(__FILE__, __LINE__, "message '%s' lacks '%s'", err, want);
	CHECK_EQ(pol.n, 0u);
	case_end();
}

static void bad_files(void)
{
	refused("bad cidr",
		"{\"rules\": [\n{\"destination\": \"10.0.0.0/33\", \"action\": \"allow\"}]}",
		"p.json:2: rules[0].destination: \"10.0.0.0/33\": the prefix length must be 0 to "
		"32");
	refused("host bits",
		"{\"rules\": [{\"destination\": \"10.0.0.1/8\", \"action\": \"deny\"}]}",
		"bits are set past the /8 prefix");
	refused("unknown group",
		"{\"rules\": [{\"destination\": \"group:intranet\", \"action\": \"deny\"}]}",
		"unknown group");
	refused("port 70000",
		"{\"rules\": [\n\n{\"destination\": \"any\",\n \"ports\": [70000], \"action\": "
		"\"deny\"}]}",
		"p.json:4: rules[0].ports[0]: 70000: a port is 1 to 65535");
	refused("empty range",
		"{\"rules\": [{\"destination\": \"any\", \"ports\": [\"90-80\"], "
		"\"action\": \"deny\"}]}",
		"the range is empty");
	refused("duplicate key",
		"{\"rules\": [{\"destination\": \"any\",\n\"action\": \"deny\",\n\"action\": "
		"\"allow\"}]}",
		"p.json:3: rules[0].action: given twice");
	refused("duplicate key through an escape",
		"{\"rules\": [{\"destination\": \"any\", \"action\": \"deny\", \"\\u0061ction\": "
		"\"allow\"}]}",
		"given twice");
	refused("a 100-byte CIDR",
		"{\"rules\": [{\"destination\": \"0.0.0.0/00000000000000000000000000000000000000000"
		"00000000000000000000000032\", \"action\": \"allow\"}]}",
		"too long for an address or CIDR");
	refused("duplicate top key",
		"{\"default_egress\": \"deny\", \"default_egress\": \"allow\"}",
		"default_egress: given twice");
	refused("wrong type: action", "{\"rules\": [{\"destination\": \"any\", \"action\": 1}]}",
		"must be \"allow\" or \"deny\"");
	refused("wrong type: rules", "{\"rules\": {}}", "rules: must be a list of rules");
	refused("wrong type: ports",
		"{\"rules\": [{\"destination\": \"any\", \"ports\": 443, "
		"\"action\": \"deny\"}]}",
		"must be a list such as");
	refused("unknown key", "{\"rules\": [{\"destinaton\": \"any\", \"action\": \"deny\"}]}",
		"rules[0].destinaton: unknown key");
	refused("missing action", "{\"rules\": [{\"destination\": \"any\"}]}",
		"a rule needs \"action\"");
	refused("not json", "{\n\"rules\": [\n,]}", "p.json:3: not valid JSON");
	refused("trailing text", "{} {}", "p.json:1: not valid JSON");
	refused("truncated", "{\"rules\": [", "not valid JSON");
	refused("not an object", "[1, 2]", "a policy is an object");
	refused("bad name",
		"{\"rules\": [{\"destination\": \"exa mple.com\", \"action\": \"deny\"}]}",
		"not a CIDR, a group");
	refused("ports without tcp/udp",
		"{\"rules\": [{\"destination\": \"any\", \"protocols\": "
		"[\"icmp\"], \"ports\": [1], \"action\": \"deny\"}]}",
		"ports given for a rule that matches no TCP or UDP");
	refused("unknown protocol",
		"{\"rules\": [{\"destination\": \"any\", \"protocols\": "
		"[\"sctp\"], \"action\": \"deny\"}]}",
		"\"sctp\": must be \"tcp\", \"udp\" or \"icmp\"");
}

static void big_file(void)
{
	size_t len = 10u << 20;
	char *text = malloc(len + 1);

	case_begin("a 10 MB file");
	memset(text, ' ', len);
	text[0] = '{';
	text[len - 1] = '}';
	text[len] = '\0';
	CHECK(parse(text) != 0);
	CHECK(strstr(err, "a policy file holds at most") != NULL);
	free(text);
	case_end();
}

static const char good[] = "{ \"default_egress\": \"deny\", \"default_ingress\": \"allow\",\n"
			   "  \"rules\": [\n"
			   "  {\"destination\": \"10.1.0.0/16\", \"protocols\": [\"tcp\"],\n"
			   "   \"ports\": [22, \"8000-8099\"], \"action\": \"allow\"},\n"
			   "  {\"destination\": \"10.0.0.0/8\", \"action\": \"deny\"},\n"
			   "  {\"destination\": \"group:public\", \"action\": \"allow\"},\n"
			   "  {\"destination\": \"2001:db8::/32\", \"direction\": \"any\", "
			   "\"action\": \"allow\"},\n"
			   "  {\"destination\": \"*.Example.COM\", \"action\": \"allow\"},\n"
			   "  {\"destination\": \"bad.example.net\", \"action\": \"deny\", "
			   "\"comment\": \"x\"}\n"
			   "]}\n";

static void good_file(void)
{
	case_begin("a good file reads as written");
	CHECK_EQ(parse(good), 0);
	CHECK_EQ(pol.n, 6u);
	CHECK_EQ(pol.def_egress, TG_ACT_DENY);
	CHECK_EQ(pol.def_ingress, TG_ACT_ALLOW);
	CHECK_EQ(pol.rule[0].dest, POL_D_CIDR);
	CHECK_EQ(pol.rule[0].len, 16);
	CHECK_EQ(pol.rule[0].protos, TG_PP_TCP);
	CHECK_EQ(pol.rule[0].nports, 2u);
	CHECK_EQ(pol.rule[0].ports[1].lo, 8000);
	CHECK_EQ(pol.rule[0].ports[1].hi, 8099);
	CHECK_EQ(pol.rule[0].line, 3u);
	CHECK_EQ(pol.rule[2].dest, POL_D_GROUP);
	CHECK_EQ(pol.rule[2].group, TG_G_PUBLIC);
	CHECK_EQ(pol.rule[3].family, 6);
	CHECK_EQ(pol.rule[3].dir, POL_ANYDIR);
	CHECK_EQ(pol.rule[4].dest, POL_D_SUFFIX);
	CHECK(!strcmp(pol.rule[4].name, "example.com"));
	CHECK_EQ(pol.rule[5].dest, POL_D_DOMAIN);
	CHECK_EQ(pol.rule[5].line, 9u);
	case_end();
}

static const char *pin_name;
static bool pinned(int family, const uint8_t *addr, const char *name, bool suffix)
{
	(void)suffix;
	return family == 4 && addr[0] == 93 && pin_name && !strcmp(name, pin_name);
}

static uint8_t decide(uint8_t proto, const char *dst, uint16_t port, uint8_t group, int *rule)
{
	struct pol_flow f = { .dir = POL_EGRESS, .proto = proto, .port = port, .group = group };
	uint8_t action;

	f.family = strchr(dst, ':') ? 6 : 4;
	inet_pton(f.family == 4 ? AF_INET : AF_INET6, dst, f.addr);
	*rule = policy_eval(&pol, &f, pinned, &action);
	return action;
}

/* A TCP flow to port 80 in direction @dir. */
static uint8_t decide_dir(uint8_t dir, const char *addr, uint8_t group)
{
	struct pol_flow f = { .dir = dir, .proto = IPPROTO_TCP, .port = 80, .group = group };
	uint8_t action;

	f.family = 4;
	inet_pton(AF_INET, addr, f.addr);
	policy_eval(&pol, &f, pinned, &action);
	return action;
}

static void first_match(void)
{
	int rule;

	case_begin("first match wins, ports and protocols");
	CHECK_EQ(parse(good), 0);
	CHECK_EQ(decide(IPPROTO_TCP, "10.1.2.3", 22, TG_G_PRIVATE, &rule), TG_ACT_ALLOW);
	CHECK_EQ(rule, 0);
	CHECK_EQ(decide(IPPROTO_TCP, "10.1.2.3", 8099, TG_G_PRIVATE, &rule), TG_ACT_ALLOW);
	CHECK_EQ(decide(IPPROTO_TCP, "10.1.2.3", 8100, TG_G_PRIVATE, &rule), TG_ACT_DENY);
	CHECK_EQ(rule, 1);
	CHECK_EQ(decide(IPPROTO_UDP, "10.1.2.3", 22, TG_G_PRIVATE, &rule), TG_ACT_DENY);
	CHECK_EQ(decide(IPPROTO_ICMP, "10.1.2.3", 0, TG_G_PRIVATE, &rule), TG_ACT_DENY);
	CHECK_EQ(rule, 1);
	CHECK_EQ(decide(IPPROTO_UDP, "8.8.8.8", 443, TG_G_PUBLIC, &rule), TG_ACT_ALLOW);
	CHECK_EQ(rule, 2);
	CHECK_EQ(decide(IPPROTO_TCP, "192.168.1.1", 80, TG_G_PRIVATE, &rule), TG_ACT_DENY);
	CHECK_EQ(rule, -1);
	CHECK_EQ(decide(IPPROTO_TCP, "2001:db8::1", 80, TG_G_PUBLIC, &rule), TG_ACT_ALLOW);
	case_end();

	case_begin("domain rules match pinned addresses only");
	pin_name = NULL;
	CHECK_EQ(decide(IPPROTO_TCP, "93.184.216.34", 443, TG_G_PRIVATE, &rule), TG_ACT_DENY);
	pin_name = "example.com";
	CHECK_EQ(decide(IPPROTO_TCP, "93.184.216.34", 443, TG_G_PRIVATE, &rule), TG_ACT_ALLOW);
	CHECK_EQ(rule, 4);
	pin_name = NULL;
	case_end();

	case_begin("names denied for DNS");
	CHECK(policy_name_denied(&pol, "bad.example.net"));
	CHECK(policy_name_denied(&pol, "BAD.example.net"));
	CHECK(!policy_name_denied(&pol, "good.example.net"));
	CHECK(!policy_name_denied(&pol, "www.example.com"));
	CHECK(!policy_name_denied(&pol, "notexample.com"));
	case_end();
}

static void shadowed(void)
{
	case_begin("shadowed rules are found");
	CHECK_EQ(parse("{\"rules\": [\n"
		       "{\"destination\": \"10.0.0.0/8\", \"action\": \"deny\"},\n"
		       "{\"destination\": \"10.1.0.0/16\", \"action\": \"allow\"},\n"
		       "{\"destination\": \"*.a.com\", \"ports\": [\"1-100\"], \"action\": "
		       "\"allow\"},\n"
		       "{\"destination\": \"x.a.com\", \"ports\": [80], \"protocols\": [\"tcp\"], "
		       "\"action\": \"deny\"},\n"
		       "{\"destination\": \"x.a.com\", \"ports\": [443], \"action\": \"deny\"},\n"
		       "{\"destination\": \"11.0.0.0/8\", \"action\": \"deny\"}]}"),
		 0);
	CHECK_EQ(policy_warn_shadowed(&pol), 2u);
	case_end();
}

static void from_allow(void)
{
	int rule;

	case_begin("--allow public,host as a policy");
	policy_free(&pol);
	CHECK_EQ(policy_from_allow(&pol, 1u << TG_G_PUBLIC | 1u << TG_G_HOST), 0);
	CHECK_EQ(pol.n, 4u); /* two egress groups, two ingress ones */
	CHECK_EQ(decide(IPPROTO_TCP, "100.96.0.1", 80, TG_G_GATEWAY, &rule), TG_ACT_ALLOW);
	CHECK_EQ(decide(IPPROTO_TCP, "10.0.0.1", 80, TG_G_PRIVATE, &rule), TG_ACT_DENY);
	/* Published ports: peers on this host only. */
	CHECK_EQ(decide_dir(POL_INGRESS, "127.0.0.1", TG_G_LOOPBACK), TG_ACT_ALLOW);
	CHECK_EQ(decide_dir(POL_INGRESS, "10.0.0.1", TG_G_PRIVATE), TG_ACT_DENY);
	CHECK_EQ(decide_dir(POL_EGRESS, "127.0.0.1", TG_G_LOOPBACK), TG_ACT_DENY);
	case_end();
}

int main(void)
{
	bad_files();
	big_file();
	good_file();
	first_match();
	shadowed();
	from_allow();
	policy_free(&pol);
	return check_summary();
}
