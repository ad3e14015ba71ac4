/*
 * One CMS signature through the building blocks of ETSI EN 319 102-1:
 * identification of the signing certificate (5.2.3), cryptographic
 * verification (5.2.7), signature acceptance (5.2.8), timestamps and proof
 * of existence (5.4, 5.6.2.1) and X.509 validation at the best signature
 * time (5.2.6, 5.6.2.4). Shared by PAdES and CAdES; RFC 3161 tokens too.
 */
#include "verify/verify_int.h"

#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/ts.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void vb_set(struct verify_sig *s, enum verify_bb b, enum verify_ind ind, enum verify_sub sub, const char *fmt, ...)
{
	va_list ap;

	s->bb[b].done = 1;
	s->bb[b].ind = ind;
	s->bb[b].sub = sub;
	va_start(ap, fmt);
	vsnprintf(s->bb[b].msg, sizeof(s->bb[b].msg), fmt, ap);
	va_end(ap);
}

static int bb_is(const struct verify_sig *s, enum verify_bb b, enum verify_ind ind)
{
	return s->bb[b].done && s->bb[b].ind == ind;
}

void vs_conclude(struct verify_sig *s)
{
	static const enum verify_bb failed_order[] = { VERIFY_BB_FC, VERIFY_BB_CV, VERIFY_BB_XCV, VERIFY_BB_MDP };
	static const enum verify_bb indet_order[] = { VERIFY_BB_FC, VERIFY_BB_ISC, VERIFY_BB_CV, VERIFY_BB_SAV, VERIFY_BB_XCV, VERIFY_BB_MDP };
	size_t i;

	s->ind = VERIFY_TOTAL_PASSED;
	s->sub = VERIFY_SUB_NONE;
	s->msg[0] = '\0';
	for (i = 0; i < sizeof(failed_order) / sizeof(failed_order[0]); i++)
		if (bb_is(s, failed_order[i], VERIFY_TOTAL_FAILED)) {
			s->ind = VERIFY_TOTAL_FAILED;
			s->sub = s->bb[failed_order[i]].sub;
			snprintf(s->msg, sizeof(s->msg), "%s", s->bb[failed_order[i]].msg);
			return;
		}
	for (i = 0; i < sizeof(indet_order) / sizeof(indet_order[0]); i++)
		if (bb_is(s, indet_order[i], VERIFY_INDETERMINATE)) {
			s->ind = VERIFY_INDETERMINATE;
			s->sub = s->bb[indet_order[i]].sub;
			snprintf(s->msg, sizeof(s->msg), "%s", s->bb[indet_order[i]].msg);
			return;
		}
	if (!s->bb[VERIFY_BB_CV].done && !s->doc_timestamp) {
		/* Nothing decided and nothing verified: never a pass. */
		s->ind = VERIFY_INDETERMINATE;
		s->sub = VERIFY_SUB_SIGNED_DATA_NOT_FOUND;
		snprintf(s->msg, sizeof(s->msg), "the signature could not be verified");
	}
}

/* ---- BER to DER (X.690 8 to 10) ---- */

/*
 * Many signers (NSS, hence pdfsig and Firefox-era tools; older Adobe)
 * write the CMS frame in BER: indefinite lengths, constructed OCTET
 * STRINGs. RFC 5652 allows BER except for the signed attributes, which are
 * signed in DER (5.4). The framing is rewritten here as DER (definite
 * minimal lengths, primitive OCTET STRINGs) without touching any value,
 * so cms_parse() can stay strict. SET OF order is left as it is.
 */
#define BER_MAX_DEPTH CMS_MAX_DER_DEPTH

static enum tk_err ber_hdr(const uint8_t *p, size_t len, size_t *pos, uint8_t *tag, int *indef, size_t *vlen)
{
	size_t i = *pos, n, k;

	if (i + 2 > len)
		return tk_fail(TK_ERR_INVALID, "cms: X.690 8.1: element runs past its end");
	*tag = p[i++];
	if ((*tag & 0x1f) == 0x1f)
		return tk_fail(TK_ERR_INVALID, "cms: X.690 8.1.2.4: multi-byte tags are not used by CMS");
	*indef = 0;
	*vlen = 0;
	if (p[i] < 0x80) {
		*vlen = p[i++];
	} else if (p[i] == 0x80) {
		if (!(*tag & 0x20))
			return tk_fail(TK_ERR_INVALID, "cms: X.690 8.1.3.2: indefinite length on a primitive element");
		*indef = 1;
		i++;
	} else {
		n = p[i++] & 0x7f;
		if (n > 8 || i + n > len)
			return tk_fail(TK_ERR_INVALID, "cms: X.690 8.1.3.5: bad long-form length");
		for (k = 0; k < n; k++) {
			if (*vlen > (SIZE_MAX >> 8))
				return tk_fail(TK_ERR_INVALID, "cms: X.690 8.1.3.5: length too large");
			*vlen = (*vlen << 8) | p[i + k];
		}
		i += n;
	}
	if (!*indef && *vlen > len - i)
		return tk_fail(TK_ERR_INVALID, "cms: X.690 8.1.3: element runs past its end");
	*pos = i;
	return TK_OK;
}

