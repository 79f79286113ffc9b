// SPDX-License-Identifier: MIT
/*
 * scfilter.c - once tapgate serves, the system calls it may make.
 *
 * libseccomp (Debian's libseccomp-dev, linked statically) builds a filter
 * the kernel checks on every call; it is installed last in setup, after
 * the capabilities are dropped and no_new_privs is set (privs.c), so it
 * covers the whole serving path and the exit. A call off the list traps:
 * the SIGSYS handler writes one line naming the call's number and ends
 * the process (exit status 159, as a SIGSYS death would be). The XDP
 * program stays attached and fails closed, as after any crash; `tapgate
 * detach` clears it. With --seccomp log the kernel lets such a call
 * through and logs it instead (audit type 1326 in the kernel log): the
 * way to find what a new code path needs.
 *
 * The list, and why each call is on it (docs/security.md has the same):
 *   epoll_wait epoll_pwait epoll_ctl  the event loop
 *   read write writev readv close     descriptors: sockets, signalfd, the
 *                                     log, the control socket, files
 *   sendto recvfrom sendmsg recvmsg   host sockets (TCP, UDP, ICMP), the
 *                                     AF_XDP kicks, netlink; io/gso.c's
 *                                     packet socket: sendto, no address
 *   socket (AF_INET, AF_INET6,        host-side connections and UDP flows,
 *     AF_NETLINK only)                DNS upstreams, the exit's detach
 *   connect bind listen accept4       the same; published ports at runtime
 *                                     (bind: never the packet socket)
 *   shutdown getsockopt setsockopt
 *   getsockname getpeername
 *   bpf (map lookup, update, delete,  the flow listing, policy reloads,
 *     next key, object info; fd by    counters; never a program load or
 *     id under a dispatcher only)     an attach
 *   openat (read-only, no O_CREAT)    policy files on reload, resolv.conf,
 *   newfstatat fstat lseek            the exit's unpinning (O_PATH)
 *   unlinkat unlink rmdir             the exit: pins, control socket, lock
 *   mmap mprotect (never executable)  the allocator
 *   munmap mremap madvise brk
 *   poll ppoll                        re-reading the host's addresses
 *   getrandom getpid gettid           DNS ids, logs
 *   clock_gettime gettimeofday        time, where the vDSO falls back
 *   nanosleep clock_nanosleep         short bounded waits
 *   fcntl (flags only, no F_DUPFD)    descriptor flags; flock: the lock
 *   flock                             file
 *   ioctl (TCGETS only)               stdio asks whether stdout is a tty
 *   futex                             libc's locks
 *   rt_sigreturn rt_sigprocmask       signals (SIGTERM, SIGHUP via
 *                                     signalfd)
 *   rt_sigaction (never for SIGSYS)   libc; the trap's handler stays
 *   exit exit_group                   the end
 * Everything else, among them execve, fork and clone, ptrace, a bpf
 * program load, opening a file for writing, mount and the like, ends the
 * process.
 */
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <seccomp.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "control/log.h"
#include "control/scfilter.h"

#define SIGSYS_EXIT 159 /* 128 + SIGSYS, as a death by the signal reports */

/* Calls allowed whatever their arguments. */
static const int plain[] = {
	SCMP_SYS(epoll_wait),
	SCMP_SYS(epoll_pwait),
	SCMP_SYS(epoll_ctl),
	SCMP_SYS(read),
	SCMP_SYS(write),
	SCMP_SYS(writev),
	SCMP_SYS(readv),
	SCMP_SYS(close),
	SCMP_SYS(recvfrom),
	SCMP_SYS(recvmsg),
	SCMP_SYS(connect),
	SCMP_SYS(listen),
	SCMP_SYS(accept4),
	SCMP_SYS(shutdown),
	SCMP_SYS(getsockopt),
	SCMP_SYS(setsockopt),
	SCMP_SYS(getsockname),
	SCMP_SYS(getpeername),
	SCMP_SYS(newfstatat),
	SCMP_SYS(fstat),
	SCMP_SYS(lseek),
	SCMP_SYS(unlinkat),
	SCMP_SYS(unlink),
	SCMP_SYS(rmdir),
	SCMP_SYS(munmap),
	SCMP_SYS(mremap),
	SCMP_SYS(madvise),
	SCMP_SYS(brk),
	SCMP_SYS(poll),
	SCMP_SYS(ppoll),
	SCMP_SYS(getrandom),
	SCMP_SYS(getpid),
	SCMP_SYS(gettid),
	SCMP_SYS(clock_gettime),
	SCMP_SYS(gettimeofday),
	SCMP_SYS(nanosleep),
	SCMP_SYS(clock_nanosleep),
	SCMP_SYS(flock),
	SCMP_SYS(futex),
	SCMP_SYS(rt_sigreturn),
	SCMP_SYS(rt_sigprocmask),
	SCMP_SYS(exit),
	SCMP_SYS(exit_group),
};

