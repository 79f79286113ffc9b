#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""dnstool.py - a DNS client with exact control over the query (guest side)
and a silent upstream (host side), for tests/integration/test_dns.sh. dig
cannot fix the transaction id, pipeline queries on one TCP connection or
show the address a UDP answer came from; this can. Only the standard
library; all traffic goes to the server named on the command line.

Clients (print one line per answer, exit 1 on a timeout or a broken reply):
  query SERVER[:PORT] NAME [TYPE] [--id N] [--tcp] [--edns SIZE]
        one query (UDP unless --tcp; TYPE A, AAAA or TXT, default A) with
        transaction id N (default 0xbeef); prints
        "id=0xNNNN from=IP:PORT rcode=NAME tc=0|1 qname=NAME answers=LIST"
        where LIST is "A:1.2.3.4,A:..." or "-" (from= is the address the
        UDP answer came from; for TCP the address connected to)
  pipeline SERVER[:PORT] NAME... [--id N]
        one TCP connection; all queries (ids N, N+1, ...) written back to
        back in one send, then one answer read per query, in any order;
        checks that every id is answered once and that each answer is for
        its own question; prints one line per answer and then "ok"

  burst SERVER[:PORT] N
        two UDP sockets (two guest ports); N ids, each used on both: the
        first socket asks a.test, the second b.test, all 2N queries sent
        back to back before any answer is read; checks that each socket
        gets one answer per id, for its own name, and that a.test and
        b.test answer different addresses; prints "ok: ..."

Host side:
  blackhole PORT_FILE
        bind UDP 127.0.0.1:0, write the port to PORT_FILE, read and drop
        every datagram forever: an upstream that never answers (nothing
        listens on TCP on that port, so TCP to it is refused)
  glue PORT_FILE PUBLIC PRIVATE
        bind UDP 127.0.0.1:0 as blackhole does; answer every query with
        one A record PUBLIC in the answer section and one A record
        PRIVATE for the same name in the additional section: a rebinding
        that hides outside the answer section
