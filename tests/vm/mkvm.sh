#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# mkvm.sh - make the test VM's kernel and initramfs under build/vm/, once.
#
# The kernel is Debian's cloud kernel (linux-image-cloud-amd64's versioned
# dependency), fetched with `apt-get download` and unpacked with dpkg-deb
# under build/vm/: nothing is installed, /boot is untouched. The initramfs
# holds busybox-static, the virtio-net module chain and /init (below), which
# mounts the basics, loads the modules, runs /test.sh, prints
# "TG-VM-EXIT <status>" on the serial console and powers off. A test adds
# its own /test.sh by appending a second cpio archive to the initramfs (the
# kernel unpacks concatenated archives in order); see tests/vm/vm.sh.
#
# Idempotent: a second run finds build/vm/ complete and does nothing. A run
# on a fresh machine needs apt (it runs `apt-get update` once if the package
# lists are empty) and busybox-static (make deps).
#
# Usage: tests/vm/mkvm.sh [BUILD_DIR]   (default: build/vm of the tree)
# Prints the directory on success.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
OUT=${1:-$ROOT/build/vm}
META=linux-image-cloud-amd64
# Loaded in this order; each needs only those before it.
MODULES=(virtio_ring virtio virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci
	failover net_failover virtio_net)
BUSYBOX=/bin/busybox
STAMP_WANT=$(sha256sum "$0" | cut -c1-16)

say() { echo "mkvm: $*" >&2; }
die() {
	say "$*"
	exit 1
}

# apt_get ARGS...: apt-get as root without the _apt sandbox's warning about
# a download directory it cannot write.
apt_get() {
	apt-get -q -o APT::Sandbox::User=root "$@"
}

# fetch_deb PACKAGE DIR: download PACKAGE's .deb into DIR; print its path.
fetch_deb() {
	local pkg=$1 dir=$2 f
	f=$(find "$dir" -maxdepth 1 -name "${pkg}_*.deb" | head -n1)
	if [ -z "$f" ]; then
		(cd "$dir" && apt_get download "$pkg" >&2) ||
			die "apt-get download $pkg failed"
		f=$(find "$dir" -maxdepth 1 -name "${pkg}_*.deb" | head -n1)
	fi
	[ -n "$f" ] || die "no .deb for $pkg in $dir"
	echo "$f"
}

# apt_lists_ready: run apt-get update once when the package lists are empty.
apt_lists_ready() {
	if ! apt-cache show "$META" >/dev/null 2>&1; then
		say "apt knows no $META yet: apt-get update"
		apt_get update >&2 || die "apt-get update failed"
	fi
}

# get_kernel DIR: the cloud kernel unpacked in DIR/kernel; print its release.
get_kernel() {
	local dir=$1 meta dep deb rel
	mkdir -p "$dir/debs"
	apt_lists_ready
	meta=$(fetch_deb "$META" "$dir/debs")
	dep=$(dpkg-deb -f "$meta" Depends | tr ',' '\n' | grep -o 'linux-image-[^ ]*-cloud-amd64' |
		head -n1)
	[ -n "$dep" ] || die "$META names no versioned kernel package"
	deb=$(fetch_deb "$dep" "$dir/debs")
	rm -rf "$dir/kernel"
	dpkg-deb -x "$deb" "$dir/kernel"
	rel=${dep#linux-image-}
	[ -f "$dir/kernel/boot/vmlinuz-$rel" ] || die "no vmlinuz-$rel in $deb"
	echo "$rel"
}

# write_init FILE: the guest's /init.
write_init() {
	cat >"$1" <<'INIT'
#!/bin/busybox sh
/bin/busybox mkdir -p /proc /sys /dev /tmp /sbin /usr/bin /usr/sbin
/bin/busybox --install -s
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
for m in $(cat /etc/tg-modules); do
	insmod "/lib/modules/$m.ko" || echo "TG-VM: insmod $m failed"
done
ip link set dev lo up
rc=1
if [ -f /test.sh ]; then
	sh /test.sh
	rc=$?
else
	echo "TG-VM: no /test.sh in the initramfs"
fi
echo "TG-VM-EXIT $rc"
sync
poweroff -f
INIT
	chmod 755 "$1"
}

# make_initramfs DIR RELEASE: DIR/initramfs.cpio.gz.
make_initramfs() {
	local dir=$1 rel=$2 tree=$1/tree m src
	rm -rf "$tree"
	mkdir -p "$tree/bin" "$tree/lib/modules" "$tree/etc" "$tree/proc" "$tree/sys" \
		"$tree/dev" "$tree/tmp"
	cp "$BUSYBOX" "$tree/bin/busybox"
	for m in "${MODULES[@]}"; do
		src=$(find "$dir/kernel/lib/modules/$rel" -name "$m.ko" -o -name "$m.ko.xz" \
			-o -name "$m.ko.zst" -o -name "$m.ko.gz" | head -n1)
		[ -n "$src" ] || die "module $m not in the $rel package"
		case $src in
		*.xz) xz -dc "$src" >"$tree/lib/modules/$m.ko" ;;
		*.zst) zstd -dqc "$src" >"$tree/lib/modules/$m.ko" ;;
		*.gz) gzip -dc "$src" >"$tree/lib/modules/$m.ko" ;;
		*) cp "$src" "$tree/lib/modules/$m.ko" ;;
		esac
	done
	printf '%s\n' "${MODULES[@]}" >"$tree/etc/tg-modules"
	write_init "$tree/init"
	(cd "$tree" && find . | "$BUSYBOX" cpio -o -H newc -R 0:0 2>/dev/null) |
		gzip -9 >"$dir/initramfs.cpio.gz.tmp"
	mv "$dir/initramfs.cpio.gz.tmp" "$dir/initramfs.cpio.gz"
	rm -rf "$tree"
}

main() {
	local rel
	if [ -f "$OUT/stamp" ] && [ "$(cat "$OUT/stamp")" = "$STAMP_WANT" ] &&
		[ -f "$OUT/vmlinuz" ] && [ -f "$OUT/initramfs.cpio.gz" ]; then
		echo "$OUT"
		return 0
	fi
	# Not "busybox --list | grep -q": busybox writes one line at a time, grep
	# exits at the first match and pipefail turns the SIGPIPE into "missing".
	[ -x "$BUSYBOX" ] && grep -qx cpio <<<"$("$BUSYBOX" --list)" ||
		die "$BUSYBOX (static) is missing: make deps (busybox-static)"
	command -v dpkg-deb >/dev/null || die "dpkg-deb is missing"
	mkdir -p "$OUT"
	rm -f "$OUT/stamp"
	rel=$(get_kernel "$OUT")
	cp "$OUT/kernel/boot/vmlinuz-$rel" "$OUT/vmlinuz.tmp"
	mv "$OUT/vmlinuz.tmp" "$OUT/vmlinuz"
	make_initramfs "$OUT" "$rel"
	rm -rf "$OUT/kernel" # 100 MiB of modules; the .debs stay for a remake
	echo "$rel" >"$OUT/release"
	echo "$STAMP_WANT" >"$OUT/stamp"
	say "kernel $rel and initramfs ready in $OUT"
	echo "$OUT"
}

main
