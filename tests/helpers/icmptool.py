#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""icmptool.py - ICMP echo with a chosen identifier (guest side, as root),
for tests/integration/test_icmp.sh. ping picks its own identifier; this
sends echo requests with identifier ID and sequence numbers SEQ, SEQ+1, ...
from a raw socket and checks that each reply comes from DST and carries the
same identifier, sequence number and payload: a relay that rewrites the
identifier on the way out must restore it on the way back.

  echo DST ID SEQ SIZE COUNT
        prints "ok: COUNT replies, id 0xID, seq SEQ..SEQ+COUNT-1" (exit 0),
        or what went wrong (exit 1)
"""
import os
import socket
import struct
import sys
import time

TIMEOUT = 3.0


def checksum(data):
    if len(data) % 2:
        data += b"\x00"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    s = (s >> 16) + (s & 0xFFFF)
    s += s >> 16
    return ~s & 0xFFFF


def echo_request(ident, seq, payload):
    hdr = struct.pack("!BBHHH", 8, 0, 0, ident, seq)
    csum = checksum(hdr + payload)
    return struct.pack("!BBHHH", 8, 0, csum, ident, seq) + payload


def cmd_echo(dst, ident, seq, size, count):
    ident, seq, size, count = int(ident, 0), int(seq, 0), int(size), int(count)
    sock = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
    for i in range(count):
        s = (seq + i) & 0xFFFF
        payload = os.urandom(size)
        sock.sendto(echo_request(ident, s, payload), (dst, 0))
        deadline = time.monotonic() + TIMEOUT
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                print("no echo reply from %s for id 0x%04x seq %d within %.0f s"
                      % (dst, ident, s, TIMEOUT))
                return 1
            sock.settimeout(left)
            try:
                pkt, src = sock.recvfrom(65535)
            except socket.timeout:
                continue
            ihl = (pkt[0] & 0x0F) * 4
            icmp = pkt[ihl:]
            if len(icmp) < 8 or icmp[0] != 0:  # not an echo reply
                continue
            _t, _c, _csum, rid, rseq = struct.unpack("!BBHHH", icmp[:8])
            if src[0] != dst:
                continue  # someone else's reply (the gateway, another test)
            if rid != ident:
                print("reply from %s has id 0x%04x seq %d, expected id 0x%04x seq %d"
                      % (src[0], rid, rseq, ident, s))
                return 1
            if rseq != s:
                continue  # a late reply to an earlier sequence number
            if checksum(icmp) != 0:
                print("reply seq %d: bad ICMP checksum" % s)
                return 1
            if icmp[8:] != payload:
                print("reply seq %d: payload differs (%d bytes, expected %d)"
                      % (s, len(icmp) - 8, size))
                return 1
            break
    print("ok: %d replies, id 0x%04x, seq %d..%d" % (count, ident, seq, seq + count - 1))
    return 0


def main():
    args = sys.argv[1:]
    if len(args) == 6 and args[0] == "echo":
        return cmd_echo(*args[1:])
    sys.exit(__doc__)


if __name__ == "__main__":
    sys.exit(main())
