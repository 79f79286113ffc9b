#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# test_tls.sh - TLS interception and secrets (issue 17), through the real
# XDP program, daemon and OpenSSL, with real curl in the guest.
#
# A test internet: tapgate in a host namespace of its own, HTTPS servers
# (httpd.py with Python's ssl) on 198.51.100.2 in the target namespace:
# port 443 with a certificate for *.test from the test's own root CA
# (which tapgate trusts as tls.extra_ca), port 8443 with one from a CA
# nobody trusts. Names come from dnsmasq on the host namespace's loopback
# through tapgate's DNS; the guest's resolv.conf names the gateway and it
# trusts tapgate's CA (made by tapgate into --tls-state). The policy
# allows *.test on 443/8443 and denies everything else; its tls section
# bypasses bypass.test and holds one secret, API_TOKEN, for api.test. The
# guest:
#   - sends the placeholder in a header and in basic auth to api.test:
#     the server sees the real secret (and the placeholder never);
#   - sends it to www.test: 403 with the reason, the server sees nothing,
#     a violation counted for API_TOKEN;
#   - reaches bypass.test with the server's own certificate (verified by
#     the test's root CA, which only the server has);
#   - posts 100 MB (Content-Length) and 16 MiB chunked: digests match;
#   - asks bad.test:8443, whose certificate does not verify: 502 naming why;
#   - asks 198.51.100.2 for a name DNS never gave (not pinned): closed;
#   - sends QUIC (UDP) to 443: dropped and counted, UDP to 8444 arrives;
#   - opens 200 intercepted connections at once (held open by the server
#     until all 200 are there): all answered;
#   - sends a ClientHello one byte per segment: served; garbage instead of
#     a ClientHello: closed, counted; the daemon serves on.
# Then the secret is nowhere in tapgate's log or stats, and a policy with
# on_violation "disconnect" cuts the sandbox's network at the first one.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
tg_init tls

PUB=198.51.100.2
SECRET="s3cr3t-$RANDOM-value"
command -v openssl >/dev/null || tg_fail "openssl is missing (make deps)"

tg_round veth
tg_host_ns

# ---- the test internet's certificates
names=DNS:api.test,DNS:www.test,DNS:bypass.test,DNS:bad.test,DNS:unpinned.test,DNS:lax.test
tg_pki "$TMP/pki" root "$names"
tg_pki "$TMP/pki" rogue "$names"
mkdir -p "$TMP/www"
echo ok >"$TMP/www/ok.txt"

# t_https PORT CA: httpd.py with CA's leaf on $PUB:PORT in the target
# namespace.
t_https() {
	local pf=$TMP/https-$1.$P.port
	tg_bg ip netns exec "$TARGETNS" env TG_LISTEN="$PUB" TG_PORT="$1" \
		TG_TLS_CERT="$TMP/pki/$2-leaf.crt" TG_TLS_KEY="$TMP/pki/$2-leaf.key" \
		"$TG_PY" "$TG_HELPERS/httpd.py" "$TMP/www" "$pf" >"$TMP/https-$1.log" 2>&1
	tg_wait_port_file "$pf" "$BGPID" "httpd.py (HTTPS on $1)" >/dev/null
}
t_https 443 root
t_https 8443 rogue
LOG443=$TMP/https-443.log

TG_DNS_NETNS=$HOSTNS tg_dnsmasq "--address=/test/$PUB"

cat >"$TMP/policy.json" <<EOF
{
  "default_egress": "deny",
  "rules": [
    { "destination": "*.test", "protocols": ["tcp", "udp"], "ports": [443, 8443, 8444],
      "action": "allow" }
  ],
  "tls": {
    "ports": [443, 8443],
    "bypass": ["bypass.test"],
    "extra_ca": "$TMP/pki/root.crt",
    "no_verify": ["lax.test"],
    "secrets": [
      { "name": "API_TOKEN", "env": "TG_TEST_TOKEN", "hosts": ["api.test"] },
      { "name": "FILE_TOKEN", "file": "$TMP/file-token", "hosts": ["*.test"],
        "placeholder": "@@file-token@@", "inject": ["query"] }
    ]
  }
}
EOF
FSECRET="file-$RANDOM-secret"
echo "$FSECRET" >"$TMP/file-token"
CSECRET="cli-$RANDOM-secret"
TG_TEST_TOKEN=$SECRET CLI_TOKEN=$CSECRET tg_start_tapgate --policy "$TMP/policy.json" \
	--dns "127.0.0.1:$DNS_PORT" --tls-intercept --tls-state "$TMP/tls" \
	--secret CLI_TOKEN=api.test,other.test ${TG_TLS_DEBUG:+--log-level debug}
