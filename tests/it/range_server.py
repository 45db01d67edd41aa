#!/usr/bin/python3
"""A small HTTP server for the fleet tests (issue 14): serves the files of
a web root with Range support (206, Content-Range), logs every request with
its Range header, and can stall a response after N bytes (until the test
kills it: a server stopped mid-file).

    range_server.py ROOT PORT LOG [--stall-after N]
"""
import http.server
import os
import re
import socketserver
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


ROOT, PORT, LOG = sys.argv[1], int(sys.argv[2]), sys.argv[3]
STALL = int(sys.argv[5]) if len(sys.argv) > 5 and sys.argv[4] == "--stall-after" else None
srv = Server(("127.0.0.1", PORT), Handler)
with open(LOG, "a") as f:
    f.write("listening %d\n" % PORT)
srv.serve_forever()
