#!/usr/bin/python3
"""Seeds for fuzz_dnsmsg: one size byte (pick() in fuzz_dnsmsg.c) + a DNS message."""
import os, struct, sys

OUT = sys.argv[1]
QR, AA, TC, RD, RA, AD, CD = 0x8000, 0x0400, 0x0200, 0x0100, 0x0080, 0x0020, 0x0010
A, NS, CNAME, SOA, PTR, MX, TXT, AAAA, OPT = 1, 2, 5, 6, 12, 15, 16, 28, 41
IN, CH = 1, 3

def hdr(id_, flags, qd=1, an=0, ns=0, ar=0):
    return struct.pack(">HHHHHH", id_, flags, qd, an, ns, ar)

def labels(name):
    out = b""
    for l in name.split(".") if name else []:
        out += bytes([len(l)]) + l.encode()
    return out

def name(n):
    return labels(n) + b"\0"

def ptr(off):
    return struct.pack(">H", 0xC000 | off)

def q(n, t=A, c=IN):
    return name(n) + struct.pack(">HH", t, c)

def rr(owner, t, c, ttl, rdata):
    return owner + struct.pack(">HHIH", t, c, ttl, len(rdata)) + rdata

def opt(size=1232, do=False, options=b""):
    return b"\0" + struct.pack(">HHIH", OPT, size, 0x8000 if do else 0, len(options)) + options

COOKIE = struct.pack(">HH", 10, 8) + bytes(range(1, 9))
V6 = bytes.fromhex("20010db8000000000000000000000042")
seeds = {}

def add(what, msg, sel=255):
    seeds[what] = bytes([sel]) + msg

# queries, as dig / glibc / systemd-resolved send them
add("query-a", hdr(0x1a2b, RD) + q("www.example.com"))
add("query-aaaa-edns-cookie", hdr(0x3c4d, RD | AD, ar=1) + q("example.org", AAAA) + opt(1232, options=COOKIE))
add("query-a-edns-do-smallcap", hdr(7, RD, ar=1) + q("example.net") + opt(4096, do=True), 40)
add("query-mixed-case", hdr(9, RD) + q("WwW.ExAmPlE.CoM", AAAA))
add("query-root-ns", hdr(10, 0) + q("", NS))
add("query-chaos-txt", hdr(11, 0) + q("version.bind", TXT, CH))
add("query-ptr", hdr(12, RD) + q("1.0.168.192.in-addr.arpa", PTR))
add("query-edns-512", hdr(13, RD, ar=1) + q("gateway.internal") + opt(100))
long = ".".join(["x" * 63, "y" * 63, "z" * 63, "w" * 61])
add("query-name-253", hdr(14, RD) + q(long), 255)

# responses
r = hdr(0xBEEF, QR | RD | RA, 1, 4, 0, 1) + q("www.example.com")
cdn = len(r) + 12
r += rr(ptr(12), CNAME, IN, 3600, labels("cdn") + ptr(16))
edge = len(r) + 12
r += rr(ptr(cdn), CNAME, IN, 60, labels("edge") + ptr(cdn + 4))
r += rr(ptr(edge), A, IN, 30, bytes([203, 0, 113, 5]))
r += rr(ptr(edge), AAAA, IN, 0x80000000, V6)
r += opt(1232)
add("resp-cname-chain-edns", r)
add("resp-cname-chain-truncate-question", r, 40)
add("resp-cname-chain-truncate-header", r, 10)

r = hdr(0x2222, QR | RD | RA | 3, 1, 0, 1, 1) + q("nx.example.com")
soa = labels("ns1") + ptr(15) + labels("hostmaster") + ptr(15) + struct.pack(">IIIII", 2024, 7200, 3600, 1209600, 300)
r += rr(ptr(15), SOA, IN, 300, soa) + opt(1232)
add("resp-nxdomain-soa", r)

r = hdr(0x3333, QR | RD | RA, 1, 4) + q("pool.example")
for i in range(4):
    r += rr(ptr(12), A, IN, 20, bytes([198, 51, 100, i + 1]))
