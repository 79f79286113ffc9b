// SPDX-License-Identifier: MIT
/*
 * log.c - leveled messages on stderr. The daemon is single-threaded, so the
 * level is a plain static.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "control/log.h"

static enum log_level cur_level = LOG_INFO;

void log_set_level(enum log_level level)
{
	cur_level = level;
}

enum log_level log_get_level(void)
{
	return cur_level;
}

/**
 * log_parse_level() - Map "error", "warn", "info" or "debug" to a level
 * @name: level name from the command line
 * @out:  where to store the level
 *
 * Return: 0, or -1 when the name is unknown
 */
int log_parse_level(const char *name, enum log_level *out)
{
	static const char *const names[] = { "error", "warn", "info", "debug" };

	for (unsigned int i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (!strcmp(name, names[i])) {
			*out = (enum log_level)i;
			return 0;
		}
	}
	return -1;
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	va_list ap;

	if (level > cur_level)
		return;
	fputs("tapgate: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}
