#!/bin/bash
# Trusted keys without a restart (issue 14, docs/PUSH.md): the real loaxad
# refuses a bundle signed by a key it does not trust yet; the key is added
# to the station file, `loaxactl reload`, and the very same bundle
# installs; the key is revoked (trust.revoked), `loaxactl reload`, and a
# newer bundle it signed is refused with a plain reason while status says
# the schedule in force was signed by a revoked key. Bundles are made with
# loaxactl bundle make and signed with the stock minisign.
set -u
cd "$(dirname "$0")/../.."
. tests/it/lib.bash

command -v minisign >/dev/null || { echo "not ok 1 - minisign is not installed (apt-get install minisign)"; exit 1; }

it_setup trust
export XDG_STATE_HOME=$T/state
make_station "$T/st" loaxatest
CONF=$T/st/loaxa.conf
SP=$T/st/spool
cp "$CONF" "$T/base.conf"
minisign -G -W -p "$T/old.pub" -s "$T/old.key" >/dev/null || bail "minisign -G"
minisign -G -W -p "$T/new.pub" -s "$T/new.key" >/dev/null || bail "minisign -G (new)"
OLD=$(sed -n 2p "$T/old.pub")
NEW=$(sed -n 2p "$T/new.pub")
NEWID=$(sed -n 's/.*public key //p' "$T/new.pub")
trust() { { cat "$T/base.conf"; echo "trust = { $1 bundle_wait_s = 2; };"; } >"$CONF"; }
trust "keys = [\"$OLD\"];"
echo 'serial = 1; slots = ();' >"$T/st/schedule.conf"

mkdir -p "$T/audio"
cp "$AUD/v22k-mono.mp3" "$T/audio/tin-1.mp3"
cat >"$T/sched.conf" <<'EOF'
campaigns = ( { id = "c"; title = "Chiến dịch"; bulletins = ["tin-1"]; target = 2; } );
slots = ( { id = "s"; dates = ["2030-01-15"]; times = ["08:00"]; campaign = "c"; } );
serial = 1;
EOF
# make SERIAL: bundle push-SERIAL in $T/b/SERIAL, signed with the new key.
make_signed() {
	"$BUILD/loaxactl" bundle make "$T/sched.conf" --audio "$T/audio" -o "$T/b/$1" --district 999 \
		--serial "$1" >/dev/null 2>"$T/err" || bail "bundle make $1: $(cat "$T/err")"
	minisign -S -s "$T/new.key" -m "$T/b/$1/push-$1.conf" -t "serial $1" >/dev/null || bail "minisign -S"
}
drop() {
	cp "$T/b/$1/tin-1.mp3" "$SP/"
	cp "$T/b/$1/push-$1.conf" "$SP/"
	cp "$T/b/$1/push-$1.conf.minisig" "$SP/"
}
wait_why() {
	local i
	for i in $(seq 200); do [ -e "$SP/rejected/push-$1.why" ] && return 0; sleep 0.05; done
	return 1
}

set_clock "2030-01-15 06:00:00"
start_daemon
mkdir -p "$SP"
make_signed 100
make_signed 200

drop 100
if wait_why 100 && grep -q "reason: signed by an unknown key $NEWID" "$SP/rejected/push-100.why"; then
	ok "a bundle signed by a key the station does not trust yet is refused (unknown key $NEWID)"
else
	nok "new key before reload: $(cat "$SP/rejected/push-100.why" 2>/dev/null | head -3)"
fi
rm -f "$SP/rejected/"*

trust "keys = [\"$OLD\", \"$NEW\"];"
out=$(ctl reload 2>&1) || nok "loaxactl reload: $out"
grep -q "trusted keys read again from .*: 2 trusted, 0 revoked" "$T/daemon.log" &&
	ok "loaxactl reload reads the trusted keys again (no restart)" || nok "no reload of the keys in the log"
drop 100
if wait_journal "schedule-installed serial=100 .*signer=$NEWID .*bundle=push-100 " 10; then
	ok "after the reload the same bundle installs, signed by $NEWID"
else
	nok "not installed after the reload: $(cat "$SP/rejected/push-100.why" 2>/dev/null | head -2)"
fi

trust "keys = [\"$OLD\", \"$NEW\"]; revoked = [\"$NEWID\"];"
ctl reload >/dev/null 2>&1
out=$(ctl status)
if grep -q "schedule: *serial 100, .* by $NEWID (a REVOKED key" <<<"$out" &&
	ctl status --fields | grep -qx 'schedule.signer_revoked=yes'; then
	ok "revoked and reloaded: status says the schedule in force was signed by a revoked key (it keeps playing)"
else
	nok "status after revoking: $(grep schedule: <<<"$out")"
fi
drop 200
if wait_why 200 && grep -q "reason: signed by key $NEWID, which this station has revoked (trust.revoked" "$SP/rejected/push-200.why"; then
	ok "a newer bundle signed by the revoked key is refused, the reason said plainly"
else
	nok "revoked key: $(cat "$SP/rejected/push-200.why" 2>/dev/null | head -3)"
fi
# The .why comes first; the record follows once the journal's flush allows.
wait_journal 'schedule-rejected .*reason="signed by key '"$NEWID"', which this station has revoked' 5 &&
	ok "journal: schedule-rejected with the revocation" || nok "no schedule-rejected record"
[ "$(ctl status --fields | sed -n 's/^schedule.serial=//p')" = 100 ] && ok "serial 100 still in force" ||
	nok "serial changed"
out=$(ctl schedule verify "$T/b/200/push-200.conf" 2>&1)
grep -q "which this station has revoked" <<<"$out" && ok "loaxactl schedule verify refuses it too" ||
	nok "schedule verify: $out"

# A station file that does not load keeps the keys in force (loaxactl
# itself refuses to read it: the daemon is told with SIGHUP).
echo 'trust = { keys = [ "not a key" ]; };' >>"$CONF"
kill -HUP "$DPID"
wait_journal 'request=reload by=SIGHUP' 5 >/dev/null
sleep 0.2
cp "$T/base.conf" "$T/st/good.conf"
echo "trust = { keys = [\"$OLD\"]; };" >>"$T/st/good.conf"
grep -q "has problems: the trusted keys stay as they were" "$T/daemon.log" &&
	[ "$("$BUILD/loaxactl" -c "$T/st/good.conf" status --fields | sed -n 's/^trust.revoked=//p')" = 1 ] &&
	ok "a station file with problems: reload keeps the trusted keys as they were" ||
	nok "bad station file on reload: $(tail -3 "$T/daemon.log")"
alive && ok "loaxad still runs" || nok "loaxad died"
stop_daemon
it_done
