// SPDX-License-Identifier: MIT
/*
 * tlsx.c - intercepted TLS connections (tlsx.h).
 *
 * Theory of operation. pxtcp connects to the real server first, as for
 * any flow; once lwIP accepts the guest's side, a connection to an
 * intercepted port is given here: tlsx_take() makes a socketpair, keeps
 * one end and the server's socket, and hands the other end back to be
 * spliced to the guest as if it were the server. So the splice (flow
 * control, half-close, resets toward lwIP) is the same code for every
 * connection, and this file sees two plain non-blocking descriptors.
 *
 * Each connection then goes through:
 *
 *   HELLO    peek at the guest's first bytes until sni.c has the whole
 *            ClientHello (16 KiB, 10 s at most). A bad one, a server name
 *            the policy refuses (route_sni_allowed()), or no name when
 *            no_sni is "close": closed, nothing sent to the server.
 *            A bypassed name (or no name, no_sni "bypass"): RAW.
 *   UPSTREAM TLS to the server for that name, verified against the host's
 *            trust store, extra_ca, unless no_verify names it.
 *   GUEST    TLS with the guest, with the CA's leaf for that name (tlsca.c)
 *   RELAY    plaintext both ways; the guest's requests through http1.c,
 *            which puts the secrets in or blocks the request (403)
 *   RAW      the bytes both ways untouched
 *
 * An upstream that fails its handshake or verification still gets the
 * guest's handshake, so that the guest is told why in a 502 rather than a
 * bare reset. A blocked request gets its 403, then the connection ends;
 * guest bytes still coming meanwhile are read and thrown away, so that the
 * guest's kernel does not reset the answer away.
 *
 * Both descriptors are edge-triggered; every event runs pump(), which
 * moves everything it can until each side would block. Buffers are
 * bounded (RELAY_HIGH each way) and given back when empty.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "control/config.h"
#include "control/log.h"
#include "control/route.h"
#include "io/loop.h"
#include "proxy/flow.h"
#include "tls/http1.h"
#include "tls/secrets.h"
#include "tls/sni.h"
#include "tls/tbuf.h"
#include "tls/tlsca.h"
#include "tls/tlsconf.h"
#include "tls/tlsx.h"

#define HELLO_MS     10000 /* the guest's ClientHello */
#define HANDSHAKE_MS 30000 /* both TLS handshakes */
#define LINGER_MS    2000  /* after a 403, 400 or 502: guest bytes read and dropped */
#define RELAY_HIGH   65536 /* bytes queued one way before the source is left unread */
#define CHUNK	     16384

enum tx_state { TX_HELLO = 0, TX_UPSTREAM, TX_GUEST, TX_RELAY, TX_RAW, TX_DEAD };

struct side {
	struct loop_handler h; /* first: the loop hands us &h */
	struct tconn *t;
	int fd;
	SSL *ssl;  /* NULL: raw */
	bool eof;  /* nothing more comes from it */
	bool shut; /* our end of it is closed for writing */
};

struct tconn {
	struct side g, u; /* the guest (socketpair end) and the server */
	struct tconn *next, *prev;
	enum tx_state state;
	struct flow_key key;
	char sni[SNI_NAME_MAX + 1];
	uint64_t deadline;
	struct tbuf g2u, u2g;
	struct h1 req;
	bool pinned;
	bool closing;		/* an answer of ours is the last thing the guest gets */
	char upstream_err[400]; /* why the server's handshake failed, or "" */
};

static const struct config *cfg;
static struct tls_conf *conf;
static struct h1_secret secret[TLS_SECRETS_MAX];
static struct router router;
static struct tg_ustats *st;
static tlsx_cut_fn cut;
static SSL_CTX *guest_ctx, *up_ctx;
static struct tconn *all, *dead;
static unsigned int nconns;

static void pump(struct tconn *t);

/* ---- setup */

/* Offer the guest HTTP/1.1 only: that is what http1.c can rewrite. A
 * client that offers only h2 gets no ALPN and speaks HTTP/1.1 (RFC 7301). */
