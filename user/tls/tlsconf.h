/* SPDX-License-Identifier: MIT */
/*
 * tlsconf.h - what TLS interception does (the "tls" section of the
 * --policy file, read at start): which ports, which names are spliced
 * untouched, how upstream servers are verified, and the secrets.
 */
#ifndef TAPGATE_TLSCONF_H
#define TAPGATE_TLSCONF_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TLS_PORTS_MAX	8
#define TLS_NAMES_MAX	64 /* names per list (bypass, no_verify, a secret's hosts) */
#define TLS_NAME_LEN	254
#define TLS_SECRETS_MAX 16
#define TLS_SECRET_NAME 32
#define TLS_PLACE_MAX	80

/* Where a secret may be put (bit set). */
enum tls_inject {
	TLS_IN_HEADER = 1, /* a header value */
	TLS_IN_BASIC = 2,  /* inside Authorization: Basic's user:password */
	TLS_IN_QUERY = 4,  /* the request target */
};

/* A list of names: exact, or "*.suffix" for any name under suffix. */
struct tls_names {
	unsigned int n;
	char name[TLS_NAMES_MAX][TLS_NAME_LEN];
};

struct tls_secret_conf {
	char name[TLS_SECRET_NAME];
	char placeholder[TLS_PLACE_MAX]; /* default "$TAPGATE_<NAME>" */
	char env[128];			 /* the value's environment variable, or "" */
	char file[PATH_MAX];		 /* or the file holding it */
	struct tls_names hosts;
	uint8_t inject; /* enum tls_inject bits */
};

struct tls_conf {
	unsigned int nports;
	uint16_t ports[TLS_PORTS_MAX];
	struct tls_names bypass;
	bool no_sni_bypass;    /* a ClientHello without a name: spliced (else closed) */
	bool cut_on_violation; /* a violation ends the sandbox's network */
	char extra_ca[PATH_MAX];
	struct tls_names no_verify;
	unsigned int nsecrets;
	struct tls_secret_conf secret[TLS_SECRETS_MAX];
};

void tlsconf_defaults(struct tls_conf *c);
int tlsconf_parse(struct tls_conf *c, const char *text, size_t len, const char *file, char *err,
		  size_t errlen);
int tlsconf_load(struct tls_conf *c, const char *path, char *err, size_t errlen);
int tlsconf_add_secret(struct tls_conf *c, const char *spec, char *err, size_t errlen);
bool tls_names_match(const struct tls_names *l, const char *name);
bool tlsconf_port(const struct tls_conf *c, uint16_t port);

#endif
