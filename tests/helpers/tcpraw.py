#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""tcpraw.py - a hostile guest's TCP, written by hand on a raw socket.

Run inside a guest namespace whose eth0 has the guest's MAC but no IP
address, so that the guest kernel never answers tapgate's segments (no
RST from a stack that knows nothing of these connections). Every segment
is built here (struct, no scapy) and sent through an AF_PACKET socket to
the gateway's MAC; tapgate's answers are read from the same socket.

Scenarios (each prints one line starting "ok" or "FAIL" and exits 0 on ok;
"ok" means the scenario ran to its end and tapgate kept answering this
connection afterwards):
  topdown HOST PORT       the segments of one receive window sent from the
                          top down: all wait out of order until the first
  edge HOST PORT          1460 bytes at rcv_nxt + (window - 1), then the
                          whole window in order
  fill-edge HOST PORT     (server that never reads) fill until the window
                          stops opening, then 1460 bytes at rcv_nxt + 1 and
                          1 byte at rcv_nxt
  sliver HOST PORT        1-byte segments at every other sequence number
                          across the window (an out-of-order flood)
  blind HOST PORT         (echo server) RSTs and SYNs with wrong sequence
                          numbers into a live connection; it must still echo
  smuggle HOST PORT       DNS over TCP: a DNS UPDATE, then "GET / HTTP/1.0";
                          the connection must be reset (prints ok reset)
  download HOST PORT PATH an HTTP/1.0 GET, every segment acknowledged in
                          order; prints "ok SHA256 BYTES"
  many HOST PORT N        open N connections at once and hold them; prints
                          "ok opened=A reset=B" (SYN-ACKs and RSTs)

Options: --ifname eth0, --guest-mac, --guest-ip, --gw-mac.
"""
import argparse
import hashlib
import os
import random
import socket
import struct
import sys
import time

from rawsend import csum, mac  # one copy of the byte helpers

ETH_P_ALL = 0x0003
ETH_P_IP = 0x0800
FIN, SYN, RST, PSH, ACK = 0x01, 0x02, 0x04, 0x08, 0x10
TIMEOUT = 5.0


def seq_lt(a, b):
    """a before b in sequence space."""
    return ((a - b) & 0xFFFFFFFF) > 0x7FFFFFFF


class Link:
    """The guest's Ethernet: raw frames out, TCP segments for us in."""

    def __init__(self, a):
        self.sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW,
                                  socket.htons(ETH_P_ALL))
        self.sock.bind((a.ifname, 0))
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
        self.gmac, self.gwmac = mac(a.guest_mac), mac(a.gw_mac)
        self.src = socket.inet_aton(a.guest_ip)

    def send_tcp(self, dst, sport, dport, seq, ack, flags, wnd,
                 data=b"", opts=b""):
        """One TCP segment to dst, checksums filled in."""
        hl = 20 + len(opts)
        tcp = struct.pack("!HHIIBBHHH", sport, dport, seq & 0xFFFFFFFF,
                          ack & 0xFFFFFFFF, (hl // 4) << 4, flags, wnd, 0, 0)
        tcp += opts + data
        pseudo = self.src + dst + struct.pack("!BBH", 0, 6, len(tcp))
        tcp = tcp[:16] + struct.pack("!H", csum(pseudo + tcp)) + tcp[18:]
        ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp),
                         random.randint(0, 0xFFFF), 0x4000, 64, 6, 0,
                         self.src, dst)
        ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
        self.sock.send(self.gwmac + self.gmac + struct.pack("!H", ETH_P_IP) +
                       ip + tcp)

    def recv_tcp(self, sport, timeout):
        """The next segment to our port sport, as a dict, or None."""
        end = time.monotonic() + timeout
        while True:
            left = end - time.monotonic()
            if left <= 0:
                return None
            self.sock.settimeout(left)
            try:
                f = self.sock.recv(70000)
            except socket.timeout:
                return None
            seg = parse(f, self.gmac)
            if seg and seg["dport"] == sport:
                return seg