static int select_alpn(SSL *ssl, const unsigned char **out, unsigned char *outlen,
		       const unsigned char *in, unsigned int inlen, void *arg)
{
	(void)ssl;
	(void)arg;
	for (unsigned int i = 0; i < inlen; i += 1u + in[i]) {
		if (in[i] == 8 && i + 9 <= inlen && !memcmp(in + i + 1, "http/1.1", 8)) {
			*out = in + i + 1;
			*outlen = 8;
			return SSL_TLSEXT_ERR_OK;
		}
	}
	return SSL_TLSEXT_ERR_NOACK;
}

/*
 * The host's trust store ($SSL_CERT_DIR and $SSL_CERT_FILE, else
 * OpenSSL's defaults: Debian's /etc/ssl/certs): the hashed directory,
 * read a certificate at a time as servers need them, and the bundle file
 * if there is one. Not SSL_CTX_set_default_verify_paths(), whose "store"
 * lookup lists the directory: a system call the daemon's filter has no
 * other use for.
 */
static int trust_host_store(void)
{
	X509_STORE *s = SSL_CTX_get_cert_store(up_ctx);
	const char *dir = getenv(X509_get_default_cert_dir_env());
	const char *file = getenv(X509_get_default_cert_file_env());
	X509_LOOKUP *l = X509_STORE_add_lookup(s, X509_LOOKUP_hash_dir());

	if (!l ||
	    !X509_LOOKUP_add_dir(l, dir ? dir : X509_get_default_cert_dir(), X509_FILETYPE_PEM))
		return -EINVAL;
	l = X509_STORE_add_lookup(s, X509_LOOKUP_file());
	if (l)
		X509_LOOKUP_load_file(l, file ? file : X509_get_default_cert_file(),
				      X509_FILETYPE_PEM); /* often absent: the directory serves */
	ERR_clear_error();
	return 0;
}

