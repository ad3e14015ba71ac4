/*
 * Unit tests for src/x509: profiles from configuration, subject names,
 * CSR and certificate parsing, serials, certificate issuance and the
 * streaming CRL builder. Outputs are judged by OpenSSL itself (X509_STORE
 * chain verification, extension decoders, d2i_X509_CRL, X509_CRL_verify)
 * and by the openssl command line as an independent oracle.
 *
 * Key pairs are generated once for the group and only read by the tests;
 * certificates are made per test with fixed dates so runs are repeatable.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "config/config.h"
#include "core/core.h"
#include "keys/keys.h"
#include "x509/x509.h"

#include <limits.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define assert_ok(expr)                                                               \
	do {                                                                          \
		enum tk_err rc_ = (expr);                                             \
		if (rc_ != TK_OK)                                                     \
			fail_msg("%s failed (%d): %s", #expr, (int)rc_, tk_errmsg()); \
	} while (0)

#define assert_err_code(expr, want_err, want_code)                                    \
	do {                                                                          \
		enum tk_err rc_ = (expr);                                             \
		if (rc_ != (want_err))                                                \
			fail_msg("%s returned %d, expected %d (%s)", #expr, (int)rc_, \
			    (int)(want_err), tk_errmsg());                            \
		if (strcmp(tk_last_error()->code, (want_code)) != 0)                  \
			fail_msg("%s: code '%s', expected '%s' (%s)", #expr,          \
			    tk_last_error()->code, (want_code), tk_errmsg());         \
	} while (0)

/* Fixed dates: 2026-01-01T00:00:00Z, and a verification time inside. */
#define T0 1767225600LL
#define DAY 86400LL
#define T_VERIFY (T0 + 151 * DAY) /* 2026-06-01 */

#define URL_CRL "http://127.0.0.1:8443/crl/ca-issuing.crl"
#define URL_OCSP "http://127.0.0.1:8443/ocsp"
#define URL_CAISSUERS "http://127.0.0.1:8443/ca/ca-issuing.crt"
#define URL_CPS "http://127.0.0.1:8443/cps"
#define POLICY_OID "2.16.360.1.1.1.99.1"

/* Profile sections modelled on the defaults of src/svc/instance.c; a fixture of its own, so x509 is tested without svc. */
static const char profiles_ini[] =
    "[profile root-ca]\n"
    "ca = yes\n"
    "key_usage = keyCertSign,cRLSign\n"
    "validity_days = 7300\n"
    "\n"
    "[profile issuing-ca]\n"
    "ca = yes\n"
    "pathlen = 0\n"
    "key_usage = keyCertSign,cRLSign\n"
    "validity_days = 3650\n"
    "\n"
    "[profile individual]\n"
    "key_usage = digitalSignature,nonRepudiation\n"
    "ext_key_usage = emailProtection,documentSigning\n"
    "validity_days = 730\n"
    "allowed_keys = rsa2048,rsa3072,rsa4096,ec-p256,ec-p384\n"
    "subject_required = CN\n"
    "subject_allowed = CN,O,OU,C,L,ST,serialNumber,title,emailAddress\n"
    "\n"
    "[profile seal]\n"
    "key_usage = digitalSignature,nonRepudiation\n"
    "ext_key_usage = documentSigning\n"
    "validity_days = 1095\n"
    "subject_required = CN,O\n"
    "subject_allowed = CN,O,OU,C,L,ST,organizationIdentifier\n"
    "\n"
    "[profile tsa]\n"
    "key_usage = digitalSignature,nonRepudiation\n"
    "ext_key_usage = timeStamping\n"
    "eku_critical = yes\n"
    "validity_days = 1825\n"
    "subject_required = CN,O\n"
    "\n"
    "[profile ocsp]\n"
    "key_usage = digitalSignature\n"
    "ext_key_usage = OCSPSigning\n"
    "ocsp_nocheck = yes\n"
    "validity_days = 365\n"
    "subject_required = CN,O\n";

/* Profiles that are wrong in one way each (tests of the loader). */
static const char bad_profiles_ini[] =
    "[profile ec-only]\n"
    "key_usage = digitalSignature\n"
    "allowed_keys = ec-p256, ec-p384\n"
    "[profile prefix-trap]\n"
    "key_usage = digitalSignature\n"
    "allowed_keys = ec-p2560,rsa20480\n"
    "[profile no-ku]\n"
    "validity_days = 10\n"
    "[profile bad-bool]\n"
    "key_usage = digitalSignature\n"
    "ca = maybe\n"
    "[profile bad-bool2]\n"
    "key_usage = digitalSignature\n"
    "ocsp_nocheck = YES\n"
    "[profile zero-days]\n"
    "key_usage = digitalSignature\n"
    "validity_days = 0\n"
    "[profile many-days]\n"
    "key_usage = digitalSignature\n"
    "validity_days = 36501\n"
    "[profile max-days]\n"
    "key_usage = digitalSignature\n"
    "validity_days = 36500\n"
    "[profile word-days]\n"
    "key_usage = digitalSignature\n"
    "validity_days = two\n"
    "[profile pathlen-17]\n"
    "ca = yes\n"
    "key_usage = keyCertSign\n"
    "pathlen = 17\n"
    "[profile pathlen-neg]\n"
    "ca = yes\n"
    "key_usage = keyCertSign\n"
    "pathlen = -1\n"
    "[profile pathlen-16]\n"
    "ca = true\n"
    "key_usage = keyCertSign\n"
    "pathlen = 16\n"
    "[profile long-ku]\n"
    "key_usage = digitalSignature,digitalSignature,digitalSignature,digitalSignature,digitalSignature,"
    "digitalSignature,digitalSignature,digitalSignature,digitalSignature,digitalSignature\n"
    "[profile unknown-ku]\n"
    "key_usage = digitalSignature,fooSign\n"
    "[profile unknown-eku]\n"
    "key_usage = digitalSignature\n"
    "ext_key_usage = emailProtection,notAnEku\n"
    "[profile oid-eku]\n"
    "key_usage = digitalSignature\n"
    "ext_key_usage = 1.2.3.4.5\n"
    "[profile empty-ku]\n"
    "key_usage =\n"
    "[profile cc-ku]\n"
    "key_usage = contentCommitment\n";

struct g {
	struct config *cfg, *bad;
	EVP_PKEY *root_ec, *root_rsa, *inter_ec, *leaf_ec, *leaf_rsa, *ed25519;
};
static struct g G;

static int group_setup(void **state)
{
	(void)state;
	if (config_parse(profiles_ini, strlen(profiles_ini), "profiles.ini", &G.cfg) != TK_OK ||
	    config_parse(bad_profiles_ini, strlen(bad_profiles_ini), "bad.ini", &G.bad) != TK_OK ||
	    key_generate("ec-p256", &G.root_ec) != TK_OK || key_generate("rsa2048", &G.root_rsa) != TK_OK ||
	    key_generate("ec-p384", &G.inter_ec) != TK_OK || key_generate("ec-p256", &G.leaf_ec) != TK_OK ||
	    key_generate("rsa2048", &G.leaf_rsa) != TK_OK) {
		fprintf(stderr, "group setup: %s\n", tk_errmsg());
		return -1;
	}
	G.ed25519 = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	return G.ed25519 != NULL ? 0 : -1;
}

static int group_teardown(void **state)
{
	(void)state;
	config_free(G.cfg);
	config_free(G.bad);
	EVP_PKEY_free(G.root_ec);
	EVP_PKEY_free(G.root_rsa);
	EVP_PKEY_free(G.inter_ec);
	EVP_PKEY_free(G.leaf_ec);
	EVP_PKEY_free(G.leaf_rsa);
	EVP_PKEY_free(G.ed25519);
	memset(&G, 0, sizeof(G));
	return 0;
}

/* ------------------------------------------------------------------ */
/* helpers                                                             */
/* ------------------------------------------------------------------ */

static struct key *wrap(const char *name, EVP_PKEY *pk)
{
	struct key *k = NULL;

	assert_int_equal(EVP_PKEY_up_ref(pk), 1);
	assert_ok(key_from_pkey(name, pk, &k));
	return k;
}

static X509_NAME *name(const char *s)
{
	X509_NAME *n = NULL;

	assert_ok(x509_name_parse(s, &n));
	assert_non_null(n);
	return n;
}

static void load_profile(const char *pname, struct x509_profile *p)
{
	assert_ok(x509_profile_load(G.cfg, pname, p));
}

/* A CA or end-entity made with our issuer; serial from x509_serial_new(). */
struct made {
	X509 *cert;
	struct key *key; /* wraps the key pair (for issuing below it) */
	uint8_t serial[X509_SERIAL_LEN];
};

static void made_free(struct made *m)
{
	X509_free(m->cert);
	key_free(m->key);
	memset(m, 0, sizeof(*m));
}

static const struct x509_urls full_urls = { URL_CRL, URL_OCSP, URL_CAISSUERS, POLICY_OID, URL_CPS };

static enum tk_err try_issue(const char *pname, const struct made *issuer, EVP_PKEY *pk, const char *subject,
    int64_t nb, int64_t na, const char *digest, const struct x509_urls *urls, struct made *out)
{
	struct x509_profile prof;
	struct x509_issue_req r;
	X509_NAME *n = name(subject);
	enum tk_err rc;

	load_profile(pname, &prof);
	memset(&r, 0, sizeof(r));
	memset(out, 0, sizeof(*out));
	r.profile = &prof;
	r.issuer = issuer ? issuer->cert : NULL;
	out->key = wrap(pname, pk);
	r.issuer_key = issuer ? issuer->key : out->key;
	r.pubkey = pk;
	r.subject = n;
	assert_ok(x509_serial_new(r.serial));
	memcpy(out->serial, r.serial, X509_SERIAL_LEN);
	r.not_before = nb;
	r.not_after = na;
	r.digest = digest;
	if (urls != NULL)
		r.urls = *urls;
	rc = x509_issue(&r, &out->cert);
	X509_NAME_free(n);
	return rc;
}

static void issue(const char *pname, const struct made *issuer, EVP_PKEY *pk, const char *subject, int64_t nb,
    int64_t na, const char *digest, const struct x509_urls *urls, struct made *out)
{
	assert_ok(try_issue(pname, issuer, pk, subject, nb, na, digest, urls, out));
	assert_non_null(out->cert);
}

static void make_root(EVP_PKEY *pk, struct made *out)
{
	issue("root-ca", NULL, pk, "/C=ID/O=Kementerian Contoh/CN=teken Root CA", T0, T0 + 7300 * DAY, "sha256", NULL,
	    out);
}

static int64_t asn1_time_t(const ASN1_TIME *t)
{
	struct tm tm;

	assert_int_equal(ASN1_TIME_to_tm(t, &tm), 1);
	return (int64_t)timegm(&tm);
}

/* Verifies leaf against root (trusted) with optional intermediates. */
static int verify_chain(X509 *root, X509 *inter, X509 *leaf, int purpose, int *err)
{
	X509_STORE *st = X509_STORE_new();
	X509_STORE_CTX *ctx = X509_STORE_CTX_new();
	STACK_OF(X509) *untrusted = sk_X509_new_null();
	int r;

	assert_non_null(st);
	assert_non_null(ctx);
	assert_non_null(untrusted);
	assert_int_equal(X509_STORE_add_cert(st, root), 1);
	if (inter != NULL)
		assert_true(sk_X509_push(untrusted, inter) > 0);
	assert_int_equal(X509_STORE_CTX_init(ctx, st, leaf, untrusted), 1);
	X509_STORE_CTX_set_time(ctx, 0, (time_t)T_VERIFY);
	X509_STORE_CTX_set_flags(ctx, X509_V_FLAG_X509_STRICT);
	if (purpose)
		assert_int_equal(X509_STORE_CTX_set_purpose(ctx, purpose), 1);
	r = X509_verify_cert(ctx);
	*err = X509_STORE_CTX_get_error(ctx);
	X509_STORE_CTX_free(ctx);
	sk_X509_free(untrusted);
	X509_STORE_free(st);
	ERR_clear_error();
	return r;
}

static int ext_critical(X509 *c, int nid)
{
	int i = X509_get_ext_by_NID(c, nid, -1);

	if (i < 0)
		return -1;
	return X509_EXTENSION_get_critical(X509_get_ext(c, i));
}

static int eku_has(X509 *c, const char *oid)
{
	EXTENDED_KEY_USAGE *eku = X509_get_ext_d2i(c, NID_ext_key_usage, NULL, NULL);
	int i, found = 0;
	char txt[80];

	if (eku == NULL)
		return 0;
	for (i = 0; i < sk_ASN1_OBJECT_num(eku); i++) {
		OBJ_obj2txt(txt, sizeof(txt), sk_ASN1_OBJECT_value(eku, i), 1);
		if (strcmp(txt, oid) == 0)
			found = 1;
	}
	EXTENDED_KEY_USAGE_free(eku);
	return found;
}

static int eku_count(X509 *c)
{
	EXTENDED_KEY_USAGE *eku = X509_get_ext_d2i(c, NID_ext_key_usage, NULL, NULL);
	int n;

	if (eku == NULL)
		return 0;
	n = sk_ASN1_OBJECT_num(eku);
	EXTENDED_KEY_USAGE_free(eku);
	return n;
}

static void to_der(X509 *c, struct buf *b)
{
	buf_init(b, MAX_CERT_BYTES);
	assert_ok(x509_to_der(c, b));
}

/* ------------------------------------------------------------------ */
/* reasons                                                             */
/* ------------------------------------------------------------------ */

static void test_reason_parse_and_name(void **state)
{
	static const char *const names[] = { "unspecified", "keyCompromise", "cACompromise", "affiliationChanged",
		"superseded", "cessationOfOperation", "certificateHold", NULL, NULL, "privilegeWithdrawn", "aACompromise" };
	static const char *const bad[] = { "", "removeFromCRL", "KeyCompromise", "keycompromise", "keyCompromise ",
		"1", "unused", "unknown", "cacompromise" };
	int r;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (names[i] == NULL)
			continue;
		r = -1;
		assert_ok(x509_reason_parse(names[i], &r));
		assert_int_equal(r, (int)i);
		assert_string_equal(x509_reason_name((int)i), names[i]);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		r = 77;
		assert_err_code(x509_reason_parse(bad[i], &r), TK_ERR_INVALID, "bad_reason");
		assert_int_equal(r, 77);
	}
	assert_string_equal(x509_reason_name(8), "removeFromCRL");
	assert_string_equal(x509_reason_name(7), "unknown");
	assert_string_equal(x509_reason_name(-1), "unknown");
	assert_string_equal(x509_reason_name(11), "unknown");
	assert_string_equal(x509_reason_name(INT_MAX), "unknown");
	assert_string_equal(x509_reason_name(INT_MIN), "unknown");
}

/* ------------------------------------------------------------------ */
/* profiles                                                            */
/* ------------------------------------------------------------------ */