def parse(f, gmac):
    """An Ethernet frame to the guest carrying IPv4 TCP, or None."""
    if len(f) < 54 or f[:6] != gmac or f[12:14] != b"\x08\x00":
        return None
    ip = f[14:]
    ihl = (ip[0] & 15) * 4
    if ip[9] != 6 or len(ip) < ihl + 20:
        return None
    tot = struct.unpack("!H", ip[2:4])[0]
    tcp = ip[ihl:tot]
    sport, dport, seq, ack, off, flags, wnd = struct.unpack("!HHIIBBH",
                                                            tcp[:16])
    hl = (off >> 4) * 4
    return {"sport": sport, "dport": dport, "seq": seq, "ack": ack,
            "flags": flags, "wnd": wnd, "opts": tcp[20:hl],
            "data": tcp[hl:]}


def wscale_of(opts):
    """The window scale option's shift in opts, or None."""
    i = 0
    while i < len(opts):
        kind = opts[i]
        if kind == 0:
            break
        if kind == 1:
            i += 1
            continue
        if i + 1 >= len(opts) or opts[i + 1] < 2:
            break
        if kind == 3 and opts[i + 1] == 3:
            return opts[i + 2]
        i += opts[i + 1]
    return None


class Conn:
    """One hand-driven TCP connection from the guest."""

    MY_SHIFT = 7

    def __init__(self, link, host, port, mss=1460):
        self.link, self.dst, self.dport = link, socket.inet_aton(host), port
        self.sport = random.randint(20000, 60000)
        self.iss = random.randint(0, 0xFFFFFFFF)
        self.snd_nxt = self.iss + 1
        self.mss = mss
        self.shift = 0
        self.rcv_nxt = 0
        self.peer_wnd = 0   # bytes, scaled
        self.peer_acked = self.snd_nxt

    def send(self, flags, seq=None, data=b"", opts=b"", ack=None):
        """A segment of this connection (default seq snd_nxt, ack rcv_nxt)."""
        self.link.send_tcp(self.dst, self.sport, self.dport,
                           self.snd_nxt if seq is None else seq,
                           self.rcv_nxt if ack is None else ack,
                           flags, 0xFFFF, data, opts)

    def recv(self, timeout=TIMEOUT):
        """The next segment for us; tracks the peer's ack and window."""
        seg = self.link.recv_tcp(self.sport, timeout)
        if seg and seg["flags"] & ACK:
            if not seq_lt(seg["ack"], self.peer_acked):
                self.peer_acked = seg["ack"]
                self.peer_wnd = seg["wnd"] << self.shift
        return seg

    def open(self):
        """Three-way handshake; window scaling offered. True on success."""
        opts = struct.pack("!BBH", 2, 4, self.mss) + \
            struct.pack("!BBBB", 1, 3, 3, self.MY_SHIFT)
        # The SYN again after 2 s, as a guest kernel would: with eight
        # clients flooding at once, one's SYN-ACK can be lost in its raw
        # socket's full queue, or wait behind a full tx ring.
        for _ in range(4):
            self.link.send_tcp(self.dst, self.sport, self.dport, self.iss, 0,
                               SYN, 0xFFFF, opts=opts)
            seg = self.link.recv_tcp(self.sport, 2.0)
            if seg and (seg["flags"] & (SYN | ACK)) == (SYN | ACK):
                break
        if not seg or (seg["flags"] & (SYN | ACK)) != (SYN | ACK):
            return False
        shift = wscale_of(seg["opts"])
        self.shift = shift or 0
        self.rcv_nxt = (seg["seq"] + 1) & 0xFFFFFFFF
        self.peer_acked = seg["ack"]
        self.peer_wnd = seg["wnd"]  # never scaled in a SYN
        self.send(ACK)
        return True

    def right_edge(self):
        """The highest sequence number the peer lets us send, plus one."""
        return (self.peer_acked + self.peer_wnd) & 0xFFFFFFFF

    def drain(self, timeout=0.2):
        """Read what comes until timeout passes quietly; return the segments."""
        segs = []
        while True:
            seg = self.recv(timeout)
            if not seg:
                return segs
            segs.append(seg)

    def probe_window(self):
        """Ask for an ACK now (a 1-byte segment far out of window): lwIP
        answers it at once with its current ack and window."""
        self.send(ACK, seq=self.snd_nxt + (1 << 30), data=b"x")
        self.drain()
        return self.right_edge()

    def alive(self):
        """True if tapgate still answers this connection: one in-order byte
        sent (after what the peer has acknowledged: it may have dropped
        out-of-order data), and acknowledged."""
        self.drain(0.2)
        self.snd_nxt = self.peer_acked
        self.send(ACK | PSH, data=b"!")
        self.snd_nxt += 1
        end = time.monotonic() + TIMEOUT
        while time.monotonic() < end:
            seg = self.recv(1.0)
            if seg and seg["flags"] & RST:
                return False
            if seg and not seq_lt(seg["ack"], self.snd_nxt):
                return True
            if not seg:
                self.send(ACK | PSH, seq=self.snd_nxt - 1, data=b"!")
        return False

    def close(self):
        """Reset the connection (our side is done with it)."""
        self.send(RST | ACK)


