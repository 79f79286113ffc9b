#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""tcptool.py - small TCP servers (host side) and clients (guest side) for
the integration tests' corner cases: half-close, reset and refused connects.

Servers listen on 127.0.0.1 (or $TG_LISTEN: "::1", or "::" for both
families) on a port the kernel picks, write it to PORT_FILE once
listening, and serve until killed:
  serve-halfclose PORT_FILE  read to EOF, reply "<sha256> <bytes>\\n", close
  serve-reset PORT_FILE      read a little, then close with SO_LINGER 0 (RST)
  serve-echo PORT_FILE       echo every byte back until EOF
  serve-hello PORT_FILE      send "hello" and close first (as HTTP/1.0 does)
  serve-hold PORT_FILE       accept and never read (a server whose buffers fill)
  serve-sink PORT_FILE       read and discard until EOF
  serve-record PORT_FILE     read until EOF and print every connection's
                             byte count and bytes (hex) on stdout, flushed:
                             a DNS-over-TCP upstream that records what reached it
  serve-stall PORT_FILE      read nothing for 3 s (the buffers toward it
                             fill), then as serve-halfclose
  serve-midreset PORT_FILE   send 1 MiB, then close with SO_LINGER 0 (RST)
                             in the middle of the transfer
  serve-stream PORT_FILE     send STREAM_BYTES of pattern() and close

Clients take IPv4 or IPv6 addresses and print one result word on stdout and exit 0 when it is the expected
one:
  halfclose HOST PORT NBYTES  send NBYTES, shutdown(SHUT_WR), expect the
                              server's digest of them   -> "ok"
  reset HOST PORT             send a line, expect ECONNRESET -> "ECONNRESET"
  connect HOST PORT           connect only, print "connected" or the errno
                              name (e.g. ECONNREFUSED) and the time taken
  reuse HOST PORT SPORT N     (against serve-hello) N connections one after
                              another from the same guest port SPORT, each
                              answered within 2 s        -> "ok"
  limit HOST PORT N           (against serve-echo) open N connections that
                              each echo, check that one more is refused or
                              reset, then that the N still echo -> "ok"
  midreset HOST PORT          (against serve-midreset) read until the
                              stream ends; it must end in ECONNRESET after
                              some data, not a clean EOF -> "ECONNRESET N"
  slowread HOST PORT SECS     (against serve-stream) read 1 byte a second
                              for SECS s, then the rest at full speed; all
                              of pattern(), in order    -> "ok"
