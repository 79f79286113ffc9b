// SPDX-License-Identifier: MIT
/*
 * tlsbench.c - the HTTPS server and keep-alive load client of bench/tls.sh.
 *
 *   tlsbench serve IP PORT CERT KEY MIB
 *       HTTPS on IP:PORT, a thread per connection, keep-alive: GET /big
 *       answers MIB MiB, anything else 16 bytes.
 *   tlsbench rps NAME IP PORT CAFILE CONNS SECONDS
 *       CONNS keep-alive connections to IP:PORT for NAME (verified against
 *       CAFILE), each asking GET /small in turn for SECONDS; prints
 *       "requests N seconds S rps R".
 *   tlsbench hold NAME IP PORT CAFILE CONNS SECONDS
 *       CONNS connections that each ask once, then stay open and idle for
 *       SECONDS; prints "held N" once all are open.
 *
 * Small and plain on purpose: the bench measures what is between the two.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

static SSL_CTX *ctx;
static unsigned long big_bytes;
static const char *name;
static struct sockaddr_in peer;
static double stop_at;
static bool hold;
static atomic_uint opened;
static atomic_ulong done;

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Read up to the end of a head into @buf; return its length, 0 on EOF. */
static size_t read_head(SSL *ssl, char *buf, size_t cap, size_t *have)
{
	for (;;) {
		char *end = *have ? memmem(buf, *have, "\r\n\r\n", 4) : NULL;
		int n;

		if (end)
			return (size_t)(end + 4 - buf);
		if (*have == cap)
			return 0;
		n = SSL_read(ssl, buf + *have, (int)(cap - *have));
		if (n <= 0)
			return 0;
		*have += (size_t)n;
	}
}

static void serve_big(SSL *ssl)
{
	static char chunk[65536];
	char head[128];
	unsigned long left = big_bytes;

	snprintf(head, sizeof(head), "HTTP/1.1 200 OK\r\nContent-Length: %lu\r\n\r\n", left);
	SSL_write(ssl, head, (int)strlen(head));
	while (left) {
		int n = SSL_write(ssl, chunk,
				  left < sizeof(chunk) ? (int)left : (int)sizeof(chunk));

		if (n <= 0)
			return;
		left -= (unsigned long)n;
	}
}

static void *serve_conn(void *arg)
{
	static const char small[] = "HTTP/1.1 200 OK\r\nContent-Length: 16\r\n\r\n"
				    "hello, tapgate!\n";
	int fd = (int)(long)arg;
	SSL *ssl = SSL_new(ctx);
	char buf[8192];
	size_t have = 0, used;

	SSL_set_fd(ssl, fd);
	if (SSL_accept(ssl) == 1) {
		while ((used = read_head(ssl, buf, sizeof(buf), &have)) != 0) {
			if (!strncmp(buf, "GET /big", 8))
				serve_big(ssl);
			else if (SSL_write(ssl, small, sizeof(small) - 1) <= 0)
				break;
			memmove(buf, buf + used, have - used);
			have -= used;
		}
	}
	SSL_free(ssl);
	close(fd);
	return NULL;
}

static int serve(char **argv)
{
	struct sockaddr_in a = { .sin_family = AF_INET,
				 .sin_port = htons((uint16_t)atoi(argv[1])) };
	int one = 1, lfd = socket(AF_INET, SOCK_STREAM, 0);

	ctx = SSL_CTX_new(TLS_server_method());
	if (!ctx || SSL_CTX_use_certificate_chain_file(ctx, argv[2]) != 1 ||
	    SSL_CTX_use_PrivateKey_file(ctx, argv[3], SSL_FILETYPE_PEM) != 1)
		return fprintf(stderr, "tlsbench: cannot load %s / %s\n", argv[2], argv[3]), 1;
	big_bytes = strtoul(argv[4], NULL, 10) << 20;
	inet_pton(AF_INET, argv[0], &a.sin_addr);
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(lfd, (struct sockaddr *)&a, sizeof(a)) || listen(lfd, 1024))
		return perror("tlsbench: bind"), 1;
	printf("listening\n");
	fflush(stdout);
	for (;;) {
		int fd = accept(lfd, NULL, NULL);
		pthread_t t;

		if (fd < 0)
			continue;
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		if (pthread_create(&t, NULL, serve_conn, (void *)(long)fd))
			close(fd);
		else
			pthread_detach(t);
	}
}