"""
import os
import random
import select
import socket
import struct
import sys
import time

TYPES = {"A": 1, "AAAA": 28, "TXT": 16, "OPT": 41}
TYPE_NAMES = {v: k for k, v in TYPES.items()}
RCODES = {0: "NOERROR", 1: "FORMERR", 2: "SERVFAIL", 3: "NXDOMAIN",
          4: "NOTIMP", 5: "REFUSED"}
TIMEOUT = 8.0


class Broken(Exception):
    """A reply that cannot be parsed."""


def encode_name(name):
    out = b""
    for label in name.rstrip(".").split("."):
        if label:
            out += bytes([len(label)]) + label.encode()
    return out + b"\x00"


def build_query(qid, name, qtype, edns=None):
    """A recursive query for NAME/QTYPE, with an OPT record if edns."""
    hdr = struct.pack("!HHHHHH", qid, 0x0100, 1, 0, 0, 1 if edns else 0)
    msg = hdr + encode_name(name) + struct.pack("!HH", qtype, 1)
    if edns:
        msg += b"\x00" + struct.pack("!HHIH", TYPES["OPT"], edns, 0, 0)
    return msg


def decode_name(msg, off):
    """Return (name, offset after the name) following compression."""
    labels, end, hops = [], None, 0
    while True:
        if off >= len(msg):
            raise Broken("name runs past the end")
        n = msg[off]
        if n & 0xC0 == 0xC0:
            if off + 1 >= len(msg) or hops > 64:
                raise Broken("bad compression pointer")
            if end is None:
                end = off + 2
            off = ((n & 0x3F) << 8) | msg[off + 1]
            hops += 1
            continue
        if n == 0:
            return ".".join(labels), (end if end is not None else off + 1)
        labels.append(msg[off + 1:off + 1 + n].decode(errors="replace"))
        off += 1 + n


def rdata_text(rtype, rdata):
    if rtype == 1 and len(rdata) == 4:
        return socket.inet_ntop(socket.AF_INET, rdata)
    if rtype == 28 and len(rdata) == 16:
        return socket.inet_ntop(socket.AF_INET6, rdata)
    if rtype == 16:
        parts, i = [], 0
        while i < len(rdata):
            n = rdata[i]
            parts.append(rdata[i + 1:i + 1 + n].decode(errors="replace"))
            i += 1 + n
        return "".join(parts)
    return rdata.hex()


def parse(msg):
    """Parse an answer: a dict with id, rcode, tc, qname, qtype, answers."""
    if len(msg) < 12:
        raise Broken("answer of %d bytes" % len(msg))
    qid, flags, qd, an, _ns, _ar = struct.unpack("!HHHHHH", msg[:12])
    off, qname, qtype = 12, "", 0
    for _ in range(qd):
        qname, off = decode_name(msg, off)
        qtype = struct.unpack("!H", msg[off:off + 2])[0]
        off += 4
    answers = []
    try:
        for _ in range(an):
            _rname, off = decode_name(msg, off)
            rtype, _cls, _ttl, rdlen = struct.unpack("!HHIH", msg[off:off + 10])
            off += 10
            rdata = msg[off:off + rdlen]
            if len(rdata) != rdlen:
                raise Broken("record runs past the end")
            off += rdlen
            answers.append((TYPE_NAMES.get(rtype, str(rtype)), rdata_text(rtype, rdata)))
    except (Broken, struct.error):
        if not flags & 0x0200:  # a truncated answer may end mid-record
            raise
    return {"id": qid, "qr": bool(flags & 0x8000), "tc": bool(flags & 0x0200),
            "rcode": RCODES.get(flags & 0xF, str(flags & 0xF)),
            "qname": qname, "qtype": qtype, "answers": answers}


def describe(r, src):
    ans = ",".join("%s:%s" % a for a in r["answers"]) or "-"
    return "id=0x%04x from=%s:%d rcode=%s tc=%d qname=%s answers=%s" % (
        r["id"], src[0], src[1], r["rcode"], int(r["tc"]), r["qname"] or "-", ans)


def server_addr(text):
    host, _, port = text.partition(":")
    return host, int(port or 53)


def recv_exact(sock, n):
    buf = b""
    while len(buf) < n:
        data = sock.recv(n - len(buf))
        if not data:
            raise Broken("connection closed after %d of %d bytes" % (len(buf), n))
        buf += data
    return buf


def recv_framed(sock):
    (n,) = struct.unpack("!H", recv_exact(sock, 2))
    return recv_exact(sock, n)


def take_opts(args, names):
    """Pull --flag and --opt VALUE out of args; return (opts, rest)."""
    opts, rest, i = {}, [], 0
    while i < len(args):
        a = args[i]
        if a in names:
            if names[a]:
                if i + 1 >= len(args):
                    sys.exit("%s needs a value" % a)
                opts[a] = args[i + 1]
                i += 2
                continue
            opts[a] = True
        else:
            rest.append(a)
        i += 1
    return opts, rest


def cmd_query(args):
    opts, rest = take_opts(args, {"--id": True, "--tcp": False, "--edns": True})
    if len(rest) not in (2, 3):
        sys.exit(__doc__)
    server = server_addr(rest[0])
    qtype = TYPES[rest[2].upper()] if len(rest) == 3 else 1
    qid = int(opts.get("--id", "0xbeef"), 0)
    edns = int(opts["--edns"]) if "--edns" in opts else None
    query = build_query(qid, rest[1], qtype, edns)
    try:
        if "--tcp" in opts:
            sock = socket.create_connection(server, timeout=TIMEOUT)
            sock.sendall(struct.pack("!H", len(query)) + query)
            msg, src = recv_framed(sock), server
        else:
            sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            sock.settimeout(TIMEOUT)
            sock.sendto(query, server)  # unconnected: see who answers
            msg, src = sock.recvfrom(65535)
        r = parse(msg)
    except socket.timeout:
        print("timeout: no answer from %s:%d within %.0f s" % (server + (TIMEOUT,)))
        return 1
    except (OSError, Broken, struct.error) as e:
        print("error: %s" % e)
        return 1
    print(describe(r, src))
    return 0


def cmd_pipeline(args):
    opts, rest = take_opts(args, {"--id": True})
    if len(rest) < 3:
        sys.exit(__doc__)
    server, names = server_addr(rest[0]), rest[1:]
    base = int(opts.get("--id", "0x5150"), 0)
    want = {(base + i) & 0xFFFF: name for i, name in enumerate(names)}
    blob = b""
    for qid, name in want.items():
        q = build_query(qid, name, TYPES["A"])
        blob += struct.pack("!H", len(q)) + q
    try:
        sock = socket.create_connection(server, timeout=TIMEOUT)
        sock.sendall(blob)  # every query in one write: one segment
        got = []
        for _ in names:
            got.append(parse(recv_framed(sock)))
    except socket.timeout:
        print("timeout after %d of %d answers" % (len(got), len(names)))
        return 1
    except (OSError, Broken, struct.error) as e:
        print("error: %s" % e)
        return 1
    bad = 0
    seen = set()
    for r in got:
        print(describe(r, server))
        if r["id"] not in want:
            print("answer with id 0x%04x matches no query" % r["id"])
            bad += 1
        elif r["id"] in seen:
            print("id 0x%04x answered twice" % r["id"])
            bad += 1
        elif r["qname"].rstrip(".") != want[r["id"]].rstrip("."):
            print("id 0x%04x asked %s but answers %s" % (r["id"], want[r["id"]], r["qname"]))
            bad += 1
        elif r["rcode"] != "NOERROR" or not r["answers"]:
            print("id 0x%04x: %s with %d answers" % (r["id"], r["rcode"], len(r["answers"])))
            bad += 1
        seen.add(r["id"])
    if bad:
        return 1
    print("ok")
    return 0


def cmd_burst(args):
    if len(args) != 2:
        sys.exit(__doc__)
    server, n = server_addr(args[0]), int(args[1])
    ids = random.Random(n).sample(range(1, 0x10000), n)
    socks = {}
    for name in ("a.test", "b.test"):
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind(("0.0.0.0", 0))
        socks[name] = s
    for qid in ids:
        for name, s in socks.items():
            s.sendto(build_query(qid, name, TYPES["A"]), server)
    got = {name: {} for name in socks}
    deadline = time.monotonic() + TIMEOUT
    while sum(len(g) for g in got.values()) < 2 * n:
        left = deadline - time.monotonic()
        if left <= 0:
            break
        ready, _, _ = select.select(list(socks.values()), [], [], left)
        for name, s in socks.items():
            if s not in ready:
                continue
            msg, src = s.recvfrom(65535)
            try:
                r = parse(msg)
            except (Broken, struct.error) as e:
                print("%s: broken answer: %s" % (name, e))
                return 1
            if src != server:
                print("%s: answer from %s:%d, asked %s:%d" % ((name,) + src + server))
                return 1
            if r["id"] not in ids:
                print("%s: answer with id 0x%04x, which it never sent" % (name, r["id"]))
                return 1
            if r["id"] in got[name]:
                print("%s: id 0x%04x answered twice" % (name, r["id"]))
                return 1
            if r["qname"].rstrip(".") != name:
                print("%s: id 0x%04x answered for %s (the other socket's question)"
                      % (name, r["id"], r["qname"]))
                return 1
            got[name][r["id"]] = tuple(a for a in r["answers"] if a[0] == "A")
    missing = {name: n - len(g) for name, g in got.items()}
    if any(missing.values()):
        print("unanswered after %.0f s: %s" % (TIMEOUT, missing))
        return 1
    sets = {name: set(g.values()) for name, g in got.items()}
    for name, vals in sets.items():
        if len(vals) != 1 or not next(iter(vals)):
            print("%s: inconsistent or empty answers: %s" % (name, vals))
            return 1
    if sets["a.test"] == sets["b.test"]:
        print("a.test and b.test got the same answer: %s" % sets["a.test"])
        return 1
    print("ok: %d answers, each id used on two guest ports and answered on each for its "
          "own question" % (2 * n))
    return 0


def bound_udp(port_file):
    """A UDP socket on 127.0.0.1:0, its port written to port_file (atomically)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    with open(port_file + ".tmp", "w") as f:
        f.write("%d\n" % sock.getsockname()[1])
    os.rename(port_file + ".tmp", port_file)
    return sock