static void test_profile_load_template(void **state)
{
	struct x509_profile p;

	(void)state;
	load_profile("root-ca", &p);
	assert_string_equal(p.name, "root-ca");
	assert_int_equal(p.ca, 1);
	assert_int_equal(p.pathlen, -1);
	assert_string_equal(p.key_usage, "keyCertSign,cRLSign");
	assert_string_equal(p.ext_key_usage, "");
	assert_int_equal(p.validity_days, 7300);
	assert_int_equal(p.eku_critical, 0);
	assert_int_equal(p.ocsp_nocheck, 0);
	/* Defaults for what the section leaves out. */
	assert_string_equal(p.allowed_keys, "rsa2048,rsa3072,rsa4096,ec-p256,ec-p384");
	assert_string_equal(p.subject_required, "CN");
	assert_string_equal(p.subject_allowed, "CN,O,OU,C,L,ST,serialNumber,title,emailAddress");

	load_profile("issuing-ca", &p);
	assert_int_equal(p.ca, 1);
	assert_int_equal(p.pathlen, 0);
	assert_int_equal(p.validity_days, 3650);

	load_profile("individual", &p);
	assert_int_equal(p.ca, 0);
	assert_string_equal(p.ext_key_usage, "emailProtection,documentSigning");
	assert_int_equal(p.validity_days, 730);

	load_profile("seal", &p);
	assert_string_equal(p.subject_required, "CN,O");
	assert_string_equal(p.subject_allowed, "CN,O,OU,C,L,ST,organizationIdentifier");

	load_profile("tsa", &p);
	assert_int_equal(p.eku_critical, 1);
	assert_string_equal(p.ext_key_usage, "timeStamping");

	load_profile("ocsp", &p);
	assert_int_equal(p.ocsp_nocheck, 1);
	assert_int_equal(p.validity_days, 365);
}

static void test_profile_load_unknown(void **state)
{
	static const char *const unknown[] = { "nope", "", "Root-CA", "root-ca ", "profile root-ca", "no-ku",
		"a-very-long-profile-name-that-does-not-fit-in-the-section-buffer-at-all" };
	struct x509_profile p;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(unknown) / sizeof(unknown[0]); i++) {
		const struct config *c = strcmp(unknown[i], "no-ku") == 0 ? G.bad : G.cfg;
		assert_err_code(x509_profile_load(c, unknown[i], &p), TK_ERR_INVALID, "unknown_profile");
	}
}

static void test_profile_load_bad_values(void **state)
{
	static const char *const bad[] = { "bad-bool", "bad-bool2", "zero-days", "many-days", "word-days", "pathlen-17",
		"pathlen-neg", "long-ku" };
	struct x509_profile p;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		enum tk_err rc = x509_profile_load(G.bad, bad[i], &p);
		if (rc != TK_ERR_INVALID)
			fail_msg("profile %s loaded (rc %d)", bad[i], (int)rc);
		assert_non_null(strstr(tk_errmsg(), bad[i]));
	}
	assert_ok(x509_profile_load(G.bad, "max-days", &p));
	assert_int_equal(p.validity_days, 36500);
	assert_ok(x509_profile_load(G.bad, "pathlen-16", &p));
	assert_int_equal(p.ca, 1);
	assert_int_equal(p.pathlen, 16);
}

static void test_profile_check_key(void **state)
{
	struct x509_profile p;
	EVP_PKEY *rsa1024;

	(void)state;
	load_profile("individual", &p);
	assert_ok(x509_profile_check_key(&p, G.leaf_ec));
	assert_ok(x509_profile_check_key(&p, G.leaf_rsa));
	assert_ok(x509_profile_check_key(&p, G.inter_ec));
	assert_err_code(x509_profile_check_key(&p, G.ed25519), TK_ERR_INVALID, "key_not_allowed");
	rsa1024 = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)1024);
	assert_non_null(rsa1024);
	assert_err_code(x509_profile_check_key(&p, rsa1024), TK_ERR_INVALID, "key_not_allowed");
	EVP_PKEY_free(rsa1024);

	assert_ok(x509_profile_load(G.bad, "ec-only", &p));
	assert_ok(x509_profile_check_key(&p, G.leaf_ec));
	assert_ok(x509_profile_check_key(&p, G.inter_ec)); /* " ec-p384" after the comma */
	assert_err_code(x509_profile_check_key(&p, G.leaf_rsa), TK_ERR_INVALID, "key_not_allowed");
	assert_non_null(strstr(tk_errmsg(), "rsa2048"));

	/* Whole words only: "ec-p2560" does not allow ec-p256. */
	assert_ok(x509_profile_load(G.bad, "prefix-trap", &p));
	assert_err_code(x509_profile_check_key(&p, G.leaf_ec), TK_ERR_INVALID, "key_not_allowed");
	assert_err_code(x509_profile_check_key(&p, G.leaf_rsa), TK_ERR_INVALID, "key_not_allowed");
}

static void test_profile_check_subject(void **state)
{
	static const struct {
		const char *profile, *subject;
		int ok;
	} cases[] = {
		{ "individual", "/CN=Budi", 1 },
		{ "individual", "/C=ID/O=Kementerian/OU=Pusdatin/CN=Budi Santoso/serialNumber=PNS-1987/title=Kepala",
		    1 },
		{ "individual", "CN=Budi, emailAddress=budi@example.go.id", 1 },
		{ "individual", "/O=Kementerian", 0 }, /* CN required */
		{ "individual", "/C=ID/O=Kementerian", 0 },
		{ "individual", "/CN=Budi/DC=example", 0 }, /* DC not allowed */
		{ "individual", "/CN=Budi/organizationIdentifier=NTRID-1", 0 },
		{ "individual", "/CN=Budi/UID=budi", 0 },
		{ "seal", "/C=ID/O=Kementerian/CN=Segel", 1 },
		{ "seal", "/CN=Segel", 0 },      /* O required */
		{ "seal", "/O=Kementerian", 0 }, /* CN required */
		{ "seal", "/O=K/CN=S/organizationIdentifier=NTRID-1", 1 },
		{ "seal", "/O=K/CN=S/emailAddress=a@b.c", 0 },
		{ "tsa", "/O=K/CN=TSA", 1 },
		{ "ocsp", "/CN=OCSP", 0 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct x509_profile p;
		X509_NAME *n = name(cases[i].subject);
		enum tk_err rc;

		load_profile(cases[i].profile, &p);
		rc = x509_profile_check_subject(&p, n);
		X509_NAME_free(n);
		if (cases[i].ok && rc != TK_OK)
			fail_msg("%s rejected %s: %s", cases[i].profile, cases[i].subject, tk_errmsg());
		if (!cases[i].ok) {
			if (rc != TK_ERR_INVALID)
				fail_msg("%s accepted %s", cases[i].profile, cases[i].subject);
			assert_string_equal(tk_last_error()->code, "bad_subject");
		}
	}
}

static void test_profile_check_subject_hostile(void **state)
{
	struct x509_profile p;
	X509_NAME *n;
	ASN1_OBJECT *odd;

	(void)state;
	load_profile("individual", &p);
	/* Empty subject. */
	n = X509_NAME_new();
	assert_non_null(n);
	assert_err_code(x509_profile_check_subject(&p, n), TK_ERR_INVALID, "bad_subject");
	/* An empty value smuggled in through the OpenSSL API. */
	assert_int_equal(X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_UTF8, (const unsigned char *)"x", -1, -1, 0), 1);
	assert_int_equal(X509_NAME_add_entry_by_txt(n, "O", V_ASN1_UTF8STRING, (const unsigned char *)"", 0, -1, 0), 1);
	assert_err_code(x509_profile_check_subject(&p, n), TK_ERR_INVALID, "bad_subject");
	X509_NAME_free(n);
	/* An attribute OID OpenSSL has no name for. */
	n = name("/CN=x");
	odd = OBJ_txt2obj("1.2.3.4.5.6.7", 1);
	assert_non_null(odd);
	assert_int_equal(X509_NAME_add_entry_by_OBJ(n, odd, MBSTRING_UTF8, (const unsigned char *)"v", -1, -1, 0), 1);
	ASN1_OBJECT_free(odd);
	assert_err_code(x509_profile_check_subject(&p, n), TK_ERR_INVALID, "bad_subject");
	X509_NAME_free(n);
}

/* ------------------------------------------------------------------ */
/* names                                                               */
/* ------------------------------------------------------------------ */

static void name_der(const X509_NAME *n, struct buf *b)
{
	unsigned char *der = NULL;
	int len = i2d_X509_NAME(n, &der);

	assert_true(len > 0);
	buf_init(b, 4096);
	assert_ok(buf_append(b, der, (size_t)len));
	OPENSSL_free(der);
}

static void assert_entry(const X509_NAME *n, int idx, int nid, const char *value)
{
	const X509_NAME_ENTRY *e = X509_NAME_get_entry(n, idx);
	const ASN1_STRING *v;

	assert_non_null(e);
	assert_int_equal(OBJ_obj2nid(X509_NAME_ENTRY_get_object(e)), nid);
	v = X509_NAME_ENTRY_get_data(e);
	if ((size_t)ASN1_STRING_length(v) != strlen(value) ||
	    memcmp(ASN1_STRING_get0_data(v), value, strlen(value)) != 0)
		fail_msg("entry %d is '%.*s', expected '%s'", idx, ASN1_STRING_length(v),
		    (const char *)ASN1_STRING_get0_data(v), value);
}

static void test_name_both_syntaxes_same_der(void **state)
{
	static const char *const forms[] = {
		"CN=Budi Santoso, O=Kementerian Contoh, C=ID",
		"CN=Budi Santoso,O=Kementerian Contoh,C=ID",
		"  CN=Budi Santoso ,  O=Kementerian Contoh  , C=ID",
	};
	X509_NAME *ref = name("/C=ID/O=Kementerian Contoh/CN=Budi Santoso");
	struct buf want;
	char s[256];
	size_t i;

	(void)state;
	/* Slash form: written most significant first; DER keeps that order. */
	assert_int_equal(X509_NAME_entry_count(ref), 3);
	assert_entry(ref, 0, NID_countryName, "ID");
	assert_entry(ref, 1, NID_organizationName, "Kementerian Contoh");
	assert_entry(ref, 2, NID_commonName, "Budi Santoso");
	name_der(ref, &want);
	for (i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
		X509_NAME *n = name(forms[i]);
		struct buf got;
		name_der(n, &got);
		if (got.len != want.len || memcmp(got.p, want.p, got.len) != 0)
			fail_msg("'%s' gives a different DER name than the slash form", forms[i]);
		assert_int_equal(X509_NAME_cmp(n, ref), 0);
		buf_free(&got);
		X509_NAME_free(n);
	}
	/* UTF8String values (RFC 5280 4.1.2.6), country as PrintableString. */
	assert_int_equal(ASN1_STRING_type(X509_NAME_ENTRY_get_data(X509_NAME_get_entry(ref, 2))), V_ASN1_UTF8STRING);
	assert_int_equal(ASN1_STRING_type(X509_NAME_ENTRY_get_data(X509_NAME_get_entry(ref, 0))), V_ASN1_PRINTABLESTRING);
	assert_ok(x509_name_str(ref, s, sizeof(s)));
	assert_string_equal(s, "CN=Budi Santoso,O=Kementerian Contoh,C=ID");
	assert_err_code(x509_name_str(ref, s, 10), TK_ERR_LIMIT, "too_large");
	buf_free(&want);
	X509_NAME_free(ref);
}

static void test_name_escapes_and_utf8(void **state)
{
	X509_NAME *n;
	char s[256];

	(void)state;
	n = name("CN=Santoso\\, Budi, O=A\\=B");
	assert_int_equal(X509_NAME_entry_count(n), 2);
	assert_entry(n, 0, NID_organizationName, "A=B");
	assert_entry(n, 1, NID_commonName, "Santoso, Budi");
	X509_NAME_free(n);

	n = name("/O=PT A\\/B/CN=x\\\\y");
	assert_entry(n, 0, NID_organizationName, "PT A/B");
	assert_entry(n, 1, NID_commonName, "x\\y");
	X509_NAME_free(n);

	/* Commas are plain in the slash form, slashes plain in the comma form. */
	n = name("/CN=Santoso, Budi/O=a=b");
	assert_entry(n, 0, NID_commonName, "Santoso, Budi");
	assert_entry(n, 1, NID_organizationName, "a=b");
	X509_NAME_free(n);
	n = name("CN=a/b");
	assert_entry(n, 0, NID_commonName, "a/b");
	X509_NAME_free(n);

	n = name("CN=Dédé Ayu Ñ 日本");
	assert_entry(n, 0, NID_commonName, "Dédé Ayu Ñ 日本");
	assert_ok(x509_name_str(n, s, sizeof(s)));
	assert_string_equal(s, "CN=Dédé Ayu Ñ 日本");
	X509_NAME_free(n);

	n = name("/serialNumber=PNS-1987/emailAddress=budi@example.go.id/title=Kepala/L=Jakarta/ST=DKI");
	assert_int_equal(X509_NAME_entry_count(n), 5);
	assert_entry(n, 0, NID_serialNumber, "PNS-1987");
	assert_entry(n, 1, NID_pkcs9_emailAddress, "budi@example.go.id");
	X509_NAME_free(n);

	/* A long but allowed value (CN upper bound is 64). */
	{
		char in[80];
		memcpy(in, "CN=", 3);
		memset(in + 3, 'x', 64);
		in[67] = '\0';
		n = name(in);
		X509_NAME_free(n);
		memset(in + 3, 'x', 65);
		in[68] = '\0';
		n = NULL;
		assert_err_code(x509_name_parse(in, &n), TK_ERR_INVALID, "bad_subject");
		assert_null(n);
	}
}

/* RFC 4514 2.4: an escaped trailing space is part of the value. */
static void test_name_keeps_escaped_trailing_space(void **state)
{
	X509_NAME *n = name("CN=Budi\\ , O=X");
	const ASN1_STRING *v = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(n, 1));
	int len = ASN1_STRING_length(v);
	int ok = len == 5 && memcmp(ASN1_STRING_get0_data(v), "Budi ", 5) == 0;

	(void)state;
	X509_NAME_free(n);
	if (!ok)
		fail_msg("\"CN=Budi\\ \" gave a CN of %d bytes instead of \"Budi \" (escaped space dropped)", len);
}

