#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""tlsprobe.py - TLS clients of test_tls that curl cannot be.

  tlsprobe.py split HOST IP PORT CAFILE PATH SEG
      TLS to IP:PORT for HOST, the ClientHello sent SEG bytes per TCP
      segment (TCP_NODELAY, 5 ms apart), then GET PATH; prints the status
      line and the body, or "closed" if the peer closes or resets first.
  tlsprobe.py garbage IP PORT
      sends 600 bytes that start like a TLS record but are no ClientHello;
      prints "closed" when the peer closes without a byte, "data" if it
      answers anything, "open" if it is still open after 15 s.
"""
import socket
import ssl
import sys
import time


def pump(sock, obj, inc, out):
    """Send what the TLS object wrote; feed it what the socket has."""
    data = out.read()
    if data:
        sock.sendall(data)
    try:
        chunk = sock.recv(65536)
    except socket.timeout:
        return
    if not chunk:
        inc.write_eof()
    else:
        inc.write(chunk)


def split(host, ip, port, cafile, path, seg):
    try:
        split_get(host, ip, port, cafile, path, int(seg))
    except (ConnectionResetError, BrokenPipeError, ssl.SSLEOFError, ssl.SSLZeroReturnError):
        print("closed")


def split_get(host, ip, port, cafile, path, seg):
    ctx = ssl.create_default_context(cafile=cafile)
    inc, out = ssl.MemoryBIO(), ssl.MemoryBIO()
    obj = ctx.wrap_bio(inc, out, server_hostname=host)
    sock = socket.create_connection((ip, int(port)), timeout=10)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    try:
        obj.do_handshake()
    except ssl.SSLWantReadError:
        pass
    hello = out.read()
    for i in range(0, len(hello), seg):
        sock.send(hello[i:i + seg])
        time.sleep(0.005)
    while True:
        try:
            obj.do_handshake()
            break
        except ssl.SSLWantReadError:
            pump(sock, obj, inc, out)
    obj.write(("GET %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n" % (path, host)).encode())
    reply = b""
    while True:
        try:
            data = obj.read(65536)
            if not data:
                break
            reply += data
        except ssl.SSLWantReadError:
            pump(sock, obj, inc, out)
        except (ssl.SSLZeroReturnError, ssl.SSLEOFError):
            break
    print("%d hello bytes in %d segments" % (len(hello), (len(hello) + seg - 1) // seg),
          file=sys.stderr)
    head, _, body = reply.partition(b"\r\n\r\n")
    print(head.split(b"\r\n")[0].decode())
    sys.stdout.write(body.decode(errors="replace"))


def garbage(ip, port):
    sock = socket.create_connection((ip, int(port)), timeout=15)
    # A handshake record header (type 22, TLS 1.0) whose body is no
    # ClientHello: message type 2 (ServerHello), then noise.
    rec = bytes([22, 3, 1, 2, 0x53, 2, 0, 2, 0x4F]) + bytes(range(256)) * 2
    sock.sendall(rec[:600])
    try:
        data = sock.recv(100)
        print("data" if data else "closed")
    except ConnectionResetError:
        print("closed")
    except socket.timeout:
        print("open")


def main():
    if len(sys.argv) == 8 and sys.argv[1] == "split":
        split(*sys.argv[2:])
    elif len(sys.argv) == 4 and sys.argv[1] == "garbage":
        garbage(*sys.argv[2:])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
