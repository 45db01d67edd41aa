#!/bin/bash
# The district officer's desk (issue 15): copied journal folders and a
# collector's mirror read without a station file (log, log verify, report,
# rollup); the roll-up against the official list of communes (true
# denominator, not reporting, other districts listed apart, duplicates);
# periods computed directly or by adding months; the report as a fileable
# A4 PDF (headless Chromium, read back with pdftotext); CSV for
# spreadsheets (CRLF, byte-order mark, extra columns); hostile journal and
# schedule fields escaped in HTML (rendered in Chromium: no script runs)
# and neutralised in CSV. TAP-style output.
# Binary: ${LOAXA_BUILD:-build}/loaxactl. Needs python3; Chromium,
# pdftotext and pdfinfo for the PDF and rendering checks.
set -u
cd "$(dirname "$0")/../.." || exit 1
BUILD=${LOAXA_BUILD:-build}
CTL=$BUILD/loaxactl
PY=/usr/bin/python3
[ -x "$CTL" ] || { echo "not ok 1 - $CTL is not built"; exit 1; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/loaxa-desk.XXXXXX")
trap '[ -n "${LOAXA_KEEP:-}" ] || rm -rf "$tmp"' EXIT
n=0 failed=0
: >"$tmp/out"
: >"$tmp/err"
export LOAXA_CONF= TZ=Asia/Ho_Chi_Minh

ok() { n=$((n + 1)); echo "ok $n - $1"; }
fail() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $1"; }
show() {
	sed 's/^/#   out: /' "$tmp/out" | head -40
	sed 's/^/#   err: /' "$tmp/err" | head -20
}
expect() { local r=$?; if [ $r -eq 0 ]; then ok "$1"; else fail "$1"; show; fi; }
# loaxactl with no station file; $tmp/raw the bytes, $tmp/out without CR
runx() {
	"$CTL" "$@" >"$tmp/raw" 2>"$tmp/err"
	rc=$?
	tr -d '\r' <"$tmp/raw" >"$tmp/out"
}

# ---- a schedule, and journals written as record.h describes them ----
cat >"$tmp/s8.conf" <<'EOF'
serial = 8;
campaigns = (
  { id = "sot-xuat-huyet"; title = "Phòng, chống sốt xuất huyết"; bulletins = ["ban-tin-mau"]; target = 5; }
);
slots = ( { id = "sang"; times = ["06:30"]; campaign = "sot-xuat-huyet"; } );
EOF
cat >"$tmp/s9.conf" <<'EOF'
serial = 9;
campaigns = (
  { id = "hd"; title = "=HYPERLINK(\"http://evil.example/\",\"bấm\")<script>document.body.setAttribute('data-x','p'+'wned')</script>";
    bulletins = ["b"]; target = 1; }
);
slots = ( { id = "sang"; times = ["06:30"]; campaign = "hd"; } );
EOF
cat >"$tmp/jw.py" <<'EOF'
# python3 jw.py DIR STATION COMMUNE DISTRICT|- KIND SCHEDULE_FILE
# KIND: good (November: 6 aired, 1 missed), weak (3 aired, 2 missed),
# year (2026: each day at 06:30; March and August mostly missed),
# hostile (November, fields made to attack HTML and spreadsheets).
import hashlib, os, sys, datetime
out, sid, commune, district, kind, sched = sys.argv[1:7]
os.makedirs(out + '/schedules', exist_ok=True)
sbytes = open(sched, 'rb').read()
sha = hashlib.sha256(sbytes).hexdigest()
serial = int(sbytes.split(b';')[0].split(b'=')[1])
open('%s/schedules/%d.conf' % (out, serial), 'wb').write(sbytes)
def enc(v):
    if v and not any(c in v for c in ' "\\=') and all(ord(c) >= 0x20 and ord(c) != 0x7f for c in v):
        return v
    r = ''
    for c in v:
        if c in '"\\': r += '\\' + c
        elif c == '\n': r += '\\n'
        elif ord(c) < 0x20 or ord(c) == 0x7f: r += '\\x%02x' % ord(c)
        else: r += c
    return '"' + r + '"'
prev = '0' * 64
f = None
cur = None
def rec(t, ev, **kv):
    global prev, f, cur
    m = t[:7]
    if m != cur:
        if f: f.close()
        cur = m
        f = open('%s/%s.log' % (out, m), 'w')
        o = dict(station=sid, commune=commune, format=1)
        if district != '-': o['district'] = district
        line0 = m + '-01T00:00:00+07:00 open' + ''.join(' %s=%s' % (k, enc(str(v))) for k, v in o.items()) + ' prev=' + prev
        f.write(line0 + '\n')
        prev = hashlib.sha256(line0.encode()).hexdigest()
    line = t + '+07:00 ' + ev + ''.join(' %s=%s' % (k, enc(str(v))) for k, v in kv.items()) + ' prev=' + prev
    f.write(line + '\n')
    prev = hashlib.sha256(line.encode()).hexdigest()
camp = 'hd' if kind == 'hostile' else 'sot-xuat-huyet'
def bc(day, outcome, bul='ban-tin-mau', detail=''):
    d = day.isoformat()
    occ = 'sang@%sT06:30' % d
    due = '%sT06:30:00+07:00' % d
    if outcome == 'aired':
        rec(d + 'T06:30:02', 'start', occ=occ, due=due, bulletin=bul, campaign=camp, zones='1;2',
            level='normal', repeat=1, expected='12.0', serial=serial)
        rec(d + 'T06:30:15', 'end', occ=occ, outcome='aired', played='12.0', expected='12.0', detail='')
    else:
        rec(d + 'T06:45:00', outcome, occ=occ, due=due, bulletin=bul, campaign=camp, zones='',
            level='normal', expected='12.0', detail=detail or 'the station was not running')
start = datetime.date(2026, 1 if kind == 'year' else 11, 1)
rec(start.isoformat() + 'T00:00:01', 'station-start', version='0.1', pid=41, serial=serial)
rec(start.isoformat() + 'T00:00:02', 'schedule-installed', serial=serial, sha256=sha,
    file='/etc/loaxa/schedule.conf', signer='local')
if kind in ('good', 'weak'):
    for i in range(7):
        day = datetime.date(2026, 11, 2 + 3 * i)
        aired = i < (6 if kind == 'good' else 3)
        bc(day, 'aired' if aired else 'missed')
elif kind == 'year':
    day = start
    while day.year == 2026:
        bad = day.month in (3, 8) and day.day > 3
        o = 'missed' if bad or day.day % 7 == 0 else 'failed' if day.day % 11 == 0 else 'aired'
        bc(day, o)
        day += datetime.timedelta(days=1)
elif kind == 'hostile':
    bc(datetime.date(2026, 11, 2), 'aired', bul='=HYPERLINK("http://evil.example/","x")\x1b[2J\u009b31m')
    bc(datetime.date(2026, 11, 3), 'failed', bul='<img src=x onerror="document.body.setAttribute(\'data-y\',\'o\'+\'wned\')">',
       detail='+cmd|\' /C calc\'!A0 <script>document.body.setAttribute(\'data-z\',\'p\'+\'wned\')</script>')
f.close()
print(prev)
EOF
mkj() { $PY "$tmp/jw.py" "$@" "$tmp/s8.conf"; }

# ---- the district's folders ----
# A meets the target; B too few aired; C tampered; E given twice; F and G
# claim one commune; H another district (its journal says so); X a commune
# not on the list. 99004 is on the list and sent nothing.
R=$tmp/copied
mkj "$R/a" st-a 99001 271 good >/dev/null
mkj "$R/b" st-b 99002 271 weak >/dev/null
mkj "$R/c" st-c 99003 271 good >/dev/null
sed -i '5s/played=12.0/played=11.0/' "$R/c/2026-11.log"
mkj "$R/e" st-e 99005 271 good >/dev/null
cp -r "$R/e" "$R/e-copy"
mkj "$R/f" st-f 99006 271 good >/dev/null
mkj "$R/g" st-g 99006 271 good >/dev/null
mkj "$R/h" st-h 88001 272 good >/dev/null
mkj "$R/x" st-x 77777 271 good >/dev/null
cat >"$tmp/communes.csv" <<'EOF'
# the official list: code, name, district
code,name,district
99001,Xã An Khánh,271
99002,Xã Bình Minh,271
99003,Xã Cẩm Yên,271
99004,Xã Đại Thành,271
99005,Xã Hòa Bình,271
99006,"Xã Phú Cát, thôn Đông",271
88001,Xã Ngoài,272
EOF

runx rollup --month 2026-11 --district 271 --communes "$tmp/communes.csv" --format json \
	"$R/a" "$R/b" "$R/c" "$R/e" "$R/e-copy" "$R/f" "$R/g" "$R/h" "$R/x"
cp "$tmp/out" "$tmp/roll.json"
[ $rc -eq 0 ] && $PY - "$tmp/roll.json" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
den = d["denominator"]
assert (den["from"], den["communes"], den["reporting"], den["not_reporting"], den["flagged"], den["listed_apart"]) == \
    ("commune_list", 6, 5, 1, 5, 2), den
s = d["summary"]
assert len(s) == 1 and s[0]["campaign_id"] == "sot-xuat-huyet", s
s = s[0]
assert (s["communes"], s["communes_met"], s["communes_not_met"], s["not_reporting"], s["percent"]) == (6, 1, 4, 1, 16.7), s
assert d["not_reporting"] == [{"commune_code": "99004", "commune_name": "Xã Đại Thành", "district_code": "271"}], d["not_reporting"]
st = {x["folder"].rsplit("/", 1)[1]: x for x in d["communes_detail"]}
want = {"a": (True, True), "b": (True, True), "c": (False, True), "e": (False, True), "e-copy": (False, True),
        "f": (False, True), "g": (False, True), "h": (False, False), "x": (False, False)}
for k, (counted, inden) in want.items():
    assert (st[k]["counted"], st[k]["in_denominator"]) == (counted, inden), (k, st[k])
assert st["a"]["campaigns"][0]["target_met"] and not st["b"]["campaigns"][0]["target_met"]
assert st["a"]["commune_name"] == "Xã An Khánh"
assert "journal fails verification" in st["c"]["flags"]
assert "the same station's journal is given 2 times" in st["e"]["flags"] and "e-copy" in st["e"]["flags"]
assert "commune 99006 is claimed by 2 stations (st-f; st-g)" in st["g"]["flags"], st["g"]["flags"]
assert st["h"]["flags"] == "belongs to district 272, not 271 (from the journal)", st["h"]["flags"]
assert st["x"]["flags"] == "commune 77777 is not on the commune list", st["x"]["flags"]
EOF
expect "rollup against the list: 1 of 6 communes (16.7%), 1 not reporting, 4 not met, duplicates and claims flagged, 2 listed apart"
[ "$(wc -l <"$tmp/err")" -eq 7 ] && [ "$(grep -c 'st-e (' "$tmp/err")" -eq 2 ] && [ "$(sort "$tmp/err" | uniq -d | wc -l)" -eq 0 ]
expect "rollup json: each flagged folder named once on stderr"

runx rollup --month 2026-11 --communes "$tmp/communes.csv" --district 271 "$R"
cp "$tmp/out" "$tmp/roll.txt"
[ $rc -eq 0 ] && grep -q '^denominator: the 6 communes of district 271 on the commune list' "$tmp/out" &&
	grep -q '^Phòng, chống sốt xuất huyết (sot-xuat-huyet)  *1 of 6  *4  *1  *16.7%$' "$tmp/out" &&
	grep -q '^Xã Đại Thành (99004)  .*NOT REPORTING (no journal)$' "$tmp/out" &&
	grep -q '^Xã An Khánh (99001)  *st-a ' "$tmp/out" &&
	[ "$(grep -c 'is given 2 times' "$tmp/out")" -eq 2 ] && [ "$(grep -c 'belongs to district 272' "$tmp/out")" -eq 1 ] &&
	[ "$(grep -c 'chain broken' "$tmp/out")" -eq 1 ] && [ "$(wc -l <"$tmp/err")" -eq 1 ] &&
	grep -q '7 station folders not counted (listed above)' "$tmp/err" && ! grep -q 'commune ?' "$tmp/out"
expect "rollup of the parent folder: its station folders, names beside codes, each flag once"

runx rollup --month 2026-11 --communes "$tmp/communes.csv" --format csv --bom "$R"
cp "$tmp/raw" "$tmp/roll.csv"
[ $rc -eq 0 ] && $PY - "$tmp/roll.csv" <<'EOF'
import csv, sys
raw = open(sys.argv[1], 'rb').read()
assert raw.startswith(b'\xef\xbb\xbf'), raw[:10]
assert raw.count(b'\r\n') >= 10 and b'\n' not in raw.replace(b'\r\n', b''), 'CRLF'
rows = list(csv.reader(open(sys.argv[1], encoding='utf-8-sig', newline='')))
doc = 'station_id,commune_code,district_code,folder,campaign_id,from,to,target,months_required,months_met,scheduled,aired,partial,interrupted,failed,missed,airtime_seconds,target_met,counted,reason'.split(',')
assert rows[0][:len(doc)] == doc and rows[0][len(doc):] == ['commune_name', 'campaign_title', 'in_denominator', 'unheard'], rows[0]
r = [dict(zip(rows[0], x)) for x in rows[1:]]
assert len(r) == 10, len(r)
nr = [x for x in r if x['commune_code'] == '99004']
assert len(nr) == 1 and nr[0]['station_id'] == '' and nr[0]['commune_name'] == 'Xã Đại Thành' and nr[0]['reason'].startswith('not reporting'), nr
f = [x for x in r if x['station_id'] == 'st-f'][0]
assert f['commune_name'] == 'Xã Phú Cát, thôn Đông' and f['campaign_title'] == 'Phòng, chống sốt xuất huyết', f
# no --district and a list of two districts: every listed commune counts
assert [x['in_denominator'] for x in r if x['station_id'] in ('st-h', 'st-x')] == ['yes', 'no']
assert len([x for x in r if x['in_denominator'] == 'yes']) == 9
EOF
expect "rollup csv --bom: byte-order mark, CRLF, documented header a prefix, names and titles after it, a row for the commune not reporting"

runx rollup --month 2026-11 --district 271 "$R/a" "$R/b" "$R/h"
[ $rc -eq 0 ] && grep -q '^denominator: the stations given: 2 communes (no commune list' "$tmp/out" &&
	grep -q '1 of 2' "$tmp/out" && grep -q 'belongs to district 272' "$tmp/out" &&
	! grep -qi 'not in the commune list\|not on the commune list' "$tmp/out" "$tmp/err"
expect "rollup without a list: the denominator is the stations given, and says so"

# ---- a collector's mirror: MIRROR/STATION_ID/journal/YYYY-MM.log ----
M=$tmp/mirror
mkdir -p "$M/st-a" "$M/st-b"
cp -r "$R/a" "$M/st-a/journal"
cp -r "$R/b" "$M/st-b/journal"
runx log verify --journal "$M"
[ $rc -eq 0 ] && [ "$(grep -c "journal OK: .* records in 1 file, chain head" "$tmp/out")" -eq 2 ] &&
	grep -q "^$M/st-a/journal: journal OK" "$tmp/out" && grep -q "^$M/st-b/journal: journal OK" "$tmp/out"
expect "log verify --journal MIRROR: every station's chain, no station file"
runx log verify --journal "$R/c"
[ $rc -eq 1 ] && grep -q 'chain broken' "$tmp/err" && grep -q 'journal NOT OK' "$tmp/err"
expect "log verify --journal on a tampered copy: exit 1"
runx log --journal "$M/st-a" --format csv
[ $rc -eq 0 ] && [ "$(grep -c '^st-a,99001,sang@2026-11-.*,aired,' "$tmp/out")" -eq 6 ] &&
	[ "$(grep -c ',missed,' "$tmp/out")" -eq 1 ]
expect "log --journal STATION_FOLDER: the station's rows from its own journal"
runx rollup --month 2026-11 --format json "$M"
[ $rc -eq 0 ] && $PY -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["stations"] == 2 and d["summary"][0]["communes_met"] == 1, d["summary"]
' "$tmp/out"
expect "rollup MIRROR: the mirror's station folders"

# ---- report on a copied folder, with no station file ----
runx report --journal "$M/st-a" --month 2026-11 --communes "$tmp/communes.csv" --format json
[ $rc -eq 0 ] && $PY -c '
import json, sys
d = json.load(open(sys.argv[1]))
s = d["station"]
assert (s["station_id"], s["commune_code"], s["district_code"], s["commune_name"], s["from_station_file"]) == \
    ("st-a", "99001", "271", "Xã An Khánh", False), s
assert d["months"][0]["aired"] == 6 and d["months"][0]["target_met"] is True
' "$tmp/out"
expect "report --journal with no station file: identity from the journal, name from the list"
runx report --journal "$M" --month 2026-11
[ $rc -eq 1 ] && grep -q 'holds the journals of 2 stations' "$tmp/err"
expect "report --journal on a folder of several stations: asks which one"
mkdir -p "$tmp/st"
cat >"$tmp/st/loaxa.conf" <<'EOF'
station = { id = "st-b"; commune_code = "99002"; district_code = "271"; name = "Đài truyền thanh xã Bình Minh"; };
paths = { library = "lib"; journal = "journal"; schedule = "schedule.conf"; spool = "spool"; control = "s.sock"; state = "."; };
clock = { require_sync = false; };
report = { issuer = "Ủy ban nhân dân xã Bình Minh"; place = "Bình Minh"; signer_title = "Chủ tịch"; signer = "Trần Thị Bình"; };
EOF
runx -c "$tmp/st/loaxa.conf" report --journal "$M/st-a" --month 2026-11
[ $rc -eq 0 ] && grep -q '^station   st-a, commune 99001' "$tmp/out" && grep -q "NOT the station file's station (st-b" "$tmp/out"
expect "report --journal of another station than the station file: titled with the journal's station, says so"
runx -c "$tmp/st/loaxa.conf" report --journal "$M/st-b" --month 2026-11 --format html
[ $rc -eq 0 ] && grep -q 'Trần Thị Bình' "$tmp/out" && grep -q 'Ủy ban nhân dân xã Bình Minh' "$tmp/out" &&
	grep -q 'Bình Minh, ngày ' "$tmp/out" && grep -q 'Kết quả phát sóng tuyên truyền của Đài truyền thanh xã Bình Minh tháng 11/2026' "$tmp/out"
expect "report html: issuing body, place and signer from the station file's report section"

# ---- periods: directly, or by adding months ----
mkj "$tmp/y" st-y 99001 271 year >/dev/null
$PY - "$CTL" "$tmp/y" >"$tmp/out" 2>"$tmp/err" <<'EOF'
import csv, datetime, io, json, subprocess, sys
ctl, y = sys.argv[1:3]
def days(a, b):
    return a.isoformat(), b.isoformat()
def report(a, b):
    out = subprocess.run([ctl, 'report', '--journal', y, '--from', a, '--to', b, '--format', 'json'],
                         capture_output=True, text=True, check=True).stdout
    t = json.loads(out)['totals']
    return {k: t[0][k] for k in ('scheduled', 'aired', 'partial', 'interrupted', 'failed', 'missed',
                                 'months_with_target', 'months_met', 'airtime_seconds')} if t else {}
def rollup(a, b):
    out = subprocess.run([ctl, 'rollup', '--from', a, '--to', b, '--format', 'csv', y],
                         capture_output=True, text=True, check=True).stdout
    r = list(csv.DictReader(io.StringIO(out)))[0]
    return {k: r[k] for k in ('months_required', 'months_met', 'scheduled', 'aired', 'partial',
                               'interrupted', 'failed', 'missed', 'target_met')}
def pieces(a, b):
    """[a, b] cut at month ends"""
    out = []
    while a <= b:
        nxt = (a.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
        end = min(b, nxt - datetime.timedelta(days=1))
        out.append((a, end))
        a = nxt
    return out
def add(ds, keys):
    s = {}
    for d in ds:
        for k in keys:
            s[k] = round(s.get(k, 0) + (float(d[k]) if k == 'airtime_seconds' else int(d[k])), 3)
    return s
D = datetime.date
cases = [('month', D(2026, 3, 1), D(2026, 3, 31)), ('6 months', D(2026, 1, 1), D(2026, 6, 30)),
         ('year', D(2026, 1, 1), D(2026, 12, 31)), ('date range', D(2026, 3, 10), D(2026, 5, 20))]
for name, a, b in cases:
    direct = report(*days(a, b))
    parts = [report(*days(p, q)) for p, q in pieces(a, b)]
    keys = list(direct)
    summed = add(parts, keys)
    assert {k: round(float(direct[k]), 3) for k in keys} == summed, (name, direct, summed)
    rd = rollup(*days(a, b))
    rp = [rollup(*days(p, q)) for p, q in pieces(a, b)]
    nk = [k for k in rd if k != 'target_met']
    assert {k: int(rd[k]) for k in nk} == add(rp, nk), (name, rd, add(rp, nk))
    assert rd['target_met'] == ('yes' if all(x['target_met'] == 'yes' for x in rp) else 'no'), (name, rd, rp)
    print(name, direct['aired'], direct['months_met'], rd['target_met'])
year = report('2026-01-01', '2026-12-31')
assert year['months_with_target'] == 12 and year['months_met'] == 10, year
EOF
expect "periods: a month, 6 months, a year and a date range give the same numbers directly and by adding months"

# ---- the report fit to file: A4 PDF through headless Chromium ----
have_pdf=1
for t in chromium pdftotext pdfinfo; do command -v $t >/dev/null || have_pdf=0; done
if [ $have_pdf = 1 ]; then
	runx report --journal "$tmp/y" --from 2026-01 --to 2026-12 --communes "$tmp/communes.csv" \
		--issuer "Ủy ban nhân dân huyện Gia Lâm" --office "Phòng Văn hóa và Thông tin" --place "Gia Lâm" \
		--signer-title "Trưởng phòng" --signer "Nguyễn Văn An" --date 2026-12-05 --format html
	cp "$tmp/out" "$tmp/year.html"
	runx report --journal "$tmp/y" --from 2026-01 --to 2026-12 --communes "$tmp/communes.csv" \
		--issuer "Ủy ban nhân dân huyện Gia Lâm" --office "Phòng Văn hóa và Thông tin" --place "Gia Lâm" \
		--signer-title "Trưởng phòng" --signer "Nguyễn Văn An" --date 2026-12-05 --format pdf --output "$tmp/year.pdf"
	[ $rc -eq 0 ] && [ -s "$tmp/year.pdf" ] && pdfinfo "$tmp/year.pdf" >"$tmp/info" &&
		grep -qE '^Page size: +59[45](\.[0-9]+)? x 84[12](\.[0-9]+)? pts \(A4\)' "$tmp/info" &&
		pdftotext "$tmp/year.pdf" "$tmp/year.txt" &&
		pdftotext -f 1 -l 1 -bbox "$tmp/year.pdf" "$tmp/year-words.html" &&
		$PY - "$tmp/year.txt" "$tmp/year.html" "$tmp/year-words.html" <<'EOF'
import re, sys, html
text = open(sys.argv[1], encoding='utf-8').read()
flat = re.sub(r'\s+', ' ', text)
# The heading's two columns, from the words' positions on page 1: left of
# where CỘNG HÒA begins, above BÁO CÁO.
words = [(float(a), float(b), float(c), html.unescape(w)) for a, b, c, w in
         re.findall(r'xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="[\d.]+">([^<]*)</word>', open(sys.argv[3], encoding='utf-8').read())]
cong = min(w[0] for w in words if w[3] == 'CỘNG')
top = min(w[1] for w in words if w[3] == 'BÁO')
col = lambda left: ' '.join(w[3] for w in sorted((w for w in words if w[1] < top and (w[2] <= cong) == left), key=lambda w: (round(w[1]), w[0])))
left, right = col(True), col(False)
for want in ('ỦY BAN NHÂN DÂN HUYỆN GIA LÂM', 'PHÒNG VĂN HÓA VÀ THÔNG TIN', 'Số:', '/BC-'):
    assert want in left, 'not top left: %s (%s)' % (want, left)
for want in ('CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM', 'Độc lập - Tự do - Hạnh phúc', 'Gia Lâm, ngày 05 tháng 12 năm 2026'):
    assert want in right, 'not top right: %s (%s)' % (want, right)
for want in ('BÁO CÁO', 'năm 2026', 'Nơi nhận:', 'TRƯỞNG PHÒNG', '(Ký, ghi rõ họ tên, đóng dấu)', 'Nguyễn Văn An',
             'Xã An Khánh (99001)', 'Chuỗi băm hợp lệ'):
    assert want in flat, 'not in the PDF: ' + want
# titles first, ids second
i = flat.find('Phòng, chống sốt xuất huyết sot-xuat-huyet')
assert i >= 0, 'campaign title then id'
pages = text.split('\f')
assert len(pages) >= 3, len(pages)
# the signature block sits on the last page with text
assert 'Nguyễn Văn An' in [p for p in pages if p.strip()][-1]
src = open(sys.argv[2], encoding='utf-8').read()
heads = [html.unescape(re.sub(r'<span.*', '', h)).strip() for h in re.findall(r'<h[23]>(.*?)</h[23]>', src)]
assert len(heads) >= 6, heads
for k, p in enumerate(pages):
    lines = [l.strip() for l in p.splitlines() if l.strip()]
    if not lines:
        continue
    tail = ' '.join(lines[-2:])
    for h in heads:
        assert not (lines[-1].startswith(h) or (len(lines) > 1 and lines[-2].startswith(h))), \
            'heading "%s" orphaned at the foot of page %d' % (h, k + 1)
EOF
	expect "report --format pdf: A4, the administrative form and signature block, titles before ids, no heading orphaned at a page foot"

	runx rollup --month 2026-11 --communes "$tmp/communes.csv" --district 271 --signer "Lê Văn Cường" \
		--signer-title "Trưởng phòng" --format pdf --output "$tmp/roll.pdf" "$R"
	[ $rc -eq 0 ] && pdftotext "$tmp/roll.pdf" - | tr -s ' \n' ' ' >"$tmp/roll.pdf.txt" &&
		grep -q 'Lê Văn Cường' "$tmp/roll.pdf.txt" && grep -q 'Xã Đại Thành' "$tmp/roll.pdf.txt" &&
		grep -q 'Không có số liệu' "$tmp/roll.pdf.txt" && grep -q 'CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM' "$tmp/roll.pdf.txt"
	expect "rollup --format pdf: the form, the commune not reporting, the signer"
else
	ok "# SKIP report PDF: chromium, pdftotext or pdfinfo not installed"
	ok "# SKIP rollup PDF: chromium, pdftotext or pdfinfo not installed"
fi
runx report --journal "$tmp/y" --format pdf
[ $rc -eq 2 ] && grep -q 'needs --output' "$tmp/err"
expect "report --format pdf without --output: exit 2"
LOAXA_CHROMIUM=$tmp/no-such-browser runx report --journal "$tmp/y" --month 2026-03 --format pdf --output "$tmp/no.pdf"
[ $rc -eq 1 ] && grep -q 'cannot run .*no-such-browser (install chromium, or set LOAXA_CHROMIUM)' "$tmp/err"
expect "report --format pdf with no browser: exit 1, says what to install"
runx log --journal "$M/st-a" --format csv --bom
[ $rc -eq 0 ] && [ "$(head -c 3 "$tmp/raw" | od -An -tx1 | tr -d ' ')" = efbbbf ] &&
	$PY -c '
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1], encoding="utf-8-sig", newline="")))
assert len(rows) == 7 and rows[0]["station_id"] == "st-a", rows[:1]
' "$tmp/raw"
expect "log --format csv --bom: a byte-order mark, then the documented CSV"

