// SPDX-License-Identifier: MIT
/*
 * test_scfilter.c - the seccomp filter of a serving tapgate
 * (user/control/scfilter.c), installed for real in a child process: calls
 * on the list go through (a socket of each allowed family, a file opened
 * to read, an anonymous mapping, a bpf map lookup that fails on a bad
 * descriptor); calls off it end the child with status 159 and one line on
 * its stderr naming the call: getuid, a file opened to write, a packet
 * socket, an executable mapping, a bpf program load, a map by id, fork, a SIGSYS
 * handler replaced. And --seccomp log lets the same calls through.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
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
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) || scfilter_install(mode, false))
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
	RUN(logged_not_stopped);
	RUN(modes);
	return check_summary();
}