static void test_name_parse_bad(void **state)
{
	static const char *const bad[] = {
		"",
		"/",
		"CN",
		"/CN",
		"=x",
		"/=x",
		"CN=",
		"/CN=",
		"/CN=/O=x",
		"CN=a, O=",
		"CN=a,,O=b",
		"/CN=a//O=b",
		"XX=1",
		"/FOO=bar",
		"/CN=x/NOTANATTR=y",
		"CN = spaced-attr",
		"C=IDN", /* countryName is two letters */
		"C=I",
		("CN=a\x01"
		 "b"), /* split so the escape ends at \x01 */
		"CN=line\nbreak",
		"CN=tab\there",
		"CN=del\x7f",
		"/CN=esc\\\x02",
		"CN=bad utf8 \xff\xfe",
		"CN=overlong \xc0\xaf",
		"CN=surrogate \xed\xa0\x80",
		"CN=truncated \xe6\x97",
		"ABCDEFGHIJKLMNOPQRSTUVWXYZABCDEFGHIJ=x", /* attribute name over 31 bytes */
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		X509_NAME *n = NULL;
		enum tk_err rc = x509_name_parse(bad[i], &n);
		if (rc != TK_ERR_INVALID) {
			X509_NAME_free(n);
			fail_msg("x509_name_parse accepted case %zu '%s'", i, bad[i]);
		}
		assert_null(n);
		assert_string_equal(tk_last_error()->code, "bad_subject");
	}
}

static void test_name_parse_limits(void **state)
{
	char *s = malloc(MAX_SUBJECT_BYTES + 16);
	X509_NAME *n = NULL;
	size_t k;

	(void)state;
	assert_non_null(s);
	/* Whole string at the limit. */
	memcpy(s, "/O=", 3);
	memset(s + 3, 'a', MAX_SUBJECT_BYTES - 3);
	s[MAX_SUBJECT_BYTES] = '\0';
	assert_err_code(x509_name_parse(s, &n), TK_ERR_INVALID, "bad_subject");
	assert_null(n);
	/* One value over 255 bytes. */
	memcpy(s, "OU=", 3);
	memset(s + 3, 'b', 300);
	s[303] = '\0';
	assert_err_code(x509_name_parse(s, &n), TK_ERR_INVALID, "bad_subject");
	assert_null(n);
	/* Sixteen attributes are fine, seventeen are too many. */
	s[0] = '\0';
	for (k = 0; k < 16; k++)
		memcpy(s + 5 * k, "/OU=u", 6);
	assert_ok(x509_name_parse(s, &n));
	assert_int_equal(X509_NAME_entry_count(n), 16);
	X509_NAME_free(n);
	n = NULL;
	memcpy(s + strlen(s), "/OU=u", 6);
	assert_err_code(x509_name_parse(s, &n), TK_ERR_INVALID, "bad_subject");
	assert_null(n);
	/* The same count in the comma form. */
	s[0] = '\0';
	for (k = 0; k < 17; k++)
		memcpy(s + strlen(s), k ? ",OU=u" : "OU=u", k ? 6 : 5);
	assert_err_code(x509_name_parse(s, &n), TK_ERR_INVALID, "bad_subject");
	assert_null(n);
	free(s);
}

/* ------------------------------------------------------------------ */
/* CSR and certificate parsing                                         */
/* ------------------------------------------------------------------ */

/* A PKCS#10 request for subject with pub, signed by signer. */
static X509_REQ *make_req(EVP_PKEY *pub, EVP_PKEY *signer, const char *subject)
{
	X509_REQ *req = X509_REQ_new();
	X509_NAME *n = name(subject);
	const EVP_MD *md = EVP_PKEY_is_a(signer, "ED25519") ? NULL : EVP_sha256();

	assert_non_null(req);
	assert_int_equal(X509_REQ_set_version(req, 0), 1);
	assert_int_equal(X509_REQ_set_subject_name(req, n), 1);
	assert_int_equal(X509_REQ_set_pubkey(req, pub), 1);
	assert_true(X509_REQ_sign(req, signer, md) > 0);
	X509_NAME_free(n);
	return req;
}

static void req_der(X509_REQ *req, struct buf *b)
{
	unsigned char *der = NULL;
	int n = i2d_X509_REQ(req, &der);

	assert_true(n > 0);
	buf_init(b, MAX_CSR_BYTES + 64);
	assert_ok(buf_append(b, der, (size_t)n));
	OPENSSL_free(der);
}

/* x509_csr_parse on an exact-size heap copy (so ASan sees over-reads). */
static enum tk_err csr_parse_copy(const uint8_t *p, size_t len, X509_REQ **out)
{
	uint8_t *c = malloc(len ? len : 1);
	enum tk_err rc;

	assert_non_null(c);
	if (len)
		memcpy(c, p, len);
	rc = x509_csr_parse(c, len, out);
	free(c);
	return rc;
}

static void test_csr_parse_good(void **state)
{
	EVP_PKEY *keys[] = { G.leaf_ec, G.leaf_rsa, G.inter_ec, G.ed25519 };
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		X509_REQ *req = make_req(keys[i], keys[i], "/C=ID/O=Kementerian/CN=Budi");
		X509_REQ *got = NULL;
		struct buf der, pem;

		req_der(req, &der);
		assert_ok(csr_parse_copy(der.p, der.len, &got));
		assert_non_null(got);
		assert_int_equal(X509_NAME_cmp(X509_REQ_get_subject_name(got), X509_REQ_get_subject_name(req)), 0);
		assert_int_equal(EVP_PKEY_eq(X509_REQ_get0_pubkey(got), keys[i]), 1);
		X509_REQ_free(got);
		got = NULL;

		buf_init(&pem, MAX_CSR_BYTES);
		assert_ok(x509_der_to_pem("CERTIFICATE REQUEST", der.p, der.len, &pem));
		assert_ok(csr_parse_copy(pem.p, pem.len, &got));
		assert_int_equal(EVP_PKEY_eq(X509_REQ_get0_pubkey(got), keys[i]), 1);
		X509_REQ_free(got);
		got = NULL;

		/* The old "NEW CERTIFICATE REQUEST" label and text before the PEM block. */
		buf_reset(&pem);
		assert_ok(buf_puts(&pem, "Subject: whatever\r\n"));
		assert_ok(x509_der_to_pem("NEW CERTIFICATE REQUEST", der.p, der.len, &pem));
		assert_ok(csr_parse_copy(pem.p, pem.len, &got));
		X509_REQ_free(got);

		buf_free(&pem);
		buf_free(&der);
		X509_REQ_free(req);
	}
}

static void test_csr_parse_bad_signature(void **state)
{
	EVP_PKEY *keys[] = { G.leaf_ec, G.leaf_rsa };
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		X509_REQ *req = make_req(keys[i], keys[i], "/C=ID/CN=Budi");
		X509_REQ *got = NULL;
		struct buf der, pem;
		uint8_t *cn;

		req_der(req, &der);
		/* Flip a byte of the signature value (the last bytes of the DER). */
		der.p[der.len - 1] ^= 0x01;
		assert_err_code(csr_parse_copy(der.p, der.len, &got), TK_ERR_INVALID, "bad_csr_signature");
		assert_null(got);
		der.p[der.len - 5] ^= 0x80;
		assert_err_code(csr_parse_copy(der.p, der.len, &got), TK_ERR_INVALID, "bad_csr_signature");
		/* The same in PEM. */
		buf_init(&pem, MAX_CSR_BYTES);
		assert_ok(x509_der_to_pem("CERTIFICATE REQUEST", der.p, der.len, &pem));
		assert_err_code(csr_parse_copy(pem.p, pem.len, &got), TK_ERR_INVALID, "bad_csr_signature");
		assert_null(got);
		buf_free(&pem);
		buf_free(&der);

		/* A changed subject (signed content) fails the same way. */
		req_der(req, &der);
		cn = memmem(der.p, der.len, "Budi", 4);
		assert_non_null(cn);
		cn[0] = 'R';
		assert_err_code(csr_parse_copy(der.p, der.len, &got), TK_ERR_INVALID, "bad_csr_signature");
		assert_null(got);
		buf_free(&der);
		X509_REQ_free(req);
	}
}

static void test_csr_parse_no_proof_of_possession(void **state)
{
	/* Public key of one pair, signed with another. */
	X509_REQ *req = make_req(G.leaf_ec, G.root_ec, "/CN=Mallory");
	X509_REQ *got = NULL;
	struct buf der;

	(void)state;
	req_der(req, &der);
	assert_err_code(csr_parse_copy(der.p, der.len, &got), TK_ERR_INVALID, "bad_csr_signature");
	assert_null(got);
	buf_free(&der);
	X509_REQ_free(req);
}

static void test_csr_parse_garbage(void **state)
{
	static const struct {
		const char *what;
		const char *p;
		size_t len;
	} bad[] = {
		{ "text", "hello world", 11 },
		{ "zeros", "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", 16 },
		{ "indefinite", "\x30\x80\x30\x80\x00\x00\x00\x00", 8 },
		{ "empty sequence", "\x30\x00", 2 },
		{ "one byte", "\x30", 1 },
		{ "huge length", "\x30\x84\x7f\xff\xff\xff\x02\x01\x00", 9 },
		{ "pem header only", "-----BEGIN CERTIFICATE REQUEST-----\n", 0 },
		{ "pem bad base64",
		    "-----BEGIN CERTIFICATE REQUEST-----\n!!!!\n-----END CERTIFICATE REQUEST-----\n", 0 },
		{ "pem empty body", "-----BEGIN CERTIFICATE REQUEST-----\n-----END CERTIFICATE REQUEST-----\n", 0 },
		{ "pem of a certificate label", "-----BEGIN CERTIFICATE-----\nMAA=\n-----END CERTIFICATE-----\n", 0 },
	};
	X509_REQ *got = NULL;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		size_t len = bad[i].len ? bad[i].len : strlen(bad[i].p);
		enum tk_err rc = csr_parse_copy((const uint8_t *)bad[i].p, len, &got);
		if (rc != TK_ERR_INVALID || strcmp(tk_last_error()->code, "bad_csr") != 0)
			fail_msg("csr %s: rc %d code %s", bad[i].what, (int)rc, tk_last_error()->code);
		assert_null(got);
	}
	assert_err_code(x509_csr_parse((const uint8_t *)"", 0, &got), TK_ERR_INVALID, "bad_csr");
	{
		uint8_t *big = calloc(1, MAX_CSR_BYTES + 1);
		assert_non_null(big);
		big[0] = 0x30;
		assert_err_code(x509_csr_parse(big, MAX_CSR_BYTES + 1, &got), TK_ERR_INVALID, "bad_csr");
		free(big);
	}
	assert_null(got);
	assert_int_equal(ERR_peek_error(), 0); /* no OpenSSL errors left queued */
}

static void test_csr_parse_truncated_and_trailing(void **state)
{
	X509_REQ *req = make_req(G.leaf_ec, G.leaf_ec, "/C=ID/O=K/CN=Budi");
	X509_REQ *got = NULL;
	struct buf der, pem;
	size_t n;

	(void)state;
	req_der(req, &der);
	for (n = 1; n < der.len; n++) {
		enum tk_err rc = csr_parse_copy(der.p, n, &got);
		if (rc != TK_ERR_INVALID || strcmp(tk_last_error()->code, "bad_csr") != 0)
			fail_msg("truncated CSR of %zu/%zu bytes: rc %d code %s", n, der.len, (int)rc,
			    tk_last_error()->code);
		assert_null(got);
	}
	/* Trailing bytes after the DER request. */
	assert_ok(buf_putc(&der, 0x00));
	assert_err_code(csr_parse_copy(der.p, der.len, &got), TK_ERR_INVALID, "bad_csr");
	assert_non_null(strstr(tk_errmsg(), "trailing"));
	der.len--;
	assert_ok(buf_append(&der, "\x30\x00", 2));
	assert_err_code(csr_parse_copy(der.p, der.len, &got), TK_ERR_INVALID, "bad_csr");
	assert_null(got);
	der.len -= 2;

	/* A truncated PEM body. */
	buf_init(&pem, MAX_CSR_BYTES);
	assert_ok(x509_der_to_pem("CERTIFICATE REQUEST", der.p, der.len, &pem));
	{
		struct buf cut;
		char *nl = memchr(pem.p + 40, '\n', pem.len - 40); /* end of first base64 line */
		assert_non_null(nl);
		buf_init(&cut, MAX_CSR_BYTES);
		assert_ok(buf_append(&cut, pem.p, (size_t)((uint8_t *)nl + 1 - pem.p)));
		assert_ok(buf_puts(&cut, "-----END CERTIFICATE REQUEST-----\n"));
		assert_err_code(csr_parse_copy(cut.p, cut.len, &got), TK_ERR_INVALID, "bad_csr");
		assert_null(got);
		buf_free(&cut);
	}
	buf_free(&pem);
	buf_free(&der);
	X509_REQ_free(req);
}

static void test_csr_parse_certificate_is_not_a_csr(void **state)
{
	struct made root;
	struct buf der, pem, wrong;
	X509_REQ *got = NULL;

	(void)state;
	make_root(G.root_ec, &root);
	to_der(root.cert, &der);
	assert_err_code(csr_parse_copy(der.p, der.len, &got), TK_ERR_INVALID, "bad_csr");
	assert_null(got);
	buf_init(&pem, MAX_CERT_BYTES);
	assert_ok(x509_to_pem(root.cert, &pem));
	assert_err_code(csr_parse_copy(pem.p, pem.len, &got), TK_ERR_INVALID, "bad_csr");
	assert_null(got);
	/* Certificate bytes under a CSR label. */
	buf_init(&wrong, MAX_CERT_BYTES);
	assert_ok(x509_der_to_pem("CERTIFICATE REQUEST", der.p, der.len, &wrong));
	assert_err_code(csr_parse_copy(wrong.p, wrong.len, &got), TK_ERR_INVALID, "bad_csr");
	assert_null(got);
	buf_free(&wrong);
	buf_free(&pem);
	buf_free(&der);
	made_free(&root);
}

/*
 * A DER request is DER even when its bytes happen to contain the text
 * "-----BEGIN " (here in the subject): it must not be mistaken for PEM.
 */
static void test_csr_parse_der_containing_pem_marker(void **state)
{
	X509_REQ *req = make_req(G.leaf_ec, G.leaf_ec, "/O=-----BEGIN PKCS7-----/CN=Budi");
	X509_REQ *got = NULL;
	struct buf der;
	enum tk_err rc;

	(void)state;
	req_der(req, &der);
	assert_non_null(memmem(der.p, der.len, "-----BEGIN ", 11));
	rc = csr_parse_copy(der.p, der.len, &got);
	X509_REQ_free(got);
	buf_free(&der);
	X509_REQ_free(req);
	if (rc != TK_OK)
		fail_msg("a valid DER CSR containing \"-----BEGIN \" was rejected: %s (%s)", tk_last_error()->code,
		    tk_errmsg());
}

static void test_csr_key_policy(void **state)
{
	/* A well-formed Ed25519 request parses; the profile then refuses its key. */
	X509_REQ *req = make_req(G.ed25519, G.ed25519, "/CN=Ed");
	X509_REQ *got = NULL;
	struct x509_profile p;
	struct buf der;

	(void)state;
	req_der(req, &der);
	assert_ok(csr_parse_copy(der.p, der.len, &got));
	load_profile("individual", &p);
	assert_err_code(x509_profile_check_key(&p, X509_REQ_get0_pubkey(got)), TK_ERR_INVALID, "key_not_allowed");
	X509_REQ_free(got);
	buf_free(&der);
	X509_REQ_free(req);
}

