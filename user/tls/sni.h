/* SPDX-License-Identifier: MIT */
/*
 * sni.h - the server name and ALPN offer of a TLS ClientHello, read from
 * the first bytes a guest sends on an intercepted port (see sni.c).
 */
#ifndef TAPGATE_SNI_H
#define TAPGATE_SNI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SNI_MAX	     16384 /* stream bytes a ClientHello may take, records included */
#define SNI_NAME_MAX 253   /* a DNS name's length in text, no trailing dot */

enum sni_verdict {
	SNI_MORE = 0, /* a valid beginning: read more (until SNI_MAX) */
	SNI_NAME,     /* a whole ClientHello with a server name */
	SNI_NONE,     /* a whole ClientHello without one */
	SNI_BAD,      /* not TLS, not a ClientHello, malformed, or too long */
};

struct sni_hello {
	char name[SNI_NAME_MAX + 1]; /* lowercase; "" unless SNI_NAME */
	bool alpn;		     /* an ALPN extension came */
	bool alpn_h2, alpn_http11, alpn_other;
	size_t used; /* stream bytes up to the record that ends the ClientHello */
};

enum sni_verdict sni_parse(const uint8_t *buf, size_t len, struct sni_hello *h);

#endif
