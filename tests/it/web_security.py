"""Security tests of loaxa-web with a plain HTTP client (http.client): no
session, CSRF, roles, path traversal, escaping, upload limits (announced and
streamed), the report's bytes, the login backoff. TAP lines on stdout.
Environment: URL, CONF, BUILD, T, AUD, STAFF_PW, VIEW_PW, DPID,
LOAXA_TEST_CLOCK_OFFSET_FILE, UPLOAD_MB."""
import glob, http.client, os, re, signal, socket, subprocess, sys, time, urllib.parse

E = os.environ
HOST, PORT = urllib.parse.urlparse(E["URL"]).hostname, urllib.parse.urlparse(E["URL"]).port
n = 0
failed = 0


def ok(cond, what, extra=""):
    global n, failed
    n += 1
    if cond:
        print(f"ok {n} - {what}")
    else:
        failed += 1
        print(f"not ok {n} - {what}")
        for l in str(extra).splitlines()[:15]:
            print("#   " + l)
    sys.stdout.flush()


def req(method, path, body=None, headers=None, cookie=None):
    c = http.client.HTTPConnection(HOST, PORT, timeout=20)
    h = dict(headers or {})
    if cookie:
        h["Cookie"] = "loaxa_session=" + cookie
    if body is not None and "Content-Type" not in h:
        h["Content-Type"] = "application/x-www-form-urlencoded"
    if isinstance(body, dict):
        body = urllib.parse.urlencode(body)
    c.request(method, path, body=body, headers=h)
    r = c.getresponse()
    data = r.read()
    c.close()
    return r.status, dict((k.lower(), v) for k, v in r.getheaders()), data


def raw_get(path):
    """The request line exactly as given (no client-side normalising)."""
    s = socket.create_connection((HOST, PORT), timeout=10)
    s.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
    out = b""
    while True:
        b = s.recv(65536)
        if not b:
            break
        out += b
    s.close()
    return out


def login(user, pw):
    st, h, _ = req("POST", "/login", {"user": user, "password": pw})
    m = re.search(r"loaxa_session=([A-Za-z0-9_-]+)", h.get("set-cookie", ""))
    return st, h, m.group(1) if m else None


def csrf_of(cookie):
    _, _, body = req("GET", "/now", cookie=cookie)
    m = re.search(rb'name="csrf" value="([^"]+)"', body)
    return m.group(1).decode() if m else ""


def journal():
    return "".join(open(f, encoding="utf-8", errors="replace").read()
                   for f in sorted(glob.glob(E["T"] + "/st/journal/*.log")))


def ctl(*args):
    return subprocess.run([E["BUILD"] + "/loaxactl", "-c", E["CONF"], *args],
                          capture_output=True).stdout


def set_clock(when):
    """The daemon's clock reads `when` (Asia/Ho_Chi_Minh) from now on."""
    target = int(subprocess.check_output(["date", "-d", when, "+%s"],
                                         env={"TZ": "Asia/Ho_Chi_Minh"}).decode())
    with open(E["LOAXA_TEST_CLOCK_OFFSET_FILE"], "w") as f:
        f.write(str(target - int(time.time())))
    os.kill(int(E["DPID"]), signal.SIGUSR2)


def wait_for(pred, secs):
    end = time.time() + secs
    while time.time() < end:
        if pred():
            return True
        time.sleep(0.05)
    return pred()


PAGES = ["/", "/now", "/bulletins", "/schedule", "/log", "/log.csv", "/report", "/report.csv"]
ACTIONS = ["/logout", "/stop", "/play", "/emergency", "/bulletins/add", "/bulletins/remove"]

# 1. Nothing without a session.
bad = [p for p in PAGES if (lambda r: r[0] != 303 or r[1].get("location") != "/login")(req("GET", p))]
ok(not bad, "every page without a session is sent to /login", bad)
bad = [p for p in ACTIONS if req("POST", p, {"id": "tin-a"})[0] != 403]
ok(not bad, "every action without a session is refused (403)", bad)
bad = [p for p in PAGES if req("GET", p, cookie="A" * 43)[0] != 303]
ok(not bad, "a made-up session cookie is no session", bad)
ok("request=" not in journal(), "nothing reached the daemon from those requests")

