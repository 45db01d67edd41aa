# Where a process's resident set goes (issues 17 and 18): reads
# /proc/PID/smaps, prints the pages mapped from files (shared libraries,
# locale files; clean, in the page cache, shared with other processes) by
# file, largest first, and the process's own anonymous memory (heap,
# stack, the rest: static data, libraries' writable data, mmap'd blocks).
# usage: awk -f bench/smaps.awk /proc/PID/smaps
/^[0-9a-f]+-[0-9a-f]+ / {
	name = NF >= 6 ? $6 : "[anon]"
	if (name == "/dev/zero")
		name = "[shared]"
	sub(/.*\//, "", name)
	next
}
/^Rss:/ { rss[name] += $2; total += $2 }
/^Anonymous:/ { anon[name] += $2; anon_total += $2 }
/^Rss:/ && name == "[shared]" { anon[name] += $2; anon_total += $2 }
END {
	files = total - anon_total
	printf "    resident %d KiB = %.2f MiB: mapped from files %d KiB, anonymous (its own) %d KiB\n",
		total, total / 1024, files, anon_total
	n = 0
	for (k in rss) {
		f = rss[k] - anon[k]
		if (f > 0 && k !~ /^\[/)
			fk[++n] = sprintf("%08d %s", f, k)
	}
	# largest first (insertion sort: a few dozen entries)
	for (i = 2; i <= n; i++)
		for (j = i; j > 1 && fk[j] > fk[j - 1]; j--) {
			t = fk[j]; fk[j] = fk[j - 1]; fk[j - 1] = t
		}
	line = "    files:"
	for (i = 1; i <= n; i++) {
		split(fk[i], p, " ")
		line = line sprintf(" %s %d", p[2], p[1] + 0) (i < n ? "," : "")
		if (length(line) > 100) { print line; line = "     " }
	}
	if (line !~ /^ *$/) print line
	printf "    anonymous: heap %d, stack %d, shared %d, other %d (static data, libraries' data)\n",
		anon["[heap]"], anon["[stack]"], anon["[shared]"], anon_total - anon["[heap]"] - anon["[stack]"] - anon["[shared]"]
}
