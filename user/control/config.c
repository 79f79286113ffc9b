// SPDX-License-Identifier: MIT
/*
 * config.c - parse and check `tapgate run` options. Every error names the
 * option and says what a valid value looks like.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <pwd.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control/config.h"
#include "steer.h"

static const char *const group_names[TG_G_MAX] = {
	[TG_G_PUBLIC] = "public",	 [TG_G_HOST] = "host",
	[TG_G_PRIVATE] = "private",	 [TG_G_LOOPBACK] = "loopback",
	[TG_G_LINKLOCAL] = "link-local", [TG_G_METADATA] = "metadata",
	[TG_G_MULTICAST] = "multicast",	 [TG_G_GATEWAY] = "gateway",
};

const char *config_group_name(unsigned int group)
{
	return group < TG_G_MAX ? group_names[group] : "?";
}

void config_defaults(struct config *cfg)
{
	static const uint8_t guest_mac[6] = { 0x02, 0x6d, 0x73, 0, 0, 2 };
	static const uint8_t gw_mac[6] = { 0x02, 0x6d, 0x73, 0, 0, 1 };

	memset(cfg, 0, sizeof(*cfg));
	inet_pton(AF_INET, "100.96.0.2", &cfg->guest_ip4);
	inet_pton(AF_INET, "100.96.0.1", &cfg->gw_ip4);
	cfg->prefix4 = 30;
	memcpy(cfg->guest_mac, guest_mac, 6);
	memcpy(cfg->gw_mac, gw_mac, 6);
	inet_pton(AF_INET6, "fd42:6d73:62::2", cfg->guest_ip6);
	inet_pton(AF_INET6, "fd42:6d73:62::1", cfg->gw_ip6);
	cfg->ipv6 = true;
	cfg->ra = true;
	cfg->dhcp = true;
	cfg->mtu = 1500;
	cfg->allow = 1u << TG_G_PUBLIC;
	cfg->max_conns = 4096;
	cfg->syn_rate = CONFIG_SYN_RATE;
	cfg->tcp_mem_mib = 256;
	cfg->connect_timeout_ms = 10000;
	cfg->log_level = LOG_INFO;
	strcpy(cfg->host_name, "host.tapgate.internal");
	cfg->rebind_protection = true;
	cfg->udp_timeout_ms = 60000;
	cfg->udp_max_flows = 1024;
	cfg->gso = true;
	strcpy(cfg->tls_state, CONFIG_TLS_STATE);
}

/**
 * config_parse_groups() - Parse a comma list of destination groups
 * @list: e.g. "public,host"; "all" means every group
 * @out:  bit set, one bit per enum tg_group
 *
 * Return: 0, or -EINVAL (after printing which name is unknown)
 */
int config_parse_groups(const char *list, uint32_t *out)
{
	char buf[256], *save = NULL, *tok;
	uint32_t set = 0;

	if (strlen(list) >= sizeof(buf)) {
		log_err("--allow: list too long (%zu bytes, at most %zu)", strlen(list),
			sizeof(buf) - 1);
		return -EINVAL;
	}
	strcpy(buf, list);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		unsigned int g;

		if (!strcmp(tok, "all")) {
			set |= (1u << TG_G_MAX) - 1;
			continue;
		}
		for (g = 0; g < TG_G_MAX; g++)
			if (g != TG_G_GATEWAY && !strcmp(tok, group_names[g]))
				break;
		if (g == TG_G_MAX) {
			log_err("--allow: unknown group '%s'; use a comma list of "
				"host, public, private, loopback, link-local, metadata, "
				"multicast, all",
				tok);
			return -EINVAL;
		}
		set |= 1u << g;
	}
	*out = set;
	return 0;
}

static int parse_mac(const char *s, uint8_t mac[6])
{
	unsigned int b[6];
	char extra;

	/* sscanf's %x would take signs, spaces and 0x prefixes. */
	if (strlen(s) != 17 || strspn(s, "0123456789abcdefABCDEF:") != 17)
		return -EINVAL;
	if (sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5],
		   &extra) != 6)
		return -EINVAL;
	for (int i = 0; i < 6; i++)
		mac[i] = (uint8_t)b[i];
	if (mac[0] & 1)
		return -EINVAL; /* multicast */
	return 0;
}