# 2. Log in.
st, h, bad_cookie = login("canbo", "wrong password")
ok(st == 403 and not bad_cookie, "wrong password refused, no cookie", st)
st, h, staff = login("canbo", E["STAFF_PW"])
sc = h.get("set-cookie", "")
ok(st == 303 and staff and "HttpOnly" in sc and "SameSite=Strict" in sc,
   "staff login: session cookie HttpOnly, SameSite=Strict", sc)
csrf = csrf_of(staff)
ok(len(csrf) == 43, "the Now page's forms carry a CSRF token")

# 3. CSRF.
st, _, _ = req("POST", "/play", {"id": "tin-a"}, cookie=staff)
st2, _, _ = req("POST", "/play", {"id": "tin-a", "csrf": "x" * 43}, cookie=staff)
st3, _, _ = req("POST", "/stop", {"csrf": csrf[:-1] + ("A" if csrf[-1] != "A" else "B")}, cookie=staff)
ok(st == 403 and st2 == 403 and st3 == 403, "CSRF token missing or wrong: refused (403)", (st, st2, st3))
ok("request=" not in journal(), "and the daemon was not asked")
st, _, _ = req("POST", "/play", {"id": "tin-a", "csrf": csrf}, {"Origin": "http://evil.example"}, cookie=staff)
ok(st == 403 and "request=" not in journal(), "a form posted from another site (Origin) is refused", st)
st, h, _ = req("POST", "/play", {"id": "tin-a", "csrf": csrf},
               {"Origin": "http://%s:%d" % (HOST, PORT)}, cookie=staff)
ok(st == 303 and wait_for(lambda: re.search(r" request request=play bulletin=tin-a .*as=canbo", journal()), 5),
   "with the token, play now reaches loaxad, journalled as=canbo", journal()[-600:])
ok(wait_for(lambda: re.search(r" end occ=manual@\S+ .*outcome=aired", journal()), 10), "and it aired")

# 4. A viewer may look, not act.
st, _, viewer = login("xem", E["VIEW_PW"])
vcsrf = csrf_of(viewer)
st, _, body = req("GET", "/bulletins", cookie=viewer)
ok(st == 200 and b"tin-a" in body and b'class="play"' not in body, "viewer sees the bulletins without buttons")
bad = [p for p in ["/play", "/stop", "/emergency", "/bulletins/remove"]
       if req("POST", p, {"id": "tin-a", "csrf": vcsrf, "confirm": "yes"}, cookie=viewer)[0] != 403]
ok(not bad, "viewer cannot play, stop, trigger an emergency or remove (403)", bad)
ok("as=xem" not in journal(), "nothing the viewer asked reached the daemon")

# 5. URLs never reach a file.
bad = []
for p in ["/static/../../../../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd", "/static/..%2f..%2f..%2fetc%2fpasswd",
          "//etc/passwd", "/static/style.css/../../../etc/passwd", "/etc/passwd"]:
    out = raw_get(p)
    if not out.startswith(b"HTTP/1.1 404") or b"root:" in out:
        bad.append((p, out[:60]))
ok(not bad, "path traversal in URLs: 404, no file content", bad)

# 6. Any bytes in a title or a file name come back as text.
boundary = "loaxaBOUNDARY"
def multipart(fields, fname, data):
    parts = []
    for k, v in fields:
        parts.append(f"--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n".encode() + v.encode() + b"\r\n")
    parts.append(f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{fname}\"\r\n"
                 "Content-Type: audio/mpeg\r\n\r\n".encode() + data + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts)