/* Appends the DER header for tag and len at out[at..] after moving len content bytes that start at at + 6. */
static enum tk_err der_close(struct buf *out, size_t at, uint8_t tag, size_t clen)
{
	uint8_t h[6];
	size_t hl = 0, k;

	h[hl++] = tag;
	if (clen < 0x80) {
		h[hl++] = (uint8_t)clen;
	} else {
		size_t n = 0, t = clen;
		while (t) {
			n++;
			t >>= 8;
		}
		if (n > 4)
			return tk_fail(TK_ERR_LIMIT, "cms: element too large");
		h[hl++] = (uint8_t)(0x80 | n);
		for (k = n; k-- > 0;)
			h[hl++] = (uint8_t)(clen >> (8 * k));
	}
	memmove(out->p + at + hl, out->p + at + 6, clen);
	memcpy(out->p + at, h, hl);
	out->len = at + hl + clen;
	return TK_OK;
}

/*
 * Converts the element at p[*pos] (within len) and appends it to out.
 * flatten: collect the content octets of a constructed string instead.
 */
static enum tk_err ber_elem(const uint8_t *p, size_t len, size_t *pos, struct buf *out, unsigned depth, int flatten)
{
	uint8_t tag;
	int indef;
	size_t vlen, start, end, at;
	enum tk_err rc;

	if (depth > BER_MAX_DEPTH)
		return tk_fail(TK_ERR_LIMIT, "cms: nesting deeper than CMS_MAX_DER_DEPTH");
	if ((rc = ber_hdr(p, len, pos, &tag, &indef, &vlen)) != TK_OK)
		return rc;
	start = *pos;
	end = indef ? len : start + vlen;
	if (!(tag & 0x20)) {
		if (flatten && tag != 0x04)
			return tk_fail(TK_ERR_INVALID, "cms: X.690 8.7.3: a constructed OCTET STRING holds another type");
		if (!flatten) {
			at = out->len;
			if ((rc = buf_reserve(out, 6 + vlen)) != TK_OK)
				return rc;
			memcpy(out->p + at + 6, p + start, vlen);
			out->len = at + 6 + vlen;
			if ((rc = der_close(out, at, tag, vlen)) != TK_OK)
				return rc;
		} else if ((rc = buf_append(out, p + start, vlen)) != TK_OK) {
			return rc;
		}
		*pos = start + vlen;
		return TK_OK;
	}
	/* Constructed: a constructed OCTET STRING becomes primitive (X.690 10.2). */
	{
		int flat = flatten || tag == 0x24;
		size_t cstart;
		if (flatten && tag != 0x24)
			return tk_fail(TK_ERR_INVALID, "cms: X.690 8.7.3: a constructed OCTET STRING holds another type");
		at = out->len;
		if (!flatten) {
			if ((rc = buf_reserve(out, 6)) != TK_OK)
				return rc;
			out->len += 6;
		}
		cstart = out->len;
		for (;;) {
			if (indef) {
				if (*pos + 2 > len)
					return tk_fail(TK_ERR_INVALID, "cms: X.690 8.1.5: missing end-of-contents");
				if (p[*pos] == 0 && p[*pos + 1] == 0) {
					*pos += 2;
					break;
				}
			} else if (*pos >= end) {
				break;
			}
			if ((rc = ber_elem(p, end, pos, out, depth + 1, flat)) != TK_OK)
				return rc;
		}
		if (!indef && *pos != end)
			return tk_fail(TK_ERR_INVALID, "cms: X.690 8.1.3: content overruns its element");
		if (!flatten)
			return der_close(out, at, flat ? 0x04 : tag, out->len - cstart);
	}
	return TK_OK;
}

static enum tk_err ber_skip(const uint8_t *p, size_t len, size_t *pos, unsigned depth)
{
	uint8_t tag;
	int indef;
	size_t vlen;
	enum tk_err rc;

	if (depth > BER_MAX_DEPTH)
		return tk_fail(TK_ERR_LIMIT, "cms: nesting deeper than CMS_MAX_DER_DEPTH");
	if ((rc = ber_hdr(p, len, pos, &tag, &indef, &vlen)) != TK_OK)
		return rc;
	if (!indef) {
		*pos += vlen;
		return TK_OK;
	}
	for (;;) {
		if (*pos + 2 > len)
			return tk_fail(TK_ERR_INVALID, "cms: X.690 8.1.5: missing end-of-contents");
		if (p[*pos] == 0 && p[*pos + 1] == 0) {
			*pos += 2;
			return TK_OK;
		}
		if ((rc = ber_skip(p, len, pos, depth + 1)) != TK_OK)
			return rc;
	}
}

size_t vx_ber_size(const uint8_t *p, size_t len)
{
	size_t pos = 0;

	if (ber_skip(p, len, &pos, 0) != TK_OK) {
		tk_clear_error();
		return 0;
	}
	return pos;
}

/* DER of a BER CMS element in p[0..len) appended to out (nothing may follow it). */
static enum tk_err ber_to_der(const uint8_t *p, size_t len, struct buf *out)
{
	size_t pos = 0;
	enum tk_err rc;

	if ((rc = ber_elem(p, len, &pos, out, 0, 0)) != TK_OK)
		return rc;
	if (pos != len)
		return tk_fail(TK_ERR_INVALID, "cms: RFC 5652 3: bytes after the ContentInfo");
	return TK_OK;
}

