#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""httpd.py - the host-side HTTP server of the integration tests.

Serves GET of the files in one directory and answers PUT/POST with the
sha256 hex digest of the request body (Content-Length or chunked), read in
chunks and never buffered whole, so a 100 MB upload costs no memory. It
listens on 127.0.0.1 (or $TG_LISTEN: "::1", or "::" for both families) on
a port the kernel picks and writes that port to PORT_FILE once it listens. One thread per connection.

A GET may carry "?barrier=NAME&n=N": the reply is held until N requests with
the same barrier name are waiting (or 60 s have passed, then 503), so a test
can prove that N connections were open through tapgate at the same time.
GET /peer answers the client's address as this server saw it; GET
/headers answers the request's header lines as it got them.

With TG_TLS_CERT and TG_TLS_KEY set it speaks HTTPS with that certificate
(the handshake in the connection's thread), and TG_PORT picks its port.

Usage: httpd.py DIR PORT_FILE
"""
import hashlib
import http.server
import os
import shutil
import socket
import ssl
import sys
import threading
import urllib.parse

CHUNK = 256 * 1024
BARRIER_TIMEOUT = 60.0


class Barriers:
    """Named counting barriers: wait until N requests of one name arrived."""

    def __init__(self):
        self.cond = threading.Condition()
        self.arrived = {}

    def wait(self, name, n):
        """Return True once n requests named name arrived, False on timeout."""
        with self.cond:
            self.arrived[name] = self.arrived.get(name, 0) + 1
            self.cond.notify_all()
            return self.cond.wait_for(lambda: self.arrived[name] >= n,
                                      timeout=BARRIER_TIMEOUT)


class Handler(http.server.BaseHTTPRequestHandler):
    """GET serves files; PUT/POST reply with the body's sha256."""

    protocol_version = "HTTP/1.1"
    server_version = "tg-httpd"

    def reply(self, code, body, ctype="text/plain"):
        """Send a complete small reply."""
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def local_path(self, path):
        """Map a URL path to a regular file under the served dir, or None."""
        rel = urllib.parse.unquote(path).lstrip("/")
        full = os.path.realpath(os.path.join(self.server.root, rel))
        if not full.startswith(self.server.root + os.sep):
            return None
        return full if os.path.isfile(full) else None

    def do_GET(self):
        url = urllib.parse.urlsplit(self.path)
        query = urllib.parse.parse_qs(url.query)
        if "barrier" in query:
            n = int(query.get("n", ["1"])[0])
            if not self.server.barriers.wait(query["barrier"][0], n):
                self.reply(503, b"barrier timeout\n")
                return
        if url.path == "/peer":
            self.reply(200, (self.client_address[0] + "\n").encode())
            return
        if url.path == "/headers":
            self.reply(200, str(self.headers).encode())
            return
        path = self.local_path(url.path)
        if path is None:
            self.reply(404, b"not found\n")
            return
        with open(path, "rb") as f:
            size = os.fstat(f.fileno()).st_size
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Content-Length", str(size))
            self.end_headers()
            shutil.copyfileobj(f, self.wfile, CHUNK)

    def body_chunks(self):
        """Yield the request body in chunks (Content-Length or chunked)."""
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip(), 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return
                while size:
                    data = self.rfile.read(min(size, CHUNK))
                    if not data:
                        raise ConnectionError("body truncated")
                    size -= len(data)
                    yield data
                self.rfile.readline()
        left = int(self.headers.get("Content-Length", "0"))
        while left:
            data = self.rfile.read(min(left, CHUNK))
            if not data:
                raise ConnectionError("body truncated")
            left -= len(data)
            yield data

    def do_PUT(self):
        digest = hashlib.sha256()
        for data in self.body_chunks():
            digest.update(data)
        self.reply(200, (digest.hexdigest() + "\n").encode())

    do_POST = do_PUT


class Server(http.server.ThreadingHTTPServer):
    """Threaded server with a backlog large enough for the concurrency test."""

    daemon_threads = True
    request_queue_size = 1024

    tls = None

    def finish_request(self, request, client_address):
        if self.tls:
            try:
                request = self.tls.wrap_socket(request, server_side=True)
            except (OSError, ValueError) as e:
                sys.stderr.write("tls handshake from %s: %s\n" % (client_address[0], e))
                return
        super().finish_request(request, client_address)

    def server_bind(self):
        if self.address_family == socket.AF_INET6:
            self.socket.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        super().server_bind()


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: httpd.py DIR PORT_FILE")
    addr = os.environ.get("TG_LISTEN", "127.0.0.1")
    if ":" in addr:
        Server.address_family = socket.AF_INET6
    if os.environ.get("TG_TLS_CERT"):
        Server.tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        Server.tls.load_cert_chain(os.environ["TG_TLS_CERT"], os.environ["TG_TLS_KEY"])
    server = Server((addr, int(os.environ.get("TG_PORT", "0"))), Handler)
    server.root = os.path.realpath(sys.argv[1])
    server.barriers = Barriers()
    tmp = sys.argv[2] + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % server.server_address[1])
    os.rename(tmp, sys.argv[2])
    server.serve_forever()


if __name__ == "__main__":
    main()
