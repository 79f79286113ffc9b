// SPDX-License-Identifier: MIT
/*
 * test_http1.c - the intercepted requests' reader and rewriter
 * (user/tls/http1.c): placeholders replaced in the places and toward the
 * hosts their secret allows and nowhere else (403, nothing passed on);
 * strict framing (400 for what a server could read differently); bodies,
 * chunked or not, passed on untouched, the next request found exactly;
 * and the same output whatever the segments the stream came in.
 */
#include <stdlib.h>

#include "check.h"
#include "tls/http1.h"
#include "tls/tlsconf.h"

#define PH  "$TAPGATE_TOK"
#define VAL "real-secret-42"

static struct tls_names hosts = { .n = 2, .name = { "api.test", "*.corp.test" } };

static struct h1_secret sec = { .name = "TOK",
				.placeholder = PH,
				.plen = sizeof(PH) - 1,
				.value = (const uint8_t *)VAL,
				.vlen = sizeof(VAL) - 1,
				.hosts = &hosts,
				.inject = TLS_IN_HEADER | TLS_IN_BASIC };

struct run {
	enum h1_verdict v;
	struct tbuf out;
	struct h1 h;
	uint32_t injected;
};

/* Feed @req in pieces of @piece bytes (0: whole) for a connection to @sni. */
static void feed(struct run *r, const char *sni, bool pinned, const char *req, size_t len,
		 size_t piece)
{
	struct h1_env env = { .secret = &sec, .nsecrets = 1, .sni = sni, .pinned = pinned };

	memset(r, 0, sizeof(*r));
	for (size_t at = 0; at < len && r->v == H1_OK;) {
		size_t n = piece && len - at > piece ? piece : len - at;

		r->v = h1_feed(&r->h, &env, (const uint8_t *)req + at, n, &r->out);
		r->injected |= r->h.injected;
		at += n;
	}
}

static void done(struct run *r)
{
	h1_free(&r->h);
	tbuf_free(&r->out);
}

static bool out_is(const struct run *r, const char *want)
{
	return r->out.len == strlen(want) && !memcmp(tbuf_data(&r->out), want, r->out.len);
}

static void t_header_injected(void)
{
	const char *req =
		"GET /x HTTP/1.1\r\nHost: api.test\r\nAuthorization: Bearer " PH "\r\n\r\n";
	const char *want =
		"GET /x HTTP/1.1\r\nHost: api.test\r\nAuthorization: Bearer " VAL "\r\n\r\n";
	struct run r;

	for (size_t piece = 0; piece < 40; piece++) {
		feed(&r, "api.test", true, req, strlen(req), piece);
		CHECK(r.v == H1_OK);
		CHECK(out_is(&r, want));
		CHECK(r.injected == 1);
		done(&r);
	}
}

static void t_suffix_host_and_port(void)
{
	const char *req = "GET / HTTP/1.1\r\nhost: a.corp.test:443\r\nX-Key: " PH "\r\n\r\n";
	struct run r;

	feed(&r, "a.corp.test", true, req, strlen(req), 0);
	CHECK(r.v == H1_OK);
	CHECK(memmem(tbuf_data(&r.out), r.out.len, VAL, strlen(VAL)) != NULL);
	done(&r);
}

/* Each request that may not carry the secret: 403, nothing passed on. */
static void t_blocked(void)
{
	static const struct {
		const char *sni, *req;
		bool pinned;
	} rows[] = {
		{ "evil.test", "GET / HTTP/1.1\r\nHost: evil.test\r\nX-Key: " PH "\r\n\r\n", true },
		{ "api.test", "GET / HTTP/1.1\r\nHost: evil.test\r\nX-Key: " PH "\r\n\r\n", true },
		{ "api.test", "GET / HTTP/1.1\r\nHost: api.test\r\nX-Key: " PH "\r\n\r\n", false },
		{ "api.test", "GET /?k=" PH " HTTP/1.1\r\nHost: api.test\r\n\r\n", true },
		{ "api.test", "GET / HTTP/1.1\r\nHost: api.test\r\nX-" PH ": 1\r\n\r\n", true },
		{ "corp.test", "GET / HTTP/1.1\r\nHost: corp.test\r\nX: " PH "\r\n\r\n", true },
	};
	struct run r;

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		feed(&r, rows[i].sni, rows[i].pinned, rows[i].req, strlen(rows[i].req), 0);
		CHECK(r.v == H1_BLOCK);
		CHECK(r.out.len == 0);
		CHECK(r.h.secret == 0);
		CHECK(strstr(r.h.reply, "HTTP/1.1 403 Forbidden\r\n") == r.h.reply);
		CHECK(strstr(r.h.reply, "secret TOK") != NULL);
		done(&r);
	}
}

static void t_query_when_allowed(void)
{
	const char *req = "GET /?k=" PH " HTTP/1.1\r\nHost: api.test\r\n\r\n";
	struct run r;

	sec.inject |= TLS_IN_QUERY;
	feed(&r, "api.test", true, req, strlen(req), 3);
	sec.inject &= (uint8_t)~TLS_IN_QUERY;
	CHECK(r.v == H1_OK);
	CHECK(out_is(&r, "GET /?k=" VAL " HTTP/1.1\r\nHost: api.test\r\n\r\n"));
	done(&r);
}

