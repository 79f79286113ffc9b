#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""poltool.py - servers (host side) and clients (guest side) for
tests/integration/test_policy.sh. Only the standard library.

Server:
  serve TAG READY_FILE ADDR...
        on each ADDR (0.0.0.0 for all): TCP 8001 and 8002 answer an HTTP
        request with "TAG A:PORT\\n", TCP 8003 echoes every byte until EOF,
        UDP 9001 answers any datagram with "TAG A:9001\\n", from A; A is the
        address the client reached. Writes "ready" to READY_FILE once all
        listen, then serves until killed. The ports are fixed: it runs in a
        namespace of the test's own.

Readers of a running tapgate's maps (bpftool, in the root namespace):
  phit PIN INDEX
        print tg_phits[INDEX] of the pinned map PIN
  polgen PIN
        print tg_pol_gen, from the .bss of the program that uses the
        pinned map PIN

Clients (run in the guest):
  acks DST PORT N SRC
        N TCP ACKs (no SYN; ports 40000.., fixed sequence numbers) from SRC
        to DST:PORT through a raw socket: segments no connection knows.
  hold DST PORT GO_FILE
        connect to the echo server DST:PORT, send "one" and print
        "first ECHO"; once GO_FILE exists (at most 20 s), send "two" and
        print "second ECHO", or "second EOF", or "second ERROR" (the
        exception's name, e.g. TimeoutError after 2 s of silence).
"""
import json
import os
import socket
import struct
import subprocess
import sys
import threading
import time

HTTP_PORTS = (8001, 8002)
ECHO_PORT = 8003
UDP_PORT = 9001
IP_PKTINFO = getattr(socket, "IP_PKTINFO", 8)


def http(conn, tag, port):
    """Read one request's header, answer "TAG ADDR:PORT", close."""
    name = "%s:%d" % (conn.getsockname()[0], port)
    with conn:
        conn.settimeout(5)
        data = b""
        while b"\r\n\r\n" not in data:
            d = conn.recv(4096)
            if not d:
                return
            data += d
        conn.sendall(b"HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\n" +
                     ("%s %s\n" % (tag, name)).encode())


def echo(conn, tag, port):
    """Echo until EOF."""
    del tag, port
    with conn:
        while True:
            d = conn.recv(65536)
            if not d:
                return
            conn.sendall(d)


def tcp(addr, port, handler, tag):
    """Listen on addr:port, one thread per connection."""
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, port))
    s.listen(64)

    def loop():
        while True:
            c, _ = s.accept()
            threading.Thread(target=handler, args=(c, tag, port), daemon=True).start()
    threading.Thread(target=loop, daemon=True).start()


def udp(addr, port, tag):
    """Answer every datagram with the address it was sent to, from it."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.IPPROTO_IP, IP_PKTINFO, 1)
    s.bind((addr, port))

    def loop():
        while True:
            _, anc, _, peer = s.recvmsg(65536, 256)
            dst = socket.inet_aton(addr)
            for level, kind, data in anc:
                if level == socket.IPPROTO_IP and kind == IP_PKTINFO:
                    dst = data[8:12]  # struct in_pktinfo: the header's destination
            msg = "%s %s:%d\n" % (tag, socket.inet_ntoa(dst), port)
            info = struct.pack("=I4s4s", 0, dst, bytes(4))
            s.sendmsg([msg.encode()], [(socket.IPPROTO_IP, IP_PKTINFO, info)], 0, peer)
    threading.Thread(target=loop, daemon=True).start()


def cmd_serve(tag, ready, *addrs):
    for a in addrs:
        for port in HTTP_PORTS:
            tcp(a, port, http, tag)
        tcp(a, ECHO_PORT, echo, tag)
        udp(a, UDP_PORT, tag)
    with open(ready, "w") as f:
        f.write("ready\n")
    threading.Event().wait()


def csum(data):
    """The Internet checksum of data."""
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def cmd_acks(dst, port, n, src):
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_TCP)
    for i in range(int(n)):
        seg = struct.pack("!HHIIBBHHH", 40000 + i, int(port), 1000, 2000, 5 << 4,
                          0x10, 65535, 0, 0)
        pseudo = (socket.inet_aton(src) + socket.inet_aton(dst) +
                  struct.pack("!BBH", 0, socket.IPPROTO_TCP, len(seg)))
        seg = seg[:16] + struct.pack("!H", csum(pseudo + seg)) + seg[18:]
        s.sendto(seg, (dst, 0))
    return 0


def cmd_hold(dst, port, go):
    s = socket.create_connection((dst, int(port)), timeout=5)
    s.sendall(b"one")
    print("first", s.recv(16).decode(), flush=True)
    for _ in range(400):
        if os.path.exists(go):
            break
        time.sleep(0.05)
    s.settimeout(2)
    try:
        s.sendall(b"two")
        print("second", s.recv(16).decode() or "EOF", flush=True)
    except OSError as e:
        print("second", type(e).__name__, flush=True)
    return 0


def bpftool(*args):
    """bpftool -j ARGS, parsed."""
    return json.loads(subprocess.check_output(["bpftool", "-j"] + list(args)))


def cmd_phit(pin, index):
    idx = int(index)
    key = [str(idx >> shift & 0xFF) for shift in (0, 8, 16, 24)]
    e = bpftool("map", "lookup", "pinned", pin, "key", *key)
    if "formatted" in e:
        print(e["formatted"]["value"])
    else:
        print(int.from_bytes(bytes(int(b, 16) for b in e["value"]), "little"))
    return 0


def find_key(v, name):
    """The value of the first key NAME anywhere in v (dicts and lists)."""
    if isinstance(v, dict):
        if name in v:
            return v[name]
        v = list(v.values())
    if isinstance(v, list):
        for x in v:
            r = find_key(x, name)
            if r is not None:
                return r
    return None


def cmd_polgen(pin):
    mid = bpftool("map", "show", "pinned", pin)["id"]
    for prog in bpftool("prog", "show"):
        if mid not in prog.get("map_ids", []):
            continue
        for m in prog["map_ids"]:
            if bpftool("map", "show", "id", str(m)).get("name", "").endswith(".bss"):
                gen = find_key(bpftool("map", "dump", "id", str(m)), "tg_pol_gen")
                if gen is not None:
                    print(gen)
                    return 0
    sys.exit("no program with map %d and a .bss holding tg_pol_gen" % mid)


def main():
    args = sys.argv[1:]
    cmds = {"serve": (cmd_serve, 3), "acks": (cmd_acks, 4), "hold": (cmd_hold, 3),
            "phit": (cmd_phit, 2), "polgen": (cmd_polgen, 1)}
    if not args or args[0] not in cmds or len(args) - 1 < cmds[args[0]][1]:
        sys.exit(__doc__)
    if args[0] != "serve" and len(args) - 1 != cmds[args[0]][1]:
        sys.exit(__doc__)
    return cmds[args[0]][0](*args[1:])


if __name__ == "__main__":
    sys.exit(main())
