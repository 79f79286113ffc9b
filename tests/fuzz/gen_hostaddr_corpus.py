#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""gen_hostaddr_corpus.py - write the seeds of fuzz_hostaddr.

    tests/fuzz/gen_hostaddr_corpus.py [OUTDIR]  (default: tests/fuzz/corpus/fuzz_hostaddr)

A seed is one byte (bit 0: a dump of ours under way, port 4242, sequence 1,
as fuzz_hostaddr.c sets up), then datagrams, each a 2-byte little-endian
length and the netlink messages the kernel would send: RTM_NEWADDR and
RTM_DELADDR for IPv4 and IPv6 (IFA_ADDRESS, IFA_LOCAL, IFA_LABEL,
IFA_CACHEINFO, IFA_FLAGS), a dump's replies and its NLMSG_DONE,
NLMSG_DUMP_INTR, an NLMSG_ERROR, and a few malformed ones. Files are named
seed-<what>; output is deterministic.
"""
import ipaddress
import os
import struct
import sys

NLMSG_ERROR, NLMSG_DONE = 2, 3
RTM_NEWADDR, RTM_DELADDR = 20, 21
NLM_F_MULTI, NLM_F_DUMP_INTR = 0x2, 0x10
IFA_ADDRESS, IFA_LOCAL, IFA_LABEL, IFA_CACHEINFO, IFA_FLAGS = 1, 2, 3, 6, 8
AF_INET, AF_INET6 = 2, 10
PORT, SEQ = 4242, 1


def align(b):
    return b + b"\0" * (-len(b) % 4)


def attr(t, payload):
    return align(struct.pack("=HH", 4 + len(payload), t) + payload)


def nlmsg(t, body, flags=0, seq=0, pid=0):
    return align(struct.pack("=IHHII", 16 + len(body), t, flags, seq, pid) + body)


def addr_msg(t, addr, plen, ifindex, local=None, flags=0, seq=0, pid=0, extra=b""):
    a = ipaddress.ip_address(addr)
    fam = AF_INET if a.version == 4 else AF_INET6
    body = struct.pack("=BBBBI", fam, plen, 0x80, 0, ifindex)
    body += attr(IFA_ADDRESS, a.packed)
    if local:
        body += attr(IFA_LOCAL, ipaddress.ip_address(local).packed)
    body += extra
    return nlmsg(t, body, flags, seq, pid)


def dump(t, addr, plen, ifindex, **kw):
    return addr_msg(t, addr, plen, ifindex, flags=NLM_F_MULTI, seq=SEQ, pid=PORT, **kw)


def seed(dumping, *dgrams):
    out = bytes([1 if dumping else 0])
    for d in dgrams:
        out += struct.pack("<H", len(d)) + d
    return out


V4_EXTRA = attr(IFA_LABEL, b"eth0\0") + attr(IFA_FLAGS, struct.pack("=I", 0x80))
V6_EXTRA = attr(IFA_CACHEINFO, struct.pack("=IIII", 0xFFFFFFFF, 0xFFFFFFFF, 100, 100))
DONE = nlmsg(NLMSG_DONE, struct.pack("=i", 0), NLM_F_MULTI, SEQ, PORT)

seeds = {
    "new4": seed(0, addr_msg(RTM_NEWADDR, "192.0.2.10", 24, 2, local="192.0.2.10", extra=V4_EXTRA)),
    "new6": seed(0, addr_msg(RTM_NEWADDR, "2001:db8::10", 64, 2, extra=V6_EXTRA)),
    "peer4": seed(0, addr_msg(RTM_NEWADDR, "10.9.9.2", 32, 5, local="10.9.9.1")),
    "new-del": seed(0, addr_msg(RTM_NEWADDR, "198.51.100.1", 24, 3)
                    + addr_msg(RTM_NEWADDR, "198.51.100.1", 24, 4),
                    addr_msg(RTM_DELADDR, "198.51.100.1", 24, 3)),
    "dump": seed(1, dump(RTM_NEWADDR, "127.0.0.1", 8, 1, local="127.0.0.1")
                 + dump(RTM_NEWADDR, "192.0.2.2", 24, 2, local="192.0.2.2")
                 + dump(RTM_NEWADDR, "::1", 128, 1)
                 + dump(RTM_NEWADDR, "fe80::1", 64, 2),
                 addr_msg(RTM_NEWADDR, "203.0.113.9", 32, 7), DONE),
    "dump-intr": seed(1, addr_msg(RTM_NEWADDR, "192.0.2.3", 24, 2, flags=NLM_F_MULTI | NLM_F_DUMP_INTR,
                                  seq=SEQ, pid=PORT) + DONE),
    "dump-error": seed(1, nlmsg(NLMSG_ERROR, struct.pack("=i", -16) + bytes(16), 0, SEQ, PORT)),
    "bad-attr": seed(0, addr_msg(RTM_NEWADDR, "192.0.2.4", 24, 2)[:-3]
                     + addr_msg(RTM_NEWADDR, "192.0.2.5", 24, 2)),
    "short": seed(0, nlmsg(RTM_NEWADDR, b"\x02\x18"), b"\x10\0\0"),
}

out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "corpus", "fuzz_hostaddr")
os.makedirs(out, exist_ok=True)
for what, data in sorted(seeds.items()):
    with open(os.path.join(out, "seed-" + what), "wb") as f:
        f.write(data)
