// SPDX-License-Identifier: MIT
/*
 * ctl.c - the control socket of a running daemon, both ends (ctl.h).
 *
 * A unix stream socket /run/tapgate/IFNAME.ctl, mode 0600 (root only: it
 * changes what the sandbox may reach). One request per connection, one
 * connection at a time: a header line "COMMAND LENGTH NAME\n", LENGTH
 * bytes of body, then one reply line "ok ..." or "error ...". The daemon
 * reads without blocking, bounded in size and time, so a client that
 * stalls or floods costs the event loop nothing; what the command does is
 * the daemon's callback (poller.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "control/ctl.h"
#include "control/log.h"
#include "io/loop.h"

#define HEAD_MAX  (CTL_NAME_MAX + 64)
#define CLIENT_MS 5000 /* a request must arrive whole within this */

static struct {
	int lfd, cfd;
	struct loop_handler lh, ch;
	ctl_fn fn;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	char *buf;
	size_t len, want; /* bytes read; header + body expected (0: header not read yet) */
	uint64_t deadline;
} ctl = { .lfd = -1, .cfd = -1 };

int ctl_path(const char *dev, char *out, size_t len)
{
	int n = snprintf(out, len, CTL_DIR "/%s.ctl", dev);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

static void client_done(const char *reply)
{
	if (ctl.cfd < 0)
		return;
	if (reply && write(ctl.cfd, reply, strlen(reply)) < 0)
		log_dbg("control: reply not sent: %s", strerror(errno));
	loop_forget(&ctl.ch);
	close(ctl.cfd);
	ctl.cfd = -1;
	free(ctl.buf);
	ctl.buf = NULL;
	ctl.len = ctl.want = 0;
}

/* "COMMAND LENGTH NAME\n": sets want; -1 when malformed. */
static int read_head(char *cmd, size_t cmdlen, char *name, size_t *body)
{
	char *nl = memchr(ctl.buf, '\n', ctl.len);
	char fmt[32];
	unsigned long n;

	if (!nl)
		return ctl.len >= HEAD_MAX ? -1 : 0;
	*nl = '\0';
	snprintf(fmt, sizeof(fmt), "%%%zus %%lu %%%ds", cmdlen - 1, CTL_NAME_MAX - 1);
	if (sscanf(ctl.buf, fmt, cmd, &n, name) != 3 || n > CTL_BODY_MAX)
		return -1;
	*nl = '\n';
	*body = n;
	ctl.want = (size_t)(nl - ctl.buf) + 1 + n;
	return 1;
}

static void serve(void)
{
	char cmd[16], name[CTL_NAME_MAX], reply[CTL_REPLY_MAX];
	size_t body;
	char *nl = memchr(ctl.buf, '\n', ctl.len);

	if (read_head(cmd, sizeof(cmd), name, &body) != 1 || !nl) {
		client_done("error: a request is 'COMMAND LENGTH NAME\\n' and LENGTH bytes\n");
		return;
	}
	snprintf(reply, sizeof(reply), "error: unknown command '%s'\n", cmd);
	if (ctl.fn)
		ctl.fn(cmd, name, nl + 1, body, reply, sizeof(reply));
	client_done(reply);
}

static void on_client(struct loop_handler *h, uint32_t events)
{
	char cmd[16], name[CTL_NAME_MAX];
	size_t body, cap = ctl.want ? ctl.want : HEAD_MAX;
	ssize_t n;

	(void)h;
	(void)events;
	if (ctl.len < cap) {
		n = read(ctl.cfd, ctl.buf + ctl.len, cap - ctl.len);
		if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
			client_done(NULL);
			return;
		}
		if (n > 0)
			ctl.len += (size_t)n;
	}
	if (!ctl.want) {
		int r = read_head(cmd, sizeof(cmd), name, &body);

		if (r < 0) {
			client_done("error: bad request header\n");
			return;
		}
		if (r == 0)
			return;
		char *grown = realloc(ctl.buf, ctl.want + 1);

		if (!grown) {
			client_done("error: out of memory\n");
			return;
		}
		ctl.buf = grown;
	}
	if (ctl.len >= ctl.want)
		serve();
}

