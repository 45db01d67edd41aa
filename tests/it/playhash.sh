#!/bin/bash
# The play-time check does not hash in the loop (issue 11): a bulletin
# file that changed since the helper hashed it (or that the helper has
# not read yet) is hashed by the daemon's hasher thread while the
# amplifier is switched on, and plays only once it hashed right. An
# LD_PRELOAD shim (tests/it/slowsync.c) makes that hash's first read take
# 2 s: status is answered at once meanwhile, the broadcast starts when the
# hash is in, never before; a file whose bytes changed is recorded failed
# and does not play.
set -u
cd "$(dirname "$0")/../.."
. tests/it/lib.bash

it_setup playhash
make_station "$T/st" loaxatest
CONF=$T/st/loaxa.conf
J=$T/st/journal
cc -shared -fPIC -O1 -o "$T/slow.so" tests/it/slowsync.c -ldl -lpthread || bail "cannot build the shim"
ctl bulletin add "$AUD/v22k-mono.mp3" --id tin-a --title "A" >/dev/null || bail "bulletin add"
F=$(ls "$T"/st/library/*.mp3 | head -1)
[ -f "$F" ] || bail "no library file"
cat >"$T/st/schedule.conf" <<'EOF2'
serial = 1;
slots = ( { id = "sang"; dates = ["2030-01-15"]; times = ["06:30"]; bulletins = ["tin-a"]; },
          { id = "chieu"; dates = ["2030-01-15"]; times = ["06:40"]; bulletins = ["tin-a"]; } );
EOF2
RD=$T/slow-read
echo 0 >"$RD"
export LOAXA_SHIM_SLOW_READ_FILE=$RD LOAXA_SHIM_READ_MATCH=$T/st/library/ LOAXA_SHIM_SLOW_MS=2000
export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0
set_clock "2030-01-15 06:29:40"
LD_PRELOAD=$T/slow.so start_daemon
for _ in $(seq 100); do grep -q 'library files hashed off the loop' "$T/daemon.log" && break; sleep 0.05; done
grep -q 'helper: 1 of 1 library files hashed off the loop' "$T/daemon.log" || nok "the helper did not hash the library"
# However long start-up took on a loaded machine: 3 s before the due time.
set_clock "2030-01-15 06:29:57"
# The file changes (its ctime): it must be hashed again before it plays,
# and that hash's first read takes 2 s.
touch "$F"
echo 1 >"$RD"
worst=$(/usr/bin/python3 tests/it/status_probe.py "$T/st/loaxad.sock" 7 0.05)
grep -q '^begin .* thread$' "$RD.log" 2>/dev/null && ok "the changed file was hashed on the hasher thread, not in the loop" ||
	nok "slow reads: $(cat "$RD.log" 2>/dev/null)"
awk -v w="$worst" 'BEGIN{exit !(w != "" && w < 0.25)}' && ok "status answered within ${worst} s while the file was hashed" ||
	nok "status waited ${worst:-?} s while the file was hashed"
grep -q 'changed, or not yet read by the helper: hashed off the loop before it plays' "$T/daemon.log" &&
	grep -q 'hashed right off the loop' "$T/daemon.log" && ok "the daemon says so" || nok "no log of the off-loop hash"
wait_journal ' start occ=sang@2030-01-15T06:30 ' 5 || bail "sang did not start"
line=$(grep -h ' start occ=sang@2030-01-15T06:30 ' "$J"/*.log)
case ${line%% *} in 2030-01-15T06:30:0[2-4]+07:00) ok "it started once the hash was in, not before (${line%% *})" ;;
*) nok "start: ${line%% *}" ;; esac
wait_journal ' end occ=sang@2030-01-15T06:30 outcome=aired ' 10 && ok "and aired" || nok "sang did not air"

# Same size, other bytes: recorded failed, never played.
/usr/bin/python3 - "$F" <<'EOF2'
import sys
p = sys.argv[1]
b = bytearray(open(p, "rb").read())
b[len(b) // 2] ^= 0xff
open(p, "wb").write(bytes(b))
EOF2
set_clock "2030-01-15 06:39:59"
wait_journal ' failed occ=chieu@2030-01-15T06:40 ' 8 && ok "a file whose bytes changed is recorded failed" || nok "no failed record"
grep -q ' failed occ=chieu@2030-01-15T06:40 .*checksum: .* does not match its catalog entry' "$J"/*.log &&
	ok "with the reason (checksum)" || nok "reason: $(grep -h ' failed occ=chieu' "$J"/*.log | cut -c1-200)"
grep -q ' start occ=chieu@' "$J"/*.log && nok "the changed file played" || ok "and it did not play"
ctl status --fields | grep -qx 'state=idle' && ok "the station is idle again" || nok "state"
stop_daemon
it_done
