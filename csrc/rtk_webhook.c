/* rtk_webhook.c -- RSA-SHA256 (PKCS #1 v1.5) verification of webhook bodies, with OpenSSL. */
#include <limits.h>
#include <string.h>

#include <openssl/bio.h>
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

/* The public key in a PEM text (SubjectPublicKeyInfo, "BEGIN PUBLIC KEY"), or NULL. */
static EVP_PKEY *rtk_read_public_key(const char *pem, size_t pem_len, rtk_verify_status *st) {
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
    *st = RTK_VERIFY_BAD_KEY;
    return NULL;
  }
  if (EVP_PKEY_base_id(key) != EVP_PKEY_RSA || EVP_PKEY_size(key) <= 0 ||
      (size_t)EVP_PKEY_size(key) > RTK_SIG_MAX) {
    EVP_PKEY_free(key);
    *st = RTK_VERIFY_BAD_KEY;
    return NULL;
  }
  return key;
}

/* Checks a decoded signature of body against key. */
static rtk_verify_status rtk_verify_with(EVP_PKEY *key, const void *body, size_t body_len,
                                         const unsigned char *sig, size_t sig_len) {
  EVP_MD_CTX *md = EVP_MD_CTX_new();
  EVP_PKEY_CTX *pctx = NULL;
  rtk_verify_status st;
  if (md == NULL)
    return RTK_VERIFY_NOMEM;
  if (EVP_DigestVerifyInit(md, &pctx, EVP_sha256(), NULL, key) != 1 ||
      EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) <= 0)
    st = RTK_VERIFY_BAD_KEY;
  else if (EVP_DigestVerifyUpdate(md, body_len > 0 ? body : "", body_len) != 1)
    st = RTK_VERIFY_NOMEM;
  else
    st = EVP_DigestVerifyFinal(md, sig, sig_len) == 1 ? RTK_VERIFY_OK : RTK_VERIFY_MISMATCH;
  EVP_MD_CTX_free(md);
  return st;
}

rtk_verify_status rtk_verify_rsa_sha256(const void *body, size_t body_len, const char *sig_b64,
                                        size_t sig_len, const char *pem, size_t pem_len) {
  rtk_verify_status st = RTK_VERIFY_OK;
  EVP_PKEY *key;
  if (pem == NULL)
    return RTK_VERIFY_BAD_KEY;
  if ((body == NULL && body_len > 0) || sig_b64 == NULL)
    return RTK_VERIFY_BAD_SIGNATURE;
  /* Whatever fails below leaves its reasons on this thread's OpenSSL error queue; they are
   * popped back to this mark at the end, so that neither a later caller of OpenSSL in the same
   * thread (nginx, libcurl) sees them, nor are errors queued before this call lost. */
  (void)ERR_set_mark();
  key = rtk_read_public_key(pem, pem_len, &st);
  if (key != NULL) {
    unsigned char sig[RTK_SIG_MAX];
    long n;
    if (sig_len == 0 || sig_len > RTK_SIG_B64_MAX ||
        (n = rtk_b64_decode(sig_b64, sig_len, sig, sizeof sig)) < 0 ||
        n != (long)EVP_PKEY_size(key))
      st = RTK_VERIFY_BAD_SIGNATURE;
    else
      st = rtk_verify_with(key, body, body_len, sig, (size_t)n);
    EVP_PKEY_free(key);
  }
  (void)ERR_pop_to_mark();
  return st;
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
