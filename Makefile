# loaxa — GNU make, pkg-config, objects under build/. See README.md.
#   make            build loaxad and loaxactl
#   make test       the whole suite: unit + integration tests, again under
#                   ASan+UBSan, and the unit tests under valgrind
#   make check      the normal build's tests only (quick)
#   make san        the same tests under ASan+UBSan (build/san)
#   make valgrind   unit tests under valgrind memcheck
#   make bench      benchmarks (printed figures)
#   make demo       run the station with the sample configuration
#   make install    PREFIX, DESTDIR, SYSCONFDIR honoured
# V=1 shows full command lines; CC=... PKG_CONFIG=... for cross builds.

CC ?= cc
PKG_CONFIG ?= pkg-config
PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
SBINDIR ?= $(PREFIX)/sbin
SYSCONFDIR ?= $(if $(filter /usr,$(PREFIX)),/etc,$(PREFIX)/etc)
LOCALSTATEDIR ?= /var
UNITDIR ?= $(PREFIX)/lib/systemd/system
DESTDIR ?=

BUILD ?= build
PKGS := alsa libmpg123 libconfig libmodbus libsodium libcrypto

# Lazily evaluated so that `make deps` can run before pkg-config knows them.
PKG_CFLAGS = $(shell $(PKG_CONFIG) --cflags $(PKGS))
PKG_LIBS = $(shell $(PKG_CONFIG) --libs $(PKGS))
CMOCKA_LIBS = $(shell $(PKG_CONFIG) --libs cmocka)

OPT ?= -O2
CFLAGS ?= $(OPT) -g
WARN := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wno-unused-parameter -Wno-format-truncation
ALL_CFLAGS = -std=c11 -D_GNU_SOURCE $(WARN) $(CFLAGS) $(PKG_CFLAGS) -Isrc -MMD -MP
ALL_LDFLAGS = $(LDFLAGS)
LIBS = $(PKG_LIBS) -lm

ifeq ($(SAN),1)
BUILD := build/san
CFLAGS := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all
LDFLAGS += -fsanitize=address,undefined
endif

ifeq ($(V),1)
Q :=
else
Q := @
endif

