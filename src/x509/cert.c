/* Certificate building (RFC 5280 4.1, 4.2) with OpenSSL's encoders. */
#include "x509/x509.h"

#include <openssl/err.h>
#include <openssl/x509v3.h>
#include <string.h>

static enum tk_err add_conf_ext(X509 *c, X509V3_CTX *ctx, int nid, const char *value)
{
	X509_EXTENSION *e = X509V3_EXT_nconf_nid(NULL, ctx, nid, value);
	int ok;

	if (e == NULL)
		return tk_fail_ossl("certificate: extension %s = %s", OBJ_nid2sn(nid), value);
	ok = X509_add_ext(c, e, -1);
	X509_EXTENSION_free(e);
	if (!ok)
		return tk_fail_ossl("certificate: adding %s", OBJ_nid2sn(nid));
	return TK_OK;
}

/* Maps our key usage words (RFC 5280 4.2.1.3) to OpenSSL's config names. */
static enum tk_err key_usage_value(const char *list, char *out, size_t sz)
{
	static const struct {
		const char *ours, *ossl;
	} map[] = {
		{ "digitalSignature", "digitalSignature" },
		{ "nonRepudiation", "nonRepudiation" },
		{ "contentCommitment", "nonRepudiation" },
		{ "keyEncipherment", "keyEncipherment" },
		{ "dataEncipherment", "dataEncipherment" },
		{ "keyAgreement", "keyAgreement" },
		{ "keyCertSign", "keyCertSign" },
		{ "cRLSign", "cRLSign" },
	};
	struct buf b;
	const char *p = list;
	const char *s;
	enum tk_err rc;

	buf_init(&b, sz - 1);
	rc = buf_puts(&b, "critical");
	while (rc == TK_OK && *p) {
		char w[32];
		size_t k = 0, i;
		int found = 0;
		while (*p == ' ' || *p == ',')
			p++;
		while (*p && *p != ',' && *p != ' ' && k < sizeof(w) - 1)
			w[k++] = *p++;
		w[k] = '\0';
		if (k == 0)
			break;
		for (i = 0; i < sizeof(map) / sizeof(map[0]); i++)
			if (strcmp(map[i].ours, w) == 0) {
				rc = buf_printf(&b, ",%s", map[i].ossl);
				found = 1;
				break;
			}
		if (!found)
			rc = tk_fail(TK_ERR_INVALID, "profile: unknown key usage '%s'", w);
	}
	if (rc == TK_OK && (rc = buf_cstr(&b, &s)) == TK_OK)
		rc = str_copy(out, sz, s);
	buf_free(&b);
	return rc;
}

static enum tk_err eku_value(const char *list, int critical, char *out, size_t sz)
{
	static const struct {
		const char *name, *oid;
	} map[] = {
		{ "documentSigning", "1.3.6.1.5.5.7.3.36" }, /* RFC 9336 */
	};
	struct buf b;
	const char *p = list, *s;
	enum tk_err rc;

	buf_init(&b, sz - 1);
	rc = critical ? buf_puts(&b, "critical") : TK_OK;
	while (rc == TK_OK && *p) {
		char w[64];
		size_t k = 0, i;
		const char *v;
		while (*p == ' ' || *p == ',')
			p++;
		while (*p && *p != ',' && *p != ' ' && k < sizeof(w) - 1)
			w[k++] = *p++;
		w[k] = '\0';
		if (k == 0)
			break;
		v = w;
		for (i = 0; i < sizeof(map) / sizeof(map[0]); i++)
			if (strcmp(map[i].name, w) == 0)
				v = map[i].oid;
		if (OBJ_txt2nid(v) == NID_undef) {
			ASN1_OBJECT *o = OBJ_txt2obj(v, 1);
			if (o == NULL) {
				ERR_clear_error();
				rc = tk_fail(TK_ERR_INVALID, "profile: unknown extended key usage '%s'", w);
				break;
			}
			ASN1_OBJECT_free(o);
		}
		rc = buf_printf(&b, "%s%s", b.len ? "," : "", v);
	}
	if (rc == TK_OK && (rc = buf_cstr(&b, &s)) == TK_OK)
		rc = str_copy(out, sz, s);
	buf_free(&b);
	return rc;
}