/*
 * cms_parse() of der, or of its DER rewrite when it is BER; *was_ber tells.
 * The rewrite is kept in tmp, which must outlive nothing (cms_parse copies).
 */
static enum tk_err parse_any(const uint8_t *der, size_t len, struct cms_info **info, int *was_ber)
{
	struct buf tmp;
	enum tk_err rc, rc2;
	struct tk_error first;

	*was_ber = 0;
	rc = cms_parse(der, len, info);
	if (rc != TK_ERR_INVALID)
		return rc;
	first = *tk_last_error();
	buf_init(&tmp, 2 * (size_t)len + 64);
	rc2 = ber_to_der(der, len, &tmp);
	if (rc2 == TK_OK && (tmp.len != len || memcmp(tmp.p, der, len) != 0)) {
		rc2 = cms_parse(tmp.p, tmp.len, info);
		if (rc2 == TK_OK)
			*was_ber = 1;
	} else {
		rc2 = TK_ERR_INVALID;
	}
	buf_free(&tmp);
	if (rc2 == TK_OK)
		return TK_OK;
	if (rc2 == TK_ERR_NOMEM)
		return rc2;
	/* The strict parser's reason is the useful one. */
	return tk_fail_code(first.err, first.code, "%s", first.msg);
}

/* Digest name for reports: ours, else OpenSSL's short name. */
static const char *md_label(enum cms_md md, int nid)
{
	if (md != CMS_MD_OTHER)
		return cms_md_name(md);
	return nid != NID_undef ? OBJ_nid2sn(nid) : "unknown";
}

void vs_warn(struct verify_sig *s, const char *fmt, ...)
{
	va_list ap;

	if (s->nwarnings >= sizeof(s->warnings) / sizeof(s->warnings[0]))
		return;
	va_start(ap, fmt);
	vsnprintf(s->warnings[s->nwarnings], sizeof(s->warnings[0]), fmt, ap);
	va_end(ap);
	s->nwarnings++;
}

/* The eContent of a SignedData (adbe.pkcs7.sha1, timestamp tokens); copied into out. */
static enum tk_err econtent(const uint8_t *der, size_t len, struct buf *out)
{
	const uint8_t *q = der;
	CMS_ContentInfo *cms = d2i_CMS_ContentInfo(NULL, &q, (long)len);
	ASN1_OCTET_STRING **pos;
	enum tk_err rc = TK_ERR_INVALID;

	if (cms == NULL || (pos = CMS_get0_content(cms)) == NULL || *pos == NULL) {
		rc = tk_fail(TK_ERR_INVALID, "cms: RFC 5652 5.2: no encapsulated content");
		goto out;
	}
	rc = buf_append(out, (*pos)->data, (size_t)(*pos)->length);
out:
	ERR_clear_error();
	CMS_ContentInfo_free(cms);
	return rc;
}

/* Fills the signer fields of s from its certificate. */
static void signer_fields(struct verify_sig *s, X509 *c)
{
	const ASN1_INTEGER *sn = X509_get0_serialNumber(c);
	BIGNUM *bn = sn ? ASN1_INTEGER_to_BN(sn, NULL) : NULL;
	char *hex = bn ? BN_bn2hex(bn) : NULL;
	size_t i;

	vx_cert_cn(c, s->signer, sizeof(s->signer));
	vx_name(X509_get_subject_name(c), s->signer_dn, sizeof(s->signer_dn));
	vx_name(X509_get_issuer_name(c), s->issuer_dn, sizeof(s->issuer_dn));
	if (hex != NULL) {
		for (i = 0; hex[i] && i + 1 < sizeof(s->serial); i++)
			s->serial[i] = (char)(hex[i] >= 'A' && hex[i] <= 'F' ? hex[i] - 'A' + 'a' : hex[i]);
		s->serial[i] = '\0';
	}
	OPENSSL_free(hex);
	BN_free(bn);
	s->not_before = vx_time(X509_get0_notBefore(c));
	s->not_after = vx_time(X509_get0_notAfter(c));
	vx_key_name(X509_get0_pubkey(c), s->key, sizeof(s->key));
}

static void ts_set(struct verify_ts *ts, enum verify_ind ind, enum verify_sub sub, const char *fmt, ...) PRINTF_LIKE(4, 5);
static void ts_set(struct verify_ts *ts, enum verify_ind ind, enum verify_sub sub, const char *fmt, ...)
{
	va_list ap;

	ts->ind = ind;
	ts->sub = sub;
	va_start(ap, fmt);
	vsnprintf(ts->msg, sizeof(ts->msg), fmt, ap);
	va_end(ap);
}

enum tk_err vs_check_token(struct vctx *v, const uint8_t *der, size_t len, const struct vranges *data, int64_t check_at,
    struct verify_ts *ts, X509 **tsa_cert)
{
	struct cms_info *info = NULL;
	TS_TST_INFO *tst = NULL;
	struct buf ec;
	uint8_t d[EVP_MAX_MD_SIZE];
	size_t dlen = 0;
	const EVP_MD *imd, *emd;
	struct vpath vp;
	char why[200];
	int was_ber = 0;
	enum tk_err rc;