static const int fcntl_cmds[] = { F_GETFD, F_SETFD, F_GETFL, F_SETFL };

static const int socket_domains[] = { AF_INET, AF_INET6, AF_NETLINK };

static const int bpf_cmds[] = {
	BPF_MAP_LOOKUP_ELEM,
	BPF_MAP_UPDATE_ELEM,
	BPF_MAP_DELETE_ELEM,
	BPF_MAP_GET_NEXT_KEY,
	BPF_OBJ_GET_INFO_BY_FD,
	/* Only under libxdp's dispatcher, whose detach finds programs by id:
	 * otherwise they would reach other sandboxes' maps. */
	BPF_PROG_GET_FD_BY_ID,
	BPF_MAP_GET_FD_BY_ID,
};
#define BPF_CMDS_BY_ID 2 /* the last two */

static unsigned int nrules;

/* Async-signal-safe: only write(2) and exit_group(2). */
static void on_sigsys(int sig, siginfo_t *si, void *uc)
{
	char line[128] = "tapgate: seccomp: forbidden system call ";
	size_t n = strlen(line);
	char digits[12];
	int i = 0, nr = si->si_syscall;

	(void)sig;
	(void)uc;
	do
		digits[i++] = (char)('0' + nr % 10);
	while ((nr /= 10) && i < (int)sizeof(digits));
	while (i)
		line[n++] = digits[--i];
	memcpy(line + n, "; stopping (docs/security.md)\n", 30);
	n += 30;
	if (write(STDERR_FILENO, line, n) < 0) {
		/* nothing left to tell it to */
	}
	/* exit_group itself, not _exit(): sanitizers intercept _exit() to run
	 * their leak check, which makes calls the filter forbids. */
	syscall(SYS_exit_group, SIGSYS_EXIT);
}

static int add(scmp_filter_ctx ctx, int nr, unsigned int n, const struct scmp_arg_cmp *cmp)
{
	int err = seccomp_rule_add_array(ctx, SCMP_ACT_ALLOW, nr, n, cmp);

	if (!err)
		nrules++;
	return err;
}

/* Argument @arg compared by @op: with @a (EQ, NE), or masked by @a
 * against @b (MASKED_EQ). libseccomp's SCMP_A* macros leave datum_b
 * unnamed for one-datum comparisons, which -Wextra takes for a mistake. */
static struct scmp_arg_cmp cmp(unsigned int arg, enum scmp_compare op, scmp_datum_t a,
			       scmp_datum_t b)
{
	return (struct scmp_arg_cmp){ .arg = arg, .op = op, .datum_a = a, .datum_b = b };
}

/*
 * The packet socket for super-frames to the guest (io/gso.c) is bound to
 * the guest's device, but a packet socket sends wherever a message's
 * address says: to any device of the host. So on that descriptor only
 * sendto(2) without an address (the bound device), never sendmsg(2),
 * bind(2) or a duplicate (fcntl F_DUPFD) that would escape these rules.
 * @raw_fd is -1 without one: the rules then allow every descriptor.
 */
static int add_raw_rules(scmp_filter_ctx ctx, int raw_fd)
{
	const struct scmp_arg_cmp other = cmp(0, SCMP_CMP_NE, (scmp_datum_t)raw_fd, 0);
	const struct scmp_arg_cmp to_bound[2] = { cmp(0, SCMP_CMP_EQ, (scmp_datum_t)raw_fd, 0),
						  cmp(4, SCMP_CMP_EQ, 0, 0) };
	int err;

	err = add(ctx, SCMP_SYS(sendto), 1, &other);
	if (!err && raw_fd >= 0)
		err = add(ctx, SCMP_SYS(sendto), 2, to_bound);
	if (!err)
		err = add(ctx, SCMP_SYS(sendmsg), 1, &other);
	if (!err)
		err = add(ctx, SCMP_SYS(bind), 1, &other);
	/* fcntl(2) without F_DUPFD and F_DUPFD_CLOEXEC: one comparison per
	 * argument and rule, so the commands the daemon may use, listed */
	for (size_t i = 0; !err && i < sizeof(fcntl_cmds) / sizeof(fcntl_cmds[0]); i++) {
		struct scmp_arg_cmp c = cmp(1, SCMP_CMP_EQ, (scmp_datum_t)fcntl_cmds[i], 0);

		err = add(ctx, SCMP_SYS(fcntl), 1, &c);
	}
	return err;
}

