#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""gen_tcp_corpus.py - write the seed corpus of fuzz_tcp.

    tests/fuzz/gen_tcp_corpus.py [OUTDIR]   (default: tests/fuzz/corpus/fuzz_tcp)

A fuzz_tcp input is a 10-byte header (the SYN's options, the host socket's
receive buffer, lwIP's memory budget, the guest's ISN, the SYN's window) and a list of
operations (see run_op() in fuzz_tcp_ops.h). The seeds are short sessions: a
clean exchange both ways, out-of-order data, a blind and an exact RST, a
close from each side, and a zero window with the timers running.

Files are named seed-<what>; the script rewrites only those. Output is
deterministic.
"""
import os
import struct
import sys

MSS, WS, TS, SACK = 1, 2, 4, 8


def header(what=MSS | WS | TS | SACK, mss=1460, shift=7, isn=1000, wnd=0):
    return struct.pack(">BHBIH", what, mss, shift, isn, wnd)


def length(n):
    """seg_len()'s code for n bytes (0..127, or 128 + 24k up to 2408)."""
    if n < 0x80:
        return bytes([n])
    assert (n - 128) % 24 == 0 and n <= 2408
    return bytes([0x80 + (n - 128) // 24])


def data(n, fin=False, psh=True):
    return bytes([0x05 | (0x10 if fin else 0) | (0x20 if psh else 0)]) + length(n)


def ack(window=0):
    """window: 0 for 65535, 1 for zero, n for (n-1) * 4096."""
    return bytes([0x04 | window << 4])


def segment(flags, mode, dseq=0, dack=0, wnd=0xFFFF, n=0, extra=b""):
    return bytes([0x00, flags, mode]) + struct.pack(">hhH", dseq, dack, wnd) + extra + length(n)


def rst(exact, off=0):
    return bytes([0x16]) if exact else bytes([0x06]) + struct.pack(">h", off)


def host_write(n, idx=0):
    return bytes([0x08 | idx << 4]) + length(n)


def host_read(idx=0):
    return bytes([0x09 | (idx | 4) << 4, 0])


def host_shutdown(idx=0):
    return bytes([0x0A | idx << 4])


def host_close(idx=0, reset=False):
    return bytes([0x0B | (idx | (4 if reset else 0)) << 4])


def timers(n):
    return bytes([0x0C, n - 1 if n <= 128 else 0x7F + n // 64])


def starve(frames):
    return bytes([0x0D | frames << 4])


def drain():
    return bytes([0x0E])


ACK, PSH, FIN = 0x10, 0x08, 0x01

SEEDS = {
    "clean-exchange": header()
    + data(100)
    + host_read()
    + host_write(200)
    + ack()
    + data(1304)
    + host_read()
    + host_write(2408)
    + ack()
    + timers(4),
    "out-of-order": header(what=MSS | TS)
    + segment(ACK | PSH, 0x01, dseq=100, n=50)
    + segment(ACK | PSH, 0x01, dseq=300, n=20)
    + segment(ACK | PSH, 0x01, n=100)
    + data(152)
    + host_read()
    + timers(2),
    "blind-rst": header(what=MSS)
    + data(10)
    + rst(False, 1000)
    + rst(False, -1)
    + host_read()
    + rst(True),
    "guest-closes": header()
    + data(64, fin=True)
    + host_read()
    + host_write(32)
    + ack()
    + host_close()
    + ack()
    + timers(8),
    "host-closes": header(what=MSS | WS)
    + host_write(512)
    + ack()
    + host_shutdown()
    + ack()
    + data(20)
    + host_read()
    + data(0, fin=True)
    + host_close()
    + timers(4),
    "zero-window": header()
    + host_write(2408)
    + ack(window=1)
    + host_write(2408)
    + starve(2)
    + timers(64)
    + drain()
    + ack()
    + timers(8),
    "rto-zero-window": header()
    + host_write(2408)
    + segment(ACK, 0x08, dack=1448, wnd=0)
    + timers(24)
    + ack()
    + timers(8),
    "batch-acks": header(what=MSS | TS)
    + host_write(2408)
    + segment(ACK, 0x84, dack=-1000)
    + segment(ACK, 0x84, dack=-500)
    + segment(ACK, 0x04)
    + host_close(reset=True)
    + timers(2),
}


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "tests/fuzz/corpus/fuzz_tcp"
    os.makedirs(out, exist_ok=True)
    for name, blob in SEEDS.items():
        with open(os.path.join(out, "seed-" + name), "wb") as f:
            f.write(blob)


if __name__ == "__main__":
    main()