	memset(&vp, 0, sizeof(vp));
	buf_init(&ec, CMS_MAX_TOKEN_BYTES);
	ts->checked_at = check_at;
	if (tsa_cert)
		*tsa_cert = NULL;
	if ((rc = vctx_check_time(v)) != TK_OK)
		goto out;
	if ((rc = parse_any(der, len, &info, &was_ber)) != TK_OK) {
		if (rc == TK_ERR_NOMEM)
			goto out;
		ts_set(ts, VERIFY_TOTAL_FAILED, VERIFY_SUB_FORMAT_FAILURE, "timestamp token: %s", tk_errmsg());
		tk_clear_error();
		rc = TK_OK;
		goto out;
	}
	if (info->econtent_nid != NID_id_smime_ct_TSTInfo || info->detached || info->n_signers != 1) {
		ts_set(ts, VERIFY_TOTAL_FAILED, VERIFY_SUB_FORMAT_FAILURE,
		    "timestamp token: not a SignedData with one signer over an encapsulated TSTInfo (RFC 3161 2.4.2)");
		goto out;
	}
	if ((rc = econtent(der, len, &ec)) != TK_OK) {
		if (rc == TK_ERR_NOMEM)
			goto out;
		ts_set(ts, VERIFY_TOTAL_FAILED, VERIFY_SUB_FORMAT_FAILURE, "timestamp token: %s", tk_errmsg());
		tk_clear_error();
		rc = TK_OK;
		goto out;
	}
	{
		const uint8_t *q = ec.p;
		tst = d2i_TS_TST_INFO(NULL, &q, (long)ec.len);
		if (tst == NULL || q != ec.p + ec.len) {
			ERR_clear_error();
			ts_set(ts, VERIFY_TOTAL_FAILED, VERIFY_SUB_FORMAT_FAILURE, "timestamp token: TSTInfo does not decode (RFC 3161 2.4.2)");
			goto out;
		}
	}
	ts->gen_time = vx_time(TS_TST_INFO_get_time(tst));
	if (info->signer != NULL)
		vx_cert_cn(info->signer, ts->tsa, sizeof(ts->tsa));

	/* messageImprint: the hash of what is timestamped. */
	{
		TS_MSG_IMPRINT *mi = TS_TST_INFO_get_msg_imprint(tst);
		X509_ALGOR *alg = TS_MSG_IMPRINT_get_algo(mi);
		ASN1_OCTET_STRING *h = TS_MSG_IMPRINT_get_msg(mi);
		int nid = OBJ_obj2nid(alg->algorithm);
		imd = nid == NID_sha256 ? EVP_sha256() : nid == NID_sha384 ? EVP_sha384()
						     : nid == NID_sha512   ? EVP_sha512()
						     : nid == NID_sha3_256 ? EVP_sha3_256()
						     : nid == NID_sha3_384 ? EVP_sha3_384()
						     : nid == NID_sha3_512 ? EVP_sha3_512()
						     : nid == NID_sha1     ? EVP_sha1()
									   : NULL;
		snprintf(ts->md, sizeof(ts->md), "%s", imd ? EVP_MD_get0_name(imd) : "unknown");
		if (imd == NULL) {
			ts_set(ts, VERIFY_INDETERMINATE, VERIFY_SUB_CRYPTO_CONSTRAINTS_FAILURE,
			    "timestamp token: messageImprint hash %s is not supported", OBJ_nid2sn(nid));
			goto out;
		}
		if ((rc = vx_digest(imd, data, d, &dlen)) != TK_OK)
			goto out;
		if (h == NULL || (size_t)h->length != dlen || CRYPTO_memcmp(h->data, d, dlen) != 0) {
			ts_set(ts, VERIFY_TOTAL_FAILED, VERIFY_SUB_HASH_FAILURE,
			    ts->document ? "document timestamp: messageImprint is not the hash of the byte ranges (RFC 3161 2.4.2): the document was changed"
					 : "signature timestamp: messageImprint is not the hash of the signature value (ETSI EN 319 122-1 5.3)");
			goto out;
		}
	}