"""
import errno
import hashlib
import os
import socket
import struct
import sys
import threading
import time

TIMEOUT = 10.0


def family_of(addr):
    return socket.AF_INET6 if ":" in addr else socket.AF_INET


def listen(port_file):
    """Listen on $TG_LISTEN (127.0.0.1), port 0; publish the port in port_file."""
    addr = os.environ.get("TG_LISTEN", "127.0.0.1")
    srv = socket.socket(family_of(addr), socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if addr == "::":
        srv.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    srv.bind((addr, 0))
    srv.listen(128)
    with open(port_file + ".tmp", "w") as f:
        f.write("%d\n" % srv.getsockname()[1])
    os.rename(port_file + ".tmp", port_file)
    return srv


def serve(port_file, handler):
    """Accept forever, one thread per connection."""
    srv = listen(port_file)
    while True:
        conn, _ = srv.accept()
        conn.settimeout(60)
        threading.Thread(target=handler, args=(conn,), daemon=True).start()


def halfclose_handler(conn):
    """Read to EOF, then reply with the digest and length, then close."""
    digest, total = hashlib.sha256(), 0
    with conn:
        while True:
            data = conn.recv(65536)
            if not data:
                break
            digest.update(data)
            total += len(data)
        conn.sendall(("%s %d\n" % (digest.hexdigest(), total)).encode())


def reset_handler(conn):
    """Read something, then abort the connection with an RST."""
    conn.recv(4096)
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                    struct.pack("ii", 1, 0))
    conn.close()


def echo_handler(conn):
    """Echo until EOF."""
    with conn:
        while True:
            data = conn.recv(65536)
            if not data:
                return
            conn.sendall(data)


def hello_handler(conn):
    """Greet and close first: the server side ends the connection."""
    with conn:
        conn.sendall(b"hello\n")


HELD = []


def hold_handler(conn):
    """Keep the connection open and never read from it."""
    HELD.append(conn)


def sink_handler(conn):
    """Read and discard until EOF."""
    with conn:
        while conn.recv(65536):
            pass


def record_handler(conn):
    """Read until EOF (or 10 s of silence); print what came."""
    got = b""
    conn.settimeout(10)
    with conn:
        try:
            while True:
                data = conn.recv(65536)
                if not data:
                    break
                got += data
        except OSError:
            pass
    print("received %d %s" % (len(got), got.hex()), flush=True)


def client_reuse(host, port, sport, n):
    """Reuse one source port for n connections the server closes first."""
    for i in range(n):
        # Our last FIN may still wait for its ACK (LAST_ACK): the tuple is
        # busy on our side for a moment, which is not what is under test.
        for _ in range(20):
            sock = socket.socket(family_of(host), socket.SOCK_STREAM)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.settimeout(2.0)
            sock.bind(("::" if ":" in host else "0.0.0.0", sport))
            try:
                sock.connect((host, port))
                break
            except OSError as e:
                sock.close()
                if e.errno != errno.EADDRNOTAVAIL:
                    print("connection %d from port %d: %s" % (i + 1, sport, e))
                    return 1
                time.sleep(0.05)
        try:
            got = recv_all(sock)
        except OSError as e:
            print("connection %d from port %d: %s" % (i + 1, sport, e))
            return 1
        finally:
            sock.close()
        if got != b"hello\n":
            print("connection %d: got %r" % (i + 1, got))
            return 1
    print("ok")
    return 0


def echo_once(sock, tag):
    """Send tag and expect it back whole."""
    sock.sendall(tag)
    got = b""
    while len(got) < len(tag):
        data = sock.recv(len(tag) - len(got))
        if not data:
            return False
        got += data
    return got == tag


def client_limit(host, port, n):
    """N connections fit, the next is turned away, the N keep working."""
    socks = []
    for i in range(n):
        s = socket.create_connection((host, port), timeout=TIMEOUT)
        if not echo_once(s, b"conn %d\n" % i):
            print("connection %d does not echo" % i)
            return 1
        socks.append(s)
    extra = socket.socket(family_of(host), socket.SOCK_STREAM)
    extra.settimeout(TIMEOUT)
    try:
        extra.connect((host, port))
        word = "connected" if echo_once(extra, b"extra\n") else "no-echo"
    except socket.timeout:
        word = "TIMEOUT"
    except OSError as e:
        word = errno.errorcode.get(e.errno, str(e.errno))
    if word not in ("ECONNREFUSED", "ECONNRESET"):
        print("connection %d beyond the cap: %s" % (n + 1, word))
        return 1
    for i, s in enumerate(socks):
        if not echo_once(s, b"again %d\n" % i):
            print("connection %d broke after the cap was hit" % i)
            return 1
        s.close()
    print("ok")
    return 0


STREAM_BYTES = 16 << 20


def pattern(n):
    """n bytes of a stream whose every offset is checkable: 4-byte counters."""
    return b"".join(struct.pack("!I", i) for i in range((n + 3) // 4))[:n]


def stall_handler(conn):
    """Leave the data waiting for 3 s, then read it all and reply."""
    time.sleep(3)
    halfclose_handler(conn)


def midreset_handler(conn):
    """Send 1 MiB, then abort with an RST while the transfer is under way."""
    conn.sendall(os.urandom(1 << 20))
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    conn.close()


def stream_handler(conn):
    with conn:
        conn.sendall(pattern(STREAM_BYTES))


def client_midreset(host, port):
    """The stream must end in ECONNRESET (after data), never a clean EOF."""
    sock = socket.create_connection((host, port), timeout=TIMEOUT)
    n = 0
    try:
        while True:
            data = sock.recv(65536)
            if not data:
                print("EOF %d" % n)
                return 1
            n += len(data)
    except ConnectionResetError:
        print("ECONNRESET %d" % n)
        return 0 if n > 0 else 1
    except socket.timeout:
        print("TIMEOUT %d" % n)
        return 1


def client_slowread(host, port, secs):
    """A guest that reads 1 byte a second, then catches up."""
    sock = socket.create_connection((host, port), timeout=TIMEOUT)
    got = bytearray()
    for _ in range(secs):
        got += sock.recv(1)
        time.sleep(1)
    got += recv_all(sock)
    if bytes(got) != pattern(STREAM_BYTES):
        print("mismatch: %d bytes" % len(got))
        return 1
    print("ok")
    return 0


def recv_all(sock):
    """Read until EOF."""
    chunks = []
    while True:
        data = sock.recv(65536)
        if not data:
            return b"".join(chunks)
        chunks.append(data)


def client_halfclose(host, port, nbytes):
    """Send, half-close, and check the server saw exactly what was sent."""
    payload = os.urandom(nbytes)
    want = "%s %d" % (hashlib.sha256(payload).hexdigest(), nbytes)
    sock = socket.create_connection((host, port), timeout=TIMEOUT)
    sock.sendall(payload)
    sock.shutdown(socket.SHUT_WR)
    got = recv_all(sock).decode(errors="replace").strip()
    sock.close()
    if got != want:
        print("mismatch: got %r want %r" % (got, want))
        return 1
    print("ok")
    return 0


def client_reset(host, port):
    """Expect the server's RST to surface as ECONNRESET."""
    sock = socket.create_connection((host, port), timeout=TIMEOUT)
    try:
        sock.sendall(b"hello\n")
        data = sock.recv(4096)
        print("EOF" if not data else "data")
        return 1
    except ConnectionResetError:
        print("ECONNRESET")
        return 0
    except socket.timeout:
        print("TIMEOUT")
        return 1


