#!/bin/bash
# Hostile files and local misuse (issue 12, docs/THREATS.md): each attack
# of the issue performed for real against the real loaxad and loaxactl, as
# someone with only the rights it needs (write to the spool, or to the
# library) would. After each one: the daemon still answers and plays on
# time, nothing good changed, and the reason is written down.
set -u
cd "$(dirname "$0")/../.."
. tests/it/lib.bash

command -v minisign >/dev/null || { echo "not ok 1 - minisign is not installed (apt-get install minisign)"; exit 1; }

it_setup hostile
make_station "$T/st" loaxatest
CONF=$T/st/loaxa.conf
SP=$T/st/spool
LIB=$T/st/library
B=$T/bundles
mkdir -p "$B"
minisign -G -W -p "$T/dept.pub" -s "$T/dept.key" >/dev/null || bail "minisign -G"
KEY=$(sed -n 2p "$T/dept.pub")
KEYID=$(sed -n 's/.*public key //p' "$T/dept.pub")
# A long wait: no odd file may hold a good bundle up for it.
cat >>"$CONF" <<EOF
trust = { keys = ["$KEY"]; bundle_wait_s = 600; };
EOF

ctl bulletin add "$AUD/v22k-mono.mp3" --id tin-a --title "Bản tin A" >/dev/null || bail "bulletin add"
cat >"$T/st/schedule.conf" <<'EOF'
serial = 1;
slots = ( { id = "cu"; dates = ["2030-01-15"]; times = ["06:30", "06:40"]; bulletins = ["tin-a"]; } );
EOF