	/* The token's own signature. */
	if (info->signer == NULL) {
		ts_set(ts, VERIFY_INDETERMINATE, VERIFY_SUB_NO_SIGNING_CERTIFICATE_FOUND,
		    "timestamp token: the TSA certificate is not embedded (RFC 3161 2.4.1 certReq)");
		goto out;
	}
	if ((emd = cms_md_evp(info->md)) == NULL) {
		ts_set(ts, VERIFY_INDETERMINATE, VERIFY_SUB_CRYPTO_CONSTRAINTS_FAILURE, "timestamp token: digest %s is not supported",
		    md_label(info->md, info->md_nid));
		goto out;
	}
	{
		struct vranges er = { ec.p, { 0, 0 }, { ec.len, 0 }, 1 };
		uint8_t ed[EVP_MAX_MD_SIZE];
		size_t edl = 0;
		int ok;
		enum tk_err vr;
		if ((rc = vx_digest(emd, &er, ed, &edl)) != TK_OK)
			goto out;
		if ((vr = cms_verify_signature(info, ed, edl)) == TK_ERR_NOMEM) {
			rc = vr;
			goto out;
		}
		ok = vr == TK_OK;
		if (!ok && vr != TK_ERR_CRYPTO) {
			ts_set(ts, VERIFY_INDETERMINATE, VERIFY_SUB_CRYPTO_CONSTRAINTS_FAILURE, "timestamp token: %s", tk_errmsg());
			tk_clear_error();
			goto out;
		}
		if (!ok) {
			ts_set(ts, VERIFY_TOTAL_FAILED, VERIFY_SUB_SIG_CRYPTO_FAILURE, "timestamp token: %s",
			    tk_errmsg()[0] ? tk_errmsg() : "the TSA signature does not verify (RFC 5652 5.6)");
			tk_clear_error();
			goto out;
		}
		tk_clear_error();
	}
	if (!info->has_signing_cert_v2 && !info->has_signing_cert) {
		ts_set(ts, VERIFY_INDETERMINATE, VERIFY_SUB_NO_SIGNING_CERTIFICATE_FOUND,
		    "timestamp token: no ESS signingCertificate(V2) attribute (RFC 3161 2.4.2, RFC 5816)");
		goto out;
	}
	if (imd == EVP_sha1() || info->md == CMS_MD_SHA1 || (info->sig_names_md && info->sig_md == CMS_MD_SHA1)) {
		ts_set(ts, VERIFY_INDETERMINATE, VERIFY_SUB_CRYPTO_CONSTRAINTS_FAILURE, "timestamp token: SHA-1 is not accepted (ETSI TS 119 312)");
		goto out;
	}
	if (!vx_key_ok(X509_get0_pubkey(info->signer), why, sizeof(why))) {
		ts_set(ts, VERIFY_INDETERMINATE, VERIFY_SUB_CRYPTO_CONSTRAINTS_FAILURE, "timestamp token: TSA %s", why);
		goto out;
	}
	{
		int64_t nb = vx_time(X509_get0_notBefore(info->signer)), na = vx_time(X509_get0_notAfter(info->signer));
		if (ts->gen_time < nb || ts->gen_time > na) {
			char g[32];
			time_iso_utc(ts->gen_time, g);
			ts_set(ts, VERIFY_TOTAL_FAILED, VERIFY_SUB_EXPIRED,
			    "timestamp token: genTime %s lies outside the validity of the TSA certificate '%s'", g, ts->tsa);
			goto out;
		}
	}
	/* The TSA path, at the time the token is known to exist (now, or a later covering timestamp). */
	if ((rc = vx_path(v, info->signer, info->certs, check_at, VPATH_TSA | VPATH_REV_OPTIONAL, &vp)) != TK_OK)
		goto out;
	if (vp.ind != VERIFY_TOTAL_PASSED) {
		ts_set(ts, vp.ind, vp.sub, "timestamp token: TSA %s", vp.msg);
		goto out;
	}
	{
		char g[32];
		time_iso_utc(ts->gen_time, g);
		ts_set(ts, VERIFY_TOTAL_PASSED, VERIFY_SUB_NONE, "valid timestamp of %s by '%s' (%s)", g, ts->tsa, ts->md);
	}
	if (tsa_cert != NULL && X509_up_ref(info->signer) == 1)
		*tsa_cert = info->signer;
out:
	if (rc != TK_OK && rc != TK_ERR_NOMEM && rc != TK_ERR_LIMIT) {
		/* Anything unexpected is the token's fault, not the caller's. */
		ts_set(ts, VERIFY_INDETERMINATE, VERIFY_SUB_FORMAT_FAILURE, "timestamp token: %s", tk_errmsg());
		tk_clear_error();
		rc = TK_OK;
	}
	vpath_free(&vp);
	TS_TST_INFO_free(tst);
	cms_info_free(info);
	buf_free(&ec);
	ERR_clear_error();
	return rc;
}

enum tk_err vs_check_cms(struct vctx *v, struct verify_sig *s, const uint8_t *der, size_t len, const struct vsigned *sd)
{
	struct cms_info *info = NULL;
	struct buf ec;
	struct vpath vp;
	const EVP_MD *md;
	uint8_t d[EVP_MAX_MD_SIZE];
	size_t dlen = 0, i;
	int64_t bst;
	int poe = 0, ts_ok = 0, was_ber = 0;
	char why[200], when[32];
	enum tk_err rc;

	memset(&vp, 0, sizeof(vp));
	buf_init(&ec, CMS_MAX_BYTES);
	if ((rc = vctx_check_time(v)) != TK_OK)
		goto out;

