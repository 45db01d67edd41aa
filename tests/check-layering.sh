#!/bin/sh
# The pure core must do no I/O and never read the clock (docs/DESIGN.md):
# link its archive into one relocatable object and fail on every symbol it
# still needs that tests/core-allow.txt does not allow (nm -u), naming the
# member that calls it. Usage: check-layering.sh CORE.a [ALLOW-LIST]
cd "$(dirname "$0")/.." || exit 2
ar=$1
allow=${2:-tests/core-allow.txt}
[ -f "$ar" ] && [ -f "$allow" ] || { echo "usage: check-layering.sh CORE.a [ALLOW-LIST]" >&2; exit 2; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/loaxa-layering.XXXXXX") || exit 2
trap 'rm -rf "$tmp"' EXIT
# one object: calls between core modules resolve, the rest stays undefined
${LD:-ld} -r --whole-archive "$ar" -o "$tmp/core.o" || exit 2
${NM:-nm} -u "$tmp/core.o" | awk '{ print $NF }' | sort -u >"$tmp/undef"
sed 's/#.*//' "$allow" | tr -s ' \t' '\n\n' | grep -v '^$' >"$tmp/allow"
bad=0
while read -r sym; do
	ok=0
	while read -r pat; do
		# shellcheck disable=SC2254
		case $sym in $pat) ok=1; break ;; esac
	done <"$tmp/allow"
	[ $ok -eq 1 ] && continue
	who=$(${NM:-nm} -A -u "$ar" 2>/dev/null | awk -v s="$sym" '$NF == s { sub(/:$/, "", $1); n = split($1, a, ":"); print a[n] }' | sort -u | tr '\n' ' ')
	echo "check-layering: ${who% } calls $sym, which the core may not (not in $allow)" >&2
	bad=1
done <"$tmp/undef"
[ $bad -eq 0 ] && echo "check-layering: core is pure ($(${AR:-ar} t "$ar" | tr '\n' ' ' | sed 's/ $//'): $(wc -l <"$tmp/undef") symbols needed, all allowed)"
exit $bad
