#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Seeds for fuzz_dhcp: one config byte (pick_config() in fuzz_dhcp.c) + a
DHCP client message (RFC 2131) as udhcpc, dhclient and systemd-networkd
send them, and a few broken ones."""
import os, socket, struct, sys

OUT = sys.argv[1]
GUEST_MAC = bytes.fromhex("026d73000002")
OTHER_MAC = bytes.fromhex("026d73000066")
GUEST, GW, OTHER = (socket.inet_aton(a) for a in ("100.96.0.2", "100.96.0.1", "100.96.0.3"))
ZERO = bytes(4)
COOKIE = 0x63825363
DISCOVER, REQUEST, DECLINE, RELEASE, INFORM = 1, 3, 4, 7, 8


def opt(code, value):
    return bytes([code, len(value)]) + value


def msg(type_, chaddr=GUEST_MAC, flags=0, ciaddr=ZERO, opts=b"", cookie=COOKIE, end=True,
        typeopt=True):
    fixed = struct.pack("!BBBBIHH4s4s4s4s16s64s128sI", 1, 1, 6, 0, 0x3903F326, 3, flags,
                        ciaddr, ZERO, ZERO, ZERO, chaddr, b"", b"", cookie)
    o = (opt(53, bytes([type_])) if typeopt else b"") + opts
    return fixed + o + (b"\xff" if end else b"")


udhcpc = opt(61, b"\x01" + GUEST_MAC) + opt(57, b"\x02\x40") + opt(55, bytes([1, 3, 6, 12, 15, 28, 42])) + opt(60, b"udhcp 1.35.0")
dhclient = opt(12, b"guest") + opt(55, bytes([1, 28, 2, 3, 15, 6, 119, 12, 44, 47, 26, 121, 42]))
seeds = {
    "discover-udhcpc": msg(DISCOVER, opts=udhcpc),
    "discover-broadcast": msg(DISCOVER, flags=0x8000, opts=dhclient),
    "discover-other-mac": msg(DISCOVER, chaddr=OTHER_MAC),
    "request-selecting": msg(REQUEST, opts=opt(50, GUEST) + opt(54, GW) + udhcpc),
    "request-other-server": msg(REQUEST, opts=opt(50, GUEST) + opt(54, OTHER)),
    "request-selecting-nak": msg(REQUEST, opts=opt(50, OTHER) + opt(54, GW)),
    "request-init-reboot": msg(REQUEST, opts=opt(50, GUEST) + dhclient),
    "request-renewing": msg(REQUEST, ciaddr=GUEST, opts=dhclient),
    "request-renewing-nak": msg(REQUEST, ciaddr=OTHER),
    "release": msg(RELEASE, ciaddr=GUEST, opts=opt(54, GW)),
    "decline": msg(DECLINE, opts=opt(50, GUEST) + opt(54, GW)),
    "inform": msg(INFORM, ciaddr=GUEST, opts=opt(55, bytes([1, 3, 6]))),
    "pad-no-end": msg(DISCOVER, opts=b"\0" * 8 + opt(52, b"\x03"), end=False),
    "duplicate-type": msg(DISCOVER, opts=opt(53, bytes([RELEASE]))),
    "long-hostname": msg(DISCOVER, opts=opt(12, b"h" * 255)),
    "bad-cookie": msg(DISCOVER, cookie=COOKIE + 1),
    "no-type": msg(DISCOVER, typeopt=False, opts=opt(12, b"x")),
    "option-past-end": msg(DISCOVER, end=False) + b"\x0c\x20abc",
    "type-length-2": msg(DISCOVER, typeopt=False, opts=b"\x35\x02\x01\x01"),
}
os.makedirs(OUT, exist_ok=True)
for i, (name, m) in enumerate(sorted(seeds.items())):
    cfg = [0x16, 0x36, 0x56, 0x00][i % 4]  # /30 at 1400 or 9000, another MAC, /8
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(bytes([cfg]) + m)
print("%d seeds in %s" % (len(seeds), OUT))