# ---- hostile fields: escaped in HTML, neutralised in CSV ----
K=$tmp/hostile
$PY "$tmp/jw.py" "$K" '=cmd|'"'"' /C calc'"'"'!A0' '@SUM(1)' 271 hostile "$tmp/s9.conf" >/dev/null
runx report --journal "$K" --month 2026-11 --format html
cp "$tmp/out" "$tmp/hostile.html"
[ $rc -eq 0 ] && ! grep -qi '<script' "$tmp/hostile.html" && ! grep -q '<img' "$tmp/hostile.html" &&
	grep -q '&lt;script&gt;' "$tmp/hostile.html"
expect "report html: journal and schedule fields escaped (no <script>, no <img>)"
if command -v chromium >/dev/null; then
	prof=$(mktemp -d "$tmp/chromium.XXXXXX")
	timeout 120 chromium --headless --no-sandbox --disable-gpu --no-first-run --disable-background-networking \
		--disable-component-update --disable-sync --user-data-dir="$prof" --dump-dom \
		"file://$tmp/hostile.html" >"$tmp/dom.html" 2>/dev/null
	[ -s "$tmp/dom.html" ] && ! grep -q 'pwned\|owned' "$tmp/dom.html" && ! grep -qi '<script\|<img' "$tmp/dom.html" &&
		grep -q 'HYPERLINK' "$tmp/dom.html"
	expect "report html in headless Chromium: no script ran, no element injected (--dump-dom)"
