#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# test_poldns.sh - the policy's domain rules and DNS (issue 12). A policy
# that denies by default, allows TCP to *.allowed.test and denies the name
# bad.test; dnsmasq on 127.0.0.1 (the test's own) answers allowed.test and
# its subdomains with the gateway's address, which stands for the host,
# where the test's HTTP server listens on 127.0.0.1 (--no-rebind-protection,
# so that such answers reach the guest at all). From the guest, through
# the real XDP program and daemon:
#   - before any DNS answer, the gateway is denied (a domain rule matches
#     only addresses DNS gave this sandbox for that name): curl is reset;
#   - after resolving www.allowed.test, the same URL works: the answer
#     pinned the address to the name;
#   - bad.test gets NXDOMAIN from tapgate, and dnsmasq never sees the
#     question (a denied name does not leave the sandbox, not even as a
#     query);
#   - a name no rule names (notallowed.test) resolves as usual;
#   - `tapgate status` answers through the control socket; `tapgate policy`
#     refuses a bad file (exit 2, file and line named) and the download in
#     progress goes on; a good file that denies it resets it
#     (policy_resets) and new connections are refused;
#   - with icmp_prohibited, a denied ping reads "Packet filtered" and a
#     denied UDP datagram fails with EHOSTUNREACH;
#   - an upstream whose answer hides a private address in the additional
#     section gets NXDOMAIN (dns_rebind_blocked), unless an allow rule
#     names that range.
# Pins are per address (a connection carries no name): any name answered
# with an address lets the guest reach that address under the rule.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
tg_init poldns

tg_round veth
echo ok >"$TMP/ok.txt"
tg_http_server "$TMP"
tg_dnsmasq "--address=/allowed.test/$TG_GW_IP" "--address=/bad.test/198.51.100.9" \
	"--address=/notallowed.test/198.51.100.10"
cat >"$TMP/policy.json" <<EOF
{
  "default_egress": "deny",
  "rules": [
    { "destination": "bad.test", "action": "deny" },
    { "destination": "*.allowed.test", "protocols": ["tcp"], "ports": [$HTTP_PORT],
      "action": "allow" }
  ]
}
EOF
tg_start_tapgate --policy "$TMP/policy.json" --dns "127.0.0.1:$DNS_PORT" --no-rebind-protection
url=http://$TG_GW_IP:$HTTP_PORT/ok.txt

rc=0
tg_gcurl --max-time 5 "$url" >"$TMP/c0.out" 2>&1 || rc=$?
tg_expect_eq "$rc" 7 "before DNS, the address is denied (curl reset)"
hits=$(tg_stat policy_hits.policy.default)
[ "$hits" -ge 1 ] || tg_fail "the denial is not counted on the policy's default"
tg_pass "the denial is counted on the policy's default ($hits in tapgate stats)"

got=$(tg_gexec dig +short +time=2 +tries=2 "@$TG_GW_IP" www.allowed.test)
tg_expect_eq "$got" "$TG_GW_IP" "www.allowed.test resolves"
got=$(tg_gcurl "$url" 2>&1) || true
tg_expect_eq "$got" ok "after DNS, the pinned address is allowed"

tg_stats_save "$TMP/s0.json"
status=$(tg_gexec dig +time=2 +tries=2 "@$TG_GW_IP" bad.test | sed -n 's/.*status: \([A-Z]*\).*/\1/p')
tg_expect_eq "$status" NXDOMAIN "a denied name gets NXDOMAIN"
tg_stats_save "$TMP/s1.json"
tg_stat_grew daemon.dns_policy_denied 1 "tapgate answered the denied name itself"
if grep -q 'bad\.test' "$DNS_LOG"; then
	tg_fail "the upstream saw a query for the denied name"
fi
tg_pass "the upstream never saw the denied name"

got=$(tg_gexec dig +short +time=2 +tries=2 "@$TG_GW_IP" notallowed.test)
tg_expect_eq "$got" 198.51.100.10 "a name no rule names resolves as usual"

# The control socket: a policy pushed with `tapgate policy` is checked
# first, resets the flows it denies, and keeps the others going.
# 64 MiB read at 2 MB/s: 32 s if nothing cuts it, far more than the
# guest's socket buffer (autotuned up to 6 MiB) can have taken in before the
# reset; so the reset, not a timeout or a finished transfer, must end it.
tg_make_file "$TMP/big.bin" 64
tg_bg ip netns exec "$GUESTNS" curl -sS --max-time 60 --limit-rate 2M \
	-o /dev/null -w '%{http_code}' "http://$TG_GW_IP:$HTTP_PORT/big.bin" >"$TMP/held.out" 2>&1
