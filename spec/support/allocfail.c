/* allocfail.c -- runs a Lua script's attempt with the Nth allocation failing, N = 1, 2, ...,
 * for spec/allocfail_spec.lua: a Lua 5.4 state with an allocator of its own, libcurl's
 * allocations through curl_global_init_mem and OpenSSL's through CRYPTO_set_mem_functions.
 *
 *   allocfail PHASE SCRIPT [N]
 *
 * SCRIPT returns a table with load() (requires the modules the attempt uses) and attempt(n)
 * (does the work, raising an error for any failure). PHASE says what fails, and when:
 *
 *   load   the Lua allocator, from the Nth allocation of a require of every module in a new
 *          state; then the same require must work, and so must an attempt
 *   lua    the Lua allocator, from the Nth allocation of an attempt on; then the next attempt
 *          in the same state must work
 *   curl   libcurl's Nth allocation of an attempt (one allocation fails); then the same
 *   ssl    OpenSSL's Nth allocation of an attempt; then the same
 *   ssl-load  OpenSSL's Nth allocation of the first require of every module and the first
 *          attempt, in which OpenSSL initialises itself: then a require fails again (with the
 *          module's message saying so) or gives a module whose attempt works. One N per
 *          process (OpenSSL initialises once), given as the third argument.
 *
 * Without N, N runs from 1 until an attempt sees no allocation fail: every N up to 300, then
 * every N up to the next that is 1/40 larger, unless ALLOCFAIL_FULL is set (every N). Prints a
 * line per N ("N: ok" or "N: error: ..."), then "done: R runs, up to N". Any failure of the
 * follow-up prints "POISONED at N: ..." and exits 1; a crash or a leak is the sanitizers'. */
#define _GNU_SOURCE /* RTLD_NODELETE */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <openssl/crypto.h>

#include "lua.h"
#include "lauxlib.h"
#include "lualib.h"

enum { BY_NONE, BY_LUA, BY_CURL, BY_SSL };

static int target = BY_NONE;  /* whose allocations are counted and failed */
static long counted = 0;   /* allocations of the target's since counting began */
static long fail_at = 0;   /* the first to fail (0: none) */
static int persistent = 0; /* whether every one after it fails too (the Lua allocator's) */

static int fails(int who) {
  if (who != target || fail_at == 0)
    return 0;
  ++counted;
  return persistent ? counted >= fail_at : counted == fail_at;
}

static void *l_alloc(void *ud, void *p, size_t osize, size_t nsize) {
  (void)ud;
  if (nsize == 0) {
    free(p);
    return NULL;
  }
  /* Lua takes it that shrinking a block never fails. */
  if ((p == NULL || nsize > osize) && fails(BY_LUA))
    return NULL;
  return realloc(p, nsize);
}

static void *c_malloc(size_t n) {
  return fails(BY_CURL) ? NULL : malloc(n);
}
static void c_free(void *p) {
  free(p);
}
static void *c_realloc(void *p, size_t n) {
  return fails(BY_CURL) ? NULL : realloc(p, n);
}
static char *c_strdup(const char *s) {
  size_t n = strlen(s) + 1;
  char *p = fails(BY_CURL) ? NULL : (char *)malloc(n);
  if (p != NULL)
    memcpy(p, s, n);
  return p;
}
static void *c_calloc(size_t n, size_t size) {
  return fails(BY_CURL) ? NULL : calloc(n, size);
}

static void *s_malloc(size_t n, const char *file, int line) {
  (void)file;
  (void)line;
  return fails(BY_SSL) ? NULL : malloc(n);
}
static void *s_realloc(void *p, size_t n, const char *file, int line) {
  (void)file;
  (void)line;
  return fails(BY_SSL) ? NULL : realloc(p, n);
}
static void s_free(void *p, const char *file, int line) {
  (void)file;
  (void)line;
  free(p);
}

/* Starts counting target's allocations, the nth to fail. */
static void arm(int who, long n) {
  target = who;
  counted = 0;
  fail_at = n;
  persistent = who == BY_LUA;
}

/* Stops; returns whether the nth allocation was reached. */
static int disarm(void) {
  int reached = fail_at != 0 && counted >= fail_at;
  target = BY_NONE;
  fail_at = 0;
  return reached;
}

/* Keeps the C modules a state has loaded (cjson, the core) in memory after lua_close, which
 * unloads them: LeakSanitizer can then name the module of a leak, and the suppression of the
 * one in lua-cjson (spec/memcheck/lsan.supp) applies. */
static void keep_modules(lua_State *L) {
  static const char *const names[] = {"cjson", "realtimekit.core", NULL};
  size_t i;
  for (i = 0; names[i] != NULL; i++) {
    lua_getglobal(L, "package");
    lua_getfield(L, -1, "searchpath");
    lua_pushstring(L, names[i]);
    lua_getfield(L, -3, "cpath");
    if (lua_pcall(L, 2, 1, 0) == LUA_OK && lua_isstring(L, -1))
      (void)dlopen(lua_tostring(L, -1), RTLD_NOW | RTLD_NODELETE);
    lua_pop(L, 2);
  }
}

/* A new state with the standard libraries and the script's table on its stack (index 1). */
static lua_State *new_state(const char *script) {
  lua_State *L = lua_newstate(l_alloc, NULL);
  if (L == NULL)
    return NULL;
  luaL_openlibs(L);
  keep_modules(L);
  if (luaL_dofile(L, script) != LUA_OK || !lua_istable(L, -1)) {
    fprintf(stderr, "%s: %s\n", script, lua_tostring(L, -1));
    lua_close(L);
    return NULL;
  }
  return L;
}