def cmd_blackhole(args):
    if len(args) != 1:
        sys.exit(__doc__)
    sock = bound_udp(args[0])
    n = 0
    while True:
        data, src = sock.recvfrom(65535)
        n += 1
        print("dropped query %d (%d bytes from %s:%d)" % (n, len(data), src[0], src[1]),
              flush=True)


def cmd_glue(args):
    if len(args) != 3:
        sys.exit(__doc__)
    sock = bound_udp(args[0])
    pub, priv = socket.inet_aton(args[1]), socket.inet_aton(args[2])
    while True:
        q, src = sock.recvfrom(65535)
        end = 12
        while end < len(q) and q[end]:
            end += 1 + q[end]
        end += 5  # the root label, type, class
        if len(q) < 12 or end > len(q):
            continue
        rr = lambda a: struct.pack("!HHHIH", 0xC00C, 1, 1, 60, 4) + a
        head = q[:2] + struct.pack("!HHHHH", 0x8180, 1, 1, 0, 1)
        sock.sendto(head + q[12:end] + rr(pub) + rr(priv), src)


def main():
    args = sys.argv[1:]
    cmds = {"query": cmd_query, "pipeline": cmd_pipeline, "burst": cmd_burst,
            "blackhole": cmd_blackhole, "glue": cmd_glue}
    if not args or args[0] not in cmds:
        sys.exit(__doc__)
    return cmds[args[0]](args[1:])


if __name__ == "__main__":
    sys.exit(main())
