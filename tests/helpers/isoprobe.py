#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""isoprobe.py - probe every address form a sandbox could use to reach its
neighbours or the host, with hand-made frames (issue 16's isolation matrix).

Run inside a guest namespace. For each TARGET (IPv4 or IPv6, any form: the
guest kernel would not send to 127/8, ::1 or IPv4-mapped addresses, so the
frames are built here and sent through AF_PACKET from the guest's MAC and
addresses to the gateway's MAC) it sends a TCP SYN and a UDP datagram to
--port and an echo request, then listens for --wait seconds and prints one
line per target:

    TARGET syn=synack|rst|none echo=reply|none

"synack" means some host listener took the connection (tapgate answers a
SYN only after its host connect succeeded). Each target gets its own source
port and echo id, so replies are matched to it whatever their source.

    sniff IFNAME SECONDS MAC ADDR...: count the frames on IFNAME whose source
    MAC is MAC or whose IPv4/IPv6 source is one of ADDR (the other
    sandbox's); prints "foreign N".

Usage: isoprobe.py probe IFNAME --guest-mac M --gw-mac M --guest-ip A
           --guest-ip6 A --port P [--wait S] TARGET...
       isoprobe.py sniff IFNAME SECONDS MAC ADDR...
"""
import argparse
import os
import select
import socket
import struct
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from rawsend import ETH_P_IP, ETH_P_IPV6, csum, mac  # noqa: E402

ETH_P_ALL = 0x0003
BASE_PORT = 41000


def is6(addr):
    return ":" in addr


def ip4(src, dst, proto, l4):
    s, d = socket.inet_aton(src), socket.inet_aton(dst)
    if proto in (6, 17):
        pseudo = s + d + struct.pack("!BBH", 0, proto, len(l4))
        off = 16 if proto == 6 else 6
        l4 = l4[:off] + struct.pack("!H", csum(pseudo + l4) or 0xFFFF) + l4[off + 2:]
    else:
        l4 = l4[:2] + struct.pack("!H", csum(l4)) + l4[4:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(l4), 0x4242, 0x4000, 64,
                     proto, 0, s, d)
    return ip[:10] + struct.pack("!H", csum(ip)) + ip[12:] + l4


def ip6(src, dst, proto, l4):
    s = socket.inet_pton(socket.AF_INET6, src)
    d = socket.inet_pton(socket.AF_INET6, dst)
    pseudo = s + d + struct.pack("!IxxxB", len(l4), proto)
    off = {6: 16, 17: 6, 58: 2}[proto]
    l4 = l4[:off] + struct.pack("!H", csum(pseudo + l4) or 0xFFFF) + l4[off + 2:]
    return struct.pack("!IHBB16s16s", 6 << 28, len(l4), proto, 64, s, d) + l4


def probes(args, target, index):
    """The three frames (SYN, UDP, echo) for one target."""
    sport = BASE_PORT + index
    syn = struct.pack("!HHIIBBHHH", sport, args.port, 1000 + index, 0, 5 << 4, 0x02,
                      65535, 0, 0)
    udp = struct.pack("!HHHH", sport, args.port, 8 + 4, 0) + b"iso!"
    if is6(target):
        echo = struct.pack("!BBHHH", 128, 0, 0, 0x1500 + index, 1) + b"iso-probe"
        build, src, eth, eproto = ip6, args.guest_ip6, ETH_P_IPV6, 58
    else:
        echo = struct.pack("!BBHHH", 8, 0, 0, 0x1500 + index, 1) + b"iso-probe"
        build, src, eth, eproto = ip4, args.guest_ip, ETH_P_IP, 1
    head = mac(args.gw_mac) + mac(args.guest_mac) + struct.pack("!H", eth)
    return [head + build(src, target, 6, syn), head + build(src, target, 17, udp),
            head + build(src, target, eproto, echo)]


def l4_of(frame):
    """(proto, l4 bytes) of an IPv4/IPv6 frame, or (None, None)."""
    if len(frame) < 14:
        return None, None
    etype = struct.unpack("!H", frame[12:14])[0]
    if etype == ETH_P_IP and len(frame) >= 34:
        ihl = (frame[14] & 0x0F) * 4
        return frame[23], frame[14 + ihl:]
    if etype == ETH_P_IPV6 and len(frame) >= 54:
        return frame[20], frame[54:]
    return None, None


def classify(frame, n, result):
    proto, l4 = l4_of(frame)
    if proto == 6 and len(l4) >= 14:
        dport = struct.unpack("!H", l4[2:4])[0]
        i, flags = dport - BASE_PORT, l4[13]
        if 0 <= i < n:
            if flags & 0x12 == 0x12:
                result[i]["syn"] = "synack"
            elif flags & 0x04 and result[i]["syn"] == "none":
                result[i]["syn"] = "rst"
    elif proto in (1, 58) and len(l4) >= 8 and l4[0] in (0, 129):
        i = struct.unpack("!H", l4[4:6])[0] - 0x1500
        if 0 <= i < n:
            result[i]["echo"] = "reply"


def probe(args):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    s.bind((args.ifname, 0))
    result = [{"syn": "none", "echo": "none"} for _ in args.targets]
    for i, t in enumerate(args.targets):
        for f in probes(args, t, i):
            s.send(f)
    end = time.monotonic() + args.wait
    while True:
        left = end - time.monotonic()
        if left <= 0:
            break
        if select.select([s], [], [], left)[0]:
            frame, addr = s.recvfrom(65535)
            if addr[2] != socket.PACKET_OUTGOING:
                classify(frame, len(args.targets), result)
    for t, r in zip(args.targets, result):
        print("%s syn=%s echo=%s" % (t, r["syn"], r["echo"]))


def sniff(ifname, seconds, foreign_mac, addrs):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    s.bind((ifname, 0))
    want4 = {socket.inet_aton(a) for a in addrs if not is6(a)}
    want6 = {socket.inet_pton(socket.AF_INET6, a) for a in addrs if is6(a)}
    fmac, n = mac(foreign_mac), 0
    end = time.monotonic() + seconds
    while True:
        left = end - time.monotonic()
        if left <= 0:
            break
        if not select.select([s], [], [], left)[0]:
            continue
        f = s.recv(65535)
        etype = struct.unpack("!H", f[12:14])[0] if len(f) >= 14 else 0
        if f[6:12] == fmac or (etype == ETH_P_IP and f[26:30] in want4) or \
                (etype == ETH_P_IPV6 and f[22:38] in want6):
            n += 1
    print("foreign %d" % n, flush=True)


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "sniff":
        if len(sys.argv) < 5:
            sys.exit(__doc__)
        sniff(sys.argv[2], float(sys.argv[3]), sys.argv[4], sys.argv[5:])
        return
    p = argparse.ArgumentParser()
    p.add_argument("cmd", choices=["probe"])
    p.add_argument("ifname")
    p.add_argument("--guest-mac", required=True)
    p.add_argument("--gw-mac", required=True)
    p.add_argument("--guest-ip", required=True)
    p.add_argument("--guest-ip6", required=True)
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--wait", type=float, default=1.5)
    p.add_argument("targets", nargs="+")
    probe(p.parse_args())


if __name__ == "__main__":
    main()