/* One response: its head, then Content-Length bytes. */
static int read_response(SSL *ssl, char *buf, size_t cap, size_t *have)
{
	size_t used = read_head(ssl, buf, cap, have), body;
	const char *cl;

	if (!used)
		return -1;
	cl = memmem(buf, used, "Content-Length: ", 16);
	body = cl ? strtoul(cl + 16, NULL, 10) : 0;
	while (*have < used + body) {
		int n = SSL_read(ssl, buf + *have, (int)(cap - *have));

		if (n <= 0)
			return -1;
		*have += (size_t)n;
	}
	memmove(buf, buf + used + body, *have - used - body);
	*have -= used + body;
	return 0;
}

static void *load_conn(void *arg)
{
	int one = 1, fd = socket(AF_INET, SOCK_STREAM, 0);
	SSL *ssl = SSL_new(ctx);
	char req[300], buf[16384];
	size_t have = 0;
	int n;

	(void)arg;
	n = snprintf(req, sizeof(req), "GET /small HTTP/1.1\r\nHost: %s\r\n\r\n", name);
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	SSL_set_fd(ssl, fd);
	SSL_set_tlsext_host_name(ssl, name);
	SSL_set1_host(ssl, name);
	if (connect(fd, (struct sockaddr *)&peer, sizeof(peer)) || SSL_connect(ssl) != 1) {
		fprintf(stderr, "tlsbench: cannot connect: ");
		ERR_print_errors_fp(stderr);
	} else {
		while (now_s() < stop_at && SSL_write(ssl, req, n) == n &&
		       !read_response(ssl, buf, sizeof(buf), &have)) {
			atomic_fetch_add(&done, 1);
			if (hold) {
				atomic_fetch_add(&opened, 1);
				while (now_s() < stop_at)
					usleep(100000);
			}
		}
	}
	SSL_free(ssl);
	close(fd);
	return NULL;
}

static int load(char **argv)
{
	int conns = atoi(argv[4]);
	double secs = atof(argv[5]), t0;
	pthread_t *t = calloc((size_t)conns, sizeof(*t));

	name = argv[0];
	peer = (struct sockaddr_in){ .sin_family = AF_INET,
				     .sin_port = htons((uint16_t)atoi(argv[2])) };
	inet_pton(AF_INET, argv[1], &peer.sin_addr);
	ctx = SSL_CTX_new(TLS_client_method());
	if (!ctx || !t || SSL_CTX_load_verify_locations(ctx, argv[3], NULL) != 1)
		return fprintf(stderr, "tlsbench: cannot load %s\n", argv[3]), 1;
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
	t0 = now_s();
	stop_at = t0 + secs;
	for (int i = 0; i < conns; i++)
		pthread_create(&t[i], NULL, load_conn, NULL);
	while (hold && atomic_load(&opened) < (unsigned int)conns && now_s() < stop_at)
		usleep(10000);
	if (hold) {
		printf("held %u\n", atomic_load(&opened));
		fflush(stdout);
	}
	for (int i = 0; i < conns; i++)
		pthread_join(t[i], NULL);
	secs = now_s() - t0;
	printf("requests %lu seconds %.2f rps %.0f\n", (unsigned long)done, secs,
	       (double)done / secs);
	free(t);
	return 0;
}

int main(int argc, char **argv)
{
	signal(SIGPIPE, SIG_IGN);
	if (argc == 7 && !strcmp(argv[1], "serve"))
		return serve(argv + 2);
	if (argc == 8 && !strcmp(argv[1], "rps"))
		return load(argv + 2);
	if (argc == 8 && !strcmp(argv[1], "hold")) {
		hold = true;
		return load(argv + 2);
	}
	fprintf(stderr, "usage: tlsbench serve IP PORT CERT KEY MIB\n"
			"       tlsbench rps|hold NAME IP PORT CAFILE CONNS SECONDS\n");
	return 2;
}
