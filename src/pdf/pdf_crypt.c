/*
 * The standard security handler (ISO 32000-1 7.6.3, ISO 32000-2 7.6.4):
 * reading encrypted documents. The file key is derived from a password
 * (the empty user password unless the caller gives one) by algorithm 2
 * (R2-R4, RC4 40-128 and AESV2) or algorithm 2.A with the hash of 2.B (R6,
 * AESV3; R5, the deprecated Adobe extension level 3, with plain SHA-256).
 * Strings and streams of indirect objects are decrypted when they are
 * read, with the object key of algorithm 1; the /Encrypt dictionary, xref
 * streams, the /Contents of signature dictionaries (ISO 32000-2 7.6.2) and,
 * with /EncryptMetadata false, metadata streams are left as they are.
 *
 * RC4 lives in OpenSSL 3's legacy provider. We never load that provider
 * into the process's default library context (that would change which
 * providers every other fetch sees); a private OSSL_LIB_CTX, made once,
 * holds the legacy provider and RC4 is fetched from it alone. When the
 * provider cannot be loaded an RC4 document fails with code
 * "pdf_crypt_unsupported" and a message that says so.
 *
 * Key derivation is bounded: algorithm 2 is 51 MD5s, algorithm 2.B at most
 * 288 rounds over at most 15296 bytes each (the loop ends once
 * E[last] <= round - 32, and E[last] <= 255).
 */
#include "pdf/pdf_int.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/provider.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define PW_MAX 127u /* ISO 32000-2 7.6.4.3.3: UTF-8 passwords are truncated to 127 bytes */

static const uint8_t pad32[32] = { 0x28, 0xBF, 0x4E, 0x5E, 0x4E, 0x75, 0x8A, 0x41, 0x64, 0x00, 0x4E, 0x56, 0xFF, 0xFA, 0x01,
	0x08, 0x2E, 0x2E, 0x00, 0xB6, 0xD0, 0x68, 0x3E, 0x80, 0x2F, 0x0C, 0xA9, 0xFE, 0x64, 0x53, 0x69, 0x7A };

/* ---- RC4 from a private library context with the legacy provider ---- */

static pthread_once_t rc4_once = PTHREAD_ONCE_INIT;
static EVP_CIPHER *rc4_cipher; /* NULL when the legacy provider is not there */

static void rc4_init(void)
{
	OSSL_LIB_CTX *ctx = OSSL_LIB_CTX_new();

	if (ctx == NULL)
		return;
	if (OSSL_PROVIDER_load(ctx, "legacy") == NULL) {
		OSSL_LIB_CTX_free(ctx);
		return;
	}
	/* The context and the provider live as long as the process: the cipher points into them. */
	rc4_cipher = EVP_CIPHER_fetch(ctx, "RC4", NULL);
}

bool pdf_crypt_rc4_available(void)
{
	pthread_once(&rc4_once, rc4_init);
	return rc4_cipher != NULL;
}

/* out = RC4(key, in); out may be in. */
static enum tk_err rc4(const uint8_t *key, size_t klen, const uint8_t *in, size_t len, uint8_t *out)
{
	EVP_CIPHER_CTX *c;
	int n1 = 0, n2 = 0;
	enum tk_err rc = TK_OK;

	if (!pdf_crypt_rc4_available())
		return tk_fail_code(TK_ERR_CRYPTO, "pdf_crypt_unsupported",
		    "pdf: ISO 32000-1 7.6.3: the document is encrypted with RC4, which this OpenSSL cannot provide "
		    "(its legacy provider did not load; set OPENSSL_MODULES to the directory of legacy.so)");
	if (len > INT32_MAX)
		return tk_fail(TK_ERR_LIMIT, "pdf: encrypted data of %zu bytes is too large", len);
	if ((c = EVP_CIPHER_CTX_new()) == NULL)
		return tk_fail(TK_ERR_NOMEM, "pdf: out of memory");
	if (EVP_DecryptInit_ex2(c, rc4_cipher, NULL, NULL, NULL) != 1 || EVP_CIPHER_CTX_set_key_length(c, (int)klen) != 1 ||
	    EVP_DecryptInit_ex2(c, NULL, key, NULL, NULL) != 1 || EVP_DecryptUpdate(c, out, &n1, in, (int)len) != 1 ||
	    EVP_DecryptFinal_ex(c, out + n1, &n2) != 1 || (size_t)n1 + (size_t)n2 != len)
		rc = tk_fail_ossl("pdf: RC4");
	EVP_CIPHER_CTX_free(c);
	return rc;
}