static int make_ctxs(char *err, size_t errlen)
{
	static const unsigned char http11[] = "\x08http/1.1";

	guest_ctx = SSL_CTX_new(TLS_server_method());
	up_ctx = SSL_CTX_new(TLS_client_method());
	if (!guest_ctx || !up_ctx)
		return snprintf(err, errlen, "cannot make TLS contexts"), -ENOMEM;
	SSL_CTX_set_min_proto_version(guest_ctx, TLS1_2_VERSION);
	SSL_CTX_set_min_proto_version(up_ctx, TLS1_2_VERSION);
	SSL_CTX_set_options(guest_ctx, SSL_OP_IGNORE_UNEXPECTED_EOF | SSL_OP_NO_RENEGOTIATION);
	SSL_CTX_set_options(up_ctx, SSL_OP_IGNORE_UNEXPECTED_EOF | SSL_OP_NO_RENEGOTIATION);
	SSL_CTX_set_mode(guest_ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_RELEASE_BUFFERS |
					    SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	SSL_CTX_set_mode(up_ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_RELEASE_BUFFERS |
					 SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	SSL_CTX_set_session_cache_mode(guest_ctx, SSL_SESS_CACHE_OFF);
	SSL_CTX_set_num_tickets(guest_ctx, 0);
	SSL_CTX_set_alpn_select_cb(guest_ctx, select_alpn, NULL);
	SSL_CTX_set_alpn_protos(up_ctx, http11, sizeof(http11) - 1);
	SSL_CTX_set_verify(up_ctx, SSL_VERIFY_PEER, NULL);
	if (trust_host_store())
		return snprintf(err, errlen, "cannot read the host's trust store"), -EINVAL;
	if (conf->extra_ca[0] && SSL_CTX_load_verify_locations(up_ctx, conf->extra_ca, NULL) != 1) {
		ERR_clear_error();
		snprintf(err, errlen, "tls.extra_ca: %.300s is not a file of PEM certificates",
			 conf->extra_ca);
		return -EINVAL;
	}
	return 0;
}

static int setup(const struct config *c, char *err, size_t errlen)
{
	int rc;

	conf = calloc(1, sizeof(*conf));
	if (!conf)
		return -ENOMEM;
	rc = tlsconf_load(conf, c->policy_path, err, errlen);
	for (unsigned int i = 0; !rc && i < c->nsecret_specs; i++)
		rc = tlsconf_add_secret(conf, c->secret_spec[i], err, errlen);
	if (!rc)
		rc = tlsca_init(c->tls_ca, c->tls_ca_key, c->tls_state, err, errlen);
	if (!rc)
		rc = make_ctxs(err, errlen);
	if (!rc)
		rc = secrets_load(conf, secret, err, errlen);
	return rc;
}

/**
 * tlsx_init() - Read the tls section, the CA and the secrets
 * @c:       --tls-intercept and friends, --policy
 * @g:       destination groups (for the policy's word on a server name)
 * @stats:   counters
 * @cut_fn:  called when a violation asks to end the sandbox's network
 *
 * Does nothing without --tls-intercept.
 *
 * Return: 0, or a negative errno after a message
 */
int tlsx_init(const struct config *c, const struct group_table *g, struct tg_ustats *stats,
	      tlsx_cut_fn cut_fn)
{
	char err[1024] = "";
	int rc;

	cfg = c;
	st = stats;
	cut = cut_fn;
	if (!c->tls_intercept)
		return 0;
	route_init(&router, c, g);
	rc = setup(c, err, sizeof(err));
	if (rc) {
		log_err("TLS interception: %s", err);
		return rc;
	}
	for (unsigned int i = 0; i < conf->nsecrets; i++)
		snprintf((char *)st->tls_secret_name[i], sizeof(st->tls_secret_name[i]), "%s",
			 conf->secret[i].name);
	log_info("TLS interception on port%s %u%s; guests trust %s; %u secret%s",
		 conf->nports > 1 ? "s" : "", conf->ports[0], conf->nports > 1 ? ", ..." : "",
		 tlsca_cert_path(), conf->nsecrets, conf->nsecrets == 1 ? "" : "s");
	return 0;
}

/* Whether guest connections to @port are intercepted. */
bool tlsx_port(uint16_t port)
{
	return conf && tlsconf_port(conf, port);
}

/* ---- lifetime */

static void on_event(struct loop_handler *h, uint32_t events)
{
	struct side *s = (struct side *)h;

	(void)events;
	if (s->t->state != TX_DEAD)
		pump(s->t);
}

static void end(struct tconn *t)
{
	if (t->state == TX_DEAD)
		return;
	t->state = TX_DEAD;
	loop_forget(&t->g.h);
	loop_forget(&t->u.h);
	close(t->g.fd); /* the splice reads EOF and ends the guest's side */
	close(t->u.fd);
	if (t->prev)
		t->prev->next = t->next;
	else
		all = t->next;
	if (t->next)
		t->next->prev = t->prev;
	t->next = dead;
	dead = t;
}

/**
 * tlsx_reap() - Free the connections that ended this loop turn
 */
void tlsx_reap(void)
{
	while (dead) {
		struct tconn *t = dead;

		dead = t->next;
		SSL_free(t->g.ssl);
		SSL_free(t->u.ssl);
		h1_free(&t->req);
		tbuf_free(&t->g2u);
		tbuf_free(&t->u2g);
		free(t);
		nconns--;
	}
}

static int watch(struct tconn *t, struct side *s, int fd)
{
	s->t = t;
	s->fd = fd;
	s->h.fn = on_event;
	return loop_add(fd, EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET, &s->h);
}

/**
 * tlsx_take() - Intercept a connection the splice is about to start
 * @host_fd: the connected socket to the real server (now tlsx's)
 * @k:       the guest's flow
 *
 * Return: the descriptor to splice the guest to instead, or a negative
 * errno (@host_fd is then still the caller's)
 */
int tlsx_take(int host_fd, const struct flow_key *k)
{
	struct tconn *t = calloc(1, sizeof(*t));
	int pair[2], err;

	if (!t)
		return -ENOMEM;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, pair)) {
		free(t);
		return -errno;
	}
	/* The caller's epoll entry for @host_fd goes: ours replaces it. */
	loop_del(host_fd);
	t->key = *k;
	t->g2u.wipe = true; /* requests with secrets put in */
	t->deadline = loop_now_ms() + HELLO_MS;
	err = watch(t, &t->g, pair[1]);
	if (!err)
		err = watch(t, &t->u, host_fd);
	if (err) {
		close(pair[0]);
		close(pair[1]);
		free(t);
		return err;
	}
	t->next = all;
	if (all)
		all->prev = t;
	all = t;
	nconns++;
	return pair[0];
}