/* ------------------------------------------------------------------ */
/* public-key policy (x509_pubkey_check)                               */
/* ------------------------------------------------------------------ */

/* P-256 key pair whose parameters are spelled out (RFC 3279 ECParameters) instead of named. */
static EVP_PKEY *ec_explicit_p256(void)
{
	EVP_PKEY *pk = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");

	assert_non_null(pk);
	assert_int_equal(EVP_PKEY_set_utf8_string_param(pk, OSSL_PKEY_PARAM_EC_ENCODING, OSSL_PKEY_EC_ENCODING_EXPLICIT), 1);
	return pk;
}

/* An RSA public key (no private part) with modulus n and exponent e. */
static EVP_PKEY *rsa_pub(const BIGNUM *n, const BIGNUM *e)
{
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	OSSL_PARAM *params;
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
	EVP_PKEY *pk = NULL;

	assert_non_null(bld);
	assert_non_null(ctx);
	assert_int_equal(OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n), 1);
	assert_int_equal(OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e), 1);
	params = OSSL_PARAM_BLD_to_param(bld);
	assert_non_null(params);
	assert_int_equal(EVP_PKEY_fromdata_init(ctx), 1);
	assert_int_equal(EVP_PKEY_fromdata(ctx, &pk, EVP_PKEY_PUBLIC_KEY, params), 1);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	EVP_PKEY_CTX_free(ctx);
	return pk;
}

/* The key as it arrives: inside a signed CSR, parsed back by x509_csr_parse. */
static enum tk_err check_via_csr(EVP_PKEY *pk)
{
	X509_REQ *req = make_req(pk, pk, "/CN=Key Policy");
	X509_REQ *got = NULL;
	struct buf der;
	enum tk_err rc;

	req_der(req, &der);
	assert_ok(csr_parse_copy(der.p, der.len, &got));
	rc = x509_pubkey_check(X509_REQ_get0_pubkey(got));
	X509_REQ_free(got);
	X509_REQ_free(req);
	buf_free(&der);
	return rc;
}

static void expect_key_refused(EVP_PKEY *pk, const char *msg_part)
{
	assert_err_code(x509_pubkey_check(pk), TK_ERR_INVALID, "key_not_allowed");
	if (strstr(tk_errmsg(), msg_part) == NULL)
		fail_msg("message '%s' lacks '%s'", tk_errmsg(), msg_part);
}

static void test_pubkey_check_ec(void **state)
{
	EVP_PKEY *expl = ec_explicit_p256();
	EVP_PKEY *k1 = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "secp256k1");
	EVP_PKEY *p521 = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-521");
	EVP_PKEY *p224 = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-224");
	char group[64] = "";
	size_t n = 0;

	(void)state;
	assert_non_null(k1);
	assert_non_null(p521);
	assert_non_null(p224);
	/* Named P-256 and P-384 pass, directly and through a CSR. */
	assert_ok(x509_pubkey_check(G.leaf_ec));
	assert_ok(x509_pubkey_check(G.inter_ec));
	assert_ok(check_via_csr(G.leaf_ec));
	assert_ok(check_via_csr(G.inter_ec));
	/* OpenSSL names the explicit group after the curve it equals, so a
	 * check on the group name alone would let it through. */
	assert_int_equal(EVP_PKEY_get_utf8_string_param(expl, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof(group), &n), 1);
	assert_string_equal(group, "prime256v1");
	expect_key_refused(expl, "x509: RFC 5480 2.1.1: explicit EC parameters are not accepted; use a named curve (P-256 or P-384)");
	assert_err_code(check_via_csr(expl), TK_ERR_INVALID, "key_not_allowed");
	assert_non_null(strstr(tk_errmsg(), "explicit EC parameters"));
	expect_key_refused(k1, "EC curve secp256k1 is not accepted");
	assert_err_code(check_via_csr(k1), TK_ERR_INVALID, "key_not_allowed");
	expect_key_refused(p521, "EC curve secp521r1 is not accepted");
	expect_key_refused(p224, "EC curve secp224r1 is not accepted");
	assert_int_equal(ERR_peek_error(), 0);
	EVP_PKEY_free(expl);
	EVP_PKEY_free(k1);
	EVP_PKEY_free(p521);
	EVP_PKEY_free(p224);
}

static void test_pubkey_check_rsa(void **state)
{
	EVP_PKEY *r1024 = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)1024);
	EVP_PKEY *r2050 = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2050);
	EVP_PKEY *e3 = NULL, *pk = NULL;
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
	BIGNUM *n = NULL, *e = BN_new(), *big = BN_new();

	(void)state;
	assert_non_null(r1024);
	assert_non_null(r2050);
	assert_non_null(ctx);
	assert_non_null(e);
	assert_non_null(big);
	assert_int_equal(EVP_PKEY_keygen_init(ctx), 1);
	assert_int_equal(EVP_PKEY_CTX_set_rsa_keygen_bits(ctx, 2048), 1);
	assert_int_equal(BN_set_word(e, 3), 1);
	assert_int_equal(EVP_PKEY_CTX_set1_rsa_keygen_pubexp(ctx, e), 1);
	assert_int_equal(EVP_PKEY_keygen(ctx, &e3), 1);

	assert_ok(x509_pubkey_check(G.leaf_rsa));
	assert_ok(check_via_csr(G.root_rsa));
	/* Sizes need not be a multiple of 8. */
	assert_ok(x509_pubkey_check(r2050));
	expect_key_refused(r1024, "RSA modulus of 1024 bits is not accepted; use 2048 to 8192 bits");
	assert_err_code(check_via_csr(r1024), TK_ERR_INVALID, "key_not_allowed");
	expect_key_refused(e3, "RSA public exponent must be odd, at least 65537");
	assert_err_code(check_via_csr(e3), TK_ERR_INVALID, "key_not_allowed");

	/* Public keys built from a good modulus with other exponents. */
	assert_int_equal(EVP_PKEY_get_bn_param(G.leaf_rsa, OSSL_PKEY_PARAM_RSA_N, &n), 1);
	assert_int_equal(BN_set_word(e, 65538), 1); /* even */
	pk = rsa_pub(n, e);
	expect_key_refused(pk, "RSA public exponent");
	EVP_PKEY_free(pk);
	assert_int_equal(BN_set_word(e, 65535), 1); /* odd, below 2^16 + 1 */
	pk = rsa_pub(n, e);
	expect_key_refused(pk, "RSA public exponent");
	EVP_PKEY_free(pk);
	assert_int_equal(BN_set_word(e, 1), 1);
	assert_int_equal(BN_lshift(e, e, 256), 1);
	assert_int_equal(BN_add_word(e, 1), 1); /* 2^256 + 1 */
	pk = rsa_pub(n, e);
	expect_key_refused(pk, "below 2^256");
	EVP_PKEY_free(pk);
	assert_int_equal(BN_rshift1(e, e), 1);
	assert_int_equal(BN_set_bit(e, 0), 1); /* 2^255 + 1: largest power-of-two form allowed */
	pk = rsa_pub(n, e);
	assert_ok(x509_pubkey_check(pk));
	EVP_PKEY_free(pk);

	/* Moduli that are not products of two large primes. */
	assert_int_equal(BN_set_word(e, 65537), 1);
	assert_int_equal(BN_copy(big, n) != NULL, 1);
	assert_int_equal(BN_add_word(big, 1), 1); /* even */
	pk = rsa_pub(big, e);
	expect_key_refused(pk, "RSA modulus is even");
	EVP_PKEY_free(pk);
	assert_int_equal(BN_copy(big, n) != NULL, 1);
	assert_int_equal(BN_mul_word(big, 3), 1); /* odd, 2050 bits, a factor of 3 */
	pk = rsa_pub(big, e);
	expect_key_refused(pk, "fails public-key validation");
	EVP_PKEY_free(pk);
	assert_int_equal(BN_lshift(big, n, (int)X509_RSA_MAX_BITS + 1 - BN_num_bits(n)), 1);
	assert_int_equal(BN_set_bit(big, 0), 1); /* odd, 8193 bits */
	assert_int_equal(BN_num_bits(big), (int)X509_RSA_MAX_BITS + 1);
	pk = rsa_pub(big, e);
	expect_key_refused(pk, "RSA modulus of 8193 bits");
	EVP_PKEY_free(pk);
	assert_int_equal(ERR_peek_error(), 0);

	BN_free(n);
	BN_free(e);
	BN_free(big);
	EVP_PKEY_CTX_free(ctx);
	EVP_PKEY_free(r1024);
	EVP_PKEY_free(r2050);
	EVP_PKEY_free(e3);
}

static void test_pubkey_check_other_types(void **state)
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA-PSS", NULL);
	EVP_PKEY *pss = NULL;
	EVP_PKEY *ed448 = EVP_PKEY_Q_keygen(NULL, NULL, "ED448");

	(void)state;
	assert_non_null(ctx);
	assert_int_equal(EVP_PKEY_keygen_init(ctx), 1);
	assert_int_equal(EVP_PKEY_CTX_set_rsa_keygen_bits(ctx, 2048), 1);
	assert_int_equal(EVP_PKEY_keygen(ctx, &pss), 1);
	EVP_PKEY_CTX_free(ctx);
	assert_non_null(ed448);
	/* Ed25519: verified in foreign signatures only; teken cannot sign with it. */
	expect_key_refused(G.ed25519, "ED25519 public keys are not accepted");
	assert_err_code(check_via_csr(G.ed25519), TK_ERR_INVALID, "key_not_allowed");
	expect_key_refused(ed448, "public keys are not accepted");
	expect_key_refused(pss, "RSA-PSS public keys are not accepted");
	expect_key_refused(NULL, "no subject public key");
	EVP_PKEY_free(pss);
	EVP_PKEY_free(ed448);
}

static void test_cert_parse(void **state)
{
	struct made root;
	struct buf der, pem;
	X509 *got = NULL;
	size_t n;

	(void)state;
	make_root(G.root_ec, &root);
	to_der(root.cert, &der);
	assert_ok(x509_cert_parse(der.p, der.len, &got));
	assert_int_equal(X509_cmp(got, root.cert), 0);
	X509_free(got);
	got = NULL;
	buf_init(&pem, MAX_CERT_BYTES);
	assert_ok(x509_to_pem(root.cert, &pem));
	assert_ok(x509_cert_parse(pem.p, pem.len, &got));
	assert_int_equal(X509_cmp(got, root.cert), 0);
	X509_free(got);
	got = NULL;

	for (n = 0; n < der.len; n++) {
		uint8_t *c = malloc(n ? n : 1);
		assert_non_null(c);
		memcpy(c, der.p, n);
		assert_err_code(x509_cert_parse(c, n, &got), TK_ERR_INVALID, "bad_certificate");
		free(c);
		assert_null(got);
	}
	assert_ok(buf_putc(&der, 0));
	assert_err_code(x509_cert_parse(der.p, der.len, &got), TK_ERR_INVALID, "bad_certificate");
	assert_null(got);
	{
		X509_REQ *req = make_req(G.leaf_ec, G.leaf_ec, "/CN=x");
		struct buf rd;
		req_der(req, &rd);
		assert_err_code(x509_cert_parse(rd.p, rd.len, &got), TK_ERR_INVALID, "bad_certificate");
		assert_null(got);
		buf_free(&rd);
		X509_REQ_free(req);
	}
	assert_err_code(x509_cert_parse((const uint8_t *)"garbage", 7, &got), TK_ERR_INVALID, "bad_certificate");
	assert_null(got);
	assert_int_equal(ERR_peek_error(), 0);
	buf_free(&pem);
	buf_free(&der);
	made_free(&root);
}

/* ------------------------------------------------------------------ */
/* serials and PEM                                                     */
/* ------------------------------------------------------------------ */

static void test_serial_new(void **state)
{
	uint8_t prev[X509_SERIAL_LEN], s[X509_SERIAL_LEN];
	int i, seen_low = 0, seen_high = 0;

	(void)state;
	memset(prev, 0, sizeof(prev));
	for (i = 0; i < 2000; i++) {
		ASN1_INTEGER *ai;
		BIGNUM *bn;
		assert_ok(x509_serial_new(s));
		/* Top byte 0x40..0x7f: positive and exactly 20 octets in DER. */
		assert_true(s[0] >= 0x40 && s[0] <= 0x7f);
		seen_low |= s[0] == 0x40;
		seen_high |= s[0] >= 0x70;
		assert_true(memcmp(s, prev, sizeof(s)) != 0);
		memcpy(prev, s, sizeof(s));
		bn = BN_bin2bn(s, sizeof(s), NULL);
		ai = BN_to_ASN1_INTEGER(bn, NULL);
		assert_int_equal(ASN1_STRING_length(ai), 20);
		assert_int_equal(i2d_ASN1_INTEGER(ai, NULL), 22);
		ASN1_INTEGER_free(ai);
		BN_free(bn);
	}
	assert_true(seen_high);
	(void)seen_low;
}

static void test_serial_hex(void **state)
{
	struct made root;
	char hex[41], want[41], small[40];

	(void)state;
	make_root(G.root_ec, &root);
	assert_ok(x509_serial_hex(root.cert, hex, sizeof(hex)));
	hex_encode(root.serial, X509_SERIAL_LEN, want);
	assert_string_equal(hex, want);
	assert_int_equal(strlen(hex), 40);
	assert_int_not_equal(x509_serial_hex(root.cert, small, sizeof(small)), TK_OK);
	made_free(&root);
}

