#!/bin/bash
# A bulletin swapped for a FIFO between loaxad's check and its playing
# (issue 12, docs/THREATS.md): an LD_PRELOAD shim (tests/it/swapshim.c)
# renames a FIFO over the bulletin's file right after the daemon first
# opens it. loaxad opens the file once (O_NOFOLLOW, O_NONBLOCK), checks
# that descriptor and hands it to the decoder, so it plays what it
# checked, never waits on the FIFO, refuses the FIFO at the next play
# with its reason, and the next broadcast starts on time.
set -u
cd "$(dirname "$0")/../.."
. tests/it/lib.bash

it_setup playswap
make_station "$T/st" loaxatest
CONF=$T/st/loaxa.conf
LIB=$T/st/library
cc -shared -fPIC -O1 -o "$T/swapshim.so" tests/it/swapshim.c -ldl || bail "cannot build the shim"
ctl bulletin add "$AUD/v22k-mono.mp3" --id tin-a --title "Bản tin A" >/dev/null || bail "bulletin add"
ctl bulletin add "$AUD/v44k-stereo.mp3" --id tin-b --title "Bản tin B" >/dev/null || bail "bulletin add"
[ -f "$LIB/tin-a.mp3" ] || bail "tin-a.mp3 is not in the library: $(ls "$LIB")"
cat >"$T/st/schedule.conf" <<'EOF2'
serial = 1;
slots = ( { id = "sau"; dates = ["2030-01-15"]; times = ["06:30"]; bulletins = ["tin-b"]; } );
EOF2
mkfifo "$T/swap.fifo"
set_clock "2030-01-15 06:29:45"
LD_PRELOAD=$T/swapshim.so LOAXA_SWAP_PATH=$LIB/tin-a.mp3 LOAXA_SWAP_FIFO=$T/swap.fifo \
	LOAXA_SWAP_DONE=$T/swapped ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0 \
	start_daemon

# ---- 1. swapped after the check: the checked file plays ----
out=$(timeout 5 "$BUILD/loaxactl" -c "$CONF" play tin-a 2>&1)
rc=$?
[ $rc -eq 0 ] && ok "play tin-a: accepted" || nok "play tin-a: rc=$rc $out"
wait_journal 'end occ=manual@[^ ]*#1 outcome=' 10
[ -e "$T/swapped" ] && [ -p "$LIB/tin-a.mp3" ] &&
	ok "the FIFO was renamed over tin-a.mp3 right after the daemon opened it" ||
	nok "no swap: $(ls -l "$LIB" "$T/swapped" 2>&1 | tr '\n' ' ')"
exp=$(sed -n 's/.* start occ=manual@[^ ]*#1 .*expected=\([0-9.]*\) .*/\1/p' "$T"/st/journal/*.log)
grep -qE "end occ=manual@[^ ]*#1 outcome=aired played=$exp " "$T"/st/journal/*.log && [ -n "$exp" ] &&
	ok "what was checked played, to its end ($exp s): the decoder read the checked descriptor" ||
	nok "not aired: $(grep -h 'manual@' "$T"/st/journal/*.log | tail -2)"

# ---- 2. the FIFO, now in the library: refused at once, with its reason ----
t0=$(date +%s%N)
out=$(timeout 5 "$BUILD/loaxactl" -c "$CONF" play tin-a 2>&1)
rc=$?
ms=$((($(date +%s%N) - t0) / 1000000))
[ $rc -ne 124 ] && [ $ms -lt 3000 ] && alive && ok "play of the FIFO: answered in $ms ms, daemon not hung" ||
	nok "play FIFO: rc=$rc $ms ms $out"
wait_journal "failed occ=manual@[^ ]*#2 .*bulletin=tin-a .*detail=\"file missing: $LIB/tin-a.mp3 \\(not a plain file\\)\"" 5 &&
	ok "the refusal is journalled: failed, file missing (not a plain file)" ||
	nok "no failed record: $(grep -h 'manual@' "$T"/st/journal/*.log | tail -2)"
timeout 5 "$BUILD/loaxactl" -c "$CONF" status >/dev/null 2>&1 && ok "status answers" || nok "status does not answer"

# ---- 3. the next broadcast on time ----
advance_clock "2030-01-15 06:29:58" # the manual plays are over: no need to wait for 06:30
wait_journal 'start occ=sau@2030-01-15T06:30 ' 25 &&
	grep -qE '^2030-01-15T06:30:0[01]\+07:00 start occ=sau@2030-01-15T06:30 ' "$T"/st/journal/*.log &&
	ok "the 06:30 broadcast of tin-b started on time" ||
	nok "06:30: $(grep -h 'sau@' "$T"/st/journal/*.log | head -2)"
wait_journal 'end occ=sau@2030-01-15T06:30 outcome=aired' 10 && ok "... and aired" || nok "06:30 did not air"
out=$(ctl log verify 2>&1) && ok "journal verifies" || nok "log verify: $out"
alive && ok "the daemon is alive" || nok "daemon gone"

it_done