/* ---- HELLO: the ClientHello and the decision it leads to */

static SSL *ssl_for(struct side *s, SSL_CTX *ctx)
{
	s->ssl = SSL_new(ctx);
	if (s->ssl && SSL_set_fd(s->ssl, s->fd) != 1) {
		SSL_free(s->ssl);
		s->ssl = NULL;
	}
	return s->ssl;
}

static void start_upstream(struct tconn *t)
{
	SSL *ssl = ssl_for(&t->u, up_ctx);

	if (!ssl || SSL_set_tlsext_host_name(ssl, t->sni) != 1 || SSL_set1_host(ssl, t->sni) != 1) {
		ERR_clear_error();
		end(t);
		return;
	}
	if (tls_names_match(&conf->no_verify, t->sni))
		SSL_set_verify(ssl, SSL_VERIFY_NONE, NULL);
	SSL_set_connect_state(ssl);
	t->pinned = route_sni_pinned(&t->key, t->sni);
	t->state = TX_UPSTREAM;
	t->deadline = loop_now_ms() + HANDSHAKE_MS;
}

static void decide(struct tconn *t, enum sni_verdict v, const struct sni_hello *h)
{
	if (v == SNI_BAD) {
		st->tls_bad_hello++;
		end(t);
	} else if (v == SNI_NONE) {
		st->tls_no_sni++;
		if (conf->no_sni_bypass) {
			st->tls_bypassed++;
			t->state = TX_RAW;
		} else {
			end(t);
		}
	} else if (!route_sni_allowed(&router, &t->key, h->name)) {
		st->tls_denied++;
		log_dbg("TLS to %s refused by the policy", h->name);
		end(t);
	} else if (tls_names_match(&conf->bypass, h->name)) {
		st->tls_bypassed++;
		t->state = TX_RAW;
	} else {
		snprintf(t->sni, sizeof(t->sni), "%s", h->name);
		start_upstream(t);
	}
}

static void read_hello(struct tconn *t)
{
	static uint8_t buf[SNI_MAX];
	struct sni_hello h;
	ssize_t n = recv(t->g.fd, buf, sizeof(buf), MSG_PEEK);
	enum sni_verdict v;

	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
		return;
	if (n <= 0) {
		log_dbg("TLS: hello read %zd: %s", n, n ? strerror(errno) : "EOF");
		end(t); /* the guest went before saying anything */
		return;
	}
	v = sni_parse(buf, (size_t)n, &h);
	if (v == SNI_MORE && (size_t)n == sizeof(buf))
		v = SNI_BAD;
	if (v != SNI_MORE)
		decide(t, v, &h);
}

/* ---- the two handshakes */

static void upstream_failed(struct tconn *t)
{
	long vr = SSL_get_verify_result(t->u.ssl);
	unsigned long e = ERR_peek_error();

	if (vr != X509_V_OK)
		snprintf(t->upstream_err, sizeof(t->upstream_err),
			 "the server's certificate for %s does not verify: %s", t->sni,
			 X509_verify_cert_error_string(vr));
	else
		snprintf(t->upstream_err, sizeof(t->upstream_err), "TLS to %s failed: %s", t->sni,
			 e ? ERR_reason_error_string(e) : "the server closed the connection");
	ERR_clear_error();
	st->tls_upstream_failed++;
	log_info("TLS interception: %s", t->upstream_err);
}

static void start_guest(struct tconn *t)
{
	SSL *ssl = ssl_for(&t->g, guest_ctx);

	bool minted;

	if (!ssl || tlsca_use(ssl, t->sni, &minted)) {
		ERR_clear_error();
		end(t);
		return;
	}
	st->tls_certs_minted += minted;
	SSL_set_accept_state(ssl);
	t->state = TX_GUEST;
}

/* 1: done; 0: wants more I/O; -1: failed. */
static int handshake(SSL *ssl)
{
	int r = SSL_do_handshake(ssl), e;

	if (r == 1)
		return 1;
	e = SSL_get_error(ssl, r);
	return e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE ? 0 : -1;
}