/* AES-CBC without padding (the building block of algorithms 2.A, 2.B and 8-10); out may not be in. */
static enum tk_err aes_cbc_raw(bool enc, const uint8_t *key, size_t klen, const uint8_t *iv, const uint8_t *in, size_t len,
    uint8_t *out)
{
	EVP_CIPHER_CTX *c;
	const EVP_CIPHER *ci = klen == 16 ? EVP_aes_128_cbc() : EVP_aes_256_cbc();
	int n1 = 0, n2 = 0;
	enum tk_err rc = TK_OK;

	if (len % 16 != 0 || len > INT32_MAX)
		return tk_fail(TK_ERR_INTERNAL, "pdf: AES data is not whole blocks");
	if ((c = EVP_CIPHER_CTX_new()) == NULL)
		return tk_fail(TK_ERR_NOMEM, "pdf: out of memory");
	if (EVP_CipherInit_ex2(c, ci, key, iv, enc ? 1 : 0, NULL) != 1 || EVP_CIPHER_CTX_set_padding(c, 0) != 1 ||
	    EVP_CipherUpdate(c, out, &n1, in, (int)len) != 1 || EVP_CipherFinal_ex(c, out + n1, &n2) != 1 ||
	    (size_t)n1 + (size_t)n2 != len)
		rc = tk_fail_ossl("pdf: AES");
	EVP_CIPHER_CTX_free(c);
	return rc;
}

static enum tk_err digest(const char *md, const uint8_t *const *parts, const size_t *lens, size_t n, uint8_t *out, size_t *outlen)
{
	unsigned int ol = 0;
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	const EVP_MD *m = strcmp(md, "MD5") == 0 ? EVP_md5() : strcmp(md, "SHA256") == 0 ? EVP_sha256()
							   : strcmp(md, "SHA384") == 0   ? EVP_sha384()
											 : EVP_sha512();
	size_t i;
	enum tk_err rc = TK_OK;

	if (c == NULL)
		return tk_fail(TK_ERR_NOMEM, "pdf: out of memory");
	if (EVP_DigestInit_ex(c, m, NULL) != 1)
		rc = tk_fail_ossl("pdf: %s", md);
	for (i = 0; i < n && rc == TK_OK; i++)
		if (lens[i] > 0 && EVP_DigestUpdate(c, parts[i], lens[i]) != 1)
			rc = tk_fail_ossl("pdf: %s", md);
	if (rc == TK_OK && EVP_DigestFinal_ex(c, out, &ol) != 1)
		rc = tk_fail_ossl("pdf: %s", md);
	EVP_MD_CTX_free(c);
	if (outlen != NULL)
		*outlen = ol;
	return rc;
}

/* ---- R2-R4 (ISO 32000-1 7.6.3.3) ---- */

struct sh {
	int v, r;
	size_t n; /* file key length in bytes */
	uint8_t o[48], u[48], oe[32], ue[32];
	size_t olen, ulen;
	int32_t p;
	const uint8_t *id;
	size_t idlen;
	bool meta; /* /EncryptMetadata */
};

/* Algorithm 2: the file key from a password (given as bytes, padded here). */
static enum tk_err alg2(const struct sh *h, const uint8_t *pw, size_t pwlen, uint8_t key[16])
{
	uint8_t padded[32], pb[4], h16[16], ff[4] = { 0xff, 0xff, 0xff, 0xff };
	const uint8_t *parts[5];
	size_t lens[5], np = 4;
	int i;
	enum tk_err rc;

	if (pwlen > 32)
		pwlen = 32;
	memcpy(padded, pw, pwlen);
	memcpy(padded + pwlen, pad32, 32 - pwlen);
	pb[0] = (uint8_t)((uint32_t)h->p & 0xff);
	pb[1] = (uint8_t)(((uint32_t)h->p >> 8) & 0xff);
	pb[2] = (uint8_t)(((uint32_t)h->p >> 16) & 0xff);
	pb[3] = (uint8_t)(((uint32_t)h->p >> 24) & 0xff);
	parts[0] = padded, lens[0] = 32;
	parts[1] = h->o, lens[1] = 32;
	parts[2] = pb, lens[2] = 4;
	parts[3] = h->id, lens[3] = h->idlen;
	if (h->r >= 4 && !h->meta) {
		parts[4] = ff, lens[4] = 4;
		np = 5;
	}
	rc = digest("MD5", parts, lens, np, h16, NULL);
	for (i = 0; rc == TK_OK && h->r >= 3 && i < 50; i++) {
		const uint8_t *pp[1] = { h16 };
		size_t ll[1] = { h->n };
		rc = digest("MD5", pp, ll, 1, h16, NULL);
	}
	if (rc == TK_OK)
		memcpy(key, h16, h->n);
	OPENSSL_cleanse(padded, sizeof(padded));
	OPENSSL_cleanse(h16, sizeof(h16));
	return rc;
}

