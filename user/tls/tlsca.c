// SPDX-License-Identifier: MIT
/*
 * tlsca.c - the interception CA and its leaf certificates (tlsca.h).
 *
 * The CA comes from --tls-ca/--tls-ca-key, or is generated once into the
 * state directory (ca.crt world-readable, for the VMM to hand to the
 * guest; ca.key 0600) and reused by every later run, so a guest image
 * trusts it once. Leaves share one P-256 key made at start (a key per
 * name would cost a key generation per new name for no gain: the guest
 * trusts the CA, not the key), carry the name as their only
 * subjectAltName, are valid for a day from an hour ago, and are kept in a
 * least-recently-used cache of TLSCA_CACHE names; one with less than an
 * hour left is minted again.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "control/log.h"
#include "tls/tlsca.h"

struct leaf {
	char name[256];
	X509 *cert;
	time_t expires;
	uint64_t used; /* LRU stamp */
};

static X509 *ca_cert;
static EVP_PKEY *ca_key, *leaf_key;
static struct leaf *cache;
static unsigned int ncache;
static uint64_t stamp;
static char ca_path[4300];

static int ossl_fail(char *err, size_t errlen, const char *what)
{
	char why[256] = "";

	ERR_error_string_n(ERR_get_error(), why, sizeof(why));
	snprintf(err, errlen, "%s: %s", what, why);
	ERR_clear_error();
	return -EINVAL;
}

static bool set_serial(X509 *x)
{
	BIGNUM *bn = BN_new();
	bool ok = bn && BN_rand(bn, 127, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) &&
		  BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x));

	BN_free(bn);
	return ok;
}

static bool add_ext(X509 *x, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509_EXTENSION *e;
	bool ok;

	X509V3_set_ctx(&ctx, issuer, x, NULL, NULL, 0);
	e = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
	ok = e && X509_add_ext(x, e, -1);
	X509_EXTENSION_free(e);
	return ok;
}

static bool add_san(X509 *x, const char *name)
{
	GENERAL_NAMES *gens = sk_GENERAL_NAME_new_null();
	GENERAL_NAME *gn = GENERAL_NAME_new();
	ASN1_IA5STRING *ia5 = ASN1_IA5STRING_new();
	bool ok = gens && gn && ia5 && ASN1_STRING_set(ia5, name, (int)strlen(name));

	if (ok) {
		GENERAL_NAME_set0_value(gn, GEN_DNS, ia5);
		ia5 = NULL;
		ok = sk_GENERAL_NAME_push(gens, gn) > 0;
		if (ok)
			gn = NULL;
	}
	ok = ok && X509_add1_ext_i2d(x, NID_subject_alt_name, gens, 0, 0) == 1;
	ASN1_IA5STRING_free(ia5);
	GENERAL_NAME_free(gn);
	GENERAL_NAMES_free(gens);
	return ok;
}

/* A certificate for @pub named @cn, not yet signed or extended. */
static X509 *cert_new(EVP_PKEY *pub, const char *cn, long backdate_s, long valid_s)
{
	X509 *x = X509_new();
	X509_NAME *n;
	char cut[65];

	snprintf(cut, sizeof(cut), "%s", cn); /* a CN holds 64 characters */
	if (!x || !X509_set_version(x, 2) || !set_serial(x) ||
	    !X509_gmtime_adj(X509_getm_notBefore(x), -backdate_s) ||
	    !X509_gmtime_adj(X509_getm_notAfter(x), valid_s) || !X509_set_pubkey(x, pub))
		goto fail;
	n = X509_get_subject_name(x);
	if (!X509_NAME_add_entry_by_txt(n, "O", MBSTRING_ASC, (const unsigned char *)"tapgate", -1,
					-1, 0) ||
	    !X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC, (const unsigned char *)cut, -1, -1,
					0))
		goto fail;
	return x;
fail:
	X509_free(x);
	return NULL;
}