/* The index of @s in @names (@n of them), or -1: a keyword option. */
static int parse_name(const char *s, const char *const *names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(s, names[i]))
			return (int)i;
	return -1;
}

#define PARSE_NAME(s, ...)                                                                         \
	parse_name(s, (const char *const[]){ __VA_ARGS__ },                                        \
		   sizeof((const char *const[]){ __VA_ARGS__ }) / sizeof(const char *))

static int parse_uint(const char *s, unsigned long min, unsigned long max, unsigned int *out)
{
	char *end;
	unsigned long v;

	if (*s < '0' || *s > '9')
		return -EINVAL; /* strtoul would take spaces and signs */
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max)
		return -EINVAL;
	*out = (unsigned int)v;
	return 0;
}

/*
 * "A.B.C.D" with an optional SEP and number (a prefix length, a port):
 * @num keeps its default when there is none.
 */
static int parse_ip4_suffix(const char *s, char sep, uint32_t *ip, unsigned long min,
			    unsigned long max, unsigned int *num)
{
	char buf[64], *mark;

	if (strlen(s) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, s);
	mark = strchr(buf, sep);
	if (mark) {
		*mark = '\0';
		if (parse_uint(mark + 1, min, max, num))
			return -EINVAL;
	}
	return inet_pton(AF_INET, buf, ip) == 1 ? 0 : -EINVAL;
}

static int parse_cidr4(const char *s, uint32_t *ip, uint8_t *prefix)
{
	unsigned int p = 30;

	if (parse_ip4_suffix(s, '/', ip, 8, 30, &p))
		return -EINVAL;
	*prefix = (uint8_t)p;
	return 0;
}

/* The guest's IPv6 prefix is always a /64: what SLAAC and RAs need. */
static int parse_ip6_64(const char *s, uint8_t ip[16])
{
	char buf[INET6_ADDRSTRLEN + 4];
	char *slash;

	if (strlen(s) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, s);
	slash = strchr(buf, '/');
	if (slash) {
		if (strcmp(slash, "/64"))
			return -EINVAL;
		*slash = '\0';
	}
	return inet_pton(AF_INET6, buf, ip) == 1 ? 0 : -EINVAL;
}

/* The address must be a unicast one the guest can hold: not multicast,
 * loopback, unspecified or link-local. */
static bool unicast6(const uint8_t a[16])
{
	static const uint8_t zero[15];

	if (a[0] == 0xff || (a[0] == 0xfe && (a[1] & 0xc0) == 0x80))
		return false;
	return memcmp(a, zero, 15) || a[15] > 1;
}

static int check_config6(const struct config *cfg)
{
	if (!cfg->ipv6)
		return 0;
	if (!unicast6(cfg->guest_ip6) || !unicast6(cfg->gw_ip6)) {
		log_err("--guest-ip6 and --gateway6 must be global or unique-local "
			"unicast addresses");
		return -EINVAL;
	}
	if (memcmp(cfg->guest_ip6, cfg->gw_ip6, 8) || !memcmp(cfg->guest_ip6, cfg->gw_ip6, 16)) {
		log_err("--gateway6 must be another address in the guest's /64 "
			"(--guest-ip6)");
		return -EINVAL;
	}
	return 0;
}

static int check_config(const struct config *cfg)
{
	uint32_t mask = htonl(~0u << (32 - cfg->prefix4));

	if (!cfg->dev[0]) {
		log_err("run: --dev IFNAME is required (the host side of the "
			"sandbox's tap or veth)");
		return -EINVAL;
	}
	if (cfg->guest_ip4 == cfg->gw_ip4 || (cfg->guest_ip4 & mask) != (cfg->gw_ip4 & mask)) {
		log_err("--gateway must be another address in the guest's subnet "
			"(--guest-ip)");
		return -EINVAL;
	}
	if (!memcmp(cfg->guest_mac, cfg->gw_mac, 6)) {
		log_err("--guest-mac and --gateway-mac must differ");
		return -EINVAL;
	}
	if (!cfg->tls_ca[0] != !cfg->tls_ca_key[0]) {
		log_err("--tls-ca and --tls-ca-key go together: the CA certificate and its key");
		return -EINVAL;
	}
	if ((cfg->tls_ca[0] || cfg->nsecret_specs) && !cfg->tls_intercept) {
		log_err("--tls-ca and --secret are for --tls-intercept: add it, or leave them out");
		return -EINVAL;
	}
	return check_config6(cfg);
}

