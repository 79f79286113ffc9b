// SPDX-License-Identifier: MIT
/*
 * http1.c - the request side of intercepted HTTP/1.1 (http1.h).
 *
 * Every byte is the guest's, so everything is hostile: a head is read
 * whole (at most H1_HEAD_MAX bytes) and parsed strictly (RFC 9112: token
 * method and field names, no bare CR or LF, no obs-fold, no NUL; one
 * Host; Content-Length digits only and given once; Transfer-Encoding only
 * "chunked" and never with Content-Length). What is not so is refused with
 * 400 rather than guessed at, because a server that reads the framing
 * differently from tapgate would take body bytes for a second request
 * tapgate never checked (request smuggling).
 *
 * Secrets. Every occurrence of a placeholder in the head must be in a
 * place its secret may go (a header value; Authorization: Basic's decoded
 * user:password; the request target) of a request to a host it may go to
 * (the Host header equal to the connection's server name, that name on
 * the secret's list and pinned by DNS). There it is replaced; any other
 * occurrence blocks the request with 403, and nothing of it is sent. Bodies
 * are passed on untouched, never searched or rewritten.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "tls/http1.h"
#include "tls/tlsconf.h"

/* A head being rewritten: its output and what the checks found. */
struct rw {
	const struct h1_env *env;
	struct h1 *h;
	struct tbuf out;
	char host[TLS_NAME_LEN];
	bool have_host, chunked, have_len;
	uint64_t len;
	unsigned int found[32], replaced[32]; /* placeholder occurrences per secret */
};

static bool tchar(unsigned char c)
{
	return isalnum(c) || (c && strchr("!#$%&'*+-.^_`|~", c));
}

static bool vchar(unsigned char c)
{
	return c == '\t' || (c >= 0x20 && c != 0x7f);
}

static enum h1_verdict reply(struct h1 *h, int code, const char *why)
{
	int body = (int)strlen(why) + 10;

	h->reply_len = (size_t)snprintf(
		h->reply, sizeof(h->reply),
		"HTTP/1.1 %d %s\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n"
		"Connection: close\r\n\r\ntapgate: %s\n",
		code, code == 403 ? "Forbidden" : "Bad Request", body, why);
	if (h->reply_len >= sizeof(h->reply))
		h->reply_len = sizeof(h->reply) - 1;
	return code == 403 ? H1_BLOCK : H1_BAD;
}

/* ---- placeholders */

static unsigned int count(const uint8_t *p, size_t n, const char *pl, size_t plen)
{
	unsigned int k = 0;

	for (const uint8_t *q = p; n >= plen && (q = memmem(p, n, pl, plen)); k++) {
		n -= (size_t)(q - p) + plen;
		p = q + plen;
	}
	return k;
}

static bool host_ok(const struct rw *w, const struct h1_secret *s)
{
	return w->env->pinned && w->have_host && !strcmp(w->host, w->env->sni) &&
	       tls_names_match(s->hosts, w->host);
}

/* Append @p[0..n) to the output, with each secret's placeholder replaced
 * by its value where @place lets it (and the host does). */
static int put_replaced(struct rw *w, const uint8_t *p, size_t n, uint8_t place)
{
	size_t i = 0, from = 0;

	while (i < n) {
		unsigned int k;

		for (k = 0; k < w->env->nsecrets; k++) {
			const struct h1_secret *s = &w->env->secret[k];

			if (n - i >= s->plen && !memcmp(p + i, s->placeholder, s->plen) &&
			    (s->inject & place) && host_ok(w, s))
				break;
		}
		if (k == w->env->nsecrets) {
			i++;
			continue;
		}
		if (tbuf_put(&w->out, p + from, i - from) ||
		    tbuf_put(&w->out, w->env->secret[k].value, w->env->secret[k].vlen))
			return -1;
		w->replaced[k]++;
		i += w->env->secret[k].plen;
		from = i;
	}
	return tbuf_put(&w->out, p + from, n - from);
}

/* ---- Authorization: Basic (RFC 7617) */

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static int b64_val(uint8_t c)
{
	const char *p = c ? strchr(b64, c) : NULL;

	return p ? (int)(p - b64) : -1;
}

