#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""udptool.py - a UDP echo server (host side) and UDP clients (guest side)
for tests/integration/test_udp.sh. Only the standard library; clients talk
only to the HOST PORT given on the command line and check that every reply
comes from exactly that address (tapgate must answer from the original
destination).

HOST may be an IPv6 address: the client's sockets are IPv6 then.

Server:
  serve-echo PORT_FILE [PORT]
        bind UDP 127.0.0.1:PORT (or $TG_LISTEN: "::1", or "::" for both
        families; PORT 0, the default: the kernel picks), write the
        port to PORT_FILE, then answer every datagram to its sender: the
        datagram itself, except that "WHOAMI?" is answered with
        "WHOAMI IP:PORT", the address the server saw (the relay's host
        socket). Exits 2 if PORT cannot be bound.

Clients (print a result line, exit 0 on success, 1 on failure). Each
exchange is stop-and-wait: send, wait for the echo (TIMEOUT s), resend up
to RETRIES more times; a late echo of an earlier resent datagram is
recognised and skipped, anything else unexpected fails.
  bulk HOST PORT COUNT SEED
        COUNT datagrams, the first few of edge sizes (1, 1472, 1473, 65507,
        ...) then random sizes 1..65507 from SEED, random content; every
        echo checked byte for byte. Prints "ok: N datagrams, B bytes each
        way, R retries, L late echoes, T s"
  echo HOST PORT COUNT SIZE
        COUNT datagrams of SIZE bytes; prints "ok: N echoed, R retries"
  flows HOST PORT NSOCK KEEP OUTFILE
        NSOCK sockets, each bound to its own port, each sends "WHOAMI?"
        once and gets its answer; then the newest KEEP ask again and must
        see the same host address (their flow, and its host socket, kept).
        OUTFILE gets "GUEST_PORT HOST_ADDR" per socket. Prints "ok: ..."
  whoami HOST PORT [--sport N]
        one "WHOAMI?" from source port N (default any); prints the address
  burst HOST PORT ROUNDS [SIZE]
        ROUNDS rounds of 32 datagrams sent back to back without DF (no
        waiting, so the relay gets them in one batch), mostly of one size
        per round (8, 100, 1000, 1472 in turn, or SIZE), with a shorter one
        at place 17 and a longer one at place 25; then the echoes are
        collected for up to TIMEOUT s. Every echo must be intact and come
        in the order sent; at most 5 % may be lost. Prints "ok: N sent, M
        echoed in order, L lost"
  silent HOST PORT COUNT WAIT [SIZE]
        send COUNT datagrams (of SIZE bytes: more than the MTU makes the
        guest fragment them), then listen WAIT s: prints "no reply" (exit 0)
        or "reply from IP:PORT" (exit 1)
