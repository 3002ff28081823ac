# steppe build. `make` builds build/steppe; `make test` builds and runs every
# test (unit, e2e, fuzz smoke) and then the same suites under
# AddressSanitizer and UBSan. Dependencies come from Debian packages through
# pkg-config; scripts/deps.sh installs whatever is missing.

PKGS := raft libuv msgpack libmicrohttpd check jansson libcurl uuid libssl libbsd libarchive

# Install missing packages before pkg-config is consulted for flags.
ifeq ($(filter clean fmt help,$(MAKECMDGOALS)),)
DEPS_OK := $(shell pkg-config --exists $(PKGS) 2>/dev/null && test -f /usr/include/uthash.h && command -v clang >/dev/null && command -v jq >/dev/null && echo yes)
ifneq ($(DEPS_OK),yes)
$(info deps: some packages are missing, running scripts/deps.sh)
DEPS_RC := $(shell scripts/deps.sh 1>&2; echo $$?)
ifneq ($(DEPS_RC),0)
$(error scripts/deps.sh failed; see its output above)
endif
endif
endif

CC ?= cc
SANITIZE ?=
WERROR ?= $(if $(CI),-Werror,)
VERSION := 0.1.0
GIT_REV := $(shell git rev-parse --short HEAD 2>/dev/null || echo unknown)

ifeq ($(SANITIZE),)
BUILD ?= build
OPT ?= -O2
else
BUILD ?= build/san
OPT ?= -O1 -fno-omit-frame-pointer
SANFLAGS := -fsanitize=$(SANITIZE) -fno-sanitize-recover=all
endif

WARN := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wformat=2 \
	-Wimplicit-fallthrough -Wvla -Wno-format-nonliteral $(WERROR)
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
# libcurl, libarchive, libcrypto and libmicrohttpd are not linked: lib/dl_*.c
# load them at first use (their headers still come from PKGS).
PKG_LIBS := $(shell pkg-config --libs raft libuv msgpack jansson uuid libbsd 2>/dev/null)
CHECK_LIBS := $(shell pkg-config --libs check 2>/dev/null)

CFLAGS_ALL := -std=c11 -D_GNU_SOURCE -g $(OPT) $(WARN) -fno-strict-aliasing \
	-I. $(PKG_CFLAGS) $(SANFLAGS) \
	-DSTEPPE_VERSION='"$(VERSION)"' -DSTEPPE_GIT_REV='"$(GIT_REV)"' $(CFLAGS)
# lib/dl_mhd.c: GnuTLS must find these in the executable (see there).
LDFLAGS_ALL := $(SANFLAGS) $(LDFLAGS) \
	-Wl,--export-dynamic-symbol=_gnutls_global_init_skip \
	-Wl,--export-dynamic-symbol=gnutls_global_init

