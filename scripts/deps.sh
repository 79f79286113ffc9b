#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Install the Debian packages tapgate needs to build, test, demo and bench,
# only those missing. Runs apt-get update once, only when something is missing.
set -euo pipefail

pkgs=(
	build-essential clang llvm pkg-config libbpf-dev libxdp-dev bpftool xdp-tools
	libelf-dev zlib1g-dev dpkg-dev libclang-rt-14-dev iproute2 libjson-c-dev libseccomp-dev
	libssl-dev openssl # TLS interception (user/tls/); test_tls makes its certificates
	curl iperf3 bind9-dnsutils iputils-ping netcat-openbsd python3
	dnsmasq-base passt slirp4netns
	isc-dhcp-client # test_dhcp's dhclient (busybox-static below gives its udhcpc)
	python3-matplotlib # make bench draws its tables (bench/report.py plot)
	qemu-system-x86 busybox-static # the VM test (tests/vm/mkvm.sh fetches its kernel), udhcpc
)

missing=()
for p in "${pkgs[@]}"; do
	st=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
	[ "$st" = installed ] || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "tapgate: missing Debian packages: ${missing[*]}" >&2
	echo "tapgate: run 'sudo make deps' (or install them with apt-get) and retry" >&2
	exit 1
fi
echo "deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends "${missing[@]}"