/* Algorithms 4 and 5: does key give /U? */
static enum tk_err check_u(const struct sh *h, const uint8_t *key, bool *ok)
{
	uint8_t x[32], k[16];
	enum tk_err rc;
	int i;
	size_t j;

	*ok = false;
	if (h->r == 2) {
		if ((rc = rc4(key, h->n, pad32, 32, x)) != TK_OK)
			return rc;
		*ok = CRYPTO_memcmp(x, h->u, 32) == 0;
		return TK_OK;
	}
	{
		const uint8_t *parts[2] = { pad32, h->id };
		size_t lens[2] = { 32, h->idlen };
		if ((rc = digest("MD5", parts, lens, 2, x, NULL)) != TK_OK)
			return rc;
	}
	for (i = 0; i < 20; i++) {
		for (j = 0; j < h->n; j++)
			k[j] = (uint8_t)(key[j] ^ i);
		if ((rc = rc4(k, h->n, x, 16, x)) != TK_OK)
			return rc;
	}
	*ok = CRYPTO_memcmp(x, h->u, 16) == 0;
	OPENSSL_cleanse(k, sizeof(k));
	return TK_OK;
}

/* Algorithm 7: the user password hidden in /O by the owner password; out is 32 bytes. */
static enum tk_err owner_to_user(const struct sh *h, const uint8_t *pw, size_t pwlen, uint8_t out[32])
{
	uint8_t padded[32], h16[16], k[16];
	const uint8_t *parts[1] = { padded };
	size_t lens[1] = { 32 };
	size_t j;
	int i;
	enum tk_err rc;

	if (pwlen > 32)
		pwlen = 32;
	memcpy(padded, pw, pwlen);
	memcpy(padded + pwlen, pad32, 32 - pwlen);
	rc = digest("MD5", parts, lens, 1, h16, NULL);
	for (i = 0; rc == TK_OK && h->r >= 3 && i < 50; i++) {
		const uint8_t *pp[1] = { h16 };
		size_t ll[1] = { 16 };
		rc = digest("MD5", pp, ll, 1, h16, NULL);
	}
	if (rc == TK_OK)
		memcpy(out, h->o, 32);
	if (rc == TK_OK && h->r == 2)
		rc = rc4(h16, h->n, out, 32, out);
	for (i = 19; rc == TK_OK && h->r >= 3 && i >= 0; i--) {
		for (j = 0; j < h->n; j++)
			k[j] = (uint8_t)(h16[j] ^ i);
		rc = rc4(k, h->n, out, 32, out);
	}
	OPENSSL_cleanse(padded, sizeof(padded));
	OPENSSL_cleanse(h16, sizeof(h16));
	OPENSSL_cleanse(k, sizeof(k));
	return rc;
}

/* ---- R5/R6 (ISO 32000-2 7.6.4.3.3, 7.6.4.3.4) ---- */

