/* rtk_webhook.c -- RSA-SHA256 (PKCS #1 v1.5) verification of webhook bodies, with OpenSSL. */
#include <limits.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include "rtk.h"

/* The largest signature taken: that of an 8192-bit RSA key, and its base64 length with padding.
 * A longer signature text is refused before any of it is decoded, so the work done on the
 * signature is bounded whatever a request carries. */
#define RTK_SIG_MAX ((size_t)1024)
#define RTK_SIG_B64_MAX ((RTK_SIG_MAX + 2) / 3 * 4)

/* The value of a base64 digit (RFC 4648 section 4, the standard alphabet), or -1. */
static int rtk_b64_digit(unsigned char ch) {
  if (ch >= 'A' && ch <= 'Z')
    return ch - 'A';
  if (ch >= 'a' && ch <= 'z')
    return ch - 'a' + 26;
  if (ch >= '0' && ch <= '9')
    return ch - '0' + 52;
  if (ch == '+')
    return 62;
  if (ch == '/')
    return 63;
  return -1;
}

/* Decodes base64 into out (room for cap bytes). Padding may be left out; anything else that is
 * not a digit is refused, and so are non-zero bits after the last byte, so one byte string has
 * one padded and one unpadded text and no others. Returns the byte count, or -1. */
static long rtk_b64_decode(const char *in, size_t n, unsigned char *out, size_t cap) {
  size_t i, pad = 0, o = 0, len;
  unsigned long acc = 0;
  int bits = 0;
  if (n >= 1 && in[n - 1] == '=') {
    pad = (n >= 2 && in[n - 2] == '=') ? 2 : 1;
    if (n % 4 != 0)
      return -1;
  }
  n -= pad;
  if (n % 4 == 1)
    return -1;
  len = n / 4 * 3 + (n % 4 == 0 ? 0 : n % 4 - 1);
  if (len > cap)
    return -1;
  for (i = 0; i < n; i++) {
    int v = rtk_b64_digit((unsigned char)in[i]);
    if (v < 0)
      return -1;
    acc = (acc << 6) | (unsigned long)v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (unsigned char)(acc >> bits);
      acc &= (1UL << bits) - 1;
    }
  }
  if (acc != 0)
    return -1;
  return (long)o;
}

/* Whether the errors OpenSSL queued since the call began say that memory ran out: an error of
 * that reason, or none at all (a genuine failure always queues one; some failed allocations,
 * of the error's record among them, queue nothing). They are read off the queue, which is then
 * as the call found it, when it was empty then (nearly always); else only the last one can be
 * told from those before it. */
static int rtk_ossl_nomem(int queue_was_empty) {
  unsigned long e;
  int queued = 0, nomem = 0;
  if (!queue_was_empty)
    return ERR_GET_REASON(ERR_peek_last_error()) == ERR_R_MALLOC_FAILURE;
  while ((e = ERR_get_error()) != 0) {
    queued = 1;
    if (ERR_GET_REASON(e) == ERR_R_MALLOC_FAILURE)
      nomem = 1;
  }
  return nomem || !queued;
}

/* The RSA public key in a PEM text (SubjectPublicKeyInfo, "BEGIN PUBLIC KEY"), and its size in
 * bytes in *size; or NULL and why in *st. */
