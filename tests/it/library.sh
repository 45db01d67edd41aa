#!/bin/bash
# The bulletin library as commune staff use it: loaxactl bulletin add, list,
# remove, verify, with real files made here (espeak-ng + lame) and the real
# daemon playing while the library changes.
set -u
cd "$(dirname "$0")/../.."
. tests/it/lib.bash

it_setup library
make_station "$T/st" loaxatest
CONF=$T/st/loaxa.conf
sed -i 's/audio = {/audio = { max_bulletin_minutes = 1;/' "$CONF"
LIB=$T/st/library

# add_refused FILE WHAT REGEX: refused, plain message, nothing changed.
add_refused() {
	local before after out rc
	before=$(cat "$LIB/catalog.conf" 2>/dev/null; ls "$LIB")
	out=$(ctl bulletin add "$1" --id bad --title "Bản tin hỏng" 2>&1)
	rc=$?
	after=$(cat "$LIB/catalog.conf" 2>/dev/null; ls "$LIB")
	if [ $rc = 1 ] && grep -qE "$3" <<<"$out" && [ "$before" = "$after" ]; then
		ok "refused: $2"
	else
		nok "$2: rc=$rc, changed=$([ "$before" = "$after" ] && echo no || echo yes): $out"
	fi
}

out=$(ctl bulletin add "$AUD/v22k-mono.mp3" --id sxh-01 --title "Phòng, chống sốt xuất huyết" --campaign sxh)
[ $? = 0 ] && grep -q 'added sxh-01' <<<"$out" && ok "add a good MP3" || nok "add: $out"
grep -q 'title = "Phòng, chống sốt xuất huyết";' "$LIB/catalog.conf" && ok "Vietnamese title kept as UTF-8" ||
	nok "title in catalog"
grep -qE 'sha256 = "[0-9a-f]{64}"' "$LIB/catalog.conf" && grep -q 'rate = 22050;' "$LIB/catalog.conf" &&
	ok "catalog has SHA-256, rate, channels, duration" || nok "catalog fields"
[ "$(sha256sum <"$LIB/sxh-01.mp3")" = "$(sha256sum <"$AUD/v22k-mono.mp3")" ] && ok "file copied byte for byte" ||
	nok "copy differs"
ctl bulletin add "$AUD/v32k-stereo.mp2" --id pcmd-01 --title "Phòng, chống mại dâm" >/dev/null &&
	[ -f "$LIB/pcmd-01.mp2" ] && ok "add an MP2" || nok "add MP2"

add_refused "$AUD/empty.mp3" "empty file" 'empty'
add_refused "$AUD/random.mp3" "random bytes" 'not an MP3/MP2'
add_refused "$AUD/wav-renamed.mp3" "a WAV renamed .mp3" 'it is a WAV file'
add_refused "$AUD/truncated.mp3" "a file cut short" 'cut short'
add_refused "$AUD/silent.mp3" "silence" 'silent'
add_refused "$T/no-such.mp3" "missing file" 'cannot read'
# Two hours of silence: one second of silent MP3 frames, repeated.
for i in $(seq 7200); do echo "$AUD/silent.mp3"; done | xargs cat >"$T/2h.mp3"
add_refused "$T/2h.mp3" "two hours of silence" 'silent|too long'
# Longer than the station's maximum (1 min here): 70 s of speech frames.
for i in $(seq 25); do echo "$AUD/v22k-mono.mp3"; done | xargs cat >"$T/long.mp3"
add_refused "$T/long.mp3" "longer than max_bulletin_minutes" 'too long'

out=$(ctl bulletin add "$AUD/v08k-mono.mp3" --id "bad id" --title x 2>&1)
[ $? = 1 ] && grep -q 'no spaces' <<<"$out" && ok "id with a space refused" || nok "bad id: $out"
out=$(ctl bulletin add "$AUD/v08k-mono.mp3" --id ../../etc/passwd --title x 2>&1)
[ $? = 1 ] && [ ! -e /etc/passwd.mp3 ] && ok "path traversal in id refused" || nok "traversal: $out"
out=$(ctl bulletin add "$AUD/v08k-mono.mp3" --id sxh-01 --title x 2>&1)
[ $? = 1 ] && grep -q -- '--replace' <<<"$out" && ok "existing id refused, says --replace" || nok "dup: $out"
out=$(ctl bulletin add "$AUD/v08k-mono.mp3" --id sxh-01 --title "Bản mới" --campaign sxh --replace)
[ $? = 0 ] && [ "$(sha256sum <"$LIB/sxh-01.mp3")" = "$(sha256sum <"$AUD/v08k-mono.mp3")" ] &&
	ok "--replace puts the new file in place" || nok "replace: $out"
ls "$LIB" | grep -q '\.tmp\.' && nok "temporary files left in the library" || ok "no temporary files left"

