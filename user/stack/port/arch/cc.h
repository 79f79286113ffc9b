/* SPDX-License-Identifier: MIT */
/*
 * arch/cc.h - lwIP's platform header for tapgate: Linux, glibc, one thread.
 * lwIP's own defaults cover the types (stdint.h) and byte order; what is
 * ours is where its diagnostics go and what a failed assertion does.
 */
#ifndef TAPGATE_LWIP_ARCH_CC_H
#define TAPGATE_LWIP_ARCH_CC_H

#include <stdio.h>
#include <stdlib.h>

#define LWIP_PLATFORM_DIAG(x)                                                                     \
	do {                                                                                      \
		printf x;                                                                         \
	} while (0)

/*
 * A failed assertion is a bug in tapgate or lwIP: stop rather than go on
 * with a corrupt connection table. The slot is the trust boundary; nothing
 * a guest sends may reach an assertion (the fuzz targets check that).
 */
#define LWIP_PLATFORM_ASSERT(x)                                                                   \
	do {                                                                                      \
		fprintf(stderr, "tapgate: lwIP assertion \"%s\" failed at %s:%d\n", x, __FILE__, \
			__LINE__);                                                                \
		fflush(NULL);                                                                     \
		abort();                                                                          \
	} while (0)

/* glibc's htons() and friends are used beside lwIP's: keep glibc's, and
 * let lwIP's own be one instruction. */
#define LWIP_DONT_PROVIDE_BYTEORDER_FUNCTIONS 1
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define lwip_htons(x) ((u16_t)__builtin_bswap16((u16_t)(x)))
#define lwip_htonl(x) ((u32_t)__builtin_bswap32((u32_t)(x)))
#endif

#define LWIP_NO_UNISTD_H 0
#define LWIP_TIMEVAL_PRIVATE 0
#define LWIP_ERRNO_STDINCLUDE 1

#endif