# mkbundle NAME SERIAL DISTRICT [EXTRA-TOP-LEVEL-LINE]: a signed bundle in
# $B/NAME/ bringing sxh-NAME (v44k-stereo.mp3) with its size.
mkbundle() {
	local name=$1 serial=$2 district=$3 extra=${4:-} sum
	mkdir -p "$B/$name"
	cp "$AUD/v44k-stereo.mp3" "$B/$name/sxh-$name.mp3"
	sum=$(sha256sum "$B/$name/sxh-$name.mp3" | cut -d' ' -f1)
	cat >"$B/$name/$name.conf" <<EOF
serial = $serial;
district = "$district";
$extra
campaigns = ( { id = "sxh"; title = "Sốt xuất huyết"; bulletins = ["sxh-$name"]; target = 4; } );
slots = ( { id = "moi"; dates = ["2030-01-15"]; times = ["08:00", "08:30"]; campaign = "sxh"; } );
files = ( { bulletin = "sxh-$name"; file = "sxh-$name.mp3"; sha256 = "$sum"; size = $(stat -c %s "$B/$name/sxh-$name.mp3"); } );
EOF
	minisign -S -s "$T/dept.key" -m "$B/$name/$name.conf" -t "bundle $name" >/dev/null
}
drop() {
	cp "$B/$1"/*.mp3 "$SP/" 2>/dev/null
	cp "$B/$1/$1.conf" "$SP/"
	cp "$B/$1/$1.conf.minisig" "$SP/"
}
serial_now() { ctl status | sed -n 's/^schedule: *serial \([0-9]*\).*/\1/p'; }
wait_file() { local i; for i in $(seq $(($2 * 20))); do [ -e "$1" ] && return 0; sleep 0.05; done; return 1; }
responsive() { timeout 5 "$BUILD/loaxactl" -c "$CONF" status >/dev/null 2>&1; }

set_clock "2030-01-15 06:00:00"
start_daemon

# ---- 1. a FIFO and an @include of a FIFO in the spool, with no key ----
mkfifo "$SP/hang.conf" "$T/inc-fifo"
printf 'serial = 99;\n@include "%s"\nslots = ();\n' "$T/inc-fifo" >"$SP/inc.conf"
printf 'untrusted comment: x\nnot a signature\n' >"$SP/inc.conf.minisig"
# ... and one signed by the department's key, so that it is parsed.
printf 'serial = 98;\ndistrict = "999";\n@include "%s"\nslots = ();\n' "$T/inc-fifo" >"$B/inc2.conf"
minisign -S -s "$T/dept.key" -m "$B/inc2.conf" >/dev/null
cp "$B/inc2.conf" "$B/inc2.conf.minisig" "$SP/"
wait_file "$SP/rejected/hang.conf.why" 5 && grep -q 'reason: a FIFO' "$SP/rejected/hang.conf.why" &&
	[ -p "$SP/rejected/hang.conf" ] && [ ! -e "$SP/hang.conf" ] &&
	ok "a FIFO named x.conf in the spool: moved to rejected/ at once, with its reason" ||
	nok "FIFO: $(ls "$SP" "$SP/rejected" | tr '\n' ' ')"
wait_file "$SP/rejected/inc.why" 5 && grep -q 'reason: malformed signature file' "$SP/rejected/inc.why" &&
	ok "an unsigned schedule with @include of a FIFO: refused without being parsed" ||
	nok "@include (unsigned): $(cat "$SP/rejected/inc.why" 2>&1 | head -2)"
wait_file "$SP/rejected/inc2.why" 5 && grep -q 'reason: inc2.conf:3: @include is not allowed here' "$SP/rejected/inc2.why" &&
	ok "a signed schedule with @include: refused before libconfig opens anything" ||
	nok "@include (signed): $(cat "$SP/rejected/inc2.why" 2>&1 | head -2)"
responsive && ok "the daemon still answers" || nok "the daemon hangs"
set_clock "2030-01-15 06:29:58"
wait_journal 'end occ=cu@2030-01-15T06:30 outcome=aired' 10 && ok "and plays on time (06:30 aired)" ||
	nok "06:30 did not air"

# ---- 2. a FIFO in place of a library file ----
mv "$LIB/tin-a.mp3" "$T/tin-a.mp3.keep"
mkfifo "$LIB/tin-a.mp3"
out=$(timeout 10 "$BUILD/loaxactl" -c "$CONF" play tin-a 2>&1)
rc=$?
[ $rc -ne 124 ] && [ $rc -ne 0 ] && grep -q "not a plain file" <<<"$out" && responsive &&
	ok "loaxactl play of a bulletin whose file is a FIFO: refused at once, not hung ($(grep -o "not a plain file" <<<"$out" | head -1))" ||
	nok "play FIFO: rc=$rc $out"
out=$(timeout 10 "$BUILD/loaxactl" -c "$CONF" bulletin verify 2>&1)
rc=$?
[ $rc -ne 124 ] && [ $rc -ne 0 ] && grep -q 'tin-a' <<<"$out" && ok "bulletin verify reports the FIFO, not hung" ||
	nok "verify FIFO: rc=$rc $out"
rm "$LIB/tin-a.mp3"
mv "$T/tin-a.mp3.keep" "$LIB/tin-a.mp3"

# ---- 3. a signed bulletin swapped locally ----
mkbundle good 10 999
drop good
wait_journal "schedule-installed serial=10 .*signer=$KEYID .*bundle=good " 10 &&
	ok "a signed bundle is installed (serial 10)" || bail "good bundle not installed"
sum_before=$(sha256sum <"$LIB/sxh-good.mp3")
out=$(ctl bulletin add "$AUD/v08k-mono.mp3" --id sxh-good --title "Khác" --replace 2>&1)
[ $? -ne 0 ] && grep -q 'delivered by a signed push' <<<"$out" && [ "$(sha256sum <"$LIB/sxh-good.mp3")" = "$sum_before" ] &&
	ok "bulletin add --replace of a signed bulletin: refused, file unchanged" || nok "replace: $out"
out=$(ctl bulletin remove sxh-good --force 2>&1)
[ $? -ne 0 ] && grep -q 'delivered by a signed push' <<<"$out" && [ -e "$LIB/sxh-good.mp3" ] &&
	ok "bulletin remove of a signed bulletin: refused" || nok "remove: $out"
ctl bulletin add "$AUD/v08k-mono.mp3" --id sxh-good-local --title "Bản địa phương" >/dev/null &&
	ok "a local bulletin under its own id is still welcome" || nok "local add refused"
out=$(ctl bulletin list)
grep -qE "^sxh-good .* signed:$KEYID " <<<"$out" && grep -qE '^sxh-good-local .* local ' <<<"$out" &&
	ok "bulletin list shows signed and local bulletins" || nok "list: $out"
# Editing the catalog by hand (write access to the library) does not help:
# at play time the file is checked against the signed schedule's hash.
cp "$LIB/catalog.conf" "$T/catalog.keep"
local_sum=$(sha256sum "$LIB/sxh-good-local.mp3" | cut -d' ' -f1)
good_sum=$(sha256sum "$LIB/sxh-good.mp3" | cut -d' ' -f1)
cp "$LIB/sxh-good-local.mp3" "$LIB/sxh-good.mp3"
sed -i "s/$good_sum/$local_sum/" "$LIB/catalog.conf"
ctl reload >/dev/null 2>&1
ctl play sxh-good >/dev/null 2>&1
wait_journal 'failed .*bulletin=sxh-good .*not the recording the signed schedule names' 10 &&
	ok "a hand-edited catalog: the substitute is refused at play time (signed hash)" ||
	nok "the substitute played: $(grep -h 'sxh-good' "$T"/st/journal/*.log | tail -2)"
cp "$T/catalog.keep" "$LIB/catalog.conf"
cp "$B/good/sxh-good.mp3" "$LIB/sxh-good.mp3"
ctl reload >/dev/null 2>&1
# Which was signed and which local goes into each start record, so that a
# report from a copy of the journal folder alone (no library) can say it.
ctl play sxh-good >/dev/null 2>&1
wait_journal "start occ=manual@[^ ]* .*bulletin=sxh-good .*origin=signed:$KEYID " 10 &&
	wait_journal 'end occ=manual@[^ ]* outcome=aired' 10 && ctl play sxh-good-local >/dev/null 2>&1 &&
	wait_journal 'start occ=manual@[^ ]* .*bulletin=sxh-good-local .*origin=local ' 10 &&
	ok "start records say signed:KEYID or local" ||
	nok "origin: $(grep -h ' start ' "$T"/st/journal/*.log | tail -2)"
occ=$(grep -h ' start .*bulletin=sxh-good-local ' "$T"/st/journal/*.log | sed 's/.* start occ=\([^ ]*\) .*/\1/')
for i in $(seq 200); do grep -qF "end occ=$occ outcome=" "$T"/st/journal/*.log && break; sleep 0.05; done
cp -r "$T/st/journal" "$T/journal-copy"
out=$("$BUILD/loaxactl" report --journal "$T/journal-copy" --month 2030-01 2>&1)
grep -qE "^sxh-good +[^ ]+ +1 +1 +[0-9:.]+ +signed:$KEYID\$" <<<"$out" &&
	grep -qE '^sxh-good-local +- +1 +1 +[0-9:.]+ +local$' <<<"$out" &&
	ok "report on a copied journal folder: sxh-good signed, sxh-good-local local" || nok "report: $out"

# ---- 4. a bundle for another district, or other stations ----
RUNNING=10
mkbundle otherdistrict 11 998
drop otherdistrict
wait_file "$SP/rejected/otherdistrict.why" 10 &&
	grep -q 'reason: .*the schedule is for district 998, not for this station.s district 999' "$SP/rejected/otherdistrict.why" &&
	[ "$(serial_now)" = 10 ] && ok "a bundle signed for another district: refused, saying why" ||
	nok "other district: $(cat "$SP/rejected/otherdistrict.why" 2>&1 | head -2)"
mkbundle otherstation 12 999 'stations = ["xa-khac"];'
drop otherstation
wait_file "$SP/rejected/otherstation.why" 10 &&
	grep -q 'reason: .*for 1 other station of district 999 (xa-khac), not for this station it-station' "$SP/rejected/otherstation.why" &&
	[ "$(serial_now)" = 10 ] && ok "a bundle for other stations of the district: refused, saying why" ||
	nok "other station: $(cat "$SP/rejected/otherstation.why" 2>&1 | head -2)"

# ---- 5. links next to a good bundle ----
echo secret >"$T/secret"
ln -s "$T/secret" "$SP/link.mp3"
ln "$T/st/loaxa.conf" "$SP/hard.conf" 2>/dev/null || ln "$SP/../loaxa.conf" "$SP/hard.conf"
mkbundle next 20 999
t0=$(date +%s)
drop next
wait_journal "schedule-installed serial=20 .*bundle=next " 15 && [ $(($(date +%s) - t0)) -lt 15 ] &&
	ok "a symlink and a hard link in the spool do not hold up a good bundle ($(($(date +%s) - t0)) s)" ||
	nok "links held the bundle up"
grep -q 'reason: a symbolic link' "$SP/rejected/link.mp3.why" 2>/dev/null && [ -L "$SP/rejected/link.mp3" ] &&
	grep -q 'reason: a hard link' "$SP/rejected/hard.conf.why" 2>/dev/null &&
	ok "both moved to rejected/ with their reasons" || nok "links: $(ls -l "$SP" "$SP/rejected" | tr '\n' ' ')"

# ---- 6. a newline in a file name ----
name=$'evil\nloaxad: forged line'
printf 'serial = 5;\nslots = ();\n' >"$SP/$name.conf"
printf 'junk\n' >"$SP/$name.conf.minisig"
odd=$'x\nreason: forged'
ln -s /etc/passwd "$SP/$odd"
wait_file "$SP/rejected/$name.why" 10 && [ "$(grep -c '^reason:' "$SP/rejected/$name.why")" = 1 ] &&
	! grep -q '^loaxad: forged' "$SP/rejected/$name.why" && grep -q 'evil\\nloaxad: forged line' "$SP/rejected/$name.why" &&
	ok "a newline in a bundle's name: escaped in its .why, no forged line" ||
	nok ".why: $(cat "$SP/rejected/$name.why" 2>&1)"
wait_file "$SP/rejected/$odd.why" 5 && [ -L "$SP/rejected/$odd" ] &&
	[ "$(grep -c '^reason:' "$SP/rejected/$odd.why")" = 1 ] && grep -q 'file x\\nreason: forged at' "$SP/rejected/$odd.why" &&
	ok "... and in an odd file's .why" || nok "odd .why: $(cat "$SP/rejected/"x*.why 2>&1)"
sleep 0.3
! grep -qE '^(<[0-9]>)?(loaxad: forged|reason: forged)' "$T/daemon.log" && grep -q 'evil\\nloaxad: forged line' "$T/daemon.log" &&
	grep -q 'x\\nreason: forged is a symbolic link' "$T/daemon.log" &&
	ok "... and in the daemon's log" || nok "log: $(grep -n forged "$T/daemon.log")"

# ---- 7. a 2 GiB audio file whose size the schedule omits ----
mkdir -p "$B/big"
truncate -s 2G "$B/big/sxh-big.mp3"
cat >"$B/big/big.conf" <<EOF
serial = 30;
district = "999";
slots = ();
files = ( { bulletin = "sxh-big"; file = "sxh-big.mp3"; sha256 = "$(printf '%064d' 0)"; } );
EOF
minisign -S -s "$T/dept.key" -m "$B/big/big.conf" >/dev/null
t0=$(date +%s%N)
cp --sparse=always "$B/big/sxh-big.mp3" "$SP/"
cp "$B/big/big.conf" "$B/big/big.conf.minisig" "$SP/"
wait_file "$SP/rejected/big.why" 10
ms=$((($(date +%s%N) - t0) / 1000000))
grep -q 'reason: sxh-big.mp3 is 2147483648 bytes: larger than any bulletin' "$SP/rejected/big.why" 2>/dev/null &&
	[ -z "$(ls -A "$LIB" | grep -E '^\.push|\.tmp\.')" ] && [ "$(serial_now)" = 20 ] &&
	ok "a 2 GiB file with no signed size: refused from its size, nothing copied (${ms} ms)" ||
	nok "big: $(cat "$SP/rejected/big.why" 2>&1 | head -2) $(ls -A "$LIB")"
rm -f "$B/big/sxh-big.mp3" "$SP/rejected/sxh-big.mp3" "$SP/sxh-big.mp3"

# ---- 8. schedule verify and planted symlinks in the temporary folder ----
mkdir -p "$T/tmp"
echo precious >"$T/victim"
p=$$
# 3001 symlinks in one process (3001 ln took 5 s)
python3 -c 'import os, sys
for i in range(3001):
    os.symlink(sys.argv[1], "%s/loaxa-verify.%d.conf" % (sys.argv[2], int(sys.argv[3]) + i))' "$T/victim" "$T/tmp" "$p"
mkbundle verify 40 999
out=$(TMPDIR=$T/tmp ctl schedule verify "$B/verify/verify.conf" 2>&1)
rc=$?
[ $rc = 0 ] && [ "$(cat "$T/victim")" = precious ] && [ "$(ls "$T/tmp" | wc -l)" = 3001 ] &&
	ok "schedule verify with symlinks planted in TMPDIR: victim untouched, nothing written there" ||
	nok "verify: rc=$rc $(cat "$T/victim") $(ls "$T/tmp" | wc -l) $out"

# ---- 9. a replay after schedule.conf is lost, past any journal window ----
stop_daemon
rm -f "$T/st/schedule.conf" "$T/st/schedule.conf.minisig"
set_clock "2030-06-15 06:00:00"
start_daemon
cp "$B/good/good.conf" "$B/good/good.conf.minisig" "$B/good/sxh-good.mp3" "$SP/"
wait_file "$SP/rejected/good.why" 10 &&
	grep -q 'reason: serial 10 is not greater than the running serial 20' "$SP/rejected/good.why" &&
	[ ! -e "$T/st/schedule.conf" ] &&
	ok "an old signed schedule replayed after schedule.conf was lost, 5 months on: refused (serial-high)" ||
	nok "replay: $(cat "$SP/rejected/good.why" 2>&1 | head -2)"
grep -qx 20 "$T/st/serial-high" && ok "the highest serial is kept on its own in STATE/serial-high" ||
	nok "serial-high: $(cat "$T/st/serial-high" 2>&1)"
responsive && alive && ok "the daemon is alive and answers after all of it" || nok "daemon gone"

it_done
