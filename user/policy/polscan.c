// SPDX-License-Identifier: MIT
/*
 * polscan.c - where things are in a policy file (polscan.h).
 *
 * json-c parses the file; it keeps no positions and keeps the last of two
 * equal keys without a word. A policy whose "action" is given twice must
 * not be read as whichever came last, and a message must name the line, so
 * this walks the text json-c has already accepted, for those two things
 * only: it builds nothing. Paths read as "rules[3].ports[1]".
 */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "policy/polscan.h"

#define DEPTH_MAX 32
#define KEYS_MAX  64 /* keys per object checked for repeats */

struct scan {
	const char *t;
	size_t len, pos;
	unsigned int line;
	const char *want; /* the path looked for, or NULL */
	unsigned int found;
	char dup[POLSCAN_PATH_MAX];
	unsigned int dup_line;
	const char *list; /* the array whose elements' lines are wanted */
	unsigned int *lines;
	size_t nlines;
};

static void skip_ws(struct scan *s)
{
	while (s->pos < s->len && strchr(" \t\r\n", s->t[s->pos]) && s->t[s->pos]) {
		if (s->t[s->pos] == '\n')
			s->line++;
		s->pos++;
	}
}

/* Past a string starting at pos (a quote); its raw bytes in [*b, *e). */
static void skip_string(struct scan *s, size_t *b, size_t *e)
{
	s->pos++;
	*b = s->pos;
	while (s->pos < s->len && s->t[s->pos] != '"') {
		if (s->t[s->pos] == '\\')
			s->pos++;
		s->pos++;
	}
	*e = s->pos < s->len ? s->pos : s->len;
	s->pos++;
}

static void value(struct scan *s, char *path, size_t plen, int depth);

static int hexval(char c)
{
	return c >= '0' && c <= '9'   ? c - '0'
	       : c >= 'a' && c <= 'f' ? c - 'a' + 10
	       : c >= 'A' && c <= 'F' ? c - 'A' + 10
				      : -1;
}

/* The code point of "\uXXXX" at @p (6 bytes available), or -1. */
static long u_escape(const char *p, const char *end)
{
	long v = 0;

	if (end - p < 6 || p[0] != '\\' || p[1] != 'u')
		return -1;
	for (int i = 2; i < 6; i++) {
		if (hexval(p[i]) < 0)
			return -1;
		v = v * 16 + hexval(p[i]);
	}
	return v;
}

static uint64_t fnv(uint64_t h, uint8_t b)
{
	return (h ^ b) * 0x100000001b3ull;
}

/* FNV-1a of a code point as UTF-8. */
static uint64_t fnv_cp(uint64_t h, long cp)
{
	if (cp < 0x80)
		return fnv(h, (uint8_t)cp);
	if (cp < 0x800)
		return fnv(fnv(h, (uint8_t)(0xc0 | cp >> 6)), (uint8_t)(0x80 | (cp & 0x3f)));
	if (cp < 0x10000)
		return fnv(fnv(fnv(h, (uint8_t)(0xe0 | cp >> 12)),
			       (uint8_t)(0x80 | ((cp >> 6) & 0x3f))),
			   (uint8_t)(0x80 | (cp & 0x3f)));
	h = fnv(fnv(h, (uint8_t)(0xf0 | cp >> 18)), (uint8_t)(0x80 | ((cp >> 12) & 0x3f)));
	return fnv(fnv(h, (uint8_t)(0x80 | ((cp >> 6) & 0x3f))), (uint8_t)(0x80 | (cp & 0x3f)));
}

/*
 * A key as json-c sees it: escapes decoded (\u0061 is 'a', a surrogate pair
 * one code point), hashed. json-c compares decoded keys, so this must too:
 * "action" and "\u0061ction" are the same key given twice.
 */
static uint64_t key_hash(const char *p, const char *end)
{
	static const char plain[] = "\"\\/bfnrt", real[] = "\"\\/\b\f\n\r\t";
	uint64_t h = 0xcbf29ce484222325ull;

	while (p < end) {
		long cp = u_escape(p, end), lo;

		if (cp >= 0xd800 && cp < 0xdc00 && (lo = u_escape(p + 6, end)) >= 0xdc00 &&
		    lo < 0xe000) {
			h = fnv_cp(h, 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00));
			p += 12;
		} else if (cp >= 0) {
			h = fnv_cp(h, cp);
			p += 6;
		} else if (*p == '\\' && p + 1 < end && strchr(plain, p[1]) && p[1]) {
			h = fnv(h, (uint8_t)real[strchr(plain, p[1]) - plain]);
			p += 2;
		} else {
			h = fnv(h, (uint8_t)*p++);
		}
	}
	return h;
}

static void append(char *path, size_t plen, const char *fmt, const char *a, size_t alen,
		   unsigned int n)
{
	if (fmt)
		snprintf(path + plen, POLSCAN_PATH_MAX - plen, fmt, (int)alen, a);
	else
		snprintf(path + plen, POLSCAN_PATH_MAX - plen, "[%u]", n);
}