/* certificatePolicies with one policy and its CPS URI qualifier (R10). */
static enum tk_err add_policies(X509 *c, const char *oid, const char *cps)
{
	CERTIFICATEPOLICIES *pols = sk_POLICYINFO_new_null();
	POLICYINFO *pi = POLICYINFO_new();
	POLICYQUALINFO *q = NULL;
	enum tk_err rc = TK_ERR_CRYPTO;

	if (pols == NULL || pi == NULL)
		goto fail;
	pi->policyid = OBJ_txt2obj(oid, 1);
	if (pi->policyid == NULL) {
		ERR_clear_error();
		rc = tk_fail(TK_ERR_INVALID, "certificate: bad policy OID '%s'", oid);
		goto out;
	}
	if (cps != NULL) {
		q = POLICYQUALINFO_new();
		if (q == NULL)
			goto fail;
		q->pqualid = OBJ_nid2obj(NID_id_qt_cps);
		q->d.cpsuri = ASN1_IA5STRING_new();
		if (q->d.cpsuri == NULL || !ASN1_STRING_set(q->d.cpsuri, cps, (int)strlen(cps)))
			goto fail;
		pi->qualifiers = sk_POLICYQUALINFO_new_null();
		if (pi->qualifiers == NULL || !sk_POLICYQUALINFO_push(pi->qualifiers, q))
			goto fail;
		q = NULL;
	}
	if (!sk_POLICYINFO_push(pols, pi))
		goto fail;
	pi = NULL;
	if (!X509_add1_ext_i2d(c, NID_certificate_policies, pols, 0, X509V3_ADD_DEFAULT))
		goto fail;
	rc = TK_OK;
	goto out;
fail:
	rc = tk_fail_ossl("certificate: certificatePolicies");
out:
	POLICYQUALINFO_free(q);
	POLICYINFO_free(pi);
	sk_POLICYINFO_pop_free(pols, POLICYINFO_free);
	return rc;
}

/* URLs go into OpenSSL's extension syntax: allow only characters that cannot
 * start another entry there (no ',', ';', spaces or controls). */
static int url_safe(const char *u)
{
	size_t i;

	if (u == NULL)
		return 1;
	if (strncmp(u, "http://", 7) != 0 && strncmp(u, "https://", 8) != 0)
		return 0;
	for (i = 0; u[i]; i++) {
		unsigned char ch = (unsigned char)u[i];
		if (ch <= 0x20 || ch >= 0x7f || ch == ',' || ch == ';' || ch == '"' || ch == '\\')
			return 0;
	}
	return i < 256;
}

enum tk_err x509_issue(const struct x509_issue_req *r, X509 **out)
{
	const struct x509_profile *p = r->profile;
	X509 *c = NULL;
	ASN1_INTEGER *serial = NULL;
	X509V3_CTX ctx;
	const EVP_MD *md;
	int64_t not_after = r->not_after;
	char val[512];
	enum tk_err rc = TK_ERR_CRYPTO;

	if (!url_safe(r->urls.crl) || !url_safe(r->urls.ocsp) || !url_safe(r->urls.ca_issuers) || !url_safe(r->urls.cps))
		return tk_fail(TK_ERR_INVALID, "certificate: URLs must be http(s) without spaces, ',' or ';'");
	/* RFC 5280 4.1.2.2: positive, minimal, at most 20 octets. */
	if (r->serial[0] == 0 || (r->serial[0] & 0x80))
		return tk_fail(TK_ERR_INVALID, "certificate: serial must start with a byte in 0x01..0x7f");
	md = EVP_get_digestbyname(r->digest);
	if (md == NULL || (strcmp(r->digest, "sha256") && strcmp(r->digest, "sha384") && strcmp(r->digest, "sha512")))
		return tk_fail(TK_ERR_INVALID, "certificate: digest '%s' not allowed (sha256, sha384, sha512)", r->digest);
	c = X509_new();
	serial = ASN1_INTEGER_new();
	if (c == NULL || serial == NULL ||
	    !ASN1_STRING_set(serial, r->serial, X509_SERIAL_LEN) ||
	    !X509_set_version(c, X509_VERSION_3) ||
	    !X509_set_serialNumber(c, serial) ||
	    !X509_set_subject_name(c, r->subject) ||
	    !X509_set_issuer_name(c, r->issuer ? X509_get_subject_name(r->issuer) : r->subject) ||
	    !X509_set_pubkey(c, r->pubkey))
		goto fail;
	/* A certificate never outlives its issuer (RFC 5280 6.1.3 would reject it). */
	if (r->issuer != NULL) {
		const ASN1_TIME *ina = X509_get0_notAfter(r->issuer);
		struct tm tm;
		if (ASN1_TIME_to_tm(ina, &tm) && (int64_t)timegm(&tm) < not_after)
			not_after = (int64_t)timegm(&tm);
	}
	if (not_after <= r->not_before) {
		rc = tk_fail_code(TK_ERR_CONFLICT, "issuer_expired", "certificate: the issuing CA expires before the new certificate would start");
		goto out;
	}
	if (ASN1_TIME_set(X509_getm_notBefore(c), (time_t)r->not_before) == NULL ||
	    ASN1_TIME_set(X509_getm_notAfter(c), (time_t)not_after) == NULL)
		goto fail;