static void t_basic(void)
{
	/* "bot:$TAPGATE_TOK" and "bot:real-secret-42" in base64 */
	const char *req = "GET / HTTP/1.1\r\nHost: api.test\r\nAuthorization: Basic "
			  "Ym90OiRUQVBHQVRFX1RPSw==\r\n\r\n";
	const char *want = "GET / HTTP/1.1\r\nHost: api.test\r\nAuthorization: Basic "
			   "Ym90OnJlYWwtc2VjcmV0LTQy\r\n\r\n";
	struct run r;

	feed(&r, "api.test", true, req, strlen(req), 5);
	CHECK(r.v == H1_OK);
	CHECK(out_is(&r, want));
	done(&r);
	req = "GET / HTTP/1.1\r\nHost: evil.test\r\nAuthorization: Basic "
	      "Ym90OiRUQVBHQVRFX1RPSw==\r\n\r\n";
	feed(&r, "evil.test", true, req, strlen(req), 0);
	CHECK(r.v == H1_BLOCK);
	done(&r);
}

static void t_bad_framing(void)
{
	static const char *const rows[] = {
		"GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nTransfer-Encoding: "
		"chunked\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: a\r\nContent-Length: -3\r\n\r\n",
		"GET / HTTP/1.1\nHost: a\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: a\r\nX: 1\r\n 2\r\n\r\n",
		"GET / HTTP/1.1\r\nX: 1\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: a\r\nX: a\rb\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: a\r\nX Y: 1\r\n\r\n",
		"GET  / HTTP/1.1\r\nHost: a\r\n\r\n",
		"GET / HTTP/2.0\r\nHost: a\r\n\r\n",
		"CONNECT a:443 HTTP/1.1\r\nHost: a\r\n\r\n",
		"\r\n\r\n",
	};
	struct run r;

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		feed(&r, "a", true, rows[i], strlen(rows[i]), 0);
		CHECK(r.v == H1_BAD);
		CHECK(strstr(r.h.reply, "HTTP/1.1 400 Bad Request\r\n") == r.h.reply);
		done(&r);
	}
	/* a NUL in a header value */
	feed(&r, "a", true, "GET / HTTP/1.1\r\nHost: a\r\nX: a\0b\r\n\r\n", 35, 0);
	CHECK(r.v == H1_BAD);
	done(&r);
}

static void t_head_too_long(void)
{
	size_t n = H1_HEAD_MAX + 100;
	char *req = malloc(n);
	struct run r;

	memset(req, 'a', n);
	memcpy(req, "GET / HTTP/1.1\r\nX: ", 19);
	feed(&r, "a", true, req, n, 1000);
	CHECK(r.v == H1_BAD);
	CHECK(strstr(r.h.reply, "32 KiB") != NULL);
	done(&r);
	free(req);
}

/* A body carrying the placeholder goes untouched; the request after it is
 * read as a request. */
static void t_bodies_and_pipelining(void)
{
	const char *req = "POST /a HTTP/1.1\r\nHost: api.test\r\nContent-Length: 19\r\n\r\n"
			  "body " PH "\r\n"
			  "POST /b HTTP/1.1\r\nHost: api.test\r\nTransfer-Encoding: chunked\r\n\r\n"
			  "4;ext=1\r\nab" PH "\r\n0\r\nTrailer: x\r\n\r\n"
			  "GET /c HTTP/1.1\r\nHost: api.test\r\nX: " PH "\r\n\r\n";
	struct run r;

	for (size_t piece = 0; piece < 30; piece += 7) {
		feed(&r, "api.test", true, req, strlen(req), piece);
		CHECK(r.v == H1_BAD); /* the chunk holds 14 bytes, not 4 */
		done(&r);
	}
	req = "POST /a HTTP/1.1\r\nHost: api.test\r\nContent-Length: 19\r\n\r\n"
	      "body " PH "\r\n"
	      "POST /b HTTP/1.1\r\nHost: api.test\r\nTransfer-Encoding: chunked\r\n\r\n"
	      "e;ext=1\r\nab" PH "\r\n0\r\nTrailer: x\r\n\r\n"
	      "GET /c HTTP/1.1\r\nHost: api.test\r\nX: " PH "\r\n\r\n";
	for (size_t piece = 0; piece < 30; piece += 7) {
		feed(&r, "api.test", true, req, strlen(req), piece);
		CHECK(r.v == H1_OK);
		CHECK(r.h.state == H1_HEAD);
		/* two placeholders in bodies, untouched; the one in /c's header replaced */
		CHECK(r.out.len == strlen(req) - strlen(PH) + strlen(VAL));
		CHECK(memmem(tbuf_data(&r.out), r.out.len, "X: " VAL "\r\n", 5 + strlen(VAL)));
		done(&r);
	}
}

static void t_chunk_limits(void)
{
	const char *big = "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
			  "1000000000000000\r\n";
	const char *bad = "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
			  "zz\r\n";
	struct run r;

	feed(&r, "a", true, big, strlen(big), 0);
	CHECK(r.v == H1_BAD);
	done(&r);
	feed(&r, "a", true, bad, strlen(bad), 0);
	CHECK(r.v == H1_BAD);
	done(&r);
}

static void t_upgrade_raw(void)
{
	const char *req = "GET /ws HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\n\r\n"
			  "\x81\x05hello not http " PH;
	struct run r;

	feed(&r, "a", true, req, strlen(req), 0);
	CHECK(r.v == H1_OK);
	CHECK(r.h.state == H1_RAW);
	CHECK(out_is(&r, req));
	done(&r);
}

int main(void)
{
	RUN(t_header_injected);
	RUN(t_suffix_host_and_port);
	RUN(t_blocked);
	RUN(t_query_when_allowed);
	RUN(t_basic);
	RUN(t_bad_framing);
	RUN(t_head_too_long);
	RUN(t_bodies_and_pipelining);
	RUN(t_chunk_limits);
	RUN(t_upgrade_raw);
	return check_summary();
}