static void test_der_to_pem(void **state)
{
	static const size_t lens[] = { 0, 1, 2, 3, 47, 48, 49, 95, 96, 97, 1000 };
	uint8_t data[1000];
	size_t i;
	struct made root;
	struct buf der, ours, theirs;

	(void)state;
	for (i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 151 + 3);
	for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		struct buf pem;
		BIO *b;
		char *nm = NULL, *hdr = NULL;
		unsigned char *body = NULL;
		long blen = 0;
		const char *s;

		buf_init(&pem, 4096);
		assert_ok(x509_der_to_pem("X509 CRL", data, lens[i], &pem));
		assert_ok(buf_cstr(&pem, &s));
		assert_memory_equal(s, "-----BEGIN X509 CRL-----\n", 25);
		/* Lines of at most 64 characters (RFC 7468 2). */
		for (const char *l = s; *l;) {
			const char *e = strchr(l, '\n');
			assert_non_null(e);
			assert_true(e - l <= 64);
			l = e + 1;
		}
		b = BIO_new_mem_buf(pem.p, (int)pem.len);
		assert_non_null(b);
		if (lens[i] > 0) {
			assert_int_equal(PEM_read_bio(b, &nm, &hdr, &body, &blen), 1);
			assert_string_equal(nm, "X509 CRL");
			assert_int_equal(blen, (long)lens[i]);
			assert_memory_equal(body, data, lens[i]);
		}
		OPENSSL_free(nm);
		OPENSSL_free(hdr);
		OPENSSL_free(body);
		BIO_free(b);
		buf_free(&pem);
	}
	/* Byte for byte what OpenSSL writes for a certificate. */
	make_root(G.root_rsa, &root);
	to_der(root.cert, &der);
	buf_init(&ours, MAX_CERT_BYTES);
	buf_init(&theirs, MAX_CERT_BYTES);
	assert_ok(x509_der_to_pem("CERTIFICATE", der.p, der.len, &ours));
	assert_ok(x509_to_pem(root.cert, &theirs));
	assert_int_equal(ours.len, theirs.len);
	assert_memory_equal(ours.p, theirs.p, ours.len);
	buf_free(&ours);
	/* Too small an output buffer is an error, not a cut PEM. */
	buf_init(&ours, 100);
	assert_int_equal(x509_der_to_pem("CERTIFICATE", der.p, der.len, &ours), TK_ERR_LIMIT);
	buf_free(&ours);
	buf_free(&theirs);
	buf_free(&der);
	made_free(&root);
}

/* ------------------------------------------------------------------ */
/* issuance                                                            */
/* ------------------------------------------------------------------ */

static void check_ski_aki(struct made *c, struct made *issuer)
{
	const ASN1_OCTET_STRING *ski = X509_get0_subject_key_id(c->cert);
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;

	/* SKI is the SHA-1 of the subjectPublicKey bits (RFC 5280 4.2.1.2 (1)). */
	assert_non_null(ski);
	assert_int_equal(X509_pubkey_digest(c->cert, EVP_sha1(), md, &mdlen), 1);
	assert_int_equal(ASN1_STRING_length(ski), (int)mdlen);
	assert_memory_equal(ASN1_STRING_get0_data(ski), md, mdlen);
	assert_int_equal(ext_critical(c->cert, NID_subject_key_identifier), 0);
	if (issuer == NULL) {
		/* Self-signed root: AKI may be left out (RFC 5280 4.2.1.1). */
		const ASN1_OCTET_STRING *aki = X509_get0_authority_key_id(c->cert);
		if (aki != NULL)
			assert_int_equal(ASN1_STRING_cmp(aki, ski), 0);
	} else {
		const ASN1_OCTET_STRING *aki = X509_get0_authority_key_id(c->cert);
		assert_non_null(aki);
		assert_int_equal(ASN1_STRING_cmp(aki, X509_get0_subject_key_id(issuer->cert)), 0);
		assert_int_equal(ext_critical(c->cert, NID_authority_key_identifier), 0);
	}
}

static void check_serial(struct made *c)
{
	const ASN1_INTEGER *s = X509_get0_serialNumber(c->cert);

	assert_int_equal(ASN1_STRING_type(s), V_ASN1_INTEGER); /* positive */
	assert_int_equal(ASN1_STRING_length(s), 20);
	assert_memory_equal(ASN1_STRING_get0_data(s), c->serial, 20);
	assert_int_equal(i2d_ASN1_INTEGER((ASN1_INTEGER *)s, NULL), 22); /* 02 14 + 20 octets */
}

static void test_issue_root_self_signed(void **state)
{
	struct made root;
	BASIC_CONSTRAINTS *bc;
	int crit = -1, err = 0;
	EVP_PKEY *pk;

	(void)state;
	make_root(G.root_ec, &root);
	assert_int_equal(X509_get_version(root.cert), X509_VERSION_3);
	assert_int_equal(X509_NAME_cmp(X509_get_subject_name(root.cert), X509_get_issuer_name(root.cert)), 0);
	pk = X509_get0_pubkey(root.cert);
	assert_int_equal(EVP_PKEY_eq(pk, G.root_ec), 1);
	assert_int_equal(X509_verify(root.cert, G.root_ec), 1);
	assert_int_equal(X509_get_signature_nid(root.cert), NID_ecdsa_with_SHA256);
	assert_int_equal(X509_check_ca(root.cert), 1);
	assert_true(X509_get_extension_flags(root.cert) & EXFLAG_SS);

	bc = X509_get_ext_d2i(root.cert, NID_basic_constraints, &crit, NULL);
	assert_non_null(bc);
	assert_int_equal(crit, 1);
	assert_true(bc->ca);
	assert_null(bc->pathlen);
	BASIC_CONSTRAINTS_free(bc);
	assert_int_equal(X509_get_key_usage(root.cert), KU_KEY_CERT_SIGN | KU_CRL_SIGN);
	assert_int_equal(ext_critical(root.cert, NID_key_usage), 1);
	assert_int_equal(ext_critical(root.cert, NID_ext_key_usage), -1);
	assert_int_equal(ext_critical(root.cert, NID_crl_distribution_points), -1);
	assert_int_equal(ext_critical(root.cert, NID_info_access), -1);
	check_ski_aki(&root, NULL);
	check_serial(&root);
	assert_int_equal(asn1_time_t(X509_get0_notBefore(root.cert)), T0);
	assert_int_equal(asn1_time_t(X509_get0_notAfter(root.cert)), T0 + 7300 * DAY);
	assert_int_equal(verify_chain(root.cert, NULL, root.cert, 0, &err), 1);
	made_free(&root);
}

static void test_issue_leaf_individual(void **state)
{
	struct made root, leaf;
	int err = 0, crit = -1, i;
	BASIC_CONSTRAINTS *bc;
	CRL_DIST_POINTS *dps;
	AUTHORITY_INFO_ACCESS *aia;
	CERTIFICATEPOLICIES *pols;
	char txt[80];

	(void)state;
	make_root(G.root_ec, &root);
	issue("individual", &root, G.leaf_rsa, "/C=ID/O=Kementerian Contoh/CN=Budi Santoso", T0 + DAY, T0 + 731 * DAY,
	    "sha256", &full_urls, &leaf);

	/* Chain verification by OpenSSL (strict RFC 5280 checks, S/MIME signing purpose). */
	if (verify_chain(root.cert, NULL, leaf.cert, X509_PURPOSE_SMIME_SIGN, &err) != 1)
		fail_msg("leaf does not verify: %s", X509_verify_cert_error_string(err));
	assert_int_equal(X509_verify(leaf.cert, G.root_ec), 1);
	assert_int_not_equal(X509_verify(leaf.cert, G.leaf_rsa), 1);
	ERR_clear_error();
	assert_int_equal(X509_check_issued(root.cert, leaf.cert), X509_V_OK);
	assert_int_equal(X509_NAME_cmp(X509_get_issuer_name(leaf.cert), X509_get_subject_name(root.cert)), 0);
	assert_int_equal(EVP_PKEY_eq(X509_get0_pubkey(leaf.cert), G.leaf_rsa), 1);
	assert_int_equal(X509_get_version(leaf.cert), X509_VERSION_3);
	assert_int_equal(X509_check_ca(leaf.cert), 0);
	assert_int_equal(X509_check_purpose(leaf.cert, X509_PURPOSE_SMIME_SIGN, 0), 1);

	/* basicConstraints: critical, cA FALSE. */
	bc = X509_get_ext_d2i(leaf.cert, NID_basic_constraints, &crit, NULL);
	assert_non_null(bc);
	assert_int_equal(crit, 1);
	assert_false(bc->ca);
	BASIC_CONSTRAINTS_free(bc);

	/* keyUsage: critical, exactly digitalSignature + nonRepudiation. */
	assert_int_equal(X509_get_key_usage(leaf.cert), KU_DIGITAL_SIGNATURE | KU_NON_REPUDIATION);
	assert_int_equal(ext_critical(leaf.cert, NID_key_usage), 1);

	/* EKU: documentSigning (RFC 9336) and emailProtection, not critical. */
	assert_true(eku_has(leaf.cert, "1.3.6.1.5.5.7.3.36"));
	assert_true(eku_has(leaf.cert, "1.3.6.1.5.5.7.3.4"));
	assert_int_equal(eku_count(leaf.cert), 2);
	assert_true(X509_get_extended_key_usage(leaf.cert) & XKU_SMIME);
	assert_int_equal(ext_critical(leaf.cert, NID_ext_key_usage), 0);

	check_ski_aki(&leaf, &root);
	check_serial(&leaf);

	/* cRLDistributionPoints: one full-name URI. */
	dps = X509_get_ext_d2i(leaf.cert, NID_crl_distribution_points, &crit, NULL);
	assert_non_null(dps);
	assert_int_equal(crit, 0);
	assert_int_equal(sk_DIST_POINT_num(dps), 1);
	{
		DIST_POINT *dp = sk_DIST_POINT_value(dps, 0);
		GENERAL_NAME *gn;
		assert_non_null(dp->distpoint);
		assert_int_equal(dp->distpoint->type, 0);
		assert_int_equal(sk_GENERAL_NAME_num(dp->distpoint->name.fullname), 1);
		gn = sk_GENERAL_NAME_value(dp->distpoint->name.fullname, 0);
		assert_int_equal(gn->type, GEN_URI);
		assert_string_equal((const char *)ASN1_STRING_get0_data(gn->d.uniformResourceIdentifier), URL_CRL);
		assert_null(dp->reasons);
		assert_null(dp->CRLissuer);
	}
	CRL_DIST_POINTS_free(dps);

	/* authorityInfoAccess: OCSP and caIssuers. */
	aia = X509_get_ext_d2i(leaf.cert, NID_info_access, &crit, NULL);
	assert_non_null(aia);
	assert_int_equal(crit, 0);
	assert_int_equal(sk_ACCESS_DESCRIPTION_num(aia), 2);
	{
		int seen_ocsp = 0, seen_ca = 0;
		for (i = 0; i < sk_ACCESS_DESCRIPTION_num(aia); i++) {
			ACCESS_DESCRIPTION *ad = sk_ACCESS_DESCRIPTION_value(aia, i);
			const char *uri;
			assert_int_equal(ad->location->type, GEN_URI);
			uri = (const char *)ASN1_STRING_get0_data(ad->location->d.uniformResourceIdentifier);
			if (OBJ_obj2nid(ad->method) == NID_ad_OCSP) {
				assert_string_equal(uri, URL_OCSP);
				seen_ocsp++;
			} else if (OBJ_obj2nid(ad->method) == NID_ad_ca_issuers) {
				assert_string_equal(uri, URL_CAISSUERS);
				seen_ca++;
			} else {
				fail_msg("unexpected access method");
			}
		}
		assert_int_equal(seen_ocsp, 1);
		assert_int_equal(seen_ca, 1);
	}
	AUTHORITY_INFO_ACCESS_free(aia);

	/* certificatePolicies: our policy with its CPS URI qualifier (R10). */
	pols = X509_get_ext_d2i(leaf.cert, NID_certificate_policies, &crit, NULL);
	assert_non_null(pols);
	assert_int_equal(crit, 0);
	assert_int_equal(sk_POLICYINFO_num(pols), 1);
	{
		POLICYINFO *pi = sk_POLICYINFO_value(pols, 0);
		POLICYQUALINFO *q;
		OBJ_obj2txt(txt, sizeof(txt), pi->policyid, 1);
		assert_string_equal(txt, POLICY_OID);
		assert_int_equal(sk_POLICYQUALINFO_num(pi->qualifiers), 1);
		q = sk_POLICYQUALINFO_value(pi->qualifiers, 0);
		assert_int_equal(OBJ_obj2nid(q->pqualid), NID_id_qt_cps);
		assert_string_equal((const char *)ASN1_STRING_get0_data(q->d.cpsuri), URL_CPS);
	}
	CERTIFICATEPOLICIES_free(pols);

	assert_int_equal(ext_critical(leaf.cert, NID_id_pkix_OCSP_noCheck), -1);
	assert_int_equal(asn1_time_t(X509_get0_notBefore(leaf.cert)), T0 + DAY);
	assert_int_equal(asn1_time_t(X509_get0_notAfter(leaf.cert)), T0 + 731 * DAY);
	made_free(&leaf);
	made_free(&root);
}

static void test_issue_chain_with_issuing_ca(void **state)
{
	struct made root, inter, leaf, sub, below;
	int err = 0;
	BASIC_CONSTRAINTS *bc;

	(void)state;
	make_root(G.root_rsa, &root);
	issue("issuing-ca", &root, G.inter_ec, "/C=ID/O=Kementerian Contoh/CN=teken Issuing CA", T0, T0 + 3650 * DAY,
	    "sha384", NULL, &inter);
	assert_int_equal(X509_get_signature_nid(inter.cert), NID_sha384WithRSAEncryption);
	bc = X509_get_ext_d2i(inter.cert, NID_basic_constraints, NULL, NULL);
	assert_non_null(bc);
	assert_true(bc->ca);
	assert_non_null(bc->pathlen);
	assert_int_equal(ASN1_INTEGER_get(bc->pathlen), 0);
	BASIC_CONSTRAINTS_free(bc);
	assert_int_equal(X509_get_key_usage(inter.cert), KU_KEY_CERT_SIGN | KU_CRL_SIGN);
	check_ski_aki(&inter, &root);

	issue("seal", &inter, G.leaf_ec, "/C=ID/O=Kementerian Contoh/CN=Segel Instansi", T0, T0 + 1095 * DAY, "sha512",
	    &full_urls, &leaf);
	assert_int_equal(X509_get_signature_nid(leaf.cert), NID_ecdsa_with_SHA512);
	check_ski_aki(&leaf, &inter);
	if (verify_chain(root.cert, inter.cert, leaf.cert, 0, &err) != 1)
		fail_msg("root -> issuing -> seal does not verify: %s", X509_verify_cert_error_string(err));
	assert_true(eku_has(leaf.cert, "1.3.6.1.5.5.7.3.36"));
	assert_int_equal(eku_count(leaf.cert), 1);
	/* Without the intermediate the chain cannot be built. */
	assert_int_not_equal(verify_chain(root.cert, NULL, leaf.cert, 0, &err), 1);

	/* pathlen 0: a CA below the issuing CA is refused by a verifier. */
	issue("issuing-ca", &inter, G.leaf_rsa, "/CN=Rogue Sub CA", T0, T0 + 365 * DAY, "sha256", NULL, &sub);
	issue("individual", &sub, G.root_ec, "/CN=Below", T0, T0 + 30 * DAY, "sha256", NULL, &below);
	{
		X509_STORE *st = X509_STORE_new();
		X509_STORE_CTX *ctx = X509_STORE_CTX_new();
		STACK_OF(X509) *un = sk_X509_new_null();
		assert_int_equal(X509_STORE_add_cert(st, root.cert), 1);
		sk_X509_push(un, inter.cert);
		sk_X509_push(un, sub.cert);
		assert_int_equal(X509_STORE_CTX_init(ctx, st, below.cert, un), 1);
		X509_STORE_CTX_set_time(ctx, 0, (time_t)T_VERIFY);
		assert_int_not_equal(X509_verify_cert(ctx), 1);
		assert_int_equal(X509_STORE_CTX_get_error(ctx), X509_V_ERR_PATH_LENGTH_EXCEEDED);
		X509_STORE_CTX_free(ctx);
		sk_X509_free(un);
		X509_STORE_free(st);
		ERR_clear_error();
	}
	made_free(&below);
	made_free(&sub);
	made_free(&leaf);
	made_free(&inter);
	made_free(&root);
}