out=$(ctl bulletin list)
grep -q '^sxh-01 ' <<<"$out" && grep -q '^pcmd-01 ' <<<"$out" && ok "list shows both bulletins" || nok "list: $out"
out=$(ctl bulletin verify) && ok "verify: all good" || nok "verify: $out"

# A schedule that uses sxh-01: remove refuses, --force removes.
cat >"$T/st/schedule.conf" <<'EOF'
serial = 1;
campaigns = ( { id = "sxh"; title = "Sốt xuất huyết"; bulletins = ["sxh-01"]; target = 1; } );
slots = ( { id = "sang"; dates = ["2030-01-15"]; times = ["06:30", "06:40"]; campaign = "sxh"; } );
EOF
out=$(ctl bulletin list)
grep -qE '^sxh-01 .*2030-01-15 06:30|^sxh-01 .* - ' <<<"$out" && ok "list shows the next scheduled play column" ||
	nok "list next: $out"
out=$(ctl bulletin remove sxh-01 2>&1)
[ $? = 1 ] && grep -q 'used by the installed schedule (campaign sxh)' <<<"$out" && [ -f "$LIB/sxh-01.mp3" ] &&
	ok "remove refused while the schedule uses it" || nok "remove used: $out"

# Tampering and strays: verify names each problem, exit 1.
cp "$AUD/v44k-stereo.mp3" "$LIB/stray.mp3"
printf 'x' | dd of="$LIB/pcmd-01.mp2" bs=1 seek=500 conv=notrunc 2>/dev/null
out=$(ctl bulletin verify 2>&1)
[ $? = 1 ] && grep -q 'changed: .*pcmd-01.mp2' <<<"$out" && grep -q 'unknown: .*stray.mp3' <<<"$out" &&
	ok "verify names changed and unknown files" || nok "verify: $out"
rm "$LIB/stray.mp3"
mv "$LIB/pcmd-01.mp2" "$T/keep.mp2"
out=$(ctl bulletin verify 2>&1)
[ $? = 1 ] && grep -q 'missing: .*pcmd-01.mp2' <<<"$out" && ok "verify names a missing file" || nok "verify missing: $out"
mv "$T/keep.mp2" "$LIB/pcmd-01.mp2"
out=$(ctl bulletin remove pcmd-01) && [ ! -e "$LIB/pcmd-01.mp2" ] && ! grep -q pcmd-01 "$LIB/catalog.conf" &&
	ok "remove an unused bulletin" || nok "remove: $out"

# A catalog cut off mid-write (the old non-atomic way): clear error, rebuild.
cp "$LIB/catalog.conf" "$T/catalog.good"
head -c 150 "$T/catalog.good" >"$LIB/catalog.conf"
out=$(ctl bulletin list 2>&1)
[ $? = 1 ] && grep -q 'catalog.conf:[0-9]*:' <<<"$out" && grep -q 'verify --rebuild' <<<"$out" &&
	ok "damaged catalog: file:line and how to rebuild" || nok "damaged: $out"
out=$(ctl bulletin verify --rebuild 2>&1)
[ $? = 0 ] && grep -q 'rebuilt from the files: 1 bulletin' <<<"$out" && ctl bulletin verify >/dev/null &&
	ok "rebuild: catalog made again from the files, verify passes" || nok "rebuild: $out"

# Adding while the daemon plays: the broadcast is not disturbed, the
# daemon picks up the new bulletin.
# 8.5 s of 44.1 kHz stereo, drained at 400 kB/s: 3.7 s of playing (the
# add and the remove below take a tenth of a second), and each write waits
# a fifth of a second at most (a real card never makes it wait).
for i in $(seq 4); do echo "$AUD/v44k-stereo.mp3"; done | xargs cat >"$T/long44.mp3"
ctl bulletin add "$T/long44.mp3" --id sxh-01 --title "Sốt xuất huyết" --replace >/dev/null
use_paced_device "$T/st" 400000
set_clock "2030-01-15 06:29:59"
start_daemon
wait_journal 'start occ=sang@2030-01-15T06:30' 10 || bail "06:30 did not start"
out=$(ctl bulletin add "$AUD/v48k-stereo.mp3" --id moi --title "Bản tin mới")
[ $? = 0 ] && grep -q 'loaxad has reloaded the library' <<<"$out" && ok "add while playing: daemon reloads" ||
	nok "add while playing: $out"
out=$(ctl bulletin remove sxh-01 --force 2>&1)
[ $? = 1 ] && grep -q 'playing now' <<<"$out" && [ -f "$LIB/sxh-01.mp3" ] &&
	ok "remove --force refused while that bulletin plays" || nok "remove playing: $out"
wait_journal 'end occ=sang@2030-01-15T06:30 outcome=aired' 15 && ok "the broadcast in progress aired" ||
	nok "broadcast disturbed"
ctl status | grep -q 'library: *2 bulletins' && ok "daemon sees the new bulletin" || nok "status library count"
stop_daemon

it_done
