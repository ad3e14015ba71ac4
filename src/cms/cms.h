/*
 * cms: CMS SignedData (RFC 5652) for PAdES and CAdES signatures.
 *
 * Signing builds a detached SignedData over a content digest the caller
 * computed (so a 500 MB PDF's byte ranges are hashed where they lie),
 * with the signed attributes of the PAdES/CAdES baseline profiles:
 * contentType, messageDigest and signingCertificateV2 (RFC 5035), and
 * signingTime only on request. The signature itself goes through
 * key_sign(), so software and PKCS#11 keys behave the same.
 *
 * Reading parses outside bytes with named limits: strict DER, one
 * SignerInfo examined (the first; PAdES allows exactly one), signer found
 * by its SignerIdentifier among the embedded certificates. Path
 * validation, revocation and policy are not done here (see src/verify).
 */
#ifndef TEKEN_CMS_H
#define TEKEN_CMS_H

#include "core/core.h"
#include "keys/keys.h"

#include <openssl/evp.h>
#include <openssl/x509.h>

/* ---- limits on CMS input (named here; checked before memory grows) ---- */
#define CMS_MAX_BYTES (1024u * 1024u)      /* one CMS SignedData */
#define CMS_MAX_TOKEN_BYTES (256u * 1024u) /* one RFC 3161 TimeStampToken */
#define CMS_MAX_CERTS 32u                  /* embedded certificates */
#define CMS_MAX_SIGNERS 16u                /* SignerInfos in one SignedData */
#define CMS_MAX_ATTRS 64u                  /* attributes in one signed or unsigned set */
#define CMS_MAX_TIMESTAMPS 8u              /* signature timestamp tokens kept by cms_parse() */
#define CMS_MAX_DER_DEPTH 64u              /* nesting of constructed DER elements */
#define CMS_MAX_DIGEST 64u                 /* bytes of the largest digest (SHA-512) */

/*
 * Digest algorithms. We sign with SHA-256/384/512 only (cms_md_parse);
 * SHA-3 (FIPS 202, OIDs of RFC 8702 / NIST CSOR) and SHA-1 are read from
 * other signers' input, SHA-1 only so that the verifier can say it is
 * refused by policy after checking it. CMS_MD_OTHER: anything else.
 */
enum cms_md {
	CMS_MD_SHA256 = 0,
	CMS_MD_SHA384,
	CMS_MD_SHA512,
	CMS_MD_SHA3_256,
	CMS_MD_SHA3_384,
	CMS_MD_SHA3_512,
	CMS_MD_SHA1,
	CMS_MD_OTHER,
};

/*
 * Signature algorithms. CMS_SIG_ECDSA_PLAIN (BSI TR-03111 5.2.1
 * ecdsa-plain-*, OIDs 0.4.0.127.0.7.1.1.4.1.x: the value is r || s, each
 * as long as the group order) and CMS_SIG_OTHER only appear in parsed input.
 */
enum cms_sig { CMS_SIG_RSA_PKCS1 = 0,
	CMS_SIG_RSA_PSS,
	CMS_SIG_ECDSA,
	CMS_SIG_ECDSA_PLAIN,
	CMS_SIG_OTHER };

/* "sha256", "sha384", "sha512", "sha3-256", "sha3-384", "sha3-512", "sha1" ("other" for CMS_MD_OTHER). */
const char *cms_md_name(enum cms_md md);
/* Digest length in bytes (0 for CMS_MD_OTHER). */
size_t cms_md_size(enum cms_md md);
/* OpenSSL's digest (NULL for CMS_MD_OTHER); static, never freed. */
const EVP_MD *cms_md_evp(enum cms_md md);
/* Parses "sha256", "sha384", "sha512" (the digests we sign with). */
enum tk_err cms_md_parse(const char *name, enum cms_md *out) WARN_UNUSED;
/* "rsa-pkcs1", "rsa-pss", "ecdsa", "ecdsa-plain", "other". */
const char *cms_sig_name(enum cms_sig sig);

/* ---- digests of content ---- */

/*
 * Digest of p[0..len) into out (CMS_MAX_DIGEST bytes); *outlen set.
 * Does not keep p.
 */
enum tk_err cms_digest(enum cms_md md, const uint8_t *p, size_t len, uint8_t out[CMS_MAX_DIGEST],
    size_t *outlen) WARN_UNUSED;

/*
 * Content reader for streamed digests: sets *p and *len to the next chunk
 * (owned by the reader, valid until the next call) and *len = 0 at the
 * end. A PDF signer returns its two byte ranges straight from the mapped
 * file, so nothing is copied.
 */
typedef enum tk_err (*cms_read_fn)(void *arg, const uint8_t **p, size_t *len);

/* Digest of everything next() yields; fails with next()'s error. */
enum tk_err cms_digest_stream(enum cms_md md, cms_read_fn next, void *arg, uint8_t out[CMS_MAX_DIGEST],
    size_t *outlen) WARN_UNUSED;

