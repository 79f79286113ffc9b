// SPDX-License-Identifier: MIT
/*
 * secrets.c - secret values (secrets.h).
 *
 * One anonymous mapping holds them all: mlock()ed so they never reach
 * swap, MADV_DONTDUMP so a core dump leaves them out, zeroed and unmapped
 * at exit. An environment variable that held one is zeroed in place (the
 * process's environment is readable in /proc/PID/environ by its owner)
 * and removed. Values are never logged; messages name the secret only.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "control/log.h"
#include "tls/secrets.h"

static uint8_t *vault;
static size_t vault_size;

static long from_env(const char *var, uint8_t *to)
{
	char *v = getenv(var);
	size_t n = v ? strlen(v) : 0;

	if (!v || !n || n > SECRET_VALUE_MAX)
		return -1;
	memcpy(to, v, n);
	OPENSSL_cleanse(v, n);
	unsetenv(var);
	return (long)n;
}

static long from_file(const char *path, uint8_t *to)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n = fd >= 0 ? read(fd, to, SECRET_VALUE_MAX + 1) : -1;

	if (fd >= 0)
		close(fd);
	while (n > 0 && (to[n - 1] == '\n' || to[n - 1] == '\r'))
		n--; /* the newline editors end files with is not the secret's */
	return n > 0 && n <= SECRET_VALUE_MAX ? (long)n : -1;
}

/* A value that could break the request's framing must not go in. */
static bool value_ok(const uint8_t *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (v[i] < 0x20 || v[i] == 0x7f)
			return false;
	return true;
}

/**
 * secrets_load() - Read every secret's value
 * @c:      the tls section (names, sources, hosts, placeholders)
 * @out:    c->nsecrets entries, set to what the rewriter needs
 * @err:    set to the reason on failure (never a value)
 * @errlen: its size
 *
 * Return: 0 or a negative errno
 */
int secrets_load(const struct tls_conf *c, struct h1_secret *out, char *err, size_t errlen)
{
	if (!c->nsecrets)
		return 0;
	vault_size = (size_t)c->nsecrets * SECRET_VALUE_MAX;
	vault = mmap(NULL, vault_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (vault == MAP_FAILED) {
		vault = NULL;
		snprintf(err, errlen, "secrets: no memory");
		return -ENOMEM;
	}
	madvise(vault, vault_size, MADV_DONTDUMP);
	/* Requests with a secret put in pass through ordinary buffers (wiped
	 * when freed, but alive meanwhile): no core dump at all, and no
	 * ptrace by a process of the same user. */
	prctl(PR_SET_DUMPABLE, 0);
	if (mlock(vault, vault_size))
		log_warn("secrets: cannot lock their memory (%s); they may reach swap",
			 strerror(errno));
	for (unsigned int i = 0; i < c->nsecrets; i++) {
		const struct tls_secret_conf *s = &c->secret[i];
		uint8_t *v = vault + (size_t)i * SECRET_VALUE_MAX;
		long n = s->env[0] ? from_env(s->env, v) : from_file(s->file, v);

		if (n < 0 || !value_ok(v, (size_t)n)) {
			snprintf(err, errlen,
				 "secret %s: %s %s %s (1 to %d bytes, no control characters)",
				 s->name, s->env[0] ? "environment variable" : "file",
				 s->env[0] ? s->env : s->file,
				 n < 0 ? "is unset, empty or too long" : "holds a bad value",
				 SECRET_VALUE_MAX);
			secrets_wipe();
			return -EINVAL;
		}
		out[i] = (struct h1_secret){ .name = s->name,
					     .placeholder = s->placeholder,
					     .plen = strlen(s->placeholder),
					     .value = v,
					     .vlen = (size_t)n,
					     .hosts = &s->hosts,
					     .inject = s->inject };
	}
	return 0;
}

void secrets_wipe(void)
{
	if (!vault)
		return;
	OPENSSL_cleanse(vault, vault_size);
	munmap(vault, vault_size);
	vault = NULL;
}