static void answer(struct tconn *t, const char *text, size_t n)
{
	tbuf_free(&t->g2u);
	tbuf_free(&t->u2g);
	tbuf_put(&t->u2g, text, n);
	t->closing = true;
	t->u.eof = true; /* nothing more from the server goes to the guest */
	t->deadline = loop_now_ms() + LINGER_MS;
}

static void bad_gateway(struct tconn *t)
{
	char body[700];
	int n = snprintf(body, sizeof(body),
			 "HTTP/1.1 502 Bad Gateway\r\nContent-Type: text/plain\r\n"
			 "Content-Length: %zu\r\nConnection: close\r\n\r\ntapgate: %s\n",
			 strlen(t->upstream_err) + 10, t->upstream_err);

	answer(t, body, (size_t)n < sizeof(body) ? (size_t)n : sizeof(body) - 1);
}

static bool handshakes(struct tconn *t)
{
	int r;

	if (t->state == TX_UPSTREAM) {
		r = handshake(t->u.ssl);
		if (!r)
			return false;
		if (r < 0) {
			upstream_failed(t);
			t->u.eof = true;
		}
		start_guest(t);
		if (t->state != TX_GUEST)
			return false;
	}
	r = handshake(t->g.ssl);
	if (r < 0) {
		st->tls_guest_failed++;
		ERR_clear_error();
		end(t);
	}
	if (r <= 0)
		return false;
	t->state = TX_RELAY;
	st->tls_intercepted++;
	return true;
}

/* ---- relaying */

/* Bytes read: > 0; 0 for EOF; -EAGAIN for nothing now; other < 0: error. */
static long side_read(struct side *s, uint8_t *buf, size_t n)
{
	size_t got = 0;
	ssize_t r;
	int e;

	if (!s->ssl) {
		r = read(s->fd, buf, n);
		return r >= 0 ? r : errno == EAGAIN ? -EAGAIN : -errno;
	}
	if (SSL_read_ex(s->ssl, buf, n, &got) == 1)
		return (long)got;
	e = SSL_get_error(s->ssl, 0);
	ERR_clear_error();
	if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE)
		return -EAGAIN;
	if (e != SSL_ERROR_ZERO_RETURN)
		log_dbg("TLS: read failed: SSL error %d, errno %d", e, errno);
	return e == SSL_ERROR_ZERO_RETURN ? 0 : -EPROTO;
}

static long side_write(struct side *s, const uint8_t *buf, size_t n)
{
	size_t put = 0;
	ssize_t r;
	int e;

	if (!s->ssl) {
		r = write(s->fd, buf, n);
		return r >= 0 ? r : errno == EAGAIN ? -EAGAIN : -errno;
	}
	if (SSL_write_ex(s->ssl, buf, n, &put) == 1)
		return (long)put;
	e = SSL_get_error(s->ssl, 0);
	if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE)
		log_dbg("TLS: write failed: SSL error %d (%s), errno %d", e,
			ERR_reason_error_string(ERR_peek_error()) ?: "-", errno);
	ERR_clear_error();
	return e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE ? -EAGAIN : -EPIPE;
}

static void shut(struct side *s)
{
	if (s->shut)
		return;
	s->shut = true;
	if (s->ssl) {
		SSL_shutdown(s->ssl); /* close_notify; its answer is not waited for */
		ERR_clear_error();
	}
	shutdown(s->fd, SHUT_WR);
}

static void count_secrets(uint32_t injected)
{
	for (unsigned int k = 0; injected && k < conf->nsecrets; k++)
		if (injected & (1u << k)) {
			st->tls_secret_injections[k]++;
			st->tls_injections++;
		}
}

static void violation(struct tconn *t)
{
	if (t->req.secret >= 0 && (unsigned int)t->req.secret < conf->nsecrets) {
		st->tls_secret_violations[t->req.secret]++;
		st->tls_violations++;
		log_warn("TLS interception: blocked a request to %s: secret %s in a place or "
			 "to a host it may not go",
			 t->sni, conf->secret[t->req.secret].name);
		if (conf->cut_on_violation && cut)
			cut();
	} else {
		st->tls_bad_requests++;
	}
}