	/* FC: the CMS itself (ETSI EN 319 142-1 6.3, ISO 32000-1 12.8.3.3.1). */
	if ((rc = parse_any(der, len, &info, &was_ber)) != TK_OK) {
		if (rc == TK_ERR_NOMEM)
			goto out;
		vb_set(s, VERIFY_BB_FC, VERIFY_TOTAL_FAILED, VERIFY_SUB_FORMAT_FAILURE, "%s", tk_errmsg());
		tk_clear_error();
		rc = TK_OK;
		goto conclude;
	}
	snprintf(s->digest, sizeof(s->digest), "%s", md_label(info->md, info->md_nid));
	snprintf(s->sig_alg, sizeof(s->sig_alg), "%s",
	    info->sig != CMS_SIG_OTHER ? cms_sig_name(info->sig) : info->sig_nid != NID_undef ? OBJ_nid2sn(info->sig_nid)
											      : "unknown");
	if (info->n_signers != 1) {
		vb_set(s, VERIFY_BB_FC, VERIFY_TOTAL_FAILED, VERIFY_SUB_FORMAT_FAILURE,
		    "the SignedData has %zu SignerInfos; exactly one is allowed (ISO 32000-1 12.8.3.3.1)", info->n_signers);
		goto conclude;
	}
	if (sd->enveloped_sha1 ? info->detached : !info->detached) {
		vb_set(s, VERIFY_BB_FC, VERIFY_TOTAL_FAILED, VERIFY_SUB_FORMAT_FAILURE,
		    sd->enveloped_sha1 ? "adbe.pkcs7.sha1 needs the SHA-1 digest as encapsulated content (ISO 32000-1 12.8.3.3.1)"
				       : "the SignedData is not detached: eContent must be absent (ETSI EN 319 142-1 6.3, RFC 5652 5.2)");
		goto conclude;
	}
	if (info->econtent_nid != NID_pkcs7_data) {
		vb_set(s, VERIFY_BB_FC, VERIFY_TOTAL_FAILED, VERIFY_SUB_FORMAT_FAILURE,
		    "eContentType is %s, not id-data (ETSI EN 319 122-1 5.1.1)", OBJ_nid2sn(info->econtent_nid));
		goto conclude;
	}
	/*
	 * Signed attributes are optional for id-data (RFC 5652 5.3); without them
	 * the signature is over the content digest itself (5.4). When present
	 * they must hold contentType and messageDigest (5.3, 11.1, 11.2).
	 */
	if (info->has_signed_attrs && (!info->has_message_digest || !info->has_content_type)) {
		vb_set(s, VERIFY_BB_FC, VERIFY_TOTAL_FAILED, VERIFY_SUB_FORMAT_FAILURE,
		    "the signed attributes lack contentType or messageDigest (RFC 5652 5.3, 11.1, 11.2)");
		goto conclude;
	}
	if (!s->bb[VERIFY_BB_FC].done)
		vb_set(s, VERIFY_BB_FC, VERIFY_TOTAL_PASSED, VERIFY_SUB_NONE, "well-formed CMS SignedData with one SignerInfo%s",
		    was_ber ? " (BER framing, read as DER)" : "");
	else if (was_ber)
		snprintf(s->bb[VERIFY_BB_FC].msg + strlen(s->bb[VERIFY_BB_FC].msg), sizeof(s->bb[VERIFY_BB_FC].msg) - strlen(s->bb[VERIFY_BB_FC].msg),
		    "; the CMS uses BER framing (read as DER)");
	if (info->has_signing_time) {
		s->has_signing_time = 1;
		s->signing_time = info->signing_time;
		snprintf(s->signing_time_source, sizeof(s->signing_time_source), "cms");
	}

	/* ISC (5.2.3). */
	if (info->signer == NULL) {
		vb_set(s, VERIFY_BB_ISC, VERIFY_INDETERMINATE, VERIFY_SUB_NO_SIGNING_CERTIFICATE_FOUND,
		    "the certificate named by the SignerInfo (sid) is not in the SignedData (RFC 5652 5.3)");
		goto conclude;
	}
	signer_fields(s, info->signer);
	if ((info->has_signing_cert_v2 && !info->signing_cert_v2_match) || (info->has_signing_cert && !info->signing_cert_match)) {
		vb_set(s, VERIFY_BB_ISC, VERIFY_INDETERMINATE, VERIFY_SUB_NO_SIGNING_CERTIFICATE_FOUND,
		    "ESS signingCertificate%s does not name the certificate '%s' (RFC 5035 5.4, ETSI EN 319 122-1 5.2.2)",
		    info->has_signing_cert_v2 ? "V2" : "", s->signer);
		goto conclude;
	}
	vb_set(s, VERIFY_BB_ISC, VERIFY_TOTAL_PASSED, VERIFY_SUB_NONE, "%s",
	    info->has_signing_cert_v2 ? "signing certificate identified by sid and signingCertificateV2"
	    : info->has_signing_cert  ? "signing certificate identified by sid and signingCertificate (SHA-1)"
				      : "signing certificate identified by sid only (no ESS signing-certificate attribute)");

