// SPDX-License-Identifier: MIT
/*
 * test_scfilter.c - the seccomp filter of a serving tapgate
 * (user/control/scfilter.c), installed for real in a child process: calls
 * on the list go through (a socket of each allowed family, a file opened
 * to read, an anonymous mapping, a bpf map lookup that fails on a bad
 * descriptor); calls off it end the child with status 159 and one line on
 * its stderr naming the call: getuid, a file opened to write, a packet
 * socket, an executable mapping, a bpf program load, a map by id, fork, a SIGSYS
 * handler replaced. A packet socket made before (io/gso.c's) may only
 * sendto() without an address: sendto an address, sendmsg, bind and
 * F_DUPFD on it end the child. And --seccomp log lets the same calls
 * through.
 */
#include <errno.h>
#include <fcntl.h>
#include <arpa/inet.h>
#include <linux/bpf.h>
#include <linux/if_packet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "control/scfilter.h"

static char err_text[256];
static int raw_fd = -1; /* a packet socket made before the filter, as io/gso.c's */

/* Run @fn in a child under the filter in @mode; its exit status, its
 * stderr in err_text. */
static int in_child(enum scfilter_mode mode, int (*fn)(void))
{
	int pipefd[2], status = -1;
	ssize_t n;
	pid_t pid;

	if (pipe(pipefd))
		return -1;
	pid = fork();
	if (pid == 0) {
		dup2(pipefd[1], STDERR_FILENO);
		close(pipefd[0]);
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) || scfilter_install(mode, false, raw_fd))
			_exit(100);
		/* Not _exit(): under ASan it runs the leak check, which the
		 * filter would stop. */
		syscall(SYS_exit_group, fn());
	}
	close(pipefd[1]);
	n = read(pipefd[0], err_text, sizeof(err_text) - 1);
	err_text[n > 0 ? n : 0] = '\0';
	close(pipefd[0]);
	waitpid(pid, &status, 0);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 200 + WTERMSIG(status);
}

static int allowed_calls(void)
{
	int fds[] = { socket(AF_INET, SOCK_STREAM, 0), socket(AF_INET6, SOCK_DGRAM, 0),
		      socket(AF_NETLINK, SOCK_RAW, 0), open("/dev/null", O_RDONLY) };
	void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	union bpf_attr a = { .map_fd = 1000000 };

	for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++)
		if (fds[i] < 0)
			return 1;
	if (p == MAP_FAILED)
		return 2;
	if (syscall(SYS_bpf, BPF_MAP_LOOKUP_ELEM, &a, sizeof(a)) >= 0 || errno != EBADF)
		return 3;
	return 0;
}

static int call_getuid(void)
{
	return (int)syscall(SYS_getuid) >= 0 ? 0 : 1;
}
static int open_to_write(void)
{
	return open("/dev/null", O_WRONLY) >= 0 ? 0 : 1;
}
static int packet_socket(void)
{
	return socket(AF_PACKET, SOCK_RAW, 0) >= 0 ? 0 : 1;
}
static int exec_mapping(void)
{
	return mmap(NULL, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) !=
			       MAP_FAILED
		       ? 0
		       : 1;
}
static int map_by_id(void)
{
	union bpf_attr a = { .map_id = 1 };

	return syscall(SYS_bpf, BPF_MAP_GET_FD_BY_ID, &a, sizeof(a)) >= 0 ? 0 : 1;
}
static int prog_load(void)
{
	union bpf_attr a = { .prog_type = BPF_PROG_TYPE_XDP };

	return syscall(SYS_bpf, BPF_PROG_LOAD, &a, sizeof(a)) >= 0 ? 0 : 1;
}
static int call_fork(void)
{
	return (int)syscall(SYS_fork) >= 0 ? 0 : 1;
}
static int replace_sigsys(void)
{
	struct sigaction sa = { .sa_handler = SIG_IGN };

	return sigaction(SIGSYS, &sa, NULL);
}

static void allowed_pass(void)
{
	CHECK_EQ(in_child(SCFILTER_ON, allowed_calls), 0);
	CHECK(scfilter_count() == 0); /* counted in the child, not here */
}