enum {
	OPT_DEV = 'd',
	OPT_HELP = 'h',
	OPT_GUEST_IP = 256,
	OPT_GATEWAY,
	OPT_GUEST_MAC,
	OPT_GW_MAC,
	OPT_MTU,
	OPT_ALLOW,
	OPT_MAX_CONNS,
	OPT_LOG_LEVEL,
	OPT_CONNECT_TIMEOUT,
	OPT_NO_IPV6,
	OPT_DNS,
	OPT_HOST_NAME,
	OPT_NO_REBIND,
	OPT_UDP_TIMEOUT,
	OPT_UDP_MAX_FLOWS,
	OPT_UDP_LOCAL,
	OPT_BUSY_POLL,
	OPT_XDP_MODE,
	OPT_GSO,
	OPT_TCP_MEM,
	OPT_POLICY,
	OPT_FLOOR,
	OPT_ADOPT,
	OPT_GUEST_IP6,
	OPT_GATEWAY6,
	OPT_NO_RA,
	OPT_DNS_AAAA,
	OPT_PUBLISH,
	OPT_NO_DHCP,
	OPT_KEEP_SOURCE,
	OPT_SECCOMP,
	OPT_SYN_RATE,
	OPT_USER,
	OPT_TLS_INTERCEPT,
	OPT_TLS_CA,
	OPT_TLS_CA_KEY,
	OPT_TLS_STATE,
	OPT_SECRET,
};

static const struct option run_opts[] = {
	{ "dev", required_argument, NULL, OPT_DEV },
	{ "guest-ip", required_argument, NULL, OPT_GUEST_IP },
	{ "gateway", required_argument, NULL, OPT_GATEWAY },
	{ "guest-mac", required_argument, NULL, OPT_GUEST_MAC },
	{ "gateway-mac", required_argument, NULL, OPT_GW_MAC },
	{ "mtu", required_argument, NULL, OPT_MTU },
	{ "allow", required_argument, NULL, OPT_ALLOW },
	{ "policy", required_argument, NULL, OPT_POLICY },
	{ "floor", required_argument, NULL, OPT_FLOOR },
	{ "adopt", no_argument, NULL, OPT_ADOPT },
	{ "max-conns", required_argument, NULL, OPT_MAX_CONNS },
	{ "syn-rate", required_argument, NULL, OPT_SYN_RATE },
	{ "user", required_argument, NULL, OPT_USER },
	{ "tls-intercept", no_argument, NULL, OPT_TLS_INTERCEPT },
	{ "tls-ca", required_argument, NULL, OPT_TLS_CA },
	{ "tls-ca-key", required_argument, NULL, OPT_TLS_CA_KEY },
	{ "tls-state", required_argument, NULL, OPT_TLS_STATE },
	{ "secret", required_argument, NULL, OPT_SECRET },
	{ "connect-timeout", required_argument, NULL, OPT_CONNECT_TIMEOUT },
	{ "log-level", required_argument, NULL, OPT_LOG_LEVEL },
	{ "no-ipv6", no_argument, NULL, OPT_NO_IPV6 },
	{ "guest-ip6", required_argument, NULL, OPT_GUEST_IP6 },
	{ "gateway6", required_argument, NULL, OPT_GATEWAY6 },
	{ "no-ra", no_argument, NULL, OPT_NO_RA },
	{ "dns-aaaa", required_argument, NULL, OPT_DNS_AAAA },
	{ "publish", required_argument, NULL, OPT_PUBLISH },
	{ "no-dhcp", no_argument, NULL, OPT_NO_DHCP },
	{ "publish-keep-source", no_argument, NULL, OPT_KEEP_SOURCE },
	{ "seccomp", required_argument, NULL, OPT_SECCOMP },
	{ "dns", required_argument, NULL, OPT_DNS },
	{ "host-name", required_argument, NULL, OPT_HOST_NAME },
	{ "no-rebind-protection", no_argument, NULL, OPT_NO_REBIND },
	{ "udp-timeout", required_argument, NULL, OPT_UDP_TIMEOUT },
	{ "udp-max-flows", required_argument, NULL, OPT_UDP_MAX_FLOWS },
	{ "allow-udp-local", no_argument, NULL, OPT_UDP_LOCAL },
	{ "busy-poll", required_argument, NULL, OPT_BUSY_POLL },
	{ "xdp-mode", required_argument, NULL, OPT_XDP_MODE },
	{ "gso", required_argument, NULL, OPT_GSO },
	{ "tcp-mem", required_argument, NULL, OPT_TCP_MEM },
	{ "help", no_argument, NULL, OPT_HELP },
	{ 0 },
};

