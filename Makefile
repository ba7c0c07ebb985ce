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

# The core: the C client (rtk_client.c, rtk_buf.c), the webhook check (rtk_webhook.c) and the
# Lua binding (rtk_lua.c, the module; rtk_lua_client.c, the client; rtk_lua_json.c, JSON;
# rtk_lua_misc.c, the rest). The rockspecs list the same files (spec/packaging_spec.lua).
CORE_SRC = csrc/rtk_buf.c csrc/rtk_client.c csrc/rtk_webhook.c csrc/rtk_lua.c \
  csrc/rtk_lua_client.c csrc/rtk_lua_json.c csrc/rtk_lua_misc.c
CORE_HDR = csrc/rtk.h csrc/rtk_buf.h csrc/rtk_compat.h csrc/rtk_lua.h

lua_inc = $(if $(filter luajit,$(1)),/usr/include/luajit-2.1,/usr/include/lua$(1))

# Memory checks, under Lua 5.4 only.
# ASan + UBSan with clang, whose one runtime holds both, so that both obey log_path (gcc keeps
# UBSan in a libubsan of its own, which next to libasan writes to stderr whatever it is told).
# The core and the C example are built into build/asan. A sanitized .so needs the ASan runtime
# loaded first: lua5.4 is started through the dynamic loader with --preload, which, unlike
# LD_PRELOAD, its children (nginx, openssl, mktemp) do not inherit. The runtime is preloaded by
# its soname, found through --library-path, as core.so's NEEDED entry names it: preloaded by
# path, ld.so adds that name to it as an alias in a string that LSan then reports as a leak.
# (Started so, the program is ld.so to the runtime: frames inside lua5.4, which is stripped,
# show ld.so's function names. The core's frames are exact.)
SAN_CC     = clang
SAN_FLAGS  = -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer -g -O1
SAN_DIR    = build/asan
SAN_LOGS   = $(CURDIR)/$(SAN_DIR)/reports
SAN_RT     = $(shell $(SAN_CC) -print-file-name=libclang_rt.asan-$(shell uname -m).so)
LUA54      = $(shell command -v lua5.4)
LDSO       = $(shell readelf -l $(LUA54) | sed -n 's/.*interpreter: \(.*\)]$$/\1/p')
SAN_LUA    = $(LDSO) --library-path $(dir $(SAN_RT)) --preload $(notdir $(SAN_RT)) $(LUA54)
# halt_on_error: stop at the first report (UBSan too; -fno-sanitize-recover=all already makes
# its checks fatal). detect_leaks: LSan at exit means something here, because busted ends with
# os.exit(code, true) and lua5.4 -e closes its state too, so every client has been collected
# and the core must have freed all it owned; libcurl's and OpenSSL's never-freed globals stay
# reachable from their statics and are not reported. spec/memcheck/lsan.supp, for leaks that
# are not ours, is empty. log_path: the reports of this process and of its children (run_lua
# ones, whose exit status some specs ignore) land in $(SAN_LOGS); any file there fails the run.
SAN_ASAN   = halt_on_error=1:detect_leaks=1:detect_stack_use_after_return=1:strict_string_checks=1
SAN_ENV    = ASAN_OPTIONS=$(SAN_ASAN):log_path=$(SAN_LOGS)/report \
  LSAN_OPTIONS=suppressions=$(CURDIR)/spec/memcheck/lsan.supp:print_suppressions=0 \
  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:log_path=$(SAN_LOGS)/report \
  REALTIMEKIT_CORE_DIR=$(SAN_DIR)/5.4 REALTIMEKIT_LUA="$(SAN_LUA)"
# valgrind: only the process named runs under it (nginx and other children run natively);
# errors and definite leaks fail the run.
VALGRIND   = valgrind --quiet --error-exitcode=1 --leak-check=full --show-leak-kinds=definite \
  --errors-for-leak-kinds=definite --trace-children=no --num-callers=30 \
  --suppressions=spec/memcheck/valgrind.supp
# The core's own specs, the resource whose calls it serves most, a short soak for its error
# paths (TLS failures, drops, truncations, timeouts), and the webhook specs, which drive the
# signature check (OpenSSL) with good and bad input; the rest is Lua code over the same calls.
VALGRIND_SPECS ?= spec/core_spec.lua spec/meetings_spec.lua spec/soak_spec.lua \
  spec/webhook_spec.lua