static void object(struct scan *s, char *path, size_t plen, int depth)
{
	uint64_t keys[KEYS_MAX], h;
	unsigned int nkeys = 0;
	size_t b, e;

	s->pos++;
	for (;;) {
		skip_ws(s);
		if (s->pos >= s->len || s->t[s->pos] != '"')
			break;
		skip_string(s, &b, &e);
		h = key_hash(s->t + b, s->t + e);
		for (unsigned int i = 0; i < nkeys && !s->dup[0]; i++)
			if (keys[i] == h) {
				append(path, plen, plen ? ".%.*s" : "%.*s", s->t + b, e - b, 0);
				snprintf(s->dup, sizeof(s->dup), "%s", path);
				s->dup_line = s->line;
			}
		if (nkeys < KEYS_MAX)
			keys[nkeys++] = h;
		skip_ws(s);
		s->pos++; /* ':' */
		append(path, plen, plen ? ".%.*s" : "%.*s", s->t + b, e - b, 0);
		value(s, path, strlen(path), depth + 1);
		path[plen] = '\0';
		skip_ws(s);
		if (s->pos >= s->len || s->t[s->pos] != ',')
			break;
		s->pos++;
	}
	s->pos++; /* '}' */
}

static void array(struct scan *s, char *path, size_t plen, int depth)
{
	s->pos++;
	for (unsigned int i = 0;; i++) {
		skip_ws(s);
		if (s->pos >= s->len || s->t[s->pos] == ']')
			break;
		if (s->list && i < s->nlines && !strcmp(path, s->list))
			s->lines[i] = s->line;
		append(path, plen, NULL, NULL, 0, i);
		value(s, path, strlen(path), depth + 1);
		path[plen] = '\0';
		skip_ws(s);
		if (s->pos >= s->len || s->t[s->pos] != ',')
			break;
		s->pos++;
	}
	s->pos++; /* ']' */
}

static void value(struct scan *s, char *path, size_t plen, int depth)
{
	size_t b, e;

	skip_ws(s);
	if (s->want && !s->found && !strcmp(path, s->want))
		s->found = s->line;
	if (s->pos >= s->len || depth > DEPTH_MAX)
		return;
	switch (s->t[s->pos]) {
	case '{':
		object(s, path, plen, depth);
		break;
	case '[':
		array(s, path, plen, depth);
		break;
	case '"':
		skip_string(s, &b, &e);
		break;
	default:
		while (s->pos < s->len && !strchr(",}] \t\r\n", s->t[s->pos]))
			s->pos++;
	}
}

static void walk(struct scan *s)
{
	char path[POLSCAN_PATH_MAX] = "";

	s->line = 1;
	value(s, path, 0, 0);
}

/**
 * polscan_line() - The line where the value at @path starts
 * @text: a policy file json-c accepted
 * @len:  its length
 * @path: e.g. "rules[3].destination"; "" for the whole
 *
 * Return: the line (from 1), or 0 when there is no such value
 */
unsigned int polscan_line(const char *text, size_t len, const char *path)
{
	struct scan s = { .t = text, .len = len, .want = path };

	walk(&s);
	return s.found;
}

/**
 * polscan_lines() - The line of each element of one array, in one walk
 * @text:  a policy file json-c accepted
 * @len:   its length
 * @path:  the array, e.g. "rules"
 * @lines: set to the line of element i (left alone past the array's end)
 * @n:     room in @lines
 */
void polscan_lines(const char *text, size_t len, const char *path, unsigned int *lines, size_t n)
{
	struct scan s = { .t = text, .len = len, .list = path, .lines = lines, .nlines = n };

	walk(&s);
}

/**
 * polscan_repeated() - The first key given twice in one object
 * @text: a policy file json-c accepted
 * @len:  its length
 * @path: set to the repeated key's path
 * @line: set to the line of its second appearance
 *
 * Return: true when there is one
 */
bool polscan_repeated(const char *text, size_t len, char path[POLSCAN_PATH_MAX], unsigned int *line)
{
	struct scan s = { .t = text, .len = len };

	walk(&s);
	if (!s.dup[0])
		return false;
	memcpy(path, s.dup, POLSCAN_PATH_MAX);
	*line = s.dup_line;
	return true;
}

/**
 * polscan_offset_line() - The line of byte @off
 * @text: any text
 * @len:  its length
 * @off:  an offset in it
 *
 * Return: the line (from 1)
 */
unsigned int polscan_offset_line(const char *text, size_t len, size_t off)
{
	unsigned int line = 1;

	for (size_t i = 0; i < off && i < len; i++)
		line += text[i] == '\n';
	return line;
}

/**
 * polscan_fail() - Say what is wrong at @path of the file, and where
 * @c:    the file
 * @path: the key's path ("rules[2].ports"; "" for the whole file)
 * @fmt:  what is wrong and what to write instead
 *
 * Return: -EINVAL, for the caller to return
 */
int polscan_fail(const struct polscan_ctx *c, const char *path, const char *fmt, ...)
{
	unsigned int line = polscan_line(c->text, c->len, path);
	size_t n;
	va_list ap;

	n = (size_t)snprintf(c->err, c->errlen, "%s:%u: %s%s", c->file, line ? line : 1, path,
			     path[0] ? ": " : "");
	va_start(ap, fmt);
	if (n < c->errlen)
		vsnprintf(c->err + n, c->errlen - n, fmt, ap);
	va_end(ap);
	return -EINVAL;
}