/* Decode strict, padded base64; -1 if it is not. */
static long b64_decode(const uint8_t *in, size_t n, uint8_t *out)
{
	size_t o = 0;

	if (n % 4)
		return -1;
	for (size_t i = 0; i < n; i += 4) {
		int v[4], pad = 0;

		for (int j = 0; j < 4; j++) {
			v[j] = in[i + j] == '=' && i + 4 == n && j >= 2 ? (pad++, 0)
									: b64_val(in[i + j]);
			if (v[j] < 0 || (pad && in[i + j] != '='))
				return -1;
		}
		out[o++] = (uint8_t)(v[0] << 2 | v[1] >> 4);
		if (pad < 2)
			out[o++] = (uint8_t)(v[1] << 4 | v[2] >> 2);
		if (pad < 1)
			out[o++] = (uint8_t)(v[2] << 6 | v[3]);
	}
	return (long)o;
}

static int b64_put(struct tbuf *out, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i += 3) {
		uint32_t v = (uint32_t)p[i] << 16 | (i + 1 < n ? (uint32_t)p[i + 1] << 8 : 0) |
			     (i + 2 < n ? p[i + 2] : 0);
		char q[4] = { b64[v >> 18 & 63], b64[v >> 12 & 63],
			      i + 1 < n ? b64[v >> 6 & 63] : '=', i + 2 < n ? b64[v & 63] : '=' };

		if (tbuf_put(out, q, 4))
			return -1;
	}
	return 0;
}

/* An Authorization value "Basic <credentials>": the placeholders in the
 * decoded user:password count, and are replaced there. 1: done; 0: not
 * Basic (or not valid base64), so handled as any header value. */
static int basic(struct rw *w, const uint8_t *v, size_t n)
{
	uint8_t dec[H1_HEAD_MAX];
	struct tbuf plain = { .wipe = true }, saved = w->out;
	long dn;
	int rc;

	if (n < 7 || strncasecmp((const char *)v, "basic ", 6))
		return 0;
	dn = b64_decode(v + 6, n - 6, dec);
	if (dn < 0)
		return 0;
	for (unsigned int k = 0; k < w->env->nsecrets; k++)
		w->found[k] += count(dec, (size_t)dn, w->env->secret[k].placeholder,
				     w->env->secret[k].plen);
	w->out = plain;
	rc = put_replaced(w, dec, (size_t)dn, TLS_IN_BASIC);
	plain = w->out;
	w->out = saved;
	rc = rc ?: tbuf_put(&w->out, v, 6) ?: b64_put(&w->out, tbuf_data(&plain), plain.len);
	tbuf_free(&plain);
	return rc ? -1 : 1;
}

/* ---- the head */

static size_t line_end(const uint8_t *p, size_t n)
{
	const uint8_t *q = memchr(p, '\n', n);

	return q ? (size_t)(q - p) : n;
}

static enum h1_verdict request_line(struct rw *w, const uint8_t *p, size_t n)
{
	size_t m = 0, t, tn;

	while (m < n && tchar(p[m]))
		m++;
	if (!m || m >= n || p[m] != ' ')
		return reply(w->h, 400, "not an HTTP/1.1 request line");
	t = m + 1;
	for (tn = 0; t + tn < n && p[t + tn] > 0x20 && p[t + tn] < 0x7f;)
		tn++;
	if (!tn || t + tn + 9 != n || memcmp(p + t + tn, " HTTP/1.", 8) ||
	    (p[n - 1] != '1' && p[n - 1] != '0'))
		return reply(w->h, 400, "not an HTTP/1.1 request line");
	if (m == 7 && !memcmp(p, "CONNECT", 7))
		return reply(w->h, 400, "CONNECT inside an intercepted connection");
	if (tbuf_put(&w->out, p, t) || put_replaced(w, p + t, tn, TLS_IN_QUERY) ||
	    tbuf_put(&w->out, p + t + tn, n - t - tn) || tbuf_put(&w->out, "\r\n", 2))
		return reply(w->h, 400, "out of memory");
	return H1_OK;
}