static X509 *ca_make(EVP_PKEY *key)
{
	X509 *x =
		cert_new(key, "tapgate sandbox CA", TLSCA_BACKDATE_S, (long)TLSCA_CA_DAYS * 86400);

	if (!x || !X509_set_issuer_name(x, X509_get_subject_name(x)) ||
	    !add_ext(x, x, NID_basic_constraints, "critical,CA:TRUE,pathlen:0") ||
	    !add_ext(x, x, NID_key_usage, "critical,keyCertSign,cRLSign") ||
	    !add_ext(x, x, NID_subject_key_identifier, "hash") ||
	    !X509_sign(x, key, EVP_sha256())) {
		X509_free(x);
		return NULL;
	}
	return x;
}

static X509 *leaf_make(const char *name)
{
	X509 *x = cert_new(leaf_key, name, TLSCA_BACKDATE_S, TLSCA_LEAF_S);

	if (!x || !X509_set_issuer_name(x, X509_get_subject_name(ca_cert)) || !add_san(x, name) ||
	    !add_ext(x, ca_cert, NID_basic_constraints, "critical,CA:FALSE") ||
	    !add_ext(x, ca_cert, NID_key_usage, "critical,digitalSignature") ||
	    !add_ext(x, ca_cert, NID_ext_key_usage, "serverAuth") ||
	    !add_ext(x, ca_cert, NID_authority_key_identifier, "keyid") ||
	    !X509_sign(x, ca_key, EVP_sha256())) {
		X509_free(x);
		return NULL;
	}
	return x;
}

static int write_pem(const char *path, mode_t mode, X509 *cert, EVP_PKEY *key)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
	FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
	int ok;

	if (!f) {
		if (fd >= 0)
			close(fd);
		return -errno;
	}
	ok = cert ? PEM_write_X509(f, cert)
		  : PEM_write_PrivateKey(f, key, NULL, NULL, 0, NULL, NULL);
	return fclose(f) || !ok ? -EIO : 0;
}

static int load_pair(const char *cert, const char *key, char *err, size_t errlen)
{
	FILE *fc = fopen(cert, "re"), *fk = fopen(key, "re");

	if (fc)
		ca_cert = PEM_read_X509(fc, NULL, NULL, NULL);
	if (fk)
		ca_key = PEM_read_PrivateKey(fk, NULL, NULL, NULL);
	if (fc)
		fclose(fc);
	if (fk)
		fclose(fk);
	if (!fc || !fk) {
		snprintf(err, errlen, "%s: %s", fc ? key : cert, strerror(errno));
		return -ENOENT;
	}
	if (!ca_cert || !ca_key)
		return ossl_fail(err, errlen, ca_cert ? key : cert);
	if (X509_check_private_key(ca_cert, ca_key) != 1) {
		snprintf(err, errlen, "%s is not the key of %s", key, cert);
		return -EINVAL;
	}
	if (X509_check_ca(ca_cert) < 1) {
		snprintf(err, errlen, "%s is not a CA certificate (basicConstraints CA:TRUE)",
			 cert);
		return -EINVAL;
	}
	return 0;
}

/* The state directory's CA: made on the first run, read on later ones. */
static int state_ca(const char *dir, char *err, size_t errlen)
{
	char crt[4200], key[4200];
	bool have_crt, have_key;
	int rc;

	snprintf(crt, sizeof(crt), "%s/ca.crt", dir);
	snprintf(key, sizeof(key), "%s/ca.key", dir);
	have_crt = !access(crt, F_OK);
	have_key = !access(key, F_OK);
	snprintf(ca_path, sizeof(ca_path), "%s", crt);
	if (have_crt && have_key)
		return load_pair(crt, key, err, errlen);
	if (have_crt || have_key) {
		snprintf(err, errlen,
			 "%s has %s but not %s: restore it, or remove it to make a new CA", dir,
			 have_crt ? "ca.crt" : "ca.key", have_crt ? "ca.key" : "ca.crt");
		return -EINVAL;
	}
	if (mkdir(dir, 0755) && errno != EEXIST) {
		snprintf(err, errlen, "%s: %s (--tls-state DIR)", dir, strerror(errno));
		return -errno;
	}
	ca_key = EVP_EC_gen("P-256");
	ca_cert = ca_key ? ca_make(ca_key) : NULL;
	if (!ca_cert)
		return ossl_fail(err, errlen, "cannot make a CA");
	rc = write_pem(key, 0600, NULL, ca_key);
	if (!rc)
		rc = write_pem(crt, 0644, ca_cert, NULL);
	if (rc) {
		unlink(key);
		snprintf(err, errlen, "cannot write %s: %s", dir, strerror(-rc));
		return rc;
	}
	log_info("TLS interception: made a CA; the guest must trust %s", crt);
	return 0;
}

