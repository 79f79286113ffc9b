#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# contracts.sh - fail when a contract gets a second source (`make
# contracts`, part of `make all` and so of `make test`). Each contract is
# spelled once and used by name everywhere else:
#
#   map names         TG_MAP_* in include/steer.h; C code outside include/
#                     names a map by TG_STR(TG_MAP_...), never as "tg_xsks"
#   stringify         TG_STR in include/steer.h; no second STR() macro
#   wire constants    include/wire.h; in user/, bpf/ and tests/ C code no
#                     bare ethertype (0x0800, 0x0806, 0x86dd), no private
#                     #define of an Ethernet header length, ethertype, IP
#                     protocol, TCP flag or the DNS port, and the libc /
#                     kernel spellings of Ethernet constants and TCP flags
#                     (ETH_HLEN, ETH_P_IP, TH_SYN...) only in
#                     tests/unit/test_wire.c, which checks wire.h against
#                     them (IPPROTO_* stay: the socket API takes them);
#                     in user/ no bare 14 used as an offset
#                     or length (a TCP header's window is at th + 14 too,
#                     which is allowed)
#   counters          the names tests, demo and bench read from
#                     `tapgate stats --json` (daemon.X, slot_drops.X,
#                     xdp.X) exist in TG_USTATS (include/ustats.h), in
#                     SLOT_DROPS (user/wire/drop.h) and in stats.c's
#                     verdict names
#
# Lines are matched after a crude comment strip (// and /* */ on one line,
# and lines inside block comments that start with '*').
#
# PENDING lists files whose leftovers belong to another branch's work; each
# entry says why, and goes once that work lands (none now).

set -uo pipefail
cd "$(dirname "$(realpath "$0")")/.." || exit 1

CC=${CC:-cc}
PENDING='^$'

# Violations are counted in a file: report runs at the end of pipelines,
# in subshells that cannot set a variable of this shell.
FAILS=$(mktemp)
trap 'rm -f "$FAILS"' EXIT
problem() {
	echo "contracts: $*" >&2
	echo x >>"$FAILS"
}

