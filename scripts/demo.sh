#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# demo.sh - `make demo`: two sandboxes get their network through tapgate.
#
# One guest namespace sits behind a veth (a container), one behind a tap
# whose fd is held by build/tests/tapshuttle (a microVM monitor stand-in).
# A web server runs on the host's 127.0.0.1; each guest reaches it as
# http://100.96.0.1:PORT (the gateway stands for the host with --allow
# host). The demo pings the gateway, asks DNS for the host's name, fetches
# a page, moves 50 MiB each way with checksums, shows a closed port refused
# at once and a spoofed frame dropped in the kernel, prints `tapgate stats`, and removes everything it
# made, also on failure or Ctrl-C. Then, behind a veth again, TLS
# interception: an HTTPS server on the host's 127.0.0.1 named api.demo
# (a test CA made here; dnsmasq on loopback answers the name), and a guest
# that holds only a placeholder: tapgate puts the real token into its
# request to api.demo and blocks the same placeholder toward another name.
# Nothing leaves this machine.
# shellcheck source=../tests/integration/lib.sh
. "$(dirname "$0")/../tests/integration/lib.sh"
tg_init demo

MIB=${TG_DEMO_MIB:-50}
say() { printf '\n\033[1m%s\033[0m\n' "$*"; }
show() { printf '  $ %s\n' "$*"; }

mkdir "$TMP/www"
echo "Hello from the host, through tapgate." >"$TMP/www/index.txt"
tg_make_file "$TMP/www/blob.bin" "$MIB"
want=$(tg_sha "$TMP/www/blob.bin")

# rate BYTES MS: MB/s with one decimal.
rate() { awk -v b="$1" -v ms="$2" 'BEGIN { printf "%.1f", ms ? b / 1e6 / (ms / 1000) : 0 }'; }

demo_guest() {
	local mode=$1 t0 ms got rc closed
	tg_round "$mode"
	tg_http_server "$TMP/www"
	say "[$mode] guest namespace $GUESTNS (eth0 $TG_GUEST_CIDR) behind host device $HOSTDEV"
	show "tapgate run --dev $HOSTDEV --allow host"
	tg_start_tapgate --allow host
	ip link show dev "$HOSTDEV" | sed -n 's/.*\(prog\/xdp[^ ]* id [0-9]*\).*/  XDP attached: \1/p'

	show "ping -c 3 $TG_GW_IP            (answered by tapgate itself)"
	tg_gexec ping -c 3 -i 0.2 -W 2 "$TG_GW_IP" | sed -n 's/^/    /; /packets transmitted\|rtt/p'

	show "dig +short @$TG_GW_IP host.tapgate.internal   (DNS is tapgate's)"
	got=$(tg_gexec dig +short +time=2 +tries=1 "@$TG_GW_IP" host.tapgate.internal)
	[ "$got" = "$TG_GW_IP" ] || tg_fail "$mode: DNS through tapgate answered '$got'"
	echo "    $got"
	show "dig @192.0.2.53 ...   (a resolver the policy denies: --allow host has no public)"
	rc=0
	tg_gexec dig +time=1 +tries=1 @192.0.2.53 host.tapgate.internal >/dev/null 2>&1 || rc=$?
	[ "$rc" -ne 0 ] || tg_fail "$mode: a denied resolver was answered"
	echo "    no answer (dig exit $rc): the query never left the sandbox"

	show "curl $(tg_gw_url index.txt)"
	tg_gcurl -f "$(tg_gw_url index.txt)" | sed 's/^/    /'

	show "curl $(tg_gw_url blob.bin)   ($MIB MiB down)"
	t0=$(tg_now_ms)
	got=$(tg_gcurl -f --max-time 120 "$(tg_gw_url blob.bin)" | sha256sum | cut -d' ' -f1)
	ms=$(($(tg_now_ms) - t0))
	[ "$got" = "$want" ] || tg_fail "$mode: download checksum differs"
	echo "    sha256 matches, $(rate $((MIB * 1048576)) "$ms") MB/s"

	show "curl -T blob.bin $(tg_gw_url upload)   ($MIB MiB up; the server answers its sha256)"
	t0=$(tg_now_ms)
	got=$(tg_gcurl -f --max-time 120 -T "$TMP/www/blob.bin" "$(tg_gw_url upload)")
	ms=$(($(tg_now_ms) - t0))
	[ "$got" = "$want" ] || tg_fail "$mode: upload checksum differs"
	echo "    sha256 matches, $(rate $((MIB * 1048576)) "$ms") MB/s"

	closed=$(tg_free_port)
	show "curl http://$TG_GW_IP:$closed/   (a closed host port: refused, not timed out)"
	rc=0
	tg_gcurl --max-time 5 "http://$TG_GW_IP:$closed/" >"$TMP/refused.out" 2>&1 || rc=$?
	echo "    curl exit $rc: $(cat "$TMP/refused.out")"

	show "5 TCP SYNs with a forged source IP (100.96.0.3), sent raw from the guest"
	tg_gexec "$TG_PY" "$TG_HELPERS/rawsend.py" eth0 tcp-ip 5 --port "$HTTP_PORT" >/dev/null
	sleep 0.2
	echo "    XDP drop_spoof_ip counter: $(tg_bpf_counter TG_V_DROP_SPOOF_IP)" \
		"(bpftool map dump pinned $(tg_pin_dir)/tg_counters)"

	show "tapgate stats $HOSTDEV"
	"$TG" stats "$HOSTDEV" | sed 's/^/    /'
	show "kill -TERM tapgate   (detaches, removes its pins)"
	tg_stop_tapgate >/dev/null
	echo "    done: no XDP program on $HOSTDEV, nothing under $(tg_pin_dir)"
}