/* Algorithm 2.B (R6) or plain SHA-256 (R5): hash of pw, an 8-byte salt and udata (0 or 48 bytes). */
static enum tk_err hash2b(int r, const uint8_t *pw, size_t pwlen, const uint8_t *salt, const uint8_t *udata, size_t ulen,
    uint8_t out[32])
{
	uint8_t k[64], *k1 = NULL, *e = NULL;
	size_t klen = 32, seq, total, i;
	const uint8_t *parts[3] = { pw, salt, udata };
	size_t lens[3] = { pwlen, 8, ulen };
	unsigned round;
	enum tk_err rc;

	if ((rc = digest("SHA256", parts, lens, 3, k, NULL)) != TK_OK)
		return rc;
	if (r == 5) {
		memcpy(out, k, 32);
		OPENSSL_cleanse(k, sizeof(k));
		return TK_OK;
	}
	seq = pwlen + 64 + ulen; /* the longest K1 block */
	total = seq * 64;
	if ((k1 = malloc(total)) == NULL || (e = malloc(total)) == NULL) {
		rc = tk_fail(TK_ERR_NOMEM, "pdf: out of memory");
		goto out;
	}
	for (round = 0;; round++) {
		size_t one = pwlen + klen + ulen, sum = 0;
		const char *md;
		if (round > 300) {
			rc = tk_fail(TK_ERR_INTERNAL, "pdf: algorithm 2.B did not end"); /* cannot happen: E[last] <= 255 */
			goto out;
		}
		for (i = 0; i < 64; i++) {
			memcpy(k1 + i * one, pw, pwlen);
			memcpy(k1 + i * one + pwlen, k, klen);
			if (ulen > 0)
				memcpy(k1 + i * one + pwlen + klen, udata, ulen);
		}
		if ((rc = aes_cbc_raw(true, k, 16, k + 16, k1, one * 64, e)) != TK_OK)
			goto out;
		for (i = 0; i < 16; i++)
			sum += e[i];
		md = sum % 3 == 0 ? "SHA256" : sum % 3 == 1 ? "SHA384"
							    : "SHA512";
		{
			const uint8_t *pp[1] = { e };
			size_t ll[1] = { one * 64 };
			if ((rc = digest(md, pp, ll, 1, k, &klen)) != TK_OK)
				goto out;
		}
		if (round >= 63 && e[one * 64 - 1] <= round + 1 - 32)
			break;
	}
	memcpy(out, k, 32);
	rc = TK_OK;
out:
	OPENSSL_cleanse(k, sizeof(k));
	if (k1 != NULL)
		OPENSSL_clear_free(k1, total);
	if (e != NULL)
		OPENSSL_clear_free(e, total);
	return rc;
}

/* Algorithms 2.A, 11 and 12: the file key when pw is the user or the owner password. */
static enum tk_err alg2a(const struct sh *h, const uint8_t *pw, size_t pwlen, uint8_t key[32], bool *ok)
{
	uint8_t x[32], zero[16] = { 0 };
	enum tk_err rc;
	int owner;

	*ok = false;
	if (pwlen > PW_MAX)
		pwlen = PW_MAX;
	for (owner = 1; owner >= 0 && !*ok; owner--) {
		const uint8_t *src = owner ? h->o : h->u;
		const uint8_t *ud = owner ? h->u : NULL;
		size_t ul = owner ? 48 : 0;
		if ((rc = hash2b(h->r, pw, pwlen, src + 32, ud, ul, x)) != TK_OK)
			return rc;
		if (CRYPTO_memcmp(x, src, 32) != 0)
			continue;
		if ((rc = hash2b(h->r, pw, pwlen, src + 40, ud, ul, x)) != TK_OK)
			return rc;
		if ((rc = aes_cbc_raw(false, x, 32, zero, owner ? h->oe : h->ue, 32, key)) != TK_OK)
			return rc;
		*ok = true;
	}
	OPENSSL_cleanse(x, sizeof(x));
	return TK_OK;
}

/* ---- the /Encrypt dictionary ---- */

static enum tk_err bad(const char *what)
{
	return tk_fail_code(TK_ERR_INVALID, "pdf_encrypt_invalid", "pdf: ISO 32000-1 7.6.1: the /Encrypt dictionary %s", what);
}

static bool get_str(const struct pdf_obj *dict, const char *key, const uint8_t **p, size_t *len)
{
	return pdf_as_string(pdf_dict_get(dict, key), p, len);
}

/* A crypt filter by name (7.6.5): Identity or an entry of /CF. */
static enum tk_err cf_method(const struct pdf_obj *enc, const struct pdf_obj *name, int v, enum pdf_cm *out)
{
	const struct pdf_obj *cf, *f, *cfm;
	const char *nm;
	size_t nl;

