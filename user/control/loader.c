// SPDX-License-Identifier: MIT
/*
 * loader.c - load, pin, attach and detach the XDP program (see loader.h).
 *
 * Order of setup: lock the device, clear a stale tapgate program (a daemon
 * killed while attached leaves it behind), load the skeleton, pin the
 * maps, write the sandbox's addresses into the config map (the program
 * drops everything until then), and attach last, once the
 * caller has bound its AF_XDP socket. Any failure undoes what was done, in
 * reverse, through loader_close().
 */
#include <errno.h>
#include <linux/ethtool.h>
#include <linux/if_link.h>
#include <linux/sockios.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <net/if.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <xdp/libxdp.h>

#include "control/config.h"
#include "control/adopt.h"
#include "control/loader.h"
#include "control/log.h"
#include "control/xdpq.h"
#include "steer.skel.h"

#define LOCK_DIR "/run/tapgate"

static const char *const map_names[] = {
	TG_STR(TG_MAP_XSKS),	TG_STR(TG_MAP_COUNTERS), TG_STR(TG_MAP_POLICY4),
	TG_STR(TG_MAP_POLICY6), TG_STR(TG_MAP_USTATS),	 TG_STR(TG_MAP_PCHAIN),
	TG_STR(TG_MAP_PHITS),	TG_STR(TG_MAP_FLOWS),	 TG_STR(TG_MAP_CONFIG),
};
/* ld->fds[] holds an adopted object's maps in this order. */
_Static_assert(sizeof(map_names) / sizeof(map_names[0]) <= LOADER_MAPS, "LOADER_MAPS too small");

