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
	size_t kb[KEYS_MAX], ke[KEYS_MAX], b, e;
	unsigned int nkeys = 0;

	s->pos++;
	for (;;) {
		skip_ws(s);
		if (s->pos >= s->len || s->t[s->pos] != '"')
			break;
		skip_string(s, &b, &e);
		for (unsigned int i = 0; i < nkeys && !s->dup[0]; i++)
			if (ke[i] - kb[i] == e - b && !memcmp(s->t + kb[i], s->t + b, e - b)) {
				append(path, plen, plen ? ".%.*s" : "%.*s", s->t + b, e - b, 0);
				snprintf(s->dup, sizeof(s->dup), "%s", path);
				s->dup_line = s->line;
			}
		if (nkeys < KEYS_MAX) {
			kb[nkeys] = b;
			ke[nkeys++] = e;
		}
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
