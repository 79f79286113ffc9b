#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Fetch Debian's lwip source package (with Debian's patches applied) into
# DIR (default build/lwip-src), through a private apt configuration: one
# deb-src entry for the release this machine runs, its own lists under DIR,
# never the system's sources. The Makefile compiles lwIP's core from there
# with tapgate's own lwipopts.h (user/stack/port/). Does nothing when the
# source is already there.
set -euo pipefail

dir=${1:-build/lwip-src}
[ -f "$dir/src/src/core/tcp.c" ] && exit 0

. /etc/os-release
suite=${VERSION_CODENAME:-bookworm}
apt_dir=$(realpath -m "$dir/apt")
mkdir -p "$apt_dir/sources.list.d" "$apt_dir/lists/partial" "$apt_dir/cache"
cat >"$apt_dir/sources.list.d/lwip-src.sources" <<SRC
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: $suite
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
apt_opts=(-q -o Dir::Etc::SourceList=/dev/null
	-o Dir::Etc::SourceParts="$apt_dir/sources.list.d"
	-o Dir::State::Lists="$apt_dir/lists" -o Dir::Cache="$apt_dir/cache"
	-o APT::Sandbox::User=root)

echo "lwip: fetching Debian's lwip source package into $dir"
if ! apt-get "${apt_opts[@]}" update >"$apt_dir/update.log" 2>&1; then
	cat "$apt_dir/update.log" >&2
	echo "tapgate: cannot read Debian's source index; check the network to the Debian mirror and retry 'make deps'" >&2
	exit 1
fi
rm -rf "$dir/dl" "$dir/src"
mkdir -p "$dir/dl"
(cd "$dir/dl" && apt-get "${apt_opts[@]}" source --download-only lwip >/dev/null)
dsc=$(ls "$dir"/dl/lwip_*.dsc)
dpkg-source --no-check -x "$dsc" "$dir/src" >/dev/null
echo "lwip: $(basename "$dsc" .dsc) unpacked, Debian's patches applied"