evil = "<script>alert(1)</script> \"'&"
good = open(E["AUD"] + "/v44k-stereo.mp3", "rb").read()
body = multipart([("csrf", csrf), ("title", evil), ("id", "tin-evil")], "x\"<img src=x>.mp3", good)
st, h, _ = req("POST", "/bulletins/add", body, {"Content-Type": "multipart/form-data; boundary=" + boundary}, cookie=staff)
st, _, page = req("GET", "/bulletins", cookie=staff)
ok(b"&lt;script&gt;alert(1)&lt;/script&gt; &quot;&#39;&amp;" in page and b"<script>alert" not in page
   and b"<img src=x>" not in page, "a hostile title and file name are escaped on the page")
ok("Bản tin xã &lt;a&gt;".encode() in page, "titles from the CLI are escaped too")

# Remove: the same refusals as bulletin remove; a reload tells the daemon.
st, h, _ = req("POST", "/bulletins/remove", {"id": "tin-a", "csrf": csrf}, cookie=staff)
_, _, page = req("GET", "/bulletins", cookie=staff)
cli = subprocess.run([E["BUILD"] + "/loaxactl", "-c", E["CONF"], "bulletin", "remove", "tin-a"],
                     capture_output=True).stderr.decode().replace("loaxactl: ", "").split(", or use --force")[0]
ok(st == 303 and 'class="msg bad"' in page.decode() and cli.strip() and cli.strip() in page.decode()
   and 'data-id="tin-a"' in page.decode(), "removing a bulletin the schedule uses is refused in bulletin remove's words", cli)
st, h, _ = req("POST", "/bulletins/remove", {"id": "tin-evil", "csrf": csrf}, cookie=staff)
_, _, page = req("GET", "/bulletins", cookie=staff)
ok('data-id="tin-evil"' not in page.decode() and "removed tin-evil" in page.decode()
   and re.search(r" request request=reload .*as=canbo", journal()), "an unused local bulletin is removed; the daemon reloads, as=canbo")
st, h, _ = req("POST", "/stop", {"csrf": csrf}, cookie=staff)
ok(st == 303 and re.search(r" request request=stop .*as=canbo", journal()), "Stop reaches loaxad, journalled as=canbo")

# 7. The report and the CSV are loaxactl's own bytes.
month = "2030-01"
steps = journal().count(" clock-stepped ")
set_clock("2030-01-15 06:20:00")
wait_for(lambda: journal().count(" clock-stepped ") > steps, 5)  # the journal settles
def undated(html):
    """The last line says when it was made (to the second): left out."""
    return re.sub(rb'<p class="note">[^\n]*', b"", html)
st, h, html = req("GET", "/report?month=" + month, cookie=staff)
ok(st == 200 and b"<html" in html and undated(html) == undated(ctl("report", "--month", month, "--format", "html")),
   "the monthly report is byte for byte loaxactl report --format html (but its time of making)")
st, h, csv = req("GET", "/report.csv?month=" + month, cookie=staff)
ok(st == 200 and csv == ctl("report", "--month", month, "--format", "csv") and "attachment" in h.get("content-disposition", ""),
   "the report CSV download is loaxactl report --format csv")
st, h, csv = req("GET", "/log.csv?month=2026-11", cookie=staff)
ok(st == 200 and csv == ctl("log", "--from", "2026-11-01", "--to", "2026-11-30", "--format", "csv"),
   "the log CSV download is loaxactl log --format csv")
st, _, _ = req("GET", "/log?month=2026-13", cookie=staff)
ok(st == 400, "a wrong month is refused (400)")

# 8. Uploads over the limit.
limit = int(E["UPLOAD_MB"]) << 20
cat_before = open(E["T"] + "/st/library/catalog.conf", "rb").read()
# Only the headers are sent: the refusal must come before any of the body.
s = socket.create_connection((HOST, PORT), timeout=10)
s.sendall((f"POST /bulletins/add HTTP/1.1\r\nHost: x\r\nCookie: loaxa_session={staff}\r\n"
           f"Content-Type: multipart/form-data; boundary={boundary}\r\n"
           f"Content-Length: {limit + 200000}\r\n\r\n").encode())
answer = s.recv(4096)
s.close()
st = int(answer.split(b" ")[1]) if answer.startswith(b"HTTP/1.1 ") else answer[:40]
ok(st == 413, "an upload announcing more than the limit is refused at once (413)", st)