/* Guest plaintext: through the request reader unless raw or closing. */
static int from_guest(struct tconn *t, const uint8_t *buf, size_t n)
{
	struct h1_env env = {
		.secret = secret, .nsecrets = conf->nsecrets, .sni = t->sni, .pinned = t->pinned
	};
	enum h1_verdict v;

	if (t->closing)
		return 0; /* read and dropped */
	if (t->state == TX_RAW)
		return tbuf_put(&t->g2u, buf, n);
	if (t->upstream_err[0]) {
		bad_gateway(t);
		return 0;
	}
	t->req.secret = -1;
	v = h1_feed(&t->req, &env, buf, n, &t->g2u);
	count_secrets(t->req.injected);
	if (v != H1_OK) {
		violation(t);
		answer(t, t->req.reply, t->req.reply_len);
	}
	return 0;
}

/* Move what can move one way. Return whether anything did; -1 on error. */
static int flow_one(struct tconn *t, struct side *from, struct side *to, struct tbuf *q, bool guest)
{
	uint8_t buf[CHUNK];
	int moved = 0;
	long n;

	if (!from->eof && q->len < RELAY_HIGH) {
		n = side_read(from, buf, sizeof(buf));
		if (n > 0) {
			moved = 1;
			if (guest ? from_guest(t, buf, (size_t)n) : tbuf_put(q, buf, (size_t)n))
				return -1;
		} else if (n == 0 || n != -EAGAIN) {
			log_dbg("TLS %s: %s side ends (%ld)", t->sni, guest ? "guest" : "server",
				n);
			from->eof = true;
			moved = 1;
		}
	}
	if (q->len && !to->shut) {
		n = side_write(to, tbuf_data(q), q->len);
		if (n > 0) {
			tbuf_take(q, (size_t)n);
			moved = 1;
		} else if (n != -EAGAIN) {
			return -1;
		}
	}
	/* A failed server's side ends at once, but the guest's waits for
	 * the 502 its first request gets. */
	if (from->eof && !q->len && !to->shut && (guest || t->closing || !t->upstream_err[0])) {
		shut(to);
		moved = 1;
	}
	return moved;
}

static void relay(struct tconn *t)
{
	int a, b;

	do {
		a = flow_one(t, &t->g, &t->u, &t->g2u, true);
		b = a < 0 ? -1 : flow_one(t, &t->u, &t->g, &t->u2g, false);
	} while (a > 0 || b > 0);
	if (a < 0 || b < 0 || (t->g.eof && t->u.eof && !t->g2u.len && !t->u2g.len)) {
		log_dbg("TLS %s: relay ends (%d %d, eof %d %d)", t->sni, a, b, t->g.eof, t->u.eof);
		end(t);
	}
}

static void pump(struct tconn *t)
{
	if (t->state == TX_HELLO)
		read_hello(t);
	if (t->state == TX_UPSTREAM || t->state == TX_GUEST)
		if (!handshakes(t))
			return;
	if (t->state == TX_RELAY || t->state == TX_RAW)
		relay(t);
}

/* ---- timers */

/**
 * tlsx_run_timers() - End connections stuck before the relay, or
 * lingering after an answer of ours
 * @now_ms: monotonic milliseconds
 */
void tlsx_run_timers(uint64_t now_ms)
{
	for (struct tconn *t = all, *next; t; t = next) {
		next = t->next;
		if ((t->state < TX_RELAY || t->closing) && now_ms >= t->deadline) {
			if (t->state == TX_HELLO)
				st->tls_bad_hello++;
			end(t);
		}
	}
}

int tlsx_timeout_ms(uint64_t now_ms)
{
	uint64_t best = UINT64_MAX;

	for (struct tconn *t = all; t; t = t->next)
		if ((t->state < TX_RELAY || t->closing) && t->deadline < best)
			best = t->deadline;
	if (best == UINT64_MAX)
		return -1;
	return best <= now_ms ? 0 : (int)(best - now_ms);
}

unsigned int tlsx_count(void)
{
	return nconns;
}

void tlsx_fini(void)
{
	while (all)
		end(all);
	tlsx_reap();
	SSL_CTX_free(guest_ctx);
	SSL_CTX_free(up_ctx);
	guest_ctx = up_ctx = NULL;
	tlsca_fini();
	secrets_wipe();
	free(conf);
	conf = NULL;
}
