/* SPDX-License-Identifier: MIT */
/*
 * http1.h - the guest's HTTP/1.1 requests on an intercepted connection,
 * read as a stream: each request head is parsed strictly, its secrets'
 * placeholders replaced where they may be, and the body passed on
 * untouched with its framing followed (Content-Length or chunked), so the
 * next request's head is found exactly. See http1.c.
 */
#ifndef TAPGATE_HTTP1_H
#define TAPGATE_HTTP1_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tls/tbuf.h"

#define H1_HEAD_MAX  32768 /* a request head as the guest sent it */
#define H1_LINE_MAX  4096  /* a chunk-size or trailer line */
#define H1_REPLY_MAX 768   /* the 400 or 403 the guest is sent */

struct tls_names;

/* One secret as the rewriter sees it (tls/secrets.c holds the value). */
struct h1_secret {
	const char *name;
	const char *placeholder;
	size_t plen;
	const uint8_t *value;
	size_t vlen;
	const struct tls_names *hosts;
	uint8_t inject; /* enum tls_inject */
};

/* What the requests of one connection are checked against. */
struct h1_env {
	const struct h1_secret *secret;
	unsigned int nsecrets;
	const char *sni; /* the name the connection was made for */
	bool pinned;	 /* DNS gave this sandbox the server's address for @sni */
};

enum h1_verdict {
	H1_OK = 0,
	H1_BLOCK, /* a placeholder where it may not go: 403 in reply */
	H1_BAD,	  /* not HTTP/1.x as tapgate can rewrite it: 400 in reply */
};

enum h1_state {
	H1_HEAD = 0,
	H1_BODY,
	H1_CHUNK_LINE,
	H1_CHUNK_DATA,
	H1_CHUNK_END,
	H1_TRAILER,
	H1_RAW
};

struct h1 {
	enum h1_state state;
	bool raw_after; /* an Upgrade: after this request, bytes pass unread */
	uint8_t *head;	/* H1_HEAD_MAX bytes, only while a head is read */
	size_t hlen;
	uint64_t left; /* body or chunk bytes still to pass */
	char *line;    /* H1_LINE_MAX bytes, only while a chunked body is read */
	size_t llen;
	/* Set by h1_feed(). */
	uint32_t injected; /* bit per secret: replaced in the last request */
	int secret;	   /* H1_BLOCK: the secret whose placeholder it was */
	char reply[H1_REPLY_MAX];
	size_t reply_len;
};

enum h1_verdict h1_feed(struct h1 *h, const struct h1_env *env, const uint8_t *in, size_t n,
			struct tbuf *out);
void h1_free(struct h1 *h);

#endif