void config_usage_run(FILE *out)
{
	fprintf(out,
		"usage: tapgate run --dev IFNAME [options]\n"
		"\n"
		"Attach to IFNAME (the host side of a sandbox's tap or veth) and give the\n"
		"guest behind it networking through tapgate's user-space TCP/IP stack.\n"
		"Stays in the foreground until SIGINT/SIGTERM; prints\n"
		"'tapgate: ready on IFNAME (in N ms)' on stdout once serving.\n"
		"\n"
		"  --dev IFNAME            device to attach to (required)\n"
		"  --adopt                 serve the program an operator loaded, pinned\n"
		"                          under /sys/fs/bpf/tapgate/IFNAME and attached\n"
		"                          with bpftool, instead of loading one; on exit\n"
		"                          leave it attached (it drops every frame)\n"
		"  --guest-ip A.B.C.D/N    guest address and prefix (100.96.0.2/30)\n"
		"  --gateway A.B.C.D       gateway address; stands for the host (100.96.0.1)\n"
		"  --guest-mac MAC         guest MAC (02:6d:73:00:00:02)\n"
		"  --gateway-mac MAC       gateway MAC (02:6d:73:00:00:01)\n"
		"  --mtu N                 guest MTU, %d..%d (1500)\n"
		"  --allow GROUPS          destination groups the guest may reach, comma\n"
		"                          list of host, public, private, loopback,\n"
		"                          link-local, metadata, multicast, all (public).\n"
		"                          'host': TCP to the gateway goes to the host's\n"
		"                          127.0.0.1\n"
		"  --policy FILE           the sandbox's policy: JSON rules, first match\n"
		"                          wins (README, \"Policy\"); instead of --allow.\n"
		"                          SIGHUP or 'tapgate policy' reloads it\n"
		"  --floor FILE            the operator's policy, same format: a flow\n"
		"                          needs both to allow it (none: --policy alone)\n"
		"  --publish [HOSTIP:]HOSTPORT:GUESTPORT[/tcp|/udp]\n"
		"                          let the host reach GUESTPORT in the guest at\n"
		"                          HOSTIP:HOSTPORT (HOSTIP 127.0.0.1; TCP);\n"
		"                          repeatable up to %d\n"
		"  --publish-keep-source   the guest sees a TCP peer's own address\n"
		"                          (not the gateway's) unless it is a loopback\n"
		"                          address, which the guest could not answer\n"
		"  --max-conns N           TCP connections at once; beyond, SYNs get RST (4096)\n"
		"  --syn-rate N            new TCP connections a second the guest may open,\n"
		"                          in bursts of up to N/4; SYNs beyond are dropped\n"
		"                          in XDP (drop_syn_rate) and the guest retries;\n"
		"                          0: no limit (%u)\n"
		"  --user NAME             once set up, serve as user NAME (and its group)\n"
		"                          with only the capabilities it needs; give it a\n"
		"                          user and group of its own (README, \"Privileges\")\n"
		"  --tls-intercept         terminate TLS on the intercepted ports (443) with\n"
		"                          certificates of tapgate's CA, check the server\n"
		"                          name against the policy, put secrets into\n"
		"                          requests; settings in the --policy file's \"tls\"\n"
		"                          section (README, \"TLS interception\")\n"
		"  --tls-ca FILE           the CA certificate (PEM) to sign with (none: one\n"
		"                          is made once and kept in --tls-state)\n"
		"  --tls-ca-key FILE       its private key (PEM), with --tls-ca\n"
		"  --tls-state DIR         where the made CA is kept; DIR/ca.crt is what the\n"
		"                          guest must trust (" CONFIG_TLS_STATE ")\n"
		"  --secret NAME=HOST[,HOST...]\n"
		"                          with --tls-intercept: requests to HOST (exact or\n"
		"                          *.suffix) get the secret NAME where the guest\n"
		"                          wrote $TAPGATE_NAME (headers, basic auth). The\n"
		"                          value is read from the environment variable NAME,\n"
		"                          or the file $CREDENTIALS_DIRECTORY/NAME (systemd's\n"
		"                          LoadCredential=), never from the command line;\n"
		"                          repeatable up to 16 (the policy's tls.secrets too)\n"
		"  --tcp-mem MIB           the most memory the TCP stack may hold for all\n"
		"                          connections together (data queued both ways,\n"
		"                          connection state); past it guest segments are\n"
		"                          dropped until ACKs free some (256)\n"
		"  --connect-timeout SEC   host connect timeout before the guest gets RST (10)\n"
		"  --dns IP[:PORT]         upstream resolver for the guest's DNS, repeatable\n"
		"                          up to 4, tried in order (/etc/resolv.conf's)\n"
		"  --host-name NAME        name the guest resolves to the gateway\n"
		"                          (host.tapgate.internal)\n"
		"  --dns-aaaa auto|on|off  AAAA queries: on, asked upstream; off, answered\n"
		"                          empty; auto, empty while the host has no IPv6\n"
		"                          route or the guest no IPv6 (auto)\n"
		"  --no-rebind-protection  let DNS answers point into private, loopback,\n"
		"                          link-local and metadata ranges\n"
		"  --udp-timeout SEC       idle UDP flow lifetime (60)\n"
		"  --udp-max-flows N       UDP flows at once; the least recently used is\n"
		"                          closed beyond (1024)\n"
		"  --allow-udp-local       carry UDP 853 (DoQ), 5353 (mDNS), 5355 (LLMNR)\n"
		"                          and 137 (NetBIOS) too (dropped by default)\n"
		"  --no-dhcp               serve no DHCP: the guest configures its IPv4\n"
		"                          address itself (DHCP gives it the guest address,\n"
		"                          the gateway as router and DNS server, the MTU)\n"
		"  --seccomp on|log|off    once serving, only the system calls tapgate\n"
		"                          uses (docs/security.md); on: any other ends\n"
		"                          it, saying which; log: the kernel logs it\n"
		"                          and lets it through (on)\n"
		"  --busy-poll USEC        after traffic, keep polling up to USEC\n"
		"                          microseconds before sleeping: lower latency\n"
		"                          for more CPU while busy, none idle (0: off;\n"
		"                          at most 1000)\n"
		"  --xdp-mode auto|native|generic\n"
		"                          how the XDP program attaches; auto: generic\n"
		"                          on a veth (the guest's TCP then keeps TSO:\n"
		"                          super-frames, about 2x the upload rate),\n"
		"                          native elsewhere (auto)\n"
		"  --gso on|off            send the guest TCP data as super-frames the\n"
		"                          kernel or the guest's NIC cuts into MSS\n"
		"                          segments (a packet socket with a virtio-net\n"
		"                          header), not one AF_XDP frame per MSS (on)\n"
		"  --guest-ip6 ADDR[/64]   guest IPv6 address; its /64 is the guest's\n"
		"                          (fd42:6d73:62::2/64)\n"
		"  --gateway6 ADDR         gateway IPv6 address in that /64; stands for\n"
		"                          the host's ::1 (fd42:6d73:62::1)\n"
		"  --no-ra                 send no Router Advertisements (the guest\n"
		"                          configures its IPv6 address and route itself)\n"
		"  --no-ipv6               drop all IPv6 from the guest\n"
		"  --log-level LEVEL       error, warn, info, debug (info)\n",
		CONFIG_MTU_MIN, CONFIG_MTU_MAX, CONFIG_PUBLISH_MAX, CONFIG_SYN_RATE);
}

