// SPDX-License-Identifier: MIT
/*
 * fuzz_config.c - libFuzzer target for `tapgate run` option parsing.
 *
 * Input: arguments separated by NUL bytes; "run" is prepended as argv[0].
 * Each argument is its own heap copy, so ASan sees a read past any of
 * them. config_parse_run() must never crash; when it accepts, the result
 * must satisfy everything check_config() promises; and parsing the same
 * command line twice must give the same answer (getopt keeps state between
 * calls: see tests/unit/test_config.c, reparse_*).
 *
 * getopt is fully reset (optind = 0) before each input so that inputs stay
 * independent. Set TAPGATE_FUZZ_RESET_BETWEEN=1 to also reset between the
 * two parses of one input, which hides the known "optind = 1" bug and lets
 * a long run look for others.
 *
 * Messages (usage, errors) go to /dev/null while parsing.
 */
#include <arpa/inet.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control/config.h"
#include "steer.h"

#define MAX_ARGS 64

#define FUZZ_ASSERT(cond)                                                                          \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "fuzz_config: %s:%d: assertion failed: %s\n", __FILE__,    \
				__LINE__, #cond);                                                  \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

static FILE *devnull;
static int reset_between;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *e = getenv("TAPGATE_FUZZ_RESET_BETWEEN");

	(void)argc;
	(void)argv;
	devnull = fopen("/dev/null", "w");
	reset_between = e && *e && strcmp(e, "0");
	return 0;
}

/* glibc forgets everything (a half-read option cluster too) on optind 0. */
static void getopt_reset(void)
{
	static char prog[] = "reset";
	char *argv[] = { prog, NULL };

	optind = 0;
	opterr = 0;
	(void)getopt(1, argv, "");
}

static int parse(struct config *cfg, int argc, char **argv)
{
	FILE *out = stdout, *err = stderr;
	int r;

	config_defaults(cfg);
	if (devnull) {
		stdout = devnull;
		stderr = devnull;
	}
	r = config_parse_run(cfg, argc, argv);
	stdout = out;
	stderr = err;
	return r;
}

/* What an accepted configuration must look like. */
static void check_accepted(const struct config *c)
{
	uint32_t mask;

	FUZZ_ASSERT(c->dev[0] != '\0');
	FUZZ_ASSERT(memchr(c->dev, '\0', sizeof(c->dev)) != NULL);
	FUZZ_ASSERT(c->prefix4 >= 8 && c->prefix4 <= 30);
	mask = htonl(~0u << (32 - c->prefix4));
	FUZZ_ASSERT(c->guest_ip4 != c->gw_ip4);
	FUZZ_ASSERT((c->guest_ip4 & mask) == (c->gw_ip4 & mask));
	FUZZ_ASSERT(!(c->guest_mac[0] & 1) && !(c->gw_mac[0] & 1));
	FUZZ_ASSERT(memcmp(c->guest_mac, c->gw_mac, 6) != 0);
	FUZZ_ASSERT(c->mtu >= CONFIG_MTU_MIN && c->mtu <= CONFIG_MTU_MAX);
	FUZZ_ASSERT(c->max_conns >= 1 && c->max_conns <= 1000000);
	FUZZ_ASSERT(c->connect_timeout_ms >= 1000 && c->connect_timeout_ms <= 600000);
	FUZZ_ASSERT(c->connect_timeout_ms % 1000 == 0);
	FUZZ_ASSERT(c->log_level >= LOG_ERROR && c->log_level <= LOG_DEBUG);
	FUZZ_ASSERT((c->allow & ~((1u << TG_G_MAX) - 1)) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *argv[MAX_ARGS + 1];
	struct config a, b;
	int argc = 0, ra, rb;
	size_t i = 0;

	argv[argc++] = strdup("run");
	while (i < size && argc < MAX_ARGS) {
		const uint8_t *nul = memchr(data + i, 0, size - i);
		size_t n = nul ? (size_t)(nul - (data + i)) : size - i;
		char *arg = malloc(n + 1);

		memcpy(arg, data + i, n);
		arg[n] = '\0';
		argv[argc++] = arg;
		i += n + 1;
	}
	argv[argc] = NULL;

	getopt_reset();
	ra = parse(&a, argc, argv);
	FUZZ_ASSERT(ra == 0 || ra == 1 || ra == -22 /* -EINVAL */);
	if (ra == 0)
		check_accepted(&a);

	/* Once more on the same (possibly permuted) argv: same answer. */
	if (reset_between)
		getopt_reset();
	rb = parse(&b, argc, argv);
	if (rb != ra)
		fprintf(stderr,
			"fuzz_config: the same arguments parsed twice gave %d, then %d: "
			"getopt state left over from the first parse (known: "
			"config_parse_run() resets with optind = 1, not 0)\n",
			ra, rb);
	FUZZ_ASSERT(rb == ra);
	if (ra == 0)
		FUZZ_ASSERT(!memcmp(&a, &b, sizeof(a)));

	for (int k = 0; k < argc; k++)
		free(argv[k]);
	return 0;
}
