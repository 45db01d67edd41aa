#!/bin/bash
# Integration tests of loaxactl report and loaxactl rollup on hand-made,
# hash-chained journals: every outcome, a schedule change mid-month, a
# missed record written a month late, on-demand plays, the CSV contract,
# a differential check against `log --format csv`, JSON and well-formed
# HTML, tampering, and a district roll-up with flagged stations (tampered,
# another district, a missing month, a missing schedule). TAP-style output.
# Binary: ${LOAXA_BUILD:-build}/loaxactl. Needs python3.
set -u
cd "$(dirname "$0")/../.." || exit 1
BUILD=${LOAXA_BUILD:-build}
CTL=$BUILD/loaxactl
[ -x "$CTL" ] || { echo "not ok 1 - $CTL is not built"; exit 1; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/loaxa-report.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
n=0 failed=0
: >"$tmp/out"
: >"$tmp/err"

ok() { n=$((n + 1)); echo "ok $n - $1"; }
fail() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $1"; }
show() {
	sed 's/^/#   out: /' "$tmp/out" | head -30
	sed 's/^/#   err: /' "$tmp/err" | head -20
}
expect() { local r=$?; if [ $r -eq 0 ]; then ok "$1"; else fail "$1"; show; fi; }
# $tmp/raw: the bytes written; $tmp/out and $out: the same with CSV's CRLF
# record ends as LF, for line tools.
run() { # loaxactl against the test station
	"$CTL" -c "$tmp/st/loaxa.conf" "$@" >"$tmp/raw" 2>"$tmp/err"
	rc=$?
	tr -d '\r' <"$tmp/raw" >"$tmp/out"
	out=$(cat "$tmp/out")
}
runx() { # loaxactl with no station file
	"$CTL" "$@" >"$tmp/raw" 2>"$tmp/err"
	rc=$?
	tr -d '\r' <"$tmp/raw" >"$tmp/out"
	out=$(cat "$tmp/out")
}

# ---- the station and its two schedules ----
mkdir -p "$tmp/st/lib"
cat >"$tmp/st/loaxa.conf" <<'EOF'
station = {
  id = "test-station";
  commune_code = "99999";
  district_code = "999";
  name = "Đài truyền thanh xã Thử";
  timezone = "Asia/Ho_Chi_Minh";
};
paths = { library = "lib"; journal = "journal"; schedule = "schedule.conf";
          spool = "spool"; control = "loaxad.sock"; state = "var"; };
clock = { require_sync = false; };
EOF
cat >"$tmp/s7.conf" <<'EOF'
serial = 7;
campaigns = (
  { id = "sot-xuat-huyet"; title = "Phòng, chống sốt xuất huyết";
    bulletins = ["ban-tin-mau"]; target = 4; }
);
slots = ( { id = "sang"; times = ["06:30"]; campaign = "sot-xuat-huyet"; } );
EOF
cat >"$tmp/s8.conf" <<'EOF'
serial = 8;
campaigns = (
  { id = "sot-xuat-huyet"; title = "Phòng, chống sốt xuất huyết";
    bulletins = ["ban-tin-mau"]; target = 5; },
  { id = "mai-dam"; title = "Phòng, chống mại dâm"; bulletins = ["md-01"]; target = 1; }
);
slots = (
  { id = "sang"; times = ["06:30"]; campaign = "sot-xuat-huyet"; },
  { id = "chieu"; weekdays = ["tue"]; times = ["17:00"]; campaign = "mai-dam"; }
);
EOF
cp "$tmp/s8.conf" "$tmp/st/schedule.conf"

# ---- journals, written as record.h describes them ----
cat >"$tmp/jw.py" <<'EOF'
# Journal writer: python3 jw.py DIR STATION COMMUNE VARIANT SHA7 SHA8 [DISTRICT]
# VARIANT: full (Nov + Dec), weak (November with few aired), dec (December only)
import hashlib, os, sys
out, sid, commune, variant, sha7, sha8 = sys.argv[1:7]
district = sys.argv[7] if len(sys.argv) > 7 else None
os.makedirs(out, exist_ok=True)
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
def month(m):
    global f
    if f: f.close()
    f = open('%s/%s.log' % (out, m), 'w')
    kv = dict(station=sid, commune=commune, format=1)
    if district: kv['district'] = district
    rec('%s-01T00:00:00' % m, 'open', **kv)
def rec(t, ev, **kv):
    global prev
    line = t + '+07:00 ' + ev + ''.join(' %s=%s' % (k, enc(str(v))) for k, v in kv.items()) + ' prev=' + prev
    f.write(line + '\n')
    prev = hashlib.sha256(line.encode()).hexdigest()
def T(d, hm, s=0): return '2026-%s %s:%02d' % (d, hm, s)
def iso(d, hm, s=0): return T(d, hm, s).replace(' ', 'T')
def occ(slot, d, hm): return '%s@%s' % (slot, iso(d, hm)[:16])
def fields(slot, d, hm, camp, bul):
    return dict(occ=occ(slot, d, hm), due=iso(d, hm) + '+07:00', bulletin=bul, campaign=camp)
def start(slot, d, hm, camp='sot-xuat-huyet', bul='ban-tin-mau', serial=8, exp='24.0', origin=None):
    kv = dict(origin=origin) if origin else {}  # journals before issue 12 have none
    rec(iso(d, hm, 2), 'start', **fields(slot, d, hm, camp, bul), zones='1;2', level='normal',
        repeat=2, expected=exp, serial=serial, **kv)
def end(slot, d, hm, outcome='aired', played='24.0', detail='', at=None):
    rec(at or iso(d, hm, 40), 'end', occ=occ(slot, d, hm), outcome=outcome, played=played,
        expected='24.0', detail=detail)
def aired(slot, d, hm, camp='sot-xuat-huyet', bul='ban-tin-mau', serial=8, origin=None):
    start(slot, d, hm, camp, bul, serial, origin=origin); end(slot, d, hm)
def alone(ev, slot, d, hm, detail, camp='sot-xuat-huyet', bul='ban-tin-mau', at=None):
    rec(at or iso(d, hm, 50), ev, **fields(slot, d, hm, camp, bul), zones='', level='normal',
        expected='24.0', detail=detail)
def install(d, hm, serial, sha, sec=0):
    rec(iso(d, hm, sec), 'schedule-installed', serial=serial, sha256=sha, file='/etc/loaxa/schedule.conf', signer='local')

if variant in ('full', 'weak'):
    month('2026-11')
    rec(iso('11-01', '00:00', 1), 'station-start', version='0.1', pid=41, serial=7)
    install('11-01', '00:00', 7, sha7, 2)
if variant == 'full':
    aired('sang', '11-02', '06:30', serial=7)
    aired('sang', '11-04', '06:30', serial=7)
    start('sang', '11-06', '06:30', serial=7); end('sang', '11-06', '06:30', 'partial', '4.25', 'stopped: "loaxactl stop", by staff')
    start('sang', '11-09', '06:30', serial=7)
    rec(iso('11-09', '08:00'), 'station-start', version='0.1', pid=42, serial=7)
    rec(iso('11-09', '08:00', 1), 'interrupted', **fields('sang', '11-09', '06:30', 'sot-xuat-huyet', 'ban-tin-mau'),
        started=iso('11-09', '06:30', 2) + '+07:00', zones='1;2', expected='24.0', detail='power cut')
    alone('failed', 'sang', '11-11', '06:30', 'file missing: ban-tin-mau.mp3')
    rec(iso('11-12', '09:00', 1), 'start', occ='manual@2026-11-12T09:00:00+07:00#1', due=iso('11-12', '09:00') + '+07:00',
        bulletin='ban-tin-mau', campaign='sot-xuat-huyet', zones='', level='priority', repeat=1, expected='12.0', serial=7)
    rec(iso('11-12', '09:00', 13), 'end', occ='manual@2026-11-12T09:00:00+07:00#1', outcome='aired', played='12.0', expected='12.0', detail='')
    alone('missed', 'sang', '11-13', '06:30', 'not started within the catch-up window (2 min): the station was not running')
    install('11-15', '00:00', 8, sha8)
    for d in ('11-16', '11-18', '11-20'):
        aired('sang', d, '06:30')
    aired('chieu', '11-17', '17:00', 'mai-dam', 'md-01', origin='signed:A1B2C3D4E5F60718')
    aired('tin', '11-19', '10:00', '', 'thong-bao', origin='local')
    alone('missed', 'sang', '11-23', '06:30', 'clock not synchronised')
    alone('failed', 'chieu', '11-24', '17:00', 'audio device will not open', 'mai-dam', 'md-01')
    aired('sang', '11-25', '06:30')
    start('sang', '11-30', '23:50')
    month('2026-12')
    end('sang', '11-30', '23:50', at=iso('12-01', '00:10'))
    aired('sang', '12-02', '06:30', origin='local')
    alone('missed', 'sang', '11-27', '06:30', 'the station was not running', at=iso('12-03', '07:00'))
    aired('tin', '12-04', '10:00', '', 'thong-bao', origin='signed:A1B2C3D4E5F60718')
    start('sang', '12-05', '06:30')
elif variant == 'weak':
    install('11-15', '00:00', 8, sha8)
    aired('sang', '11-16', '06:30')
    aired('sang', '11-18', '06:30')
    alone('missed', 'sang', '11-20', '06:30', 'daemon down')
    month('2026-12')
    aired('sang', '12-02', '06:30')
elif variant == 'fallback': # the sound card gone: two broadcasts to the fallback file only
    month('2026-11')
    rec(iso('11-01', '00:00', 1), 'station-start', version='0.1', pid=41, serial=8)
    install('11-01', '00:00', 8, sha8, 2)
    aired('sang', '11-02', '06:30')
    for d in ('11-03', '11-04'):
        start('sang', d, '06:30')
        rec(iso(d, '06:30', 40), 'end', occ=occ('sang', d, '06:30'), outcome='unheard', played='24.0',
            expected='24.0', detail='', output='fallback')
elif variant == 'dec':
    month('2026-12')
    rec(iso('12-01', '00:00', 1), 'station-start', version='0.1', pid=41, serial=8)
    install('12-01', '00:00', 8, sha8, 2)
    aired('sang', '12-02', '06:30')
f.close()
print(prev)
EOF
sha7=$(sha256sum "$tmp/s7.conf" | cut -d' ' -f1)
sha8=$(sha256sum "$tmp/s8.conf" | cut -d' ' -f1)
mkj() { python3 "$tmp/jw.py" "$1" "$2" "$3" "$4" "$sha7" "$sha8" ${5:+"$5"}; }
# archive DIR: the schedule copies the daemon keeps beside its journal
archive() { mkdir -p "$1/schedules" && cp "$tmp/s7.conf" "$1/schedules/7.conf" && cp "$tmp/s8.conf" "$1/schedules/8.conf"; }

# ---- usage ----
runx report --help
[ $rc -eq 0 ] && grep -q 'report \[--month' "$tmp/out"
expect "report --help: exit 0 without a station file"
run report --format xml
[ $rc -eq 2 ] && grep -q '^usage:' "$tmp/err"
expect "report --format xml: exit 2 with usage"
run report --month 2026-13
[ $rc -eq 2 ]
expect "report --month 2026-13: exit 2"
run report --month 2026-11 --from 2026-11-01
[ $rc -eq 2 ]
expect "report --month with --from: exit 2"
run report --from 2026-12-01 --to 2026-11-01
[ $rc -eq 2 ]
expect "report --from after --to: exit 2"
runx -c "$tmp/nowhere.conf" report --format bogus
[ $rc -eq 2 ]
expect "report usage errors come before loading the station (exit 2)"
runx rollup --month 2026-11
[ $rc -eq 2 ]
expect "rollup without folders: exit 2"
runx rollup --jobs 0 "$tmp"
[ $rc -eq 2 ]
expect "rollup --jobs 0: exit 2"

# ---- a station with no journal yet ----
header='station_id,commune_code,campaign_id,month,target,scheduled,aired,partial,interrupted,failed,missed,airtime_seconds,target_met'
header="$header,campaign_title,station_name,commune_name,unheard" # extra columns after the documented ones
run report --month 2026-11 --format csv
[ $rc -eq 0 ] && [ "$out" = "$header" ] && [ "$(head -c 3 "$tmp/raw" | od -An -tx1 | tr -d ' ')" != efbbbf ] &&
	python3 -c 'import sys; d = open(sys.argv[1], "rb").read(); assert d.endswith(b"\r\n") and b"\n" not in d.replace(b"\r\n", b"")' "$tmp/raw"
expect "report, no journal yet: exit 0, exactly the header, CRLF, no byte-order mark"

# ---- station A: every outcome, a schedule change on the 15th ----
head=$(mkj "$tmp/st/journal" test-station 99999 full)
archive "$tmp/st/journal"
rm "$tmp/st/journal/schedules/8.conf" # serial 8 is the station's own schedule file

run report --month 2026-11 --format csv
expected="$header
test-station,99999,mai-dam,2026-11,1,2,1,0,0,1,0,24,yes,\"Phòng, chống mại dâm\",Đài truyền thanh xã Thử,,0
test-station,99999,sot-xuat-huyet,2026-11,5,13,8,1,1,1,3,184.25,yes,\"Phòng, chống sốt xuất huyết\",Đài truyền thanh xã Thử,,0"
[ $rc -eq 0 ] && [ "$out" = "$expected" ] && [ ! -s "$tmp/err" ]
expect "report csv, November: exact rows (every outcome, on-demand play, late missed record, target of the later schedule)"

run report --month 2026-12 --format csv
expected="$header
test-station,99999,mai-dam,2026-12,1,0,0,0,0,0,0,0,no,\"Phòng, chống mại dâm\",Đài truyền thanh xã Thử,,0
test-station,99999,sot-xuat-huyet,2026-12,5,1,1,0,0,0,0,24,no,\"Phòng, chống sốt xuất huyết\",Đài truyền thanh xã Thử,,0"
[ $rc -eq 0 ] && [ "$out" = "$expected" ]
expect "report csv, December: the open start is still playing (live station), nothing else"

run report --month 2026-11 --journal "$tmp/st/journal" --format csv
[ $rc -eq 0 ] && grep -q '^test-station,99999,sot-xuat-huyet,2026-11,5,13,8,' "$tmp/out"
expect "report --journal DIR: the same counts offline"

# the schedule in force before the 15th: targets come from each serial's own file
cp -r "$tmp/st/journal" "$tmp/j-early"
python3 - "$tmp/j-early" <<'EOF'
import sys
# keep November up to the install of serial 8 (the chain stays valid)
p = sys.argv[1] + '/2026-11.log'
lines = open(p).read().splitlines(True)
cut = next(i for i, l in enumerate(lines) if 'schedule-installed serial=8' in l)
open(p, 'w').writelines(lines[:cut])
EOF
rm "$tmp/j-early/2026-12.log"
run report --month 2026-11 --journal "$tmp/j-early" --format csv
[ $rc -eq 0 ] && grep -q '^test-station,99999,sot-xuat-huyet,2026-11,4,6,3,1,1,1,1,64.25,no,"Phòng, chống sốt xuất huyết",' "$tmp/out" &&
	! grep -q 'mai-dam' "$tmp/out"
expect "report: before the change only serial 7 was in force (target 4 from its archived copy)"

rm "$tmp/j-early/schedules/7.conf"
run report --month 2026-11 --journal "$tmp/j-early" --format csv
[ $rc -eq 0 ] && grep -q '^test-station,99999,sot-xuat-huyet,2026-11,,6,3,1,1,1,1,64.25,no,,' "$tmp/out" &&
	grep -q 'serial 7.*not available' "$tmp/err"
expect "report: a schedule in force that cannot be found leaves the target empty and says so"
run report --month 2026-11 --journal "$tmp/j-early" --schedule "$tmp/s7.conf" --format csv
[ $rc -eq 0 ] && grep -q '^test-station,99999,sot-xuat-huyet,2026-11,4,6,' "$tmp/out" && [ ! -s "$tmp/err" ]
expect "report --schedule FILE: found by its SHA-256"
mkdir -p "$tmp/j-early/schedules" && { cat "$tmp/s7.conf"; echo "# edited"; } >"$tmp/j-early/schedules/7.conf"
run report --month 2026-11 --journal "$tmp/j-early" --format csv
[ $rc -eq 0 ] && grep -q '^test-station,99999,sot-xuat-huyet,2026-11,,' "$tmp/out" &&
	grep -q 'does not match the SHA-256' "$tmp/err"
expect "report: an archived schedule that does not match the journal's SHA-256 is not used"

# ---- differential: report counts == counts recomputed from log --format csv ----
run log --from 2026-11-01 --to 2026-12-31 --format csv
cp "$tmp/out" "$tmp/log.csv"
run report --from 2026-11 --to 2026-12 --format csv
cp "$tmp/out" "$tmp/report.csv"
python3 - "$tmp/log.csv" "$tmp/report.csv" <<'EOF'
import csv, sys
from collections import defaultdict
log = list(csv.DictReader(open(sys.argv[1], newline='')))
rep = list(csv.DictReader(open(sys.argv[2], newline='')))
assert len(log) >= 15, len(log)
want = defaultdict(lambda: dict(aired=0, partial=0, interrupted=0, failed=0, missed=0, unheard=0, airtime=0.0, occ=set()))
for r in log:
    if not r['campaign_id']:
        continue
    k = (r['campaign_id'], r['due'][:7])
    w = want[k]
    w[r['outcome']] += 1
    if r['outcome'] != 'unheard': # to no loudspeaker: no airtime
        w['airtime'] += float(r['seconds_played'])
    if not r['occurrence'].startswith('manual@'):
        w['occ'].add(r['occurrence'])
seen = set()
for r in rep:
    k = (r['campaign_id'], r['month'])
    seen.add(k)
    w = want[k]
    for o in ('aired', 'partial', 'interrupted', 'failed', 'missed', 'unheard'):
        assert int(r[o]) == w[o], (k, o, r[o], w[o])
    assert int(r['scheduled']) == len(w['occ']), (k, r['scheduled'], len(w['occ']))
    assert abs(float(r['airtime_seconds']) - w['airtime']) < 0.001, (k, r['airtime_seconds'], w['airtime'])
    t = r['target']
    assert r['target_met'] == ('yes' if t != '' and w['aired'] >= int(t) else 'no'), r
missing = [k for k in want if k not in seen and any(want[k][o] for o in ('aired', 'partial', 'interrupted', 'failed', 'missed'))]
assert not missing, missing
EOF
expect "differential: every report count equals the count recomputed from log --format csv"

# ---- text, JSON, HTML ----
run report --month 2026-11
[ $rc -eq 0 ] && grep -qE '^2026-11 +sot-xuat-huyet +5 +13 +8 +1 +1 +1 +3 +0 +0:03:04 +yes$' "$tmp/out" &&
	grep -q 'hash chain verified' "$tmp/out" && grep -q 'serial 7 from 2026-11-01T00:00' "$tmp/out" &&
	grep -qE '^ban-tin-mau +sot-xuat-huyet +10 +8 ' "$tmp/out" &&
	grep -q 'of no campaign (1 aired)' "$tmp/out" && grep -q 'file missing: ban-tin-mau.mp3' "$tmp/out"
expect "report text: table, journal status, schedules, bulletins, other broadcasts, what did not air"
# issue 12: which bulletins were signed and which local, from the starts'
# origin= (a journal from before it does not say: unknown)
grep -qE '^md-01 +mai-dam +1 +1 +[0-9:.]+ +signed:A1B2C3D4E5F60718$' "$tmp/out" &&
	grep -qE '^thong-bao +- +1 +1 +[0-9:.]+ +local$' "$tmp/out" &&
	grep -qE '^ban-tin-mau +sot-xuat-huyet +10 +8 +[0-9:.]+ +unknown$' "$tmp/out"
expect "report text: each bulletin signed (with its key), local, or unknown (no origin in the journal)"
run report --month 2026-12
[ $rc -eq 0 ] && grep -qE '^thong-bao +- +1 +1 +[0-9:.]+ +signed:A1B2C3D4E5F60718$' "$tmp/out" &&
	grep -qE '^ban-tin-mau +sot-xuat-huyet +1 +1 +[0-9:.]+ +local$' "$tmp/out"
expect "report text, December: thong-bao now signed, ban-tin-mau local"
run report --from 2026-11 --to 2026-12
[ $rc -eq 0 ] && grep -qE '^thong-bao +- +2 +2 +[0-9:.]+ +signed\+local$' "$tmp/out"
expect "report text: a bulletin played both signed and local in the period says so"

run report --from 2026-11 --to 2026-12 --format json
[ $rc -eq 0 ] && python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["station"]["station_id"] == "test-station" and d["station"]["district_code"] == "999"
assert d["journal"]["verified"] is True and d["journal"]["head"] == sys.argv[2], d["journal"]
assert [s["serial"] for s in d["schedules"]] == [7, 8] and all(s["available"] for s in d["schedules"])
m = {(r["campaign_id"], r["month"]): r for r in d["months"]}
assert m[("sot-xuat-huyet", "2026-11")]["aired"] == 8 and m[("sot-xuat-huyet", "2026-11")]["manual"] == 1
assert m[("mai-dam", "2026-12")]["target_met"] is False
t = {r["campaign_id"]: r for r in d["totals"]}
assert t["sot-xuat-huyet"]["months"] == 2 and t["sot-xuat-huyet"]["months_met"] == 1
assert t["sot-xuat-huyet"]["aired"] == 9 and t["sot-xuat-huyet"]["scheduled"] == 14
assert {b["bulletin_id"] for b in d["bulletins"]} == {"ban-tin-mau", "md-01", "thong-bao"}
o = {b["bulletin_id"]: (b["origin"], b["signer"]) for b in d["bulletins"]}
assert o == {"md-01": ("signed", "A1B2C3D4E5F60718"), "ban-tin-mau": ("local", ""),
             "thong-bao": ("signed+local", "A1B2C3D4E5F60718")}, o
na = d["not_aired"]
assert [r["outcome"] for r in na][:4] == ["partial", "interrupted", "failed", "missed"], na
assert na[0]["detail"] == "stopped: \"loaxactl stop\", by staff"
' "$tmp/out" "$head"
expect "report json, two months: station, journal head, schedules, months, totals, bulletins, not aired"

run report --from 2026-01 --to 2026-12 --format json
[ $rc -eq 0 ] && python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["journal"]["months_without_records"] == ["2026-%02d" % m for m in range(1, 11)], d["journal"]
assert d["period"]["months"] == 12
' "$tmp/out"
expect "report json for a year: the months with no record at all are named"

# well-formed: balanced tags (html.parser), and XML-well-formed too (xmllint if present)
cat >"$tmp/wf.py" <<'EOF'
import sys
from html.parser import HTMLParser
VOID = {'meta', 'br', 'hr', 'img', 'link', 'input', 'col', 'area', 'base', 'wbr', 'source'}
class P(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack, self.errors, self.text, self.svg = [], [], [], 0
    def handle_starttag(self, tag, attrs):
        if tag == 'script' or any(k in ('src', 'href') and v and '//' in v for k, v in attrs if k != 'xmlns'):
            self.errors.append('external resource or script: %s %s' % (tag, attrs))
        if tag == 'svg':
            self.svg += 1
        if tag not in VOID:
            self.stack.append(tag)
    def handle_startendtag(self, tag, attrs):
        pass
    def handle_endtag(self, tag):
        if tag in VOID:
            return
        if not self.stack or self.stack[-1] != tag:
            self.errors.append('unexpected </%s> at %s, open: %s' % (tag, self.getpos(), self.stack[-3:]))
        else:
            self.stack.pop()
    def handle_data(self, d):
        self.text.append(d)
p = P()
src = open(sys.argv[1], encoding='utf-8').read()
p.feed(src)
p.close()
assert src.startswith('<!DOCTYPE html>'), 'no doctype'
assert not p.errors, p.errors[:5]
assert not p.stack, 'unclosed: %s' % p.stack
text = ' '.join(p.text)
for want in sys.argv[3:]:
    assert want in text, 'missing text: ' + want
assert p.svg >= int(sys.argv[2]), 'svg charts: %d' % p.svg
EOF
wellformed() { # FILE MIN_SVG TEXT...
	python3 "$tmp/wf.py" "$@" || return 1
	if command -v xmllint >/dev/null; then xmllint --noout "$1" || return 1; fi
}
run report --month 2026-11 --format html
cp "$tmp/out" "$tmp/report.html"
[ $rc -eq 0 ] && wellformed "$tmp/report.html" 2 "Thông tin đài" "Station" "Đài truyền thanh xã Thử" \
	"Hash chain verified" "Kết quả theo chiến dịch và tháng" "Results by campaign and month" \
	"file missing: ban-tin-mau.mp3" "2026-11-01 to 2026-11-30" "Biểu đồ theo ngày" "Đạt (yes)"
expect "report html: well-formed, self-contained, Vietnamese and English headings, a chart per campaign"
grep -q 'Đã ký số<span class="en">signed:A1B2C3D4E5F60718</span>' "$tmp/report.html" &&
	grep -q 'Lập tại chỗ<span class="en">local</span>' "$tmp/report.html" &&
	grep -q 'Không rõ<span class="en">unknown</span>' "$tmp/report.html"
expect "report html: each bulletin's origin (signed, local, unknown)"
grep -q 'stroke="#c0392b"' "$tmp/report.html" && [ "$(grep -c '<svg ' "$tmp/report.html")" -eq 2 ]
expect "report html: target lines drawn"
run report --from 2026-01 --to 2026-12 --format html
[ $rc -eq 0 ] && wellformed "$tmp/out" 2 "Totals for the period"
expect "report html for a year: well-formed, with the period's totals"

# ---- broadcasts that reached no loudspeaker (fallback file): apart, never toward a target ----
U="$tmp/unheard"
mkj "$U" test-station 99999 fallback >/dev/null && archive "$U"
run report --month 2026-11 --journal "$U" --format csv
[ $rc -eq 0 ] && grep -q '^test-station,99999,sot-xuat-huyet,2026-11,5,3,1,0,0,0,0,24,no,"Phòng, chống sốt xuất huyết",Đài truyền thanh xã Thử,,2$' "$tmp/out" &&
	[ "$(head -1 "$tmp/out")" = "$header" ]
expect "report csv: unheard broadcasts in their own last column, not aired, no airtime, target not met"
run report --month 2026-11 --journal "$U" --format json
[ $rc -eq 0 ] && python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
def rows(o):
    if isinstance(o, dict):
        if o.get("campaign_id") == "sot-xuat-huyet" and "unheard" in o:
            yield o
        for v in o.values(): yield from rows(v)
    elif isinstance(o, list):
        for v in o: yield from rows(v)
r = list(rows(d))
assert r and all(x["unheard"] == 2 and x["aired"] == 1 and x["partial"] == 0 for x in r), r
' "$tmp/out"
expect "report json: \"unheard\": 2 beside \"aired\": 1"
run report --month 2026-11 --journal "$U"
[ $rc -eq 0 ] && grep -qE '^2026-11 +sot-xuat-huyet +5 +3 +1 +0 +0 +0 +0 +2 +0:00:24 +no$' "$tmp/out" &&
	[ "$(grep -cE '^2026-11-0[34] 06:30  unheard ' "$tmp/out")" -eq 2 ]
expect "report text: UNHRD column, and each unheard broadcast listed as not aired"
run report --month 2026-11 --journal "$U" --format html
[ $rc -eq 0 ] && wellformed "$tmp/out" 0 "Không ra loa" "unheard"
expect "report html: well-formed, an unheard column"
run log --journal "$U" --from 2026-11-01 --to 2026-11-30 --format csv
[ $rc -eq 0 ] && [ "$(grep -c ',unheard,' "$tmp/out")" -eq 2 ] && [ "$(grep -c ',aired,' "$tmp/out")" -eq 1 ]
expect "log csv: unheard broadcasts say so (not partial, not aired)"
run log --journal "$U" --from 2026-11-01 --to 2026-11-30
[ $rc -eq 0 ] && grep -q '1 aired.* 2 unheard' "$tmp/out"
expect "log text: the count of unheard broadcasts"
runx rollup --month 2026-11 --format csv "$U"
[ $rc -eq 0 ] && grep -q ',sot-xuat-huyet,2026-11-01,2026-11-30,5,1,0,3,1,0,0,0,0,24,no,yes,2026-11: 1 of 5 aired (2 unheard),.*,2$' "$tmp/out"
expect "rollup csv: unheard counted apart and named in the reason"

# ---- tampering ----
cp -r "$tmp/st/journal" "$tmp/j-bad"
sed -i 's/outcome=partial played=4.25/outcome=aired played=24.00/' "$tmp/j-bad/2026-11.log"
run report --month 2026-11 --journal "$tmp/j-bad"
[ $rc -eq 1 ] && grep -q 'NOT VERIFIED' "$tmp/out" && grep -q '2026-11.log:.*chain broken' "$tmp/err" &&
	grep -qE '^2026-11 +sot-xuat-huyet ' "$tmp/out"
expect "report on a tampered journal: counts shown, NOT VERIFIED, exit 1"
run report --month 2026-11 --journal "$tmp/j-bad" --format html
[ $rc -eq 1 ] && wellformed "$tmp/out" 1 "Hash chain NOT verified" "chain broken"
expect "report html on a tampered journal says the chain did not verify"

# a folder copied without its first month: what is there is checked
mkdir -p "$tmp/j-dec"
cp "$tmp/st/journal/2026-12.log" "$tmp/j-dec/"
run report --month 2026-12 --journal "$tmp/j-dec" --schedule "$tmp/s8.conf" --format json
[ $rc -eq 0 ] && python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["journal"]["verified"] is True and d["journal"]["begins_linked"] is True, d["journal"]
assert d["schedules"][0]["serial"] == 8 and d["schedules"][0]["sha256"] == "", d["schedules"]
' "$tmp/out"
expect "report on a folder that begins mid-chain: verified from its first line, serial from station-start"

# ---- district roll-up ----
# A: this station (meets both targets in November); B: too few aired;
# C: A's journal with one edited line; D: another district (by the
# commune list); E: no November journal; F: no schedule copies.
R=$tmp/roll
mkdir -p "$R"
cp -r "$tmp/st/journal" "$R/a"
cp "$tmp/s8.conf" "$R/a/schedules/8.conf"
mkj "$R/b" st-b 11111 weak >/dev/null && archive "$R/b"
mkj "$R/c" st-c 22222 full >/dev/null && archive "$R/c"
sed -i '5s/played=24.0/played=23.0/' "$R/c/2026-11.log"
mkj "$R/d" st-d 33333 full >/dev/null && archive "$R/d"
mkj "$R/e" st-e 44444 dec >/dev/null && archive "$R/e"
mkj "$R/f" st-f 55555 full 999 >/dev/null
cat >"$tmp/communes.csv" <<'EOF'
commune_code,district_code,name
99999,999,Xã Thử
11111,999,Xã Một
22222,999,Xã Hai
33333,998,Xã Ba (huyện khác)
44444,999,Xã Bốn
EOF
rollup() { runx rollup --month 2026-11 --district 999 --communes "$tmp/communes.csv" "$@" \
	"$R/a" "$R/b" "$R/c" "$R/d" "$R/e" "$R/f"; }
rollup --format csv
cp "$tmp/out" "$tmp/roll.csv"
[ $rc -eq 0 ] && python3 - "$tmp/roll.csv" <<'EOF'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1], newline='')))
assert list(rows[0].keys())[:5] == ['station_id', 'commune_code', 'district_code', 'folder', 'campaign_id'], rows[0].keys()
r = {(x['station_id'], x['campaign_id']): x for x in rows}
assert len(rows) == 12, len(rows)
a = r[('test-station', 'sot-xuat-huyet')]
assert a['target_met'] == 'yes' and a['counted'] == 'yes' and a['aired'] == '8' and a['scheduled'] == '13', a
assert r[('test-station', 'mai-dam')]['target_met'] == 'yes'
b = r[('st-b', 'sot-xuat-huyet')]
assert b['target_met'] == 'no' and b['counted'] == 'yes' and '2026-11: 2 of 5 aired (1 missed)' in b['reason'], b
assert 'not counted: journal fails verification' in r[('st-c', 'sot-xuat-huyet')]['reason']
assert r[('st-c', 'sot-xuat-huyet')]['target_met'] == 'no' and r[('st-c', 'sot-xuat-huyet')]['aired'] == '8'
assert 'belongs to district 998' in r[('st-d', 'sot-xuat-huyet')]['reason'], r[('st-d', 'sot-xuat-huyet')]
assert r[('st-d', 'sot-xuat-huyet')]['district_code'] == '998'
e = r[('st-e', 'sot-xuat-huyet')]
assert 'no journal for 1 month of the period (2026-11)' in e['reason'] and e['target_met'] == 'no', e
f = r[('st-f', 'sot-xuat-huyet')]
assert 'not available' in f['reason'] and f['district_code'] == '999' and f['target_met'] == 'no', f
EOF
expect "rollup csv: met, too few aired (with the reason), tampered, other district, missing month, missing schedule"

