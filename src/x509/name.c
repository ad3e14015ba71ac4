/* Subject names, CSRs, certificate parsing and serial numbers. */
#include "x509/x509.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <string.h>

/*
 * Splits s into attribute=value pairs. Two syntaxes: OpenSSL's
 * "/C=ID/O=Org/CN=Name" and RFC 4514-like "CN=Name, O=Org" (written most
 * significant last, so we reverse it to get the same DER order).
 */
enum tk_err x509_name_parse(const char *s, X509_NAME **out)
{
	X509_NAME *n = NULL;
	char attr[32], val[MAX_SUBJECT_BYTES];
	struct {
		char a[32];
		char v[256];
	} parts[16];
	size_t np = 0, i;
	int slash = (s[0] == '/');
	const char *p = slash ? s + 1 : s;
	enum tk_err rc = TK_ERR_INVALID;

	if (strlen(s) >= MAX_SUBJECT_BYTES)
		return tk_fail_code(TK_ERR_INVALID, "bad_subject", "subject: longer than %u bytes", MAX_SUBJECT_BYTES);
	while (*p) {
		size_t ka = 0, kv = 0;
		char sep = slash ? '/' : ',';
		while (!slash && *p == ' ')
			p++;
		while (*p && *p != '=' && ka < sizeof(attr) - 1)
			attr[ka++] = *p++;
		attr[ka] = '\0';
		if (*p != '=' || ka == 0)
			return tk_fail_code(TK_ERR_INVALID, "bad_subject", "subject: expected ATTR=value");
		p++;
		size_t kept = 0; /* value bytes that trimming may not remove (escaped) */
		while (*p && *p != sep) {
			if (*p == '\\') {
				if (p[1] == '\0')
					return tk_fail_code(TK_ERR_INVALID, "bad_subject", "subject: dangling '\\' in %s", attr);
				p++;
				kept = kv + 1;
			}
			if ((unsigned char)*p < 0x20 || *p == 0x7f)
				return tk_fail_code(TK_ERR_INVALID, "bad_subject", "subject: control character in %s", attr);
			if (kv >= sizeof(parts[0].v) - 1)
				return tk_fail_code(TK_ERR_INVALID, "bad_subject", "subject: value of %s too long", attr);
			val[kv++] = *p++;
		}
		while (!slash && kv > kept && val[kv - 1] == ' ')
			kv--;
		val[kv] = '\0';
		if (*p == sep)
			p++;
		if (np == sizeof(parts) / sizeof(parts[0]))
			return tk_fail_code(TK_ERR_INVALID, "bad_subject", "subject: too many attributes");
		memcpy(parts[np].a, attr, ka + 1);
		memcpy(parts[np].v, val, kv + 1);
		np++;
	}
	if (np == 0)
		return tk_fail_code(TK_ERR_INVALID, "bad_subject", "subject: empty");
	n = X509_NAME_new();
	if (n == NULL)
		return tk_fail(TK_ERR_NOMEM, "subject: out of memory");
	for (i = 0; i < np; i++) {
		size_t k = slash ? i : np - 1 - i;
		int nid = OBJ_txt2nid(parts[k].a);
		if (nid == NID_undef) {
			rc = tk_fail_code(TK_ERR_INVALID, "bad_subject", "subject: unknown attribute '%s'", parts[k].a);
			goto out;
		}
		if (parts[k].v[0] == '\0') {
			rc = tk_fail_code(TK_ERR_INVALID, "bad_subject", "subject: %s is empty", parts[k].a);
			goto out;
		}
		if (!X509_NAME_add_entry_by_NID(n, nid, MBSTRING_UTF8, (const unsigned char *)parts[k].v, -1, -1, 0)) {
			ERR_clear_error();
			rc = tk_fail_code(TK_ERR_INVALID, "bad_subject", "subject: invalid value for %s", parts[k].a);
			goto out;
		}
	}
	*out = n;
	n = NULL;
	rc = TK_OK;
out:
	X509_NAME_free(n);
	return rc;
}

enum tk_err x509_name_from_pairs(const char *const (*pairs)[2], size_t n, X509_NAME **out)
{
	X509_NAME *name = X509_NAME_new();
	size_t i;