add("resp-four-a", r)
add("resp-four-a-smalllimit", r, 60)

r = hdr(0x4444, QR | RD | RA, 1, 2) + q("example.com", MX)
r += rr(ptr(12), MX, IN, 300, struct.pack(">H", 10) + labels("mx1") + ptr(12))
r += rr(ptr(12), MX, IN, 300, struct.pack(">H", 20) + labels("mx2") + ptr(12))
add("resp-mx", r)

r = hdr(0x5555, QR | AA | RD | RA, 1, 1) + q("1.0.168.192.in-addr.arpa", PTR)
r += rr(ptr(12), PTR, IN, 86400, name("router.lan"))
add("resp-ptr", r)

r = hdr(0x6666, QR | AA | RD | RA, 1, 1) + q("gateway.internal", AAAA) + rr(ptr(12), AAAA, IN, 60, V6)
add("resp-own-aaaa", r)

# broken ones
base = hdr(0x7777, QR | RD | RA, 1, 1) + q("example.com")
loop_at = len(base)
add("bad-pointer-loop", base + labels("a") + ptr(loop_at + 4) + ptr(loop_at) + struct.pack(">HHIH", A, IN, 1, 4) + b"\1\2\3\4")
add("bad-pointer-self", base + ptr(len(base)) + struct.pack(">HHIH", A, IN, 1, 4) + b"\1\2\3\4")
add("bad-pointer-forward", base + ptr(len(base) + 2) + struct.pack(">HHIH", A, IN, 1, 4) + b"\1\2\3\4")
add("bad-pointer-oob", base + ptr(0x3FFF) + struct.pack(">HHIH", A, IN, 1, 4) + b"\1\2\3\4")
add("bad-pointer-header", hdr(0x0161, 0) + ptr(0) + struct.pack(">HH", A, IN))
add("bad-label-64", hdr(1, RD) + bytes([64]) + b"a" * 64 + b"\0" + struct.pack(">HH", A, IN))
add("bad-label-type-40", hdr(1, RD) + b"\x41a\0" + struct.pack(">HH", A, IN))
add("bad-rdlength-beyond", base + rr(ptr(12), TXT, IN, 1, b"\x05abcde")[:-3])
add("bad-a-rdlength-5", base + rr(ptr(12), A, IN, 1, b"\1\2\3\4\5"))
add("bad-truncated-header", hdr(1, RD)[:5])
add("bad-truncated-question", (hdr(1, RD) + q("example.com"))[:-2])
add("bad-qdcount-2", hdr(1, RD, qd=2) + q("a.example") + q("b.example"))
add("bad-qr-query", hdr(1, QR | RD) + q("a.example"))
add("bad-trailing-byte", hdr(1, RD) + q("a.example") + b"\0")
add("bad-opt-not-root", hdr(1, RD, ar=1) + q("a.example") + name("x") + struct.pack(">HHIH", OPT, 1232, 0, 0))
add("bad-opt-option-length", hdr(1, RD, ar=1) + q("a.example") + opt(1232, options=struct.pack(">HH", 10, 9) + bytes(8)))
add("bad-dot-in-label", base + b"\3a.b" + ptr(12) + struct.pack(">HHIH", A, IN, 1, 4) + b"\1\2\3\4")
add("bad-name-254", hdr(1, RD) + q(".".join(["x" * 63, "y" * 63, "z" * 63, "w" * 62])))
chain = hdr(1, QR, qd=66) + q("a")
prev = 12
for _ in range(65):
    here = len(chain)
    chain += ptr(prev) + struct.pack(">HH", A, IN)
    prev = here
add("bad-pointer-65-hops", chain)
add("pointer-64-hops", hdr(1, QR, qd=65) + chain[12:len(chain) - 6])

os.makedirs(OUT, exist_ok=True)
for what, data in seeds.items():
    with open(os.path.join(OUT, "seed-" + what), "wb") as f:
        f.write(data)
print(len(seeds), "seeds")