MODULES := lib structs jobspec state raft rpc scheduler acl server client api cli agent
LIB_SRC := $(filter-out cli/main.c,$(foreach m,$(MODULES),$(wildcard $(m)/*.c $(m)/*/*.c)))
LIB_OBJ := $(LIB_SRC:%.c=$(BUILD)/obj/%.o)
TESTLIB_SRC := $(wildcard tests/lib/*.c)
TESTLIB_OBJ := $(TESTLIB_SRC:%.c=$(BUILD)/obj/%.o)
UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
FUZZ_SRC := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BIN := $(FUZZ_SRC:tests/fuzz/%.c=build/fuzz/%)

.PHONY: all test unit e2e fuzz fuzz-smoke sanitize-test lab clean fmt help tools

all: $(BUILD)/steppe $(BUILD)/nodesim

$(BUILD)/steppe: $(BUILD)/obj/cli/main.o $(BUILD)/libsteppe.a
	$(CC) -o $@ $^ $(LDFLAGS_ALL) $(PKG_LIBS) -lm

$(BUILD)/libsteppe.a: $(LIB_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -MMD -MP -c -o $@ $<

$(BUILD)/tests/%: tests/unit/%.c $(TESTLIB_OBJ) $(BUILD)/libsteppe.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -MMD -MP -o $@ $< $(TESTLIB_OBJ) $(BUILD)/libsteppe.a \
		$(LDFLAGS_ALL) $(CHECK_LIBS) $(PKG_LIBS) -lm

# The node simulator (scripts/bench/nodesim.c): scheduler e2e tests and
# benchmarks register thousands of fake clients with it.
$(BUILD)/nodesim: $(BUILD)/obj/scripts/bench/nodesim.o $(BUILD)/libsteppe.a
	$(CC) -o $@ $^ $(LDFLAGS_ALL) $(PKG_LIBS) -lm

# The scheduler alone, for scripts/bench/sched.sh.
$(BUILD)/schedbench: $(BUILD)/obj/scripts/bench/schedbench.o $(BUILD)/libsteppe.a
	$(CC) -o $@ $^ $(LDFLAGS_ALL) $(PKG_LIBS) -lm

# The e2e RPC caller (tests/e2e/tools/rpcpoke.c): any method, any token.
$(BUILD)/rpcpoke: $(BUILD)/obj/tests/e2e/tools/rpcpoke.o $(BUILD)/libsteppe.a
	$(CC) -o $@ $^ $(LDFLAGS_ALL) $(PKG_LIBS) -lm

tools: $(BUILD)/steppe $(BUILD)/nodesim $(BUILD)/rpcpoke $(UNIT_BIN)

# Runs every suite once in this build; tests/run.sh prints the totals.
unit e2e: tools
	@tests/run.sh $(BUILD) $@

test: tools
	@tests/run.sh $(BUILD) all
ifeq ($(SANITIZE),)
	@$(MAKE) --no-print-directory fuzz-smoke
	@$(MAKE) --no-print-directory SANITIZE=address,undefined sanitize-test
endif

sanitize-test: tools
	@tests/run.sh $(BUILD) all

# libFuzzer targets: clang with the fuzzer, address and undefined sanitizers
# over the library sources compiled again for fuzzing.
FUZZ_CC := clang
FUZZ_FLAGS := -std=c11 -D_GNU_SOURCE -g -O1 -fno-strict-aliasing -I. $(PKG_CFLAGS) \
	-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all -DSTEPPE_FUZZ \
	-DSTEPPE_VERSION='"$(VERSION)"' -DSTEPPE_GIT_REV='"$(GIT_REV)"'
FUZZ_OBJ := $(LIB_SRC:%.c=build/fuzz/obj/%.o)

build/fuzz/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_FLAGS) -MMD -MP -c -o $@ $<

build/fuzz/libsteppe.a: $(FUZZ_OBJ)
	rm -f $@ && ar rcs $@ $^

build/fuzz/%: tests/fuzz/%.c build/fuzz/libsteppe.a
	$(FUZZ_CC) $(FUZZ_FLAGS) -fsanitize=fuzzer,address,undefined -o $@ $< \
		build/fuzz/libsteppe.a $(PKG_LIBS) -lm

FUZZ_TIME ?= 60
fuzz: $(FUZZ_BIN)
	@tests/fuzz/run.sh $(FUZZ_TIME) $(FUZZ_BIN)

fuzz-smoke: $(FUZZ_BIN)
	@tests/fuzz/run.sh 5 $(FUZZ_BIN)

lab: $(BUILD)/steppe $(BUILD)/nodesim
	@STEPPE_BIN=$(CURDIR)/$(BUILD)/steppe STEPPE_LAB_CLIENTS=2 scripts/lab.sh up
	@echo
	@echo "==> Registering an example job through server 2:"
	@$(BUILD)/steppe job run -detach -address http://127.0.1.2:4646 examples/hello.hcl
	@$(BUILD)/steppe job status -address http://127.0.1.3:4646

fmt:
	clang-format -i $(foreach m,$(MODULES) tests/unit tests/lib tests/fuzz,$(wildcard $(m)/*.[ch] $(m)/*/*.[ch]))

clean:
	rm -rf build

help:
	@echo "make          build build/steppe"
	@echo "make test     build and run every test, then again under ASan+UBSan"
	@echo "make lab      start the three-server lab on loopback"
	@echo "make fuzz     run each libFuzzer target for FUZZ_TIME seconds"

-include $(LIB_OBJ:.o=.d) $(TESTLIB_OBJ:.o=.d) $(UNIT_BIN:=.d) $(BUILD)/obj/cli/main.d $(FUZZ_OBJ:.o=.d)