static void forbidden(const char *what, int (*fn)(void), long nr)
{
	char want[64];

	case_begin(what);
	CHECK_EQ(in_child(SCFILTER_ON, fn), 159);
	snprintf(want, sizeof(want), "forbidden system call %ld;", nr);
	CHECK(strstr(err_text, "tapgate: seccomp: ") != NULL);
	CHECK(strstr(err_text, want) != NULL);
	case_end();
}

/* The packet socket: sendto() with no address goes through (to no device:
 * it is not bound, so the kernel answers ENXIO); the other descriptors
 * still send and bind as before, and fcntl(2) sets flags (it duplicates
 * none: see forbidden() below). */
static int raw_allowed(void)
{
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(0x7f000001) };
	struct sockaddr_in to = sa;
	struct msghdr m = { .msg_name = &to, .msg_namelen = sizeof(to) };

	to.sin_port = htons(9); /* discard: nothing listens, nothing answers */
	if (sendto(raw_fd, "x", 1, MSG_DONTWAIT, NULL, 0) >= 0 || errno != ENXIO)
		return 1;
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) || sendmsg(fd, &m, 0) < 0 ||
	    sendto(fd, "x", 1, 0, (struct sockaddr *)&to, sizeof(to)) < 0)
		return 2;
	return fcntl(fd, F_GETFL) >= 0 && fcntl(fd, F_SETFD, FD_CLOEXEC) == 0 ? 0 : 3;
}
static int raw_sendto_addr(void)
{
	struct sockaddr_ll sa = { .sll_family = AF_PACKET, .sll_ifindex = 1 };

	return sendto(raw_fd, "x", 1, 0, (struct sockaddr *)&sa, sizeof(sa)) >= 0 ? 0 : 1;
}
static int raw_sendmsg(void)
{
	struct msghdr m = { 0 };

	return sendmsg(raw_fd, &m, 0) >= 0 ? 0 : 1;
}
static int raw_bind(void)
{
	struct sockaddr_ll sa = { .sll_family = AF_PACKET, .sll_ifindex = 1 };

	return bind(raw_fd, (struct sockaddr *)&sa, sizeof(sa));
}
static int raw_dup(void)
{
	return fcntl(raw_fd, F_DUPFD, 0) >= 0 ? 0 : 1;
}

static void raw_rules_allow(void)
{
	CHECK(raw_fd >= 0);
	CHECK_EQ(in_child(SCFILTER_ON, raw_allowed), 0);
}

static void logged_not_stopped(void)
{
	CHECK_EQ(in_child(SCFILTER_LOG, call_getuid), 0);
	CHECK_EQ(in_child(SCFILTER_LOG, open_to_write), 0);
	CHECK_EQ(in_child(SCFILTER_OFF, packet_socket), 0);
}

static void modes(void)
{
	enum scfilter_mode m;

	CHECK_EQ(scfilter_parse_mode("on", &m), 0);
	CHECK_EQ(m, SCFILTER_ON);
	CHECK_EQ(scfilter_parse_mode("log", &m), 0);
	CHECK_EQ(m, SCFILTER_LOG);
	CHECK_EQ(scfilter_parse_mode("off", &m), 0);
	CHECK_EQ(m, SCFILTER_OFF);
	CHECK_EQ(scfilter_parse_mode("kill", &m), -EINVAL);
}

int main(void)
{
	RUN(allowed_pass);
	forbidden("getuid ends the process", call_getuid, SYS_getuid);
	forbidden("a file opened to write", open_to_write, SYS_openat);
	forbidden("a packet socket", packet_socket, SYS_socket);
	forbidden("an executable mapping", exec_mapping, SYS_mmap);
	forbidden("a bpf program load", prog_load, SYS_bpf);
	forbidden("fork", call_fork, SYS_fork);
	forbidden("another map by id", map_by_id, SYS_bpf);
	forbidden("the SIGSYS handler replaced", replace_sigsys, SYS_rt_sigaction);
	raw_fd = socket(AF_PACKET, SOCK_RAW, 0);
	RUN(raw_rules_allow);
	forbidden("the packet socket: sendto an address", raw_sendto_addr, SYS_sendto);
	forbidden("the packet socket: sendmsg", raw_sendmsg, SYS_sendmsg);
	forbidden("the packet socket: bind", raw_bind, SYS_bind);
	forbidden("the packet socket: a duplicate", raw_dup, SYS_fcntl);
	close(raw_fd);
	raw_fd = -1;
	RUN(logged_not_stopped);
	RUN(modes);
	return check_summary();
}
