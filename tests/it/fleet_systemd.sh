#!/bin/bash
# The collector's systemd unit (issue 13), held to loaxad's bar: no
# @VARIABLE@ left, `systemd-analyze verify` prints nothing, exposure 2.0
# or lower, and the properties it depends on. TAP lines.
set -u
cd "$(dirname "$0")/../.."
. tests/it/lib.bash
BUILD=${LOAXA_BUILD:-$PWD/build}
T=$(mktemp -d /tmp/loaxa-it-fleet-unit.XXXXXX)
trap 'rm -rf "$T"' EXIT
mkdir -p "$T/system"
unit=$T/system/loaxa-collector.service
sed -e "s|@SBINDIR@|$BUILD|g" -e "s|@SYSCONFDIR@|/etc|g" systemd/loaxa-collector.service.in >"$unit"
! grep -q '@[A-Z]*@' "$unit" && ok "unit template fully substituted" || nok "@VARIABLE@ left"
prop() { grep -E "^$1=" "$unit" | tail -1 | cut -d= -f2-; }
[ "$(prop Type)" = notify ] && [ "$(prop ExecStart)" = "$BUILD/loaxa-collector -c /etc/loaxa/collector.conf" ] &&
	ok "Type=notify, ExecStart runs loaxa-collector -c /etc/loaxa/collector.conf" || nok "Type/ExecStart"
[ "$(prop RestartPreventExitStatus)" = 78 ] && grep -q 'EXIT_CONFIG 78' src/collector.c &&
	ok "RestartPreventExitStatus=78 is the collector's exit status on a bad file" || nok "exit status 78"
[ "$(prop StateDirectory)" = loaxa-collector ] && [ "$(prop User)" = loaxa ] && [ "$(prop StateDirectoryMode)" = 0750 ] &&
	ok "mirror in /var/lib/loaxa-collector, user loaxa, readable by group loaxa" || nok "state directory"
if ! command -v systemd-analyze >/dev/null 2>&1; then
	ok "# SKIP systemd-analyze is not installed"
	it_done
	exit $?
fi
mkdir -p "$T/man/man1" "$T/man/man5" "$T/man/man8"
for m in docs/man/*.[158]; do ln -s "$PWD/$m" "$T/man/man${m##*.}/$(basename "$m")"; done
out=$(cd "$T" && MANPATH=$T/man systemd-analyze verify "$unit" 2>&1)
[ $? -eq 0 ] && [ -z "$out" ] && ok "systemd-analyze verify prints nothing" || { nok "systemd-analyze verify"; echo "$out" | sed 's/^/# /'; }
score=$(systemd-analyze security --offline=true --no-pager "$unit" 2>&1 |
	sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p' | tail -1)
[ -n "$score" ] && awk -v s="$score" 'BEGIN { exit !(s <= 2.0) }' &&
	ok "systemd-analyze security: exposure $score <= 2.0" || nok "exposure ${score:-?}"
it_done