static int add_all(scmp_filter_ctx ctx, bool by_id, int raw_fd)
{
	size_t nbpf = sizeof(bpf_cmds) / sizeof(bpf_cmds[0]) - (by_id ? 0 : BPF_CMDS_BY_ID);
	const struct scmp_arg_cmp no_exec = cmp(2, SCMP_CMP_MASKED_EQ, PROT_EXEC, 0);
	const struct scmp_arg_cmp read_only =
		cmp(2, SCMP_CMP_MASKED_EQ, O_ACCMODE | O_CREAT | O_TRUNC, O_RDONLY);
	const struct scmp_arg_cmp tcgets = cmp(1, SCMP_CMP_EQ, TCGETS, 0);
	const struct scmp_arg_cmp not_sigsys = cmp(0, SCMP_CMP_NE, SIGSYS, 0);
	int err = 0;

	for (size_t i = 0; !err && i < sizeof(plain) / sizeof(plain[0]); i++)
		err = add(ctx, plain[i], 0, NULL);
	for (size_t i = 0; !err && i < sizeof(socket_domains) / sizeof(socket_domains[0]); i++) {
		struct scmp_arg_cmp d = cmp(0, SCMP_CMP_EQ, (scmp_datum_t)socket_domains[i], 0);

		err = add(ctx, SCMP_SYS(socket), 1, &d);
	}
	for (size_t i = 0; !err && i < nbpf; i++) {
		struct scmp_arg_cmp c = cmp(0, SCMP_CMP_EQ, (scmp_datum_t)bpf_cmds[i], 0);

		err = add(ctx, SCMP_SYS(bpf), 1, &c);
	}
	if (!err) { /* TLS interception's socketpairs (tls/tlsx.c) */
		struct scmp_arg_cmp unix_only = cmp(0, SCMP_CMP_EQ, AF_UNIX, 0);

		err = add(ctx, SCMP_SYS(socketpair), 1, &unix_only);
	}
	if (!err)
		err = add(ctx, SCMP_SYS(mmap), 1, &no_exec);
	if (!err)
		err = add(ctx, SCMP_SYS(mprotect), 1, &no_exec);
	if (!err)
		err = add(ctx, SCMP_SYS(openat), 1, &read_only);
	if (!err)
		err = add(ctx, SCMP_SYS(ioctl), 1, &tcgets);
	if (!err)
		err = add(ctx, SCMP_SYS(rt_sigaction), 1, &not_sigsys);
	if (!err)
		err = add_raw_rules(ctx, raw_fd);
	return err;
}

/**
 * scfilter_parse_mode() - Read --seccomp's argument
 * @arg: "on", "log" or "off"
 * @out: the mode
 *
 * Return: 0, or -EINVAL for anything else
 */
int scfilter_parse_mode(const char *arg, enum scfilter_mode *out)
{
	if (!strcmp(arg, "on"))
		*out = SCFILTER_ON;
	else if (!strcmp(arg, "log"))
		*out = SCFILTER_LOG;
	else if (!strcmp(arg, "off"))
		*out = SCFILTER_OFF;
	else
		return -EINVAL;
	return 0;
}

/**
 * scfilter_install() - Allow from now on only the calls listed above
 * @mode:  on (trap), log, or off (nothing installed)
 * @by_id: allow bpf's program and map fd by id (libxdp's dispatcher)
 * @raw_fd: the packet socket of io/gso.c, or -1 (see add_raw_rules())
 *
 * Needs no_new_privs set (privs_drop() sets it) or CAP_SYS_ADMIN.
 *
 * Return: 0, or a negative errno after a message (the caller stops: a
 * daemon that cannot install its filter must not serve)
 */
int scfilter_install(enum scfilter_mode mode, bool by_id, int raw_fd)
{
	struct sigaction sa = { .sa_sigaction = on_sigsys, .sa_flags = SA_SIGINFO };
	scmp_filter_ctx ctx;
	int err;

	if (mode == SCFILTER_OFF)
		return 0;
	if (sigaction(SIGSYS, &sa, NULL)) {
		err = -errno;
		log_err("seccomp: cannot handle SIGSYS: %s", strerror(-err));
		return err;
	}
	ctx = seccomp_init(mode == SCFILTER_LOG ? SCMP_ACT_LOG : SCMP_ACT_TRAP);
	if (!ctx) {
		log_err("seccomp: cannot make a filter");
		return -ENOMEM;
	}
	nrules = 0;
	err = add_all(ctx, by_id, raw_fd);
	if (!err)
		err = seccomp_load(ctx);
	seccomp_release(ctx);
	if (err)
		log_err("seccomp: cannot install the filter: %s", strerror(-err));
	return err;
}

/**
 * scfilter_count() - Rules of the installed filter (for the log and tests)
 *
 * Return: allowed system calls, each argument form counted once
 */
unsigned int scfilter_count(void)
{
	return nrules;
}