def payload(n):
    """n bytes of junk."""
    return os.urandom(n)


def window_segments(c, start, end, size):
    """(seq, data) covering [start, end) in segments of size."""
    out = []
    seq = start
    while seq_lt(seq, end):
        n = min(size, (end - seq) & 0xFFFFFFFF)
        out.append((seq, payload(n)))
        seq = (seq + n) & 0xFFFFFFFF
    return out


def scenario_topdown(c):
    """All of one window, last segment first."""
    edge = c.probe_window()
    segs = window_segments(c, c.snd_nxt, edge, 1460)
    for seq, data in reversed(segs):
        c.send(ACK, seq=seq, data=data)
    c.snd_nxt = edge
    c.drain(0.5)
    return "%d segments top down" % len(segs)


def scenario_edge(c):
    """1460 bytes straddling the right edge, then the window in order."""
    edge = c.probe_window()
    c.send(ACK, seq=edge - 1, data=payload(1460))
    segs = window_segments(c, c.snd_nxt, edge, 1460)
    for seq, data in segs:
        c.send(ACK, seq=seq, data=data)
    c.snd_nxt = edge
    c.drain(0.5)
    return "straddle at edge-1, then %d segments" % len(segs)


def scenario_fill_edge(c):
    """Fill until the window stops opening (the server never reads), then
    1460 bytes at rcv_nxt + 1 and 1 byte at rcv_nxt."""
    stalls = 0
    sent = 0
    while stalls < 3 and sent < (64 << 20):
        edge = c.probe_window()
        room = (edge - c.snd_nxt) & 0xFFFFFFFF
        if seq_lt(edge, c.snd_nxt):
            room = 0
        if room <= 400:
            stalls += 1
            time.sleep(0.2)
            continue
        stalls = 0
        for seq, data in window_segments(c, c.snd_nxt, edge - 200, 1460):
            c.send(ACK, seq=seq, data=data)
            sent += len(data)
        c.snd_nxt = (edge - 200) & 0xFFFFFFFF
        c.drain(0.05)
    nxt = c.peer_acked
    c.send(ACK, seq=nxt + 1, data=payload(1460))
    c.send(ACK, seq=nxt, data=b"z")
    c.drain(0.5)
    c.snd_nxt = c.peer_acked
    return "filled %d bytes, then the straddle" % sent


def scenario_sliver(c):
    """1-byte segments at every other sequence number of the window."""
    edge = c.probe_window()
    seq = c.snd_nxt + 1
    n = 0
    while seq_lt(seq, edge):
        c.send(ACK, seq=seq, data=b"s")
        seq = (seq + 2) & 0xFFFFFFFF
        n += 1
    c.drain(0.5)
    return "%d slivers" % n


def echo_ok(c, data):
    """Send data in order; True if exactly it comes back."""
    c.send(ACK | PSH, data=data)
    c.snd_nxt += len(data)
    got = b""
    end = time.monotonic() + TIMEOUT
    while len(got) < len(data) and time.monotonic() < end:
        seg = c.recv(1.0)
        if not seg:
            continue
        if seg["flags"] & RST:
            return False
        if seg["data"] and seg["seq"] == c.rcv_nxt:
            got += seg["data"]
            c.rcv_nxt = (c.rcv_nxt + len(seg["data"])) & 0xFFFFFFFF
            c.send(ACK)
    return got == data


def scenario_blind(c):
    """Wrong-sequence RSTs and SYNs into a live echo connection."""
    if not echo_ok(c, b"before"):
        return None
    wrong = [c.snd_nxt + 100000, c.snd_nxt - 100000, c.snd_nxt + (1 << 31),
             c.snd_nxt + 70000]
    for seq in wrong:
        c.send(RST, seq=seq)
        c.send(RST | ACK, seq=seq)
        c.send(SYN, seq=seq, ack=0)
    c.send(SYN, seq=c.snd_nxt, ack=0)  # even at rcv_nxt: a SYN is not a reset
    c.drain(0.3)
    if not echo_ok(c, b"after"):
        return None
    return "%d blind segments, echo intact" % (len(wrong) * 3 + 1)