	/* CV (5.2.7): digest of the signed data, then the signature. */
	if ((md = cms_md_evp(info->md)) == NULL) {
		vb_set(s, VERIFY_BB_CV, VERIFY_INDETERMINATE, VERIFY_SUB_CRYPTO_CONSTRAINTS_FAILURE,
		    "digest algorithm %s is not supported (SHA-2, SHA-3; SHA-1 only to refuse it)", s->digest);
		goto conclude;
	}
	if (sd->enveloped_sha1) {
		/* ISO 32000-1 12.8.3.3.1: the signed content is the SHA-1 digest of the byte ranges. */
		uint8_t h1[20];
		size_t h1l = 0;
		if ((rc = econtent(der, len, &ec)) != TK_OK) {
			if (rc == TK_ERR_NOMEM)
				goto out;
			tk_clear_error();
			rc = TK_OK;
		}
		if ((rc = vx_digest(EVP_sha1(), sd->ranges, h1, &h1l)) != TK_OK)
			goto out;
		if (ec.len != h1l || CRYPTO_memcmp(ec.p, h1, h1l) != 0) {
			vb_set(s, VERIFY_BB_CV, VERIFY_TOTAL_FAILED, VERIFY_SUB_HASH_FAILURE,
			    "the SHA-1 digest of the byte ranges differs from the signed content (ISO 32000-1 12.8.3.3.1): the document was changed");
			goto conclude;
		}
		{
			struct vranges er = { ec.p, { 0, 0 }, { ec.len, 0 }, 1 };
			if ((rc = vx_digest(md, &er, d, &dlen)) != TK_OK)
				goto out;
		}
	} else if ((rc = vx_digest(md, sd->ranges, d, &dlen)) != TK_OK) {
		goto out;
	}
	if (info->has_signed_attrs && (info->message_digest_len != dlen || CRYPTO_memcmp(info->message_digest, d, dlen) != 0)) {
		vb_set(s, VERIFY_BB_CV, VERIFY_TOTAL_FAILED, VERIFY_SUB_HASH_FAILURE, "%s",
		    sd->cades ? "the digest of the content does not match messageDigest (RFC 5652 11.2): the content was changed"
			      : "the digest of the signed byte ranges does not match messageDigest (RFC 5652 11.2): the document was changed");
		goto conclude;
	}
	{
		int resorted = 0;
		enum tk_err vr = cms_verify_signature_ex(info, d, dlen, &resorted);
		if (info->signed_attrs_unsorted)
			vs_warn(s, "the signed attributes are not in DER order (X.690 11.6, RFC 5652 5.4)%s",
			    vr != TK_OK ? "" : resorted ? "; the signature is over their DER (sorted) encoding"
							: "; the signature is over them as received");
		if (vr == TK_ERR_NOMEM) {
			rc = vr;
			goto out;
		}
		if (vr == TK_ERR_CRYPTO) {
			vb_set(s, VERIFY_BB_CV, VERIFY_TOTAL_FAILED, VERIFY_SUB_SIG_CRYPTO_FAILURE, "%s", tk_errmsg());
			tk_clear_error();
			goto conclude;
		}
		if (vr != TK_OK) {
			vb_set(s, VERIFY_BB_CV, VERIFY_INDETERMINATE, VERIFY_SUB_CRYPTO_CONSTRAINTS_FAILURE, "%s", tk_errmsg());
			tk_clear_error();
			goto conclude;
		}
	}
	vb_set(s, VERIFY_BB_CV, VERIFY_TOTAL_PASSED, VERIFY_SUB_NONE, "%s digest of the %s matches; %s signature verifies%s", s->digest,
	    sd->enveloped_sha1 ? "SHA-1 digest of the byte ranges" : sd->cades ? "content"
									       : "byte ranges",
	    s->sig_alg,
	    info->has_signed_attrs ? " over the signed attributes" : " over the content digest (no signed attributes)");

	/* SAV (5.2.8): algorithm policy (ETSI TS 119 312: SHA-2 and SHA-3 accepted, SHA-1 not for signatures). */
	if (info->md == CMS_MD_SHA1)
		vb_set(s, VERIFY_BB_SAV, VERIFY_INDETERMINATE, VERIFY_SUB_CRYPTO_CONSTRAINTS_FAILURE,
		    "digest algorithm %s is not accepted for signatures (ETSI TS 119 312 6.2.2)", s->digest);
	else if (sd->enveloped_sha1)
		vb_set(s, VERIFY_BB_SAV, VERIFY_INDETERMINATE, VERIFY_SUB_CRYPTO_CONSTRAINTS_FAILURE,
		    "adbe.pkcs7.sha1 signs a SHA-1 digest of the document, which is not accepted (ETSI TS 119 312 6.2.2, ISO 32000-2 12.8.3.3)");
	else if (!vx_key_ok(X509_get0_pubkey(info->signer), why, sizeof(why)))
		vb_set(s, VERIFY_BB_SAV, VERIFY_INDETERMINATE, VERIFY_SUB_CRYPTO_CONSTRAINTS_FAILURE, "signing key: %s", why);
	else
		vb_set(s, VERIFY_BB_SAV, VERIFY_TOTAL_PASSED, VERIFY_SUB_NONE, "%s with a %s key (%s) is accepted", s->digest, s->key, s->sig_alg);

