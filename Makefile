# diagsante — build, test, demo, bench, install.
# `make test` and `make demo` install missing Debian packages first (scripts/install-deps.sh).

VERSION   := 0.1.0
PREFIX    ?= /usr/local
DESTDIR   ?=
CC        ?= cc
BUILD     ?= build

PKGS      := gsl shapelib proj geos inih nettle xlsxwriter
WARN      := -Wall -Wextra -Wpedantic -Werror
CFLAGS    ?= -O2 -g
ALL_CFLAGS = -std=c11 -D_POSIX_C_SOURCE=200809L -pthread $(CFLAGS) $(WARN) $(EXTRA_CFLAGS) \
             -Iinclude -DDS_VERSION='"$(VERSION)"' -DDS_DATADIR='"$(PREFIX)/share/diagsante"' $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
LIBS       = $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lcsv -lm -pthread
TEST_LIBS  = $(shell pkg-config --libs cmocka 2>/dev/null)

# engine/main.c and engine/cli_*.c are the command-line tool; the rest is the library.
CLI_SRC   := engine/main.c $(wildcard engine/cli_*.c)
CLI_OBJ   := $(CLI_SRC:engine/%.c=$(BUILD)/engine/%.o)
LIB_SRC   := $(filter-out $(CLI_SRC),$(wildcard engine/*.c))
LIB_OBJ   := $(LIB_SRC:engine/%.c=$(BUILD)/engine/%.o)
TEST_SRC  := $(wildcard tests/test_*.c)
TEST_BIN  := $(TEST_SRC:tests/%.c=$(BUILD)/tests/%)
HEADERS   := $(wildcard include/diagsante/*.h)

.PHONY: all deps test test-run test-browser check-asan check-valgrind check-crash fuzz fuzz-build demo demo-occitanie bench install uninstall clean

all: $(BUILD)/libdiagsante.a $(BUILD)/diagsante

$(BUILD)/engine/%.o: engine/%.c $(HEADERS) engine/*.h
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Iengine -c $< -o $@

$(BUILD)/libdiagsante.a: $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/diagsante: $(CLI_OBJ) $(BUILD)/libdiagsante.a
	$(CC) $(ALL_CFLAGS) $(EXTRA_LDFLAGS) $^ -o $@ $(LIBS)

$(BUILD)/tests/%: tests/%.c tests/helpers.h $(BUILD)/libdiagsante.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Iengine $(EXTRA_LDFLAGS) $< $(BUILD)/libdiagsante.a -o $@ $(LIBS) $(TEST_LIBS)

# Installs the Debian packages when pkg-config or the libcsv header says one is missing.
deps:
	@if ! pkg-config --exists $(PKGS) cmocka 2>/dev/null || [ ! -f /usr/include/csv.h ]; then \
		sh scripts/install-deps.sh; \
	fi

test: deps
	@$(MAKE) --no-print-directory test-run

# Fuzz targets (tests/fuzz/fuzz_*.c): replayed on their seed and regression corpora by
# `make test` through tests/fuzz/replay.c (no clang needed), fuzzed by `make fuzz`.
FUZZ_TARGETS := csv codes shapefile config
REPLAY_BIN := $(FUZZ_TARGETS:%=$(BUILD)/tests/fuzz_replay_%)

$(BUILD)/tests/fuzz_replay_%: tests/fuzz/fuzz_%.c tests/fuzz/replay.c tests/fuzz/fuzz_common.h $(BUILD)/libdiagsante.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Iengine $(EXTRA_LDFLAGS) $< tests/fuzz/replay.c $(BUILD)/libdiagsante.a -o $@ $(LIBS)

test-run: all $(TEST_BIN) $(REPLAY_BIN)
	@sh tests/run-tests.sh $(BUILD)

# The demo portrait rendered in headless Chromium (tests/browser/run.sh): sections in the
# DOM, no console message, a non-blank screenshot, A4 pages. Installs Debian's chromium
# first (install-deps.sh --browser); skipped with a message when it is still absent.
test-browser: deps
	@sh scripts/install-deps.sh --browser || echo "test-browser: chromium could not be installed"
	@$(MAKE) --no-print-directory all
	@sh tests/browser/run.sh $(BUILD)

# The whole suite under AddressSanitizer + UndefinedBehaviorSanitizer, leaks fatal.
check-asan: deps
	@ASAN_OPTIONS=detect_leaks=1:halt_on_error=1:abort_on_error=0 \
	 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
	 $(MAKE) --no-print-directory BUILD=build-asan CFLAGS="-O1 -g" \
	   EXTRA_CFLAGS="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all" \
	   EXTRA_LDFLAGS="-fsanitize=address,undefined" test-run

# The unit tests, the end-to-end tests, the fuzz replays and the malformed corpus under
# valgrind memcheck (plain -O1 build in build-valgrind): any error or definite/indirect
# leak fails the run (exit 99 of the program). About 20 minutes: not in .ci/run.
VALGRIND = valgrind -q --error-exitcode=99 --leak-check=full \
           --errors-for-leak-kinds=definite,indirect --show-leak-kinds=definite,indirect \
           --num-callers=30
check-valgrind: deps
	@sh scripts/install-deps.sh --valgrind
	@DS_TEST_WRAPPER="$(VALGRIND)" $(MAKE) --no-print-directory BUILD=build-valgrind \
	   CFLAGS="-O1 -g" test-run

# Crash-safe outputs (tests/crash/run.sh): a batch of 4,610 portraits killed with
# SIGKILL at CRASH_KILLS random moments and 7 times during its publication; the outputs
# must be the previous set or the complete new one. About 2 minutes.
CRASH_KILLS ?= 5
check-crash: deps
	@$(MAKE) --no-print-directory all $(BUILD)/tests/kill_at_swap
	@sh tests/crash/run.sh $(BUILD)/diagsante $(CRASH_KILLS) $(BUILD)/tests/kill_at_swap

$(BUILD)/tests/kill_at_swap: tests/crash/kill_at_swap.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $< -o $@

# libFuzzer: the library rebuilt with clang, ASan, UBSan and coverage in build-fuzz;
# each target fuzzed FUZZ_SECONDS (60) on its corpus (tests/fuzz/corpus/TARGET, new
# inputs kept in build-fuzz/corpus/TARGET); a crash leaves build-fuzz/crash-* and fails.
FUZZ_CC      ?= clang
FUZZ_SECONDS ?= 60
FUZZ_BUILD   := build-fuzz
FUZZ_SAN     := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_BIN     := $(FUZZ_TARGETS:%=$(FUZZ_BUILD)/fuzz_%)

fuzz-build: deps
	@sh scripts/install-deps.sh --fuzz
	@$(MAKE) --no-print-directory BUILD=$(FUZZ_BUILD) CC=$(FUZZ_CC) CFLAGS="-O1 -g" \
	   EXTRA_CFLAGS="$(FUZZ_SAN) -fsanitize=fuzzer-no-link" $(FUZZ_BUILD)/libdiagsante.a
	@$(MAKE) --no-print-directory $(FUZZ_BIN)

$(FUZZ_BUILD)/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz_common.h $(FUZZ_BUILD)/libdiagsante.a
	$(FUZZ_CC) $(ALL_CFLAGS) -O1 -g $(FUZZ_SAN) -fsanitize=fuzzer -Iengine $< \
	   $(FUZZ_BUILD)/libdiagsante.a -o $@ $(LIBS)

fuzz: fuzz-build
	@sh tests/fuzz/run.sh $(FUZZ_BUILD) $(FUZZ_SECONDS) $(FUZZ_TARGETS)

demo: deps
	@$(MAKE) --no-print-directory all
	@sh scripts/demo.sh $(BUILD)/diagsante

# The real portrait of Toulouse Métropole from the shared open data (read in place;
# derived tables written under $(BUILD)/occitanie): scripts/demo_occitanie.sh.
DATA      ?= ../shared/data
demo-occitanie: deps
	@$(MAKE) --no-print-directory all
	@sh scripts/demo_occitanie.sh $(BUILD) "$(DATA)"

bench: deps
	@sh scripts/install-deps.sh --bench
	@$(MAKE) --no-print-directory all
	@sh scripts/bench.sh $(BUILD)

$(BUILD)/diagsante.pc: engine/diagsante.pc.in
	@mkdir -p $(BUILD)
	sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@VERSION@|$(VERSION)|g' $< > $@

install: all $(BUILD)/diagsante.pc
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/include/diagsante \
	  $(DESTDIR)$(PREFIX)/lib/pkgconfig $(DESTDIR)$(PREFIX)/share/man/man1 \
	  $(DESTDIR)$(PREFIX)/share/diagsante
	install -m 755 $(BUILD)/diagsante $(DESTDIR)$(PREFIX)/bin/diagsante
	install -m 644 $(HEADERS) $(DESTDIR)$(PREFIX)/include/diagsante/
	install -m 644 $(BUILD)/libdiagsante.a $(DESTDIR)$(PREFIX)/lib/libdiagsante.a
	install -m 644 $(BUILD)/diagsante.pc $(DESTDIR)$(PREFIX)/lib/pkgconfig/diagsante.pc
	install -m 644 engine/diagsante.1 $(DESTDIR)$(PREFIX)/share/man/man1/diagsante.1
	install -m 644 datasets/indicateurs.csv datasets/indicateurs.md $(DESTDIR)$(PREFIX)/share/diagsante/
	install -d $(DESTDIR)$(PREFIX)/share/diagsante/referentiel
	install -m 644 datasets/referentiel/* $(DESTDIR)$(PREFIX)/share/diagsante/referentiel/
	install -d $(DESTDIR)$(PREFIX)/share/diagsante/standard_populations
	install -m 644 datasets/standard_populations/* $(DESTDIR)$(PREFIX)/share/diagsante/standard_populations/

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/diagsante $(DESTDIR)$(PREFIX)/lib/libdiagsante.a \
	  $(DESTDIR)$(PREFIX)/lib/pkgconfig/diagsante.pc $(DESTDIR)$(PREFIX)/share/man/man1/diagsante.1
	rm -rf $(DESTDIR)$(PREFIX)/include/diagsante $(DESTDIR)$(PREFIX)/share/diagsante

clean:
	rm -rf build build-asan build-fuzz build-valgrind