held=$BGPID
sleep 1
out=$("$TG" status "$HOSTDEV" --json) || tg_fail "tapgate status failed: $out"
tcp=$("$TG_PY" -c 'import json, sys; print(json.loads(sys.argv[1])["tcp_conns"])' "$out")
tg_expect_eq "$tcp" 1 "tapgate status --json: one TCP connection ($out)"
echo '{"rules": [{"destination": "10.0.0.0/33", "action": "allow"}]}' >"$TMP/bad.json"
rc=0
out=$("$TG" policy "$HOSTDEV" "$TMP/bad.json" 2>&1) || rc=$?
tg_expect_eq "$rc" 2 "tapgate policy refuses a bad file (exit 2)"
case "$out" in
*"bad.json:1: rules[0].destination"*) tg_pass "and says where: $out" ;;
*) tg_fail "bad file message: '$out'" ;;
esac
tg_own_child "$held" || tg_fail "the download stopped after a refused policy"
echo '{"default_egress": "deny", "rules": []}' >"$TMP/deny.json"
tg_stats_save "$TMP/s0.json"
out=$("$TG" policy "$HOSTDEV" "$TMP/deny.json") || tg_fail "tapgate policy failed: $out"
case "$out" in
"ok: "*"1 open flows it denies reset"*) tg_pass "tapgate policy: $out" ;;
*) tg_fail "tapgate policy: unexpected '$out'" ;;
esac
rc=0
wait "$held" || rc=$?
[ "$rc" -ne 0 ] || tg_fail "the held download finished although its flow was denied"
[ "$rc" = 56 ] || tg_fail "the held download ended with curl exit $rc, not a reset (56): $(cat "$TMP/held.out")"
tg_pass "the held download was cut (curl exit $rc: $(cat "$TMP/held.out"))"
tg_stats_save "$TMP/s1.json"
tg_stat_grew daemon.policy_resets 1 "the reset is counted"
rc=0
tg_gcurl --max-time 5 "$url" >/dev/null 2>&1 || rc=$?
tg_expect_eq "$rc" 7 "new connections are refused under the pushed policy"

# icmp_prohibited: denied ICMP and UDP get "administratively prohibited".
echo '{"default_egress": "deny", "icmp_prohibited": true}' >"$TMP/icmp.json"
"$TG" policy "$HOSTDEV" "$TMP/icmp.json" >/dev/null || tg_fail "tapgate policy icmp.json failed"
out=$(tg_gexec ping -c 1 -W 2 198.51.100.9 2>&1 || true)
case "$out" in
*"Packet filtered"*) tg_pass "a denied ping is answered 'Packet filtered'" ;;
*) tg_fail "denied ping under icmp_prohibited: '$out'" ;;
esac
out=$(tg_gexec "$TG_PY" -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(3)
s.connect(("198.51.100.9", 9))
s.send(b"x")
try:
    s.recv(10)
    print("answer")
except OSError as e:
    print(type(e).__name__, e.errno)' 2>&1)
tg_expect_eq "$out" "OSError 113" "a denied UDP datagram fails with EHOSTUNREACH"
[ "$(tg_stat daemon.policy_icmp_sent)" -ge 2 ] || tg_fail "policy_icmp_sent did not count them"
tg_pass "policy_icmp_sent counts them"
tg_stop_tapgate

# Rebinding hidden in the additional section: an upstream that answers
# every name with a public A record and, as additional data, a private
# one. The filter reads every section: NXDOMAIN; an allow rule naming the
# private range exempts it.
tg_bg "$TG_PY" "$TG_HELPERS/dnstool.py" glue "$TMP/glue.port" 198.51.100.7 10.20.30.40 \
	>"$TMP/glue.log" 2>&1
glue=$(tg_wait_port_file "$TMP/glue.port" "$BGPID" "dnstool.py glue")
echo '{"default_egress": "allow"}' >"$TMP/open.json"
tg_start_tapgate --policy "$TMP/open.json" --dns "127.0.0.1:$glue"
tg_stats_save "$TMP/s0.json"
status=$(tg_gexec dig +time=2 +tries=1 "@$TG_GW_IP" glue.test | sed -n 's/.*status: \([A-Z]*\).*/\1/p')
tg_expect_eq "$status" NXDOMAIN "a private address in the additional section: NXDOMAIN"
tg_stats_save "$TMP/s1.json"
tg_stat_grew daemon.dns_rebind_blocked 1 "counted as rebinding"
echo '{"default_egress": "allow", "rules": [{"destination": "10.20.0.0/16", "action": "allow"}]}' \
	>"$TMP/open.json"
"$TG" policy "$HOSTDEV" "$TMP/open.json" >/dev/null || tg_fail "tapgate policy failed"
got=$(tg_gexec dig +short +time=2 +tries=1 "@$TG_GW_IP" glue.test)
tg_expect_eq "$got" 198.51.100.7 "an allow rule naming the private range exempts it"
tg_stop_tapgate
