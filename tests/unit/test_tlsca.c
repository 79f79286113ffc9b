// SPDX-License-Identifier: MIT
/*
 * test_tlsca.c - the interception CA (user/tls/tlsca.c): made once into
 * the state directory and read back on the next start, refused when half
 * of it is missing; leaves for a name carry it as their only
 * subjectAltName, verify against the CA, are valid from an hour ago for a
 * day, are minted once per name and kept for TLSCA_CACHE names, the least
 * recently used going first.
 */
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include <openssl/x509v3.h>

#include "check.h"
#include "tls/tlsca.h"

static char dir[] = "/tmp/tg-tlsca.XXXXXX";
static SSL_CTX *ctx;

static bool use(const char *name, X509 **cert)
{
	SSL *ssl = SSL_new(ctx);
	bool minted = true;
	int rc = tlsca_use(ssl, name, &minted);

	*cert = rc ? NULL : X509_dup(SSL_get_certificate(ssl));
	SSL_free(ssl);
	return minted;
}

static X509 *load(const char *path)
{
	FILE *f = fopen(path, "r");
	X509 *x = f ? PEM_read_X509(f, NULL, NULL, NULL) : NULL;

	if (f)
		fclose(f);
	return x;
}

static void t_made_then_reused(void)
{
	char err[256], crt[64], key[64], aside[64];
	X509 *first, *again;

	snprintf(crt, sizeof(crt), "%s/ca.crt", dir);
	snprintf(key, sizeof(key), "%s/ca.key", dir);
	CHECK(tlsca_init("", "", dir, err, sizeof(err)) == 0);
	CHECK(access(crt, R_OK) == 0 && access(key, R_OK) == 0);
	first = load(crt);
	tlsca_fini();
	CHECK(tlsca_init("", "", dir, err, sizeof(err)) == 0);
	again = load(crt);
	CHECK(first && again && X509_cmp(first, again) == 0);
	CHECK(X509_check_ca(again) >= 1);
	tlsca_fini();
	X509_free(first);
	X509_free(again);
	snprintf(aside, sizeof(aside), "%s.key", dir);
	rename(key, aside);
	CHECK(tlsca_init("", "", dir, err, sizeof(err)) != 0);
	CHECK(strstr(err, "ca.key") != NULL);
	rename(aside, key);
	tlsca_fini();
}

static void t_leaf(void)
{
	char err[256], crt[64];
	X509 *ca, *leaf;
	EVP_PKEY *capub;
	time_t now = time(NULL), before = now - 3700, after = now + 86300;

	snprintf(crt, sizeof(crt), "%s/ca.crt", dir);
	CHECK(tlsca_init("", "", dir, err, sizeof(err)) == 0);
	ca = load(crt);
	CHECK(use("api.example.test", &leaf));
	CHECK(leaf != NULL);
	if (leaf && ca) {
		capub = X509_get0_pubkey(ca);
		CHECK(X509_verify(leaf, capub) == 1);
		CHECK(X509_check_host(leaf, "api.example.test", 0, 0, NULL) == 1);
		CHECK(X509_check_host(leaf, "other.example.test", 0, 0, NULL) != 1);
		CHECK(X509_cmp_time(X509_get0_notBefore(leaf), &before) > 0);
		CHECK(X509_cmp_time(X509_get0_notBefore(leaf), &now) < 0);
		CHECK(X509_cmp_time(X509_get0_notAfter(leaf), &after) > 0);
		CHECK(X509_check_ca(leaf) == 0);
	}
	X509_free(leaf);
	X509_free(ca);
	tlsca_fini();
}

static void t_cache(void)
{
	char err[256], name[64];
	X509 *x;

	CHECK(tlsca_init("", "", dir, err, sizeof(err)) == 0);
	CHECK(use("n0.test", &x));
	X509_free(x);
	CHECK(!use("n0.test", &x)); /* cached */
	X509_free(x);
	for (int i = 1; i < TLSCA_CACHE; i++) {
		snprintf(name, sizeof(name), "n%d.test", i);
		CHECK(use(name, &x));
		X509_free(x);
	}
	CHECK(!use("n1.test", &x)); /* the cache is full, nothing went yet */
	X509_free(x);
	CHECK(use("new.test", &x)); /* ... now n0, the least recently used, goes */
	X509_free(x);
	CHECK(!use("n1.test", &x));
	X509_free(x);
	CHECK(use("n0.test", &x));
	X509_free(x);
	tlsca_fini();
}

int main(void)
{
	char cmd[64];

	if (!mkdtemp(dir))
		return 1;
	ctx = SSL_CTX_new(TLS_server_method());
	RUN(t_made_then_reused);
	RUN(t_leaf);
	RUN(t_cache);
	SSL_CTX_free(ctx);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd)) {
		/* a leftover directory in /tmp is harmless */
	}
	return check_summary();
}
