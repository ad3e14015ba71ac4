/* Certificate profiles from the configuration. */
#include "x509/x509.h"

#include "config/config.h"

#include <string.h>

/* True when item is one of the comma-separated words of list. */
static int list_has(const char *list, const char *item)
{
	size_t n = strlen(item);
	const char *p = list;

	while (*p) {
		const char *e;
		while (*p == ' ' || *p == ',')
			p++;
		e = p;
		while (*e && *e != ',')
			e++;
		{
			const char *t = e;
			while (t > p && t[-1] == ' ')
				t--;
			if ((size_t)(t - p) == n && strncmp(p, item, n) == 0)
				return 1;
		}
		p = e;
	}
	return 0;
}

static enum tk_err get_str(const struct config *cfg, const char *sec, const char *key, const char *dflt,
    char *out, size_t sz)
{
	const char *v = config_get_or(cfg, sec, key, dflt);

	if (str_copy(out, sz, v) != TK_OK)
		return tk_fail(TK_ERR_INVALID, "config [%s] %s: value too long", sec, key);
	return TK_OK;
}

static enum tk_err get_bool(const struct config *cfg, const char *sec, const char *key, int *out)
{
	const char *v = config_get_or(cfg, sec, key, "no");

	if (strcmp(v, "yes") == 0 || strcmp(v, "true") == 0)
		*out = 1;
	else if (strcmp(v, "no") == 0 || strcmp(v, "false") == 0)
		*out = 0;
	else
		return tk_fail(TK_ERR_INVALID, "config [%s] %s: '%s' is not yes or no", sec, key, v);
	return TK_OK;
}

enum tk_err x509_profile_load(const struct config *cfg, const char *name, struct x509_profile *out)
{
	char sec[64];
	uint64_t u;
	int64_t pathlen = -1;
	const char *pl;
	enum tk_err rc;

	memset(out, 0, sizeof(*out));
	if (str_fmt(sec, sizeof(sec), "profile %s", name) != TK_OK || config_get(cfg, sec, "key_usage") == NULL)
		return tk_fail_code(TK_ERR_INVALID, "unknown_profile", "ca: unknown certificate profile '%s'", name);
	if ((rc = str_copy(out->name, sizeof(out->name), name)) != TK_OK)
		return rc;
	if ((rc = get_bool(cfg, sec, "ca", &out->ca)) != TK_OK ||
	    (rc = get_bool(cfg, sec, "eku_critical", &out->eku_critical)) != TK_OK ||
	    (rc = get_bool(cfg, sec, "ocsp_nocheck", &out->ocsp_nocheck)) != TK_OK ||
	    (rc = get_str(cfg, sec, "key_usage", "", out->key_usage, sizeof(out->key_usage))) != TK_OK ||
	    (rc = get_str(cfg, sec, "ext_key_usage", "", out->ext_key_usage, sizeof(out->ext_key_usage))) != TK_OK ||
	    (rc = get_str(cfg, sec, "allowed_keys", "rsa2048,rsa3072,rsa4096,ec-p256,ec-p384",
		 out->allowed_keys, sizeof(out->allowed_keys))) != TK_OK ||
	    (rc = get_str(cfg, sec, "subject_required", "CN", out->subject_required, sizeof(out->subject_required))) != TK_OK ||
	    (rc = get_str(cfg, sec, "subject_allowed", "CN,O,OU,C,L,ST,serialNumber,title,emailAddress",
		 out->subject_allowed, sizeof(out->subject_allowed))) != TK_OK ||
	    (rc = config_get_u64(cfg, sec, "validity_days", 730, 36500, &u)) != TK_OK)
		return rc;
	if (u == 0)
		return tk_fail(TK_ERR_INVALID, "config [%s] validity_days must be at least 1", sec);
	out->validity_days = u;
	pl = config_get(cfg, sec, "pathlen");
	if (pl != NULL && parse_i64_str(pl, 0, 16, &pathlen) != TK_OK)
		return tk_fail(TK_ERR_INVALID, "config [%s] pathlen: '%s' is not 0..16", sec, pl);
	out->pathlen = (int)pathlen;
	return TK_OK;
}

enum tk_err x509_profile_check_key(const struct x509_profile *p, EVP_PKEY *pk)
{
	char alg[16];
	enum tk_err rc;

	if ((rc = key_alg_of(pk, alg)) != TK_OK)
		return rc;
	if (!list_has(p->allowed_keys, alg))
		return tk_fail_code(TK_ERR_INVALID, "key_not_allowed", "ca: profile %s does not allow %s keys (allowed: %s)",
		    p->name, alg, p->allowed_keys);
	return TK_OK;
}

enum tk_err x509_profile_check_subject(const struct x509_profile *p, const X509_NAME *n)
{
	int i, count = X509_NAME_entry_count(n);
	char req[sizeof(p->subject_required)];
	const char *w;

	if (count == 0)
		return tk_fail_code(TK_ERR_INVALID, "bad_subject", "ca: empty subject");
	for (i = 0; i < count; i++) {
		const X509_NAME_ENTRY *e = X509_NAME_get_entry(n, i);
		const ASN1_STRING *v = X509_NAME_ENTRY_get_data(e);
		const char *sn = OBJ_nid2sn(OBJ_obj2nid(X509_NAME_ENTRY_get_object(e)));
		if (sn == NULL || !list_has(p->subject_allowed, sn))
			return tk_fail_code(TK_ERR_INVALID, "bad_subject", "ca: profile %s does not allow subject attribute %s",
			    p->name, sn ? sn : "(unknown OID)");
		if (ASN1_STRING_length(v) <= 0)
			return tk_fail_code(TK_ERR_INVALID, "bad_subject", "ca: subject attribute %s is empty", sn);
	}
	memcpy(req, p->subject_required, sizeof(req));
	w = req;
	while (*w) {
		char attr[32];
		size_t k = 0;
		while (*w == ' ' || *w == ',')
			w++;
		while (*w && *w != ',' && *w != ' ' && k < sizeof(attr) - 1)
			attr[k++] = *w++;
		attr[k] = '\0';
		if (k == 0)
			break;
		if (X509_NAME_get_index_by_NID(n, OBJ_sn2nid(attr), -1) < 0)
			return tk_fail_code(TK_ERR_INVALID, "bad_subject", "ca: profile %s requires subject attribute %s",
			    p->name, attr);
	}
	return TK_OK;
}