VALGRIND_SOAK_N ?= 300

.PHONY: all build deps test demo lint check-c c-example spec rock clean test-asan test-valgrind
.PHONY: docs generate static rock-test test-apicheck

all: build

deps:
	@scripts/ensure-deps test

build: $(foreach v,$(LUAS),build/$(v)/realtimekit/core.so)

build/%/realtimekit/core.so: $(CORE_SRC) $(CORE_HDR)
	@mkdir -p $(dir $@)
	$(CC) $(WARN) -Werror $(CFLAGS) -fPIC -fvisibility=hidden -shared \
	  -I$(call lua_inc,$*) -I$(CURL_INCDIR) -o $@ $(CORE_SRC) -lcurl -lcrypto

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

# The C API driven by a poll(2) loop through its socket and timer hooks.
build/event-loop: examples/c/event_loop.c csrc/rtk_buf.c csrc/rtk_client.c $(CORE_HDR)
	@mkdir -p build
	$(CC) $(WARN) -Werror $(CFLAGS) -Icsrc -I$(CURL_INCDIR) -o $@ \
	  examples/c/event_loop.c csrc/rtk_buf.c csrc/rtk_client.c -lcurl

c-example: build/list-meetings build/event-loop

# The C API's own checks (spec/capi_spec.lua), with libcurl's allocations made to fail.
TEST_C_SRC = csrc/rtk_buf.c csrc/rtk_client.c csrc/rtk_webhook.c
build/capi: spec/support/capi.c $(TEST_C_SRC) $(CORE_HDR)
	@mkdir -p build
	$(CC) $(WARN) -Werror $(CFLAGS) -Icsrc -I$(CURL_INCDIR) -o $@ spec/support/capi.c \
	  $(TEST_C_SRC) -lcurl -lcrypto

# The releases' rockspecs (spec/packaging_spec.lua checks each agrees with its scm one): the
# client's here, the fake server's in fake/.
RELEASE_ROCKSPEC = $(firstword $(filter-out realtimekit-scm-1.rockspec,\
  $(wildcard realtimekit-*-1.rockspec)))
FAKE_RELEASE_ROCKSPEC = $(notdir $(firstword $(filter-out fake/realtimekit-fake-scm-1.rockspec,\
  $(wildcard fake/realtimekit-fake-*-1.rockspec))))

# The rocks as users install them, with README's commands, into build/rock, for each Lua
# (LuaJIT uses the 5.1 tree): the client's release rockspec, which builds from this folder as
# the scm one does, then the fake server's, which builds from fake/ (its ./lua is fake/lua).
rock:
	@mkdir -p build
	@for v in $(filter-out luajit,$(LUAS)); do \
	  rm -rf realtimekit; luarocks --lua-version=$$v make --tree=build/rock --deps-mode=none \
	    CURL_INCDIR=$(CURL_INCDIR) $(RELEASE_ROCKSPEC) >build/rock-$$v.log 2>&1 \
	    || { cat build/rock-$$v.log; exit 1; }; \
	  (cd fake && luarocks --lua-version=$$v make --tree=../build/rock --deps-mode=none \
	    $(FAKE_RELEASE_ROCKSPEC)) >build/rock-fake-$$v.log 2>&1 \
	    || { cat build/rock-fake-$$v.log; exit 1; }; \
	done
	@rm -rf realtimekit   # luarocks' builtin build leaves its objects here; they would shadow build/
	@luarocks lint realtimekit-scm-1.rockspec
	@luarocks lint $(RELEASE_ROCKSPEC)
	@luarocks lint fake/realtimekit-fake-scm-1.rockspec
	@luarocks lint fake/$(FAKE_RELEASE_ROCKSPEC)