	if (name == NULL || pdf_name_is(name, "Identity")) {
		*out = PDF_CM_IDENTITY;
		return TK_OK;
	}
	if (!pdf_as_name(name, &nm, &nl) || nl > 127)
		return bad("names a crypt filter (/StmF, /StrF) that is not a name");
	cf = pdf_dict_get(enc, "CF");
	f = NULL;
	for (size_t i = 0; i < pdf_dict_len(cf); i++) {
		const char *k;
		size_t kl;
		const struct pdf_obj *val;
		if (pdf_dict_entry(cf, i, &k, &kl, &val) && kl == nl && memcmp(k, nm, nl) == 0)
			f = val;
	}
	if (pdf_obj_type(f) != PDF_DICT)
		return bad("names a crypt filter that /CF does not define");
	cfm = pdf_dict_get(f, "CFM");
	if (cfm == NULL || pdf_name_is(cfm, "None"))
		*out = PDF_CM_IDENTITY;
	else if (pdf_name_is(cfm, "V2"))
		*out = PDF_CM_RC4;
	else if (pdf_name_is(cfm, "AESV2"))
		*out = PDF_CM_AESV2;
	else if (pdf_name_is(cfm, "AESV3") && v == 5)
		*out = PDF_CM_AESV3;
	else
		return tk_fail_code(TK_ERR_INVALID, "pdf_crypt_unsupported",
		    "pdf: ISO 32000-1 7.6.5: crypt filter method /CFM is not one of /None, /V2, /AESV2, /AESV3");
	if ((*out == PDF_CM_AESV3) != (v == 5))
		return bad("mixes AESV3 with an older key (/V)");
	return TK_OK;
}

static const char *cm_name(enum pdf_cm m)
{
	switch (m) {
	case PDF_CM_RC4: return "RC4";
	case PDF_CM_AESV2: return "AES-128";
	case PDF_CM_AESV3: return "AES-256";
	default: return "none";
	}
}

void pdf_crypt_free(struct pdf_crypt *c)
{
	if (c != NULL)
		OPENSSL_clear_free(c, sizeof(*c));
}

enum tk_err pdf_crypt_open(const struct pdf_obj *enc, const struct pdf_obj *id, const char *password, struct pdf_crypt **out)
{
	struct sh h;
	struct pdf_crypt *c = NULL;
	const struct pdf_obj *filt = pdf_dict_get(enc, "Filter");
	const uint8_t *s;
	size_t sl;
	int64_t v = 0, r = 0, len = 40, p = 0;
	bool ok = false, meta = true;
	enum tk_err rc;