MAINS := loaxad loaxactl
LIB_SRC := $(filter-out $(addprefix src/,$(addsuffix .c,$(MAINS))),$(wildcard src/*.c))
LIB_OBJ := $(LIB_SRC:src/%.c=$(BUILD)/obj/%.o)
TEST_SRC := $(wildcard tests/unit/test_*.c)
TEST_BIN := $(TEST_SRC:tests/unit/%.c=$(BUILD)/tests/%)
BENCH_SRC := $(wildcard bench/bench_*.c)
BENCH_BIN := $(BENCH_SRC:bench/%.c=$(BUILD)/bench/%)
BINS := $(MAINS:%=$(BUILD)/%)

.PHONY: all deps test check unit it san valgrind bench demo install uninstall clean check-layering
.SECONDARY:
all: $(BINS)

deps:
	$(Q)tests/deps.sh

$(BUILD)/obj/%.o: src/%.c
	@mkdir -p $(@D)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(BUILD)/libloaxa.a: $(LIB_OBJ)
	@$(if $(Q),echo "  AR      $@")
	$(Q)rm -f $@ && $(AR) rcs $@ $^

$(BUILD)/%: $(BUILD)/obj/%.o $(BUILD)/libloaxa.a
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBS)

$(BUILD)/tests/obj/%.o: tests/unit/%.c
	@mkdir -p $(@D)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(ALL_CFLAGS) -Itests/unit -c -o $@ $<

$(BUILD)/tests/%: $(BUILD)/tests/obj/%.o $(BUILD)/libloaxa.a
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBS) $(CMOCKA_LIBS)

$(BUILD)/bench/obj/%.o: bench/%.c
	@mkdir -p $(@D)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(BUILD)/bench/%: $(BUILD)/bench/obj/%.o $(BUILD)/libloaxa.a
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBS)

# The pure core must not touch hardware libraries or the clock.
CORE := civil schedule validate record asrun engine report sequence minisign kv
check-layering:
	$(Q)tests/check-layering.sh $(CORE)

unit: $(BINS) $(TEST_BIN)
	$(Q)BUILD=$(BUILD) tests/run.sh unit

it: $(BINS) $(TEST_BIN)
	$(Q)BUILD=$(BUILD) tests/run.sh it

# The whole suite: normal build, ASan+UBSan build, valgrind (tests/all.sh).
test: deps
	$(Q)$(MAKE) --no-print-directory check-layering
	$(Q)$(MAKE) --no-print-directory $(BINS) $(TEST_BIN)
	$(Q)$(MAKE) --no-print-directory SAN=1 $(addprefix build/san/,$(MAINS)) $(addprefix build/san/tests/,$(notdir $(TEST_BIN)))
	$(Q)tests/all.sh

# The normal build's tests only: the quick loop while working.
check: $(BINS) $(TEST_BIN)
	$(Q)$(MAKE) --no-print-directory check-layering
	$(Q)BUILD=$(BUILD) tests/run.sh all

san:
	$(Q)$(MAKE) --no-print-directory SAN=1 $(addprefix build/san/,$(MAINS)) $(addprefix build/san/tests/,$(notdir $(TEST_BIN)))
	$(Q)BUILD=build/san ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 tests/run.sh all

valgrind: $(BINS) $(TEST_BIN)
	$(Q)BUILD=$(BUILD) VALGRIND=1 tests/run.sh unit

bench: deps
	$(Q)$(MAKE) --no-print-directory $(BINS) $(BENCH_BIN)
	$(Q)BUILD=$(BUILD) bench/run.sh

demo: deps
	$(Q)$(MAKE) --no-print-directory $(BINS)
	$(Q)tests/demo.sh

install: $(BINS)
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(BINDIR) $(DESTDIR)$(SYSCONFDIR)/loaxa \
		$(DESTDIR)$(UNITDIR) $(DESTDIR)$(SYSUSERSDIR) $(DESTDIR)$(TMPFILESDIR) \
		$(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man8 \
		$(DESTDIR)$(DOCDIR)/examples $(DESTDIR)$(LOCALSTATEDIR)/lib/loaxa/library
	install -m 0755 $(BUILD)/loaxad $(DESTDIR)$(SBINDIR)/loaxad
	install -m 0755 $(BUILD)/loaxactl $(DESTDIR)$(BINDIR)/loaxactl
	sed -e 's|@SBINDIR@|$(SBINDIR)|g' -e 's|@SYSCONFDIR@|$(SYSCONFDIR)|g' \
		systemd/loaxad.service.in > $(DESTDIR)$(UNITDIR)/loaxad.service
	chmod 0644 $(DESTDIR)$(UNITDIR)/loaxad.service
	install -m 0644 systemd/loaxa.sysusers.conf $(DESTDIR)$(SYSUSERSDIR)/loaxa.conf
	install -m 0644 systemd/loaxa.tmpfiles.conf $(DESTDIR)$(TMPFILESDIR)/loaxa.conf
	install -m 0644 docs/man/loaxactl.1 $(DESTDIR)$(MANDIR)/man1/loaxactl.1
	install -m 0644 docs/man/loaxa.conf.5 docs/man/loaxa-schedule.5 $(DESTDIR)$(MANDIR)/man5/
	install -m 0644 docs/man/loaxad.8 $(DESTDIR)$(MANDIR)/man8/loaxad.8
	sed -e 's|@LOCALSTATEDIR@|$(LOCALSTATEDIR)|g' config/loaxa.conf.in \
		> $(DESTDIR)$(DOCDIR)/examples/loaxa.conf
	install -m 0644 config/schedule.conf $(DESTDIR)$(DOCDIR)/examples/schedule.conf
	chmod 0644 $(DESTDIR)$(DOCDIR)/examples/loaxa.conf
	@# The station file is the technician's: never overwritten once there.
	[ -e $(DESTDIR)$(SYSCONFDIR)/loaxa/loaxa.conf ] || \
		install -m 0644 $(DESTDIR)$(DOCDIR)/examples/loaxa.conf $(DESTDIR)$(SYSCONFDIR)/loaxa/loaxa.conf

# Leaves the station file and /var/lib/loaxa (library, journal): they are data.
uninstall:
	rm -f $(DESTDIR)$(SBINDIR)/loaxad $(DESTDIR)$(BINDIR)/loaxactl \
		$(DESTDIR)$(UNITDIR)/loaxad.service $(DESTDIR)$(SYSUSERSDIR)/loaxa.conf \
		$(DESTDIR)$(TMPFILESDIR)/loaxa.conf $(DESTDIR)$(MANDIR)/man1/loaxactl.1 \
		$(DESTDIR)$(MANDIR)/man5/loaxa.conf.5 $(DESTDIR)$(MANDIR)/man5/loaxa-schedule.5 \
		$(DESTDIR)$(MANDIR)/man8/loaxad.8 $(DESTDIR)$(DOCDIR)/examples/loaxa.conf \
		$(DESTDIR)$(DOCDIR)/examples/schedule.conf
	rmdir $(DESTDIR)$(DOCDIR)/examples $(DESTDIR)$(DOCDIR) 2>/dev/null || true
	rmdir $(DESTDIR)$(LOCALSTATEDIR)/lib/loaxa/library 2>/dev/null || true

clean:
	rm -rf build

-include $(wildcard $(BUILD)/obj/*.d $(BUILD)/tests/obj/*.d $(BUILD)/bench/obj/*.d)

# ---- Production install, Debian package, arm64 (issue 8; docs/CROSS.md) ----
#   make man-check     man pages: groff -ww and man --warnings print nothing
#   make deb           Debian package into build/deb/ (dpkg-buildpackage)
#   make deb-check     piuparts: install, remove, purge that package (root)
#   make systemd-boot-check  that package under a real systemd (root)
#   make deps-arm64    multiarch cross toolchain, :arm64 libraries, qemu-user
#   make cross-arm64   loaxad, loaxactl and the unit tests for arm64
#   make test-arm64    ... and run the unit tests under qemu-user
#   make deb-arm64     the Debian package for the board
MANDIR ?= $(PREFIX)/share/man
DOCDIR ?= $(PREFIX)/share/doc/loaxa
SYSUSERSDIR ?= $(PREFIX)/lib/sysusers.d
TMPFILESDIR ?= $(PREFIX)/lib/tmpfiles.d
MANPAGES := docs/man/loaxactl.1 docs/man/loaxa.conf.5 docs/man/loaxa-schedule.5 docs/man/loaxad.8
ARM64 := aarch64-linux-gnu
ARM64_BUILD := build/arm64
ARM64_PKGS := crossbuild-essential-arm64 qemu-user-static libc6:arm64 libasound2-dev:arm64 \
	libmpg123-dev:arm64 libconfig-dev:arm64 libmodbus-dev:arm64 libcmocka-dev:arm64 libsodium-dev:arm64 libssl-dev:arm64
QEMU_ARM64 ?= $(firstword $(shell command -v qemu-aarch64-static qemu-aarch64 2>/dev/null) qemu-aarch64-static)
DEB_DIR := build/deb

.PHONY: man-check deb deb-arm64 deb-check systemd-boot-check deps-arm64 cross-arm64 test-arm64

man-check:
	$(Q)out=$$(for m in $(MANPAGES); do groff -ww -z -man $$m 2>&1; \
		LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -E UTF-8 -l -Tutf8 -Z $$m 2>&1 >/dev/null; done); \
	if [ -n "$$out" ]; then echo "$$out"; exit 1; fi; echo "man pages: no warnings"

deps-arm64:
	$(Q)missing=""; for p in $(ARM64_PKGS); do \
		dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
		echo "loaxa: installing$$missing"; \
		dpkg --print-foreign-architectures | grep -qx arm64 || dpkg --add-architecture arm64; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	fi

cross-arm64:
	$(Q)$(MAKE) --no-print-directory CC=$(ARM64)-gcc PKG_CONFIG=$(ARM64)-pkg-config BUILD=$(ARM64_BUILD) \
		$(ARM64_BUILD)/loaxad $(ARM64_BUILD)/loaxactl $(TEST_SRC:tests/unit/%.c=$(ARM64_BUILD)/tests/%)

# tests/run.sh runs the binaries directly, which needs binfmt_misc; qemu is
# called explicitly here so that it works in containers without it.
test-arm64: cross-arm64
	$(Q)pass=0; fail=0; for t in $(TEST_SRC:tests/unit/%.c=$(ARM64_BUILD)/tests/%); do \
		out=$$(cd tests && CMOCKA_MESSAGE_OUTPUT=stdout $(QEMU_ARM64) -L /usr/$(ARM64) ../$$t 2>&1); rc=$$?; \
		ok=$$(printf '%s\n' "$$out" | sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' | tail -1); \
		bad=$$(printf '%s\n' "$$out" | sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' | tail -1); \
		ok=$${ok:-0}; bad=$${bad:-0}; [ $$rc -ne 0 ] && [ $$bad -eq 0 ] && bad=1; \
		pass=$$((pass + ok)); fail=$$((fail + bad)); \
		if [ $$rc -eq 0 ]; then echo "ok   $$(basename $$t) ($$ok, arm64)"; \
		else printf '%s\n' "$$out"; echo "FAIL $$(basename $$t) (exit $$rc, arm64)"; fi; \
	done; echo "$$pass passed, $$fail failed"; [ $$fail -eq 0 ]

# Built from a copy of the tree, so that debian/'s build products and the
# .deb files stay under build/.
deb:
	$(Q)$(call deb_build,,)

# Cross-built packages skip the unit tests: run them with `make test-arm64`.
deb-arm64:
	$(Q)$(call deb_build,-aarm64 -Pnocheck,CC=$(ARM64)-gcc DEB_BUILD_OPTIONS=nocheck)

define deb_build
rm -rf $(DEB_DIR)/src && mkdir -p $(DEB_DIR)/src && \
tar -cf - --exclude=./build --exclude=./.git --exclude=./var . | tar -xf - -C $(DEB_DIR)/src && \
cd $(DEB_DIR)/src && $(2) dpkg-buildpackage -b -us -uc $(1) >../build.log 2>&1 || \
	{ tail -40 ../build.log; echo "dpkg-buildpackage failed: see $(DEB_DIR)/build.log"; exit 1; }; \
ls -1 $(CURDIR)/$(DEB_DIR)/*.deb
endef

# piuparts: install, remove and purge in a fresh Debian 12 chroot (root,
# about a minute), with the checks in tests/piuparts/. The ignored folders
# are systemd's own (pulled in for systemd-sysusers), not loaxa's.
PIUPARTS_IGNORE := /root/.ssh/ /var/cache/private/ /var/lib/private/ /var/log/private/ \
	/var/lib/systemd/coredump/ /var/lib/systemd/pstore/
# The package under a real systemd, in a throw-away container of this very
# machine (systemd-nspawn, package systemd-container; root; about a minute).
systemd-boot-check:
	$(Q)tests/systemd-boot.sh $(DEB_DIR)/loaxa_*_$$(dpkg --print-architecture).deb

deb-check:
	$(Q)piuparts -d bookworm --no-adequate --scriptsdir=$(CURDIR)/tests/piuparts \
		$(addprefix --ignore=,$(PIUPARTS_IGNORE)) \
		$(DEB_DIR)/loaxa_*_$$(dpkg --print-architecture).deb >$(DEB_DIR)/piuparts.log 2>&1; \
	rc=$$?; grep -E '^ *loaxa: |FAIL|PASS' $(DEB_DIR)/piuparts.log; \
	[ $$rc -eq 0 ] && echo "piuparts: ok" || { echo "piuparts failed: see $(DEB_DIR)/piuparts.log"; exit 1; }

# ---- Reports (issue 6; docs/REPORTS.md) ----
#   make report-screenshot   render the report and roll-up pages of the
#                            report tests in headless Chromium, into
#                            build/report-screenshot/*.png (look at them)
REPORT_SHOTS := $(BUILD)/report-screenshot
CHROMIUM ?= $(firstword $(shell command -v chromium chromium-browser google-chrome 2>/dev/null) chromium)

.PHONY: report-screenshot
report-screenshot: $(BUILD)/loaxactl
	$(Q)command -v $(CHROMIUM) >/dev/null || { echo "report-screenshot: needs chromium (apt-get install chromium)"; exit 1; }
	$(Q)rm -rf $(REPORT_SHOTS) && mkdir -p $(REPORT_SHOTS)
	$(Q)LOAXA_BUILD=$(CURDIR)/$(BUILD) LOAXA_REPORT_KEEP=$(CURDIR)/$(REPORT_SHOTS) bash tests/it/report.sh >$(REPORT_SHOTS)/tests.log || \
		{ grep -v '^ok' $(REPORT_SHOTS)/tests.log; exit 1; }
	$(Q)for p in report rollup; do \
		$(CHROMIUM) --headless --no-sandbox --disable-gpu --no-first-run --disable-background-networking \
			--hide-scrollbars --screenshot=$(CURDIR)/$(REPORT_SHOTS)/$$p.png --window-size=1200,1600 \
			file://$(CURDIR)/$(REPORT_SHOTS)/$$p.html >/dev/null 2>&1 && \
		[ -s $(REPORT_SHOTS)/$$p.png ] || { echo "report-screenshot: chromium made no $$p.png"; exit 1; }; \
		echo "$(REPORT_SHOTS)/$$p.png  (from $$p.html)"; \
	done

# ---- Fuzzing with libFuzzer (issue 12; docs/THREATS.md, docs/BENCHMARKS.md) ----
#   make fuzz          each harness in fuzz/ for FUZZ_SECONDS (default 60),
#                      one after the other, niced; FUZZ_RUNS=N runs each for
#                      N executions instead (FUZZ_MAX_SECONDS=S: but at most
#                      S seconds); FUZZ=record runs one. Prints
#                      executions, executions per second, and any crash,
#                      leak or sanitizer report (which fails it).
#   make fuzz-build    the harnesses only (build/fuzz/fuzz_*; clang)
# tests/it/fuzz.sh runs a short pass of each in the suite. Seed corpora are
# fuzz/corpus/NAME; what a run finds goes to build/fuzz/corpus/NAME.
FUZZ_CC ?= clang
FUZZ_SECONDS ?= 60
FUZZ_RUNS ?=
FUZZ_MAX_SECONDS ?= 0
FUZZ_BUILD := build/fuzz
FUZZ_NAMES := $(patsubst fuzz/fuzz_%.c,%,$(wildcard fuzz/fuzz_*.c))
FUZZ ?= $(FUZZ_NAMES)
FUZZ_CFLAGS = -std=c11 -D_GNU_SOURCE $(filter-out -Wno-format-truncation,$(WARN)) -O1 -g -fno-omit-frame-pointer \
	-fsanitize=address,undefined -fno-sanitize-recover=all $(PKG_CFLAGS) -Isrc -MMD -MP
# Each harness links only the modules it reaches (a quicker build for the suite).
FUZZ_MODS_record := record civil util kv
FUZZ_MODS_minisign := minisign util kv
FUZZ_MODS_bundle := config civil minisign modbus_status model util kv
FUZZ_MODS_schedule := config civil minisign modbus_status model validate schedule util kv
FUZZ_MODS_modbus := modbus_status util kv
FUZZ_MODS_control := kv util

.PHONY: fuzz fuzz-build
$(FUZZ_BUILD)/obj/%.o: src/%.c
	@mkdir -p $(@D)
	@$(if $(Q),echo "  CLANG   $<")
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c -o $@ $<

define fuzz_rule
$(FUZZ_BUILD)/fuzz_$(1): fuzz/fuzz_$(1).c $(addprefix $(FUZZ_BUILD)/obj/,$(addsuffix .o,$(FUZZ_MODS_$(1))))
	@mkdir -p $$(@D)
	@$$(if $$(Q),echo "  FUZZER  $$@")
	$$(Q)$$(FUZZ_CC) $$(FUZZ_CFLAGS) -fsanitize=fuzzer -o $$@ $$^ $$(LIBS)
endef
$(foreach f,$(FUZZ_NAMES),$(eval $(call fuzz_rule,$(f))))

fuzz-build: $(FUZZ_NAMES:%=$(FUZZ_BUILD)/fuzz_%)

fuzz: fuzz-build
	$(Q)fail=0; for f in $(FUZZ); do \
		nice tests/fuzz-run.sh $(FUZZ_BUILD)/fuzz_$$f fuzz/corpus/$$f $(FUZZ_BUILD)/corpus/$$f \
			$(if $(FUZZ_RUNS),$(FUZZ_MAX_SECONDS),$(FUZZ_SECONDS)) $(FUZZ_RUNS) || fail=1; \
	done; exit $$fail

-include $(wildcard $(FUZZ_BUILD)/obj/*.d)
