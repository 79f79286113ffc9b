#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""gen_corpus.py - write the seed corpora of the libFuzzer targets.

    tests/fuzz/gen_corpus.py [OUTDIR]     (default: tests/fuzz/corpus)

fuzz_slot seeds are one capacity byte (see pick_cap() in fuzz_slot.c)
followed by a guest Ethernet frame, built with the default addresses of
config_defaults() and correct checksums, as tests/lib/frames.h builds them:
ARP, IPv4 TCP/UDP/ICMP and fragments, IPv6 TCP/UDP/ICMPv6 and fragments, and
a few hostile ones near the edges the slot checks. fuzz_icmp6 seeds are a
capacity byte, a Router Advertisements byte (see fuzz_icmp6.c) and an
ICMPv6 frame: neighbour discovery (valid, and each of RFC 4861's rules
broken) and echo requests. fuzz_config seeds are
NUL-separated `tapgate run` arguments.

Files are named seed-<what>; the script rewrites only those, so crash-*
inputs and merged corpus files next to them are kept. Output is
deterministic: re-running it changes nothing.
"""
import ipaddress
import os
import struct
import sys

GUEST_MAC = bytes([0x02, 0x6D, 0x73, 0, 0, 2])
GW_MAC = bytes([0x02, 0x6D, 0x73, 0, 0, 1])
BCAST = b"\xff" * 6
GUEST4 = ipaddress.IPv4Address("100.96.0.2").packed
GW4 = ipaddress.IPv4Address("100.96.0.1").packed
PUB4 = ipaddress.IPv4Address("93.184.216.34").packed
GUEST6 = ipaddress.IPv6Address("fd42:6d73:62::2").packed
GW6 = ipaddress.IPv6Address("fd42:6d73:62::1").packed
PUB6 = ipaddress.IPv6Address("2001:db8::80").packed

TCP, UDP, ICMP, FRAG6, ICMP6 = 6, 17, 1, 44, 58
FIN, SYN, RST, PSH, ACK = 0x01, 0x02, 0x04, 0x08, 0x10

CAP_FULL = 255  # pick_cap(255): room for any reply

LINUX_SYN_OPTS = bytes([2, 4, 0x05, 0xB4, 4, 2, 8, 10, 0, 0, 0, 1, 0, 0, 0, 0, 1, 3, 3, 7])


def a6(text):
    return ipaddress.IPv6Address(text).packed


def a4(text):
    return ipaddress.IPv4Address(text).packed


def csum(data, start=0):
    """RFC 1071: one's complement of the one's complement sum."""
    if len(data) % 2:
        data += b"\0"
    s = start
    for (w,) in struct.iter_unpack("!H", data):
        s += w
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


def pseudo_sum(src, dst, proto, length):
    if len(src) == 4:
        hdr = src + dst + struct.pack("!BBH", 0, proto, length)
    else:
        hdr = src + dst + struct.pack("!IxxxB", length, proto)
    s = 0
    for (w,) in struct.iter_unpack("!H", hdr):
        s += w
    return s


def l4_with_csum(l4, proto, src, dst):
    off = {TCP: 16, UDP: 6, ICMP: 2, ICMP6: 2}.get(proto)
    if off is None or len(l4) < off + 2:
        return l4
    start = 0 if proto == ICMP else pseudo_sum(src, dst, proto, len(l4))
    l4 = l4[:off] + b"\0\0" + l4[off + 2:]
    return l4[:off] + struct.pack("!H", csum(l4, start)) + l4[off + 2:]


def eth(dst, src, ethertype):
    return dst + src + struct.pack("!H", ethertype)


def ip4_header(src, dst, proto, total, frag=0x4000, ihl=5, opts=b""):
    h = struct.pack("!BBHHHBBH4s4s", 0x40 | ihl, 0, total, 0x1234, frag, 64, proto, 0, src, dst)
    h += opts
    return h[:10] + struct.pack("!H", csum(h)) + h[12:]


def frame4(l4, proto, src=GUEST4, dst=PUB4, frag=0x4000, pad_to=0, csum_l4=True):
    if csum_l4:
        l4 = l4_with_csum(l4, proto, src, dst)
    f = eth(GW_MAC, GUEST_MAC, 0x0800) + ip4_header(src, dst, proto, 20 + len(l4), frag) + l4
    return f.ljust(pad_to, b"\0")


def frame6(l4, nh, src=GUEST6, dst=PUB6, pad_to=0, hops=64):
    l4 = l4_with_csum(l4, nh, src, dst)
    ip = struct.pack("!IHBB16s16s", 0x60000000, len(l4), nh, hops, src, dst)
    return (eth(GW_MAC, GUEST_MAC, 0x86DD) + ip + l4).ljust(pad_to, b"\0")


def tcp(sport=40000, dport=80, seq=1000, ack=0, flags=SYN, opts=b"", payload=b""):
    assert len(opts) % 4 == 0
    doff = (20 + len(opts)) // 4
    return struct.pack("!HHIIBBHHH", sport, dport, seq, ack, doff << 4, flags, 64240, 0, 0) + opts + payload


def udp(sport=33333, dport=53, payload=b""):
    return struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload


def echo(type_=8, ident=0x1234, seq=1, data=b""):
    return struct.pack("!BBHHH", type_, 0, 0, ident, seq) + data


def arp(op=1, sha=GUEST_MAC, sip=GUEST4, tip=GW4, pad_to=0):
    body = struct.pack("!HHBBH", 1, 0x0800, 6, 4, op) + sha + sip + b"\0" * 6 + tip
    return (eth(BCAST, GUEST_MAC, 0x0806) + body).ljust(pad_to, b"\0")


def dns_query(name="example.com"):
    q = struct.pack("!HHHHHH", 0xABCD, 0x0100, 1, 0, 0, 0)
    for label in name.split("."):
        q += bytes([len(label)]) + label.encode()
    return q + b"\0" + struct.pack("!HH", 1, 1)


def slot_seeds():
    s = {}
    # ARP
    s["arp-request-gw"] = arp()
    s["arp-request-gw-padded"] = arp(pad_to=60)
    s["arp-probe"] = arp(sip=b"\0\0\0\0", tip=GUEST4)
    s["arp-request-other"] = arp(tip=a4("100.96.0.3"))
    s["arp-reply"] = arp(op=2)
    # IPv4 TCP
    s["tcp4-syn"] = frame4(tcp(), TCP)
    s["tcp4-syn-linux-opts"] = frame4(tcp(opts=LINUX_SYN_OPTS), TCP)
    s["tcp4-syn-to-gw"] = frame4(tcp(dport=8080), TCP, dst=GW4)
    s["tcp4-syn-padded"] = frame4(tcp(), TCP, pad_to=60)
    s["tcp4-syn-data"] = frame4(tcp(payload=b"GET / HTTP/1.0\r\n\r\n"), TCP)
    s["tcp4-ack"] = frame4(tcp(flags=ACK, seq=1001, ack=5001), TCP)
    s["tcp4-psh-ack-data"] = frame4(tcp(flags=PSH | ACK, seq=1001, ack=5001, payload=b"x" * 100), TCP)
    s["tcp4-fin-ack"] = frame4(tcp(flags=FIN | ACK, seq=1101, ack=5001), TCP)
    s["tcp4-rst"] = frame4(tcp(flags=RST, seq=1101), TCP)
    s["tcp4-opt-sack"] = frame4(tcp(flags=ACK, opts=bytes([1, 1, 5, 10, 0, 0, 0, 1, 0, 0, 0, 2])), TCP)
    s["tcp4-opt-eol"] = frame4(tcp(opts=bytes([2, 4, 5, 0xB4, 0, 0, 0, 0])), TCP)
    s["tcp4-opt-bad-mss"] = frame4(tcp(opts=bytes([2, 3, 5, 1])), TCP)
    s["tcp4-opt-truncated"] = frame4(tcp(opts=bytes([1, 1, 8, 10, 0, 0, 0, 1])), TCP)
    # RST capacity edges: 53 and 54 bytes
    s["tcp4-syn-cap53"] = (53, frame4(tcp(), TCP))
    s["tcp4-syn-cap54"] = (54, frame4(tcp(), TCP))
    # IPv4 UDP / ICMP
    s["udp4-dns-gw"] = frame4(udp(payload=dns_query()), UDP, dst=GW4)
    s["udp4-public"] = frame4(udp(dport=443, payload=b"\0" * 32), UDP)
    s["udp4-empty"] = frame4(udp(dport=9), UDP)
    s["icmp4-echo-gw"] = frame4(echo(data=bytes(range(56))), ICMP, dst=GW4)
    s["icmp4-echo-gw-odd"] = frame4(echo(data=b"abc"), ICMP, dst=GW4)
    s["icmp4-echo-gw-cap-short"] = (41, frame4(echo(data=b""), ICMP, dst=GW4))
    s["icmp4-echo-gw-cap-exact"] = (42, frame4(echo(data=b""), ICMP, dst=GW4))
    s["icmp4-echo-gw-big"] = frame4(echo(data=bytes(i & 0xFF for i in range(1472))), ICMP, dst=GW4)
    s["icmp4-echo-public"] = frame4(echo(), ICMP)
    s["icmp4-echo-padded"] = frame4(echo(), ICMP, dst=GW4, pad_to=60)
    # IPv4 fragments and oddities
    s["ip4-frag-first"] = frame4(tcp(payload=b"y" * 16), TCP, frag=0x2000)
    s["ip4-frag-last"] = frame4(b"z" * 8, TCP, frag=0x0003, csum_l4=False)
    s["ip4-options"] = (
        CAP_FULL,
        eth(GW_MAC, GUEST_MAC, 0x0800)
        + ip4_header(GUEST4, PUB4, TCP, 24 + 20, ihl=6, opts=b"\x01\x01\x01\x00")
        + l4_with_csum(tcp(), TCP, GUEST4, PUB4),
    )
    s["ip4-gre"] = frame4(b"\0" * 8, 47)
    s["ip4-dst-bcast"] = frame4(udp(dport=67), UDP, dst=b"\xff" * 4)
    # DHCP (RFC 2131): a DISCOVER from 0.0.0.0 to the broadcast, a renewing
    # REQUEST to the gateway; both SLOT_DHCP
    bootp = bytes([1, 1, 6, 0]) + b"\x39\x03\xf3\x26" + bytes(20) + GUEST_MAC + bytes(202)
    bootp += b"\x63\x82\x53\x63"
    s["dhcp4-discover"] = frame4(udp(68, 67, bootp + b"\x35\x01\x01\xff"), UDP,
                                 src=bytes(4), dst=b"\xff" * 4, frag=0)
    s["dhcp4-renew"] = frame4(udp(68, 67, bootp + b"\x35\x01\x03\xff"), UDP, dst=GW4)
    # IPv6
    s["tcp6-syn"] = frame6(tcp(dport=443, opts=LINUX_SYN_OPTS), TCP)
    s["tcp6-ack-data"] = frame6(tcp(flags=ACK | PSH, seq=1, ack=1, payload=b"d" * 40), TCP)
    s["udp6-dns"] = frame6(udp(payload=dns_query("example.org")), UDP, dst=GW6)
    ns = struct.pack("!BBHI", 135, 0, 0, 0) + GW6 + bytes([1, 1]) + GUEST_MAC
    s["icmp6-ns-linklocal"] = frame6(ns, ICMP6, src=a6("fe80::6d:73ff:fe00:2"), dst=a6("ff02::1:ff00:1"))
    s["icmp6-ns-dad"] = frame6(ns, ICMP6, src=a6("::"), dst=a6("ff02::1:ff00:2"))
    rs = struct.pack("!BBHI", 133, 0, 0, 0)
    s["icmp6-rs"] = frame6(rs, ICMP6, src=a6("fe80::6d:73ff:fe00:2"), dst=a6("ff02::2"))
    s["icmp6-echo-gw"] = frame6(echo(type_=128, data=b"ping6" * 8), ICMP6, dst=GW6)
    s["ip6-frag"] = frame6(struct.pack("!BBHI", TCP, 0, 0x0001, 7) + tcp(), FRAG6)
    s["ip6-hopopts-mld"] = frame6(bytes([ICMP6, 0, 5, 2, 0, 0, 1, 0]) + struct.pack("!BBHHH", 143, 0, 0, 0, 0), 0,
                                  src=a6("fe80::6d:73ff:fe00:2"), dst=a6("ff02::16"))
    s["ip6-padded"] = frame6(tcp(), TCP, pad_to=80)
    def ext(n, last, inner):
        """N destination-options headers of 8 bytes (PadN), then INNER."""
        out = b""
        for i in range(n):
            out += bytes([60 if i + 1 < n else last, 0, 1, 4, 0, 0, 0, 0])
        return out + inner
    s["ip6-ext8-udp"] = frame6(ext(8, UDP, udp(dport=443, payload=b"x" * 8)), 60)
    s["ip6-ext9-udp"] = frame6(ext(9, UDP, udp(dport=443, payload=b"x" * 8)), 60)
    s["ip6-ext-tcp"] = frame6(ext(2, TCP, tcp(dport=443)), 60)
    s["ip6-ext-frag"] = frame6(ext(1, FRAG6, struct.pack("!BBHI", UDP, 0, 0x0001, 9) + udp()), 60)
    # Not IP at all
    s["eth-vlan"] = eth(GW_MAC, GUEST_MAC, 0x8100) + b"\0\x01\x08\x00" + b"\0" * 40
    s["eth-short"] = eth(GW_MAC, GUEST_MAC, 0x0800)
    return s


def icmp6_seeds():
    """fuzz_icmp6: (capacity byte, RA byte, frame); ND at hop limit 255."""
    ll_guest, ll_gw = a6("fe80::6d:73ff:fe00:2"), a6("fe80::6d:73ff:fe00:1")
    snm_gw, snm_guest = a6("ff02::1:ff00:1"), a6("ff02::1:ff00:2")
    slla = bytes([1, 1]) + GUEST_MAC

    def nd(msg, src=ll_guest, dst=snm_gw, hops=255, ra=1):
        return (CAP_FULL, ra, frame6(msg, ICMP6, src=src, dst=dst, hops=hops))

    def ns(target, opts=slla):
        return struct.pack("!BBHI", 135, 0, 0, 0) + target + opts

    rs = struct.pack("!BBHI", 133, 0, 0, 0)
    s = {}
    s["ns-gw"] = nd(ns(GW6))
    s["ns-gw-ll-unicast"] = nd(ns(ll_gw, b""), src=GUEST6, dst=ll_gw)
    s["ns-gw-from-unspec"] = nd(ns(GW6, b""), src=a6("::"))
    s["ns-dad-guest"] = nd(ns(GUEST6, b""), src=a6("::"), dst=snm_guest)
    s["ns-hop64"] = nd(ns(GW6), hops=64)
    s["ns-opt-len0"] = nd(ns(GW6, bytes([1, 0]) + GUEST_MAC))
    s["ns-opt-long"] = nd(ns(GW6, bytes([1, 2]) + GUEST_MAC))
    s["ns-two-opts"] = nd(ns(GW6, slla + bytes([14, 1]) + b"\0" * 6))
    s["ns-short"] = nd(struct.pack("!BBHI", 135, 0, 0, 0) + GW6[:12])
    s["rs"] = nd(rs + slla, dst=a6("ff02::2"))
    s["rs-from-unspec"] = nd(rs, src=a6("::"), dst=a6("ff02::2"))
    s["rs-no-ra"] = nd(rs, dst=a6("ff02::2"), ra=0)
    s["na"] = nd(struct.pack("!BBHI", 136, 0, 0, 0x20000000) + GUEST6, dst=a6("ff02::1"))
    s["ra"] = nd(struct.pack("!BBHBBHII", 134, 0, 0, 64, 0, 1800, 0, 0), dst=a6("ff02::1"))
    s["redirect"] = nd(struct.pack("!BBHI", 137, 0, 0, 0) + GW6 + PUB6, dst=a6("ff02::1"))
    s["echo-gw"] = (CAP_FULL, 0, frame6(echo(type_=128, data=b"ping6" * 8), ICMP6, dst=GW6))
    s["echo-gw-ll"] = (CAP_FULL, 0, frame6(echo(type_=128), ICMP6, src=ll_guest, dst=ll_gw))
    s["echo-gw-cap-short"] = (7, 0, frame6(echo(type_=128), ICMP6, dst=GW6))
    s["echo-privacy-src"] = (CAP_FULL, 0, frame6(echo(type_=128), ICMP6, src=a6("fd42:6d73:62::9:8:7:6"), dst=GW6))
    s["echo-public"] = (CAP_FULL, 0, frame6(echo(type_=128), ICMP6))
    return s


def config_seeds():
    def j(*args):
        return b"\0".join(a.encode() for a in args)

    return {
        "dev": j("--dev", "tap0"),
        "dev-short": j("-dveth0"),
        "dev-equals": j("--dev=veth1"),
        "all-options": j(
            "--dev", "tap0", "--guest-ip", "10.0.0.2/24", "--gateway", "10.0.0.1",
            "--guest-mac", "02:00:00:00:00:02", "--gateway-mac", "02:00:00:00:00:01",
            "--mtu", "1400", "--allow", "public,host", "--max-conns", "100",
            "--connect-timeout", "5", "--log-level", "debug", "--no-ipv6"),
        "allow-all": j("--dev", "t", "--allow", "all"),
        "allow-bad": j("--dev", "t", "--allow", "public,bogus"),
        "mtu-bad": j("--dev", "t", "--mtu", "9000"),
        "mac-bad": j("--dev", "t", "--guest-mac", "01:00:5e:00:00:01"),
        "gateway-outside": j("--dev", "t", "--gateway", "100.96.0.5"),
        "help": j("--help"),
        "extra": j("--dev", "t", "extra"),
        "dashdash": j("--dev", "t", "--", "x"),
        "missing-value": j("--dev"),
    }


def write(dirpath, name, data):
    os.makedirs(dirpath, exist_ok=True)
    path = os.path.join(dirpath, "seed-" + name)
    with open(path, "wb") as f:
        f.write(data)


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "corpus")
    for name, v in slot_seeds().items():
        cap, frame = v if isinstance(v, tuple) else (CAP_FULL, v)
        write(os.path.join(out, "fuzz_slot"), name, bytes([cap]) + frame)
    for name, (cap, ra, frame) in icmp6_seeds().items():
        write(os.path.join(out, "fuzz_icmp6"), name, bytes([cap, ra]) + frame)
    for name, v in config_seeds().items():
        write(os.path.join(out, "fuzz_config"), name, v)
    return 0


if __name__ == "__main__":
    sys.exit(main())