static EVP_PKEY *rtk_read_public_key(const char *pem, size_t pem_len, int *size,
                                     rtk_verify_status *st, int queue_was_empty) {
  BIO *bio;
  EVP_PKEY *key;
  if (pem_len == 0 || pem_len > (size_t)INT_MAX) {
    *st = RTK_VERIFY_BAD_KEY;
    return NULL;
  }
  bio = BIO_new_mem_buf(pem, (int)pem_len);
  if (bio == NULL) {
    *st = RTK_VERIFY_NOMEM;
    return NULL;
  }
  key = PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL);
  BIO_free(bio);
  if (key == NULL) {
    *st = rtk_ossl_nomem(queue_was_empty) ? RTK_VERIFY_NOMEM : RTK_VERIFY_BAD_KEY;
    return NULL;
  }
  /* The size of an RSA key OpenSSL has read is known, unless memory ran out finding it. */
  *size = EVP_PKEY_base_id(key) == EVP_PKEY_RSA ? EVP_PKEY_size(key) : -1;
  if (*size <= 0 || (size_t)*size > RTK_SIG_MAX) {
    EVP_PKEY_free(key);
    *st = *size == 0 ? RTK_VERIFY_NOMEM : RTK_VERIFY_BAD_KEY;
    return NULL;
  }
  return key;
}

/* Checks a decoded signature of body against key, an RSA key that has been read whole: past
 * that point only resources can fail, and a failure of OpenSSL's that is not a mismatch is
 * reported as out of memory. */
static rtk_verify_status rtk_verify_with(EVP_PKEY *key, const void *body, size_t body_len,
                                         const unsigned char *sig, size_t sig_len,
                                         int queue_was_empty) {
  EVP_MD_CTX *md = EVP_MD_CTX_new();
  EVP_PKEY_CTX *pctx = NULL;
  rtk_verify_status st;
  if (md == NULL)
    return RTK_VERIFY_NOMEM;
  /* One final step, so no copy of the digest's state is made for it (a copy that could fail
   * for want of memory and read as a mismatch). */
  EVP_MD_CTX_set_flags(md, EVP_MD_CTX_FLAG_FINALISE);
  if (EVP_DigestVerifyInit(md, &pctx, EVP_sha256(), NULL, key) != 1 ||
      EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) <= 0 ||
      EVP_DigestVerifyUpdate(md, body_len > 0 ? body : "", body_len) != 1)
    st = RTK_VERIFY_NOMEM;
  else if (EVP_DigestVerifyFinal(md, sig, sig_len) == 1)
    st = RTK_VERIFY_OK;
  else
    st = rtk_ossl_nomem(queue_was_empty) ? RTK_VERIFY_NOMEM : RTK_VERIFY_MISMATCH;
  EVP_MD_CTX_free(md);
  return st;
}

rtk_verify_status rtk_verify_rsa_sha256(const void *body, size_t body_len, const char *sig_b64,
                                        size_t sig_len, const char *pem, size_t pem_len) {
  rtk_verify_status st = RTK_VERIFY_OK;
  EVP_PKEY *key;
  int queue_was_empty, size = 0;
  if (pem == NULL)
    return RTK_VERIFY_BAD_KEY;
  /* Whatever fails below leaves its reasons on this thread's OpenSSL error queue; they are
   * popped back to this mark at the end, so that neither a later caller of OpenSSL in the same
   * thread (nginx, libcurl) sees them, nor are errors queued before this call lost. */
  queue_was_empty = ERR_peek_error() == 0;
  (void)ERR_set_mark();
  key = rtk_read_public_key(pem, pem_len, &size, &st, queue_was_empty);
  if (key != NULL) {
    unsigned char sig[RTK_SIG_MAX];
    long n;
    if ((body == NULL && body_len > 0) || sig_b64 == NULL || sig_len == 0 ||
        sig_len > RTK_SIG_B64_MAX ||
        (n = rtk_b64_decode(sig_b64, sig_len, sig, sizeof sig)) < 0 ||
        n != (long)size)
      st = RTK_VERIFY_BAD_SIGNATURE;
    else
      st = rtk_verify_with(key, body, body_len, sig, (size_t)n, queue_was_empty);
    EVP_PKEY_free(key);
  }
  (void)ERR_pop_to_mark();
  return st;
}