	*out = NULL;
	memset(&h, 0, sizeof(h));
	if (pdf_obj_type(enc) != PDF_DICT)
		return bad("is not a dictionary");
	if (!pdf_name_is(filt, "Standard")) {
		const char *nm = "?";
		size_t nl = 1;
		if (!pdf_as_name(filt, &nm, &nl))
			return bad("has no /Filter name");
		return tk_fail_code(TK_ERR_INVALID, "pdf_crypt_unsupported",
		    "pdf: ISO 32000-1 7.6.1: the document is encrypted with the security handler /%.*s; only the standard (password) "
		    "handler is supported",
		    (int)(nl > 64 ? 64 : nl), nm);
	}
	if (!pdf_as_int(pdf_dict_get(enc, "V"), &v))
		v = 0;
	if (!pdf_as_int(pdf_dict_get(enc, "R"), &r) || r < 2 || r > 6)
		return bad("has a revision /R other than 2 to 6 (ISO 32000-1 7.6.3.2, ISO 32000-2 7.6.4.2)");
	if (v != 1 && v != 2 && v != 4 && v != 5)
		return tk_fail_code(TK_ERR_INVALID, "pdf_crypt_unsupported",
		    "pdf: ISO 32000-1 7.6.1: encryption algorithm /V %lld is not supported (1, 2, 4 and 5 are)", (long long)v);
	if (!pdf_as_int(pdf_dict_get(enc, "P"), &p) || p < INT32_MIN || p > (int64_t)UINT32_MAX)
		return bad("has no valid /P");
	h.p = (int32_t)(uint32_t)(p & 0xffffffff);
	h.v = (int)v;
	h.r = (int)r;
	if (pdf_as_bool(pdf_dict_get(enc, "EncryptMetadata"), &meta) && !meta && v < 4)
		meta = true; /* only crypt filters (V4, V5) can leave metadata in clear */
	h.meta = meta;
	if (pdf_dict_get(enc, "Length") != NULL && !pdf_as_int(pdf_dict_get(enc, "Length"), &len))
		return bad("has a /Length that is not an integer");
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return tk_fail(TK_ERR_NOMEM, "pdf: out of memory");
	c->v = h.v;
	c->r = h.r;
	c->encrypt_metadata = meta;
	if (v == 1) {
		h.n = 5;
		c->stm = c->str = PDF_CM_RC4;
	} else if (v == 2) {
		if (len < 40 || len > 128 || len % 8 != 0) {
			rc = bad("has a key /Length that is not 40 to 128 bits in steps of 8");
			goto out;
		}
		h.n = (size_t)len / 8;
		c->stm = c->str = PDF_CM_RC4;
	} else {
		if ((rc = cf_method(enc, pdf_dict_get(enc, "StmF"), h.v, &c->stm)) != TK_OK ||
		    (rc = cf_method(enc, pdf_dict_get(enc, "StrF"), h.v, &c->str)) != TK_OK)
			goto out;
		if (v == 4) {
			if (pdf_dict_get(enc, "Length") == NULL)
				len = 128;
			if (len < 40 || len > 128 || len % 8 != 0) {
				rc = bad("has a key /Length that is not 40 to 128 bits in steps of 8");
				goto out;
			}
			h.n = (size_t)len / 8;
			if ((c->stm == PDF_CM_AESV2 || c->str == PDF_CM_AESV2) && h.n != 16) {
				rc = bad("asks for AESV2 with a key that is not 128 bits");
				goto out;
			}
		} else {
			h.n = 32;
		}
	}
	if ((v == 5) != (r >= 5)) {
		rc = bad("pairs /V and /R wrongly (/V 5 goes with /R 5 or 6 only)");
		goto out;
	}
	/* /O and /U: 32 bytes for R2-R4, 48 (at least) for R5 and R6; /OE and /UE: 32 bytes. */
	if (!get_str(enc, "O", &s, &sl) || sl < (r >= 5 ? 48u : 32u)) {
		rc = bad(r >= 5 ? "has an /O string shorter than 48 bytes" : "has an /O string shorter than 32 bytes");
		goto out;
	}
	memcpy(h.o, s, r >= 5 ? 48 : 32);
	if (!get_str(enc, "U", &s, &sl) || sl < (r >= 5 ? 48u : 32u)) {
		rc = bad(r >= 5 ? "has a /U string shorter than 48 bytes" : "has a /U string shorter than 32 bytes");
		goto out;
	}
	memcpy(h.u, s, r >= 5 ? 48 : 32);
	if (r >= 5) {
		if (!get_str(enc, "OE", &s, &sl) || sl != 32) {
			rc = bad("has no 32-byte /OE string");
			goto out;
		}
		memcpy(h.oe, s, 32);
		if (!get_str(enc, "UE", &s, &sl) || sl != 32) {
			rc = bad("has no 32-byte /UE string");
			goto out;
		}
		memcpy(h.ue, s, 32);
	} else if (!pdf_as_string(pdf_array_get(id, 0), &h.id, &h.idlen)) {
		rc = tk_fail_code(TK_ERR_INVALID, "pdf_encrypt_invalid",
		    "pdf: ISO 32000-1 7.6.3.3: the trailer has no /ID, which the key of an encrypted document needs");
		goto out;
	}
	c->keylen = h.n;
	{
		const char *pw = password != NULL ? password : "";
		size_t pwlen = strlen(pw);
		if (r >= 5) {
			if ((rc = alg2a(&h, (const uint8_t *)pw, pwlen, c->key, &ok)) != TK_OK)
				goto out;
		} else {
			/* The password as the user password, then as the owner password (algorithm 7). */
			uint8_t upw[32];
			if ((rc = alg2(&h, (const uint8_t *)pw, pwlen, c->key)) != TK_OK || (rc = check_u(&h, c->key, &ok)) != TK_OK)
				goto out;
			if (!ok && password != NULL && password[0] != '\0') {
				rc = owner_to_user(&h, (const uint8_t *)pw, pwlen, upw);
				if (rc == TK_OK && (rc = alg2(&h, upw, 32, c->key)) == TK_OK)
					rc = check_u(&h, c->key, &ok);
				OPENSSL_cleanse(upw, sizeof(upw));
				if (rc != TK_OK)
					goto out;
			}
		}
	}
	if (!ok) {
		if (password == NULL || password[0] == '\0')
			rc = tk_fail_code(TK_ERR_INVALID, "pdf_password",
			    "pdf: ISO 32000-1 7.6.3: the document is encrypted with a user password, which is needed to open it");
		else
			rc = tk_fail_code(TK_ERR_INVALID, "pdf_password",
			    "pdf: ISO 32000-1 7.6.3: the document is encrypted and the given password is neither its user nor its owner password");
		goto out;
	}
	if (str_fmt(c->desc, sizeof(c->desc), "%s%s%zu-bit key, R%d", c->stm == c->str ? cm_name(c->stm) : "mixed",
		c->stm == c->str ? " with a " : " methods, ", h.n * 8, h.r) != TK_OK)
		c->desc[0] = '\0';
	if (r == 5 || (c->stm == PDF_CM_AESV3 && c->str == PDF_CM_AESV3))
		if (str_fmt(c->desc, sizeof(c->desc), "AES-256, R%d%s", h.r, r == 5 ? " (deprecated Adobe extension)" : "") != TK_OK)
			c->desc[0] = '\0';
	if (c->stm == PDF_CM_IDENTITY && c->str == PDF_CM_IDENTITY &&
	    str_fmt(c->desc, sizeof(c->desc), "Identity crypt filters (in clear), R%d", h.r) != TK_OK)
		c->desc[0] = '\0';
	*out = c;
	c = NULL;
	rc = TK_OK;
out:
	OPENSSL_cleanse(&h, sizeof(h));
	pdf_crypt_free(c);
	return rc;
}

