#!/usr/bin/python3
"""A small HTTP server for the fleet tests (issue 14): serves the files of
a web root with Range support (206, Content-Range), logs every request with
its Range header, and can stall a response after N bytes (until the test
kills it: a server stopped mid-file).

    range_server.py ROOT PORT LOG [--stall-after N] [--tls CERT KEY]
"""
import http.server
import os
import re
import argparse
import socketserver
import ssl
import sys
import time
import urllib.parse


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 512


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def note(self, what):
        with open(LOG, "a") as f:
            f.write(what + "\n")

    def do_GET(self):
        rng = self.headers.get("Range", "")
        self.note("GET %s range=%s" % (self.path, rng or "-"))
        name = urllib.parse.unquote(self.path.lstrip("/"))
        path = os.path.join(ROOT, name)
        if any(c.startswith(".") or not c for c in name.split("/")) or not os.path.isfile(path):
            self.send_error(404)
            return
        size = os.path.getsize(path)
        start = 0
        m = re.fullmatch(r"bytes=(\d+)-", rng)
        if m:
            start = int(m.group(1))
            if start >= size:
                self.send_response(416)
                self.send_header("Content-Range", "bytes */%d" % size)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self.send_response(206)
            self.send_header("Content-Range", "bytes %d-%d/%d" % (start, size - 1, size))
        else:
            self.send_response(200)
        self.send_header("Content-Length", str(size - start))
        self.send_header("Accept-Ranges", "bytes")
        self.end_headers()
        with open(path, "rb") as f:
            f.seek(start)
            if STALL is None:
                self.wfile.flush()
                self.connection.sendfile(f, start, size - start)
                return
            left = STALL
            while left > 0:
                b = f.read(min(left, 65536))
                if not b:
                    break
                self.wfile.write(b)
                left -= len(b)
            self.wfile.flush()
            self.note("stalled after %d bytes" % STALL)
            while True:
                time.sleep(3600)


ap = argparse.ArgumentParser()
ap.add_argument("root")
ap.add_argument("port", type=int)
ap.add_argument("log")
ap.add_argument("--stall-after", type=int)
ap.add_argument("--tls", nargs=2, metavar=("CERT", "KEY"))
a = ap.parse_args()
ROOT, PORT, LOG, STALL = a.root, a.port, a.log, a.stall_after
srv = Server(("127.0.0.1", PORT), Handler)
if a.tls:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(a.tls[0], a.tls[1])
    srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
with open(LOG, "a") as f:
    f.write("listening %d\n" % PORT)
srv.serve_forever()