rollup --format json
[ $rc -eq 0 ] && python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["communes"] == 4 and d["stations"] == 6 and d["district"] == "999", d["communes"]
assert d["denominator"]["from"] == "commune_list" and d["denominator"]["listed_apart"] == 2
s = {x["campaign_id"]: x for x in d["summary"]}
assert s["sot-xuat-huyet"]["communes_met"] == 1 and s["sot-xuat-huyet"]["percent"] == 25.0, s
assert s["mai-dam"]["communes_met"] == 1
st = {x["station_id"]: x for x in d["communes_detail"]}
assert st["test-station"]["counted"] and not st["st-c"]["counted"] and not st["st-c"]["verified"]
assert st["st-b"]["counted"] and st["st-b"]["verified"]
assert not st["st-d"]["in_denominator"] and not st["st-f"]["in_denominator"]
' "$tmp/out"
expect "rollup json: 1 of the 4 listed communes of the district meets each target (25%); the tampered station is never counted"

runx rollup --month 2026-11 --schedule "$tmp/s7.conf" --schedule "$tmp/s8.conf" --format json \
	"$R/a" "$R/b" "$R/c" "$R/d" "$R/f"
[ $rc -eq 0 ] && python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
s = {x["campaign_id"]: x for x in d["summary"]}
assert s["sot-xuat-huyet"]["communes_met"] == 3 and s["sot-xuat-huyet"]["percent"] == 60.0, s
' "$tmp/out"
expect "rollup with no district and the schedules given: A, D and F count (3 of 5, 60%)"