# code_lines DIR...: "file:line:text" of C sources, comments stripped.
code_lines() {
	find "$@" -name '*.[ch]' -print0 2>/dev/null | sort -z |
		xargs -0 awk '
			FNR == 1 { inc = 0 }
			{
				line = $0
				if (inc) {
					if (line ~ /\*\//) { sub(/.*\*\//, "", line); inc = 0 }
					else next
				}
				gsub(/\/\*[^*]*\*+([^\/*][^*]*\*+)*\//, "", line)
				if (line ~ /\/\*/) { sub(/\/\*.*/, "", line); inc = 1 }
				sub(/\/\/.*/, "", line)
				if (line ~ /^[ \t]*\*/) next
				print FILENAME ":" FNR ":" line
			}'
}

# report WHAT: each stdin line is a violation of WHAT.
report() {
	local what=$1 line
	while IFS= read -r line; do
		problem "$what: $line"
	done
}

C_DIRS=(user bpf tests bench)

# ---- map names ------------------------------------------------------------
maps=$(sed -n 's/^#define[ \t]\+TG_MAP_[A-Z0-9_]\+[ \t]\+\([a-z0-9_]\+\).*/\1/p' include/steer.h)
[ -n "$maps" ] || problem "no TG_MAP_* names found in include/steer.h"
for m in $maps; do
	code_lines "${C_DIRS[@]}" | grep -F "\"$m\"" |
		report "map name $m as a string literal; use TG_STR(TG_MAP_...)"
done

# ---- one stringify macro --------------------------------------------------
code_lines "${C_DIRS[@]}" include | grep -E '#[ \t]*define[ \t]+(STR|STR_|STRINGIFY|XSTR)\b' |
	report "a second stringify macro; use TG_STR (include/steer.h)"

# ---- wire constants -------------------------------------------------------
code_lines "${C_DIRS[@]}" | grep -iE '\b0x(0800|0806|86dd)\b' | grep -vE "$PENDING" |
	report "bare ethertype; use TG_ETH_P_* (include/wire.h)"

code_lines "${C_DIRS[@]}" |
	grep -E '#[ \t]*define[ \t]+([A-Z0-9_]*_)?(ETH_HLEN|ETH_ALEN|ETHERTYPE_|ETH_P_|PROTO_(TCP|UDP|ICMP)|DNS_PORT|(TCPF|TH|TB)_(FIN|SYN|RST|PSH|ACK)\b)' |
	report "a private copy of a wire constant; use include/wire.h"

code_lines "${C_DIRS[@]}" | grep -v '^tests/unit/test_wire\.c:' |
	grep -E '(^|[^A-Z_])(ETH_HLEN|ETH_ALEN|ETHERTYPE_(IP|ARP|IPV6)|ETH_P_(IP|ARP|IPV6)|TH_(FIN|SYN|RST|PUSH|ACK))\b' |
	report "a libc or kernel spelling of a wire constant; use TG_* (include/wire.h)"

code_lines user | grep -E '([-+][ \t]*14([^0-9.]|$)|(^|[^0-9.%])14[ \t]*[-+])' |
	grep -vE "$PENDING" | grep -vE '\bth \+ 14\b' |
	report "bare Ethernet header length; use TG_ETH_HLEN (include/wire.h)"

# ---- counter names --------------------------------------------------------
# The lists as the compiler sees them: each name on a line of its own.
ustats=$(printf '#include "ustats.h"\n#define N(name, help) @name\nTG_USTATS(N)\n' |
	$CC -E -P -Iinclude -x c - | tr ' ' '\n' | sed -n 's/^@//p')
drops=$(printf '#include "wire/drop.h"\n#define N(id, name, help) @name\nSLOT_DROPS(N)\n' |
	$CC -E -P -Iinclude -Iuser -x c - | tr ' ' '\n' | sed -n 's/^@"\(.*\)"$/\1/p')
verdicts=$(sed -n 's/^[ \t]*\[TG_V_[A-Z_]*\] = "\([a-z_]*\)",.*/\1/p' user/control/stats.c)
[ -n "$ustats" ] || problem "cannot read TG_USTATS (include/ustats.h)"
[ -n "$drops" ] || problem "cannot read SLOT_DROPS (user/wire/drop.h)"
[ -n "$verdicts" ] || problem "cannot read the verdict names in user/control/stats.c"

# known LIST NAME: NAME is a line of LIST.
known() {
	grep -qxF "$2" <<<"$1"
}

readers=(tests/integration scripts bench README.md)
while IFS= read -r ref; do
	[ "$ref" = xdp.frags ] && continue # the program's section name, not a counter
	kind=${ref%%.*}
	name=${ref#*.}
	case $kind in
	daemon) known "$ustats" "$name" || problem "stats: daemon.$name is not in TG_USTATS (include/ustats.h)" ;;
	slot_drops) known "$drops" "$name" || problem "stats: slot_drops.$name is not in SLOT_DROPS (user/wire/drop.h)" ;;
	xdp) known "$verdicts" "${name%.bytes}" || problem "stats: xdp.$name is not a verdict in user/control/stats.c" ;;
	esac
done < <(grep -rhoE '\b(daemon|slot_drops|xdp)\.[a-z0-9_]+(\.bytes)?\b' "${readers[@]}" |
	grep -vE '^xdp\.(c|h|o)$' | sort -u;
	grep -rhoE '\["daemon"\]\["[a-z0-9_]+"\]' "${readers[@]}" |
	sed 's/\["daemon"\]\["\([a-z0-9_]*\)"\]/daemon.\1/' | sort -u)

if [ -s "$FAILS" ]; then
	echo "contracts: $(wc -l <"$FAILS") problem(s); see scripts/contracts.sh for each rule" >&2
	exit 1
fi
exit 0