	/* Timestamps (5.4) give proof of existence: the earliest valid one is the best signature time. */
	bst = v->now;
	if (sd->doc_poe > 0 && sd->doc_poe < bst) {
		bst = sd->doc_poe;
		poe = 1;
	}
	for (i = 0; i < info->n_timestamps && i < sizeof(s->ts) / sizeof(s->ts[0]); i++) {
		struct vranges sr = { info->signature, { 0, 0 }, { info->signature_len, 0 }, 1 };
		struct verify_ts *t = &s->ts[s->nts++];
		int64_t at = sd->doc_poe > 0 && sd->doc_poe < v->now ? sd->doc_poe : v->now;
		memset(t, 0, sizeof(*t));
		if ((rc = vs_check_token(v, info->timestamps[i].der, info->timestamps[i].len, &sr, at, t, NULL)) != TK_OK)
			goto out;
		if (t->ind == VERIFY_TOTAL_PASSED) {
			ts_ok = 1;
			if (t->gen_time < bst) {
				bst = t->gen_time;
				poe = 1;
			}
		}
	}
	s->best_signature_time = bst;
	s->poe = poe;
	time_iso_utc(bst, when);
	if (s->nts == 0 && !poe)
		vb_set(s, VERIFY_BB_TS, VERIFY_TOTAL_PASSED, VERIFY_SUB_NONE,
		    "no timestamp: the signer is validated at the current time %s", when);
	else if (ts_ok || poe)
		vb_set(s, VERIFY_BB_TS, VERIFY_TOTAL_PASSED, VERIFY_SUB_NONE, "proof of existence at %s from %s", when,
		    ts_ok ? "the signature timestamp" : "a document timestamp");
	else
		vb_set(s, VERIFY_BB_TS, s->ts[0].ind, s->ts[0].sub, "%s; the signature is validated at the current time %s", s->ts[0].msg, when);
	{
		/* Level (ETSI EN 319 142-1 6.3, EN 319 122-1 6.3); LT and LTA are judged by the PDF code. */
		const char *prefix;
		if (sd->cades) {
			prefix = info->has_signing_cert_v2 && info->has_signing_time ? "CAdES-BASELINE-" : "CMS-";
			if (!info->has_signing_cert_v2 || !info->has_signing_time)
				snprintf(s->level_note, sizeof(s->level_note), "not CAdES baseline: %s",
				    !info->has_signing_cert_v2 ? "no signingCertificateV2" : "no signingTime (ETSI EN 319 122-1 5.2.1)");
		} else if (strcmp(s->subfilter, "ETSI.CAdES.detached") == 0 && info->has_signing_cert_v2 && !info->has_signing_time) {
			prefix = "PAdES-BASELINE-";
		} else {
			prefix = "PKCS7-";
			snprintf(s->level_note, sizeof(s->level_note), "not PAdES baseline: %s",
			    strcmp(s->subfilter, "ETSI.CAdES.detached") != 0 ? "SubFilter is not ETSI.CAdES.detached"
			    : !info->has_signing_cert_v2                     ? "no signingCertificateV2 (ETSI EN 319 142-1 6.3)"
									     : "the CMS carries signingTime (ETSI EN 319 142-1 6.3 forbids it)");
		}
		snprintf(s->level, sizeof(s->level), "%s%s", prefix, sd->doc_poe > 0 || ts_ok ? "T" : "B");
	}

	/* XCV (5.2.6) at the best signature time, with revocation (5.2.5). */
	if ((rc = vx_path(v, info->signer, info->certs, bst, (poe ? VPATH_POE : 0) | (v->o->revocation_optional ? VPATH_REV_OPTIONAL : 0),
		 &vp)) != TK_OK)
		goto out;
	s->rev = vp.rev;
	snprintf(s->rev_source, sizeof(s->rev_source), "%s", vp.rev_source[0] ? vp.rev_source : "none");
	s->revoked_at = vp.revoked_at;
	s->revoked_reason = vp.revoked_reason;
	s->rev_in_dss = vp.rev_from_dss;
	for (i = 0; vp.chain && i < (size_t)sk_X509_num(vp.chain) && i < sizeof(s->chain) / sizeof(s->chain[0]); i++)
		vx_name(X509_get_subject_name(sk_X509_value(vp.chain, (int)i)), s->chain[i], sizeof(s->chain[i]));
	s->nchain = i;
	if (vp.ind != VERIFY_TOTAL_PASSED) {
		vb_set(s, VERIFY_BB_XCV, vp.ind, vp.sub, "%s", vp.msg);
	} else {
		char anchor[200];
		vx_cert_cn(sk_X509_value(vp.chain, sk_X509_num(vp.chain) - 1), anchor, sizeof(anchor));
		if (vp.rev == VERIFY_REV_REVOKED) {
			char rt[32];
			time_iso_utc(vp.revoked_at, rt);
			vb_set(s, VERIFY_BB_XCV, VERIFY_TOTAL_PASSED, VERIFY_SUB_NONE,
			    "chain to trust anchor '%s' valid at %s; the certificate was revoked later (%s, per %s), after the proof of existence",
			    anchor, when, rt, vp.rev_source);
		} else if (vp.rev == VERIFY_REV_GOOD) {
			vb_set(s, VERIFY_BB_XCV, VERIFY_TOTAL_PASSED, VERIFY_SUB_NONE, "chain to trust anchor '%s' valid at %s; not revoked (%s)",
			    anchor, when, vp.rev_source);
		} else {
			vb_set(s, VERIFY_BB_XCV, VERIFY_TOTAL_PASSED, VERIFY_SUB_NONE, "chain to trust anchor '%s' valid at %s; %s", anchor, when,
			    sk_X509_num(vp.chain) == 1 ? "the signing certificate is itself a trust anchor"
						       : "revocation not checked (no data, and not required)");
		}
	}

conclude:
	vs_conclude(s);
	rc = TK_OK;
out:
	vpath_free(&vp);
	cms_info_free(info);
	buf_free(&ec);
	ERR_clear_error();
	return rc;
}
