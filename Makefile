# loaxa — GNU make, pkg-config, objects under build/. See README.md.
#   make            build loaxad and loaxactl
#   make test       unit tests (cmocka) and integration tests
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
LOCALSTATEDIR ?= $(if $(filter /usr,$(PREFIX)),/var,$(PREFIX)/var)
UNITDIR ?= $(PREFIX)/lib/systemd/system
DESTDIR ?=

BUILD ?= build
PKGS := alsa libmpg123 libconfig libmodbus libsodium

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

.PHONY: all deps test unit it san valgrind bench demo install uninstall clean check-layering
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
CORE := civil schedule validate record asrun engine report
check-layering:
	$(Q)tests/check-layering.sh $(CORE)

unit: $(BINS) $(TEST_BIN)
	$(Q)BUILD=$(BUILD) tests/run.sh unit

it: $(BINS) $(TEST_BIN)
	$(Q)BUILD=$(BUILD) tests/run.sh it

test: deps
	$(Q)$(MAKE) --no-print-directory check-layering
	$(Q)$(MAKE) --no-print-directory $(BINS) $(TEST_BIN)
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
		$(DESTDIR)$(UNITDIR)
	install -m 0755 $(BUILD)/loaxad $(DESTDIR)$(SBINDIR)/loaxad
	install -m 0755 $(BUILD)/loaxactl $(DESTDIR)$(BINDIR)/loaxactl
	[ -e $(DESTDIR)$(SYSCONFDIR)/loaxa/loaxa.conf ] || \
		sed -e 's|@LOCALSTATEDIR@|$(LOCALSTATEDIR)|g' config/loaxa.conf.in \
		> $(DESTDIR)$(SYSCONFDIR)/loaxa/loaxa.conf
	[ -e $(DESTDIR)$(SYSCONFDIR)/loaxa/schedule.conf ] || \
		install -m 0644 config/schedule.conf $(DESTDIR)$(SYSCONFDIR)/loaxa/schedule.conf
	sed -e 's|@SBINDIR@|$(SBINDIR)|g' -e 's|@SYSCONFDIR@|$(SYSCONFDIR)|g' \
		systemd/loaxad.service.in > $(DESTDIR)$(UNITDIR)/loaxad.service

uninstall:
	rm -f $(DESTDIR)$(SBINDIR)/loaxad $(DESTDIR)$(BINDIR)/loaxactl $(DESTDIR)$(UNITDIR)/loaxad.service

clean:
	rm -rf build

-include $(wildcard $(BUILD)/obj/*.d $(BUILD)/tests/obj/*.d $(BUILD)/bench/obj/*.d)