static enum h1_verdict framing(struct rw *w, const uint8_t *name, size_t nn, const uint8_t *v,
			       size_t vn)
{
	if (nn == 4 && !strncasecmp((const char *)name, "host", 4)) {
		size_t hn = vn;
		const uint8_t *colon = memchr(v, ':', vn);

		if (w->have_host)
			return reply(w->h, 400, "two Host headers");
		if (colon)
			hn = (size_t)(colon - v);
		if (!hn || hn >= sizeof(w->host))
			return reply(w->h, 400, "a bad Host header");
		for (size_t i = 0; i < hn; i++)
			w->host[i] = (char)tolower(v[i]);
		w->host[hn] = '\0';
		w->have_host = true;
	} else if (nn == 14 && !strncasecmp((const char *)name, "content-length", 14)) {
		if (w->have_len || !vn || vn > 18)
			return reply(w->h, 400, "a bad or repeated Content-Length");
		w->len = 0;
		for (size_t i = 0; i < vn; i++) {
			if (!isdigit(v[i]))
				return reply(w->h, 400, "a bad Content-Length");
			w->len = w->len * 10 + (uint64_t)(v[i] - '0');
		}
		w->have_len = true;
	} else if (nn == 17 && !strncasecmp((const char *)name, "transfer-encoding", 17)) {
		if (w->chunked || vn != 7 || strncasecmp((const char *)v, "chunked", 7))
			return reply(w->h, 400, "a Transfer-Encoding other than chunked");
		w->chunked = true;
	} else if (nn == 7 && !strncasecmp((const char *)name, "upgrade", 7)) {
		w->h->raw_after = true;
	}
	return H1_OK;
}

/* Split a header line into its name and its value without the spaces
 * around it; 400 if either breaks the rules. */
static enum h1_verdict split_header(struct rw *w, const uint8_t *p, size_t n, size_t *nn,
				    const uint8_t **v, size_t *vn)
{
	const uint8_t *colon = memchr(p, ':', n);

	if (!colon || colon == p)
		return reply(w->h, 400, "a header line without a name");
	*nn = (size_t)(colon - p);
	for (size_t i = 0; i < *nn; i++)
		if (!tchar(p[i]))
			return reply(w->h, 400, "a bad header name");
	*v = colon + 1;
	*vn = n - *nn - 1;
	for (size_t i = 0; i < *vn; i++)
		if (!vchar((*v)[i]))
			return reply(w->h, 400, "a control character in a header");
	while (*vn && (**v == ' ' || **v == '\t'))
		(*v)++, (*vn)--;
	while (*vn && ((*v)[*vn - 1] == ' ' || (*v)[*vn - 1] == '\t'))
		(*vn)--;
	return H1_OK;
}

/* First pass over a header line: its rules, and what it says of framing
 * and the host (needed before any placeholder is looked at). */
static enum h1_verdict header_check(struct rw *w, const uint8_t *p, size_t n)
{
	const uint8_t *v;
	size_t nn, vn;
	enum h1_verdict r = split_header(w, p, n, &nn, &v, &vn);

	return r != H1_OK ? r : framing(w, p, nn, v, vn);
}

/* Second pass: the line as it goes on, placeholders replaced. */
static enum h1_verdict header(struct rw *w, const uint8_t *p, size_t n)
{
	const uint8_t *v;
	size_t nn, vn;
	int b = 0;

	split_header(w, p, n, &nn, &v, &vn);
	if (tbuf_put(&w->out, p, nn) || tbuf_put(&w->out, ": ", 2))
		return reply(w->h, 400, "out of memory");
	if (nn == 13 && !strncasecmp((const char *)p, "authorization", 13))
		b = basic(w, v, vn);
	if (b == 0 && put_replaced(w, v, vn, TLS_IN_HEADER))
		b = -1;
	if (b < 0 || tbuf_put(&w->out, "\r\n", 2))
		return reply(w->h, 400, "out of memory");
	return H1_OK;
}

/* Placeholders left unreplaced anywhere in the head: the request goes
 * nowhere. */
static enum h1_verdict check_secrets(struct rw *w, const uint8_t *head, size_t n)
{
	char why[400];

	for (unsigned int k = 0; k < w->env->nsecrets; k++) {
		const struct h1_secret *s = &w->env->secret[k];

		w->found[k] += count(head, n, s->placeholder, s->plen);
		if (w->found[k] <= w->replaced[k])
			continue;
		w->h->secret = (int)k;
		if (!host_ok(w, s))
			snprintf(why, sizeof(why), "secret %s may not be sent to %s%s", s->name,
				 w->have_host ? w->host : "(no Host)",
				 w->have_host && w->env->pinned && !strcmp(w->host, w->env->sni)
					 ? ""
					 : " (Host must be the TLS server name, resolved by DNS)");
		else
			snprintf(why, sizeof(why), "secret %s may not go in that part of a request",
				 s->name);
		return reply(w->h, 403, why);
	}
	return H1_OK;
}