/*
 * Decrypts in[0..len) of object num gen with method m into out (at most len
 * bytes; out must not overlap in). Algorithm 1 for the object key.
 */
enum tk_err pdf_crypt_data(const struct pdf_crypt *c, enum pdf_cm m, uint32_t num, uint16_t gen, const uint8_t *in, size_t len,
    uint8_t *out, size_t *outlen)
{
	uint8_t okey[32], h[16];
	size_t klen;
	enum tk_err rc;

	*outlen = 0;
	if (m == PDF_CM_NONE || m == PDF_CM_IDENTITY) {
		memcpy(out, in, len);
		*outlen = len;
		return TK_OK;
	}
	if (m == PDF_CM_AESV3) {
		memcpy(okey, c->key, 32);
		klen = 32;
	} else {
		uint8_t ext[9] = { (uint8_t)(num & 0xff), (uint8_t)((num >> 8) & 0xff), (uint8_t)((num >> 16) & 0xff),
			(uint8_t)(gen & 0xff), (uint8_t)(gen >> 8), 's', 'A', 'l', 'T' };
		const uint8_t *parts[2] = { c->key, ext };
		size_t lens[2] = { c->keylen, m == PDF_CM_AESV2 ? 9u : 5u };
		if ((rc = digest("MD5", parts, lens, 2, h, NULL)) != TK_OK)
			return rc;
		klen = c->keylen + 5 > 16 ? 16 : c->keylen + 5;
		memcpy(okey, h, klen);
	}
	if (m == PDF_CM_RC4) {
		rc = rc4(okey, klen, in, len, out);
		if (rc == TK_OK)
			*outlen = len;
		goto out;
	}
	/* AES: a 16-byte IV, then CBC with PKCS#5 padding (7.6.3.2). */
	if (len == 0) {
		rc = TK_OK;
		goto out;
	}
	if (len < 32 || len % 16 != 0) {
		rc = tk_fail(TK_ERR_INVALID, "pdf: ISO 32000-1 7.6.3.2: object %u %u: AES data of %zu bytes is not an IV and whole blocks",
		    num, (unsigned)gen, len);
		goto out;
	}
	if ((rc = aes_cbc_raw(false, okey, klen, in, in + 16, len - 16, out)) != TK_OK)
		goto out;
	{
		uint8_t pad = out[len - 17];
		size_t i;
		bool good = pad >= 1 && pad <= 16;
		for (i = 0; good && i < pad; i++)
			good = out[len - 17 - i] == pad;
		if (!good) {
			rc = tk_fail(TK_ERR_INVALID, "pdf: ISO 32000-1 7.6.3.2: object %u %u: AES data has bad padding (wrong key or damaged)",
			    num, (unsigned)gen);
			goto out;
		}
		*outlen = len - 16 - pad;
	}
	rc = TK_OK;
out:
	OPENSSL_cleanse(okey, sizeof(okey));
	OPENSSL_cleanse(h, sizeof(h));
	return rc;
}

/* ---- strings of indirect objects ---- */

static bool is_sig_dict(const struct pdf_obj *o)
{
	const struct pdf_obj *t = pdf_dict_get(o, "Type");

	return pdf_name_is(t, "Sig") || pdf_name_is(t, "DocTimeStamp") || pdf_dict_get(o, "ByteRange") != NULL;
}

