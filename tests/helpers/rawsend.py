#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""rawsend.py - send hand-made spoofed frames out of an interface.

Run inside the guest namespace. Builds Ethernet frames with struct (no
scapy needed) and sends them through an AF_PACKET raw socket, so the guest
kernel's own source addresses are bypassed. Kinds:
  tcp-ip   TCP SYN with a foreign source IP, the guest's own source MAC
  tcp-mac  TCP SYN with the guest's source IP, a foreign source MAC
  arp-ip   ARP request whose sender IP is foreign (Ethernet source honest)
  arp-mac  ARP request whose sender MAC is foreign (Ethernet source honest)
  tcp-ack  TCP ACK (no SYN) from the guest's own MAC and IP to --dst: what
           only the XDP policy map stands in front of
  echo6-ip ICMPv6 echo request to the IPv6 gateway from --src6 (default an
           address outside the guest's /64), the guest's own source MAC
  tcp6-ip  IPv6 TCP SYN from --src6 to --dst6 (default the IPv6 gateway),
           the guest's own source MAC
  ns-hop64 Neighbour Solicitation for the IPv6 gateway from the guest's
           link-local address, valid but for its hop limit 64 (RFC 4861
           wants 255: it was not forwarded)

  dhcp-mac    DHCPDISCOVER from 0.0.0.0 to 255.255.255.255 whose client
              hardware address (chaddr) is FOREIGN_MAC, in a frame from the
              guest's MAC: a server must not offer it anything
  dhcp-cookie the same DISCOVER with the guest's chaddr and a wrong magic
              cookie: malformed

Usage: rawsend.py IFNAME KIND COUNT [--guest-mac M] [--guest-ip A]
       [--gw-mac M] [--gw-ip A] [--port P] [--dst A] [--src6 A] [--gw-ip6 A]
       [--dst6 A]
Every frame is addressed to the gateway's MAC (or broadcast, for ARP and
DHCP), to
the gateway's IP unless --dst: nothing is meant to leave the machine.
"""
import argparse
import socket
import struct

FOREIGN_MAC = "02:6d:73:00:00:66"
FOREIGN_IP = "100.96.0.3"
FOREIGN_IP6 = "fd42:6d73:62:1::2"  # the next /64 over: not the guest's
GUEST_LL6 = "fe80::6d:73ff:fe00:2"
ETH_P_IP = 0x0800
ETH_P_ARP = 0x0806
ETH_P_IPV6 = 0x86DD


def mac(text):
    """Parse aa:bb:cc:dd:ee:ff into 6 bytes."""
    return bytes(int(x, 16) for x in text.split(":"))


def csum(data):
    """The Internet checksum of data."""
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def tcp_syn(src_ip, dst_ip, sport, dport, flags=0x02):
    """An IPv4 packet carrying a TCP SYN (or FLAGS), checksums filled in."""
    src, dst = socket.inet_aton(src_ip), socket.inet_aton(dst_ip)
    ack = 0x2000 if flags & 0x10 else 0
    tcp = struct.pack("!HHIIBBHHH", sport, dport, 0x1000, ack, 5 << 4, flags,
                      65535, 0, 0)
    pseudo = src + dst + struct.pack("!BBH", 0, 6, len(tcp))
    tcp = tcp[:16] + struct.pack("!H", csum(pseudo + tcp)) + tcp[18:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), 0x1234, 0x4000,
                     64, 6, 0, src, dst)
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    return ip + tcp


def icmp6(src_ip, dst_ip, msg, hops):
    """An IPv6 packet carrying ICMPv6 message msg, checksum filled in."""
    src = socket.inet_pton(socket.AF_INET6, src_ip)
    dst = socket.inet_pton(socket.AF_INET6, dst_ip)
    pseudo = src + dst + struct.pack("!IxxxB", len(msg), 58)
    msg = msg[:2] + struct.pack("!H", csum(pseudo + msg)) + msg[4:]
    return struct.pack("!IHBB", 0x60000000, len(msg), 58, hops) + src + dst + msg


def tcp6_syn(src_ip, dst_ip, sport, dport):
    """An IPv6 packet carrying a TCP SYN, checksum filled in."""
    src = socket.inet_pton(socket.AF_INET6, src_ip)
    dst = socket.inet_pton(socket.AF_INET6, dst_ip)
    tcp = struct.pack("!HHIIBBHHH", sport, dport, 0x1000, 0, 5 << 4, 0x02, 65535, 0, 0)
    pseudo = src + dst + struct.pack("!IxxxB", len(tcp), 6)
    tcp = tcp[:16] + struct.pack("!H", csum(pseudo + tcp)) + tcp[18:]
    return struct.pack("!IHBB16s16s", 6 << 28, len(tcp), 6, 64, src, dst) + tcp


def solicited_node(addr):
    """ff02::1:ffXX:XXXX of an IPv6 address, as text."""
    low = socket.inet_pton(socket.AF_INET6, addr)[13:]
    return socket.inet_ntop(socket.AF_INET6, bytes.fromhex("ff0200000000000000000001ff") + low)


def arp_request(sha, spa, tpa):
    """An ARP who-has tpa from (sha, spa)."""
    return struct.pack("!HHBBH6s4s6s4s", 1, ETH_P_IP, 6, 4, 1, sha,
                       socket.inet_aton(spa), b"\0" * 6,
                       socket.inet_aton(tpa))


def dhcp_discover(chaddr, xid, cookie=0x63825363):
    """A DHCPDISCOVER (RFC 2131) in UDP 68 -> 67 from 0.0.0.0 to the
    broadcast, checksums filled in."""
    msg = struct.pack("!BBBBIHHIIII16s64s128sI", 1, 1, 6, 0, xid, 0, 0, 0, 0, 0, 0,
                      chaddr, b"", b"", cookie)
    msg += bytes([53, 1, 1, 255])
    src, dst = socket.inet_aton("0.0.0.0"), socket.inet_aton("255.255.255.255")
    udp = struct.pack("!HHHH", 68, 67, 8 + len(msg), 0) + msg
    pseudo = src + dst + struct.pack("!BBH", 0, 17, len(udp))
    udp = udp[:6] + struct.pack("!H", csum(pseudo + udp) or 0xFFFF) + udp[8:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0x1234, 0,
                     64, 17, 0, src, dst)
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    return ip + udp


def build(kind, a, seq):
    """Return one Ethernet frame of the given kind (padded to 60 bytes)."""
    gmac, gwmac, fmac = mac(a.guest_mac), mac(a.gw_mac), mac(FOREIGN_MAC)
    sport = 40000 + seq
    if kind == "tcp-ip":
        src, dst, body = gmac, gwmac, tcp_syn(FOREIGN_IP, a.gw_ip, sport,
                                              a.port)
        etype = ETH_P_IP
    elif kind == "tcp-mac":
        src, dst, body = fmac, gwmac, tcp_syn(a.guest_ip, a.gw_ip, sport,
                                              a.port)
        etype = ETH_P_IP
    elif kind == "tcp-ack":
        src, dst, body = gmac, gwmac, tcp_syn(a.guest_ip, a.dst or a.gw_ip,
                                              sport, a.port, flags=0x10)
        etype = ETH_P_IP
    elif kind == "arp-ip":
        src, dst, body = gmac, b"\xff" * 6, arp_request(gmac, FOREIGN_IP,
                                                        a.gw_ip)
        etype = ETH_P_ARP
    elif kind == "arp-mac":
        src, dst, body = gmac, b"\xff" * 6, arp_request(fmac, a.guest_ip,
                                                        a.gw_ip)
        etype = ETH_P_ARP
    elif kind == "echo6-ip":
        msg = struct.pack("!BBHHH", 128, 0, 0, 0x6666, seq) + b"spoof6"
        src, dst, body = gmac, gwmac, icmp6(a.src6, a.gw_ip6, msg, 64)
        etype = ETH_P_IPV6
    elif kind == "tcp6-ip":
        src, dst, body = gmac, gwmac, tcp6_syn(a.src6, a.dst6 or a.gw_ip6, sport, a.port)
        etype = ETH_P_IPV6
    elif kind == "ns-hop64":
        msg = (struct.pack("!BBHI", 135, 0, 0, 0) +
               socket.inet_pton(socket.AF_INET6, a.gw_ip6) + bytes([1, 1]) + gmac)
        src, dst, body = gmac, gwmac, icmp6(GUEST_LL6, solicited_node(a.gw_ip6),
                                            msg, 64)
        etype = ETH_P_IPV6
    elif kind in ("dhcp-mac", "dhcp-cookie"):
        chaddr, cookie = (fmac, 0x63825363) if kind == "dhcp-mac" else (gmac, 0x63825364)
        src, dst, body = gmac, b"\xff" * 6, dhcp_discover(chaddr, 0x7a000000 + seq, cookie)
        etype = ETH_P_IP
    else:
        raise SystemExit("unknown kind " + kind)
    frame = dst + src + struct.pack("!H", etype) + body
    return frame.ljust(60, b"\0")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("ifname")
    p.add_argument("kind")
    p.add_argument("count", type=int)
    p.add_argument("--guest-mac", default="02:6d:73:00:00:02")
    p.add_argument("--guest-ip", default="100.96.0.2")
    p.add_argument("--gw-mac", default="02:6d:73:00:00:01")
    p.add_argument("--gw-ip", default="100.96.0.1")
    p.add_argument("--port", type=int, default=80)
    p.add_argument("--dst", default=None)
    p.add_argument("--src6", default=FOREIGN_IP6)
    p.add_argument("--gw-ip6", default="fd42:6d73:62::1")
    p.add_argument("--dst6", default=None)
    a = p.parse_args()
    sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    sock.bind((a.ifname, 0))
    for i in range(a.count):
        sock.send(build(a.kind, a, i))
    print("sent %d %s" % (a.count, a.kind))


if __name__ == "__main__":
    main()
