// SPDX-License-Identifier: MIT
/*
 * main.c - the tapgate command: run, stats, detach. Only main() exits.
 */
#include <malloc.h>
#include <stdio.h>
#include <string.h>

#include "control/config.h"
#include "control/loader.h"
#include "control/log.h"
#include "policy/polload.h"
#include "poller.h"
#include "control/stats.h"

#define TAPGATE_VERSION "0.1.0"

static void usage(FILE *out)
{
	fprintf(out, "usage: tapgate COMMAND [options]\n"
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
		     "  help, --help                 this text\n"
		     "  version, --version           the version\n");
}

static int cmd_stats(int argc, char **argv)
{
	const char *dev = NULL;
	bool json = false;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json"))
			json = true;
		else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			printf("usage: tapgate stats IFNAME [--json]\n");
			return 0;
		} else if (!dev && argv[i][0] != '-')
			dev = argv[i];
		else {
			log_err("stats: unexpected argument '%s'; usage: tapgate stats IFNAME "
				"[--json]",
				argv[i]);
			return 2;
		}
	}
	if (!dev) {
		log_err("stats: which device? usage: tapgate stats IFNAME [--json]");
		return 2;
	}
	return stats_print(dev, json) ? 1 : 0;
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

static int cmd_run(int argc, char **argv)
{
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
	return poller_run(&cfg) ? 1 : 0;
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
	log_err("unknown command '%s'; see 'tapgate --help'", cmd);
	return 2;
}
