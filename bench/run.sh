#!/bin/bash
# make bench: every benchmark, printed figures (not pass/fail timings).
# Copy the figures into docs/BENCHMARKS.md with the machine they came from.
set -u
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
export LOAXA_BUILD=$PWD/$BUILD
echo "== machine: $(nproc) cores, $(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -1), $(uname -r)"
for b in "$BUILD"/bench/bench_schedule "$BUILD"/bench/bench_journal; do
	[ -x "$b" ] || continue
	echo "== $(basename "$b")"
	"$b"
done
for s in bench/*-bench.sh; do
	echo "== $(basename "$s")"
	bash "$s"
done
