// SPDX-License-Identifier: MIT
/*
 * main.c - the tapgate command: run, stats, detach, policy, status. Only
 * main() exits.
 */
#include <malloc.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control/config.h"
#include "control/ctl.h"
#include "control/flows.h"
#include "control/loader.h"
#include "control/log.h"
#include "policy/polload.h"
#include "io/loop.h"
#include "poller.h"
#include "control/stats.h"
#include "control/status.h"

#define TAPGATE_VERSION "0.1.0"

static void usage(FILE *out)
{
	fprintf(out,
		"usage: tapgate COMMAND [options]\n"
		"\n"
		"Give a sandbox (a microVM behind a tap, or a container behind a veth)\n"
		"networking through a user-space TCP/IP stack, under a policy, with\n"
		"nothing routed or NAT-ed by the host kernel.\n"
		"\n"
		"commands:\n"
		"  run --dev IFNAME [options]   attach and serve (see 'tapgate run --help')\n"
		"  stats IFNAME [--json]        print the counters of a running tapgate\n"
		"  detach IFNAME                stop the tapgate on IFNAME, or clear what a\n"
		"                               killed one left behind\n"
		"  policy IFNAME FILE           put FILE in force as the sandbox's policy of\n"
		"                               the running tapgate (checked first; flows it\n"
		"                               denies are reset; SIGHUP goes back to --policy)\n"
		"  status IFNAME                one line about the running tapgate\n"
		"  publish IFNAME SPEC          publish a port of the running tapgate's guest:\n"
		"                               SPEC is [HOSTIP:]HOSTPORT:GUESTPORT[/udp] as for\n"
		"                               --publish\n"
		"  unpublish IFNAME SPEC        stop publishing it (open connections go on)\n"
		"  help, --help                 this text\n"
		"  version, --version           the version\n");
}

static int cmd_stats(int argc, char **argv)
{
	static const char usage[] = "usage: tapgate stats IFNAME [--json | --prometheus]";
	enum stats_format fmt = STATS_TEXT;
	const char *dev = NULL;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json"))
			fmt = STATS_JSON;
		else if (!strcmp(argv[i], "--prometheus"))
			fmt = STATS_PROMETHEUS;
		else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			printf("%s\n", usage);
			return 0;
		} else if (!dev && argv[i][0] != '-')
			dev = argv[i];
		else {
			log_err("stats: unexpected argument '%s'; %s", argv[i], usage);
			return 2;
		}
	}
	if (!dev) {
		log_err("stats: which device? %s", usage);
		return 2;
	}
	return stats_print(dev, fmt) ? 1 : 0;
}

static int cmd_detach(int argc, char **argv)
{
	if (argc != 2 || argv[1][0] == '-') {
		printf("usage: tapgate detach IFNAME\n");
		return argc == 2 ? 0 : 2;
	}
	return loader_detach_dev(argv[1]) ? 1 : 0;
}

/* Bad policy files stop a run before anything is touched, as bad options
 * do (exit 2). */
static int check_policy(const struct config *cfg)
{
	struct policy sandbox, floor;
	char err[512];

	if (cfg->allow_given && cfg->policy_path[0]) {
		log_err("run: give --allow or --policy, not both (a policy file says what "
			"--allow would, with rules of the form {\"destination\": \"group:host\", "
			"\"action\": \"allow\"})");
		return -1;
	}
	if (polload(cfg, &sandbox, &floor, NULL, err, sizeof(err))) {
		log_err("%s", err);
		return -1;
	}
	policy_free(&sandbox);
	policy_free(&floor);
	return 0;
}

/* Ask the daemon on IFNAME through its control socket; print its reply. */
static int ask(const char *dev, const char *cmd, const char *name, const char *body, size_t len)
{
	char reply[CTL_REPLY_MAX];
	int r = ctl_request(dev, cmd, name, body, len, reply, sizeof(reply));

	if (r < 0)
		log_err("%s: %s (is 'tapgate run --dev %s' running? root needed)", cmd, reply, dev);
	else
		fprintf(r ? stderr : stdout, "%s\n", reply);
	return r ? 1 : 0;
}