# `luarocks test` for Lua 5.4, on the rock that `make rock` puts in build/rock. Two things stand
# in its way on Debian, both handled here without touching a system tree: luarocks test runs
# busted only from a rock, and Debian's busted (lua-busted) is not one, so a stand-in busted rock
# that runs it (spec/support/rocks/) is made into build/rock; and LuaRocks 3.8 looks for test
# dependencies only in its configured trees, never in --tree, so a config of our own
# (build/luarocks-test.lua) names build/rock as its tree. The specs load the Lua modules from
# lua/ (.busted) and, through REALTIMEKIT_CORE_DIR, the core that the rock built. make test runs
# two specs this way, to show the path works; `make rock-test ROCK_TEST_ARGS=` runs them all.
ROCK_TEST_ARGS ?= spec/core_spec.lua spec/packaging_spec.lua
rock-test:
	@$(MAKE) --no-print-directory LUAS=5.4 rock
	@printf 'rocks_trees = { "%s" }\n' "$(CURDIR)/build/rock" >build/luarocks-test.lua
	@luarocks --lua-version=5.4 --tree=build/rock make --deps-mode=none \
	  spec/support/rocks/busted-0.0.0-0.rockspec >build/rock-busted.log 2>&1 \
	  || { cat build/rock-busted.log; exit 1; }
	@echo "== luarocks test under Lua 5.4 $(ROCK_TEST_ARGS)"
	@REALTIMEKIT_CORE_DIR=build/rock/lib/lua/5.4 LUAROCKS_CONFIG=build/luarocks-test.lua \
	  luarocks --lua-version=5.4 --tree=build/rock test realtimekit-scm-1.rockspec -- \
	  $(ROCK_TEST_ARGS)

lint:
	luacheck -q .

# Every generated file (scripts/generate): the LuaLS definitions in types/ and the method table
# of docs/usage.md, from the endpoint rows, their schemas and docs/results.lua;
# spec/generate_spec.lua checks that the committed ones are up to date. (docs/results.lua itself
# is read from the official SDK by scripts/sdk-results, run by hand when the SDK changes.)
generate:
	@lua5.4 scripts/generate

# The API reference, from config.ld and the doc comments, into build/docs (index.html), with
# the "Resource methods" topic that scripts/generate makes from docs/methods.md and the
# endpoint descriptions. Any LDoc warning fails (--fatalwarnings), and so does any other line it
# prints, such as the notice that it fell back to plain text for want of a markdown module.
# LDoc runs under Lua 5.1, the only Lua that Debian's lua-markdown is installed for.
LDOC ?= lua5.1 /usr/bin/ldoc
docs:
	@scripts/ensure-deps docs
	@rm -rf build/docs build/ldoc && mkdir -p build/ldoc
	@lua5.1 scripts/generate build/ldoc/methods.md
	@$(LDOC) --fatalwarnings . >build/ldoc.log 2>&1 \
	  && ! grep -v -e '^reading configuration from ' -e '^output written to ' build/ldoc.log \
	  || { cat build/ldoc.log; echo "make docs: LDoc complained (above)"; exit 1; }
	@echo "  API reference in build/docs/index.html"

