/* rtk_lua_json.c -- JSON for the Lua layer: core.decode, strict JSON (RFC 8259) to the final Lua
 * values in one pass, and the helpers that check and tidy values decoded here or by lua-cjson. */
#include <float.h>
#include <limits.h>
#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lua.h"
#include "lauxlib.h"

#include "rtk_compat.h"
#include "rtk.h"
#include "rtk_lua.h"

/* What json.lua asked of cjson before: the API nests a few levels; deeper is hostile input. */
#define RTK_JSON_MAX_DEPTH 64

/* How many stack slots a container fills with values before they are stored in its table.
 * Holding them first lets each table be made at its final size: no rehash as it grows, which
 * is most of what a decoder that stores values one by one spends on tables. On 5.1 and LuaJIT
 * a C function may use only LUAI_MAXCSTACK slots, shared by all the levels; a level holds at
 * most its table, RTK_JSON_CHUNK values and a key. */
#ifdef LUAI_MAXCSTACK
#define RTK_JSON_CHUNK ((LUAI_MAXCSTACK - 2 * LUA_MINSTACK) / (RTK_JSON_MAX_DEPTH + 1) - 4)
#else
#define RTK_JSON_CHUNK 256
#endif

/* Exponents and digit counts are read up to this; beyond, the number is inf or 0 anyway. */
#define RTK_JSON_EXP_CAP 1000000

/* Clinger's fast path (a double times or over an exact power of ten) is correctly rounded only
 * where double arithmetic is done in double precision, not in x87 extended precision. */
#if defined(FLT_EVAL_METHOD) && FLT_EVAL_METHOD == 0
#define RTK_JSON_FAST_FLOAT 1
#else
#define RTK_JSON_FAST_FLOAT 0
#endif

#define RTK_JSON_DIGIT(c) ((unsigned)((unsigned char)(c) - '0') < 10u)

/* 1 for the bytes a string cannot hold as they are: '"', '\\', controls (NUL included) and
 * the bytes of UTF-8 sequences, which are checked apart. */
static const unsigned char rtk_json_special[256] = {
  1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
  0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0,
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
  1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
  1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
  1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
};

/* The special bytes (see rtk_json_special) among the 8 at p, a word at a time, each flagged
 * by its high bit, with the bit tricks that find a byte below a bound or equal to a value:
 * zero exactly when all 8 are plain. */
#define RTK_JSON_ONES 0x0101010101010101ULL
#define RTK_JSON_HIGH 0x8080808080808080ULL
static unsigned long long rtk_json_special8(const char *p) {
  unsigned long long x, t;
  memcpy(&x, p, sizeof x);
  t = (x - RTK_JSON_ONES * 0x20) | ((x ^ (RTK_JSON_ONES * '"')) - RTK_JSON_ONES) |
      ((x ^ (RTK_JSON_ONES * '\\')) - RTK_JSON_ONES);
  return ((t & ~x) | x) & RTK_JSON_HIGH;
}

/* The first special byte of a word rtk_json_special8 flagged: in memory order the lowest
 * flagged byte is exact (a borrow can only flag bytes after a real one). Where the byte order
 * or the compiler is not known, the byte loop after the word loop finds it instead. */
#if defined(__GNUC__) && defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define RTK_JSON_FIRST8(m) ((size_t)__builtin_ctzll(m) >> 3)
#else
#define RTK_JSON_FIRST8(m) ((size_t)0)
#endif

/* The powers of ten that doubles hold exactly. */
static const double rtk_json_pow10[] = {
  1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
  1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
};

/* An open array or object. Its values wait on the stack, above base, until the container
 * closes or they fill RTK_JSON_CHUNK slots; then its table is made (at base) or grown. */
typedef struct rtk_json_frame {
  int base;    /* stack index of the table (nil until it is made) */
  int obj;     /* an object (waiting key, value pairs) or an array */
  int made;    /* whether the table exists, at base */
  int pending; /* stack slots holding waiting keys and values */
  int live;    /* objects: waiting pairs whose value is not null, the table's size */
  int nulls;   /* waiting values that are null (nil on the stack) */
  int n;       /* arrays: elements already stored, nulls counted */
} rtk_json_frame;