"""
import hashlib
import os
import resource
import random
import socket
import sys
import time

MAX_UDP = 65507
TIMEOUT = 2.0
RETRIES = 3
BUF = 4 << 20
EDGE_SIZES = [1, 2, 3, 4, 5, 100, 1472, 1473, 1480, 2952, 2953, 8972, 32768, 65506, 65507]
WHOAMI = b"WHOAMI?"


class Failure(Exception):
    """The check failed; the message says how."""


FAMILY = socket.AF_INET  # of the clients' sockets: main() sets it from HOST


def udp_socket(sport=0):
    s = socket.socket(FAMILY, socket.SOCK_DGRAM)
    for opt in (socket.SO_RCVBUF, socket.SO_SNDBUF):
        try:
            s.setsockopt(socket.SOL_SOCKET, opt, BUF)
        except OSError:
            pass
    s.bind(("::" if FAMILY == socket.AF_INET6 else "0.0.0.0", sport))
    return s


def exchange(sock, dest, payload, check, stale, what):
    """Send payload until check(data) accepts an answer.

    Returns the number of retries and the accepted data. An answer that is
    the digest-known echo of an earlier resent datagram is skipped (and
    counted in stale["late"]); anything else makes a Failure.
    """
    for attempt in range(RETRIES + 1):
        sock.sendto(payload, dest)
        deadline = time.monotonic() + TIMEOUT
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                break
            sock.settimeout(left)
            try:
                data, src = sock.recvfrom(MAX_UDP + 1)
            except socket.timeout:
                break
            if src[:2] != dest:
                raise Failure("%s: reply from %s:%d, expected it from %s:%d"
                              % ((what,) + src + dest))
            if check(data):
                return attempt, data
            if hashlib.sha1(data).digest() in stale["sent"]:
                stale["late"] += 1
                continue
            raise Failure("%s: wrong reply: %s" % (what, diff(payload, data)))
        stale["sent"].add(hashlib.sha1(payload).digest())
    raise Failure("%s: no reply after %d tries (%.0f s each)" % (what, RETRIES + 1, TIMEOUT))


def diff(want, got):
    if len(want) != len(got):
        return "%d bytes, expected %d" % (len(got), len(want))
    for i, (a, b) in enumerate(zip(want, got)):
        if a != b:
            return "%d bytes, first difference at byte %d (0x%02x, expected 0x%02x)" % (
                len(got), i, b, a)
    return "identical?"


def payload_for(rng, seq, size):
    data = bytearray(rng.randbytes(size))
    tag = seq.to_bytes(4, "big")  # no two datagrams alike, where room
    data[:min(4, size)] = tag[:min(4, size)]
    return bytes(data)


def dest_of(host, port):
    if FAMILY == socket.AF_INET6:
        return (host, int(port))
    return (socket.gethostbyname(host), int(port))


def cmd_serve_echo(port_file, port=0):
    addr = os.environ.get("TG_LISTEN", "127.0.0.1")
    s = socket.socket(socket.AF_INET6 if ":" in addr else socket.AF_INET, socket.SOCK_DGRAM)
    if addr == "::":
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    for opt in (socket.SO_RCVBUF, socket.SO_SNDBUF):
        s.setsockopt(socket.SOL_SOCKET, opt, BUF)
    try:
        s.bind((addr, int(port)))
    except OSError as e:
        print("cannot bind 127.0.0.1:%s: %s" % (port, e), flush=True)
        return 2
    with open(port_file + ".tmp", "w") as f:
        f.write("%d\n" % s.getsockname()[1])
    os.rename(port_file + ".tmp", port_file)
    while True:
        data, src = s.recvfrom(MAX_UDP + 1)
        if data == WHOAMI:
            data = b"WHOAMI %s:%d" % (src[0].encode(), src[1])
        try:
            s.sendto(data, src)
        except OSError as e:
            print("sendto %s:%d: %s" % (src + (e,)), flush=True)


def cmd_bulk(host, port, count, seed):
    dest, count = dest_of(host, port), int(count)
    rng = random.Random(int(seed))
    sock = udp_socket()
    stale = {"sent": set(), "late": 0}
    retries, nbytes, start = 0, 0, time.monotonic()
    for i in range(count):
        size = EDGE_SIZES[i] if i < len(EDGE_SIZES) else rng.randint(1, MAX_UDP)
        payload = payload_for(rng, i, size)
        r, _ = exchange(sock, dest, payload, payload.__eq__, stale,
                        "datagram %d (%d bytes)" % (i, size))
        retries += r
        nbytes += size
    secs = time.monotonic() - start
    print("ok: %d datagrams, %d bytes each way, %d retries, %d late echoes, %.1f s (%.1f MB/s each way)"
          % (count, nbytes, retries, stale["late"], secs, nbytes / secs / 1e6))
    return 0


def cmd_echo(host, port, count, size):
    dest, count, size = dest_of(host, port), int(count), int(size)
    rng = random.Random(size)
    sock = udp_socket()
    stale = {"sent": set(), "late": 0}
    retries = 0
    for i in range(count):
        payload = payload_for(rng, i, size)
        r, _ = exchange(sock, dest, payload, payload.__eq__, stale, "datagram %d" % i)
        retries += r
    print("ok: %d echoed, %d retries" % (count, retries))
    return 0


def whoami(sock, dest, what):
    stale = {"sent": set(), "late": 0}
    _, data = exchange(sock, dest, WHOAMI, lambda d: d.startswith(b"WHOAMI "), stale, what)
    return data[len(b"WHOAMI "):].decode()


def cmd_flows(host, port, nsock, keep, outfile):
    dest, nsock, keep = dest_of(host, port), int(nsock), int(keep)
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < nsock + 64:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, nsock + 64), hard))
    socks, seen = [], []
    for i in range(nsock):
        s = udp_socket()
        seen.append(whoami(s, dest, "flow %d (first datagram)" % i))
        socks.append(s)
    with open(outfile, "w") as f:
        for s, addr in zip(socks, seen):
            f.write("%d %s\n" % (s.getsockname()[1], addr))
    for i in range(nsock - keep, nsock):
        again = whoami(socks[i], dest, "flow %d (second datagram)" % i)
        if again != seen[i]:
            raise Failure("flow %d (guest port %d) is one of the newest %d but its second "
                          "datagram came from host %s, the first from %s: its flow was not kept"
                          % (i, socks[i].getsockname()[1], keep, again, seen[i]))
    newest = seen[nsock - keep:]
    if len(set(newest)) != keep:
        raise Failure("the newest %d flows share host sockets: %d distinct host addresses"
                      % (keep, len(set(newest))))
    print("ok: %d flows each echoed from their own host socket; the newest %d kept theirs"
          % (nsock, keep))
    return 0


def cmd_whoami(host, port, *rest):
    sport = 0
    if rest:
        if len(rest) != 2 or rest[0] != "--sport":
            sys.exit(__doc__)
        sport = int(rest[1])
    sock = udp_socket(sport)
    print(whoami(sock, dest_of(host, port), "whoami from port %d" % sock.getsockname()[1]))
    return 0


BURST = 32
IP_MTU_DISCOVER, IP_PMTUDISC_DONT = 10, 0
BURST_SIZES = [8, 100, 1000, 1472]


def burst_payload(seq, size):
    return seq.to_bytes(4, "big") + bytes((seq * 31 + i * 7) & 0xff for i in range(size - 4))


def burst_sizes(rnd, size):
    size = size or BURST_SIZES[rnd % len(BURST_SIZES)]
    sizes = [size] * BURST
    sizes[17] = size // 2 + 4
    sizes[25] = size + 1
    return sizes


def burst_collect(sock, dest, first, sizes, last_seq):
    """The echoes of one round, in order and intact; returns (echoed, last seq)."""
    echoed, deadline = 0, time.monotonic() + TIMEOUT
    while echoed < len(sizes) and time.monotonic() < deadline:
        sock.settimeout(max(0.01, deadline - time.monotonic()))
        try:
            data, src = sock.recvfrom(MAX_UDP + 1)
        except socket.timeout:
            break
        if src[:2] != dest:
            raise Failure("an echo came from %s:%d, not %s:%d" % (src + dest))
        seq = int.from_bytes(data[:4], "big") if len(data) >= 4 else -1
        if not first <= seq < first + len(sizes):
            raise Failure("an echo of %d bytes carries sequence %d, outside round %d..%d"
                          % (len(data), seq, first, first + len(sizes) - 1))
        want = burst_payload(seq, sizes[seq - first])
        if data != want:
            raise Failure("echo %d: %s" % (seq, diff(want, data)))
        if seq <= last_seq:
            raise Failure("echo %d came after echo %d: reordered or duplicated"
                          % (seq, last_seq))
        last_seq, echoed = seq, echoed + 1
    return echoed, last_seq


def cmd_burst(host, port, rounds, size=0):
    dest, rounds, size = dest_of(host, port), int(rounds), int(size)
    sock = udp_socket()
    sock.setsockopt(socket.IPPROTO_IP, IP_MTU_DISCOVER, IP_PMTUDISC_DONT)
    sent = echoed = 0
    last_seq = -1
    for rnd in range(rounds):
        sizes = burst_sizes(rnd, size)
        for i, size in enumerate(sizes):
            sock.sendto(burst_payload(sent + i, size), dest)
        n, last_seq = burst_collect(sock, dest, sent, sizes, last_seq)
        sent, echoed = sent + len(sizes), echoed + n
    lost = sent - echoed
    if lost * 20 > sent:
        raise Failure("%d of %d datagrams lost" % (lost, sent))
    print("ok: %d sent, %d echoed in order, %d lost" % (sent, echoed, lost))
    return 0


def cmd_silent(host, port, count, wait, size=0):
    dest = dest_of(host, port)
    sock = udp_socket()
    for i in range(int(count)):
        probe = b"probe %d" % i
        sock.sendto(probe.ljust(int(size), b"."), dest)
    deadline = time.monotonic() + float(wait)
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            print("no reply")
            return 0
        sock.settimeout(left)
        try:
            data, src = sock.recvfrom(MAX_UDP + 1)
        except socket.timeout:
            continue
        except OSError as e:  # e.g. ECONNREFUSED from an ICMP error
            print("error %s" % e)
            return 1
        print("reply from %s:%d (%d bytes)" % (src[:2] + (len(data),)))
        return 1


def main():
    args = sys.argv[1:]
    cmds = {
        "serve-echo": (cmd_serve_echo, (1, 2)),
        "bulk": (cmd_bulk, (4,)),
        "burst": (cmd_burst, (3, 4)),
        "echo": (cmd_echo, (4,)),
        "flows": (cmd_flows, (5,)),
        "whoami": (cmd_whoami, (2, 4)),
        "silent": (cmd_silent, (4, 5)),
    }
    if not args or args[0] not in cmds or len(args) - 1 not in cmds[args[0]][1]:
        sys.exit(__doc__)
    global FAMILY
    if args[0] != "serve-echo" and ":" in args[1]:
        FAMILY = socket.AF_INET6
    try:
        return cmds[args[0]][0](*args[1:])
    except Failure as e:
        print("FAILED: %s" % e)
        return 1


if __name__ == "__main__":
    sys.exit(main())
