#!/bin/sh
# The pure core (modules named on the command line) must include no hardware
# or config library and must never read the clock: see docs/DESIGN.md.
cd "$(dirname "$0")/.." || exit 2
bad=0
for m in "$@"; do
	for f in src/$m.c src/$m.h; do
		[ -f "$f" ] || continue
		if grep -nE '#include[[:space:]]*<(alsa/|mpg123\.h|modbus|libconfig\.h|sys/socket\.h|sys/timerfd\.h)' "$f"; then
			echo "check-layering: $f includes an adapter library" >&2; bad=1
		fi
		if grep -nE '\b(clock_gettime|gettimeofday|time[[:space:]]*\([[:space:]]*(NULL|0)?[[:space:]]*\)|timerfd_|fopen|open[[:space:]]*\()' "$f"; then
			echo "check-layering: $f reads the clock or does I/O" >&2; bad=1
		fi
	done
done
[ $bad -eq 0 ] && echo "check-layering: core is pure ($*)"
exit $bad
