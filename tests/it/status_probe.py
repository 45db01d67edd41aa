"""Ask loaxad for status every INTERVAL s for SECONDS s over its control
socket; print the longest wait for a whole answer (s). Fails on an answer
that is not a good status. Usage: status_probe.py SOCKET SECONDS INTERVAL"""
import socket
import sys
import time

sock, seconds, interval = sys.argv[1], float(sys.argv[2]), float(sys.argv[3])
worst = 0.0
end = time.monotonic() + seconds
while time.monotonic() < end:
    t = time.monotonic()
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(20)
    s.connect(sock)
    s.sendall(b"status\n")
    r = b""
    while True:
        b = s.recv(65536)
        if not b:
            break
        r += b
    s.close()
    worst = max(worst, time.monotonic() - t)
    assert r.startswith(b"loaxa=1\nok=yes\n"), r[:80]
    time.sleep(interval)
print("%.3f" % worst)