/* ---- signing ---- */

/*
 * Options; a zeroed struct (or NULL) gives the PAdES baseline: no
 * signingTime, RSA PKCS#1 v1.5 for RSA keys (ECDSA for EC keys), signer
 * and intermediate certificates embedded, self-signed roots left out.
 */
struct cms_sign_opts {
	int rsa_pss;             /* RSA keys: RSASSA-PSS, salt = digest length, MGF1 with the same digest */
	int signing_time;        /* add signingTime (CAdES); PAdES must not (ETSI EN 319 142-1 5.3) */
	int64_t signing_time_at; /* the time stated by signingTime; 0: now */
	int include_root;        /* also embed self-signed certificates of the chain */
};

/*
 * Signs a precomputed content digest: builds a detached SignedData
 * (eContentType id-data) whose SignerInfo carries contentType,
 * messageDigest = digest, signingCertificateV2 (SHA-256 of the signer
 * certificate with issuerSerial) and, if asked, signingTime; the
 * signature over the DER of the signed attributes comes from key_sign().
 * Certificates: signer plus chain[0..nchain) (issuing CA first; roots
 * only with include_root). digest_len must be cms_md_size(md). The
 * output is checked by parsing it back and verifying the signature
 * before it is returned. Appends the DER to der_out. Does not take
 * ownership of anything.
 */
enum tk_err cms_sign_digest(const struct key *k, X509 *signer, X509 *const *chain, size_t nchain,
    enum cms_md md, const uint8_t *digest, size_t digest_len, const struct cms_sign_opts *opts,
    struct buf *der_out) WARN_UNUSED;

/* cms_sign_digest() over the content next() yields (streamed, not copied). */
enum tk_err cms_sign_stream(const struct key *k, X509 *signer, X509 *const *chain, size_t nchain,
    enum cms_md md, cms_read_fn next, void *arg, const struct cms_sign_opts *opts,
    struct buf *der_out) WARN_UNUSED;

/* cms_sign_digest() over a whole buffer (a CAdES .p7s of a file). */
enum tk_err cms_sign_detached(const struct key *k, X509 *signer, X509 *const *chain, size_t nchain,
    enum cms_md md, const uint8_t *content, size_t len, const struct cms_sign_opts *opts,
    struct buf *der_out) WARN_UNUSED;

/*
 * Upper bound of the DER size cms_sign_digest() will produce with these
 * arguments, plus room for one signature timestamp token of ts_token_bytes
 * (0: none) added later by cms_add_unsigned_attr_timestamp() and
 * revocation_bytes of revocation data (0: none). The key is not used to
 * sign: the signature is sized from the key (RSA modulus, largest ECDSA
 * value). Bytes of DER; a PDF /Contents hex placeholder needs twice that.
 */
enum tk_err cms_estimate_size(const struct key *k, X509 *signer, X509 *const *chain, size_t nchain,
    enum cms_md md, const struct cms_sign_opts *opts, size_t ts_token_bytes, size_t revocation_bytes,
    size_t *out) WARN_UNUSED;

/* ---- editing and raw access ---- */

/*
 * The content of the first SignerInfo's signature OCTET STRING: what an
 * RFC 3161 signature timestamp (PAdES B-T, CAdES-T) is computed over.
 * *p points into der (no copy). Strict DER of the SignedData frame.
 */
enum tk_err cms_signature_value(const uint8_t *der, size_t len, const uint8_t **p, size_t *plen) WARN_UNUSED;

/*
 * The first SignerInfo's signedAttrs element as it appears in der
 * (tag [0] IMPLICIT, 0xA0); the signature covers these bytes with the
 * first byte read as a SET tag (0x31), RFC 5652 5.4. *p points into der.
 * TK_ERR_NOT_FOUND when the SignerInfo has no signed attributes.
 */
enum tk_err cms_signed_attrs(const uint8_t *der, size_t len, const uint8_t **p, size_t *plen) WARN_UNUSED;

/*
 * Adds an id-aa-signatureTimeStampToken (1.2.840.113549.1.9.16.2.14)
 * unsigned attribute holding token (a DER RFC 3161 TimeStampToken) to the
 * first SignerInfo. The token's messageImprint must be the hash of
 * cms_signature_value(der). All other bytes of der are kept as they are
 * (only the enclosing lengths change), so the signature stays valid.
 * Appends the new DER to der_out; does not keep der or token.
 */
enum tk_err cms_add_unsigned_attr_timestamp(const uint8_t *der, size_t len, const uint8_t *token,
    size_t token_len, struct buf *der_out) WARN_UNUSED;

/* ---- parsing and verification ---- */

/* One signature timestamp token (DER of its ContentInfo), owned by cms_info. */
struct cms_token {
	uint8_t *der;
	size_t len;
};

/*
 * What cms_parse() found; read-only for callers, freed with
 * cms_info_free(). Attribute fields describe the first SignerInfo.
 */