/* Calls the script's function name (with n), with who's allocations from the nth failing (who
 * BY_NONE: none); leaves nothing on the stack. Returns whether it returned; the error goes into
 * why, and whether the nth allocation came into *reached. */
static int call(lua_State *L, const char *name, long n, int who, int *reached, char *why,
                size_t whylen) {
  int ok;
  why[0] = '\0';
  /* The function and its argument are on the stack before anything can fail. */
  lua_getfield(L, 1, name);
  lua_pushinteger(L, (lua_Integer)n);
  if (who != BY_NONE)
    arm(who, n);
  ok = lua_pcall(L, 1, 0, 0) == LUA_OK;
  if (who != BY_NONE)
    *reached = disarm();
  if (!ok) {
    size_t i;
    (void)snprintf(why, whylen, "%s", luaL_tolstring(L, -1, NULL));
    for (i = 0; why[i] != '\0'; i++)
      if (why[i] == '\n' || why[i] == '\r')
        why[i] = ' ';
    lua_pop(L, 2);
  }
  return ok;
}

static long next_n(long n) {
  const char *full = getenv("ALLOCFAIL_FULL");
  if ((full != NULL && full[0] != '\0') || n < 300)
    return n + 1;
  return n + n / 40;
}

/* One N of the load phase (Lua, or OpenSSL for ssl-load). Returns 0, or 1 if the module was
 * left poisoned; *reached says whether the Nth allocation came. */
static int load_once(const char *script, int who, long n, int *reached) {
  char why[512], why2[512];
  int ok, st = 0;
  lua_State *L = new_state(script);
  if (L == NULL)
    return 1;
  if (who == BY_SSL) {
    /* OpenSSL may also first initialise itself during the attempt's first signature check. */
    arm(BY_SSL, n);
    ok = call(L, "load", n, BY_NONE, NULL, why, sizeof why) &&
         call(L, "attempt", n, BY_NONE, NULL, why, sizeof why);
    *reached = disarm();
  } else {
    ok = call(L, "load", n, who, reached, why, sizeof why);
  }
  printf("%ld: %s%s\n", n, ok ? "ok" : "error: ", why);
  if (!call(L, "load", n, BY_NONE, NULL, why2, sizeof why2)) {
    /* OpenSSL may stay unusable after its initialisation failed: then so must the module. */
    if (who != BY_SSL || ok || strstr(why2, "OpenSSL failed to initialise") == NULL) {
      printf("POISONED at %ld: load: %s\n", n, why2);
      st = 1;
    }
  } else if (!call(L, "attempt", n, BY_NONE, NULL, why2, sizeof why2)) {
    printf("POISONED at %ld: attempt: %s\n", n, why2);
    st = 1;
  }
  lua_close(L);
  return st;
}

int main(int argc, char **argv) {
  const char *phase, *script;
  char why[512], why2[512];
  long n, last = 0, runs = 0;
  int reached = 1, who;
  lua_State *L;

  if (argc < 3) {
    fprintf(stderr, "usage: allocfail load|lua|curl|ssl|ssl-load SCRIPT [N]\n");
    return 2;
  }
  phase = argv[1];
  script = argv[2];
  setvbuf(stdout, NULL, _IOLBF, 0);
  /* Before any other use of OpenSSL or libcurl, which allocate from their first call. */
  if (CRYPTO_set_mem_functions(s_malloc, s_realloc, s_free) != 1 ||
      curl_global_init_mem(CURL_GLOBAL_DEFAULT, c_malloc, c_free, c_realloc, c_strdup,
                           c_calloc) != CURLE_OK) {
    fprintf(stderr, "allocfail: cannot set the allocators\n");
    return 1;
  }

  if (strcmp(phase, "ssl-load") == 0) {
    if (argc < 4)
      return 2;
    n = atol(argv[3]);
    if (load_once(script, BY_SSL, n, &reached) != 0)
      return 1;
    printf("done: 1 runs, up to %ld%s\n", n, reached ? "" : " (not reached)");
    return 0;
  }
  if (strcmp(phase, "load") == 0) {
    for (n = argc > 3 ? atol(argv[3]) : 1; reached; last = n, n = next_n(n), runs++)
      if (load_once(script, BY_LUA, n, &reached) != 0)
        return 1;
    printf("done: %ld runs, up to %ld\n", runs, last);
    return 0;
  }

  if (strcmp(phase, "lua") == 0)
    who = BY_LUA;
  else if (strcmp(phase, "curl") == 0)
    who = BY_CURL;
  else if (strcmp(phase, "ssl") == 0)
    who = BY_SSL;
  else
    return 2;
  L = new_state(script);
  if (L == NULL)
    return 1;
  /* Loaded and run once first: what fails below is an attempt's own work. */
  if (!call(L, "load", 0, BY_NONE, NULL, why, sizeof why) ||
      !call(L, "attempt", 0, BY_NONE, NULL, why, sizeof why)) {
    printf("the first attempt failed: %s\n", why);
    lua_close(L);
    return 1;
  }
  for (n = argc > 3 ? atol(argv[3]) : 1; reached; last = n, n = next_n(n), runs++) {
    int ok = call(L, "attempt", n, who, &reached, why, sizeof why);
    printf("%ld: %s%s\n", n, ok ? "ok" : "error: ", why);
    if (!call(L, "attempt", n, BY_NONE, NULL, why2, sizeof why2)) {
      printf("POISONED at %ld: %s\n", n, why2);
      lua_close(L);
      return 1;
    }
  }
  lua_close(L);
  printf("done: %ld runs, up to %ld\n", runs, last);
  return 0;
}