/* Each header line of the head in turn (after the request line, which
 * ends at @first), to @fn; stops at the first that is not H1_OK. */
static enum h1_verdict each_header(struct rw *w, const uint8_t *p, size_t n, size_t first,
				   enum h1_verdict (*fn)(struct rw *, const uint8_t *, size_t))
{
	enum h1_verdict r = H1_OK;
	size_t e;

	for (size_t at = first; r == H1_OK; at += e + 1) {
		e = line_end(p + at, n - at);
		if (!e || p[at + e - 1] != '\r' || memchr(p + at, '\r', e - 1))
			return reply(w->h, 400, "lines must end in CRLF");
		if (e == 1)
			break; /* the empty line */
		if (p[at] == ' ' || p[at] == '\t')
			return reply(w->h, 400, "folded header lines");
		r = fn(w, p + at, e - 1);
	}
	return r;
}

static enum h1_verdict parse_head(struct rw *w, const uint8_t *p, size_t n)
{
	size_t e = line_end(p, n);
	enum h1_verdict r;

	if (!e || p[e - 1] != '\r')
		return reply(w->h, 400, "lines must end in CRLF");
	r = each_header(w, p, n, e + 1, header_check);
	if (r == H1_OK)
		r = request_line(w, p, e - 1);
	if (r == H1_OK)
		r = each_header(w, p, n, e + 1, header);
	if (r != H1_OK)
		return r;
	if (!w->have_host)
		return reply(w->h, 400, "no Host header");
	if (w->chunked && w->have_len)
		return reply(w->h, 400, "both Content-Length and Transfer-Encoding");
	if (tbuf_put(&w->out, "\r\n", 2))
		return reply(w->h, 400, "out of memory");
	return check_secrets(w, p, n);
}

/* A whole head is in h->head[0..n): parse, check, rewrite, queue. */
static enum h1_verdict head_done(struct h1 *h, const struct h1_env *env, size_t n, struct tbuf *out)
{
	struct rw w = { .env = env, .h = h, .out.wipe = true };
	enum h1_verdict r = parse_head(&w, h->head, n);

	if (r == H1_OK) {
		for (unsigned int k = 0; k < env->nsecrets && k < 32; k++)
			if (w.replaced[k])
				h->injected |= 1u << k;
		if (tbuf_put(out, tbuf_data(&w.out), w.out.len))
			r = reply(h, 400, "out of memory");
	}
	tbuf_free(&w.out);
	h->state = w.chunked ? H1_CHUNK_LINE : w.len ? H1_BODY : h->raw_after ? H1_RAW : H1_HEAD;
	h->left = w.len;
	return r;
}

/* Head bytes: gather until the empty line. Return bytes used. */
static size_t feed_head(struct h1 *h, const struct h1_env *env, const uint8_t *in, size_t n,
			struct tbuf *out, enum h1_verdict *r)
{
	size_t take = n < H1_HEAD_MAX - h->hlen ? n : H1_HEAD_MAX - h->hlen;
	size_t from = h->hlen > 3 ? h->hlen - 3 : 0, used;
	const uint8_t *end;

	if (!h->head && !(h->head = malloc(H1_HEAD_MAX))) {
		*r = reply(h, 400, "out of memory");
		return n;
	}
	memcpy(h->head + h->hlen, in, take);
	h->hlen += take;
	end = memmem(h->head + from, h->hlen - from, "\r\n\r\n", 4);
	if (!end) {
		if (h->hlen == H1_HEAD_MAX)
			*r = reply(h, 400, "a request head over 32 KiB");
		return take;
	}
	used = (size_t)(end + 4 - h->head);
	*r = head_done(h, env, used, out);
	take -= h->hlen - used; /* bytes past the head are the body's */
	h->hlen = 0;
	free(h->head);
	h->head = NULL;
	return take;
}

/* A chunk-size or trailer line, gathered in h->line. Return bytes used;
 * sets *done when the line is whole (without its CRLF, in h->line). */
