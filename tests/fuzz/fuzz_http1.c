// SPDX-License-Identifier: MIT
/*
 * fuzz_http1.c - libFuzzer target: hostile plaintext from a guest on an
 * intercepted connection, through the request reader and secret rewriter
 * (user/tls/http1.c).
 *
 * Input: byte 0 picks the segment size the stream is fed in (0: whole),
 * byte 1 the connection (bit 0: to api.test, the secret's host, else
 * evil.test; bit 1: pinned by DNS; bits 2-4: where the secret may go);
 * the rest is the stream.
 *
 * Checked: no crash, leak or undefined behaviour (ASan, UBSan); the
 * verdict does not depend on how the stream was cut, nor the output when
 * the verdict is H1_OK; and toward a host the secret may not go, the
 * output never holds the secret more often than the input already did
 * (it is never put in).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tls/http1.h"
#include "tls/tlsconf.h"

#define FUZZ_ASSERT(cond)                                                                          \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "fuzz_http1: %s:%d: assertion failed: %s\n", __FILE__,     \
				__LINE__, #cond);                                                  \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

#define PH  "$TAPGATE_TOK"
#define VAL "Zq9-secret-value"

static struct tls_names hosts = { .n = 1, .name = { "api.test" } };

static enum h1_verdict run(const struct h1_env *env, const uint8_t *p, size_t n, size_t piece,
			   struct tbuf *out)
{
	struct h1 h = { 0 };
	enum h1_verdict v = H1_OK;

	for (size_t at = 0; at < n && v == H1_OK;) {
		size_t k = piece && n - at > piece ? piece : n - at;

		v = h1_feed(&h, env, p + at, k, out);
		at += k;
	}
	if (v != H1_OK)
		FUZZ_ASSERT(h.reply_len > 0 && h.reply_len < H1_REPLY_MAX);
	h1_free(&h);
	return v;
}

static size_t count(const uint8_t *p, size_t n, const char *s)
{
	size_t k = 0, l = strlen(s);

	for (const uint8_t *q; n >= l && (q = memmem(p, n, s, l)); k++) {
		n -= (size_t)(q - p) + 1;
		p = q + 1;
	}
	return k;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct h1_secret sec = { .name = "TOK",
				 .placeholder = PH,
				 .plen = sizeof(PH) - 1,
				 .value = (const uint8_t *)VAL,
				 .vlen = sizeof(VAL) - 1,
				 .hosts = &hosts };
	struct h1_env env = { .secret = &sec, .nsecrets = 1 };
	struct tbuf whole = { 0 }, cut = { 0 };
	enum h1_verdict a, b;
	size_t piece;

	if (size < 2)
		return 0;
	piece = data[0] % 65;
	env.sni = data[1] & 1 ? "api.test" : "evil.test";
	env.pinned = data[1] & 2;
	sec.inject = (data[1] >> 2) & 7;
	data += 2;
	size -= 2;
	a = run(&env, data, size, 0, &whole);
	b = run(&env, data, size, piece, &cut);
	FUZZ_ASSERT(a == b);
	if (a == H1_OK)
		FUZZ_ASSERT(whole.len == cut.len &&
			    (!cut.len || !memcmp(tbuf_data(&whole), tbuf_data(&cut), cut.len)));
	if (!(data[-1] & 1) || !(data[-1] & 2))
		FUZZ_ASSERT(!whole.len ||
			    count(tbuf_data(&whole), whole.len, VAL) <= count(data, size, VAL));
	tbuf_free(&whole);
	tbuf_free(&cut);
	return 0;
}
