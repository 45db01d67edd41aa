#!/bin/bash
# Integration tests of loaxactl without a daemon: usage errors, schedule
# check/show, log export (text, csv, json) and log verify on a hand-made,
# hash-chained journal, and tampering detection. TAP-style output.
# Binary: ${LOAXA_BUILD:-build}/loaxactl. Needs python3 (journal writer).
set -u
cd "$(dirname "$0")/../.." || exit 1
BUILD=${LOAXA_BUILD:-build}
CTL=$BUILD/loaxactl
[ -x "$CTL" ] || { echo "not ok 1 - $CTL is not built"; exit 1; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/loaxa-ctl.XXXXXX")
faked=
trap '[ -z "$faked" ] || kill "$faked" 2>/dev/null; rm -rf "$tmp"' EXIT
n=0 failed=0
: >"$tmp/out"
: >"$tmp/err"

ok() { n=$((n + 1)); echo "ok $n - $1"; }
fail() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $1"; }
show() { # for a failing test, what loaxactl said
	sed 's/^/#   out: /' "$tmp/out" | head -20
	sed 's/^/#   err: /' "$tmp/err" | head -20
}
# Right after a test condition: "expect DESCRIPTION" reports its status.
expect() { local r=$?; if [ $r -eq 0 ]; then ok "$1"; else fail "$1"; show; fi; }
# run ARGS...: loaxactl against the test station; sets rc and out
run() {
	"$CTL" -c "$tmp/st/loaxa.conf" "$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	out=$(tr -d '\r' <"$tmp/out") # CSV records end in CRLF (RFC 4180)
}

# ---- the test station ----
mkdir -p "$tmp/st/lib"
cat >"$tmp/st/loaxa.conf" <<'EOF'
station = {
  id = "test-station";
  commune_code = "99999";
  district_code = "999";
  name = "Đài truyền thanh xã Thử";
  timezone = "Asia/Ho_Chi_Minh";
};
paths = {
  library = "lib";
  journal = "journal";
  schedule = "schedule.conf";
  spool = "spool";
  control = "loaxad.sock";
  state = "var";
};
clock = { require_sync = false; };
EOF
cat >"$tmp/st/lib/catalog.conf" <<'EOF'
format = 1;
bulletins = (
  { id = "ban-tin-mau"; title = "Bản tin mẫu"; campaign = "sot-xuat-huyet";
    file = "ban-tin-mau.mp3"; duration = 12.0; rate = 22050; channels = 1;
    sha256 = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    added = "2026-11-27T00:00:00+07:00"; }
);
EOF
cat >"$tmp/st/schedule.conf" <<'EOF'
serial = 7;
campaigns = (
  { id = "sot-xuat-huyet"; title = "Phòng, chống sốt xuất huyết";
    bulletins = ["ban-tin-mau"]; target = 4; }
);
slots = (
  { id = "sang"; weekdays = ["mon", "wed"]; times = ["06:30"];
    campaign = "sot-xuat-huyet"; zones = [1, 2]; repeat = 2; }
);
blackouts = (
  { from = "2026-12-02 00:00"; to = "2026-12-03 00:00"; reason = "Quốc tang"; }
);
EOF
cat >"$tmp/bad.conf" <<'EOF'
serial = 2;
campaigns = ( { id = "c"; title = "C"; bulletins = ["ban-tin-mau"]; target = 1; } );
slots = ( { id = "s"; times = ["25:00"]; campaign = "c"; } );
EOF

# ---- usage ----
"$CTL" >"$tmp/out" 2>"$tmp/err"
[ $? -eq 2 ]
expect "no command: exit 2"
run frobnicate
[ $rc -eq 2 ] && grep -q '^usage:' "$tmp/err"
expect "unknown command: exit 2 with usage on stderr"
run play
[ $rc -eq 2 ]
expect "play without an ID: exit 2"
run schedule check
[ $rc -eq 2 ]
expect "schedule check without a file: exit 2"
run schedule
[ $rc -eq 2 ]
expect "schedule without a subcommand: exit 2"
run log --format xml
[ $rc -eq 2 ]
expect "log --format xml: exit 2"
run log --from 2026-13-01
[ $rc -eq 2 ]
expect "log --from with a bad date: exit 2"
run schedule show --days 0
[ $rc -eq 2 ]
expect "schedule show --days 0: exit 2"
run status --bogus
[ $rc -eq 2 ]
expect "unknown option: exit 2"
run help
[ $rc -eq 0 ] && grep -q 'schedule check FILE' "$tmp/out"
expect "help: exit 0, usage on stdout"
"$CTL" -c "$tmp/nowhere.conf" status >"$tmp/out" 2>"$tmp/err"
[ $? -eq 1 ] && grep -q 'nowhere.conf' "$tmp/err"
expect "missing station file: exit 1 naming it"

# ---- schedule ----
run schedule check config/demo-schedule.conf
[ $rc -eq 0 ] && grep -q '^config/demo-schedule.conf: serial 1, 1 campaign, 1 slot, 0 blackouts: OK$' "$tmp/out"
expect "schedule check: demo schedule OK against the test library"
run schedule check "$tmp/bad.conf"
[ $rc -eq 1 ] && grep -q "bad.conf:3: " "$tmp/err" && grep -q "problem.* in $tmp/bad.conf" "$tmp/err"
expect "schedule check: 25:00 is exit 1 with file:line"
mv "$tmp/st/lib/catalog.conf" "$tmp/catalog.conf"
run schedule check config/demo-schedule.conf
[ $rc -eq 1 ] && grep -q 'demo-schedule.conf:[0-9]*: .*ban-tin-mau' "$tmp/err"
expect "schedule check: a bulletin missing from the library is exit 1"
mv "$tmp/catalog.conf" "$tmp/st/lib/catalog.conf"

"$CTL" -c config/loaxa.conf schedule show >"$tmp/out" 2>"$tmp/err"
rc=$?
days=$(grep -cE '^(Thứ (Hai|Ba|Tư|Năm|Sáu|Bảy)|Chủ Nhật) [0-9]{4}-[0-9]{2}-[0-9]{2} \(' "$tmp/out")
[ $rc -eq 0 ] && [ "$days" -eq 7 ]
expect "schedule show on the sample config: 7 day headers"
run schedule show --from 2026-11-30 --days 4
[ $rc -eq 0 ] &&
	grep -q '^Thứ Hai 2026-11-30 (Monday)$' "$tmp/out" &&
	grep -qE '^  06:30  ban-tin-mau .*zones 1,2 .*x2 .*normal .*slot sang@2026-11-30T06:30' "$tmp/out" &&
	grep -qE 'slot sang@2026-12-02T06:30 .*\(blackout: Quốc tang, will not play\)' "$tmp/out" &&
	[ "$(grep -c '(nothing scheduled)' "$tmp/out")" -eq 2 ] &&
	grep -q 'serial 7' "$tmp/out"
expect "schedule show: days, slots, blackouts and empty days"

# ---- log on an empty station ----
header='station_id,commune_code,occurrence,due,started,ended,bulletin_id,campaign_id,outcome,seconds_played,seconds_expected,zones,detail,heard_seconds'
run log --format csv
[ $rc -eq 0 ] && [ "$out" = "$header" ]
expect "log --format csv, no journal: exactly the header"
run log --format json
[ $rc -eq 0 ] && [ "$out" = "[]" ]
expect "log --format json, no journal: []"
run log
[ $rc -eq 0 ] && grep -q 'no broadcasts recorded yet' "$tmp/out"
expect "log, no journal: says so"
mkdir -p "$tmp/st/journal"
run log --format csv
[ $rc -eq 0 ] && [ "$out" = "$header" ]
expect "log --format csv, empty journal folder: exactly the header"

# ---- a hand-made journal: two monthly files, one hash chain ----
cat >"$tmp/mkjournal.py" <<'EOF'
# Writes DIR/2026-11.log and DIR/2026-12.log as record.h describes them;
# prints the chain head (SHA-256 of the last line).
import hashlib, sys
out = sys.argv[1]
def enc(v):
    if v and not any(c in v for c in ' "\\=') and all(ord(c) >= 0x20 and ord(c) != 0x7f for c in v):
        return v
    r = ''
    for c in v:
        if c in '"\\': r += '\\' + c
        elif c == '\n': r += '\\n'
        elif c == '\r': r += '\\r'
        elif c == '\t': r += '\\t'
        elif ord(c) < 0x20 or ord(c) == 0x7f: r += '\\x%02x' % ord(c)
        else: r += c
    return '"' + r + '"'
prev = '0' * 64
def rec(f, t, ev, **kv):
    global prev
    line = t + ' ' + ev + ''.join(' %s=%s' % (k, enc(str(v))) for k, v in kv.items()) + ' prev=' + prev
    f.write(line + '\n')
    prev = hashlib.sha256(line.encode()).hexdigest()
def bc(occ, due):
    return dict(occ=occ, due=due, bulletin='ban-tin-mau', campaign='sot-xuat-huyet')
with open(out + '/2026-11.log', 'w') as f:
    rec(f, '2026-11-27T06:00:00+07:00', 'open', station='test-station', commune='99999', format=1)
    rec(f, '2026-11-27T06:00:01+07:00', 'station-start', version='0.1', pid=4242, serial=7)
    rec(f, '2026-11-27T06:30:05+07:00', 'start', **bc('sang@2026-11-27T06:30', '2026-11-27T06:30:00+07:00'),
        zones='1;2', level='normal', repeat=2, expected='24.0', serial=7)
    rec(f, '2026-11-27T06:30:29+07:00', 'end', occ='sang@2026-11-27T06:30', outcome='aired',
        played='24.0', expected='24.0', detail='')
    rec(f, '2026-11-27T07:00:01+07:00', 'start', **bc('trua@2026-11-27T07:00', '2026-11-27T07:00:00+07:00'),
        zones='1', level='priority', repeat=1, expected='12.0', serial=7)
    rec(f, '2026-11-27T07:00:05+07:00', 'end', occ='trua@2026-11-27T07:00', outcome='partial',
        played='4.25', expected='12.0', detail='stopped: "loaxactl stop", by staff')
    rec(f, '2026-11-27T08:00:00+07:00', 'failed', **bc('chieu@2026-11-27T08:00', '2026-11-27T08:00:00+07:00'),
        zones='1', level='normal', expected='12.0', detail='cannot open ban-tin-mau.mp3: No such file')
    rec(f, '2026-11-28T09:00:02+07:00', 'start', **bc('toi@2026-11-28T09:00', '2026-11-28T09:00:00+07:00'),
        zones='2', level='normal', repeat=1, expected='12.0', serial=7)
    rec(f, '2026-11-28T10:00:00+07:00', 'station-start', version='0.1', pid=4343, serial=7)
    rec(f, '2026-11-28T10:00:00+07:00', 'interrupted', **bc('toi@2026-11-28T09:00', '2026-11-28T09:00:00+07:00'),
        started='2026-11-28T09:00:02+07:00', zones='2', expected='12.0', detail='power cut\nor crash')
with open(out + '/2026-12.log', 'w') as f:
    rec(f, '2026-12-01T00:00:00+07:00', 'open', station='test-station', commune='99999', format=1)
    rec(f, '2026-12-01T06:45:00+07:00', 'missed', **bc('sang@2026-12-01T06:30', '2026-12-01T06:30:00+07:00'),
        zones='1;2', level='normal', expected='24.0', detail='daemon down')
    rec(f, '2026-12-01T07:00:01+07:00', 'start', **bc('trua@2026-12-01T07:00', '2026-12-01T07:00:00+07:00'),
        zones='1', level='normal', repeat=1, expected='12.0', serial=7)
print(prev)
EOF
head=$(python3 "$tmp/mkjournal.py" "$tmp/st/journal")
# outcomes FILE: the outcome column of a CSV export, space-separated
outcomes() {
	python3 -c '
import csv, sys
print(" ".join(r["outcome"] for r in csv.DictReader(open(sys.argv[1], newline=""))))
' "$1"
}

run log --format csv
expect_rows=$(cat <<'EOF'
test-station,99999,sang@2026-11-27T06:30,2026-11-27T06:30:00+07:00,2026-11-27T06:30:05+07:00,2026-11-27T06:30:29+07:00,ban-tin-mau,sot-xuat-huyet,aired,24,24,1;2,,
test-station,99999,trua@2026-11-27T07:00,2026-11-27T07:00:00+07:00,2026-11-27T07:00:01+07:00,2026-11-27T07:00:05+07:00,ban-tin-mau,sot-xuat-huyet,partial,4.25,12,1,"stopped: ""loaxactl stop"", by staff",
test-station,99999,chieu@2026-11-27T08:00,2026-11-27T08:00:00+07:00,,,ban-tin-mau,sot-xuat-huyet,failed,0,12,1,cannot open ban-tin-mau.mp3: No such file,
test-station,99999,toi@2026-11-28T09:00,2026-11-28T09:00:00+07:00,2026-11-28T09:00:02+07:00,,ban-tin-mau,sot-xuat-huyet,interrupted,0,12,2,"power cut
or crash",
test-station,99999,sang@2026-12-01T06:30,2026-12-01T06:30:00+07:00,,,ban-tin-mau,sot-xuat-huyet,missed,0,24,1;2,daemon down,
EOF
)
[ $rc -eq 0 ] && [ "$out" = "$header
$expect_rows" ]
expect "log --format csv: header, then aired, partial, failed, interrupted, missed rows (RFC 4180)"
[ "$(outcomes "$tmp/out")" = "aired partial failed interrupted missed" ]
expect "log --format csv: parses as CSV; the open start is not listed"

run log --format json
[ $rc -eq 0 ] && python3 -c '
import json, sys
rows = json.load(open(sys.argv[1]))
assert [r["outcome"] for r in rows] == ["aired", "partial", "failed", "interrupted", "missed"], rows
r = rows[1]
assert r["detail"] == "stopped: \"loaxactl stop\", by staff"
assert r["seconds_played"] == 4.25 and r["seconds_expected"] == 12
assert rows[2]["started"] == "" and rows[2]["ended"] == ""
assert rows[3]["detail"] == "power cut\nor crash"
assert rows[0]["zones"] == "1;2" and rows[0]["station_id"] == "test-station"
assert list(rows[0].keys()) == sys.argv[2].split(",")
' "$tmp/out" "$header"
expect "log --format json: valid JSON, same rows and names as CSV"

run log
[ $rc -eq 0 ] && grep -q '^2026-11-27 06:30  aired' "$tmp/out" &&
	grep -q '^2026-11-28 09:00  interrupted' "$tmp/out" &&
	grep -q '^5 broadcasts: 1 aired, 1 partial, 1 interrupted, 1 failed, 1 missed$' "$tmp/out" &&
	grep -q '1 broadcast in progress' "$tmp/err"
expect "log (text): table, totals, and the open start reported in progress"

run log --from 2026-11-28 --to 2026-11-28 --format csv
[ $rc -eq 0 ] && [ "$(outcomes "$tmp/out")" = "interrupted" ]
expect "log --from/--to: only that day's broadcasts"
run log --to 2026-11-27 --format csv
[ $rc -eq 0 ] && [ "$(outcomes "$tmp/out")" = "aired partial failed" ]
expect "log --to: up to the end of that day"
run log --from 2026-12-01 --format csv
[ $rc -eq 0 ] && [ "$(outcomes "$tmp/out")" = "missed" ]
expect "log --from: a later month only"

run log verify
[ $rc -eq 0 ] && [ "$out" = "journal OK: 13 records in 2 files, chain head $head" ]
expect "log verify: OK, with the chain head"

run schedule show --from 2026-12-02 --days 1
[ $rc -eq 0 ] && [ ! -s "$tmp/err" ] && grep -q 'Thứ Tư 2026-12-02 (Wednesday)' "$tmp/out"
expect "schedule show: reads the journal for rotations without complaint"

cat >"$tmp/rot.conf" <<'EOF'
serial = 8;
campaigns = ( { id = "sot-xuat-huyet"; title = "SXH"; bulletins = ["ban-tin-mau", "ban-tin-2"]; } );
slots = ( { id = "s"; times = ["06:30", "07:00"]; campaign = "sot-xuat-huyet"; } );
EOF
run schedule show --file "$tmp/rot.conf" --from 2020-01-06 --days 1
[ $rc -eq 0 ] &&
	grep -qE '^  06:30  ban-tin-2 .*slot s@2020-01-06T06:30  \(not in the library: will fail\)$' "$tmp/out" &&
	grep -qE '^  07:00  ban-tin-mau .*slot s@2020-01-06T07:00$' "$tmp/out"
expect "schedule show: rotation continues after the journal's last bulletin"

# ---- tampering ----
cp "$tmp/st/journal/2026-11.log" "$tmp/good.log"
sed -i '4s/outcome=aired/outcome=airex/' "$tmp/st/journal/2026-11.log"
run log verify
[ $rc -eq 1 ] && grep -q "journal/2026-11.log:5: .*chain" "$tmp/err" && [ ! -s "$tmp/out" ]
expect "log verify: one edited byte is exit 1 naming FILE:LINE"
run log --format csv
[ $rc -eq 1 ] && [ "$(wc -l <"$tmp/out")" -gt 1 ] && grep -q '2026-11.log:5:' "$tmp/err"
expect "log on a tampered journal: rows still printed, problem on stderr, exit 1"
cp "$tmp/good.log" "$tmp/st/journal/2026-11.log"
sed -i '3d' "$tmp/st/journal/2026-11.log"
run log verify
[ $rc -eq 1 ] && grep -q '2026-11.log:3: ' "$tmp/err"
expect "log verify: a deleted line is exit 1"
cp "$tmp/good.log" "$tmp/st/journal/2026-11.log"
rm "$tmp/st/journal/2026-12.log"
run log verify
[ $rc -eq 0 ] && [ "${out##* }" != "$head" ]
expect "log verify: a cut-off month gives a different chain head"
run log verify --head "$head"
[ $rc -eq 1 ] && grep -q "the head $head kept earlier is not in it" "$tmp/err"
expect "log verify --head: a head kept earlier that was cut off the end is exit 1"
python3 "$tmp/mkjournal.py" "$tmp/st/journal" >/dev/null
run log verify --head "$head"
[ $rc -eq 0 ] && grep -q "is the last line: nothing was added since" "$tmp/out"
expect "log verify --head: the last line"
h2=$(sed -n 2p "$tmp/st/journal/2026-11.log" | tr -d '\n' | sha256sum | cut -d' ' -f1)
total=$(cat "$tmp/st/journal"/*.log | wc -l)
run log verify --head "$h2"
[ $rc -eq 0 ] && grep -q "is still in the journal; $((total - 2)) records added since (from .*2026-11.log:3)" "$tmp/out"
expect "log verify --head: an earlier head is found, with what was added since"
run log verify --head 1234
[ $rc -eq 2 ]
expect "log verify --head: not a hash is a usage error"
printf '2026-12-01T08:00:00+07:00 start occ=x' >>"$tmp/st/journal/2026-12.log"
run log verify
[ $rc -eq 0 ] && grep -q '2026-12.log:4: .*torn' "$tmp/err" && grep -q '^journal OK' "$tmp/out"
expect "log verify: a torn last line of the newest file is reported, but does not fail the check (JOURNAL.md)"
printf '\n2026-12-01T08:00:01+07:00 x prev=00\n' >>"$tmp/st/journal/2026-12.log"
run log verify
[ $rc -eq 1 ]
expect "log verify: a damaged line that is not the last fails"

# ---- library and daemon ----
run bulletin list
[ $rc -eq 0 ] && grep -qE '^ban-tin-mau +sot-xuat-huyet +0:12 +2026-11-27 +0123456789ab +(-|[0-9-]+ [0-9:]+) +local +Bản tin mẫu$' "$tmp/out"
expect "bulletin list: the catalog entry"
run status
[ $rc -eq 1 ] && grep -q 'not running' "$tmp/err"
expect "status with no daemon: exit 1, not running"
run play ban-tin-mau --emergency
[ $rc -eq 1 ] && grep -q 'not running' "$tmp/err"
expect "play with no daemon: exit 1"
run play 'bad id'
[ $rc -eq 1 ]
expect "play with a malformed id: exit 1"

# A stand-in daemon on the control socket: answers three requests, logs them.
cat >"$tmp/faked.py" <<'EOF'
import os, socket, sys
path, log = sys.argv[1], sys.argv[2]
srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
srv.bind(path)
srv.listen(4)
srv.settimeout(30)
answers = {"status": "loaxa=1\nok=yes\nstate=idle\nnext.count=1\nnext.0.due=2026-11-30T06:30:00+07:00\nnext.0.occurrence=sang@2026-11-30T06:30\nnext.0.bulletin=ban-tin-mau\nnext.0.level=normal\nfuture.field=ignored\n",
           "play ban-tin-mau emergency": "loaxa=1\nok=yes\nresult=preempted\nbulletin=ban-tin-mau\npreempted=sang@2026-11-30T06:30\n",
           "play nope": "loaxa=1\nok=no\nerror=unknown bulletin \"nope\"\\nsecond line\n"}
for _ in range(3):
    c, _ = srv.accept()
    req = c.makefile("rb").readline().decode().rstrip("\n")
    open(log, "a").write(req + "\n")
    c.sendall(answers.get(req, "error: unexpected request\n").encode())
    c.close()
EOF
python3 "$tmp/faked.py" "$tmp/st/loaxad.sock" "$tmp/requests" &
faked=$!
for _ in $(seq 50); do [ -S "$tmp/st/loaxad.sock" ] && break; sleep 0.1; done
run status
[ $rc -eq 0 ] && grep -q '^state: *idle$' "$tmp/out" &&
	grep -q '^next: *2026-11-30T06:30:00+07:00  sang@2026-11-30T06:30  bulletin ban-tin-mau  normal$' "$tmp/out" &&
	! grep -q 'future' "$tmp/out"
expect "status: rendered from the daemon's fields, exit 0"
run play ban-tin-mau --emergency
[ $rc -eq 0 ] && grep -q '^ban-tin-mau pre-empted the broadcast that was playing (sang@2026-11-30T06:30)' "$tmp/out"
expect "play --emergency: exit 0 on ok=yes, says what it pre-empted"
run play nope
[ $rc -eq 1 ] && [ "$(cat "$tmp/err")" = 'loaxactl: unknown bulletin "nope"
second line' ]
expect "play: ok=no is exit 1 with its (unescaped) error"
wait "$faked"
faked=
[ "$(cat "$tmp/requests")" = "status
play ban-tin-mau emergency
play nope" ]
expect "requests sent as the control protocol says"

echo "1..$n"
[ "$failed" -eq 0 ]