rollup
[ $rc -eq 0 ] && grep -q '^Phòng, chống sốt xuất huyết (sot-xuat-huyet)  *1 of 4  *3  *0  *25.0%$' "$tmp/out" &&
	grep -q 'NOT COUNTED: journal fails verification' "$tmp/out" &&
	grep -q '2026-11: 2 of 5 aired (1 missed)' "$tmp/out" &&
	[ "$(grep -c 'not counted' "$tmp/err")" -eq 1 ] && grep -q '4 station folders not counted (listed above)' "$tmp/err" &&
	[ "$(grep -c 'journal fails verification' "$tmp/out")" -eq 1 ]
expect "rollup text: summary, per-commune table, the reasons, each flag once"

rollup --format html
cp "$tmp/out" "$tmp/rollup.html"
[ $rc -eq 0 ] && wellformed "$tmp/rollup.html" 0 "Tỷ lệ xã đạt chỉ tiêu" "Communes meeting" "25.0%" \
	"belongs to district 998" "Không tính (not counted):"
expect "rollup html: well-formed, summary and per-commune reasons"

# six months and a year: totals per campaign over the period
runx rollup --from 2026-11 --to 2026-12 --format csv "$R/a"
[ $rc -eq 0 ] && grep -q '^test-station,99999,,.*,sot-xuat-huyet,2026-11-01,2026-12-31,5,2,1,15,9,1,2,1,3,208.25,no,yes,2026-12: 1 of 5 aired (1 interrupted),,"Phòng, chống sốt xuất huyết",yes,0$' "$tmp/out"
expect "rollup over two months: totals, months met 1 of 2, the failing month named"
runx rollup --from 2026-01 --to 2026-12 --format json "$R/a"
[ $rc -eq 0 ] && python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
c = d["communes_detail"][0]
assert not c["counted"] and "no journal for 10 months" in c["flags"], c["flags"]
' "$tmp/out"
expect "rollup over a year: the ten months before the station began are missing, so it is flagged"

runx rollup --month 2026-11 "$tmp/nowhere" "$R/a"
[ $rc -eq 0 ] && grep -q 'NOT COUNTED: .*nowhere: cannot read' "$tmp/out" && grep -q '1 not reporting' "$tmp/out"
expect "rollup: a folder that does not exist is a flagged commune, not a crash"

# make report-screenshot: keep the pages for a browser to render
if [ -n "${LOAXA_REPORT_KEEP:-}" ]; then
	mkdir -p "$LOAXA_REPORT_KEEP"
	cp "$tmp/report.html" "$tmp/rollup.html" "$LOAXA_REPORT_KEEP/"
fi

echo "1..$n"
[ "$failed" -eq 0 ]
