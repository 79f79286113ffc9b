// SPDX-License-Identifier: MIT
/*
 * fuzz_sni.c - libFuzzer target: hostile bytes as the first bytes of an
 * intercepted connection, through the ClientHello reader (user/tls/sni.c).
 *
 * Input: the stream itself (seeds: ClientHellos of curl and openssl
 * s_client captured on loopback, one without SNI, and plain HTTP).
 *
 * Checked: a name comes only with SNI_NAME, and is a lowercase DNS name
 * (labels of 1-63 of [a-z0-9_-], at most 253 characters, no trailing dot);
 * h->used lies within the input; and the reader is consistent as data
 * arrives: every prefix of the input gives SNI_MORE or the input's own
 * verdict (the same name and used), so whatever the interceptor decides
 * on a prefix, more bytes never turn it around.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tls/sni.h"

#define FUZZ_ASSERT(cond)                                                                          \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "fuzz_sni: %s:%d: assertion failed: %s\n", __FILE__,       \
				__LINE__, #cond);                                                  \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

static void check_name(const char *n)
{
	size_t len = strlen(n), label = 0;

	FUZZ_ASSERT(len >= 1 && len <= SNI_NAME_MAX && n[len - 1] != '.');
	for (size_t i = 0; i < len; i++) {
		char c = n[i];

		if (c == '.') {
			FUZZ_ASSERT(label > 0);
			label = 0;
			continue;
		}
		FUZZ_ASSERT((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
			    c == '_');
		FUZZ_ASSERT(++label <= 63);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sni_hello h, p;
	enum sni_verdict v = sni_parse(data, size, &h);
	size_t cuts[4] = { size / 4, size / 2, size ? size - 1 : 0, size > 9 ? 9 : size };

	if (v == SNI_NAME)
		check_name(h.name);
	else
		FUZZ_ASSERT(h.name[0] == '\0');
	if (v == SNI_NAME || v == SNI_NONE)
		FUZZ_ASSERT(h.used >= 5 && h.used <= size);
	for (size_t i = 0; i < 4; i++) {
		enum sni_verdict pv = sni_parse(data, cuts[i], &p);

		if (pv == SNI_MORE)
			continue;
		FUZZ_ASSERT(pv == v);
		FUZZ_ASSERT(!strcmp(p.name, h.name) && p.used == h.used);
	}
	return 0;
}