static int bad(const char *opt, const char *val, const char *want);

static int path_opt(const char *opt, const char *arg, char out[PATH_MAX])
{
	if (!*arg || strlen(arg) >= PATH_MAX)
		return bad(opt, arg, "give the path of a policy file");
	memcpy(out, arg, strlen(arg) + 1);
	return 0;
}

static int file_opt(const char *opt, const char *arg, char out[PATH_MAX])
{
	if (!*arg || strlen(arg) >= PATH_MAX)
		return bad(opt, arg, "give a path");
	memcpy(out, arg, strlen(arg) + 1);
	return 0;
}

static int bad(const char *opt, const char *val, const char *want)
{
	log_err("%s '%s' is not valid: %s", opt, val, want);
	return -EINVAL;
}

/**
 * config_parse_publish() - Parse "[HOSTIP:]HOSTPORT:GUESTPORT[/tcp|/udp]"
 * @arg: the option's argument
 * @out: the published port
 *
 * Return: 0, or -EINVAL
 */
int config_parse_publish(const char *arg, struct publish *out)
{
	char buf[64], *proto, *colon, *ports = buf;
	unsigned int hp, gp;

	if (strlen(arg) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, arg);
	*out = (struct publish){ .host_ip = htonl(INADDR_LOOPBACK), .proto = IPPROTO_TCP };
	proto = strchr(buf, '/');
	if (proto) {
		*proto++ = '\0';
		if (!strcmp(proto, "udp"))
			out->proto = IPPROTO_UDP;
		else if (strcmp(proto, "tcp"))
			return -EINVAL;
	}
	colon = strrchr(buf, ':');
	if (!colon)
		return -EINVAL;
	*colon = '\0';
	if (parse_uint(colon + 1, 1, 65535, &gp))
		return -EINVAL;
	colon = strrchr(buf, ':');
	if (colon) {
		*colon = '\0';
		if (inet_pton(AF_INET, buf, &out->host_ip) != 1)
			return -EINVAL;
		ports = colon + 1;
	}
	if (parse_uint(ports, 1, 65535, &hp))
		return -EINVAL;
	out->host_port = (uint16_t)hp;
	out->guest_port = (uint16_t)gp;
	return 0;
}