static void test_issue_tsa_and_ocsp_profiles(void **state)
{
	struct made root, tsa, ocsp;
	int err = 0, i;
	const ASN1_OCTET_STRING *v;

	(void)state;
	make_root(G.root_ec, &root);
	issue("tsa", &root, G.leaf_ec, "/C=ID/O=K/CN=teken TSA", T0, T0 + 1825 * DAY, "sha256", &full_urls, &tsa);
	/* EKU timeStamping only and critical (RFC 3161 2.3). */
	assert_int_equal(ext_critical(tsa.cert, NID_ext_key_usage), 1);
	assert_true(eku_has(tsa.cert, "1.3.6.1.5.5.7.3.8"));
	assert_int_equal(eku_count(tsa.cert), 1);
	assert_int_equal(X509_check_purpose(tsa.cert, X509_PURPOSE_TIMESTAMP_SIGN, 0), 1);
	if (verify_chain(root.cert, NULL, tsa.cert, X509_PURPOSE_TIMESTAMP_SIGN, &err) != 1)
		fail_msg("TSA certificate does not verify for time stamping: %s", X509_verify_cert_error_string(err));
	assert_int_equal(ext_critical(tsa.cert, NID_id_pkix_OCSP_noCheck), -1);

	issue("ocsp", &root, G.inter_ec, "/C=ID/O=K/CN=teken OCSP", T0, T0 + 365 * DAY, "sha256", &full_urls, &ocsp);
	assert_true(eku_has(ocsp.cert, "1.3.6.1.5.5.7.3.9"));
	assert_true(X509_get_extended_key_usage(ocsp.cert) & XKU_OCSP_SIGN);
	assert_int_equal(ext_critical(ocsp.cert, NID_ext_key_usage), 0);
	assert_int_equal(X509_get_key_usage(ocsp.cert), KU_DIGITAL_SIGNATURE);
	/* id-pkix-ocsp-nocheck with a NULL value (RFC 6960 4.2.2.2.1). */
	i = X509_get_ext_by_NID(ocsp.cert, NID_id_pkix_OCSP_noCheck, -1);
	assert_true(i >= 0);
	assert_int_equal(X509_EXTENSION_get_critical(X509_get_ext(ocsp.cert, i)), 0);
	v = X509_EXTENSION_get_data(X509_get_ext(ocsp.cert, i));
	assert_int_equal(ASN1_STRING_length(v), 2);
	assert_memory_equal(ASN1_STRING_get0_data(v), "\x05\x00", 2);
	if (verify_chain(root.cert, NULL, ocsp.cert, 0, &err) != 1)
		fail_msg("OCSP certificate does not verify: %s", X509_verify_cert_error_string(err));
	made_free(&ocsp);
	made_free(&tsa);
	made_free(&root);
}

static void test_issue_clamps_not_after(void **state)
{
	struct made root, leaf, late;
	int64_t root_na = T0 + 7300 * DAY;

	(void)state;
	make_root(G.root_ec, &root);
	issue("individual", &root, G.leaf_ec, "/CN=Long", T0, root_na + 1000 * DAY, "sha256", NULL, &leaf);
	assert_int_equal(asn1_time_t(X509_get0_notAfter(leaf.cert)), root_na);
	assert_int_equal(ASN1_TIME_compare(X509_get0_notAfter(leaf.cert), X509_get0_notAfter(root.cert)), 0);
	made_free(&leaf);
	/* Exactly the issuer's end: unchanged. */
	issue("individual", &root, G.leaf_ec, "/CN=Exact", T0, root_na, "sha256", NULL, &leaf);
	assert_int_equal(asn1_time_t(X509_get0_notAfter(leaf.cert)), root_na);
	made_free(&leaf);
	/* Starting after the issuer has expired: refused, nothing returned. */
	assert_err_code(try_issue("individual", &root, G.leaf_ec, "/CN=Late", root_na, root_na + 10 * DAY, "sha256",
			    NULL, &late),
	    TK_ERR_CONFLICT, "issuer_expired");
	assert_null(late.cert);
	made_free(&late);
	assert_err_code(try_issue("individual", &root, G.leaf_ec, "/CN=Backwards", T0 + 10 * DAY, T0, "sha256", NULL,
			    &late),
	    TK_ERR_CONFLICT, "issuer_expired");
	assert_null(late.cert);
	made_free(&late);
	made_free(&root);
}

static void test_issue_times_encoding(void **state)
{
	struct made root, leaf;
	/* 2049-12-31T23:59:59Z and 2050-01-01T00:00:00Z: UTCTime / GeneralizedTime boundary. */
	const int64_t t2049 = 2524607999LL, t2050 = 2524608000LL;

	(void)state;
	issue("root-ca", NULL, G.root_ec, "/CN=Long Root", T0, T0 + 36500 * DAY, "sha256", NULL, &root);
	issue("individual", &root, G.leaf_ec, "/CN=A", T0, t2049, "sha256", NULL, &leaf);
	assert_int_equal(ASN1_STRING_type(X509_get0_notAfter(leaf.cert)), V_ASN1_UTCTIME);
	assert_int_equal(asn1_time_t(X509_get0_notAfter(leaf.cert)), t2049);
	made_free(&leaf);
	issue("individual", &root, G.leaf_ec, "/CN=B", T0, t2050, "sha256", NULL, &leaf);
	assert_int_equal(ASN1_STRING_type(X509_get0_notAfter(leaf.cert)), V_ASN1_GENERALIZEDTIME);
	assert_int_equal(asn1_time_t(X509_get0_notAfter(leaf.cert)), t2050);
	assert_int_equal(ASN1_STRING_type(X509_get0_notBefore(leaf.cert)), V_ASN1_UTCTIME);
	made_free(&leaf);
	made_free(&root);
}

static void test_issue_bad_requests(void **state)
{
	static const char *const digests[] = { "md5", "sha1", "sha224", "sha3-256", "SHA256", "nonsense", "" };
	struct made root, bad;
	struct x509_profile p;
	struct x509_issue_req r;
	X509 *out = NULL;
	X509_NAME *n;
	size_t i;

	(void)state;
	make_root(G.root_ec, &root);
	for (i = 0; i < sizeof(digests) / sizeof(digests[0]); i++) {
		enum tk_err rc = try_issue("individual", &root, G.leaf_ec, "/CN=x", T0, T0 + DAY, digests[i], NULL, &bad);
		if (rc != TK_ERR_INVALID)
			fail_msg("digest '%s' accepted (rc %d)", digests[i], (int)rc);
		assert_null(bad.cert);
		made_free(&bad);
	}
	/* Profiles naming unknown usages fail cleanly. */
	n = name("/CN=x");
	memset(&r, 0, sizeof(r));
	r.issuer = root.cert;
	r.issuer_key = root.key;
	r.pubkey = G.leaf_ec;
	r.subject = n;
	r.not_before = T0;
	r.not_after = T0 + DAY;
	r.digest = "sha256";
	assert_ok(x509_serial_new(r.serial));
	r.profile = &p;
	assert_ok(x509_profile_load(G.bad, "unknown-ku", &p));
	assert_int_equal(x509_issue(&r, &out), TK_ERR_INVALID);
	assert_null(out);
	assert_ok(x509_profile_load(G.bad, "unknown-eku", &p));
	assert_int_equal(x509_issue(&r, &out), TK_ERR_INVALID);
	assert_null(out);
	assert_ok(x509_profile_load(G.bad, "empty-ku", &p));
	assert_int_not_equal(x509_issue(&r, &out), TK_OK);
	assert_null(out);
	/* A dotted EKU OID and the contentCommitment alias are accepted. */
	assert_ok(x509_profile_load(G.bad, "oid-eku", &p));
	assert_ok(x509_issue(&r, &out));
	assert_true(eku_has(out, "1.2.3.4.5"));
	X509_free(out);
	out = NULL;
	assert_ok(x509_profile_load(G.bad, "cc-ku", &p));
	assert_ok(x509_issue(&r, &out));
	assert_int_equal(X509_get_key_usage(out), KU_NON_REPUDIATION);
	X509_free(out);
	out = NULL;
	/* A policy that is not an OID. */
	load_profile("individual", &p);
	r.urls.policy_oid = "not.an.oid";
	r.urls.cps = URL_CPS;
	assert_int_equal(x509_issue(&r, &out), TK_ERR_INVALID);
	assert_null(out);
	assert_non_null(strstr(tk_errmsg(), "not.an.oid"));
	/* (add_policies leaves OBJ_txt2obj's error queued; not judged here) */
	ERR_clear_error();
	r.urls.policy_oid = POLICY_OID;
	r.urls.cps = NULL; /* a policy without qualifier */
	assert_ok(x509_issue(&r, &out));
	{
		CERTIFICATEPOLICIES *pols = X509_get_ext_d2i(out, NID_certificate_policies, NULL, NULL);
		assert_non_null(pols);
		assert_null(sk_POLICYINFO_value(pols, 0)->qualifiers);
		CERTIFICATEPOLICIES_free(pols);
	}
	X509_free(out);
	out = NULL;
	/* Over-long URL: refused rather than cut. */
	{
		char url[600];
		memcpy(url, "http://x/", 9);
		memset(url + 9, 'a', 580);
		url[589] = '\0';
		r.urls.policy_oid = NULL;
		r.urls.crl = url;
		assert_int_not_equal(x509_issue(&r, &out), TK_OK);
		assert_null(out);
	}
	assert_int_equal(ERR_peek_error(), 0);
	X509_NAME_free(n);
	made_free(&root);
}

/*
 * URLs are data: a comma in a URL must not let it add further names
 * (OpenSSL's extension-config syntax treats ',' and ';' as separators).
 */
static void test_issue_url_is_not_config_syntax(void **state)
{
	struct made root, leaf;
	struct x509_urls u = { "http://a.example/x.crl,URI:http://evil.example/y.crl",
		"http://o.example/,caIssuers;URI:http://evil.example/ca.crt", NULL, NULL, NULL };
	enum tk_err rc;

	(void)state;
	make_root(G.root_ec, &root);
	rc = try_issue("individual", &root, G.leaf_ec, "/CN=x", T0, T0 + DAY, "sha256", &u, &leaf);
	if (rc == TK_OK) {
		CRL_DIST_POINTS *dps = X509_get_ext_d2i(leaf.cert, NID_crl_distribution_points, NULL, NULL);
		AUTHORITY_INFO_ACCESS *aia = X509_get_ext_d2i(leaf.cert, NID_info_access, NULL, NULL);
		int ndp = 0, nuri = 0, nad = aia ? sk_ACCESS_DESCRIPTION_num(aia) : 0;
		for (int i = 0; dps && i < sk_DIST_POINT_num(dps); i++) {
			DIST_POINT *dp = sk_DIST_POINT_value(dps, i);
			ndp++;
			if (dp->distpoint && dp->distpoint->type == 0)
				nuri += sk_GENERAL_NAME_num(dp->distpoint->name.fullname);
		}
		CRL_DIST_POINTS_free(dps);
		AUTHORITY_INFO_ACCESS_free(aia);
		made_free(&leaf);
		made_free(&root);
		if (nuri != 1 || nad != 1)
			fail_msg("URLs with ',' were split into %d CRL URIs (in %d points) and %d AIA entries "
				 "(expected 1 and 1, or an error)",
			    nuri, ndp, nad);
		return;
	}
	assert_null(leaf.cert);
	made_free(&leaf);
	made_free(&root);
}

/* Whatever serial the caller passes, the certificate must be valid DER. */
static void test_issue_serial_encoding(void **state)
{
	static const uint8_t tops[] = { 0x00, 0x80, 0xff };
	struct made root;
	size_t i;
	char failures[512] = "";

	(void)state;
	make_root(G.root_ec, &root);
	for (i = 0; i < sizeof(tops); i++) {
		struct x509_profile p;
		struct x509_issue_req r;
		X509_NAME *n = name("/CN=serial");
		X509 *out = NULL;
		enum tk_err rc;

		load_profile("individual", &p);
		memset(&r, 0, sizeof(r));
		r.profile = &p;
		r.issuer = root.cert;
		r.issuer_key = root.key;
		r.pubkey = G.leaf_ec;
		r.subject = n;
		memset(r.serial, 0x11, sizeof(r.serial));
		r.serial[0] = tops[i];
		r.not_before = T0;
		r.not_after = T0 + DAY;
		r.digest = "sha256";
		rc = x509_issue(&r, &out);
		X509_NAME_free(n);
		if (rc == TK_OK) {
			unsigned char *der = NULL;
			const unsigned char *q;
			int len = i2d_X509(out, &der);
			X509 *back;
			const ASN1_INTEGER *s;
			assert_true(len > 0);
			q = der;
			back = d2i_X509(NULL, &q, len);
			OPENSSL_free(der);
			X509_free(out);
			ERR_clear_error();
			if (back == NULL) {
				size_t l = strlen(failures);
				snprintf(failures + l, sizeof(failures) - l,
				    " [0x%02x...: certificate is not valid DER, OpenSSL cannot parse it back]", tops[i]);
				continue;
			}
			s = X509_get0_serialNumber(back);
			if (ASN1_STRING_length(s) > 20 || i2d_ASN1_INTEGER((ASN1_INTEGER *)s, NULL) > 22) {
				size_t l = strlen(failures);
				snprintf(failures + l, sizeof(failures) - l,
				    " [0x%02x...: serial encoded in %d octets, RFC 5280 4.1.2.2 allows 20]", tops[i],
				    i2d_ASN1_INTEGER((ASN1_INTEGER *)s, NULL) - 2);
			}
			X509_free(back);
		} else {
			assert_null(out);
		}
	}
	made_free(&root);
	if (failures[0] != '\0')
		fail_msg("x509_issue accepted serials it cannot encode correctly:%s", failures);
}

/* ------------------------------------------------------------------ */
/* CRLs                                                                */
/* ------------------------------------------------------------------ */

static const int valid_reasons[] = { 0, 1, 2, 3, 4, 5, 6, 9, 10 };
#define NREASONS (sizeof(valid_reasons) / sizeof(valid_reasons[0]))
#define REVOKED_BASE (T0 + 100 * DAY)