struct cms_info {
	/* SignedData */
	int econtent_nid; /* eContentType (NID_pkcs7_data for PAdES/CAdES) */
	int detached;     /* eContent absent */
	size_t n_signers;
	STACK_OF(X509) *certs; /* embedded certificates (owned) */
	X509 *signer;          /* the certificate the SignerIdentifier names; NULL if not embedded (owned) */

	/* SignerInfo algorithms */
	enum cms_md md; /* digestAlgorithm */
	int md_nid;
	enum cms_sig sig;   /* signatureAlgorithm */
	int sig_nid;        /* NID_undef for ecdsa-plain-* (OpenSSL has no NID for them) */
	enum cms_md sig_md; /* hash the signatureAlgorithm names (sha256WithRSAEncryption, ecdsa-plain-SHA256, ...);
				    CMS_MD_OTHER when it names none (rsaEncryption, id-ecPublicKey, RSASSA-PSS) */
	int sig_names_md;   /* 1: sig_md comes from the signatureAlgorithm */
	enum cms_md pss_md; /* RSASSA-PSS: hash, MGF1 hash, salt length */
	enum cms_md pss_mgf1_md;
	size_t pss_salt_len;

	/* signed attributes */
	int has_signed_attrs;
	size_t n_signed_attrs;
	int signed_attrs_unsorted; /* the SET OF is not in DER order (X.690 11.6) */
	int has_content_type;
	int content_type_nid;
	int has_message_digest;
	uint8_t message_digest[CMS_MAX_DIGEST];
	size_t message_digest_len;
	int has_signing_time;
	int64_t signing_time;    /* UTC seconds */
	int has_signing_cert_v2; /* ESS signingCertificateV2 (RFC 5035) */
	int signing_cert_v2_nid; /* hash algorithm of its first ESSCertIDv2 */
	uint8_t signing_cert_v2_hash[CMS_MAX_DIGEST];
	size_t signing_cert_v2_hash_len;
	int signing_cert_v2_match; /* first ESSCertIDv2 (hash and issuerSerial) names the signer */
	int has_signing_cert;      /* ESS signingCertificate (RFC 2634, SHA-1) */
	int signing_cert_match;

	/* unsigned attributes */
	size_t n_unsigned_attrs;
	struct cms_token timestamps[CMS_MAX_TIMESTAMPS]; /* id-aa-signatureTimeStampToken values */
	size_t n_timestamps;

	/* raw bytes for cms_verify_signature() (owned copies) */
	uint8_t *signed_attrs_der; /* as received, SET tag 0x31 in place of [0] */
	size_t signed_attrs_len;
	uint8_t *signed_attrs_sorted; /* when unsorted: their DER (sorted) encoding, signed_attrs_len bytes; else NULL */
	uint8_t *signature;
	size_t signature_len;
};

/*
 * Parses a DER CMS SignedData of at most CMS_MAX_BYTES: strict DER (no
 * indefinite or non-minimal lengths, no trailing bytes), counts within the
 * limits above, no duplicated contentType/messageDigest/signingTime.
 * Hostile input gives TK_ERR_INVALID or TK_ERR_LIMIT with a message, never
 * a crash. Caller frees *out with cms_info_free(); der is not kept.
 */
enum tk_err cms_parse(const uint8_t *der, size_t len, struct cms_info **out) WARN_UNUSED;
/* Accepts NULL. */
void cms_info_free(struct cms_info *info);

/*
 * Checks the first SignerInfo cryptographically; digest is the caller's
 * digest of the content with info->md. With signed attributes: contentType
 * equals eContentType, messageDigest equals digest, a
 * signingCertificate(V2) attribute, when present, names the signer, and
 * the signature over the signed attributes (their bytes as received, RFC
 * 5652 5.4) verifies. Without signed attributes (RFC 5652 5.4: only for
 * eContentType id-data): the signature verifies over digest itself. The
 * signer certificate must be embedded. Signature values of
 * CMS_SIG_ECDSA_PLAIN are converted to ECDSA-Sig-Value first. SHA-1 is
 * verified like any digest: refusing it is policy, not done here; neither
 * are path validation, revocation or time checks. TK_OK when all hold,
 * TK_ERR_CRYPTO (with the reason) when one fails, TK_ERR_INVALID for
 * unsupported algorithms.
 */
enum tk_err cms_verify_signature(const struct cms_info *info, const uint8_t *digest, size_t digest_len) WARN_UNUSED;

/*
 * cms_verify_signature(), telling which encoding of signed attributes that
 * arrived out of DER order the signature is over: the bytes as received are
 * tried first (what most such signers signed; OpenSSL does the same), then
 * their DER (sorted) encoding, which RFC 5652 5.4 names. *resorted (may be
 * NULL) is set to 1 when only the sorted encoding verifies, else left alone.
 */
enum tk_err cms_verify_signature_ex(const struct cms_info *info, const uint8_t *digest, size_t digest_len, int *resorted)
    WARN_UNUSED;

#endif
