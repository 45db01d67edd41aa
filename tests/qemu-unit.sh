#!/bin/sh
# Run the cross-built unit tests under qemu-user, without binfmt_misc:
#   tests/qemu-unit.sh ARCH QEMU LOADER_DIR [LIBRARY_DIR]
# ARCH names the build folder (build/ARCH); LOADER_DIR holds the target's
# loader and libc (/usr/aarch64-linux-gnu); LIBRARY_DIR, when given, the
# other libraries (a sysroot's lib folder). Closes with "N passed, N failed".
# qemu-user 7.2 hangs in fork() and pthread_create() on current kernels,
# so tests that would fork a helper use their in-process twin, and those
# that need a second thread are skipped (LOAXA_NO_FORK=1).
arch=$1 qemu=$2 loader=$3 libdir=${4:-}
cd "$(dirname "$0")" || exit 2
pass=0 fail=0 skipped=0
for t in ../build/"$arch"/tests/test_*; do
	[ -x "$t" ] || continue
	if [ -n "$libdir" ]; then
		out=$(LOAXA_NO_FORK=1 CMOCKA_MESSAGE_OUTPUT=stdout timeout 600 "$qemu" -L "$loader" -E LD_LIBRARY_PATH="$libdir" "$t" 2>&1)
	else
		out=$(LOAXA_NO_FORK=1 CMOCKA_MESSAGE_OUTPUT=stdout timeout 600 "$qemu" -L "$loader" "$t" 2>&1)
	fi
	rc=$?
	ok=$(printf '%s\n' "$out" | sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' | tail -1)
	bad=$(printf '%s\n' "$out" | sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' | tail -1)
	sk=$(printf '%s\n' "$out" | sed -n 's/^\[  SKIPPED \] \([0-9]*\) test.*/\1/p' | tail -1)
	ok=${ok:-0} bad=${bad:-0} skipped=$((skipped + ${sk:-0}))
	[ $rc -ne 0 ] && [ "$bad" -eq 0 ] && bad=1
	pass=$((pass + ok)) fail=$((fail + bad))
	if [ $rc -eq 0 ]; then
		echo "ok   $(basename "$t") ($ok, $arch)${sk:+, skipped: $(printf '%s\n' "$out" | sed -n 's/^\[  SKIPPED \] \(test_[a-z0-9_]*\)$/\1/p' | awk '!seen[$0]++' | tr '\n' ' ')}"
	else
		printf '%s\n' "$out"
		echo "FAIL $(basename "$t") (exit $rc, $arch)"
	fi
done
[ $skipped -eq 0 ] || echo "$skipped skipped under qemu-user (a peer it cannot start, or a second thread it hangs on)"
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