/* Entry i: three serial shapes (plain, leading zeros, high bit), a reason, a time. */
static void entry_for(size_t i, struct x509_crl_entry *e)
{
	memset(e, 0, sizeof(*e));
	switch (i % 3) {
	case 0:
		e->serial_len = 20;
		e->serial[0] = 0x41;
		break;
	case 1:
		e->serial_len = 20;
		e->serial[2] = 0x12; /* two leading zero bytes: minimal INTEGER drops them */
		break;
	default:
		e->serial_len = 16;
		e->serial[0] = 0xc3; /* high bit: needs a 00 pad to stay positive */
		break;
	}
	e->serial[e->serial_len - 4] = (uint8_t)(i >> 24);
	e->serial[e->serial_len - 3] = (uint8_t)(i >> 16);
	e->serial[e->serial_len - 2] = (uint8_t)(i >> 8);
	e->serial[e->serial_len - 1] = (uint8_t)i;
	e->revoked_at = REVOKED_BASE + (int64_t)i * 61;
	e->reason = valid_reasons[i % NREASONS];
}

struct iter {
	size_t i, n;
	size_t fail_at;                     /* return an error when i reaches this (if < n) */
	const struct x509_crl_entry *fixed; /* or entries from an array */
};

static enum tk_err next_entry(void *arg, struct x509_crl_entry *e, int *has)
{
	struct iter *it = arg;

	if (it->i == it->fail_at)
		return tk_fail(TK_ERR_STORE, "iterator failed at %zu", it->i);
	if (it->i >= it->n) {
		*has = 0;
		return TK_OK;
	}
	if (it->fixed != NULL)
		*e = it->fixed[it->i];
	else
		entry_for(it->i, e);
	it->i++;
	*has = 1;
	return TK_OK;
}

/* Walks DER with der_read: every constructed element exactly filled, INTEGERs minimal. */
static void der_walk(const uint8_t *p, size_t len, int depth, size_t *elements)
{
	assert_true(depth < 20);
	while (len > 0) {
		uint8_t tag;
		const uint8_t *v;
		size_t vlen, total;
		if (der_read(p, len, &tag, &v, &vlen, &total) != TK_OK)
			fail_msg("DER walk at depth %d: %s", depth, tk_errmsg());
		(*elements)++;
		if (tag == 0x02) {
			assert_true(vlen >= 1);
			if (vlen > 1 && ((v[0] == 0x00 && !(v[1] & 0x80)) || (v[0] == 0xff && (v[1] & 0x80))))
				fail_msg("non-minimal INTEGER at depth %d", depth);
		}
		if (tag & 0x20)
			der_walk(v, vlen, depth + 1, elements);
		p += total;
		len -= total;
	}
}

/* Number of elements inside tbsCertList, and the signature AlgorithmIdentifiers agree. */
static size_t tbs_children(const struct buf *der)
{
	uint8_t tag;
	const uint8_t *v, *tbs, *p, *inner_alg = NULL, *outer_alg;
	size_t vlen, total, tbslen, tbstotal, left, n = 0, inner_len = 0, outer_len;

	assert_ok(der_read(der->p, der->len, &tag, &v, &vlen, &total));
	assert_int_equal(total, der->len);
	assert_ok(der_read(v, vlen, &tag, &tbs, &tbslen, &tbstotal));
	assert_int_equal(tag, 0x30);
	outer_alg = v + tbstotal;
	assert_ok(der_read(outer_alg, vlen - tbstotal, &tag, &p, &left, &outer_len));
	for (p = tbs, left = tbslen; left > 0; n++) {
		const uint8_t *cv;
		size_t cl;
		assert_ok(der_read(p, left, &tag, &cv, &cl, &total));
		if (n == 0)
			assert_memory_equal(p, "\x02\x01\x01", 3); /* version v2 */
		if (n == 1) {
			inner_alg = p;
			inner_len = total;
		}
		p += total;
		left -= total;
	}
	assert_int_equal(inner_len, outer_len);
	assert_memory_equal(inner_alg, outer_alg, outer_len);
	return n;
}

static X509_CRL *parse_crl(const struct buf *der)
{
	const unsigned char *q = der->p;
	X509_CRL *crl = d2i_X509_CRL(NULL, &q, (long)der->len);

	assert_non_null(crl);
	assert_ptr_equal(q, der->p + der->len); /* no trailing bytes */
	return crl;
}

static ASN1_INTEGER *serial_int(const struct x509_crl_entry *e)
{
	BIGNUM *bn = BN_bin2bn(e->serial, (int)e->serial_len, NULL);
	ASN1_INTEGER *ai;

	assert_non_null(bn);
	ai = BN_to_ASN1_INTEGER(bn, NULL);
	BN_free(bn);
	assert_non_null(ai);
	return ai;
}

static void check_crl(X509_CRL *crl, struct made *issuer, EVP_PKEY *issuer_pk, uint64_t number, int64_t this_update,
    int64_t next_update, size_t n, const struct x509_crl_entry *fixed)
{
	ASN1_INTEGER *num;
	AUTHORITY_KEYID *akid;
	STACK_OF(X509_REVOKED) *revs;
	int crit = -1;
	uint64_t got = 0;
	size_t i;

	assert_int_equal(X509_CRL_verify(crl, issuer_pk), 1);
	assert_int_equal(X509_CRL_get_version(crl), 1); /* v2 */
	assert_int_equal(X509_NAME_cmp(X509_CRL_get_issuer(crl), X509_get_subject_name(issuer->cert)), 0);
	assert_int_equal(X509_CRL_get_signature_nid(crl),
	    EVP_PKEY_is_a(issuer_pk, "EC") ? NID_ecdsa_with_SHA256 : NID_sha256WithRSAEncryption);
	assert_int_equal(asn1_time_t(X509_CRL_get0_lastUpdate(crl)), this_update);
	assert_non_null(X509_CRL_get0_nextUpdate(crl));
	assert_int_equal(asn1_time_t(X509_CRL_get0_nextUpdate(crl)), next_update);

	/* cRLNumber (RFC 5280 5.2.3), not critical. */
	num = X509_CRL_get_ext_d2i(crl, NID_crl_number, &crit, NULL);
	assert_non_null(num);
	assert_int_equal(crit, 0);
	assert_int_equal(ASN1_INTEGER_get_uint64(&got, num), 1);
	assert_true(got == number);
	ASN1_INTEGER_free(num);

	/* authorityKeyIdentifier = the issuer's SKI, keyIdentifier only. */
	akid = X509_CRL_get_ext_d2i(crl, NID_authority_key_identifier, &crit, NULL);
	assert_non_null(akid);
	assert_int_equal(crit, 0);
	assert_non_null(akid->keyid);
	assert_int_equal(ASN1_STRING_cmp(akid->keyid, X509_get0_subject_key_id(issuer->cert)), 0);
	assert_null(akid->issuer);
	assert_null(akid->serial);
	AUTHORITY_KEYID_free(akid);
	assert_int_equal(X509_CRL_get_ext_count(crl), 2);

	revs = X509_CRL_get_REVOKED(crl);
	assert_int_equal(revs ? sk_X509_REVOKED_num(revs) : 0, (int)n);
	for (i = 0; i < n; i++) {
		struct x509_crl_entry e;
		X509_REVOKED *rev = NULL;
		ASN1_INTEGER *ai;
		ASN1_ENUMERATED *reason;

		if (fixed != NULL)
			e = fixed[i];
		else
			entry_for(i, &e);
		ai = serial_int(&e);
		if (X509_CRL_get0_by_serial(crl, &rev, ai) != 1)
			fail_msg("entry %zu not found by serial", i);
		ASN1_INTEGER_free(ai);
		assert_non_null(rev);
		assert_int_equal(asn1_time_t(X509_REVOKED_get0_revocationDate(rev)), e.revoked_at);
		crit = -1;
		reason = X509_REVOKED_get_ext_d2i(rev, NID_crl_reason, &crit, NULL);
		if (e.reason == 0) {
			/* unspecified is expressed by leaving the extension out (RFC 5280 5.3.1) */
			assert_null(reason);
			assert_int_equal(X509_REVOKED_get_ext_count(rev), 0);
		} else {
			if (reason == NULL)
				fail_msg("entry %zu has no reasonCode", i);
			assert_int_equal(crit, 0);
			assert_int_equal(ASN1_ENUMERATED_get(reason), e.reason);
			assert_int_equal(X509_REVOKED_get_ext_count(rev), 1);
			ASN1_ENUMERATED_free(reason);
		}
	}
}

static void build_crl(struct made *issuer, uint64_t number, int64_t tu, int64_t nu, struct iter *it, struct buf *out)
{
	buf_init(out, (size_t)1 << 30);
	assert_ok(x509_crl_build(issuer->cert, issuer->key, "sha256", number, tu, nu, next_entry, it, out));
}

static void crl_roundtrip(EVP_PKEY *issuer_pk, size_t n)
{
	struct made root;
	struct iter it = { 0, n, SIZE_MAX, NULL };
	struct buf der;
	X509_CRL *crl;
	size_t elements = 0;
	const int64_t tu = T0 + 200 * DAY, nu = tu + 7 * DAY;

	make_root(issuer_pk, &root);
	build_crl(&root, 42, tu, nu, &it, &der);
	assert_int_equal(it.i, n);
	der_walk(der.p, der.len, 0, &elements);
	assert_true(elements > 10 + 2 * n);
	crl = parse_crl(&der);
	check_crl(crl, &root, issuer_pk, 42, tu, nu, n, NULL);
	/* version, signature, issuer, thisUpdate, nextUpdate, [revokedCertificates,] [0] extensions:
	 * an empty list is left out, not encoded empty (RFC 5280 5.1.2.6). */
	assert_int_equal(tbs_children(&der), n == 0 ? 6 : 7);
	/* A flipped signature byte breaks verification. */
	der.p[der.len - 3] ^= 0x04;
	{
		X509_CRL *bad = parse_crl(&der);
		assert_int_not_equal(X509_CRL_verify(bad, issuer_pk), 1);
		X509_CRL_free(bad);
		ERR_clear_error();
	}
	X509_CRL_free(crl);
	buf_free(&der);
	made_free(&root);
}

static void test_crl_empty_ec(void **state)
{
	(void)state;
	crl_roundtrip(G.root_ec, 0);
}

static void test_crl_empty_rsa(void **state)
{
	(void)state;
	crl_roundtrip(G.root_rsa, 0);
}

static void test_crl_one_entry_ec(void **state)
{
	(void)state;
	crl_roundtrip(G.root_ec, 1);
}

static void test_crl_one_entry_rsa(void **state)
{
	(void)state;
	crl_roundtrip(G.root_rsa, 1);
}

static void test_crl_10000_entries_ec(void **state)
{
	(void)state;
	crl_roundtrip(G.root_ec, 10000);
}

static void test_crl_10000_entries_rsa(void **state)
{
	(void)state;
	crl_roundtrip(G.root_rsa, 10000);
}

static void test_crl_issued_by_intermediate(void **state)
{
	struct made root, inter;
	struct iter it = { 0, 20, SIZE_MAX, NULL };
	struct buf der;
	X509_CRL *crl;
	X509_STORE *st;
	X509_STORE_CTX *ctx;

	(void)state;
	make_root(G.root_rsa, &root);
	issue("issuing-ca", &root, G.inter_ec, "/C=ID/O=K/CN=Issuing", T0, T0 + 3650 * DAY, "sha256", NULL, &inter);
	buf_init(&der, 1 << 20);
	assert_ok(x509_crl_build(inter.cert, inter.key, "sha384", 7, T0 + 10 * DAY, T0 + 17 * DAY, next_entry, &it,
	    &der));
	crl = parse_crl(&der);
	assert_int_equal(X509_CRL_verify(crl, G.inter_ec), 1);
	assert_int_equal(X509_CRL_get_signature_nid(crl), NID_ecdsa_with_SHA384);
	assert_int_not_equal(X509_CRL_verify(crl, G.root_rsa), 1);
	ERR_clear_error();

	/* OpenSSL's CRL checking accepts it for the issuing CA's chain. */
	st = X509_STORE_new();
	ctx = X509_STORE_CTX_new();
	assert_int_equal(X509_STORE_add_cert(st, root.cert), 1);
	assert_int_equal(X509_STORE_add_crl(st, crl), 1);
	{
		STACK_OF(X509) *un = sk_X509_new_null();
		struct made leaf;
		issue("individual", &inter, G.leaf_ec, "/CN=Checked", T0, T0 + 365 * DAY, "sha256", NULL, &leaf);
		sk_X509_push(un, inter.cert);
		assert_int_equal(X509_STORE_CTX_init(ctx, st, leaf.cert, un), 1);
		X509_STORE_CTX_set_time(ctx, 0, (time_t)(T0 + 12 * DAY));
		X509_STORE_CTX_set_flags(ctx, X509_V_FLAG_CRL_CHECK);
		if (X509_verify_cert(ctx) != 1)
			fail_msg("leaf with our CRL: %s", X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx)));
		X509_STORE_CTX_free(ctx);
		sk_X509_free(un);
		made_free(&leaf);
	}
	X509_STORE_free(st);
	X509_CRL_free(crl);
	buf_free(&der);
	made_free(&inter);
	made_free(&root);
}

static void test_crl_revoked_leaf_is_rejected(void **state)
{
	struct made root, leaf;
	struct x509_crl_entry e;
	struct iter it = { 0, 1, SIZE_MAX, &e };
	struct buf der;
	X509_CRL *crl;
	X509_STORE *st = X509_STORE_new();
	X509_STORE_CTX *ctx = X509_STORE_CTX_new();

	(void)state;
	make_root(G.root_ec, &root);
	issue("individual", &root, G.leaf_ec, "/CN=Revoked", T0, T0 + 365 * DAY, "sha256", NULL, &leaf);
	memset(&e, 0, sizeof(e));
	memcpy(e.serial, leaf.serial, X509_SERIAL_LEN);
	e.serial_len = X509_SERIAL_LEN;
	e.revoked_at = T0 + 5 * DAY;
	e.reason = 1; /* keyCompromise */
	build_crl(&root, 1, T0 + 5 * DAY, T0 + 12 * DAY, &it, &der);
	crl = parse_crl(&der);
	check_crl(crl, &root, G.root_ec, 1, T0 + 5 * DAY, T0 + 12 * DAY, 1, &e);
	assert_int_equal(X509_STORE_add_cert(st, root.cert), 1);
	assert_int_equal(X509_STORE_add_crl(st, crl), 1);
	assert_int_equal(X509_STORE_CTX_init(ctx, st, leaf.cert, NULL), 1);
	X509_STORE_CTX_set_time(ctx, 0, (time_t)(T0 + 6 * DAY));
	X509_STORE_CTX_set_flags(ctx, X509_V_FLAG_CRL_CHECK);
	assert_int_not_equal(X509_verify_cert(ctx), 1);
	assert_int_equal(X509_STORE_CTX_get_error(ctx), X509_V_ERR_CERT_REVOKED);
	ERR_clear_error();
	X509_STORE_CTX_free(ctx);
	X509_STORE_free(st);
	X509_CRL_free(crl);
	buf_free(&der);
	made_free(&leaf);
	made_free(&root);
}