def dns_update():
    """A DNS UPDATE (opcode 5) message: not a query."""
    hdr = struct.pack("!HHHHHH", 0x4242, 5 << 11, 1, 0, 1, 0)
    zone = b"\x07example\x03com\x00" + struct.pack("!HH", 6, 1)
    rr = b"\x03www\x07example\x03com\x00" + struct.pack("!HHIH", 1, 1, 60, 4) \
        + bytes([127, 0, 0, 1])
    return hdr + zone + rr


def scenario_smuggle(c):
    """Non-query bytes to port 53: the connection must be reset."""
    for msg in (dns_update(), b"GET / HTTP/1.0\r\n\r\n"):
        c.send(ACK | PSH, data=struct.pack("!H", len(msg)) + msg)
        c.snd_nxt += 2 + len(msg)
    end = time.monotonic() + TIMEOUT
    while time.monotonic() < end:
        seg = c.recv(1.0)
        if seg and seg["flags"] & RST:
            return "reset"
        if seg and seg["data"]:
            c.rcv_nxt = (seg["seq"] + len(seg["data"])) & 0xFFFFFFFF
            c.send(ACK)
    return None


def download(c, path):
    """HTTP/1.0 GET path; every in-order segment acknowledged."""
    req = ("GET %s HTTP/1.0\r\n\r\n" % path).encode()
    c.send(ACK | PSH, data=req)
    c.snd_nxt += len(req)
    body = bytearray()
    end = time.monotonic() + 120
    while time.monotonic() < end:
        seg = c.recv(2.0)
        if not seg:
            c.send(ACK)
            continue
        if seg["flags"] & RST:
            return None
        if seg["seq"] == c.rcv_nxt:
            body += seg["data"]
            c.rcv_nxt = (c.rcv_nxt + len(seg["data"])) & 0xFFFFFFFF
            if seg["flags"] & FIN:
                c.rcv_nxt = (c.rcv_nxt + 1) & 0xFFFFFFFF
                c.send(ACK | FIN)
                c.snd_nxt += 1
                break
        c.send(ACK)
    else:
        return None
    head, sep, data = bytes(body).partition(b"\r\n\r\n")
    if not sep or b" 200 " not in head.split(b"\r\n")[0]:
        return None
    return "%s %d" % (hashlib.sha256(data).hexdigest(), len(data))


SCENARIOS = {
    "topdown": scenario_topdown,
    "edge": scenario_edge,
    "fill-edge": scenario_fill_edge,
    "sliver": scenario_sliver,
    "blind": scenario_blind,
    "smuggle": scenario_smuggle,
}


def many(link, host, port, n):
    """Open n connections and hold them; count SYN-ACKs and RSTs."""
    conns = [Conn(link, host, port) for _ in range(n)]
    opened = reset = 0
    for c in conns:
        if c.open():
            opened += 1
        else:
            reset += 1
    for c in conns:
        c.close()
    return "opened=%d reset=%d" % (opened, reset)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("scenario")
    p.add_argument("host")
    p.add_argument("port", type=int)
    p.add_argument("path", nargs="?")
    p.add_argument("--ifname", default="eth0")
    p.add_argument("--guest-mac", default="02:6d:73:00:00:02")
    p.add_argument("--guest-ip", default="100.96.0.2")
    p.add_argument("--gw-mac", default="02:6d:73:00:00:01")
    a = p.parse_args()
    if a.scenario == "many":
        print("ok " + many(Link(a), a.host, a.port, int(a.path)))
        return 0
    c = Conn(Link(a), a.host, a.port)
    if not c.open():
        print("FAIL %s: no SYN-ACK" % a.scenario)
        return 1
    if a.scenario == "download":
        res = download(c, a.path or "/")
        print(("ok " + res) if res else "FAIL download")
        return 0 if res else 1
    res = SCENARIOS[a.scenario](c)
    if res is None:
        print("FAIL %s" % a.scenario)
        return 1
    if a.scenario == "smuggle":
        print("ok " + res)
        return 0
    if not c.alive():
        print("FAIL %s: no answer afterwards (%s)" % (a.scenario, res))
        return 1
    c.close()
    print("ok %s: %s" % (a.scenario, res))
    return 0


if __name__ == "__main__":
    sys.exit(main())
