/* SPDX-License-Identifier: MIT */
/*
 * secrets.h - the real values behind the guest's placeholders, read once
 * at start from the environment or a file and kept in locked memory that
 * core dumps leave out, zeroed at exit.
 */
#ifndef TAPGATE_SECRETS_H
#define TAPGATE_SECRETS_H

#include <stddef.h>

#include "tls/http1.h"
#include "tls/tlsconf.h"

#define SECRET_VALUE_MAX 8192

int secrets_load(const struct tls_conf *c, struct h1_secret *out, char *err, size_t errlen);
void secrets_wipe(void);

#endif