def client_connect(host, port):
    """Connect only; report the outcome and how long it took."""
    start = time.monotonic()
    sock = socket.socket(family_of(host), socket.SOCK_STREAM)
    sock.settimeout(TIMEOUT)
    try:
        sock.connect((host, port))
        word = "connected"
    except socket.timeout:
        word = "TIMEOUT"
    except OSError as e:
        word = errno.errorcode.get(e.errno, str(e.errno))
    ms = (time.monotonic() - start) * 1000
    print("%s %.0f" % (word, ms))
    return 0 if word == "connected" else 1


def main():
    args = sys.argv[1:]
    if args[:1] == ["serve-halfclose"] and len(args) == 2:
        serve(args[1], halfclose_handler)
    elif args[:1] == ["serve-reset"] and len(args) == 2:
        serve(args[1], reset_handler)
    elif args[:1] == ["serve-echo"] and len(args) == 2:
        serve(args[1], echo_handler)
    elif args[:1] == ["serve-hello"] and len(args) == 2:
        serve(args[1], hello_handler)
    elif args[:1] == ["serve-hold"] and len(args) == 2:
        serve(args[1], hold_handler)
    elif args[:1] == ["serve-sink"] and len(args) == 2:
        serve(args[1], sink_handler)
    elif args[:1] == ["serve-record"] and len(args) == 2:
        serve(args[1], record_handler)
    elif args[:1] == ["serve-stall"] and len(args) == 2:
        serve(args[1], stall_handler)
    elif args[:1] == ["serve-midreset"] and len(args) == 2:
        serve(args[1], midreset_handler)
    elif args[:1] == ["serve-stream"] and len(args) == 2:
        serve(args[1], stream_handler)
    elif args[:1] == ["midreset"] and len(args) == 3:
        return client_midreset(args[1], int(args[2]))
    elif args[:1] == ["slowread"] and len(args) == 4:
        return client_slowread(args[1], int(args[2]), int(args[3]))
    elif args[:1] == ["reuse"] and len(args) == 5:
        return client_reuse(args[1], int(args[2]), int(args[3]), int(args[4]))
    elif args[:1] == ["limit"] and len(args) == 4:
        return client_limit(args[1], int(args[2]), int(args[3]))
    elif args[:1] == ["halfclose"] and len(args) == 4:
        return client_halfclose(args[1], int(args[2]), int(args[3]))
    elif args[:1] == ["reset"] and len(args) == 3:
        return client_reset(args[1], int(args[2]))
    elif args[:1] == ["connect"] and len(args) == 3:
        return client_connect(args[1], int(args[2]))
    sys.exit(__doc__)


if __name__ == "__main__":
    sys.exit(main())