/**
 * tlsca_init() - Load or make the CA and the leaves' key
 * @cert:      --tls-ca, or "" to use the state directory's
 * @key:       --tls-ca-key (with @cert)
 * @state_dir: where a generated CA lives
 * @err:       set to the reason on failure
 * @errlen:    its size
 *
 * Return: 0 or a negative errno
 */
int tlsca_init(const char *cert, const char *key, const char *state_dir, char *err, size_t errlen)
{
	int rc;

	if (cert[0]) {
		snprintf(ca_path, sizeof(ca_path), "%s", cert);
		rc = load_pair(cert, key, err, errlen);
	} else {
		rc = state_ca(state_dir, err, errlen);
	}
	if (rc)
		return rc;
	leaf_key = EVP_EC_gen("P-256");
	cache = calloc(TLSCA_CACHE, sizeof(*cache));
	if (!leaf_key || !cache)
		return ossl_fail(err, errlen, "cannot make the leaves' key");
	return 0;
}

void tlsca_fini(void)
{
	for (unsigned int i = 0; i < ncache; i++)
		X509_free(cache[i].cert);
	free(cache);
	cache = NULL;
	ncache = 0;
	X509_free(ca_cert);
	EVP_PKEY_free(ca_key);
	EVP_PKEY_free(leaf_key);
	ca_cert = NULL;
	ca_key = leaf_key = NULL;
}

/* The cached leaf for @name, or the slot to mint it into (a free one, or
 * the least recently used). */
static struct leaf *lookup(const char *name, bool *hit)
{
	struct leaf *lru = NULL;

	for (unsigned int i = 0; i < ncache; i++) {
		if (!strcmp(cache[i].name, name)) {
			*hit = true;
			return &cache[i];
		}
		if (!lru || cache[i].used < lru->used)
			lru = &cache[i];
	}
	*hit = false;
	return ncache < TLSCA_CACHE ? &cache[ncache++] : lru;
}

/**
 * tlsca_use() - Give @ssl the leaf certificate for @name
 * @ssl:    the guest side's connection, before its handshake
 * @name:   the server name the guest asked for (sni.c checked it)
 * @minted: set when a certificate had to be made
 *
 * Return: 0, or -ENOMEM when none could be made
 */
int tlsca_use(SSL *ssl, const char *name, bool *minted)
{
	time_t now = time(NULL);
	struct leaf *l;
	bool hit;

	*minted = false;
	l = lookup(name, &hit);

	if (!hit || l->expires - now < TLSCA_REFRESH_S) {
		X509 *x = leaf_make(name);

		if (!x) {
			ERR_clear_error();
			return -ENOMEM;
		}
		X509_free(l->cert);
		l->cert = x;
		snprintf(l->name, sizeof(l->name), "%s", name);
		l->expires = now + TLSCA_LEAF_S;
		*minted = true;
	}
	l->used = ++stamp;
	if (SSL_use_certificate(ssl, l->cert) != 1 || SSL_use_PrivateKey(ssl, leaf_key) != 1) {
		ERR_clear_error();
		return -ENOMEM;
	}
	return 0;
}

/* Where the guest's trust anchor is, for messages and `tapgate status`. */
const char *tlsca_cert_path(void)
{
	return ca_path;
}
