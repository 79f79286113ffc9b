// SPDX-License-Identifier: MIT
/*
 * sni.c - read a TLS ClientHello's server name (RFC 6066 3) and ALPN offer
 * (RFC 7301) from the first bytes of a guest's connection (issue 17: the
 * interceptor splices or terminates by name).
 *
 * Every byte is the guest's. The ClientHello may come in several TLS
 * records (RFC 8446 5.1 lets a handshake message span records), which are
 * joined, and the whole of it must fit in SNI_MAX stream bytes; each
 * length is checked against what encloses it; nothing is read past @len
 * nor past the ClientHello. It is stateless: the caller hands in the
 * stream's first bytes each time more arrive, and SNI_MORE says a valid
 * beginning needs more. What is malformed is SNI_BAD, never a guess: a
 * second server_name or ALPN extension, a second host name, a name that is
 * not a DNS name (labels of 1-63 letters, digits, '-' or '_'; no trailing
 * dot), lengths that do not add up.
 */
#include <string.h>

#include "tls/sni.h"

#define REC_HANDSHAKE	22
#define HS_CLIENT_HELLO 1
#define EXT_SERVER_NAME 0
#define EXT_ALPN	16
#define NAME_HOST	0
#define REC_PAYLOAD_MAX 16384 /* RFC 8446 5.1 */

/* A bounded reader over the ClientHello's body. */
struct rd {
	const uint8_t *p;
	size_t left;
	bool bad;
};

static uint32_t take(struct rd *r, size_t n)
{
	uint32_t v = 0;

	if (r->bad || r->left < n) {
		r->bad = true;
		return 0;
	}
	for (size_t i = 0; i < n; i++)
		v = v << 8 | r->p[i];
	r->p += n;
	r->left -= n;
	return v;
}

/* A sub-reader of the next @n bytes (which @r then skips). */
static struct rd sub(struct rd *r, size_t n)
{
	struct rd s = { .p = r->p, .left = n, .bad = r->bad || r->left < n };

	if (s.bad) {
		r->bad = true;
		s.left = 0;
		return s;
	}
	r->p += n;
	r->left -= n;
	return s;
}

/* A vector with a @width-byte length, at least @min bytes long. */
static struct rd vec(struct rd *r, size_t width, size_t min)
{
	size_t n = take(r, width);
	struct rd v = sub(r, n);

	if (n < min)
		v.bad = r->bad = true;
	return v;
}

static bool name_char(uint8_t c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '_';
}

/* Copy a host name, lowercased, if it is a DNS name. */
static bool copy_name(const uint8_t *p, size_t n, char *out)
{
	size_t label = 0;

	if (!n || n > SNI_NAME_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		uint8_t c = p[i];

		if (c == '.') {
			if (!label || i == n - 1)
				return false; /* empty label, or a trailing dot */
			label = 0;
		} else if (!name_char(c) || ++label > 63) {
			return false;
		}
		out[i] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
	}
	out[n] = '\0';
	return true;
}

static bool server_name(struct rd e, struct sni_hello *h)
{
	struct rd list = vec(&e, 2, 1);
	bool host = false;

	if (e.left)
		return false;
	while (!list.bad && list.left) {
		uint8_t type = (uint8_t)take(&list, 1);
		struct rd name = vec(&list, 2, 1);

		if (list.bad)
			return false;
		if (type != NAME_HOST)
			continue;
		if (host || !copy_name(name.p, name.left, h->name))
			return false;
		host = true;
	}
	return !list.bad;
}

static bool alpn(struct rd e, struct sni_hello *h)
{
	struct rd list = vec(&e, 2, 2);

	if (e.left)
		return false;
	h->alpn = true;
	while (!list.bad && list.left) {
		struct rd p = vec(&list, 1, 1);

		if (list.bad)
			return false;
		if (p.left == 2 && !memcmp(p.p, "h2", 2))
			h->alpn_h2 = true;
		else if (p.left == 8 && !memcmp(p.p, "http/1.1", 8))
			h->alpn_http11 = true;
		else
			h->alpn_other = true;
	}
	return !list.bad;
}