	if (name == NULL)
		return tk_fail(TK_ERR_NOMEM, "subject: out of memory");
	for (i = 0; i < n; i++) {
		const char *v = pairs[i][1];
		size_t k;
		int nid = OBJ_txt2nid(pairs[i][0]);
		if (nid == NID_undef || v == NULL || v[0] == '\0' || strlen(v) > 256)
			goto bad;
		for (k = 0; v[k]; k++)
			if ((unsigned char)v[k] < 0x20 || v[k] == 0x7f)
				goto bad;
		if (!X509_NAME_add_entry_by_NID(name, nid, MBSTRING_UTF8, (const unsigned char *)v, -1, -1, 0)) {
			ERR_clear_error();
			goto bad;
		}
	}
	*out = name;
	return TK_OK;
bad:
	X509_NAME_free(name);
	return tk_fail_code(TK_ERR_INVALID, "bad_subject", "subject: invalid value for %s", pairs[i][0]);
}

enum tk_err x509_name_str(const X509_NAME *n, char *out, size_t outsz)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *p;
	long len;
	enum tk_err rc = TK_OK;

	if (b == NULL)
		return tk_fail(TK_ERR_NOMEM, "name: out of memory");
	if (X509_NAME_print_ex(b, n, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB) < 0) {
		BIO_free(b);
		return tk_fail_ossl("name: printing");
	}
	len = BIO_get_mem_data(b, &p);
	if (len < 0 || (size_t)len >= outsz)
		rc = tk_fail(TK_ERR_LIMIT, "name: too long");
	else {
		memcpy(out, p, (size_t)len);
		out[len] = '\0';
	}
	BIO_free(b);
	return rc;
}

/* DER starts with a SEQUENCE tag; anything else is treated as PEM text. */
static int looks_pem(const uint8_t *p, size_t len)
{
	return len > 0 && p[0] != 0x30;
}

enum tk_err x509_csr_parse(const uint8_t *p, size_t len, X509_REQ **out)
{
	X509_REQ *req = NULL;
	EVP_PKEY *pk;
	int v;

	if (len == 0 || len > MAX_CSR_BYTES)
		return tk_fail_code(TK_ERR_INVALID, "bad_csr", "csr: empty or larger than %u bytes", MAX_CSR_BYTES);
	if (looks_pem(p, len)) {
		BIO *b = BIO_new_mem_buf(p, (int)len);
		if (b == NULL)
			return tk_fail(TK_ERR_NOMEM, "csr: out of memory");
		req = PEM_read_bio_X509_REQ(b, NULL, NULL, NULL);
		BIO_free(b);
	} else {
		const uint8_t *q = p;
		req = d2i_X509_REQ(NULL, &q, (long)len);
		if (req != NULL && q != p + len) {
			X509_REQ_free(req);
			ERR_clear_error();
			return tk_fail_code(TK_ERR_INVALID, "bad_csr", "csr: RFC 2986: trailing bytes after the request");
		}
	}
	if (req == NULL) {
		ERR_clear_error();
		return tk_fail_code(TK_ERR_INVALID, "bad_csr", "csr: RFC 2986: not a PKCS#10 certification request");
	}
	pk = X509_REQ_get0_pubkey(req);
	if (pk == NULL) {
		X509_REQ_free(req);
		ERR_clear_error();
		return tk_fail_code(TK_ERR_INVALID, "bad_csr", "csr: unreadable public key");
	}
	v = X509_REQ_verify(req, pk);
	if (v != 1) {
		X509_REQ_free(req);
		ERR_clear_error();
		return tk_fail_code(TK_ERR_INVALID, "bad_csr_signature",
		    "csr: RFC 2986 3: self-signature does not verify (no proof of possession)");
	}
	*out = req;
	return TK_OK;
}

enum tk_err x509_cert_parse(const uint8_t *p, size_t len, X509 **out)
{
	X509 *c = NULL;

	if (len == 0 || len > MAX_CERT_BYTES)
		return tk_fail_code(TK_ERR_INVALID, "bad_certificate", "certificate: empty or too large");
	if (looks_pem(p, len)) {
		BIO *b = BIO_new_mem_buf(p, (int)len);
		if (b != NULL)
			c = PEM_read_bio_X509(b, NULL, NULL, NULL);
		BIO_free(b);
	} else {
		const uint8_t *q = p;
		c = d2i_X509(NULL, &q, (long)len);
		if (c != NULL && q != p + len) {
			X509_free(c);
			c = NULL;
		}
	}
	if (c == NULL) {
		ERR_clear_error();
		return tk_fail_code(TK_ERR_INVALID, "bad_certificate", "certificate: RFC 5280 4.1: not an X.509 certificate");
	}
	*out = c;
	return TK_OK;
}

