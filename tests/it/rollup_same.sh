#!/bin/bash
# The roll-up's results do not change when its reading gets faster (issue
# 18): loaxactl rollup (csv, json, text), log --format csv and log verify
# over seeded journals with every event, escapes, odd numbers, other UTC
# offsets and damage (tests/data/rollup-same/gen.py) must print exactly
# what the files in tests/data/rollup-same/ hold, byte for byte. Those were
# written by the roll-up before issue 18's second round of speed-ups.
# To write them again after an intended change of output:
#   LOAXA_ROLLUP_SAME_WRITE=1 bash tests/it/rollup_same.sh
# TAP-style output. Binary: ${LOAXA_BUILD:-build}/loaxactl.
set -u
cd "$(dirname "$0")/../.." || exit 1
BUILD=${LOAXA_BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$PWD/$BUILD ;; esac
CTL=$BUILD/loaxactl
EXP=$PWD/tests/data/rollup-same
[ -x "$CTL" ] || { echo "not ok 1 - $CTL is not built"; exit 1; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/loaxa-rollup-same.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
n=0 failed=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
fail() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $1"; }

/usr/bin/python3 "$EXP/gen.py" "$tmp/j" || { echo "not ok 1 - gen.py"; exit 1; }
cd "$tmp/j" || exit 1
export LANG=C LC_ALL=C LANGUAGE= TZ=Asia/Ho_Chi_Minh

# same NAME CMD...: stdout and stderr of CMD, and its exit status, against NAME.*
same() {
	local name=$1
	shift
	"$CTL" "$@" >"$tmp/$name.out" 2>"$tmp/$name.err"
	echo "exit $?" >>"$tmp/$name.err"
	if [ -n "${LOAXA_ROLLUP_SAME_WRITE:-}" ]; then
		cp "$tmp/$name.out" "$EXP/$name.out"
		cp "$tmp/$name.err" "$EXP/$name.err"
	fi
	if cmp -s "$tmp/$name.out" "$EXP/$name.out" && cmp -s "$tmp/$name.err" "$EXP/$name.err"; then
		ok "$name: $* prints what it printed before"
	else
		fail "$name: $* prints what it printed before"
		diff "$EXP/$name.out" "$tmp/$name.out" | head -10 | sed 's/^/#   /'
		diff "$EXP/$name.err" "$tmp/$name.err" | head -10 | sed 's/^/#   /'
	fi
}

same rollup-csv rollup --from 2026-01 --to 2026-03 --format csv --jobs 1 st-*
same rollup-json rollup --from 2026-01 --to 2026-03 --format json --jobs 2 st-*
same rollup-text rollup --month 2026-02 --format text st-*
for s in 01 03 04 09 10 11; do
	same "log-$s" log --from 2026-01-01 --to 2026-03-31 --format csv --journal "st-$s"
done
same verify-09 log verify --journal st-09
same verify-11 log verify --journal st-11

# The check can fail: one changed byte of a journal changes the roll-up.
sed -i '5s/aired/partial/' st-05/2026-01.log
"$CTL" rollup --from 2026-01 --to 2026-03 --format csv --jobs 1 st-* >"$tmp/changed.out" 2>/dev/null
if ! cmp -s "$tmp/changed.out" "$EXP/rollup-csv.out"; then
	ok "an edited journal line changes the roll-up's output"
else
	fail "an edited journal line changes the roll-up's output"
fi

echo "1..$n"
[ $failed -eq 0 ]
