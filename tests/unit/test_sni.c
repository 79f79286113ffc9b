// SPDX-License-Identifier: MIT
/*
 * test_sni.c - the ClientHello reader (user/tls/sni.c) on ClientHellos
 * built here field by field: the name and the ALPN offer come out; the
 * same bytes cut into TLS records of every size from 1 byte, and every
 * prefix of them, give the same answer or SNI_MORE; what is not a
 * ClientHello, or breaks a length, a name's rules or the one-of-each
 * rules, is SNI_BAD; the SNI_MAX bound holds.
 */
#include <stdlib.h>

#include "check.h"
#include "tls/sni.h"

#define BUF 70000

struct hello {
	const char *names[3]; /* host names in the server_name extension */
	int nsni;	      /* server_name extensions (0, 1, 2) */
	const char *alpn[3];
	int nalpn;	   /* ALPN extensions */
	uint16_t version;  /* the body's legacy_version (0: 0x0303) */
	uint8_t hs_type;   /* 0: ClientHello */
	size_t pad;	   /* bytes of a padding extension (21) */
	int ext_len_delta; /* added to the extensions' total length */
};

static uint8_t *put16(uint8_t *p, size_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
	return p + 2;
}

static uint8_t *ext_sni(uint8_t *p, const struct hello *c)
{
	uint8_t *len = p + 2, *list;

	p = put16(p, 0) + 4;
	list = p - 2;
	for (int i = 0; i < 3 && c->names[i]; i++) {
		size_t n = strlen(c->names[i]);

		*p++ = 0;
		p = put16(p, n);
		memcpy(p, c->names[i], n);
		p += n;
	}
	put16(list, (size_t)(p - list - 2));
	put16(len, (size_t)(p - len - 2));
	return p;
}

static uint8_t *ext_alpn(uint8_t *p, const struct hello *c)
{
	uint8_t *len = p + 2, *list;

	p = put16(p, 16) + 4;
	list = p - 2;
	for (int i = 0; i < 3 && c->alpn[i]; i++) {
		size_t n = strlen(c->alpn[i]);

		*p++ = (uint8_t)n;
		memcpy(p, c->alpn[i], n);
		p += n;
	}
	put16(list, (size_t)(p - list - 2));
	put16(len, (size_t)(p - len - 2));
	return p;
}

/* The handshake message (type, length, body) into @out; its length. */
static size_t handshake(uint8_t *out, const struct hello *c)
{
	uint8_t *p = out + 4, *ext;
	size_t n;

	p = put16(p, c->version ? c->version : 0x0303);
	memset(p, 0xab, 32);
	p += 32;
	*p++ = 32; /* session id */
	memset(p, 0xcd, 32);
	p += 32;
	p = put16(p, 4);
	p = put16(p, 0x1301);
	p = put16(p, 0x1302);
	*p++ = 1;
	*p++ = 0;
	ext = p;
	p += 2;
	p = put16(p, 10); /* supported_groups: skipped by the reader */
	p = put16(p, 4);
	p = put16(p, 2);
	p = put16(p, 29);
	for (int i = 0; i < c->nsni; i++)
		p = ext_sni(p, c);
	for (int i = 0; i < c->nalpn; i++)
		p = ext_alpn(p, c);
	if (c->pad) {
		p = put16(p, 21);
		p = put16(p, c->pad);
		memset(p, 0, c->pad);
		p += c->pad;
	}
	put16(ext, (size_t)(p - ext - 2 + c->ext_len_delta));
	n = (size_t)(p - out - 4);
	out[0] = c->hs_type ? c->hs_type : 1;
	out[1] = (uint8_t)(n >> 16);
	out[2] = (uint8_t)(n >> 8);
	out[3] = (uint8_t)n;
	return n + 4;
}

/* @hs cut into TLS records of at most @chunk bytes; the stream's length. */
static size_t records(uint8_t *out, const uint8_t *hs, size_t n, size_t chunk)
{
	size_t o = 0;

	for (size_t i = 0; i < n; i += chunk) {
		size_t k = n - i < chunk ? n - i : chunk;

		out[o] = 22;
		out[o + 1] = 3;
		out[o + 2] = 1;
		put16(out + o + 3, k);
		memcpy(out + o + 5, hs + i, k);
		o += 5 + k;
	}
	return o;
}

static uint8_t hs[BUF], stream[BUF * 2];

static enum sni_verdict parse_hello(const struct hello *c, size_t chunk, struct sni_hello *h,
				    size_t *len)
{
	size_t n = handshake(hs, c);

	*len = records(stream, hs, n, chunk);
	return sni_parse(stream, *len, h);
}

static void name_and_alpn(void)
{
	struct hello c = {
		.names = { "Api.Example.TEST" }, .nsni = 1, .alpn = { "h2", "http/1.1" }, .nalpn = 1
	};
	struct sni_hello h;
	size_t len;

	CHECK_EQ(parse_hello(&c, 16384, &h, &len), SNI_NAME);
	CHECK(!strcmp(h.name, "api.example.test"));
	CHECK(h.alpn && h.alpn_h2 && h.alpn_http11 && !h.alpn_other);
	CHECK_EQ(h.used, len);
	/* Bytes after the ClientHello (the next flight) are not read. */
	memset(stream + len, 0xff, 100);
	CHECK_EQ(sni_parse(stream, len + 100, &h), SNI_NAME);
	CHECK_EQ(h.used, len);
}

static void no_name(void)
{
	struct hello c = { .alpn = { "spdy/3" }, .nalpn = 1 };
	struct sni_hello h;
	size_t len;

	CHECK_EQ(parse_hello(&c, 16384, &h, &len), SNI_NONE);
	CHECK(h.name[0] == '\0' && h.alpn_other && !h.alpn_h2);
}