static void test_crl_numbers_and_times(void **state)
{
	static const uint64_t numbers[] = { 0, 1, 127, 128, 255, 256, 0x7fffffffffffffffull, 0x8000000000000000ull,
		UINT64_MAX };
	struct made root;
	size_t i;
	/* thisUpdate at the last UTCTime second, nextUpdate in GeneralizedTime years. */
	const int64_t tu = 2524607999LL, nu = 2556144000LL;

	(void)state;
	make_root(G.root_ec, &root);
	for (i = 0; i < sizeof(numbers) / sizeof(numbers[0]); i++) {
		struct iter it = { 0, 3, SIZE_MAX, NULL };
		struct buf der;
		X509_CRL *crl;
		size_t elements = 0;

		build_crl(&root, numbers[i], tu, nu, &it, &der);
		der_walk(der.p, der.len, 0, &elements);
		crl = parse_crl(&der);
		check_crl(crl, &root, G.root_ec, numbers[i], tu, nu, 3, NULL);
		assert_int_equal(ASN1_STRING_type(X509_CRL_get0_lastUpdate(crl)), V_ASN1_UTCTIME);
		assert_int_equal(ASN1_STRING_type(X509_CRL_get0_nextUpdate(crl)), V_ASN1_GENERALIZEDTIME);
		X509_CRL_free(crl);
		buf_free(&der);
	}
	made_free(&root);
}

static void test_crl_serial_shapes(void **state)
{
	struct x509_crl_entry e[5];
	struct iter it = { 0, 5, SIZE_MAX, e };
	struct made root;
	struct buf der;
	X509_CRL *crl;

	(void)state;
	memset(e, 0, sizeof(e));
	e[0].serial_len = 1;
	e[0].serial[0] = 0x01;
	e[1].serial_len = 1;
	e[1].serial[0] = 0x80; /* needs a pad byte */
	e[2].serial_len = 20;  /* the largest RFC 5280 allows */
	memset(e[2].serial, 0xff, 20);
	e[3].serial_len = 32;
	e[3].serial[31] = 0x07; /* 31 leading zeros */
	e[4].serial_len = 3;
	e[4].serial[0] = 0x00;
	e[4].serial[1] = 0x81; /* leading zero dropped, then a pad byte added */
	e[4].serial[2] = 0x23;
	for (int i = 0; i < 5; i++) {
		e[i].revoked_at = T0 + i;
		e[i].reason = i == 4 ? 6 : 0;
	}
	make_root(G.root_rsa, &root);
	build_crl(&root, 9, T0, T0 + DAY, &it, &der);
	crl = parse_crl(&der);
	check_crl(crl, &root, G.root_rsa, 9, T0, T0 + DAY, 5, e);
	{
		size_t elements = 0;
		der_walk(der.p, der.len, 0, &elements);
	}
	X509_CRL_free(crl);
	buf_free(&der);
	made_free(&root);
}

static void test_crl_errors(void **state)
{
	struct made root;
	struct buf out;
	X509 *noski;
	struct iter it = { 0, 10, 4, NULL };

	(void)state;
	make_root(G.root_ec, &root);
	/* Iterator failure is passed through and nothing is appended. */
	buf_init(&out, 1 << 20);
	assert_ok(buf_puts(&out, "keep"));
	assert_int_equal(x509_crl_build(root.cert, root.key, "sha256", 1, T0, T0 + DAY, next_entry, &it, &out),
	    TK_ERR_STORE);
	assert_int_equal(out.len, 4);
	/* Unknown digest. */
	it = (struct iter){ 0, 1, SIZE_MAX, NULL };
	assert_int_equal(x509_crl_build(root.cert, root.key, "nodigest", 1, T0, T0 + DAY, next_entry, &it, &out),
	    TK_ERR_INVALID);
	assert_int_equal(out.len, 4);
	/* Output too small. */
	buf_free(&out);
	buf_init(&out, 100);
	it = (struct iter){ 0, 5, SIZE_MAX, NULL };
	assert_int_equal(x509_crl_build(root.cert, root.key, "sha256", 1, T0, T0 + DAY, next_entry, &it, &out),
	    TK_ERR_LIMIT);
	assert_int_equal(out.len, 0);
	buf_free(&out);
	/* Appends after existing bytes. */
	buf_init(&out, 1 << 20);
	assert_ok(buf_puts(&out, "PFX"));
	it = (struct iter){ 0, 2, SIZE_MAX, NULL };
	assert_ok(x509_crl_build(root.cert, root.key, "sha256", 1, T0, T0 + DAY, next_entry, &it, &out));
	assert_memory_equal(out.p, "PFX\x30", 4);
	{
		const unsigned char *q = out.p + 3;
		X509_CRL *crl = d2i_X509_CRL(NULL, &q, (long)(out.len - 3));
		assert_non_null(crl);
		assert_ptr_equal(q, out.p + out.len);
		X509_CRL_free(crl);
	}
	buf_free(&out);

	/* An issuer certificate without subjectKeyIdentifier. */
	noski = X509_new();
	assert_non_null(noski);
	assert_int_equal(X509_set_subject_name(noski, X509_get_subject_name(root.cert)), 1);
	assert_int_equal(X509_set_issuer_name(noski, X509_get_subject_name(root.cert)), 1);
	assert_int_equal(X509_set_pubkey(noski, G.root_ec), 1);
	assert_non_null(ASN1_TIME_set(X509_getm_notBefore(noski), (time_t)T0));
	assert_non_null(ASN1_TIME_set(X509_getm_notAfter(noski), (time_t)(T0 + DAY)));
	assert_true(X509_sign(noski, G.root_ec, EVP_sha256()) > 0);
	buf_init(&out, 1 << 20);
	it = (struct iter){ 0, 1, SIZE_MAX, NULL };
	assert_int_equal(x509_crl_build(noski, root.key, "sha256", 1, T0, T0 + DAY, next_entry, &it, &out),
	    TK_ERR_INVALID);
	assert_int_equal(out.len, 0);
	buf_free(&out);
	X509_free(noski);
	ERR_clear_error();
	made_free(&root);
}

/*
 * Entries outside RFC 5280's ranges must be refused rather than encoded
 * into a CRL: reason 7 is unused, values past aACompromise (10) do not
 * exist (and 256 would silently become 0 with a reason extension), a
 * serial must have 1..32 bytes.
 */
static void test_crl_rejects_invalid_entries(void **state)
{
	static const int bad_reasons[] = { 7, 11, 256, -1 };
	static const size_t bad_lens[] = { 0, 33 };
	struct made root;
	size_t i;
	char failures[512] = "";

	(void)state;
	make_root(G.root_ec, &root);
	for (i = 0; i < sizeof(bad_reasons) / sizeof(bad_reasons[0]) + sizeof(bad_lens) / sizeof(bad_lens[0]); i++) {
		struct x509_crl_entry e;
		struct iter it = { 0, 1, SIZE_MAX, &e };
		struct buf out;
		enum tk_err rc;
		int is_reason = i < sizeof(bad_reasons) / sizeof(bad_reasons[0]);

		memset(&e, 0, sizeof(e));
		e.serial_len = 20;
		e.serial[0] = 0x41;
		e.revoked_at = T0;
		if (is_reason)
			e.reason = bad_reasons[i];
		else
			e.serial_len = bad_lens[i - sizeof(bad_reasons) / sizeof(bad_reasons[0])];
		buf_init(&out, 1 << 20);
		rc = x509_crl_build(root.cert, root.key, "sha256", 1, T0, T0 + DAY, next_entry, &it, &out);
		buf_free(&out);
		if (rc != TK_ERR_INVALID) {
			size_t l = strlen(failures);
			if (is_reason)
				snprintf(failures + l, sizeof(failures) - l, " [reason %d: rc %d]", bad_reasons[i], (int)rc);
			else
				snprintf(failures + l, sizeof(failures) - l, " [%zu-byte serial: rc %d]", e.serial_len, (int)rc);
		}
	}
	made_free(&root);
	if (failures[0] != '\0')
		fail_msg("invalid CRL entries were encoded instead of refused:%s", failures);
}

/* ---- the openssl command line as an independent judge ---- */

static int have_openssl_cli(void)
{
	int st = system("openssl version >/dev/null 2>&1");
	return st != -1 && WIFEXITED(st) && WEXITSTATUS(st) == 0;
}

static int run_openssl_crl(const char *dir, const char *crl, const char *ca, char *outbuf, size_t outsz)
{
	char cmd[PATH_MAX * 4], outp[PATH_MAX];
	uint8_t *text = NULL;
	size_t len = 0;
	int st;

	snprintf(outp, sizeof(outp), "%s/out.txt", dir);
	snprintf(cmd, sizeof(cmd), "openssl crl -inform DER -in '%s' -noout -CAfile '%s' >'%s' 2>&1", crl, ca, outp);
	st = system(cmd);
	outbuf[0] = '\0';
	if (file_read(outp, 65536, &text, &len) == TK_OK) {
		snprintf(outbuf, outsz, "%.*s", (int)len, (const char *)text);
		free(text);
	}
	unlink(outp);
	if (st == -1 || !WIFEXITED(st))
		return -1;
	return WEXITSTATUS(st);
}

static void crl_cli_oracle(EVP_PKEY *issuer_pk, size_t n)
{
	char dir[PATH_MAX], crlp[PATH_MAX], cap[PATH_MAX], out[4096];
	const char *tmp = getenv("TMPDIR");
	struct made root;
	struct iter it = { 0, n, SIZE_MAX, NULL };
	struct buf der, pem;
	int st;

	if (!have_openssl_cli()) {
		skip();
		return;
	}
	snprintf(dir, sizeof(dir), "%s/teken-test-x509-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	assert_non_null(mkdtemp(dir));
	assert_ok(path_join(crlp, sizeof(crlp), dir, "crl.der"));
	assert_ok(path_join(cap, sizeof(cap), dir, "ca.pem"));
	make_root(issuer_pk, &root);
	build_crl(&root, 5, T0, T0 + 7 * DAY, &it, &der);
	buf_init(&pem, MAX_CERT_BYTES);
	assert_ok(x509_to_pem(root.cert, &pem));
	assert_ok(file_write_atomic(cap, pem.p, pem.len, 0600));
	assert_ok(file_write_atomic(crlp, der.p, der.len, 0600));
	st = run_openssl_crl(dir, crlp, cap, out, sizeof(out));
	if (st != 0 || strstr(out, "verify OK") == NULL) {
		unlink(crlp);
		unlink(cap);
		rmdir(dir);
		fail_msg("openssl crl (%zu entries) exited %d: %s", n, st, out);
	}
	/* The oracle is not a rubber stamp: a damaged signature fails. */
	der.p[der.len - 2] ^= 0x01;
	assert_ok(file_write_atomic(crlp, der.p, der.len, 0600));
	/* (openssl 3.0 'crl' prints the verdict but exits 0 either way) */
	st = run_openssl_crl(dir, crlp, cap, out, sizeof(out));
	assert_true(st >= 0);
	assert_null(strstr(out, "verify OK"));
	assert_non_null(strstr(out, "verify failure"));

	assert_int_equal(unlink(crlp), 0);
	assert_int_equal(unlink(cap), 0);
	assert_int_equal(rmdir(dir), 0);
	buf_free(&pem);
	buf_free(&der);
	made_free(&root);
}

static void test_crl_openssl_cli_ec(void **state)
{
	(void)state;
	crl_cli_oracle(G.root_ec, 0);
	crl_cli_oracle(G.root_ec, 1000);
}

static void test_crl_openssl_cli_rsa(void **state)
{
	(void)state;
	crl_cli_oracle(G.root_rsa, 1);
	crl_cli_oracle(G.root_rsa, 1000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reason_parse_and_name),
		cmocka_unit_test(test_profile_load_template),
		cmocka_unit_test(test_profile_load_unknown),
		cmocka_unit_test(test_profile_load_bad_values),
		cmocka_unit_test(test_profile_check_key),
		cmocka_unit_test(test_profile_check_subject),
		cmocka_unit_test(test_profile_check_subject_hostile),
		cmocka_unit_test(test_name_both_syntaxes_same_der),
		cmocka_unit_test(test_name_escapes_and_utf8),
		cmocka_unit_test(test_name_keeps_escaped_trailing_space),
		cmocka_unit_test(test_name_parse_bad),
		cmocka_unit_test(test_name_parse_limits),
		cmocka_unit_test(test_csr_parse_good),
		cmocka_unit_test(test_csr_parse_bad_signature),
		cmocka_unit_test(test_csr_parse_no_proof_of_possession),
		cmocka_unit_test(test_csr_parse_garbage),
		cmocka_unit_test(test_csr_parse_truncated_and_trailing),
		cmocka_unit_test(test_csr_parse_certificate_is_not_a_csr),
		cmocka_unit_test(test_csr_parse_der_containing_pem_marker),
		cmocka_unit_test(test_csr_key_policy),
		cmocka_unit_test(test_pubkey_check_ec),
		cmocka_unit_test(test_pubkey_check_rsa),
		cmocka_unit_test(test_pubkey_check_other_types),
		cmocka_unit_test(test_cert_parse),
		cmocka_unit_test(test_serial_new),
		cmocka_unit_test(test_serial_hex),
		cmocka_unit_test(test_der_to_pem),
		cmocka_unit_test(test_issue_root_self_signed),
		cmocka_unit_test(test_issue_leaf_individual),
		cmocka_unit_test(test_issue_chain_with_issuing_ca),
		cmocka_unit_test(test_issue_tsa_and_ocsp_profiles),
		cmocka_unit_test(test_issue_clamps_not_after),
		cmocka_unit_test(test_issue_times_encoding),
		cmocka_unit_test(test_issue_bad_requests),
		cmocka_unit_test(test_issue_url_is_not_config_syntax),
		cmocka_unit_test(test_issue_serial_encoding),
		cmocka_unit_test(test_crl_empty_ec),
		cmocka_unit_test(test_crl_empty_rsa),
		cmocka_unit_test(test_crl_one_entry_ec),
		cmocka_unit_test(test_crl_one_entry_rsa),
		cmocka_unit_test(test_crl_10000_entries_ec),
		cmocka_unit_test(test_crl_10000_entries_rsa),
		cmocka_unit_test(test_crl_issued_by_intermediate),
		cmocka_unit_test(test_crl_revoked_leaf_is_rejected),
		cmocka_unit_test(test_crl_numbers_and_times),
		cmocka_unit_test(test_crl_serial_shapes),
		cmocka_unit_test(test_crl_errors),
		cmocka_unit_test(test_crl_rejects_invalid_entries),
		cmocka_unit_test(test_crl_openssl_cli_ec),
		cmocka_unit_test(test_crl_openssl_cli_rsa),
	};

	return cmocka_run_group_tests_name("x509", tests, group_setup, group_teardown);
}
