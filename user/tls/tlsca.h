/* SPDX-License-Identifier: MIT */
/*
 * tlsca.h - the certificate authority the guest trusts, and the leaf
 * certificates tapgate shows it, one per server name, minted on demand
 * and kept in a bounded cache.
 */
#ifndef TAPGATE_TLSCA_H
#define TAPGATE_TLSCA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/ssl.h>

#define TLSCA_CACHE	 1000  /* leaf certificates kept (least recently used goes) */
#define TLSCA_LEAF_S	 86400 /* a leaf's validity */
#define TLSCA_BACKDATE_S 3600  /* notBefore this far back: guests' clocks drift */
#define TLSCA_REFRESH_S	 3600  /* re-minted when it has less than this left */
#define TLSCA_CA_DAYS	 3650  /* a generated CA's validity */

int tlsca_init(const char *cert, const char *key, const char *state_dir, char *err, size_t errlen);
void tlsca_fini(void);
int tlsca_use(SSL *ssl, const char *name, bool *minted);
const char *tlsca_cert_path(void);

#endif