/* Every record size, every prefix: the same answer at the end, MORE before. */
static void split_everywhere(void)
{
	struct hello c = { .names = { "split.example" }, .nsni = 1 };
	struct sni_hello h;
	size_t n = handshake(hs, &c), len;

	for (size_t chunk = 1; chunk <= n; chunk++) {
		len = records(stream, hs, n, chunk);
		for (size_t k = 0; k < len; k++)
			if (sni_parse(stream, k, &h) != SNI_MORE) {
				CHECK(!"a prefix was not SNI_MORE");
				printf("  chunk %zu prefix %zu\n", chunk, k);
				return;
			}
		CHECK_EQ(sni_parse(stream, len, &h), SNI_NAME);
		CHECK(!strcmp(h.name, "split.example"));
	}
}

static enum sni_verdict verdict_of(const struct hello *c)
{
	struct sni_hello h;
	size_t len;

	return parse_hello(c, 16384, &h, &len);
}

static void bad_hellos(void)
{
	static const uint8_t http[] = "GET / HTTP/1.1\r\n";
	struct hello two_ext = { .names = { "a.example" }, .nsni = 2 };
	struct hello two_names = { .names = { "a.example", "b.example" }, .nsni = 1 };
	struct hello two_alpn = { .alpn = { "h2" }, .nalpn = 2 };
	struct hello server_hello = { .hs_type = 2 };
	struct hello ssl3 = { .version = 0x0300 };
	struct hello long_ext = { .ext_len_delta = 1 };
	struct hello short_ext = { .ext_len_delta = -1 };
	struct sni_hello h;

	CHECK_EQ(sni_parse(http, 1, &h), SNI_BAD);
	CHECK_EQ(sni_parse((const uint8_t *)"\x16\x01", 2, &h), SNI_BAD);
	CHECK_EQ(verdict_of(&two_ext), SNI_BAD);
	CHECK_EQ(verdict_of(&two_names), SNI_BAD);
	CHECK_EQ(verdict_of(&two_alpn), SNI_BAD);
	CHECK_EQ(verdict_of(&server_hello), SNI_BAD);
	CHECK_EQ(verdict_of(&ssl3), SNI_BAD);
	CHECK_EQ(verdict_of(&long_ext), SNI_BAD);
	CHECK_EQ(verdict_of(&short_ext), SNI_BAD);
}

static void names(void)
{
	static const struct {
		const char *name;
		enum sni_verdict want;
	} t[] = {
		{ "example.com", SNI_NAME },   { "EXAMPLE.com", SNI_NAME },
		{ "_acme.example", SNI_NAME }, { "example.com.", SNI_BAD },
		{ "a..example", SNI_BAD },     { ".example", SNI_BAD },
		{ "exa mple.com", SNI_BAD },   { "exa\001mple.com", SNI_BAD },
		{ "ex%ample.com", SNI_BAD },   { "xn--bcher-kva.example", SNI_NAME },
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct hello c = { .names = { t[i].name }, .nsni = 1 };

		case_begin(t[i].name);
		CHECK_EQ(verdict_of(&c), t[i].want);
		case_end();
	}
}

/* A label of 63 characters but not 64; a name of 253 but not 254. */
static void name_lengths(void)
{
	char label[80], longname[300];

	memset(label, 'a', 63);
	label[63] = '\0';
	{
		struct hello c = { .names = { label }, .nsni = 1 };

		CHECK_EQ(verdict_of(&c), SNI_NAME);
		label[63] = 'a';
		label[64] = '\0';
		CHECK_EQ(verdict_of(&c), SNI_BAD);
	}
	/* 253 characters: 63 + 1 + 63 + 1 + 63 + 1 + 61. */
	memset(longname, 'b', 253);
	longname[63] = longname[127] = longname[191] = '.';
	longname[253] = '\0';
	{
		struct hello c = { .names = { longname }, .nsni = 1 };

		CHECK_EQ(verdict_of(&c), SNI_NAME);
		longname[253] = 'b';
		longname[254] = '\0';
		CHECK_EQ(verdict_of(&c), SNI_BAD);
	}
}

/* A ClientHello longer than SNI_MAX is BAD once its length is read; one
 * that would fit but comes in records whose headers push it past SNI_MAX
 * is MORE until SNI_MAX bytes came, then BAD. */
static void too_long(void)
{
	struct hello c = { .names = { "big.example" }, .nsni = 1, .pad = SNI_MAX };
	struct sni_hello h;
	size_t n = handshake(hs, &c), len = records(stream, hs, n, 16384);

	CHECK_EQ(sni_parse(stream, 8, &h), SNI_MORE);
	CHECK_EQ(sni_parse(stream, 9, &h), SNI_BAD);
	CHECK_EQ(sni_parse(stream, len, &h), SNI_BAD);
	c.pad = SNI_MAX - 400; /* fits, records included */
	CHECK_EQ(parse_hello(&c, 16384, &h, &len), SNI_NAME);
	CHECK(len <= SNI_MAX);
	n = handshake(hs, &c);
	len = records(stream, hs, n, 100); /* 5 more bytes every 100 */
	CHECK(len > SNI_MAX);
	CHECK_EQ(sni_parse(stream, SNI_MAX - 1, &h), SNI_MORE);
	CHECK_EQ(sni_parse(stream, SNI_MAX, &h), SNI_BAD);
	CHECK_EQ(sni_parse(stream, len, &h), SNI_BAD);
}

int main(void)
{
	RUN(name_and_alpn);
	RUN(no_name);
	RUN(split_everywhere);
	RUN(bad_hellos);
	names();
	RUN(name_lengths);
	RUN(too_long);
	return check_summary();
}