CA=$TMP/tls/ca.crt
[ -s "$CA" ] || tg_fail "tapgate made no CA in --tls-state"
tg_pass "tapgate made its CA: $CA"

tg_guest_resolv

gc() { tg_gcurl --cacert "$CA" "$@"; }
# grew KEY BEFORE AFTER MSG: counter KEY grew between two snapshots.
grew() {
	local d
	d=$(tg_stat_delta "$1" "$2" "$3")
	[ "$d" -ge 1 ] || tg_fail "$4: $1 grew by $d"
	tg_pass "$4 ($1 +$d)"
}
PH='$TAPGATE_API_TOKEN'

# ---- secrets
got=$(gc -H "Authorization: Bearer $PH" https://api.test/headers)
grep -qF "Authorization: Bearer $SECRET" <<<"$got" ||
	tg_fail "api.test did not get the secret in the header: $got"
grep -qF "$PH" <<<"$got" && tg_fail "api.test got the placeholder: $got"
tg_pass "a placeholder in a header to api.test: the server got the secret"

got=$(gc -u "bot:$PH" https://api.test/headers)
want=$(printf 'bot:%s' "$SECRET" | base64 -w0)
grep -qF "Authorization: Basic $want" <<<"$got" ||
	tg_fail "api.test did not get the secret in basic auth: $got"
tg_pass "a placeholder in basic auth's password: the server got the secret"

got=$(gc -H 'X-Cli: $TAPGATE_CLI_TOKEN' "https://api.test/headers")
grep -qF "X-Cli: $CSECRET" <<<"$got" || tg_fail "the --secret value did not arrive: $got"
tg_pass "a --secret NAME=HOSTS secret (value from the environment) arrives"
got=$(gc "https://www.test/headers?k=@@file-token@@")
grep -q "GET /headers?k=$FSECRET " "$LOG443" || tg_fail "the file secret is not in the query"
tg_pass "a secret read from a file, allowed in the query only, arrives there"
code=$(gc -o /dev/null -w '%{http_code}' -H 'X: @@file-token@@' https://www.test/headers) || true
tg_expect_eq "$code" 403 "and in a header, where it may not go, it is blocked"

lck=$(awk '/^VmLck:/ {print $2}' "/proc/$TGPID/status")
[ "${lck:-0}" -gt 0 ] || tg_fail "the secrets' memory is not locked (VmLck ${lck:-?} kB)"
tg_pass "the secrets' memory is locked (VmLck $lck kB)"

ver=$(gc --http2 -o /dev/null -w '%{http_version}' https://api.test/ok.txt)
tg_expect_eq "$ver" 1.1 "a client offering h2 speaks HTTP/1.1 (the ALPN tapgate offers)"

# The leaf tapgate shows: for the name, from an hour ago, for a day.
tg_gexec openssl s_client -connect "$PUB:443" -servername api.test -CAfile "$CA" \
	-verify_return_error </dev/null 2>/dev/null | openssl x509 >"$TMP/leaf.pem" ||
	tg_fail "openssl s_client found no certificate"
nb=$(date -d "$(openssl x509 -in "$TMP/leaf.pem" -noout -startdate | cut -d= -f2)" +%s)
na=$(date -d "$(openssl x509 -in "$TMP/leaf.pem" -noout -enddate | cut -d= -f2)" +%s)
now=$(date +%s)
[ $((now - nb)) -ge 3500 ] && [ $((now - nb)) -le 3700 ] ||
	tg_fail "notBefore is $((now - nb)) s ago, not about an hour"
[ $((na - now)) -ge 86000 ] && [ $((na - now)) -le 86500 ] ||
	tg_fail "notAfter is in $((na - now)) s, not about a day"
openssl x509 -in "$TMP/leaf.pem" -noout -ext subjectAltName | grep -q "DNS:api.test" ||
	tg_fail "the leaf does not name api.test"
tg_pass "the leaf names api.test, from $((now - nb)) s ago for $((na - nb)) s"

got=$(gc https://lax.test:8443/ok.txt)
tg_expect_eq "$got" ok "a no_verify name reaches a server whose certificate does not verify"

tg_stats_save "$TMP/s0.json"
before=$(grep -c 'GET /headers' "$LOG443")
rc=0
got=$(gc -H "X-Key: $PH" https://www.test/headers) || rc=$?
grep -q "403\|tapgate: secret API_TOKEN may not be sent to www.test" <<<"$got" ||
	tg_fail "the placeholder to www.test was not blocked (rc $rc): $got"
tg_pass "the placeholder to www.test: '$got'"
sleep 0.5
tg_expect_eq "$(grep -c 'GET /headers' "$LOG443")" "$before" "www.test's server saw nothing"
tg_stats_save "$TMP/s1.json"
tg_stat_grew daemon.tls_violations 1 "the violation is counted"
v=$(tg_stat tls_secrets.API_TOKEN.violations)
tg_expect_eq "$v" 1 "and counted for API_TOKEN"
code=$(gc -o /dev/null -w '%{http_code}' -H "X-Key: $PH" https://www.test/headers) || true
tg_expect_eq "$code" 403 "the guest reads status 403"

# ---- bypass: the server's own certificate reaches the guest
got=$(tg_gcurl --cacert "$TMP/pki/root.crt" https://bypass.test/ok.txt)
tg_expect_eq "$got" ok "bypass.test verifies with the server's own CA"
rc=0
gc https://bypass.test/ok.txt >/dev/null 2>&1 || rc=$?
tg_expect_eq "$rc" 60 "and not with tapgate's (curl 60: not intercepted)"

# ---- bodies
tg_make_file "$TMP/big" 100
want=$(tg_sha "$TMP/big")
got=$(gc --max-time 120 --data-binary @"$TMP/big" https://api.test/upload)
tg_expect_eq "$got" "$want" "a 100 MB POST arrives intact"
head -c 16777216 "$TMP/big" >"$TMP/mid"
got=$(gc --max-time 60 -H "Transfer-Encoding: chunked" -H "X-Key: $PH" \
	--data-binary @"$TMP/mid" https://api.test/upload)
tg_expect_eq "$got" "$(tg_sha "$TMP/mid")" "a 16 MiB chunked POST arrives intact"
got=$(gc --max-time 60 https://api.test/big)
[ -z "$got" ] || true

# ---- a server whose certificate does not verify
got=$(gc https://bad.test:8443/ok.txt 2>&1) || true
grep -q "does not verify" <<<"$got" || tg_fail "bad.test:8443 did not fail with a reason: $got"
tg_pass "an unverifiable server: '$(tail -n 1 <<<"$got")'"

# ---- a name DNS never gave: closed before anything reaches the server
tg_stats_save "$TMP/s2.json"
rc=0
gc --resolve "unpinned.test:443:$PUB" https://unpinned.test/headers >/dev/null 2>&1 || rc=$?
[ "$rc" = 35 ] || [ "$rc" = 56 ] || tg_fail "a name that is not pinned got through (curl $rc)"
tg_stats_save "$TMP/s3.json"
grew daemon.tls_denied "$TMP/s2.json" "$TMP/s3.json" "a server name not pinned is refused (curl $rc)"

# ---- QUIC
tg_bg ip netns exec "$TARGETNS" timeout 20 nc -u -l "$PUB" 443 >"$TMP/quic.out"
tg_bg ip netns exec "$TARGETNS" timeout 20 nc -u -l "$PUB" 8444 >"$TMP/udp.out"
sleep 0.3
tg_gexec dig +short +time=2 +tries=1 quic.test >/dev/null
for port in 443 8444; do
	echo "datagram-$port" | tg_gexec nc -u -w 1 "$PUB" "$port" || true
done
sleep 0.5
tg_expect_eq "$(cat "$TMP/udp.out")" datagram-8444 "UDP to 8444 arrives"
tg_expect_eq "$(cat "$TMP/quic.out")" "" "UDP to 443 (QUIC) does not"
tg_stats_save "$TMP/s4.json"
grew daemon.tls_quic_dropped "$TMP/s3.json" "$TMP/s4.json" "the QUIC datagram is counted"

# ---- 200 at once
urls=()
for i in $(seq 200); do
	urls+=(-o /dev/null "https://api.test/ok.txt?barrier=b200&n=200&i=$i")
done
tg_stats_save "$TMP/s5.json"
gc --max-time 90 --parallel --parallel-max 200 --parallel-immediate -w '%{http_code}\n' \
	"${urls[@]}" >"$TMP/par.out" 2>&1 || true
tg_expect_eq "$(grep -c '^200$' "$TMP/par.out")" 200 "200 concurrent intercepted requests answered"
tg_stats_save "$TMP/s6.json"
n=$(tg_stat_delta daemon.tls_intercepted "$TMP/s5.json" "$TMP/s6.json")
[ "$n" -ge 200 ] || tg_fail "only $n intercepted connections counted"
tg_pass "$n intercepted connections counted"

# ---- ClientHellos
probe() { tg_gexec timeout 60 "$TG_PY" "$TG_HELPERS/tlsprobe.py" "$@"; }
got=$(probe split api.test "$PUB" 443 "$CA" /ok.txt 8)
tg_expect_eq "$got" "$(printf 'HTTP/1.1 200 OK\nok')" "a ClientHello 8 bytes per segment is served"
# One byte per segment: the guest's kernel sends ten, then waits for
# lwIP's delayed ACK, about 30 bytes a second: longer than the 10 s a
# ClientHello may take.
tg_stats_save "$TMP/s6a.json"
t0=$(tg_now_ms)
got=$(probe split api.test "$PUB" 443 "$CA" /ok.txt 1)
t1=$(tg_now_ms)
tg_expect_eq "$got" closed "a ClientHello one byte per segment, dribbled past 10 s, is closed"
[ $((t1 - t0)) -ge 9500 ] && [ $((t1 - t0)) -le 13000 ] ||
	tg_fail "closed after $((t1 - t0)) ms, not at the 10 s bound"
tg_stats_save "$TMP/s6b.json"
grew daemon.tls_bad_hello "$TMP/s6a.json" "$TMP/s6b.json" "closed after $((t1 - t0)) ms and counted"
tg_stats_save "$TMP/s6.json"
got=$(probe garbage "$PUB" 443)
tg_expect_eq "$got" closed "a garbage ClientHello is closed"
tg_stats_save "$TMP/s7.json"
grew daemon.tls_bad_hello "$TMP/s6.json" "$TMP/s7.json" "and counted"
got=$(gc https://api.test/ok.txt)
tg_expect_eq "$got" ok "the daemon serves on"

# ---- the secret stays secret
grep -qF "$SECRET" "$TG_LOG" && tg_fail "the secret is in tapgate's log"
tg_stats_json >"$TMP/final.json"
grep -qF "$SECRET" "$TMP/final.json" && tg_fail "the secret is in tapgate stats"
grep -qF "$SECRET" "/proc/$TGPID/environ" && tg_fail "the secret is in the daemon's environment"
grep -qF "$CSECRET" "/proc/$TGPID/environ" && tg_fail "the --secret value is in the daemon's environment"
tr '\0' '\n' <"/proc/$TGPID/environ" | grep -q '^PATH=' || tg_fail "cannot read the daemon's environment"
tg_pass "the secret is not in the log, the stats or the daemon's environment"
tg_stop_tapgate_hostns

# ---- on_violation "disconnect"
sed -i 's/"ports": \[443, 8443\],/"ports": [443, 8443], "on_violation": "disconnect",/' \
	"$TMP/policy.json"
TG_TEST_TOKEN=$SECRET tg_start_tapgate --policy "$TMP/policy.json" --dns "127.0.0.1:$DNS_PORT" \
	--tls-intercept --tls-state "$TMP/tls" ${TG_TLS_DEBUG:+--log-level debug}
got=$(gc https://api.test/ok.txt)
tg_expect_eq "$got" ok "with on_violation disconnect, the same CA ($CA) still serves"
gc -H "X-Key: $PH" https://www.test/headers >/dev/null 2>&1 || true
rc=0
gc --max-time 5 https://api.test/ok.txt >/dev/null 2>&1 || rc=$?
[ "$rc" != 0 ] || tg_fail "the network stayed up after a violation with on_violation disconnect"
grep -q "network cut after a TLS violation" "$TG_LOG" || tg_fail "the cut is not logged"
tg_pass "a violation cut the sandbox's network (curl $rc after it)"
tg_stop_tapgate_hostns
