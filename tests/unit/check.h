/* SPDX-License-Identifier: MIT */
/*
 * check.h - the unit tests' tiny harness.
 *
 * A case is a function run by RUN(fn) (or a table row between
 * case_begin() and case_end()); CHECK*() records the first failure of the
 * case and goes on. Each case prints "ok NAME" or "FAIL NAME: why", and
 * check_summary() prints "N passed, N failed" and returns the exit status.
 * Frames to feed the code under test come from tests/lib/frames.h.
 *
 * Everything is static inline: no name can clash with the user objects the
 * tests link against.
 */
#ifndef TAPGATE_TEST_CHECK_H
#define TAPGATE_TEST_CHECK_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

struct ck_state {
	const char *name;
	bool failed;
	char why[512];
	int passed, nfailed;
};

static struct ck_state ck;

static inline void case_begin(const char *name)
{
	ck.name = name;
	ck.failed = false;
	ck.why[0] = '\0';
}

static inline void case_end(void)
{
	if (ck.failed) {
		printf("FAIL %s: %s\n", ck.name, ck.why);
		ck.nfailed++;
	} else {
		printf("ok %s\n", ck.name);
		ck.passed++;
	}
	fflush(stdout);
}

__attribute__((format(printf, 3, 4))) static inline void ck_fail(const char *file, int line,
								  const char *fmt, ...)
{
	va_list ap;
	int n;

	if (ck.failed)
		return; /* keep the first reason: later ones are often consequences */
	ck.failed = true;
	n = snprintf(ck.why, sizeof(ck.why), "%s:%d: ", file, line);
	if (n < 0 || (size_t)n >= sizeof(ck.why))
		return;
	va_start(ap, fmt);
	vsnprintf(ck.why + n, sizeof(ck.why) - (size_t)n, fmt, ap);
	va_end(ap);
}

static inline int check_summary(void)
{
	printf("%d passed, %d failed\n", ck.passed, ck.nfailed);
	return ck.nfailed ? 1 : 0;
}

#define CHECK(cond)                                                    \
	do {                                                           \
		if (!(cond))                                           \
			ck_fail(__FILE__, __LINE__, "CHECK(%s)", #cond); \
	} while (0)

#define CHECK_EQ(a, b)                                                                    \
	do {                                                                              \
		long long ck_a_ = (long long)(a), ck_b_ = (long long)(b);                 \
		if (ck_a_ != ck_b_)                                                       \
			ck_fail(__FILE__, __LINE__, "%s == %s: got %lld, want %lld", #a, #b, \
				ck_a_, ck_b_);                                            \
	} while (0)

#define CHECK_MEM(a, b, n)                                                          \
	do {                                                                        \
		if (memcmp((a), (b), (n)))                                          \
			ck_fail(__FILE__, __LINE__, "memcmp(%s, %s, %s) != 0", #a, #b, \
				#n);                                                \
	} while (0)

#define RUN(fn)                  \
	do {                     \
		case_begin(#fn); \
		fn();            \
		case_end();      \
	} while (0)

#endif