# Streamed (chunked, no length): cut off while it streams, with the
# daemon playing its 06:30 broadcast on time meanwhile.
set_clock("2030-01-15 06:29:59")
c = http.client.HTTPConnection(HOST, PORT, timeout=20)
c.putrequest("POST", "/bulletins/add")
c.putheader("Cookie", "loaxa_session=" + staff)
c.putheader("Content-Type", "multipart/form-data; boundary=" + boundary)
c.putheader("Transfer-Encoding", "chunked")
c.endheaders()
head = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n"
        f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"stream.mp3\"\r\n\r\n").encode()
sent, cut = 0, False
try:
    c.send(b"%x\r\n%s\r\n" % (len(head), head))
    chunk = b"\xff" * 65536
    while sent < 4 * limit:
        c.send(b"%x\r\n%s\r\n" % (len(chunk), chunk))
        sent += len(chunk)
        time.sleep(0.15)  # about 400 kB/s: the limit is reached after the due time
    c.send(b"0\r\n\r\n")
    r = c.getresponse()
    r.read()
except (BrokenPipeError, ConnectionResetError, http.client.RemoteDisconnected, socket.timeout):
    cut = True
c.close()
ok(cut and sent <= limit + (1 << 20), f"a streamed upload is cut off near the limit (sent {sent} of {4 * limit} bytes)")
ok(not glob.glob(E["T"] + "/tmp/loaxa-web-upload*"), "nothing of it is left on disk")
ok(open(E["T"] + "/st/library/catalog.conf", "rb").read() == cat_before, "the library is unchanged")
ok(wait_for(lambda: re.search(r"start occ=sang@2030-01-15T06:30 ", journal()), 10), "the 06:30 broadcast started")
m = re.search(r"^(\S+) \S* ?start occ=sang@2030-01-15T06:30 ", journal(), re.M) or \
    re.search(r"^(\S+).*start occ=sang@2030-01-15T06:30 ", journal(), re.M)
ok(m and re.match(r"2030-01-15T06:30:0[0-2]", m.group(1)), "on time, while the upload streamed", m and m.group(1))
ok(wait_for(lambda: re.search(r"end occ=sang@2030-01-15T06:30 .*outcome=aired", journal()), 10), "and aired")
st, _, _ = req("GET", "/now", cookie=staff)
ok(st == 200, "loaxa-web still serves pages after the cut")

# 9. English for an English browser.
st, _, page = req("GET", "/now", headers={"Accept-Language": "en-GB,en;q=0.8,vi;q=0.5"}, cookie=staff)
ok(b"<h2>Now</h2>" in page and b'lang="en"' in page, "English when the browser asks for it")
st, _, page = req("GET", "/now", headers={"Accept-Language": "vi,en;q=0.8"}, cookie=staff)
ok("<h2>Hiện tại</h2>".encode() in page, "Vietnamese first")

# 10. Logout ends the session.
st, _, _ = req("POST", "/logout", {"csrf": csrf}, cookie=staff)
st2, h, _ = req("GET", "/now", cookie=staff)
ok(st == 303 and st2 == 303 and h.get("location") == "/login", "after logging out the cookie opens nothing")

# 11. Failed logins slow down (last: the address is then held back).
# Each wait doubles (1, 2, 4 ... s), so whatever a password check costs on
# a loaded machine, a refusal comes within a few attempts.
codes = []
for i in range(10):
    codes.append(login("canbo", "guess-%d" % i)[0])
    if codes[-1] == 429:
        break
st, h, c2 = login("canbo", E["STAFF_PW"])
ra = int(h.get("retry-after", "0"))
ok(codes[:3] == [403, 403, 403] and codes[-1] == 429, "after 3 failures further attempts wait: refused (429)", codes)
ok(st == 429 and not c2 and ra >= 1, f"even the right password waits (Retry-After: {ra} s)", (st, h))
print(f"# {n} tests, {failed} failed")
sys.exit(1 if failed else 0)
