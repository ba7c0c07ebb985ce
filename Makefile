# Thin wrapper: build the C core per Lua, lint, and run the specs against the fake server.
# `make test` and `make demo` install the Debian packages they miss (scripts/ensure-deps).

LUAS        ?= 5.4 5.1 luajit 5.3 5.2
CC          ?= gcc
# Debian keeps curl's headers in the multiarch folder.
CURL_INCDIR ?= /usr/include/$(shell $(CC) -print-multiarch 2>/dev/null)
WARN        = -std=c99 -Wall -Wextra -Wpedantic -Wshadow -Wundef -Wwrite-strings -Wcast-qual \
              -Wmissing-prototypes -Wstrict-prototypes
CFLAGS      ?= -O2 -g
BUSTED_ARGS ?=

CORE_SRC = csrc/rtk_buf.c csrc/rtk_client.c csrc/rtk_lua.c
CORE_HDR = csrc/rtk.h csrc/rtk_buf.h csrc/rtk_compat.h

lua_inc = $(if $(filter luajit,$(1)),/usr/include/luajit-2.1,/usr/include/lua$(1))

.PHONY: all build deps test demo lint check-c c-example spec rock clean

all: build

deps:
	@scripts/ensure-deps test

build: $(foreach v,$(LUAS),build/$(v)/realtimekit/core.so)

build/%/realtimekit/core.so: $(CORE_SRC) $(CORE_HDR)
	@mkdir -p $(dir $@)
	$(CC) $(WARN) -Werror $(CFLAGS) -fPIC -fvisibility=hidden -shared \
	  -I$(call lua_inc,$*) -I$(CURL_INCDIR) -o $@ $(CORE_SRC) -lcurl

# The core with gcc and clang, against every Lua's headers, warnings as errors.
check-c:
	@for cc in gcc clang; do for v in $(LUAS); do \
	  inc=/usr/include/lua$$v; [ $$v = luajit ] && inc=/usr/include/luajit-2.1; \
	  echo "  $$cc against Lua $$v"; \
	  $$cc $(WARN) -Werror -fsyntax-only -I$$inc -I$(CURL_INCDIR) $(CORE_SRC) || exit 1; \
	done; done

build/list-meetings: examples/c/list_meetings.c csrc/rtk_buf.c csrc/rtk_client.c $(CORE_HDR)
	@mkdir -p build
	$(CC) $(WARN) -Werror $(CFLAGS) -Icsrc -I$(CURL_INCDIR) -o $@ \
	  examples/c/list_meetings.c csrc/rtk_buf.c csrc/rtk_client.c -lcurl

c-example: build/list-meetings

# The rock as users install it, into build/rock, for each Lua (LuaJIT uses the 5.1 tree).
rock:
	@mkdir -p build
	@for v in $(filter-out luajit,$(LUAS)); do \
	  rm -rf realtimekit; luarocks --lua-version=$$v make --tree=build/rock --deps-mode=none \
	    CURL_INCDIR=$(CURL_INCDIR) realtimekit-scm-1.rockspec >build/rock-$$v.log 2>&1 \
	    || { cat build/rock-$$v.log; exit 1; }; \
	done
	@rm -rf realtimekit   # luarocks' builtin build leaves its objects here; they would shadow build/
	@luarocks lint realtimekit-scm-1.rockspec

lint:
	luacheck -q .

# The soak spec makes SOAK_N calls: 3000 (its default) under Lua 5.4, fewer under the others.
SOAK_N_OTHERS ?= 1000

spec: build c-example rock
	@for v in $(LUAS); do \
	  bin=lua$$v; [ $$v = luajit ] && bin=luajit; \
	  soak=; [ $$v = 5.4 ] || soak="SOAK_N=$(SOAK_N_OTHERS)"; \
	  echo "== specs under $$bin"; \
	  env $$soak $$bin /usr/bin/busted $(BUSTED_ARGS) || exit 1; \
	done

test: deps
	@$(MAKE) --no-print-directory lint check-c build c-example
	@$(MAKE) --no-print-directory spec

demo:
	@scripts/ensure-deps demo
	@$(MAKE) --no-print-directory LUAS=5.4 build
	@scripts/demo

# The benchmark of issue 4 (bench/README.md): installs what it needs, prints a markdown table
# per setting and writes BENCHMARKS.md. Not a test: nothing here asserts a timing.
.PHONY: bench
bench:
	@scripts/ensure-deps bench
	@$(MAKE) --no-print-directory LUAS="5.4 luajit" build
	@bench/run

clean:
	rm -rf build realtimekit