/**
 * config_parse_dns() - Parse an upstream resolver "A.B.C.D[:PORT]"
 * @arg: the text
 * @out: address and port (53 if none given)
 *
 * Return: 0 or -EINVAL
 */
int config_parse_dns(const char *arg, struct dns_upstream *out)
{
	unsigned int port = 53;

	if (parse_ip4_suffix(arg, ':', &out->ip4, 1, 65535, &port))
		return -EINVAL;
	out->port = (uint16_t)port;
	return 0;
}

static bool valid_host_name(const char *s)
{
	size_t n = strlen(s), label = 0;

	if (!n || n > 253 || s[0] == '.' || s[n - 1] == '.')
		return false;
	for (; *s; s++) {
		if (*s == '.') {
			if (!label)
				return false;
			label = 0;
		} else if ((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
			   (*s >= '0' && *s <= '9') || *s == '-' || *s == '_') {
			if (++label > 63)
				return false;
		} else {
			return false;
		}
	}
	return true;
}

/* The options of the UDP relay and the DNS interceptor. */
static int parse_udp_dns(struct config *cfg, int c, const char *arg)
{
	unsigned int v;

	switch (c) {
	case OPT_DNS:
		if (cfg->ndns == CONFIG_DNS_MAX)
			return bad("--dns", arg, "give at most 4 upstream resolvers");
		if (config_parse_dns(arg, &cfg->dns[cfg->ndns]))
			return bad("--dns", arg, "give an IPv4 address, optionally with :PORT");
		cfg->ndns++;
		return 0;
	case OPT_HOST_NAME:
		if (!valid_host_name(arg))
			return bad("--host-name", arg, "give a DNS name like host.internal");
		for (size_t i = 0; arg[i]; i++)
			cfg->host_name[i] =
				(char)(arg[i] >= 'A' && arg[i] <= 'Z' ? arg[i] + 32 : arg[i]);
		cfg->host_name[strlen(arg)] = '\0';
		return 0;
	case OPT_NO_REBIND:
		cfg->rebind_protection = false;
		return 0;
	case OPT_UDP_LOCAL:
		cfg->udp_local_ports = true;
		return 0;
	case OPT_UDP_TIMEOUT:
		if (parse_uint(arg, 1, 86400, &v))
			return bad("--udp-timeout", arg, "give seconds from 1 to 86400");
		cfg->udp_timeout_ms = v * 1000;
		return 0;
	case OPT_UDP_MAX_FLOWS:
		return parse_uint(arg, 1, 1000000, &cfg->udp_max_flows)
			       ? bad("--udp-max-flows", arg, "give a number from 1 to 1000000")
			       : 0;
	}
	return -EINVAL;
}

/* --user NAME: the ids now, so that a typo fails at start, not after setup. */
static int user_opt(const char *arg, struct config *cfg)
{
	struct passwd *pw = getpwnam(arg);

	if (strlen(arg) >= sizeof(cfg->user))
		return bad("--user", arg, "name too long");
	if (!pw)
		return bad("--user", arg, "no such user (getent passwd NAME)");
	if (!pw->pw_uid)
		return bad("--user", arg, "that is root: name an unprivileged user");
	snprintf(cfg->user, sizeof(cfg->user), "%s", arg);
	cfg->uid = pw->pw_uid;
	cfg->gid = pw->pw_gid;
	return 0;
}

static int parse_one(struct config *cfg, int c, const char *arg)
{
	unsigned int v;
	int i;

	switch (c) {
	case OPT_DEV:
		if (!arg[0] || strlen(arg) >= sizeof(cfg->dev))
			return bad("--dev", arg, "a device name of 1-15 characters");
		strcpy(cfg->dev, arg);
		return 0;
	case OPT_GUEST_IP:
		return parse_cidr4(arg, &cfg->guest_ip4, &cfg->prefix4)
			       ? bad("--guest-ip", arg, "give A.B.C.D/N with N in 8..30")
			       : 0;
	case OPT_GATEWAY:
		return inet_pton(AF_INET, arg, &cfg->gw_ip4) == 1
			       ? 0
			       : bad("--gateway", arg, "give an IPv4 address");
	case OPT_GUEST_MAC:
		return parse_mac(arg, cfg->guest_mac)
			       ? bad("--guest-mac", arg, "give a unicast MAC aa:bb:cc:dd:ee:ff")
			       : 0;
	case OPT_GW_MAC:
		return parse_mac(arg, cfg->gw_mac)
			       ? bad("--gateway-mac", arg, "give a unicast MAC aa:bb:cc:dd:ee:ff")
			       : 0;
	case OPT_MTU:
		return parse_uint(arg, CONFIG_MTU_MIN, CONFIG_MTU_MAX, &cfg->mtu)
			       ? bad("--mtu", arg, "give a number from 576 to 65520")
			       : 0;
	case OPT_ALLOW:
		cfg->allow_given = true;
		return config_parse_groups(arg, &cfg->allow);
	case OPT_POLICY:
		return path_opt("--policy", arg, cfg->policy_path);
	case OPT_FLOOR:
		return path_opt("--floor", arg, cfg->floor_path);
	case OPT_ADOPT:
		cfg->adopt = true;
		return 0;
	case OPT_MAX_CONNS:
		return parse_uint(arg, 1, 1000000, &cfg->max_conns)
			       ? bad("--max-conns", arg, "give a number from 1 to 1000000")
			       : 0;
	case OPT_USER:
		return user_opt(arg, cfg);
	case OPT_TLS_INTERCEPT:
		cfg->tls_intercept = true;
		return 0;
	case OPT_TLS_CA:
		return file_opt("--tls-ca", arg, cfg->tls_ca);
	case OPT_TLS_CA_KEY:
		return file_opt("--tls-ca-key", arg, cfg->tls_ca_key);
	case OPT_TLS_STATE:
		return file_opt("--tls-state", arg, cfg->tls_state);
	case OPT_SECRET:
		if (cfg->nsecret_specs == CONFIG_SECRETS_MAX)
			return bad("--secret", arg, "at most 16 of them");
		if (strlen(arg) >= CONFIG_SECRET_SPEC || !strchr(arg, '='))
			return bad("--secret", arg,
				   "give NAME=HOST[,HOST...]; the value comes from the "
				   "environment variable NAME, never the command line");
		strcpy(cfg->secret_spec[cfg->nsecret_specs++], arg);
		return 0;
	case OPT_SYN_RATE:
		return parse_uint(arg, 0, 1000000, &cfg->syn_rate)
			       ? bad("--syn-rate", arg,
				     "give a number from 0 (no limit) to 1000000")
			       : 0;
	case OPT_CONNECT_TIMEOUT:
		if (parse_uint(arg, 1, 600, &v))
			return bad("--connect-timeout", arg, "give seconds from 1 to 600");
		cfg->connect_timeout_ms = v * 1000;
		return 0;
	case OPT_NO_IPV6:
		cfg->ipv6 = false;
		return 0;
	case OPT_GUEST_IP6:
		return parse_ip6_64(arg, cfg->guest_ip6)
			       ? bad("--guest-ip6", arg,
				     "give an IPv6 address, optionally with /64")
			       : 0;
	case OPT_GATEWAY6:
		return inet_pton(AF_INET6, arg, cfg->gw_ip6) == 1
			       ? 0
			       : bad("--gateway6", arg, "give an IPv6 address");
	case OPT_NO_RA:
		cfg->ra = false;
		return 0;
	case OPT_PUBLISH:
		if (cfg->npublish == CONFIG_PUBLISH_MAX)
			return bad("--publish", arg,
				   "at most " TG_STR(CONFIG_PUBLISH_MAX) " of them");
		if (config_parse_publish(arg, &cfg->publish[cfg->npublish]))
			return bad("--publish", arg,
				   "give [HOSTIP:]HOSTPORT:GUESTPORT[/tcp|/udp], ports 1-65535");
		cfg->npublish++;
		return 0;
	case OPT_DNS_AAAA: /* in enum dns_aaaa's order */
		i = PARSE_NAME(arg, "auto", "on", "off");
		if (i < 0)
			return bad("--dns-aaaa", arg, "give auto, on or off");
		cfg->dns_aaaa = (enum dns_aaaa)i;
		return 0;
	case OPT_NO_DHCP:
		cfg->dhcp = false;
		return 0;
	case OPT_KEEP_SOURCE:
		cfg->publish_keep_source = true;
		return 0;
	case OPT_SECCOMP:
		return scfilter_parse_mode(arg, &cfg->seccomp)
			       ? bad("--seccomp", arg, "give on, log or off")
			       : 0;
	case OPT_TCP_MEM:
		return parse_uint(arg, 4, 65536, &cfg->tcp_mem_mib)
			       ? bad("--tcp-mem", arg, "give MiB from 4 to 65536")
			       : 0;
	case OPT_XDP_MODE: /* in enum xdp_choice's order */
		i = PARSE_NAME(arg, "auto", "native", "generic");
		if (i < 0)
			return bad("--xdp-mode", arg, "give auto, native or generic");
		cfg->xdp_mode = (enum xdp_choice)i;
		return 0;
	case OPT_GSO:
		i = PARSE_NAME(arg, "off", "on");
		if (i < 0)
			return bad("--gso", arg, "give on or off");
		cfg->gso = i;
		return 0;
	case OPT_BUSY_POLL:
		return parse_uint(arg, 0, 1000, &cfg->busy_poll_us)
			       ? bad("--busy-poll", arg, "give microseconds from 0 to 1000")
			       : 0;
	case OPT_LOG_LEVEL:
		return log_parse_level(arg, &cfg->log_level)
			       ? bad("--log-level", arg, "use error, warn, info or debug")
			       : 0;
	}
	return parse_udp_dns(cfg, c, arg);
}

/**
 * config_parse_run() - Parse `tapgate run` options into @cfg
 * @cfg:  filled with defaults by the caller, then overridden
 * @argc: argument count, argv[0] being "run"
 * @argv: arguments
 *
 * Return: 0, 1 when --help was printed, or -EINVAL after a message
 */
int config_parse_run(struct config *cfg, int argc, char **argv)
{
	int c, err;

	/* 0, not 1: glibc then also forgets a half-parsed option cluster. */
	optind = 0;
	opterr = 1;
	while ((c = getopt_long(argc, argv, "d:h", run_opts, NULL)) != -1) {
		if (c == OPT_HELP) {
			config_usage_run(stdout);
			return 1;
		}
		if (c == '?') {
			config_usage_run(stderr);
			return -EINVAL;
		}
		err = parse_one(cfg, c, optarg);
		if (err)
			return err;
	}
	if (optind < argc) {
		log_err("run: unexpected argument '%s'; see 'tapgate run --help'", argv[optind]);
		return -EINVAL;
	}
	return check_config(cfg);
}
