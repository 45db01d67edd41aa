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
PLUGINDIR ?= $(PREFIX)/lib/loaxa
DESTDIR ?=

BUILD ?= build
PKGS := alsa libmpg123 libconfig libmodbus libsodium
# OpenSSL only where it pays: loaxactl's SHA-256 back end (issue 18).
OPENSSL_PKG := libcrypto

# Lazily evaluated so that `make deps` can run before pkg-config knows them.
PKG_CFLAGS = $(shell $(PKG_CONFIG) --cflags $(PKGS) $(OPENSSL_PKG))
PKG_LIBS = $(shell $(PKG_CONFIG) --libs $(PKGS))
OPENSSL_LIBS = $(shell $(PKG_CONFIG) --libs $(OPENSSL_PKG))
CMOCKA_LIBS = $(shell $(PKG_CONFIG) --libs cmocka)

OPT ?= -O2
CFLAGS ?= $(OPT) -g -D_FORTIFY_SOURCE=2
WARN := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wno-unused-parameter -Wno-format-truncation
# Each function and object in its own section, and the linker drops those
# nothing calls: loaxad's code 41 KB smaller, 56 KiB less resident (issue 18).
SECTIONS := -ffunction-sections -fdata-sections
ALL_CFLAGS = -std=c11 -D_GNU_SOURCE -D_TIME_BITS=64 -D_FILE_OFFSET_BITS=64 $(WARN) $(CFLAGS) $(SECTIONS) $(PKG_CFLAGS) -Isrc -MMD -MP
ALL_LDFLAGS = $(LDFLAGS) -Wl,--gc-sections
LIBS = $(PKG_LIBS) -lm -pthread

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
# loaxa-web (issue 17; docs/WEB.md): the web page; only it uses libmicrohttpd,
# and loads it (dlopen) only while someone is connected.
MAINS += loaxa-web
# Only the libraries it calls: every one mapped costs resident memory.
$(BUILD)/loaxa-web: ALL_LDFLAGS += -Wl,--as-needed
$(BUILD)/obj/loaxa-web.o: ALL_CFLAGS += $(shell $(PKG_CONFIG) --cflags libmicrohttpd) -DLOAXA_BINDIR='"$(BINDIR)"'
# loaxa-fetch (issue 14; docs/FLEET.md): fetches a bundle's audio; only it
# uses libcurl (loaxad never maps it), and loads it (dlopen) only to
# download: its header here, Debian's libcurl4 at run time.
MAINS += loaxa-fetch
CURL_PKG := libcurl
$(BUILD)/loaxa-fetch: LIBS += $(OPENSSL_LIBS)
$(BUILD)/loaxa-fetch: ALL_LDFLAGS += -Wl,--as-needed
$(BUILD)/obj/loaxa-fetch.o: ALL_CFLAGS += $(shell $(PKG_CONFIG) --cflags $(CURL_PKG))
# The libraries loaded with dlopen, by the soname the linker would have
# recorded: read from the development library this build compiles against
# (PKG LIB), so a new soname is followed; the known one if it cannot be read.
soname = $(or $(shell readelf -d "$$($(PKG_CONFIG) --variable=libdir $(1) 2>/dev/null)/$(2).so" 2>/dev/null | \
	sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p'),$(3))
$(BUILD)/obj/loaxa-fetch.o: ALL_CFLAGS += -DCURL_SONAME='"$(call soname,$(CURL_PKG),libcurl,libcurl.so.4)"'
$(BUILD)/obj/loaxa-web.o: ALL_CFLAGS += -DMHD_SONAME='"$(call soname,libmicrohttpd,libmicrohttpd,libmicrohttpd.so.12)"'
$(BUILD)/obj/modbus_dl.o: ALL_CFLAGS += -DLIBMODBUS_SONAME='"$(call soname,libmodbus,libmodbus,libmodbus.so.5)"'
$(BUILD)/obj/sodium_dl.o: ALL_CFLAGS += -DSODIUM_SONAME='"$(call soname,libsodium,libsodium,libsodium.so.23)"'
# The MQTT session (libmosquitto and so OpenSSL): loaxad loads it as a
# plugin only when its station file has a fleet section (src/fleet_dl.c).
FLEET_LINK_SRC := src/fleet.c src/mqttlink.c
# Other programs' mains (issue 13: loaxa-collector), kept out of the library;
# sha256_openssl is linked by name into the programs that choose it (sha256.h).
EXTRA_MAIN_SRC := src/collector.c $(FLEET_LINK_SRC) src/fleet_dl.c src/loaxa-publish.c src/sodium_dl.c src/modbus_dl.c src/gettext_own.c
LIB_SRC := $(filter-out $(addprefix src/,$(addsuffix .c,$(MAINS) sha256_openssl)) $(EXTRA_MAIN_SRC),$(wildcard src/*.c))
LIB_OBJ := $(LIB_SRC:src/%.c=$(BUILD)/obj/%.o)
TEST_SRC := $(wildcard tests/unit/test_*.c)
TEST_BIN := $(TEST_SRC:tests/unit/%.c=$(BUILD)/tests/%)
BENCH_SRC := $(wildcard bench/bench_*.c)
BENCH_BIN := $(BENCH_SRC:bench/%.c=$(BUILD)/bench/%)
BINS := $(MAINS:%=$(BUILD)/%)

.PHONY: all deps test check unit it san valgrind san-coverage bench demo install uninstall clean check-layering
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

# loaxactl hashes with OpenSSL: its back end before the library (sha256.h).
$(BUILD)/loaxactl: $(BUILD)/obj/loaxactl.o $(BUILD)/obj/sha256_openssl.o $(BUILD)/libloaxa.a
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBS) $(OPENSSL_LIBS)

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

# The journal benchmarks hash as loaxactl does: with OpenSSL (issue 18).
$(BUILD)/bench/bench_journal $(BUILD)/bench/bench_rollup: $(BUILD)/bench/%: $(BUILD)/bench/obj/%.o \
		$(BUILD)/obj/sha256_openssl.o $(BUILD)/libloaxa.a
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBS) $(OPENSSL_LIBS)

# The pure core must not touch hardware libraries, files or the clock
# (issue 18): it builds into its own archive, linked into one relocatable
# object, and every symbol it still needs must be on tests/core-allow.txt.
CORE := civil schedule validate record asrun engine report sequence minisign kv ctlreq model airmeter monview fleetproto suggest replay broadcast
CORE_OBJ := $(CORE:%=$(BUILD)/obj/%.o)
$(BUILD)/libloaxa-core.a: $(CORE_OBJ)
	@$(if $(Q),echo "  AR      $@")
	$(Q)rm -f $@ && $(AR) rcs $@ $^

check-layering: $(BUILD)/libloaxa-core.a
	$(Q)tests/check-layering.sh $(BUILD)/libloaxa-core.a

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

# What each integration script reaches beyond the unit tests and the other
# scripts (gcov, build/cov): the grounds of the ASan pass's SAN_SKIP list.
san-coverage:
	$(Q)tests/san-coverage.sh

bench: deps
	$(Q)$(MAKE) --no-print-directory $(BINS) $(BENCH_BIN)
	$(Q)BUILD=$(BUILD) bench/run.sh

demo: deps
	$(Q)$(MAKE) --no-print-directory $(BINS)
	$(Q)tests/demo.sh

USER_DOCS := $(wildcard docs/*.md)
# Messages name the installed documentation (see PUSH.md in DOCDIR).
$(BUILD)/obj/bundle.o $(BUILD)/obj/spool.o $(BUILD)/obj/loaxa-web.o: ALL_CFLAGS += -DLOAXA_DOCDIR='"$(DOCDIR)"'

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
	@# What messages and .why files refer to (issue 14): the user documentation.
	install -m 0644 $(USER_DOCS) $(DESTDIR)$(DOCDIR)/
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
	rm -f $(addprefix $(DESTDIR)$(DOCDIR)/,$(notdir $(USER_DOCS)))
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
MANPAGES := docs/man/loaxactl.1 docs/man/loaxa.conf.5 docs/man/loaxa-schedule.5 docs/man/loaxad.8 \
	docs/man/loaxa-web.8
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
	$(Q)tests/qemu-unit.sh arm64 $(QEMU_ARM64) /usr/$(ARM64)

# armhf (32-bit boards) from a sysroot of Debian's armhf packages unpacked
# under build/: Debian's armhf mirror can lag the amd64 one by a security
# update, and multiarch refuses -dev packages of unequal versions, so
# installing them beside the host's ones is not reliable. 64-bit time_t and
# file offsets (_TIME_BITS=64) keep the daemon right past 2038 there.
ARMHF := arm-linux-gnueabihf
ARMHF_BUILD := build/armhf
ARMHF_SYSROOT := build/sysroot-armhf
ARMHF_DEBS := libasound2-dev libasound2 libmpg123-dev libmpg123-0 libout123-0 libsyn123-0 \
	libconfig-dev libconfig9 libmodbus-dev libmodbus5 libcmocka-dev libcmocka0 \
	libsodium-dev libsodium23 libssl-dev libssl3 libmosquitto-dev libmosquitto1
QEMU_ARMHF ?= $(firstword $(shell command -v qemu-arm-static qemu-arm 2>/dev/null) qemu-arm-static)
.PHONY: deps-armhf cross-armhf test-armhf

deps-armhf:
	$(Q)missing=""; for p in crossbuild-essential-armhf qemu-user-static; do \
		dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ] || ! dpkg --print-foreign-architectures | grep -qx armhf; then \
		echo "loaxa: installing$$missing and the armhf package lists"; \
		dpkg --print-foreign-architectures | grep -qx armhf || dpkg --add-architecture armhf; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	fi
	$(Q)if [ ! -f $(ARMHF_SYSROOT)/.done ] || [ "$$(cat $(ARMHF_SYSROOT)/.done)" != "$(ARMHF_DEBS)" ]; then \
		rm -rf $(ARMHF_SYSROOT) && mkdir -p $(ARMHF_SYSROOT)/debs && \
		(cd $(ARMHF_SYSROOT)/debs && apt-get download -qq $(addsuffix :armhf,$(ARMHF_DEBS)) 2>&1 | grep -v '^W: Download is performed unsandboxed') ; \
		for d in $(ARMHF_SYSROOT)/debs/*.deb; do dpkg -x $$d $(ARMHF_SYSROOT) || exit 1; done && \
		echo "$(ARMHF_DEBS)" >$(ARMHF_SYSROOT)/.done && echo "loaxa: armhf sysroot in $(ARMHF_SYSROOT)"; \
	fi

cross-armhf:
	$(Q)$(MAKE) --no-print-directory CC=$(ARMHF)-gcc BUILD=$(ARMHF_BUILD) \
		PKG_CONFIG="$(CURDIR)/tests/cross-pkg-config $(CURDIR)/$(ARMHF_SYSROOT) $(ARMHF)" \
		CFLAGS="$(OPT) -g -I$(CURDIR)/$(ARMHF_SYSROOT)/usr/include/$(ARMHF)" \
		LDFLAGS="-Wl,-rpath-link=$(CURDIR)/$(ARMHF_SYSROOT)/usr/lib/$(ARMHF)" \
		$(ARMHF_BUILD)/loaxad $(ARMHF_BUILD)/loaxactl $(TEST_SRC:tests/unit/%.c=$(ARMHF_BUILD)/tests/%)

test-armhf: cross-armhf
	$(Q)tests/qemu-unit.sh armhf $(QEMU_ARMHF) /usr/$(ARMHF) $(CURDIR)/$(ARMHF_SYSROOT)/usr/lib/$(ARMHF)

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

# ---- Web page (issue 17; docs/WEB.md) ----
#   make web-screenshots   each page of loaxa-web in headless Chromium, from
#                          the browser test, into build/web-screenshots/*.png
WEB_SHOTS := $(BUILD)/web-screenshots

.PHONY: web-screenshots
web-screenshots: $(BUILD)/loaxa-web $(BUILD)/loaxad $(BUILD)/loaxactl
	$(Q)rm -rf $(WEB_SHOTS) && mkdir -p $(WEB_SHOTS)
	$(Q)LOAXA_BUILD=$(CURDIR)/$(BUILD) LOAXA_WEB_SHOTS=$(CURDIR)/$(WEB_SHOTS) bash tests/it/web_browser.sh \
		>$(WEB_SHOTS)/tests.log 2>&1 || { grep -v '^ok' $(WEB_SHOTS)/tests.log; exit 1; }
	$(Q)ls -1 $(WEB_SHOTS)/*.png

# make install also installs loaxa-web, its unit and its system user.
.PHONY: install-web uninstall-web
install: install-web
uninstall: uninstall-web
install-web: $(BUILD)/loaxa-web
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(UNITDIR) $(DESTDIR)$(SYSUSERSDIR)
	install -m 0755 $(BUILD)/loaxa-web $(DESTDIR)$(SBINDIR)/loaxa-web
	sed -e 's|@SBINDIR@|$(SBINDIR)|g' -e 's|@SYSCONFDIR@|$(SYSCONFDIR)|g' \
		systemd/loaxa-web.service.in > $(DESTDIR)$(UNITDIR)/loaxa-web.service
	chmod 0644 $(DESTDIR)$(UNITDIR)/loaxa-web.service
	install -m 0644 systemd/loaxa-web.sysusers.conf $(DESTDIR)$(SYSUSERSDIR)/loaxa-web.conf
	install -d $(DESTDIR)$(MANDIR)/man8
	install -m 0644 docs/man/loaxa-web.8 $(DESTDIR)$(MANDIR)/man8/loaxa-web.8
uninstall-web:
	rm -f $(DESTDIR)$(SBINDIR)/loaxa-web $(DESTDIR)$(UNITDIR)/loaxa-web.service \
		$(DESTDIR)$(SYSUSERSDIR)/loaxa-web.conf $(DESTDIR)$(MANDIR)/man8/loaxa-web.8
# ---- Fleet link over MQTT (issue 13; docs/FLEET.md) ----
#   build/loaxa-collector   the district's collector daemon
# libmosquitto is linked only into the programs that use it.
MOSQ_LIBS = $(shell $(PKG_CONFIG) --libs libmosquitto libssl libcrypto)

MANPAGES += docs/man/loaxa-collector.8
ARM64_PKGS += libmosquitto-dev:arm64
MAINS += loaxa-collector
BINS += $(BUILD)/loaxa-collector
all check unit it valgrind: $(BUILD)/loaxa-collector
FLEET_LINK_OBJ := $(FLEET_LINK_SRC:src/%.c=$(BUILD)/obj/%.o)
$(BUILD)/loaxa-collector $(BUILD)/tests/test_fleet $(BUILD)/tests/test_fleet_config $(BUILD)/bench/bench_fleet: LIBS += $(MOSQ_LIBS)
$(BUILD)/loaxa-collector: $(BUILD)/obj/collector.o $(FLEET_LINK_OBJ) $(BUILD)/libloaxa.a
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBS)
$(BUILD)/tests/test_fleet $(BUILD)/tests/test_fleet_config: $(BUILD)/tests/%: $(BUILD)/tests/obj/%.o $(FLEET_LINK_OBJ) $(BUILD)/libloaxa.a
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBS) $(CMOCKA_LIBS)
$(BUILD)/bench/bench_fleet: $(BUILD)/bench/obj/bench_fleet.o $(FLEET_LINK_OBJ) $(BUILD)/libloaxa.a
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBS)

# loaxactl bundle publish hands the MQTT message to loaxa-publish, so that
# loaxactl itself (on every station) does not link libmosquitto.
MAINS += loaxa-publish
BINS += $(BUILD)/loaxa-publish
all check unit it valgrind: $(BUILD)/loaxa-publish
$(BUILD)/loaxa-publish: LIBS += $(MOSQ_LIBS)
$(BUILD)/loaxa-publish: $(BUILD)/obj/loaxa-publish.o $(BUILD)/obj/mqttlink.o $(BUILD)/libloaxa.a
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(ALL_LDFLAGS) -Wl,--as-needed -o $@ $^ $(LIBS)

# loaxad: the fleet link's shim, and the few functions of its own that the
# plugin may call (src/loaxad.dynlist); the plugin itself, position-
# independent, beside it.
# libsodium and libmodbus: loaded (sodium_dl.c, modbus_dl.c) when a
# signature is first checked or an amplifier first used, not linked: a
# station that does neither never maps them (issue 18).
LOAXAD_DL := libsodium libmodbus
LOAXAD_LIBS = $(shell $(PKG_CONFIG) --libs $(filter-out $(LOAXAD_DL),$(PKGS))) -lm -pthread
LOAXAD_OWN := loaxad fleet_dl sodium_dl modbus_dl gettext_own
$(BUILD)/loaxad: $(LOAXAD_OWN:%=$(BUILD)/obj/%.o) $(BUILD)/libloaxa.a src/loaxad.dynlist $(BUILD)/loaxa-fleet.so
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(ALL_LDFLAGS) -Wl,--dynamic-list=src/loaxad.dynlist -Wl,-Map=$@.map -o $@ $(filter %.o %.a,$^) $(LOAXAD_LIBS)
$(BUILD)/obj/fleet_dl.o $(BUILD)/obj/loaxad.o $(BUILD)/obj/bundle_cli.o: ALL_CFLAGS += -DLOAXA_PLUGINDIR='"$(PLUGINDIR)"'
FLEET_PLUGIN_OBJ := $(patsubst %,$(BUILD)/pic/%.o,fleet mqttlink fleetlog fleetproto)
$(BUILD)/pic/%.o: src/%.c
	@mkdir -p $(@D)
	@$(if $(Q),echo "  CC      $< (plugin)")
	$(Q)$(CC) $(ALL_CFLAGS) -fPIC -MF $(@:.o=.d) -c -o $@ $<
$(BUILD)/loaxa-fleet.so: $(FLEET_PLUGIN_OBJ)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(ALL_LDFLAGS) -shared -Wl,--as-needed -o $@ $^ $(MOSQ_LIBS)
-include $(wildcard $(BUILD)/pic/*.d)

.PHONY: install-fleet uninstall-fleet
install: install-fleet
install-fleet: $(BUILD)/loaxa-collector $(BUILD)/loaxa-fleet.so $(BUILD)/loaxa-fetch $(BUILD)/loaxa-publish
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(UNITDIR) $(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(DOCDIR)/examples/fleet \
		$(DESTDIR)$(PLUGINDIR)
	install -m 0644 $(BUILD)/loaxa-fleet.so $(DESTDIR)$(PLUGINDIR)/loaxa-fleet.so
	install -m 0755 $(BUILD)/loaxa-fetch $(DESTDIR)$(PLUGINDIR)/loaxa-fetch
	install -m 0755 $(BUILD)/loaxa-collector $(DESTDIR)$(SBINDIR)/loaxa-collector
	install -m 0755 $(BUILD)/loaxa-publish $(DESTDIR)$(PLUGINDIR)/loaxa-publish
	sed -e 's|@SBINDIR@|$(SBINDIR)|g' -e 's|@SYSCONFDIR@|$(SYSCONFDIR)|g' \
		systemd/loaxa-collector.service.in > $(DESTDIR)$(UNITDIR)/loaxa-collector.service
	chmod 0644 $(DESTDIR)$(UNITDIR)/loaxa-collector.service
	install -m 0644 docs/man/loaxa-collector.8 $(DESTDIR)$(MANDIR)/man8/loaxa-collector.8
	install -m 0644 config/fleet/* $(DESTDIR)$(DOCDIR)/examples/fleet/
uninstall: uninstall-fleet
uninstall-fleet:
	rm -f $(DESTDIR)$(PLUGINDIR)/loaxa-fleet.so $(DESTDIR)$(PLUGINDIR)/loaxa-fetch \
		$(DESTDIR)$(PLUGINDIR)/loaxa-publish
	rmdir $(DESTDIR)$(PLUGINDIR) 2>/dev/null || true
	rm -f $(DESTDIR)$(SBINDIR)/loaxa-collector $(DESTDIR)$(UNITDIR)/loaxa-collector.service \
		$(DESTDIR)$(MANDIR)/man8/loaxa-collector.8
	rm -rf $(DESTDIR)$(DOCDIR)/examples/fleet

# ---- Languages and command-line conventions (issue 16; po/, docs/CONFIG.md) ----
#   make po-update     regenerate po/loaxa.pot from the sources (xgettext)
#                      and merge it into every po/*.po (msgmerge)
#   make po-check      every message translated, none fuzzy, none missing
# The catalogues are built with the programs, into $(BUILD)/locale, where
# an uninstalled binary finds them (src/i18n.c).
VERSION := $(shell sed -n '1s/^[^(]*(\([^)]*\)).*/\1/p' debian/changelog)
LOCALEDIR ?= $(PREFIX)/share/locale
LINGUAS := vi
POTFILES := $(shell sed 's/#.*//' po/POTFILES)
MO := $(LINGUAS:%=$(BUILD)/locale/%/LC_MESSAGES/loaxa.mo)
ALL_CFLAGS += -DLOAXA_VERSION='"$(VERSION)"'
$(BUILD)/obj/i18n.o: ALL_CFLAGS += -DLOCALEDIR='"$(LOCALEDIR)"'
$(BINS) $(TEST_BIN): | $(MO)
all check: $(MO)

$(BUILD)/locale/%/LC_MESSAGES/loaxa.mo: po/%.po
	@mkdir -p $(@D)
	@$(if $(Q),echo "  MSGFMT  $<")
	$(Q)msgfmt --check -o $@ $<

# loaxad's own catalogue, text domain "loaxad" (issue 18): the messages of
# po/%.po whose sources are linked into loaxad (its link map), so that the
# daemon maps 56 KiB of messages it may say, not every program's 116.
# Generated, never edited: translators work in po/%.po only.
LOAXAD_MO := $(LINGUAS:%=$(BUILD)/locale/%/LC_MESSAGES/loaxad.mo)
$(TEST_BIN): | $(LOAXAD_MO)
all check unit it valgrind: $(LOAXAD_MO)
$(BUILD)/locale/%/LC_MESSAGES/loaxad.mo: po/%.po po/POTFILES $(BUILD)/loaxad
	@mkdir -p $(@D)
	@$(if $(Q),echo "  MSGFMT  $@")
	$(Q)linked=" $(LOAXAD_OWN) $$(grep -o 'libloaxa\.a([a-z0-9_]*\.o)' $(BUILD)/loaxad.map | sed 's/.*(\(.*\)\.o)/\1/' | tr '\n' ' ')"; \
	files=; for f in $(POTFILES); do \
		case "$$linked" in *" $$(basename $$f .c) "*) files="$$files -N $$f" ;; esac; \
	done; \
	msggrep $$files -o $@.po $< && msgfmt --check -o $@ $@.po && rm -f $@.po

# The Vietnamese man pages need preconv (groff -k) for their UTF-8 text.
VI_MANPAGES := docs/man/vi/loaxactl.1 docs/man/vi/loaxa.conf.5 docs/man/vi/loaxa-schedule.5
man-check: man-check-vi
man-check-vi:
	$(Q)out=$$(for m in $(VI_MANPAGES); do groff -k -Tutf8 -ww -z -man $$m 2>&1; \
		LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -E UTF-8 -l -Tutf8 -Z $$m 2>&1 >/dev/null; done); \
	if [ -n "$$out" ]; then echo "$$out"; exit 1; fi; echo "Vietnamese man pages: no warnings"

.PHONY: po-update po-check install-i18n uninstall-i18n man-check-vi
po-update:
	xgettext --from-code=UTF-8 --language=C --keyword=_ --keyword=N_ --keyword=ngettext:1,2 --keyword=errlist_add:2 --keyword=ERR:3 --keyword=L:1 --keyword=LG:1 \
		--keyword=reply_error:3 --keyword=control_message:4 --flag=reply_error:3:c-format --flag=control_message:4:c-format \
		--flag=errlist_add:2:c-format --flag=ERR:3:c-format --flag=L:1:pass-c-format --flag=LG:1:pass-c-format \
		--add-comments=TRANSLATORS: --package-name=loaxa --package-version=$(VERSION) \
		--msgid-bugs-address=maintainers@users.noreply.r-seed-b37130aa.example --sort-by-file -o po/loaxa.pot $(POTFILES)
	for l in $(LINGUAS); do msgmerge -q --update --backup=none --no-fuzzy-matching po/$$l.po po/loaxa.pot; done

po-check:
	$(Q)bash tests/it/i18n_po.sh

install: install-i18n
uninstall: uninstall-i18n
install-i18n: $(MO) $(LOAXAD_MO)
	for l in $(LINGUAS); do \
		install -d $(DESTDIR)$(LOCALEDIR)/$$l/LC_MESSAGES && \
		install -m 0644 $(BUILD)/locale/$$l/LC_MESSAGES/loaxa.mo $(BUILD)/locale/$$l/LC_MESSAGES/loaxad.mo \
			$(DESTDIR)$(LOCALEDIR)/$$l/LC_MESSAGES/; \
	done
	install -d $(DESTDIR)$(PREFIX)/share/bash-completion/completions \
		$(DESTDIR)$(MANDIR)/vi/man1 $(DESTDIR)$(MANDIR)/vi/man5
	install -m 0644 completion/loaxactl.bash $(DESTDIR)$(PREFIX)/share/bash-completion/completions/loaxactl
	install -m 0644 docs/man/vi/loaxactl.1 $(DESTDIR)$(MANDIR)/vi/man1/loaxactl.1
	install -m 0644 docs/man/vi/loaxa.conf.5 docs/man/vi/loaxa-schedule.5 $(DESTDIR)$(MANDIR)/vi/man5/
uninstall-i18n:
	rm -f $(LINGUAS:%=$(DESTDIR)$(LOCALEDIR)/%/LC_MESSAGES/loaxa.mo) \
		$(LINGUAS:%=$(DESTDIR)$(LOCALEDIR)/%/LC_MESSAGES/loaxad.mo) \
		$(DESTDIR)$(PREFIX)/share/bash-completion/completions/loaxactl \
		$(DESTDIR)$(MANDIR)/vi/man1/loaxactl.1 $(DESTDIR)$(MANDIR)/vi/man5/loaxa.conf.5 \
		$(DESTDIR)$(MANDIR)/vi/man5/loaxa-schedule.5
# ---- Fuzzing with libFuzzer (issue 12; docs/THREATS.md, docs/BENCHMARKS.md) ----
#   make fuzz          each harness in fuzz/ for FUZZ_RUNS executions
#                      (default 10 million, the goal of issue 12), one after
#                      the other, at nice 19 (FUZZ_MAX_SECONDS=S: but at most
#                      S seconds each); FUZZ_RUNS= FUZZ_SECONDS=S runs each
#                      for S seconds instead; FUZZ=record runs one. Prints
#                      executions, executions per second, and any crash,
#                      leak or sanitizer report (which fails it).
#   make fuzz-build    the harnesses only (build/fuzz/fuzz_*; clang)
# tests/it/fuzz.sh runs a short pass of each in the suite. Seed corpora are
# fuzz/corpus/NAME; what a run finds goes to build/fuzz/corpus/NAME.
FUZZ_CC ?= clang
FUZZ_SECONDS ?= 60
FUZZ_RUNS ?= 10000000
FUZZ_MAX_SECONDS ?= 0
FUZZ_BUILD := build/fuzz
FUZZ_NAMES := $(patsubst fuzz/fuzz_%.c,%,$(wildcard fuzz/fuzz_*.c))
FUZZ ?= $(FUZZ_NAMES)
FUZZ_CFLAGS = -std=c11 -D_GNU_SOURCE $(filter-out -Wno-format-truncation,$(WARN)) -O1 -g -fno-omit-frame-pointer \
	-fsanitize=address,undefined -fno-sanitize-recover=all $(PKG_CFLAGS) -Isrc -MMD -MP
# Each harness links only the modules it reaches (a quicker build for the suite);
# util.c and config.c hash with sha256_stream.c (issue 18).
FUZZ_MODS_record := record civil util kv sha256_portable sha256_stream
FUZZ_MODS_minisign := minisign util kv sha256_portable sha256_stream
FUZZ_MODS_bundle := config civil minisign modbus_status model suggest util kv i18n mo sha256_portable sha256_stream
FUZZ_MODS_schedule := config civil minisign modbus_status model validate schedule suggest util kv i18n mo sha256_portable sha256_stream
FUZZ_MODS_modbus := modbus_status util kv sha256_portable sha256_stream
FUZZ_MODS_control := kv util sha256_portable sha256_stream
FUZZ_MODS_request := ctlreq

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
		nice -n 19 tests/fuzz-run.sh $(FUZZ_BUILD)/fuzz_$$f fuzz/corpus/$$f $(FUZZ_BUILD)/corpus/$$f \
			$(if $(FUZZ_RUNS),$(FUZZ_MAX_SECONDS),$(FUZZ_SECONDS)) $(FUZZ_RUNS) || fail=1; \
	done; exit $$fail

-include $(wildcard $(FUZZ_BUILD)/obj/*.d)