	X509V3_set_ctx(&ctx, r->issuer ? r->issuer : c, c, NULL, NULL, 0);
	if (p->ca && p->pathlen >= 0)
		rc = str_fmt(val, sizeof(val), "critical,CA:TRUE,pathlen:%d", p->pathlen);
	else
		rc = str_copy(val, sizeof(val), p->ca ? "critical,CA:TRUE" : "critical,CA:FALSE");
	if (rc != TK_OK || (rc = add_conf_ext(c, &ctx, NID_basic_constraints, val)) != TK_OK)
		goto out;
	if ((rc = key_usage_value(p->key_usage, val, sizeof(val))) != TK_OK ||
	    (rc = add_conf_ext(c, &ctx, NID_key_usage, val)) != TK_OK)
		goto out;
	if (p->ext_key_usage[0] != '\0') {
		if ((rc = eku_value(p->ext_key_usage, p->eku_critical, val, sizeof(val))) != TK_OK ||
		    (rc = add_conf_ext(c, &ctx, NID_ext_key_usage, val)) != TK_OK)
			goto out;
	}
	if ((rc = add_conf_ext(c, &ctx, NID_subject_key_identifier, "hash")) != TK_OK)
		goto out;
	if (r->issuer != NULL && (rc = add_conf_ext(c, &ctx, NID_authority_key_identifier, "keyid:always")) != TK_OK)
		goto out;
	if (p->ocsp_nocheck && (rc = add_conf_ext(c, &ctx, NID_id_pkix_OCSP_noCheck, "ignored")) != TK_OK)
		goto out;
	if (r->urls.crl != NULL) {
		if ((rc = str_fmt(val, sizeof(val), "URI:%s", r->urls.crl)) != TK_OK ||
		    (rc = add_conf_ext(c, &ctx, NID_crl_distribution_points, val)) != TK_OK)
			goto out;
	}
	if (r->urls.ocsp != NULL || r->urls.ca_issuers != NULL) {
		val[0] = '\0';
		if (r->urls.ocsp != NULL && r->urls.ca_issuers != NULL)
			rc = str_fmt(val, sizeof(val), "OCSP;URI:%s,caIssuers;URI:%s", r->urls.ocsp, r->urls.ca_issuers);
		else if (r->urls.ocsp != NULL)
			rc = str_fmt(val, sizeof(val), "OCSP;URI:%s", r->urls.ocsp);
		else
			rc = str_fmt(val, sizeof(val), "caIssuers;URI:%s", r->urls.ca_issuers);
		if (rc != TK_OK || (rc = add_conf_ext(c, &ctx, NID_info_access, val)) != TK_OK)
			goto out;
	}
	if (r->urls.policy_oid != NULL && (rc = add_policies(c, r->urls.policy_oid, r->urls.cps)) != TK_OK)
		goto out;
	if (X509_sign(c, key_pkey(r->issuer_key), md) <= 0) {
		rc = tk_fail_ossl("certificate: signing with key %s", key_name(r->issuer_key));
		goto out;
	}
	*out = c;
	c = NULL;
	rc = TK_OK;
	goto out;
fail:
	rc = tk_fail_ossl("certificate: building");
out:
	ASN1_INTEGER_free(serial);
	X509_free(c);
	return rc;
}