enum tk_err x509_serial_new(uint8_t out[X509_SERIAL_LEN])
{
	enum tk_err rc = rand_bytes(out, X509_SERIAL_LEN);

	/* RFC 5280 4.1.2.2: positive, at most 20 octets; a fixed top byte
	 * range keeps the DER encoding exactly 20 octets with 158 random bits. */
	out[0] = (uint8_t)((out[0] & 0x3f) | 0x40);
	return rc;
}

enum tk_err x509_serial_hex(const X509 *c, char *out, size_t outsz)
{
	const ASN1_INTEGER *s = X509_get0_serialNumber(c);
	int n = ASN1_STRING_length(s);

	if (n <= 0 || n > 32 || (size_t)n * 2 + 1 > outsz)
		return tk_fail(TK_ERR_INVALID, "certificate: serial of %d bytes", n);
	hex_encode(ASN1_STRING_get0_data(s), (size_t)n, out);
	return TK_OK;
}

enum tk_err x509_to_der(X509 *c, struct buf *out)
{
	unsigned char *der = NULL;
	int n = i2d_X509(c, &der);
	enum tk_err rc;

	if (n <= 0)
		return tk_fail_ossl("certificate: encoding");
	rc = buf_append(out, der, (size_t)n);
	OPENSSL_free(der);
	return rc;
}

enum tk_err x509_to_pem(X509 *c, struct buf *out)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *p;
	long n;
	enum tk_err rc;

	if (b == NULL || !PEM_write_bio_X509(b, c)) {
		BIO_free(b);
		return tk_fail_ossl("certificate: PEM encoding");
	}
	n = BIO_get_mem_data(b, &p);
	rc = buf_append(out, p, (size_t)n);
	BIO_free(b);
	return rc;
}

static const char *const reasons[] = {
	"unspecified",
	"keyCompromise",
	"cACompromise",
	"affiliationChanged",
	"superseded",
	"cessationOfOperation",
	"certificateHold",
	NULL /* 7 unused */,
	"removeFromCRL",
	"privilegeWithdrawn",
	"aACompromise",
};

enum tk_err x509_reason_parse(const char *s, int *out)
{
	size_t i;

	for (i = 0; i < sizeof(reasons) / sizeof(reasons[0]); i++) {
		/* removeFromCRL only belongs in delta CRLs (RFC 5280 5.3.1). */
		if (reasons[i] != NULL && i != 8 && strcmp(reasons[i], s) == 0) {
			*out = (int)i;
			return TK_OK;
		}
	}
	return tk_fail_code(TK_ERR_INVALID, "bad_reason",
	    "revoke: unknown reason '%s' (RFC 5280 5.3.1: unspecified, keyCompromise, cACompromise, affiliationChanged, "
	    "superseded, cessationOfOperation, certificateHold, privilegeWithdrawn, aACompromise)",
	    s);
}

const char *x509_reason_name(int reason)
{
	if (reason < 0 || (size_t)reason >= sizeof(reasons) / sizeof(reasons[0]) || reasons[reason] == NULL)
		return "unknown";
	return reasons[reason];
}

enum tk_err x509_der_to_pem(const char *label, const uint8_t *der, size_t len, struct buf *out)
{
	unsigned char line[65 + 1];
	size_t off;
	enum tk_err rc;

	/* 48 input bytes make one 64-character line (RFC 7468 2). */
	if ((rc = buf_reserve(out, len / 48 * 65 + len / 3 + 128)) != TK_OK ||
	    (rc = buf_printf(out, "-----BEGIN %s-----\n", label)) != TK_OK)
		return rc;
	for (off = 0; off < len; off += 48) {
		size_t n = len - off < 48 ? len - off : 48;
		int w = EVP_EncodeBlock(line, der + off, (int)n);
		if ((rc = buf_append(out, line, (size_t)w)) != TK_OK || (rc = buf_putc(out, '\n')) != TK_OK)
			return rc;
	}
	return buf_printf(out, "-----END %s-----\n", label);
}