/* The text is a Lua string, so text[len] is '\0'. No rule accepts a NUL, so every scan stops
 * there, at end at the latest, without a bounds check of its own. */
typedef struct rtk_json {
  lua_State *L;
  int build;         /* 0: only check the text (core.check_json), building nothing */
  const char *text, *end;
  const char *errat; /* where decoding failed */
  const char *err;   /* why */
  rtk_json_frame frames[RTK_JSON_MAX_DEPTH];
} rtk_json;

static const char *rtk_json_fail(rtk_json *j, const char *at, const char *msg) {
  j->errat = at;
  j->err = at >= j->end ? "unexpected end of text" : msg;
  return NULL;
}

static const char *rtk_json_skip(const char *p) {
  while ((unsigned char)*p <= ' ' && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t'))
    p++;
  return p;
}

/* The length of the well-formed UTF-8 sequence at p, whose first byte is >= 0x80, or 0
 * (RFC 3629: no overlong forms, no surrogates, nothing above U+10FFFF, no truncation). */
static size_t rtk_json_utf8(const char *s, const char *end) {
  const unsigned char *p = (const unsigned char *)s;
  size_t avail = (size_t)(end - s);
  unsigned c = p[0], lo = 0x80, hi = 0xBF;
  if (c >= 0xC2 && c <= 0xDF)
    return avail >= 2 && (p[1] & 0xC0) == 0x80 ? 2 : 0;
  if (c >= 0xE0 && c <= 0xEF) {
    if (c == 0xE0)
      lo = 0xA0; /* below: overlong */
    else if (c == 0xED)
      hi = 0x9F; /* above: U+D800..U+DFFF */
    return avail >= 3 && p[1] >= lo && p[1] <= hi && (p[2] & 0xC0) == 0x80 ? 3 : 0;
  }
  if (c >= 0xF0 && c <= 0xF4) {
    if (c == 0xF0)
      lo = 0x90; /* below: overlong */
    else if (c == 0xF4)
      hi = 0x8F; /* above: beyond U+10FFFF */
    return avail >= 4 && p[1] >= lo && p[1] <= hi && (p[2] & 0xC0) == 0x80 &&
           (p[3] & 0xC0) == 0x80 ? 4 : 0;
  }
  return 0; /* a continuation byte, C0, C1 or F5..FF */
}

static int rtk_json_hexval(int c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

/* The four hex digits at p as a number, or -1. Stops at the first non-digit, so never reads
 * past the terminating NUL. */
static long rtk_json_hex4(const char *p) {
  long v = 0;
  int i;
  for (i = 0; i < 4; i++) {
    int d = rtk_json_hexval((unsigned char)p[i]);
    if (d < 0)
      return -1;
    v = v * 16 + d;
  }
  return v;
}

/* Decodes the escape at p (a backslash) into out, 1 to 4 bytes; returns the byte after it and
 * sets *outlen, or returns NULL. */
static const char *rtk_json_escape(rtk_json *j, const char *p, char *out, size_t *outlen) {
  long cp;
  *outlen = 1;
  switch (p[1]) {
  case '"': case '\\': case '/': out[0] = p[1]; return p + 2;
  case 'b': out[0] = '\b'; return p + 2;
  case 'f': out[0] = '\f'; return p + 2;
  case 'n': out[0] = '\n'; return p + 2;
  case 'r': out[0] = '\r'; return p + 2;
  case 't': out[0] = '\t'; return p + 2;
  case 'u': break;
  default: return rtk_json_fail(j, p + 1 >= j->end ? p + 1 : p, "invalid escape in a string");
  }
  cp = rtk_json_hex4(p + 2);
  if (cp < 0)
    return rtk_json_fail(j, p, "invalid \\u escape: four hex digits expected");
  if (cp >= 0xDC00 && cp <= 0xDFFF)
    return rtk_json_fail(j, p, "unpaired surrogate in a \\u escape");
  if (cp >= 0xD800 && cp <= 0xDBFF) {
    long lo;
    /* A high surrogate: a low one must follow, as the second half of one pair. */
    if (p[6] != '\\' || p[7] != 'u' || (lo = rtk_json_hex4(p + 8)) < 0xDC00 || lo > 0xDFFF)
      return rtk_json_fail(j, p, "unpaired surrogate in a \\u escape");
    cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
    p += 6;
  }
  if (cp < 0x80) {
    out[0] = (char)cp;
  } else if (cp < 0x800) {
    out[0] = (char)(0xC0 | (cp >> 6));
    out[1] = (char)(0x80 | (cp & 0x3F));
    *outlen = 2;
  } else if (cp < 0x10000) {
    out[0] = (char)(0xE0 | (cp >> 12));
    out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[2] = (char)(0x80 | (cp & 0x3F));
    *outlen = 3;
  } else {
    out[0] = (char)(0xF0 | (cp >> 18));
    out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[3] = (char)(0x80 | (cp & 0x3F));
    *outlen = 4;
  }
  return p + 6;
}

/* Pushes the string whose opening quote is just before p; returns the byte after its closing
 * quote, or NULL. A string without escapes (nearly all) is pushed straight from the text. */
static const char *rtk_json_string(rtk_json *j, const char *p) {
  lua_State *L = j->L;
  const char *run = p; /* the first byte not yet in the buffer */
  luaL_Buffer b;
  int buffered = 0;
  for (;;) {
    unsigned char c;
    while (j->end - p >= 8) {
      unsigned long long m = rtk_json_special8(p);
      if (m != 0) {
        p += RTK_JSON_FIRST8(m);
        break;
      }
      p += 8;
    }
    while (!rtk_json_special[(unsigned char)*p])
      p++;
    c = (unsigned char)*p;
    if (c == '"')
      break;
    if (c >= 0x80) { /* a NUL stops the scan first, so this is before end */
      size_t n = rtk_json_utf8(p, j->end);
      if (n == 0)
        return rtk_json_fail(j, p, "invalid UTF-8 in a string");
      p += n;
    } else if (c == '\\') {
      char u[4];
      size_t ulen;
      if (!j->build) {
        if ((p = rtk_json_escape(j, p, u, &ulen)) == NULL)
          return NULL;
        continue;
      }
      if (!buffered) {
        luaL_buffinit(L, &b);
        buffered = 1;
      }
      luaL_addlstring(&b, run, (size_t)(p - run));
      p = rtk_json_escape(j, p, u, &ulen);
      if (p == NULL)
        return NULL; /* the caller drops the buffer with the rest of the stack */
      luaL_addlstring(&b, u, ulen);
      run = p;
    } else {
      return rtk_json_fail(j, p, "control character in a string");
    }
  }
  if (buffered) {
    luaL_addlstring(&b, run, (size_t)(p - run));
    luaL_pushresult(&b);
  } else if (j->build) {
    lua_pushlstring(L, run, (size_t)(p - run));
  }
  return p + 1;
}

/* strtod for the number at s (n bytes, already checked against the grammar), whatever the
 * C locale: its '.' is replaced by the locale's decimal point, as Lua's own lobject.c does. */
static double rtk_json_strtod(lua_State *L, const char *s, size_t n) {
  const char *dot = (const char *)memchr(s, '.', n), *dp = ".";
  size_t dl = 1, head = dot != NULL ? (size_t)(dot - s) : n;
  char buf[96];
  luaL_Buffer b;
  double d;
  if (dot != NULL) {
    const struct lconv *lc = localeconv();
    if (lc != NULL && lc->decimal_point != NULL && lc->decimal_point[0] != '\0') {
      dp = lc->decimal_point;
      dl = strlen(dp);
    }
  }
  if (n + dl < sizeof buf) {
    memcpy(buf, s, head);
    if (dot == NULL) {
      buf[n] = '\0';
    } else {
      memcpy(buf + head, dp, dl);
      memcpy(buf + head + dl, dot + 1, n - head - 1);
      buf[n - 1 + dl] = '\0';
    }
    return strtod(buf, NULL);
  }
  /* A long one (rare) is built in a Lua string, so an allocation failure cannot leak. */
  luaL_buffinit(L, &b);
  luaL_addlstring(&b, s, head);
  if (dot != NULL) {
    luaL_addlstring(&b, dp, dl);
    luaL_addlstring(&b, dot + 1, n - head - 1);
  }
  luaL_pushresult(&b);
  d = strtod(lua_tostring(L, -1), NULL);
  lua_pop(L, 1);
  return d;
}

/* Pushes the number whose first byte, a '-' or a digit, is at p; returns the byte after it,
 * or NULL. On 5.3+ a number with an integral value that lua_Integer holds is an integer. */
static const char *rtk_json_number(rtk_json *j, const char *p) {
  lua_State *L = j->L;
  const char *start = p;
  unsigned long long m = 0; /* the first 19 significant digits */
  int digits = 0, lost = 0;  /* how many, and whether others followed */
  int e10 = 0, isfloat = 0, neg = 0;
  double d;
  if (*p == '-') {
    neg = 1;
    p++;
  }
  if (*p == '0') {
    p++;
    if (RTK_JSON_DIGIT(*p))
      return rtk_json_fail(j, p - 1, "leading zero in a number");
  } else if (RTK_JSON_DIGIT(*p)) {
    do {
      if (digits < 19) {
        m = m * 10 + (unsigned)(*p - '0');
        digits++;
      } else {
        lost = 1;
        if (e10 < RTK_JSON_EXP_CAP)
          e10++;
      }
      p++;
    } while (RTK_JSON_DIGIT(*p));
  } else {
    return rtk_json_fail(j, p, "expected a digit");
  }
  if (*p == '.') {
    isfloat = 1;
    p++;
    if (!RTK_JSON_DIGIT(*p))
      return rtk_json_fail(j, p, "expected a digit after '.'");
    do {
      if (m == 0 && *p == '0') { /* leading zeros are not significant */
        if (e10 > -RTK_JSON_EXP_CAP)
          e10--;
      } else if (digits < 19) {
        m = m * 10 + (unsigned)(*p - '0');
        digits++;
        e10--;
      } else {
        lost = 1;
      }
      p++;
    } while (RTK_JSON_DIGIT(*p));
  }
  if (*p == 'e' || *p == 'E') {
    int x = 0, xneg = 0;
    isfloat = 1;
    p++;
    if (*p == '+' || *p == '-')
      xneg = *p++ == '-';
    if (!RTK_JSON_DIGIT(*p))
      return rtk_json_fail(j, p, "expected a digit in the exponent");
    do {
      if (x < RTK_JSON_EXP_CAP)
        x = x * 10 + (*p - '0');
      p++;
    } while (RTK_JSON_DIGIT(*p));
    e10 += xneg ? -x : x;
  }
  if (!j->build)
    return p;
#if LUA_VERSION_NUM >= 503
  if (!isfloat && !lost) {
    if (m <= (unsigned long long)LUA_MAXINTEGER) {
      lua_pushinteger(L, neg ? -(lua_Integer)m : (lua_Integer)m);
      return p;
    }
    if (neg && m - 1 == (unsigned long long)LUA_MAXINTEGER) {
      lua_pushinteger(L, LUA_MININTEGER);
      return p;
    }
  }
#endif
  if (RTK_JSON_FAST_FLOAT && !lost && m <= (1ULL << 53) && e10 >= -22 && e10 <= 22) {
    d = (double)m; /* exact, as is the power: one correctly rounded operation */
    d = e10 < 0 ? d / rtk_json_pow10[-e10] : d * rtk_json_pow10[e10];
    if (neg)
      d = -d;
  } else if (!isfloat && !lost) {
    d = (double)m; /* a conversion from an integer type is correctly rounded */
    if (neg)
      d = -d;
  } else {
    d = rtk_json_strtod(L, start, (size_t)(p - start)); /* too big gives inf, as in cjson */
  }
#if LUA_VERSION_NUM >= 503
  {
    lua_Integer i;
    if (d == floor(d) && lua_numbertointeger(d, &i)) {
      lua_pushinteger(L, i);
      return p;
    }
  }
#endif
  lua_pushnumber(L, (lua_Number)d);
  return p;
}

/* Stores the frame's waiting values in its table, making the table first if it does not
 * exist. Stack: from f->base, the table (or a nil in its place) then k1 v1 k2 v2 ... (objects)
 * or v1 v2 ... (arrays); afterwards only the table. */
static int rtk_json_flush(rtk_json *j, rtk_json_frame *f, const char *at) {
  lua_State *L = j->L;
  int i, top;
  if (!j->build) {
    f->pending = f->live = f->nulls = 0;
    return 1;
  }
  if (!f->obj && f->pending > INT_MAX - f->n) {
    rtk_json_fail(j, at, "array too long");
    return 0;
  }
  if (!f->made) {
    lua_createtable(L, f->obj ? 0 : f->pending, f->obj ? f->live : 0);
    lua_replace(L, f->base);
    f->made = 1;
    if (!f->obj) {
      /* A new array of the right size: filled from its end, each lua_rawseti popping the top. */
      for (i = f->pending; i > 0; i--) {
        if (f->nulls > 0 && lua_isnil(L, -1))
          lua_pop(L, 1); /* a null leaves a hole */
        else
          lua_rawseti(L, f->base, i);
      }
      f->n = f->pending;
      f->pending = f->nulls = 0;
      return 1;
    }
  }
  top = lua_gettop(L);
  if (f->obj) {
    /* In order, so that of two equal keys the last wins. */
    for (i = f->base + 1; i < top; i += 2) {
      if (f->nulls > 0 && lua_isnil(L, i + 1)) {
        /* A null drops the field, which an earlier duplicate key may have set. */
        lua_pushvalue(L, i);
        lua_rawget(L, f->base);
        if (!lua_isnil(L, -1)) {
          lua_pushvalue(L, i);
          lua_pushnil(L);
          lua_rawset(L, f->base);
        }
        lua_pop(L, 1);
      } else {
        lua_pushvalue(L, i);
        lua_pushvalue(L, i + 1);
        lua_rawset(L, f->base);
      }
    }
  } else {
    for (i = f->base + 1; i <= top; i++) {
      f->n++;
      if (f->nulls == 0 || !lua_isnil(L, i)) {
        lua_pushvalue(L, i);
        lua_rawseti(L, f->base, f->n);
      }
    }
  }
  lua_settop(L, f->base);
  f->pending = f->live = f->nulls = 0;
  return 1;
}

/* Decodes the whole text; leaves the value on the top of the stack and returns 1, or returns
 * 0 with j->err set. No recursion: the open containers are j->frames[0 .. depth - 1]. */
static int rtk_json_parse(rtk_json *j) {
  lua_State *L = j->L;
  const char *p = rtk_json_skip(j->text);
  rtk_json_frame *f;
  int depth = 0, isnull = 0;
  if (p >= j->end) {
    j->err = "empty JSON text";
    j->errat = NULL;
    return 0;
  }
  if ((unsigned char)p[0] == 0xEF && (unsigned char)p[1] == 0xBB && (unsigned char)p[2] == 0xBF) {
    rtk_json_fail(j, p, "byte order mark (not allowed in JSON)");
    return 0;
  }

value: /* a value starts at p, or whitespace before it */
  p = rtk_json_skip(p);
  isnull = 0;
  switch (*p) {
  case '{': case '[':
    if (depth == RTK_JSON_MAX_DEPTH) {
      rtk_json_fail(j, p, "too deeply nested (more than 64 levels)");
      return 0;
    }
    f = &j->frames[depth++];
    if (j->build) {
      luaL_checkstack(L, RTK_JSON_CHUNK + LUA_MINSTACK, "JSON nesting");
      lua_pushnil(L); /* where the table goes once made */
    }
    f->base = lua_gettop(L);
    f->obj = *p == '{';
    f->made = f->pending = f->live = f->nulls = f->n = 0;
    p = rtk_json_skip(p + 1);
    if (*p == (f->obj ? '}' : ']')) {
      p++;
      goto close;
    }
    if (f->obj)
      goto key;
    goto value;
  case '"':
    if ((p = rtk_json_string(j, p + 1)) == NULL)
      return 0;
    break;
  case '-': case '0': case '1': case '2': case '3': case '4': case '5': case '6': case '7':
  case '8': case '9':
    if ((p = rtk_json_number(j, p)) == NULL)
      return 0;
    break;
  case 't':
    if (j->end - p < 4 || memcmp(p, "true", 4) != 0)
      goto badvalue;
    if (j->build)
      lua_pushboolean(L, 1);
    p += 4;
    break;
  case 'f':
    if (j->end - p < 5 || memcmp(p, "false", 5) != 0)
      goto badvalue;
    if (j->build)
      lua_pushboolean(L, 0);
    p += 5;
    break;
  case 'n':
    if (j->end - p < 4 || memcmp(p, "null", 4) != 0)
      goto badvalue;
    if (j->build)
      lua_pushnil(L);
    isnull = 1;
    p += 4;
    break;
  default:
  badvalue:
    rtk_json_fail(j, p, "expected a value");
    return 0;
  }

next: /* a value is on the top of the stack (nil for null), and p is just after it */
  if (depth == 0)
    goto finish;
  f = &j->frames[depth - 1];
  if (f->obj) {
    f->pending += 2;
    if (!isnull)
      f->live++;
  } else {
    f->pending++;
  }
  if (isnull)
    f->nulls++;
  if (f->pending >= RTK_JSON_CHUNK && !rtk_json_flush(j, f, p))
    return 0;
  p = rtk_json_skip(p);
  if (*p == ',') {
    p = rtk_json_skip(p + 1);
    if (f->obj)
      goto key;
    goto value;
  }
  if (*p == (f->obj ? '}' : ']')) {
    p++;
    goto close;
  }
  rtk_json_fail(j, p, f->obj ? "expected ',' or '}'" : "expected ',' or ']'");
  return 0;

key: /* an object's key starts at p */
  if (*p != '"') {
    rtk_json_fail(j, p, "expected a string key");
    return 0;
  }
  if ((p = rtk_json_string(j, p + 1)) == NULL)
    return 0;
  p = rtk_json_skip(p);
  if (*p != ':') {
    rtk_json_fail(j, p, "expected ':'");
    return 0;
  }
  p++;
  goto value;

close: /* the container of the innermost frame has ended, just before p */
  if (!rtk_json_flush(j, f, p))
    return 0;
  depth--;
  isnull = 0;
  goto next;

finish:
  p = rtk_json_skip(p);
  if (p < j->end) {
    rtk_json_fail(j, p, "unexpected data after the JSON value");
    return 0;
  }
  if (isnull) {
    j->err = "the JSON text is null";
    j->errat = NULL;
    return 0;
  }
  return 1;
}

/* Decodes (build) or checks the text at index 1: pushes the value, or true, or nil and why
 * not. */
static int rtk_json_run(lua_State *L, int build) {
  rtk_json j;
  size_t len;
  j.L = L;
  j.build = build;
  j.text = luaL_checklstring(L, 1, &len);
  j.end = j.text + len;
  j.err = NULL;
  j.errat = NULL;
  lua_settop(L, 1);
  if (rtk_json_parse(&j)) {
    if (!build)
      lua_pushboolean(L, 1);
    return 1;
  }
  lua_settop(L, 1); /* drops what was built, an unfinished string buffer included */
  lua_pushnil(L);
  if (j.errat == NULL) {
    lua_pushstring(L, j.err);
  } else {
    char pos[32];
    (void)snprintf(pos, sizeof pos, "%.0f", (double)(j.errat - j.text) + 1);
    lua_pushfstring(L, "invalid JSON at byte %s: %s", pos, j.err);
  }
  return 2;
}

int rtk_json_decode(lua_State *L) {
  return rtk_json_run(L, 1);
}

int rtk_json_check(lua_State *L) {
  return rtk_json_run(L, 0);
}

/* Walks a decoded JSON value in place: fields equal to null (the value at index nullidx) are
 * removed, and on Lua 5.3+ floats with an integral value become integers. depth is bounded by
 * the decoder's own nesting limit. */
static void rtk_json_tidy(lua_State *L, int t, int nullidx, int depth) {
  /* This level pushes four values at most: a key and its value (lua_next), then the key again
   * and the new value when it replaces one. */
  luaL_checkstack(L, 4, "JSON nested too deeply");
  if (depth > 200)
    luaL_error(L, "JSON nested too deeply");
  lua_pushnil(L);
  while (lua_next(L, t) != 0) {
    int vt = lua_type(L, -1);
    if (vt == LUA_TTABLE) {
      rtk_json_tidy(L, lua_gettop(L), nullidx, depth + 1);
    } else if (vt == LUA_TLIGHTUSERDATA || vt == LUA_TUSERDATA) {
      if (lua_rawequal(L, -1, nullidx)) {
        /* Assigning to a field that exists, nil included, is allowed during a traversal. */
        lua_pushvalue(L, -2);
        lua_pushnil(L);
        lua_rawset(L, t);
      }
    }
#if LUA_VERSION_NUM >= 503
    else if (vt == LUA_TNUMBER && !lua_isinteger(L, -1)) {
      lua_Number n = lua_tonumber(L, -1);
      lua_Integer i;
      if (n == floor(n) && lua_numbertointeger(n, &i)) {
        lua_pushvalue(L, -2);
        lua_pushinteger(L, i);
        lua_rawset(L, t);
      }
    }
#endif
    lua_pop(L, 1);
  }
}

/* core.normalise(value, null) -> value, changed in place (see rtk_json_tidy). */
int rtk_json_normalise(lua_State *L) {
  lua_settop(L, 2);
  if (lua_type(L, 1) == LUA_TTABLE)
    rtk_json_tidy(L, 1, 2, 0);
  lua_settop(L, 1);
  return 1;
}

/* core.table_kind(t) -> "empty", "list" (its keys are exactly 1..#t) or "object": what a
 * decoded JSON table is, read by the response checks once per page, so in C. */
int rtk_json_table_kind(lua_State *L) {
  size_t n, count = 0;
  luaL_checktype(L, 1, LUA_TTABLE);
  n = (size_t)rtk_rawlen(L, 1);
  lua_pushnil(L);
  while (lua_next(L, 1) != 0) {
    lua_pop(L, 1);
    if (++count > n) {
      lua_pop(L, 1);
      break;
    }
  }
  lua_pushstring(L, count == 0 ? "empty" : count == n ? "list" : "object");
  return 1;
}

/* core.first_non_object(t) -> the first index i of 1..#t whose value is not a JSON object
 * (a table without [1]), or nil when every one is: a page's items checked in one call. */
int rtk_json_first_non_object(lua_State *L) {
  size_t i, n;
  luaL_checktype(L, 1, LUA_TTABLE);
  n = (size_t)rtk_rawlen(L, 1);
  if (n > (size_t)INT_MAX) /* lua_rawgeti takes an int before 5.3; no page comes near */
    n = (size_t)INT_MAX;
  for (i = 1; i <= n; i++) {
    int bad;
    lua_rawgeti(L, 1, (int)i);
    if (lua_type(L, -1) != LUA_TTABLE) {
      bad = 1;
    } else {
      lua_rawgeti(L, -1, 1);
      bad = !lua_isnil(L, -1);
      lua_pop(L, 1);
    }
    lua_pop(L, 1);
    if (bad) {
      lua_pushinteger(L, (lua_Integer)i);
      return 1;
    }
  }
  lua_pushnil(L);
  return 1;
}