static bool extensions(struct rd *body, struct sni_hello *h)
{
	struct rd all = vec(body, 2, 0);
	bool seen_sni = false, seen_alpn = false;

	if (body->left)
		return false; /* bytes after the extensions */
	while (!all.bad && all.left) {
		uint16_t type = (uint16_t)take(&all, 2);
		struct rd e = vec(&all, 2, 0);

		if (all.bad)
			return false;
		if (type == EXT_SERVER_NAME) {
			if (seen_sni || !server_name(e, h))
				return false;
			seen_sni = true;
		} else if (type == EXT_ALPN) {
			if (seen_alpn || !alpn(e, h))
				return false;
			seen_alpn = true;
		}
	}
	return !all.bad;
}

/* The ClientHello's body (RFC 8446 4.1.2; TLS 1.0-1.2's is the same). */
static enum sni_verdict client_hello(struct rd body, struct sni_hello *h)
{
	uint16_t version = (uint16_t)take(&body, 2);
	struct rd suites;

	if (version < 0x0301 || version > 0x0303)
		return SNI_BAD;
	take(&body, 32);		/* random */
	if (vec(&body, 1, 0).left > 32) /* legacy_session_id */
		return SNI_BAD;
	suites = vec(&body, 2, 2);
	if (suites.left % 2)
		return SNI_BAD;
	vec(&body, 1, 1); /* legacy_compression_methods */
	if (body.bad)
		return SNI_BAD;
	if (body.left && !extensions(&body, h))
		return SNI_BAD;
	return h->name[0] ? SNI_NAME : SNI_NONE;
}

/**
 * sni_parse() - Read the ClientHello at the start of a guest's stream
 * @buf: the stream's first bytes
 * @len: how many (more than SNI_MAX are not looked at)
 * @h:   filled in; h->used is the stream bytes through the record that
 *       ended the ClientHello (SNI_NAME and SNI_NONE)
 *
 * Return: enum sni_verdict
 */
enum sni_verdict sni_parse(const uint8_t *buf, size_t len, struct sni_hello *h)
{
	static uint8_t hs[SNI_MAX]; /* the records' payloads joined (one thread) */
	size_t off = 0, have = 0;

	memset(h, 0, sizeof(*h));
	if (len > SNI_MAX)
		len = SNI_MAX;
	while (off + 5 <= len) {
		size_t rlen = (size_t)buf[off + 3] << 8 | buf[off + 4];
		size_t n;

		if (buf[off] != REC_HANDSHAKE || buf[off + 1] != 3 || buf[off + 2] > 4 || !rlen ||
		    rlen > REC_PAYLOAD_MAX)
			return SNI_BAD;
		n = len - off - 5 < rlen ? len - off - 5 : rlen;
		memcpy(hs + have, buf + off + 5, n); /* have + n <= len <= SNI_MAX */
		have += n;
		if (have >= 1 && hs[0] != HS_CLIENT_HELLO)
			return SNI_BAD;
		if (have >= 4) {
			size_t hlen = (size_t)hs[1] << 16 | (size_t)hs[2] << 8 | hs[3];

			if (hlen + 4 > SNI_MAX)
				return SNI_BAD;
			if (have >= hlen + 4 && n == rlen) {
				struct rd body = { .p = hs + 4, .left = hlen };
				enum sni_verdict v = client_hello(body, h);

				/* A name read before the fault is no answer. */
				if (v == SNI_BAD)
					memset(h, 0, sizeof(*h));
				else
					h->used = off + 5 + rlen;
				return v;
			}
		}
		if (n < rlen)
			break;
		off += 5 + rlen;
	}
	if ((len >= 1 && buf[0] != REC_HANDSHAKE) || (len >= 2 && buf[1] != 3))
		return SNI_BAD; /* plain HTTP, say: known at the first byte */
	return len >= SNI_MAX ? SNI_BAD : SNI_MORE;
}