# Static analysis of csrc/ (every .c file, so new ones are covered): cppcheck, and clang-tidy
# with the checks in .clang-tidy; any finding fails. Both see the real Lua and curl headers:
# every file against Lua 5.4's, and the files that include lua.h also against 5.1's and
# LuaJIT's, where rtk_compat.h takes its other branches. cppcheck checks the one configuration
# those headers define (--max-configs=1) instead of guessing at undefined macros.
STATIC_SRC = $(wildcard csrc/*.c)
STATIC_LUAS ?= 5.4 5.1 luajit
CPPCHECK = cppcheck --quiet --enable=warning,style,performance,portability --error-exitcode=1 \
  --inline-suppr --std=c99 --max-configs=1 --suppress=missingIncludeSystem \
  --suppress=toomanyconfigs
static:
	@scripts/ensure-deps static
	@for v in $(STATIC_LUAS); do \
	  inc=/usr/include/lua$$v; [ $$v = luajit ] && inc=/usr/include/luajit-2.1; \
	  echo "  cppcheck against Lua $$v"; \
	  $(CPPCHECK) -I$$inc -I$(CURL_INCDIR) $(STATIC_SRC) || exit 1; \
	done
	@for v in $(STATIC_LUAS); do \
	  inc=/usr/include/lua$$v; [ $$v = luajit ] && inc=/usr/include/luajit-2.1; \
	  files="$(STATIC_SRC)"; \
	  [ $$v = 5.4 ] || files=$$(grep -l '^#include "lua.h"' $(STATIC_SRC)); \
	  for f in $$files; do \
	    echo "  clang-tidy $$f against Lua $$v"; \
	    out=$$(clang-tidy --quiet $$f -- -std=c99 -I$$inc -I$(CURL_INCDIR) 2>&1) \
	      || { echo "$$out"; exit 1; }; \
	  done; \
	done

# The soak spec makes SOAK_N calls: 3000 (its default) under Lua 5.4, fewer under the others.
SOAK_N_OTHERS ?= 1000

# Every Lua's specs run, even after one fails; each run's output is kept in build/spec-<lua>.log
# (and its exit status in .rc) for the summary, which ends the target. Specs tagged #once run
# under Lua 5.4 only: what they test runs inside another host (nginx, LÖVE) under its own
# LuaJIT, whichever Lua busted runs under.
spec: build c-example build/capi build/allocfail rock
	@rm -f build/spec-*.log build/spec-*.rc
	@for v in $(LUAS); do \
	  bin=lua$$v; [ $$v = luajit ] && bin=luajit; \
	  soak=; [ $$v = 5.4 ] || soak="SOAK_N=$(SOAK_N_OTHERS)"; \
	  tags=; [ $$v = 5.4 ] || tags="--exclude-tags=once"; \
	  echo "== specs under $$bin"; \
	  { env $$soak $$bin /usr/bin/busted $$tags $(BUSTED_ARGS); echo $$? >build/spec-$$v.rc; } \
	    2>&1 \
	    | tee build/spec-$$v.log; \
	done
	@scripts/test-summary spec $(LUAS)

# Ends with one line: what ran and whether it passed (scripts/test-summary).
test: deps
	@rm -f build/rock-test.rc
	@$(MAKE) --no-print-directory lint static docs check-c build c-example
	@$(MAKE) --no-print-directory spec || true
	@{ $(MAKE) --no-print-directory rock-test; echo $$? >build/rock-test.rc; } 2>&1 \
	  | tee build/rock-test.log
	@scripts/test-summary test $(LUAS)

$(SAN_DIR)/5.4/realtimekit/core.so: $(CORE_SRC) $(CORE_HDR)
	@mkdir -p $(dir $@)
	$(SAN_CC) $(WARN) -Werror $(SAN_FLAGS) -shared-libasan -fPIC -fvisibility=hidden -shared \
	  -I$(call lua_inc,5.4) -I$(CURL_INCDIR) -o $@ $(CORE_SRC) -lcurl -lcrypto

$(SAN_DIR)/list-meetings: examples/c/list_meetings.c csrc/rtk_buf.c csrc/rtk_client.c $(CORE_HDR)
	@mkdir -p $(dir $@)
	$(SAN_CC) $(WARN) -Werror $(SAN_FLAGS) -Icsrc -I$(CURL_INCDIR) -o $@ \
	  examples/c/list_meetings.c csrc/rtk_buf.c csrc/rtk_client.c -lcurl

$(SAN_DIR)/event-loop: examples/c/event_loop.c csrc/rtk_buf.c csrc/rtk_client.c $(CORE_HDR)
	@mkdir -p $(dir $@)
	$(SAN_CC) $(WARN) -Werror $(SAN_FLAGS) -Icsrc -I$(CURL_INCDIR) -o $@ \
	  examples/c/event_loop.c csrc/rtk_buf.c csrc/rtk_client.c -lcurl

# The host of spec/allocfail_spec.lua: Lua 5.4 with allocators that fail on demand, loading
# the core as lua5.4 does. Under ASan it shares the runtime of the core it loads (-shared-libasan).
build/allocfail: spec/support/allocfail.c
	@mkdir -p build
	$(CC) $(WARN) -Werror $(CFLAGS) -I$(call lua_inc,5.4) -I$(CURL_INCDIR) -o $@ $< -llua5.4 \
	  -lcurl -lcrypto

$(SAN_DIR)/allocfail: spec/support/allocfail.c
	@mkdir -p $(dir $@)
	$(SAN_CC) $(WARN) -Werror $(SAN_FLAGS) -shared-libasan -Wl,-rpath,$(dir $(SAN_RT)) \
	  -I$(call lua_inc,5.4) -I$(CURL_INCDIR) -o $@ $< -llua5.4 -lcurl -lcrypto

$(SAN_DIR)/capi: spec/support/capi.c $(TEST_C_SRC) $(CORE_HDR)
	@mkdir -p $(dir $@)
	$(SAN_CC) $(WARN) -Werror $(SAN_FLAGS) -Icsrc -I$(CURL_INCDIR) -o $@ spec/support/capi.c \
	  $(TEST_C_SRC) -lcurl -lcrypto

# The fuzzing suite (fuzz/): a libFuzzer target for each parser of what a peer or a user sends,
# built with clang, ASan and UBSan into build/fuzz/: json (core.check_json and core.decode
# against the lua-cjson path, through a real lua_State), headers (the response header parser),
# http (whole responses through libcurl and the client, after another on the same connection),
# webhook (the signature check), token (the redaction's finders) and lua (the Lua layer's
# parsers of Retry-After, Ratelimit and rtk-signature; it takes values up to 16 KiB, the others
# libFuzzer's 4 KiB). make fuzz runs each for FUZZ_SECONDS,
# from the seeds in fuzz/corpus/<target> with the dictionary fuzz/<target>.dict; what it finds
# that is new goes to build/fuzz/corpus/<target>, and an input that crashes, leaks or takes
# over 10 s to build/fuzz/<target>-crash-* (and fails the run). FUZZ_ARGS go to every target
# (-jobs=4, say). make fuzz-smoke is CI's short run.
FUZZ_TARGETS = json headers http webhook token lua
FUZZ_SECONDS ?= 60
FUZZ_ARGS ?=
FUZZ_FLAGS = -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer \
  -g -O1
# headers.c includes rtk_client.c, to reach its static parser.
FUZZ_SRC_headers = csrc/rtk_buf.c
.PHONY: fuzz fuzz-smoke
build/fuzz/%: fuzz/%.c $(CORE_SRC) $(CORE_HDR)
	@mkdir -p build/fuzz
	$(SAN_CC) $(WARN) -Werror $(FUZZ_FLAGS) -Icsrc -I$(call lua_inc,5.4) -I$(CURL_INCDIR) -o $@ $< \
	  $(if $(FUZZ_SRC_$*),$(FUZZ_SRC_$*),$(CORE_SRC)) -llua5.4 -lcurl -lcrypto -lpthread

fuzz:
	@scripts/ensure-deps fuzz
	@$(MAKE) --no-print-directory $(addprefix build/fuzz/,$(FUZZ_TARGETS))
	@for t in $(FUZZ_TARGETS); do \
	  mkdir -p build/fuzz/corpus/$$t; \
	  len=; [ $$t = lua ] && len=-max_len=16384; \
	  printf '%-8s %s s: ' "$$t" "$(FUZZ_SECONDS)"; \
	  build/fuzz/$$t -max_total_time=$(FUZZ_SECONDS) -timeout=10 -dict=fuzz/$$t.dict $$len \
	    -artifact_prefix=build/fuzz/$$t- $(FUZZ_ARGS) \
	    build/fuzz/corpus/$$t fuzz/corpus/$$t >build/fuzz/$$t.log 2>&1 \
	    || { echo "FAILED (build/fuzz/$$t.log)"; tail -60 build/fuzz/$$t.log; exit 1; }; \
	  tail -1 build/fuzz/$$t.log; \
	done

fuzz-smoke:
	@$(MAKE) --no-print-directory fuzz FUZZ_SECONDS=15

# The C examples and every spec under ASan and UBSan; any report fails.
test-asan: deps $(SAN_DIR)/5.4/realtimekit/core.so $(SAN_DIR)/list-meetings build/list-meetings \
  $(SAN_DIR)/event-loop $(SAN_DIR)/capi $(SAN_DIR)/allocfail
	@$(MAKE) --no-print-directory LUAS=5.4 rock
	@rm -rf $(SAN_LOGS) && mkdir -p $(SAN_LOGS)
	@st=0; \
	echo "== the C examples under ASan and UBSan"; \
	$(SAN_ENV) spec/memcheck/c-example $(SAN_DIR)/list-meetings || st=1; \
	$(SAN_ENV) spec/memcheck/c-example --event-loop $(SAN_DIR)/event-loop || st=1; \
	echo "== specs under lua5.4 with the core built with ASan and UBSan"; \
	$(SAN_ENV) $(SAN_LUA) /usr/bin/busted $(BUSTED_ARGS) || st=1; \
	for f in $(SAN_LOGS)/*; do [ -e "$$f" ] || continue; st=1; echo "== $$f"; cat "$$f"; done; \
	exit $$st

# The C examples and the core's specs under valgrind's memcheck; errors or definite leaks fail.
test-valgrind: deps build/5.4/realtimekit/core.so build/list-meetings build/event-loop
	@st=0; \
	echo "== the C examples under valgrind"; \
	spec/memcheck/c-example $(VALGRIND) build/list-meetings || st=1; \
	spec/memcheck/c-example --event-loop $(VALGRIND) build/event-loop || st=1; \
	echo "== $(VALGRIND_SPECS) under valgrind lua5.4"; \
	SOAK_N=$(VALGRIND_SOAK_N) $(VALGRIND) lua5.4 /usr/bin/busted $(BUSTED_ARGS) $(VALGRIND_SPECS) \
	  || st=1; \
	exit $$st

# The core's specs under a Lua 5.4 built with its API checks on (LUA_USE_APICHECK), which abort
# at a misuse of the C API that release builds let pass, such as a push past the stack space a
# C function has reserved. Lua's source is not a Debian package: LUA_SRC names a folder that
# holds it (lapi.c ...), e.g. a checkout of github.com/lua/lua at the installed version's tag
# (v5.4.4) or a release's src/. Debian's busted and C modules run on it.
LUA_SRC ?=
APICHECK_SPECS ?= spec/core_spec.lua spec/json_spec.lua spec/webhook_spec.lua
MULTIARCH = $(shell $(CC) -print-multiarch 2>/dev/null)
test-apicheck: build/5.4/realtimekit/core.so
	@[ -f "$(LUA_SRC)/lapi.c" ] || { echo "usage: make test-apicheck LUA_SRC=<Lua 5.4 source>"; \
	  exit 2; }
	@mkdir -p build/apicheck
	$(CC) -O1 -g -DLUA_USE_APICHECK -DLUA_USE_LINUX -DLUA_COMPAT_5_3 -Wl,-E -o build/apicheck/lua \
	  $(filter-out %/ltests.c %/onelua.c %/luac.c,$(wildcard $(LUA_SRC)/*.c)) -lm -ldl
	LUA_PATH="/usr/share/lua/5.4/?.lua;/usr/share/lua/5.4/?/init.lua;;" \
	  LUA_CPATH="/usr/lib/$(MULTIARCH)/lua/5.4/?.so;;" REALTIMEKIT_LUA=build/apicheck/lua \
	  build/apicheck/lua /usr/bin/busted $(APICHECK_SPECS)

demo:
	@scripts/ensure-deps demo
	@$(MAKE) --no-print-directory LUAS=5.4 build
	@scripts/demo

# The LÖVE dashboard (examples/love): installs LÖVE when missing, builds the core for LuaJIT
# (the Lua LÖVE embeds) and runs it (scripts/love-demo), against the API or the fake server.
.PHONY: love-demo
love-demo:
	@scripts/ensure-deps love
	@$(MAKE) --no-print-directory LUAS=luajit build
	@scripts/love-demo

# The benchmark of issue 4 (bench/README.md): installs what it needs, prints a markdown table
# per setting and writes BENCHMARKS.md. Not a test: nothing here asserts a timing.
.PHONY: bench
bench:
	@scripts/ensure-deps bench
	@$(MAKE) --no-print-directory LUAS="5.4 luajit" build
	@bench/run

# Only the OpenResty section of BENCHMARKS.md (bench/openresty.lua): the default transport's
# polling next to the ngx transport inside nginx, latency and CPU.
.PHONY: bench-openresty
bench-openresty:
	@scripts/ensure-deps openresty
	@$(MAKE) --no-print-directory LUAS="5.4 luajit" build
	@bench/run openresty

# Only the frame-loop section of BENCHMARKS.md (bench/frame_budget.lua): the longest poll of a
# 60 fps loop while 8 pages arrive together, with and without poll_budget.
.PHONY: bench-frame
bench-frame:
	@scripts/ensure-deps frame
	@$(MAKE) --no-print-directory LUAS="5.4 luajit" build
	@bench/run frame

# Only setting (f) of BENCHMARKS.md (bench/redis.lua): processes on one token under the fake
# server's rate limit, their budget in a redis-server on loopback or each their own.
.PHONY: bench-redis
bench-redis:
	@scripts/ensure-deps redis
	@$(MAKE) --no-print-directory LUAS="5.4" build
	@bench/run redis

clean:
	rm -rf build realtimekit