static void on_listen(struct loop_handler *h, uint32_t events)
{
	int fd = accept4(ctl.lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

	(void)h;
	(void)events;
	if (fd < 0)
		return;
	if (ctl.cfd >= 0) {
		static const char busy[] = "error: busy with another request; retry\n";

		if (write(fd, busy, sizeof(busy) - 1) < 0)
			log_dbg("control: busy reply not sent");
		close(fd);
		return;
	}
	ctl.buf = malloc(HEAD_MAX + 1);
	if (!ctl.buf) {
		close(fd);
		return;
	}
	ctl.cfd = fd;
	ctl.deadline = loop_now_ms() + CLIENT_MS;
	ctl.ch.fn = on_client;
	if (loop_add(fd, EPOLLIN, &ctl.ch))
		client_done(NULL);
}

/**
 * ctl_run_timers() - Drop a client that did not send its request in time
 * @now_ms: the loop's clock
 */
void ctl_run_timers(uint64_t now_ms)
{
	if (ctl.cfd >= 0 && now_ms >= ctl.deadline)
		client_done("error: the request did not arrive in time\n");
}

/* Time until that deadline, or -1 with no client. */
int ctl_timeout_ms(uint64_t now_ms)
{
	if (ctl.cfd < 0)
		return -1;
	return now_ms >= ctl.deadline ? 0 : (int)(ctl.deadline - now_ms);
}

/**
 * ctl_open() - Listen on the device's control socket
 * @dev: the device (names the socket)
 * @fn:  what runs a request
 *
 * The caller holds the device's lock (loader.c), so a socket file left
 * there is a dead daemon's and is replaced.
 *
 * Return: 0 or a negative errno
 */
int ctl_open(const char *dev, ctl_fn fn)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	mode_t old;
	int err;

	if (ctl_path(dev, a.sun_path, sizeof(a.sun_path)))
		return -ENAMETOOLONG;
	mkdir(CTL_DIR, 0755);
	unlink(a.sun_path);
	ctl.lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (ctl.lfd < 0)
		return -errno;
	old = umask(0177);
	err = bind(ctl.lfd, (struct sockaddr *)&a, sizeof(a)) || listen(ctl.lfd, 4) ? -errno : 0;
	umask(old);
	ctl.lh.fn = on_listen;
	if (!err)
		err = loop_add(ctl.lfd, EPOLLIN, &ctl.lh);
	if (err) {
		log_err("%s: cannot open the control socket %s: %s", dev, a.sun_path,
			strerror(-err));
		close(ctl.lfd);
		ctl.lfd = -1;
		return err;
	}
	memcpy(ctl.path, a.sun_path, sizeof(ctl.path));
	ctl.fn = fn;
	return 0;
}

/**
 * ctl_hand_over() - Make the socket file @uid's, so that it can remove it
 * @uid: the user tapgate serves as (--user)
 * @gid: its group (owns CTL_DIR by then: loader_hand_over())
 *
 * The mode stays 0600: root's clients pass by their capabilities.
 *
 * Return: 0 or a negative errno after a message
 */
int ctl_hand_over(uid_t uid, gid_t gid)
{
	if (lchown(ctl.path, uid, gid)) {
		int err = -errno;

		log_err("cannot give %s to uid %u: %s", ctl.path, (unsigned int)uid,
			strerror(-err));
		return err;
	}
	return 0;
}

void ctl_close(void)
{
	client_done(NULL);
	if (ctl.lfd >= 0) {
		close(ctl.lfd);
		unlink(ctl.path);
	}
	ctl.lfd = -1;
	ctl.fn = NULL;
}

/**
 * ctl_request() - Send one request to a running daemon (the client side)
 * @dev:    the device
 * @cmd:    the command
 * @name:   a name for the body (a file's), no spaces
 * @body:   the body
 * @len:    its length
 * @reply:  set to the daemon's reply line
 * @rlen:   its size
 *
 * Return: 0 when the daemon said "ok", 1 when it said "error", a negative
 * errno when there was no answer (@reply says why)
 */
int ctl_request(const char *dev, const char *cmd, const char *name, const char *body, size_t len,
		char *reply, size_t rlen)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	char head[HEAD_MAX];
	int fd, n, err = 0;
	size_t got = 0;

	if (ctl_path(dev, a.sun_path, sizeof(a.sun_path)))
		return -ENAMETOOLONG;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
		err = -errno;
		snprintf(reply, rlen, "no tapgate serves %s (%s: %s)", dev, a.sun_path,
			 strerror(errno));
		goto out;
	}
	n = snprintf(head, sizeof(head), "%s %zu %s\n", cmd, len, name);
	if (n < 0 || (size_t)n >= sizeof(head) || write(fd, head, (size_t)n) != n ||
	    (len && write(fd, body, len) != (ssize_t)len)) {
		err = -EIO;
		snprintf(reply, rlen, "cannot send the request to %s", a.sun_path);
		goto out;
	}
	while (got + 1 < rlen && (n = (int)read(fd, reply + got, rlen - 1 - got)) > 0)
		got += (size_t)n;
	reply[got] = '\0';
	reply[strcspn(reply, "\n")] = '\0';
	if (!got) {
		err = -EIO;
		snprintf(reply, rlen, "the daemon on %s closed without a reply", dev);
	}
out:
	if (fd >= 0)
		close(fd);
	return err ? err : strncmp(reply, "ok", 2) != 0;
}
