/* SPDX-License-Identifier: MIT */
/*
 * polscan.h - lines and repeated keys in a policy file that json-c has
 * already accepted (json-c keeps neither).
 */
#ifndef TAPGATE_POLSCAN_H
#define TAPGATE_POLSCAN_H

#include <stdbool.h>
#include <stddef.h>

#define POLSCAN_PATH_MAX 128

unsigned int polscan_line(const char *text, size_t len, const char *path);
void polscan_lines(const char *text, size_t len, const char *path, unsigned int *lines, size_t n);
bool polscan_repeated(const char *text, size_t len, char path[POLSCAN_PATH_MAX],
		      unsigned int *line);
unsigned int polscan_offset_line(const char *text, size_t len, size_t off);

/* A file being read, for messages that name its lines. */
struct polscan_ctx {
	const char *text;
	size_t len;
	const char *file;
	char *err;
	size_t errlen;
};

int polscan_fail(const struct polscan_ctx *c, const char *path, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