# demo_tls: a secret the guest never sees (README, "TLS interception").
demo_tls() {
	local pf=$TMP/https.port port got token=demo-$RANDOM-token
	tg_round veth
	say "[tls] guest namespace $GUESTNS: a secret it never sees"
	tg_pki "$TMP/pki" demo DNS:api.demo,DNS:other.demo
	tg_bg env TG_TLS_CERT="$TMP/pki/demo-leaf.crt" TG_TLS_KEY="$TMP/pki/demo-leaf.key" \
		"$TG_PY" "$TG_HELPERS/httpd.py" "$TMP/www" "$pf" >"$TMP/https.log" 2>&1
	port=$(tg_wait_port_file "$pf" "$BGPID" "the HTTPS server")
	tg_dnsmasq "--address=/demo/$TG_GW_IP"
	cat >"$TMP/policy.json" <<JSON
{
  "default_egress": "deny",
  "rules": [ { "destination": "*.demo", "protocols": ["tcp"], "ports": [$port], "action": "allow" } ],
  "tls": {
    "ports": [$port],
    "extra_ca": "$TMP/pki/demo.crt",
    "secrets": [ { "name": "API_TOKEN", "env": "DEMO_TOKEN", "hosts": ["api.demo"] } ]
  }
}
JSON
	show "DEMO_TOKEN=... tapgate run --dev $HOSTDEV --policy policy.json --tls-intercept"
	DEMO_TOKEN=$token tg_start_tapgate --policy "$TMP/policy.json" --tls-intercept \
		--tls-state "$TMP/tls" --dns "127.0.0.1:$DNS_PORT" --no-rebind-protection
	tg_guest_resolv
	show "curl --cacert tapgate-ca.crt -H 'Authorization: Bearer \$TAPGATE_API_TOKEN' https://api.demo:$port/headers"
	got=$(tg_gcurl -f --cacert "$TMP/tls/ca.crt" -H 'Authorization: Bearer $TAPGATE_API_TOKEN' \
		"https://api.demo:$port/headers" | grep -i '^authorization')
	grep -qF "$token" <<<"$got" || tg_fail "tls: the server did not get the token: $got"
	echo "    the server got: $got"
	show "curl ... -H 'Authorization: Bearer \$TAPGATE_API_TOKEN' https://other.demo:$port/headers"
	got=$(tg_gcurl --cacert "$TMP/tls/ca.crt" -H 'Authorization: Bearer $TAPGATE_API_TOKEN' \
		"https://other.demo:$port/headers")
	grep -q "may not be sent to other.demo" <<<"$got" || tg_fail "tls: not blocked: $got"
	[ "$(grep -c 'GET /headers' "$TMP/https.log")" = 1 ] ||
		tg_fail "tls: the server saw the blocked request"
	echo "    $got   (403; the server saw nothing)"
	show "tapgate stats $HOSTDEV | grep tls_"
	"$TG" stats "$HOSTDEV" |
		grep -E 'tls_(intercepted|certs_minted|injections|violations) |secrets \(TLS\)|API_TOKEN' |
		sed 's/^/    /'
	tg_stop_tapgate >/dev/null
}

say "tapgate demo: user-space networking for sandboxes, nothing routed by the host"
for mode in veth tap; do
	demo_guest "$mode"
done
demo_tls
say "All done; the namespaces, devices and processes of the demo are removed."