static size_t feed_line(struct h1 *h, const uint8_t *in, size_t n, bool *done)
{
	const uint8_t *nl = memchr(in, '\n', n);
	size_t take = nl ? (size_t)(nl - in) + 1 : n;

	*done = false;
	if (h->llen + take > H1_LINE_MAX || (!h->line && !(h->line = malloc(H1_LINE_MAX))))
		return 0;
	memcpy(h->line + h->llen, in, take);
	h->llen += take;
	if (nl) {
		*done = true;
		h->llen -= 1;
	}
	return take;
}

static enum h1_verdict chunk_size(struct h1 *h)
{
	size_t i = 0;

	if (!h->llen || h->line[h->llen - 1] != '\r')
		return reply(h, 400, "a bad chunk-size line");
	h->left = 0;
	for (; i < h->llen - 1 && isxdigit((unsigned char)h->line[i]); i++) {
		if (i >= 15)
			return reply(h, 400, "a chunk over 2^60 bytes");
		h->left = h->left * 16 + (uint64_t)(isdigit((unsigned char)h->line[i])
							    ? h->line[i] - '0'
							    : (h->line[i] | 0x20) - 'a' + 10);
	}
	if (!i || (i < h->llen - 1 && h->line[i] != ';' && h->line[i] != ' ' && h->line[i] != '\t'))
		return reply(h, 400, "a bad chunk-size line");
	for (size_t j = i; j < h->llen - 1; j++)
		if (!vchar((unsigned char)h->line[j]))
			return reply(h, 400, "a bad chunk extension");
	h->state = h->left ? H1_CHUNK_DATA : H1_TRAILER;
	return H1_OK;
}

/* The lines of the chunked framing (size, data's CRLF, trailers). */
static size_t feed_framing(struct h1 *h, const uint8_t *in, size_t n, enum h1_verdict *r)
{
	bool done;
	size_t used = feed_line(h, in, n, &done);

	if (!used) {
		*r = reply(h, 400, "a chunked-framing line over 4 KiB");
		return n;
	}
	if (!done)
		return used;
	if (h->state == H1_CHUNK_LINE) {
		*r = chunk_size(h);
	} else if (h->state == H1_CHUNK_END) {
		if (h->llen != 1 || h->line[0] != '\r')
			*r = reply(h, 400, "chunk data longer than its size");
		h->state = H1_CHUNK_LINE;
	} else if (h->llen == 1 && h->line[0] == '\r') {
		h->state = h->raw_after ? H1_RAW : H1_HEAD; /* the end of the trailers */
		free(h->line); /* an idle keep-alive connection holds none */
		h->line = NULL;
	} else if (!h->llen || h->line[h->llen - 1] != '\r') {
		*r = reply(h, 400, "a bad trailer line");
	}
	h->llen = 0;
	return used;
}

/**
 * h1_feed() - Take the guest's next plaintext bytes
 * @h:   the connection's request reader (zeroed at its start)
 * @env: secrets and what the connection was made for
 * @in:  the bytes
 * @n:   their number
 * @out: what may go to the server is appended (heads rewritten, the rest
 *       as it came)
 *
 * Return: H1_OK; or H1_BLOCK or H1_BAD with h->reply the answer for the
 * guest, after which the connection must end (nothing more is read)
 */
enum h1_verdict h1_feed(struct h1 *h, const struct h1_env *env, const uint8_t *in, size_t n,
			struct tbuf *out)
{
	enum h1_verdict r = H1_OK;

	h->injected = 0;
	while (n && r == H1_OK) {
		size_t used;

		if (h->state == H1_HEAD) {
			used = feed_head(h, env, in, n, out, &r);
		} else if (h->state == H1_BODY || h->state == H1_CHUNK_DATA || h->state == H1_RAW) {
			used = h->state == H1_RAW || n < h->left ? n : (size_t)h->left;
			if (tbuf_put(out, in, used))
				r = reply(h, 400, "out of memory");
			h->left -= h->state == H1_RAW ? 0 : used;
			if (h->state != H1_RAW && !h->left)
				h->state = h->state == H1_CHUNK_DATA ? H1_CHUNK_END
					   : h->raw_after	     ? H1_RAW
								     : H1_HEAD;
		} else {
			used = feed_framing(h, in, n, &r);
			if (r == H1_OK && tbuf_put(out, in, used))
				r = reply(h, 400, "out of memory");
		}
		in += used;
		n -= used;
	}
	return r;
}

void h1_free(struct h1 *h)
{
	free(h->head);
	free(h->line);
	h->head = NULL;
	h->line = NULL;
}
