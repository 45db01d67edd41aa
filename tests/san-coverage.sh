#!/bin/bash
# Which integration scripts the ASan+UBSan pass needs (tests/run.sh
# SAN_SKIP): a --coverage build (build/cov), the unit tests and then each
# script run on it with its own GCOV_PREFIX, and for each script the source
# lines of ours it reaches that the unit tests do not, and how many of those
# no other script reaches. A script with none (or only an error return or
# two) adds nothing under ASan that the others do not. Takes about as long
# as the normal pass. Usage: tests/san-coverage.sh [SCRIPT.sh ...]
# (default every script but fuzz.sh); OUT=DIR keeps the data (default a
# temporary folder).
set -u
cd "$(dirname "$0")/.."
out=${OUT:-$(mktemp -d /tmp/loaxa-cov.XXXXXX)}
mkdir -p "$out/it"
cov=build/cov
units=$(for t in tests/unit/test_*.c; do t=${t##*/}; echo "$cov/tests/${t%.c}"; done)
mains="loaxad loaxactl loaxa-web loaxa-fetch loaxa-collector loaxa-publish"
make -s -j2 BUILD=$cov CFLAGS="-O0 -g --coverage" LDFLAGS=--coverage \
	$(for m in $mains; do echo "$cov/$m"; done) $units || exit 1
find "$cov" -name '*.gcda' -delete
GCOV_PREFIX=$out/unit BUILD=$cov tests/run.sh unit | tail -1
tests/data/make-audio.sh "$out/audio" >/dev/null && export LOAXA_AUDIO_FIXTURES=$out/audio
# lib.bash ends a daemon with SIGTERM first, so that it writes its counts.
export LOAXA_COVERAGE=1
if [ $# -eq 0 ]; then set -- $(cd tests/it && ls *.sh | grep -v '^fuzz\.sh$'); fi
for s in "$@"; do
	t0=$SECONDS
	GCOV_PREFIX=$out/it/$s LOAXA_BUILD=$PWD/$cov timeout 300 bash "tests/it/$s" >"$out/$s.log" 2>&1
	echo "# $s: exit $?, $((SECONDS - t0)) s"
done
/usr/bin/python3 - "$out" "$PWD/$cov" <<'EOF'
import glob, json, os, shutil, subprocess, sys
out, objroot = sys.argv[1], sys.argv[2]
def lines(tree):
    got = set()
    for gcda in glob.glob(tree + '/**/*.gcda', recursive=True):
        gcno = os.path.join(objroot, os.path.relpath(gcda, tree + objroot))[:-5] + '.gcno'
        if not os.path.exists(gcno):
            continue
        shutil.copy(gcno, gcda[:-5] + '.gcno')
        res = subprocess.run(['gcov', '-t', '-j', gcda], capture_output=True, text=True)
        for doc in res.stdout.splitlines():
            if not doc.startswith('{'):
                continue
            for f in json.loads(doc)['files']:
                if 'src/' in f['file']:
                    fn = f['file'][f['file'].index('src/'):]
                    got.update((fn, l['line_number']) for l in f['lines'] if l['count'] > 0)
    return got
unit = lines(out + '/unit')
cov = {os.path.basename(d): lines(d) - unit for d in sorted(glob.glob(out + '/it/*'))}
print('unit tests: %d lines of src/' % len(unit))
print('%-18s %8s %8s  %s' % ('script', 'beyond', 'only it', 'where (only it)'))
for n in sorted(cov, key=lambda n: -len(cov[n])):
    only = cov[n] - set().union(set(), *(cov[m] for m in cov if m != n))
    where = {}
    for f, _ in only:
        where[f] = where.get(f, 0) + 1
    print('%-18s %8d %8d  %s' % (n, len(cov[n]), len(only),
          ', '.join('%s:%d' % w for w in sorted(where.items(), key=lambda w: -w[1])[:4])))
EOF
echo "# data in $out"