static int cmd_policy(int argc, char **argv)
{
	char err[512], *text = NULL, name[CTL_NAME_MAX];
	struct policy p;
	size_t len = 0;
	FILE *f;
	int r;

	if (argc != 3) {
		log_err("usage: tapgate policy IFNAME FILE");
		return 2;
	}
	/* Checked here too, so that a mistake is told before the daemon is
	 * asked, with the same message. */
	if (policy_load(&p, argv[2], err, sizeof(err))) {
		log_err("%s", err);
		return 2;
	}
	policy_free(&p);
	f = fopen(argv[2], "r");
	if (!f || !(text = malloc(POL_FILE_MAX)) || !(len = fread(text, 1, POL_FILE_MAX, f))) {
		log_err("policy: cannot read %s", argv[2]);
		r = 2;
	} else {
		snprintf(name, sizeof(name), "%s", argv[2]);
		for (char *c = name; *c; c++)
			*c = *c == ' ' ? '_' : *c;
		r = ask(argv[1], "policy", name, text, len);
	}
	if (f)
		fclose(f);
	free(text);
	return r;
}

/* `tapgate publish|unpublish IFNAME SPEC`: checked here, done there. */
static int cmd_publish(int argc, char **argv)
{
	struct publish p;

	if (argc != 3) {
		log_err("usage: tapgate %s IFNAME [HOSTIP:]HOSTPORT:GUESTPORT[/tcp|/udp]", argv[0]);
		return 2;
	}
	if (config_parse_publish(argv[2], &p)) {
		log_err("%s: '%s': give [HOSTIP:]HOSTPORT:GUESTPORT[/tcp|/udp], ports 1-65535",
			argv[0], argv[2]);
		return 2;
	}
	return ask(argv[1], argv[0], argv[2], NULL, 0);
}

static int cmd_status(int argc, char **argv)
{
	const char *dev = NULL;
	bool json = false;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json"))
			json = true;
		else if (!dev && argv[i][0] != '-')
			dev = argv[i];
		else {
			log_err("usage: tapgate status [IFNAME] [--json]");
			return 2;
		}
	}
	return status_print(dev, json);
}

static int cmd_flows(int argc, char **argv)
{
	bool json = argc == 3 && !strcmp(argv[2], "--json");

	if (argc < 2 || argc > 3 || (argc == 3 && !json) || argv[1][0] == '-') {
		log_err("usage: tapgate flows IFNAME [--json]");
		return 2;
	}
	return flows_print(argv[1], json) ? 1 : 0;
}

static int cmd_run(int argc, char **argv)
{
	uint64_t t0_ms = loop_now_ms(); /* for the ready line's "in N ms" */
	struct config cfg;
	int r;

	config_defaults(&cfg);
	r = config_parse_run(&cfg, argc, argv);
	if (r)
		return r > 0 ? 0 : 2;
	log_set_level(cfg.log_level);
	if (check_policy(&cfg))
		return 2;
	/* Tables are sized for the limits (--max-conns, --udp-max-flows...)
	 * but mostly empty. From fresh mmap'd pages, calloc() need not clear
	 * them, so their untouched pages are never resident; from heap space
	 * that loading the BPF object used and freed, they would be. */
	mallopt(M_MMAP_THRESHOLD, 16 * 1024);
	return poller_run(&cfg, t0_ms) ? 1 : 0;
}

int main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : NULL;

	if (!cmd || !strcmp(cmd, "help") || !strcmp(cmd, "--help") || !strcmp(cmd, "-h")) {
		usage(cmd ? stdout : stderr);
		return cmd ? 0 : 2;
	}
	if (!strcmp(cmd, "version") || !strcmp(cmd, "--version")) {
		printf("tapgate %s\n", TAPGATE_VERSION);
		return 0;
	}
	if (!strcmp(cmd, "run"))
		return cmd_run(argc - 1, argv + 1);
	if (!strcmp(cmd, "stats"))
		return cmd_stats(argc - 1, argv + 1);
	if (!strcmp(cmd, "detach"))
		return cmd_detach(argc - 1, argv + 1);
	if (!strcmp(cmd, "policy"))
		return cmd_policy(argc - 1, argv + 1);
	if (!strcmp(cmd, "status"))
		return cmd_status(argc - 1, argv + 1);
	if (!strcmp(cmd, "flows"))
		return cmd_flows(argc - 1, argv + 1);
	if (!strcmp(cmd, "publish") || !strcmp(cmd, "unpublish"))
		return cmd_publish(argc - 1, argv + 1);
	log_err("unknown command '%s'; see 'tapgate --help'", cmd);
	return 2;
}
