#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""gen_ipreasm_corpus.py - write the seed corpus of fuzz_ipreasm.

    tests/fuzz/gen_ipreasm_corpus.py [OUTDIR]   (default: tests/fuzz/corpus/fuzz_ipreasm)

A seed is one limits byte (see cfg_of() in fuzz_ipreasm.c: 0xff for the
daemon's 64 datagrams x 128 fragments, else 1 + (c & 7) datagrams and
1 + (c >> 3) fragments) and 7-byte records, each a clock advance in 8 ms
steps, a control byte (key in bits 0-3, bit 4 expire first, bit 5 expire
only), the flags/offset field, the payload length and a payload seed.
The seeds walk each path of the reassembly once: orders, interleaving,
duplicates, overlaps, data past the end, the 65535-byte limit, a full
table, the fragment limit, timeouts and fragments bad on their own.

Files are named seed-<what>; the script rewrites only those, so crash-*
inputs and merged corpus files next to them are kept. Output is
deterministic: re-running it changes nothing.
"""
import os
import struct
import sys

DEFAULT = 0xFF
MF = 0x2000
DF = 0x4000
EXPIRE = 0x10
EXPIRE_ONLY = 0x20
V6 = 0x40


def limits(max_reasm, max_frags):
    return (max_reasm - 1) | ((max_frags - 1) << 3)


def rec(off, plen, more=False, key=0, dt=0, seed=0, flags=0, ctl=0):
    """One fragment of datagram KEY: PLEN payload bytes at byte offset OFF."""
    field = (MF if more else 0) | flags | (off // 8)
    return struct.pack("!BBHHB", dt, key | ctl, field, plen, seed)


def tick(dt):
    """Only advance the clock and run reasm_expire()."""
    return struct.pack("!BBHHB", dt, EXPIRE_ONLY, 0, 0, 0)


def seed(cfg, *records):
    return bytes([cfg]) + b"".join(records)


def seeds():
    s = {}
    s["in-order"] = seed(DEFAULT, rec(0, 1480, True), rec(1480, 1480, True), rec(2960, 41))
    s["reverse"] = seed(DEFAULT, rec(2960, 41), rec(1480, 1480, True), rec(0, 1480, True))
    s["interleaved"] = seed(
        DEFAULT,
        rec(0, 16, True, key=0, seed=1),
        rec(0, 16, True, key=9, seed=2),
        rec(16, 3, key=9, seed=2),
        rec(16, 5, key=0, seed=1),
    )
    s["same-id-other-proto"] = seed(
        DEFAULT, rec(0, 8, True, key=1), rec(0, 8, True, key=5), rec(8, 1, key=5), rec(8, 2, key=1)
    )
    s["duplicate"] = seed(
        DEFAULT, rec(0, 16, True), rec(0, 16, True), rec(32, 5), rec(32, 5), rec(16, 16, True)
    )
    s["duplicate-other-bytes"] = seed(DEFAULT, rec(8, 8, True), rec(8, 8, True, seed=9))
    s["overlap-then-fresh"] = seed(
        DEFAULT, rec(0, 16, True), rec(8, 16, True), rec(16, 3), rec(0, 16, True)
    )
    s["overlap-spanning"] = seed(
        DEFAULT, rec(0, 8, True), rec(8, 8, True), rec(0, 16, True), rec(16, 1)
    )
    s["mf-flip"] = seed(DEFAULT, rec(8, 8, True), rec(8, 8), rec(8, 8), rec(8, 8, True))
    s["past-final"] = seed(DEFAULT, rec(16, 8), rec(24, 8, True))
    s["second-final"] = seed(DEFAULT, rec(16, 8), rec(40, 8))
    s["final-before-data"] = seed(DEFAULT, rec(32, 8, True), rec(16, 8))
    s["max-size"] = seed(
        DEFAULT, rec(0, 32760, True), rec(32760, 32752, True), rec(65512, 3)
    )
    s["too-big"] = seed(DEFAULT, rec(0, 32760, True), rec(65512, 4))
    s["too-big-offset"] = seed(DEFAULT, rec(65528, 8, True))
    s["table-full"] = seed(
        limits(2, 4),
        rec(0, 8, True, key=0),
        rec(0, 8, True, key=1),
        rec(0, 8, True, key=2),
        rec(8, 1, key=0),
        rec(0, 8, True, key=2),
        rec(8, 1, key=2),
    )
    s["table-full-stale"] = seed(
        limits(1, 4), rec(0, 8, True, key=0), rec(0, 8, True, key=1, dt=130), rec(8, 1, key=1)
    )
    s["too-many-frags"] = seed(
        limits(4, 3), rec(0, 8, True), rec(8, 8, True), rec(16, 8, True), rec(24, 1)
    )
    s["frag-limit-exact"] = seed(limits(4, 3), rec(0, 8, True), rec(8, 8, True), rec(16, 1))
    s["frag-limit-default"] = seed(
        DEFAULT, *[rec(i * 8, 8, True, key=3) for i in range(128)], rec(1024, 8, key=3)
    )
    s["timeout"] = seed(
        DEFAULT,
        rec(0, 8, True, key=0),
        rec(0, 8, True, key=1, dt=60),
        tick(70),
        rec(8, 1, key=0),
        tick(125),
        rec(8, 1, key=1, ctl=EXPIRE),
    )
    s["timeout-lazy"] = seed(DEFAULT, rec(0, 8, True), rec(8, 1, dt=200), rec(0, 8, True))
    s["malformed"] = seed(
        DEFAULT,
        rec(0, 12, True),
        rec(0, 12),
        rec(8, 0, True),
        rec(8, 0),
        rec(0, 8, True),
        rec(8, 7, True),
        rec(8, 4),
    )
    s["df-kept"] = seed(DEFAULT, rec(0, 8, True, flags=DF), rec(8, 2, flags=DF))
    s["v6-in-order"] = seed(
        DEFAULT, rec(0, 1448, True, ctl=V6), rec(1448, 1448, True, ctl=V6), rec(2896, 41, ctl=V6)
    )
    s["v6-reverse"] = seed(
        DEFAULT, rec(2896, 41, ctl=V6), rec(1448, 1448, True, ctl=V6), rec(0, 1448, True, ctl=V6)
    )
    s["v6-beside-v4"] = seed(
        DEFAULT,
        rec(0, 8, True),
        rec(0, 16, True, ctl=V6),
        rec(8, 3),
        rec(16, 5, ctl=V6),
    )
    s["v6-overlap"] = seed(DEFAULT, rec(0, 16, True, ctl=V6), rec(8, 16, True, ctl=V6))
    s["v6-too-big"] = seed(DEFAULT, rec(0, 8, True, ctl=V6), rec(65528, 16, ctl=V6))
    return s


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "corpus", "fuzz_ipreasm")
    os.makedirs(out, exist_ok=True)
    for name, data in seeds().items():
        with open(os.path.join(out, "seed-" + name), "wb") as f:
            f.write(data)
    return 0


if __name__ == "__main__":
    sys.exit(main())