else
	ok "# SKIP hostile page in Chromium: chromium not installed"
fi
runx report --journal "$K" --month 2026-11
[ $rc -eq 0 ] && [ "$(tr -d '\n' <"$tmp/raw" | tr -d '[:print:]' | tr -d '\200-\377' | wc -c)" -eq 0 ] &&
	! grep -q $'\xc2\x9b' "$tmp/raw" && grep -q '=HYPERLINK("http://evil.example/","x")?\[2J?31m' "$tmp/raw"
expect "report text: control characters from the journal never reach the terminal"
check_csv() { # FILE: no cell a spreadsheet would run as a formula
	$PY - "$1" <<'EOF'
import csv, sys
rows = list(csv.reader(open(sys.argv[1], encoding='utf-8-sig', newline='')))
cells = [c for r in rows[1:] for c in r]
bad = [c for c in cells if c[:1] in ('=', '+', '-', '@', '\t', '\r')]
assert not bad, bad
assert any(c.startswith("'=") for c in cells), 'a neutralised formula'
EOF
}
runx report --journal "$K" --month 2026-11 --format csv
cp "$tmp/out" "$tmp/h1.csv"
[ $rc -eq 0 ] && check_csv "$tmp/h1.csv" && grep -q "^'=cmd|' /C calc'!A0,'@SUM(1),hd," "$tmp/h1.csv"
expect "report csv: formulas from the journal and the schedule neutralised"
runx log --journal "$K" --format csv
cp "$tmp/out" "$tmp/h2.csv"
[ $rc -eq 0 ] && check_csv "$tmp/h2.csv" && grep -q "'+cmd|" "$tmp/h2.csv"
expect "log csv: formulas from the journal neutralised"
runx rollup --month 2026-11 --format csv "$K"
cp "$tmp/out" "$tmp/h3.csv"
[ $rc -eq 0 ] && check_csv "$tmp/h3.csv"
expect "rollup csv: formulas from the journal and the schedule neutralised"

echo "1..$n"
[ "$failed" -eq 0 ]