int loader_pin_path(const char *dev, const char *map, char *buf, size_t len)
{
	int n = snprintf(buf, len, "%s/%s%s%s", loader_pin_root(), dev, map ? "/" : "",
			 map ? map : "");

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

/**
 * loader_ensure_bpffs() - Mount bpffs on /sys/fs/bpf if it is not there
 *
 * `ip netns exec` gives its command a fresh /sys without bpffs.
 *
 * Return: 0 or a negative errno
 */
static bool is_bpffs(const char *path)
{
	struct statfs st;

	return statfs(path, &st) == 0 && st.f_type == BPF_FS_MAGIC;
}

static pid_t parent_of(pid_t pid)
{
	char path[64], buf[512], *p;
	FILE *f;
	int ppid = 0;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return 0;
	if (fgets(buf, sizeof(buf), f) && (p = strrchr(buf, ')')) &&
	    sscanf(p + 2, "%*c %d", &ppid) != 1)
		ppid = 0;
	fclose(f);
	return (pid_t)ppid;
}

/* @pid's view of /sys/fs/bpf, when it is a bpffs other than ours. */
static bool other_bpffs(pid_t pid, const struct stat *ours, bool have_ours, char *out, size_t len)
{
	struct stat st;

	snprintf(out, len, "/proc/%d/root/sys/fs/bpf", (int)pid);
	return is_bpffs(out) && stat(out, &st) == 0 && (!have_ours || st.st_dev != ours->st_dev);
}

/**
 * loader_pin_root() - Where every tapgate pins: the host's bpffs
 *
 * TG_PIN_ROOT, unless this process sees another /sys/fs/bpf than the
 * host's (a mount namespace of its own: `ip netns exec` remounts /sys);
 * then the host's, through /proc/1/root or, where PID 1's is not
 * reachable, the nearest ancestor's that is: so that `tapgate stats` run
 * anywhere on the host finds the pins of a daemon started anywhere.
 *
 * Return: the directory (no trailing slash)
 */
const char *loader_pin_root(void)
{
	static char root[80];
	struct stat ours;
	bool have_ours;
	char cand[64];

	if (root[0])
		return root;
	snprintf(root, sizeof(root), "%s", TG_PIN_ROOT);
	have_ours = is_bpffs("/sys/fs/bpf") && stat("/sys/fs/bpf", &ours) == 0;
	if (other_bpffs(1, &ours, have_ours, cand, sizeof(cand))) {
		snprintf(root, sizeof(root), "%s/tapgate", cand);
		return root;
	}
	for (pid_t pid = getppid(); pid > 1; pid = parent_of(pid))
		if (other_bpffs(pid, &ours, have_ours, cand, sizeof(cand))) {
			snprintf(root, sizeof(root), "%s/tapgate", cand);
			break;
		}
	return root;
}

int loader_ensure_bpffs(void)
{
	if (is_bpffs("/sys/fs/bpf") || strcmp(loader_pin_root(), TG_PIN_ROOT))
		return 0;
	if (mount("bpf", "/sys/fs/bpf", "bpf", 0, "mode=0700") < 0) {
		int err = -errno;

		log_err("cannot mount bpffs on /sys/fs/bpf: %s (mount it with "
			"'mount -t bpf bpf /sys/fs/bpf')",
			strerror(-err));
		return err;
	}
	return 0;
}

static pid_t lock_holder(const char *path)
{
	char buf[32] = "";
	FILE *f = fopen(path, "r");

	if (!f)
		return 0;
	if (!fgets(buf, sizeof(buf), f))
		buf[0] = '\0';
	fclose(f);
	return (pid_t)atoi(buf);
}

static bool lock_still_linked(int fd, const char *path)
{
	struct stat a, b;

	return !fstat(fd, &a) && !stat(path, &b) && a.st_ino == b.st_ino && a.st_dev == b.st_dev;
}

static int take_lock(struct loader *ld)
{
	char path[PATH_MAX], pid[32];
	int n;

	mkdir(LOCK_DIR, 0755);
	snprintf(path, sizeof(path), LOCK_DIR "/%s.lock", ld->dev);
	ld->lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (ld->lock_fd < 0) {
		log_err("%s: cannot open %s: %s", ld->dev, path, strerror(errno));
		return -errno;
	}
	if (flock(ld->lock_fd, LOCK_EX | LOCK_NB) < 0) {
		log_err("another tapgate (pid %d) already serves %s; stop it first with "
			"'tapgate detach %s'",
			(int)lock_holder(path), ld->dev, ld->dev);
		close(ld->lock_fd);
		ld->lock_fd = -1;
		return -EBUSY;
	}
	if (!lock_still_linked(ld->lock_fd, path)) {
		/* Locked just as its daemon removed it (loader_close()): take
		 * the path's new file instead. */
		close(ld->lock_fd);
		ld->lock_fd = -1;
		return take_lock(ld);
	}
	n = snprintf(pid, sizeof(pid), "%d\n", (int)getpid());
	if (ftruncate(ld->lock_fd, 0) < 0 || pwrite(ld->lock_fd, pid, (size_t)n, 0) != n)
		log_warn("%s: cannot write the lock file %s", ld->dev, path);
	return 0;
}

/*
 * The pins through a descriptor of the bpffs that holds them, opened while
 * the daemon had every capability: reaching the host's bpffs through
 * /proc/1/root again needs CAP_SYS_PTRACE, which privs.c drops.
 */
static void unpin_at(const struct loader *ld)
{
	for (size_t i = 0; i < sizeof(map_names) / sizeof(map_names[0]); i++)
		unlinkat(ld->dir_fd, map_names[i], 0);
	unlinkat(ld->root_fd, ld->dev, AT_REMOVEDIR);
	/* Only when no other device's pins are left, and only as root. */
	unlinkat(ld->bpffs_fd, "tapgate", AT_REMOVEDIR);
}

static void unpin_all(const char *dev)
{
	char path[PATH_MAX];

	for (size_t i = 0; i < sizeof(map_names) / sizeof(map_names[0]); i++)
		if (!loader_pin_path(dev, map_names[i], path, sizeof(path)))
			unlink(path);
	if (!loader_pin_path(dev, NULL, path, sizeof(path)))
		rmdir(path);
	rmdir(loader_pin_root()); /* only when no other device's pins are left */
}

/* Whatever XDP program is on @ifindex: none (0), ours left by a dead
 * daemon (removed, 0), or a foreign one (-EEXIST after a message). */
static int clear_stale(const char *dev, int ifindex)
{
	struct xdp_multiprog *mp;
	struct xdp_program *main_prog;
	struct xdpq q;
	int err = 0;

	/* The common case, nothing attached, without libxdp's link dump. */
	if (!xdpq_query(ifindex, &q) && q.attached == XDP_ATTACHED_NONE)
		return 0;
	mp = xdp_multiprog__get_from_ifindex(ifindex);
	if (!mp || libxdp_get_error(mp))
		return 0;
	main_prog = xdp_multiprog__main_prog(mp);
	if (!main_prog) {
		xdp_multiprog__close(mp);
		return 0;
	}
	if (!xdp_multiprog__is_legacy(mp) || strcmp(xdp_program__name(main_prog), TG_PROG_NAME)) {
		log_err("%s: another XDP program (%s, id %u) is attached; remove it with "
			"'ip link set dev %s xdp off' if it is not needed",
			dev, xdp_program__name(main_prog), xdp_program__id(main_prog), dev);
		err = -EEXIST;
	} else {
		log_warn("%s: replacing a stale tapgate program (id %u) left by a daemon "
			 "that is gone",
			 dev, xdp_program__id(main_prog));
		err = xdp_multiprog__detach(mp);
		if (err)
			log_err("%s: cannot remove the stale program: %s", dev, strerror(-err));
	}
	xdp_multiprog__close(mp);
	return err;
}

/* The device's configuration into TG_MAP_CONFIG: until it is there the
 * program drops every frame. */
static int write_config(int fd, const struct config *cfg)
{
	struct tg_config c = { .abi = TG_ABI };
	__u32 zero = 0;

	memcpy(c.guest_mac, cfg->guest_mac, 6);
	memcpy(c.gw_mac, cfg->gw_mac, 6);
	c.guest_ip4 = cfg->guest_ip4;
	c.gw_ip4 = cfg->gw_ip4;
	memcpy(c.guest_ip6, cfg->guest_ip6, 16);
	memcpy(c.gw_ip6, cfg->gw_ip6, 16);
	c.flags = TG_CFG_UDP_RELAY | (cfg->ipv6 ? TG_CFG_IPV6 : 0) |
		  (cfg->udp_local_ports ? TG_CFG_UDP_LOCAL : 0) |
		  (cfg->npublish ? TG_CFG_INBOUND : 0) | (cfg->dhcp ? TG_CFG_DHCP : 0) |
		  (cfg->publish_keep_source ? TG_CFG_KEEP_SOURCE : 0);
	c.mtu = (__u16)cfg->mtu;
	if (cfg->syn_rate) {
		__u64 burst = cfg->syn_rate / 4 > 16 ? cfg->syn_rate / 4 : 16;

		c.syn_gap_ns = 1000000000ull / cfg->syn_rate;
		c.syn_burst_ns = burst * c.syn_gap_ns;
	}
	return bpf_map_update_elem(fd, &zero, &c, BPF_ANY) ? -errno : 0;
}

/**
 * loader_set_inbound() - Let the guest's side of published ports through
 * @ld: loader
 * @on: whether any port is published now
 *
 * Return: 0 or a negative errno
 */
int loader_set_inbound(struct loader *ld, bool on)
{
	int fd = loader_map_fd(ld, TG_STR(TG_MAP_CONFIG));
	struct tg_config c;
	__u32 zero = 0;

	if (fd < 0 || bpf_map_lookup_elem(fd, &zero, &c))
		return -errno;
	c.flags = on ? c.flags | TG_CFG_INBOUND : c.flags & ~TG_CFG_INBOUND;
	return bpf_map_update_elem(fd, &zero, &c, BPF_ANY) ? -errno : 0;
}

static int pin_maps(struct loader *ld)
{
	char path[PATH_MAX];
	int err;

	mkdir(loader_pin_root(), 0700);
	loader_pin_path(ld->dev, NULL, ld->pin_dir, sizeof(ld->pin_dir));
	mkdir(ld->pin_dir, 0700);
	ld->pinned = true;
	snprintf(path, sizeof(path), "%s/..", loader_pin_root());
	ld->bpffs_fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	ld->root_fd = open(loader_pin_root(), O_PATH | O_DIRECTORY | O_CLOEXEC);
	ld->dir_fd = open(ld->pin_dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	for (size_t i = 0; i < sizeof(map_names) / sizeof(map_names[0]); i++) {
		struct bpf_map *m = bpf_object__find_map_by_name(ld->skel->obj, map_names[i]);

		err = m ? loader_pin_path(ld->dev, map_names[i], path, sizeof(path)) : -ENOENT;
		if (!err)
			err = bpf_map__pin(m, path);
		if (err) {
			log_err("%s: cannot pin map %s: %s", ld->dev, map_names[i], strerror(-err));
			return err;
		}
	}
	return 0;
}

#define PHITS_LEN (((size_t)TG_PHITS_MAX * sizeof(uint64_t) + 4095) & ~(size_t)4095)

/* The rule hit counters: the program counts its drops, the daemon the
 * flows it decides, in the same words. */
static int map_phits(struct loader *ld)
{
	void *p = mmap(NULL, PHITS_LEN, PROT_READ | PROT_WRITE, MAP_SHARED,
		       loader_map_fd(ld, TG_STR(TG_MAP_PHITS)), 0);

	if (p == MAP_FAILED)
		return -errno;
	ld->phits = p;
	return 0;
}

static int map_ustats(struct loader *ld)
{
	size_t len = (sizeof(struct tg_ustats) + 4095) & ~(size_t)4095;
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED,
		       loader_map_fd(ld, TG_STR(TG_MAP_USTATS)), 0);

	if (p == MAP_FAILED)
		return -errno;
	ld->ustats = p;
	ld->ustats->pid = (uint64_t)getpid();
	return 0;
}

static int libxdp_log(enum libxdp_print_level level, const char *fmt, va_list ap)
{
	if (level == LIBXDP_WARN && log_get_level() >= LOG_DEBUG)
		return vfprintf(stderr, fmt, ap);
	if (level == LIBXDP_DEBUG)
		return 0;
	/* libxdp warns that the dispatcher cannot be used and then attaches
	 * our single program; that is the expected path here. */
	return log_get_level() >= LOG_DEBUG ? vfprintf(stderr, fmt, ap) : 0;
}

/*
 * libxdp first tries its multi-program dispatcher, which Debian 12's kernel
 * and libbpf refuse, and then attaches our program alone: the expected path.
 * libbpf logs the refused dispatcher load as an error, so while libxdp works
 * its messages are kept for --log-level debug; our own object's load
 * messages (the verifier's complaints) always show.
 */
static bool libbpf_quiet;

static int libbpf_log(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (level == LIBBPF_DEBUG || (libbpf_quiet && log_get_level() < LOG_DEBUG))
		return 0;
	if (level == LIBBPF_INFO && log_get_level() < LOG_DEBUG)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

static int loader_finish(struct loader *ld, const struct config *cfg);

/* What both ways of opening begin with: the device, the lock. */
static int loader_begin(struct loader *ld, const struct config *cfg)
{
	ld->lock_fd = -1;
	ld->bpffs_fd = ld->root_fd = ld->dir_fd = -1;
	ld->prog_fd = -1;
	for (int i = 0; i < LOADER_MAPS; i++)
		ld->fds[i] = -1;
	snprintf(ld->dev, sizeof(ld->dev), "%s", cfg->dev);
	ld->ifindex = (int)if_nametoindex(cfg->dev);
	if (!ld->ifindex) {
		log_err("%s: no such network device; create the tap or veth first", cfg->dev);
		return -ENODEV;
	}
	libxdp_set_print(libxdp_log);
	libbpf_set_print(libbpf_log);
	return loader_ensure_bpffs() ?: take_lock(ld);
}

/**
 * loader_open() - Lock the device, load the program and pin its maps
 * @ld:  zeroed state
 * @cfg: the sandbox's configuration
 *
 * Return: 0, or a negative errno after a message (nothing left behind)
 */
int loader_open(struct loader *ld, const struct config *cfg)
{
	int err = loader_begin(ld, cfg);

	if (!err)
		err = clear_stale(ld->dev, ld->ifindex);
	if (err)
		goto fail;
	unpin_all(ld->dev);
	ld->skel = steer_bpf__open();
	if (!ld->skel) {
		err = -errno;
		log_err("cannot open the BPF object: %s", strerror(-err));
		goto fail;
	}
	err = steer_bpf__load(ld->skel);
	if (err) {
		log_err("cannot load the XDP program (kernel with BPF and XDP needed): %s",
			strerror(-err));
		goto fail;
	}
	ld->bss = ld->skel->bss;
	err = pin_maps(ld);
	if (!err)
		err = loader_finish(ld, cfg);
	if (!err)
		return 0;
fail:
	loader_close(ld);
	return err;
}

/**
 * loader_adopt() - Lock the device and take over the program an operator
 * loaded, pinned and attached (adopt.c)
 * @ld:  zeroed state
 * @cfg: the sandbox's configuration
 *
 * Return: 0, or a negative errno after a message
 */
int loader_adopt(struct loader *ld, const struct config *cfg)
{
	int err = loader_begin(ld, cfg);

	if (!err)
		err = adopt_open(ld);
	if (!err)
		err = loader_finish(ld, cfg);
	if (err)
		loader_close(ld);
	return err;
}

/* What both ways of opening end with: the config in, the counters mapped. */
static int loader_finish(struct loader *ld, const struct config *cfg)
{
	int err = write_config(loader_map_fd(ld, TG_STR(TG_MAP_CONFIG)), cfg);

	if (err)
		log_err("%s: cannot write the config map: %s", ld->dev, strerror(-err));
	if (!err)
		err = map_ustats(ld);
	if (!err)
		err = map_phits(ld);
	return err;
}

static __u32 xdp_flags(const struct loader *ld)
{
	return ld->mode == XDP_MODE_SKB ? XDP_FLAGS_SKB_MODE : XDP_FLAGS_DRV_MODE;
}

/*
 * Whether the device runs our program itself (libxdp found no dispatcher
 * to put it in, as on this kernel): then one netlink request, which needs
 * only CAP_NET_ADMIN, detaches exactly it (privs.c drops the rest). Under
 * a dispatcher, libxdp's detach looks programs up by id: CAP_SYS_ADMIN.
 */
static bool attached_alone(const struct loader *ld)
{
	struct bpf_prog_info info = { 0 };
	__u32 len = sizeof(info), id;
	int fd = bpf_program__fd(ld->skel->progs.tg_steer);
	struct xdpq q;

	if (xdpq_query(ld->ifindex, &q) || bpf_obj_get_info_by_fd(fd, &info, &len))
		return false;
	id = xdpq_id(&q, xdp_flags(ld));
	return id && id == info.id;
}

/**
 * loader_needs_sys_admin() - Whether exit needs CAP_SYS_ADMIN to detach
 * @ld: state after loader_attach()
 *
 * Return: true under libxdp's dispatcher
 */
bool loader_needs_sys_admin(const struct loader *ld)
{
	return ld->attached && !ld->plain;
}

/* Whether the device is a veth (its driver's name, as ethtool shows it). */
static bool is_veth(const char *dev)
{
	struct ethtool_drvinfo info = { .cmd = ETHTOOL_GDRVINFO };
	struct ifreq ifr = { .ifr_data = (void *)&info };
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	bool veth;

	if (fd < 0)
		return false;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", dev);
	veth = !ioctl(fd, SIOCETHTOOL, &ifr) && !strcmp(info.driver, "veth");
	close(fd);
	return veth;
}

/*
 * auto: generic (skb) mode on a veth whose frames may be chained (AF_XDP
 * multi-buffer): a native program on a veth makes the kernel turn TSO off
 * in the guest's end (veth_fix_features), so the guest sends one frame
 * per MSS; generic mode leaves it on and the guest sends super-frames,
 * as a VMM's guest does. Elsewhere native.
 */
static enum xdp_attach_mode pick_mode(const struct loader *ld, enum xdp_choice want, bool sg)
{
	if (want == XDP_CHOICE_GENERIC)
		return XDP_MODE_SKB;
	if (want == XDP_CHOICE_AUTO && sg && is_veth(ld->dev)) {
		log_info("%s: a veth: XDP in generic mode, so the guest keeps TSO (TCP "
			 "super-frames; "
			 "UDP ones, from UDP_SEGMENT, are dropped as drop_udp_gso: --xdp-mode "
			 "native "
			 "if the guest needs them)",
			 ld->dev);
		return XDP_MODE_SKB;
	}
	return XDP_MODE_NATIVE;
}

/**
 * loader_attach() - Attach the loaded program to the device
 * @ld:   state after loader_open()
 * @want: --xdp-mode
 * @sg:   the AF_XDP socket takes chained (multi-buffer) frames
 *
 * Native (driver) mode, as tap and veth support it, with generic (skb)
 * mode if the driver refuses (a line says so) unless native was asked for;
 * generic when asked for, or on a veth by default (pick_mode()).
 *
 * Return: 0 or a negative errno after a message
 */
int loader_attach(struct loader *ld, enum xdp_choice want, bool sg)
{
	int err;

	if (ld->adopted)
		return 0; /* the operator attached it (adopt.c checked) */
	ld->prog = xdp_program__from_fd(bpf_program__fd(ld->skel->progs.tg_steer));
	err = (int)libxdp_get_error(ld->prog);
	if (err) {
		ld->prog = NULL;
		log_err("%s: cannot wrap the program for libxdp: %s", ld->dev, strerror(-err));
		return err;
	}
	ld->mode = pick_mode(ld, want, sg);
	libbpf_quiet = true;
	err = xdp_program__attach(ld->prog, ld->ifindex, ld->mode, 0);
	if (err && ld->mode == XDP_MODE_NATIVE && want == XDP_CHOICE_AUTO) {
		log_warn("%s: native XDP refused (%s); using generic (skb) mode", ld->dev,
			 strerror(-err));
		ld->mode = XDP_MODE_SKB;
		err = xdp_program__attach(ld->prog, ld->ifindex, XDP_MODE_SKB, 0);
	}
	libbpf_quiet = false;
	if (err) {
		log_err("%s: cannot attach the XDP program in %s mode: %s", ld->dev,
			ld->mode == XDP_MODE_SKB ? "generic" : "native", strerror(-err));
		return err;
	}
	ld->attached = true;
	ld->plain = attached_alone(ld);
	return 0;
}

/**
 * loader_set_rx_max() - Tell the program the largest frame the socket takes
 * @ld:  state after loader_open()
 * @max: bytes; longer frames are dropped as TG_V_DROP_OVERSIZE (0: no limit)
 *
 * Called by the event-loop thread once the AF_XDP socket is bound.
 */
void loader_set_rx_max(struct loader *ld, uint32_t max)
{
	((struct steer_bpf__bss *)ld->bss)->tg_rx_max = max;
}

const char *loader_mode_name(const struct loader *ld)
{
	if (ld->adopted)
		return "operator";
	if (!ld->attached)
		return "detached";
	return ld->mode == XDP_MODE_SKB ? "generic" : "native";
}

/* The kernel's id of the loaded program (bpftool prog show id N), or 0. */
uint32_t loader_prog_id(struct loader *ld)
{
	struct bpf_prog_info info = { 0 };
	__u32 len = sizeof(info);

	int fd = ld->adopted ? ld->prog_fd
		 : ld->skel  ? bpf_program__fd(ld->skel->progs.tg_steer)
			     : -1;

	if (fd < 0 || bpf_obj_get_info_by_fd(fd, &info, &len))
		return 0;
	return info.id;
}

/* The program's policy generation (polset.c flips it), in its mmapped .bss. */
volatile uint32_t *loader_pol_gen(struct loader *ld)
{
	return &((struct steer_bpf__bss *)ld->bss)->tg_pol_gen;
}

/**
 * loader_map_fd() - The fd of one of the loaded object's maps
 * @ld:    state after loader_open()
 * @which: the map's name, as TG_STR(TG_MAP_...) spells it (steer.h)
 *
 * Return: the fd (owned by the skeleton: do not close it), or -ENOENT
 */
int loader_map_fd(struct loader *ld, const char *which)
{
	struct bpf_map *m;

	if (ld->adopted) {
		for (size_t i = 0; i < sizeof(map_names) / sizeof(map_names[0]); i++)
			if (!strcmp(map_names[i], which))
				return ld->fds[i];
		return -ENOENT;
	}
	m = bpf_object__find_map_by_name(ld->skel->obj, which);
	return m ? bpf_map__fd(m) : -ENOENT;
}

/* The names of the maps a tapgate object pins, in ld->fds order. */
const char *loader_map_name(size_t i)
{
	return i < sizeof(map_names) / sizeof(map_names[0]) ? map_names[i] : NULL;
}

/* @dir (root's) becomes root:@gid 01770: the group may add entries and
 * remove its own, as /tmp lets everyone; no one else may enter. */
static int share_dir(const char *dir, gid_t gid)
{
	if (chown(dir, 0, gid) || chmod(dir, 01770)) {
		int err = -errno;

		log_err("cannot give %s to group %u: %s", dir, (unsigned int)gid, strerror(-err));
		return err;
	}
	return 0;
}

/**
 * loader_hand_over() - Let @uid remove at exit what root made for it
 * @ld:  state, pinned and locked
 * @uid: the user tapgate serves as (--user)
 * @gid: its group
 *
 * The device's pin directory and lock file become @uid's; the directories
 * that hold them, shared by every daemon on the host, become group @gid's
 * with the sticky bit (share_dir()). Called as root, before privs_drop().
 * An adopted program's pins are the operator's and stay so.
 *
 * Return: 0 or a negative errno after a message
 */
int loader_hand_over(struct loader *ld, uid_t uid, gid_t gid)
{
	int err = 0;

	if (ld->pinned && !ld->adopted) {
		err = share_dir(loader_pin_root(), gid);
		if (!err && chown(ld->pin_dir, uid, gid))
			err = -errno;
	}
	if (!err)
		err = share_dir(LOCK_DIR, gid);
	if (!err && fchown(ld->lock_fd, uid, gid))
		err = -errno;
	if (err)
		log_err("%s: cannot hand the pins or the lock to uid %u: %s", ld->dev,
			(unsigned int)uid, strerror(-err));
	return err;
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/**
 * loader_close() - Detach, unpin, unload and unlock; safe on partial setup
 * @ld: state
 */
void loader_close(struct loader *ld)
{
	if (ld->attached) {
		LIBBPF_OPTS(bpf_xdp_attach_opts, only_ours,
			    .old_prog_fd = bpf_program__fd(ld->skel->progs.tg_steer));
		int err = ld->plain ? bpf_xdp_detach(ld->ifindex, xdp_flags(ld), &only_ours)
				    : xdp_program__detach(ld->prog, ld->ifindex,
							  (enum xdp_attach_mode)ld->mode, 0);

		if (err)
			log_warn("%s: detach failed: %s; run 'ip link set dev %s xdp off'", ld->dev,
				 strerror(-err), ld->dev);
		ld->attached = false;
	}
	if (ld->prog)
		xdp_program__close(ld->prog);
	ld->prog = NULL;
	if (ld->ustats)
		munmap(ld->ustats, (sizeof(struct tg_ustats) + 4095) & ~(size_t)4095);
	ld->ustats = NULL;
	if (ld->phits)
		munmap(ld->phits, PHITS_LEN);
	ld->phits = NULL;
	if (ld->pinned && ld->bpffs_fd >= 0 && ld->root_fd >= 0 && ld->dir_fd >= 0)
		unpin_at(ld);
	else if (ld->pinned)
		unpin_all(ld->dev);
	ld->pinned = false;
	close_fd(&ld->bpffs_fd);
	close_fd(&ld->root_fd);
	close_fd(&ld->dir_fd);
	if (ld->adopted)
		adopt_release(ld); /* the operator's program and pins stay */
	steer_bpf__destroy(ld->skel);
	ld->skel = NULL;
	if (ld->lock_fd >= 0) {
		char path[PATH_MAX];

		/* Removed while still held: a daemon starting now either locks
		 * this file after us (and runs, as it should) or creates a new
		 * one. Nothing is left in /run per device ever served. */
		snprintf(path, sizeof(path), LOCK_DIR "/%s.lock", ld->dev);
		unlink(path);
		close(ld->lock_fd);
	}
	ld->lock_fd = -1;
}

static int stop_daemon(const char *dev, pid_t pid)
{
	log_info("%s: stopping tapgate (pid %d)", dev, (int)pid);
	if (kill(pid, SIGTERM) < 0)
		return -errno;
	for (int i = 0; i < 100; i++) {
		if (kill(pid, 0) < 0 && errno == ESRCH)
			return 0;
		usleep(50000);
	}
	log_err("%s: tapgate (pid %d) did not stop within 5 s", dev, (int)pid);
	return -ETIMEDOUT;
}

/**
 * loader_detach_dev() - `tapgate detach DEV`: stop the daemon serving DEV,
 * or clear what a dead one left (program and pins)
 * @dev: device name
 *
 * Return: 0 or a negative errno after a message
 */
int loader_detach_dev(const char *dev)
{
	char path[PATH_MAX];
	int ifindex = (int)if_nametoindex(dev), fd, err = 0;

	snprintf(path, sizeof(path), LOCK_DIR "/%s.lock", dev);
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd >= 0 && flock(fd, LOCK_EX | LOCK_NB) < 0) {
		pid_t pid = lock_holder(path);

		close(fd);
		return pid > 0 ? stop_daemon(dev, pid) : -EBUSY;
	}
	if (fd >= 0)
		close(fd);
	loader_ensure_bpffs();
	unpin_all(dev);
	libxdp_set_print(libxdp_log);
	if (ifindex)
		err = clear_stale(dev, ifindex);
	else
		log_info("%s: no such device; removed leftover pins only", dev);
	return err;
}