/* A key and its signature of a text, which rtk_verify_init checks. */
static const char rtk_self_test_key[] =
  "-----BEGIN PUBLIC KEY-----\n"
  "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAnQTjZurWPUjPcXVcU3M4\n"
  "+B41SVnyU+z8cpYdD91vyhtpQfhsY63EFWSbyqvNXIg36aqBMqRamULPUTg4BmOd\n"
  "ZPcxgKw3EeyNlqJDnrvcqu+bX5vY9hWMpxmnYWYCO3IUd5+/jFFdh6ERi/TNGNK/\n"
  "4iwcCD8bnfYdfm38fF5LSC9q4nukjvIrrLqKKVoxCMVeDD8zvSftQBQu+7Rt5YP5\n"
  "3+TN+5B/OCvizKnqU9cYIl0OuANS83ygQHN5so6E0FJvQw/8gMOnISrfm6+A/pE/\n"
  "qXcQXGcnUxZLETmrkD6X/ElQwwAORYpHZpfONV9DbBcv3h9Yjr7DeK0ZWzUXWi5A\n"
  "zwIDAQAB\n"
  "-----END PUBLIC KEY-----\n";
static const char rtk_self_test_sig[] =
  "C8fz2QilUoHZgLcikrsSLB2O1s1yB7VJNFePlJ7hoZXSTD9zGH4snRvnlgMFZOMC/YldsJc1WwSUuxeNlay5hz+v"
  "riVFl2sUWFDCY67PCprF0mm/udzrH7T2F8xpQd1TsTNAU2XPrUTl7ERdL9jazZwKZLNJi2HCjPrgwSGStX/yEJmS"
  "eWwokFiRRGw0IQoK6XhJz0yxh9ADCTzCm3b11N3cuktl1e4EwV/oteJJFuewOYLoiUksyOWkBqdt3ERZ9dRHdDer"
  "DBYAEaPZLq7yEwB3NeVot3FxlQs/ZICpzbGmqTEzxvKjjxK+bHwxbVmTwClGgJP3MwVwuReU9DbxkA==";
static const char rtk_self_test_body[] = "realtimekit self-test";

rtk_verify_status rtk_verify_init(void) {
  /* OpenSSL initialises itself on first use, loading its providers, decoders and algorithm
   * names; where an allocation fails meanwhile, it can keep the failure for the rest of the
   * process, and every later key would read as unusable. Once one whole check has succeeded
   * here, later failures are those of their own call. */
  if (OPENSSL_init_crypto(0, NULL) != 1)
    return RTK_VERIFY_NOMEM;
  if (rtk_verify_rsa_sha256(rtk_self_test_body, sizeof rtk_self_test_body - 1, rtk_self_test_sig,
                            sizeof rtk_self_test_sig - 1, rtk_self_test_key,
                            sizeof rtk_self_test_key - 1) != RTK_VERIFY_OK)
    return RTK_VERIFY_NOMEM;
  return RTK_VERIFY_OK;
}

const char *rtk_verify_name(rtk_verify_status s) {
  switch (s) {
  case RTK_VERIFY_OK: return "ok";
  case RTK_VERIFY_MISMATCH: return "mismatch";
  case RTK_VERIFY_BAD_SIGNATURE: return "bad_signature";
  case RTK_VERIFY_BAD_KEY: return "bad_key";
  case RTK_VERIFY_NOMEM: return "nomem";
  }
  return "bad_signature";
}

const char *rtk_verify_message(rtk_verify_status s) {
  switch (s) {
  case RTK_VERIFY_OK: return "the signature is valid";
  case RTK_VERIFY_MISMATCH: return "the signature does not match the body and the key";
  case RTK_VERIFY_BAD_SIGNATURE:
    return "the signature is not base64 of the key's size (empty, malformed or truncated)";
  case RTK_VERIFY_BAD_KEY:
    return "the public key is not a PEM RSA public key (BEGIN PUBLIC KEY) of up to 8192 bits";
  case RTK_VERIFY_NOMEM: return "out of memory";
  }
  return "the signature could not be checked";
}