static enum tk_err walk(struct pdf_doc *d, uint32_t num, uint16_t gen, struct pdf_obj *o, unsigned depth)
{
	size_t i;
	enum tk_err rc;

	if (depth > MAX_PDF_NESTING)
		return tk_fail(TK_ERR_LIMIT, "pdf: ISO 32000-1 7.3: object %u %u nested deeper than MAX_PDF_NESTING", num, (unsigned)gen);
	switch (o->type) {
	case PDF_STRING: {
		uint8_t *q;
		size_t ol;
		if (o->u.s.len == 0)
			return TK_OK;
		if ((q = arena_alloc(&d->arena, o->u.s.len)) == NULL)
			return TK_ERR_NOMEM;
		if ((rc = pdf_crypt_data(d->crypt, d->crypt->str, num, gen, o->u.s.p, o->u.s.len, q, &ol)) != TK_OK)
			return rc;
		o->u.s.p = q;
		o->u.s.len = ol;
		return TK_OK;
	}
	case PDF_ARRAY:
		for (i = 0; i < o->u.a.n; i++)
			if ((rc = walk(d, num, gen, (struct pdf_obj *)(uintptr_t)o->u.a.v[i], depth + 1)) != TK_OK)
				return rc;
		return TK_OK;
	case PDF_STREAM:
		return walk(d, num, gen, (struct pdf_obj *)(uintptr_t)o->u.st->dict, depth + 1);
	case PDF_DICT: {
		bool sig = is_sig_dict(o);
		for (i = 0; i < o->u.d.n; i++) {
			const struct pdf_kv *e = &o->u.d.e[i];
			/* ISO 32000-2 7.6.2: the Contents of a signature dictionary is not encrypted. */
			if (sig && e->klen == 8 && memcmp(e->key, "Contents", 8) == 0)
				continue;
			if ((rc = walk(d, num, gen, (struct pdf_obj *)(uintptr_t)e->val, depth + 1)) != TK_OK)
				return rc;
		}
		return TK_OK;
	}
	default:
		return TK_OK;
	}
}

enum tk_err pdf_crypt_object(struct pdf_doc *d, uint32_t num, uint16_t gen, const struct pdf_obj *o)
{
	if (d->crypt == NULL || (num == d->enc_num && gen == d->enc_gen) || d->crypt->str == PDF_CM_IDENTITY)
		return TK_OK;
	if (o->type == PDF_STREAM && pdf_name_is(pdf_dict_get(o, "Type"), "XRef"))
		return TK_OK; /* 7.6.2: cross-reference streams are not encrypted */
	return walk(d, num, gen, (struct pdf_obj *)(uintptr_t)o, 0);
}

enum tk_err pdf_crypt_stream_method(struct pdf_doc *d, const struct pdf_obj *st, const struct pdf_obj *crypt_parms, bool has_crypt_filter,
    enum pdf_cm *out)
{
	const struct pdf_obj *dict = st->u.st->dict;

	*out = PDF_CM_NONE;
	if (d == NULL || d->crypt == NULL)
		return TK_OK;
	/* Only streams read from the file; never the /Encrypt object or an xref stream (7.6.2). */
	{
		uintptr_t a = (uintptr_t)st->u.st->p, lo = (uintptr_t)d->p;
		if (a < lo || a - lo > d->len || st->u.st->len > d->len - (a - lo))
			return TK_OK;
	}
	if ((st->u.st->num == d->enc_num && st->u.st->gen == d->enc_gen) || pdf_name_is(pdf_dict_get(dict, "Type"), "XRef"))
		return TK_OK;
	if (!d->crypt->encrypt_metadata && pdf_name_is(pdf_dict_get(dict, "Type"), "Metadata"))
		return TK_OK;
	if (has_crypt_filter) {
		/* 7.4.10: a /Crypt filter names the stream's own crypt filter (Identity when unnamed). */
		const struct pdf_obj *nm = pdf_dict_get(crypt_parms, "Name");
		if (d->crypt->v < 4)
			return tk_fail(TK_ERR_INVALID, "pdf: ISO 32000-1 7.4.10: object %u %u has a /Crypt filter but the document's /V is below 4",
			    st->u.st->num, (unsigned)st->u.st->gen);
		return cf_method(d->crypt_dict, nm, d->crypt->v, out);
	}
	*out = d->crypt->stm;
	return TK_OK;
}
