/* Where a certificate says its revocation data lives (RFC 5280 4.2.1.13, 4.2.2.1). */
#include "x509/x509.h"

#include <openssl/err.h>
#include <openssl/x509v3.h>
#include <string.h>

static int http_uri(const GENERAL_NAME *g, char *out, size_t sz)
{
	const char *u;
	int n;

	if (g->type != GEN_URI)
		return 0;
	u = (const char *)ASN1_STRING_get0_data(g->d.uniformResourceIdentifier);
	n = ASN1_STRING_length(g->d.uniformResourceIdentifier);
	/* An embedded NUL would make the URL mean something else than it says. */
	if (n <= 0 || memchr(u, 0, (size_t)n) != NULL)
		return 0;
	return (strncmp(u, "http://", 7) == 0 || strncmp(u, "https://", 8) == 0) && str_copy(out, sz, u) == TK_OK;
}

int x509_crl_url(X509 *x, char *out, size_t sz)
{
	STACK_OF(DIST_POINT) *dps = X509_get_ext_d2i(x, NID_crl_distribution_points, NULL, NULL);
	int i, j, found = 0;

	for (i = 0; dps != NULL && i < sk_DIST_POINT_num(dps) && !found; i++) {
		DIST_POINT *dp = sk_DIST_POINT_value(dps, i);
		if (dp->distpoint == NULL || dp->distpoint->type != 0)
			continue;
		for (j = 0; j < sk_GENERAL_NAME_num(dp->distpoint->name.fullname) && !found; j++)
			found = http_uri(sk_GENERAL_NAME_value(dp->distpoint->name.fullname, j), out, sz);
	}
	sk_DIST_POINT_pop_free(dps, DIST_POINT_free);
	ERR_clear_error();
	return found;
}

int x509_ocsp_url(X509 *x, char *out, size_t sz)
{
	AUTHORITY_INFO_ACCESS *aia = X509_get_ext_d2i(x, NID_info_access, NULL, NULL);
	int i, found = 0;

	for (i = 0; aia != NULL && i < sk_ACCESS_DESCRIPTION_num(aia) && !found; i++) {
		ACCESS_DESCRIPTION *ad = sk_ACCESS_DESCRIPTION_value(aia, i);
		if (OBJ_obj2nid(ad->method) == NID_ad_OCSP)
			found = http_uri(ad->location, out, sz);
	}
	AUTHORITY_INFO_ACCESS_free(aia);
	ERR_clear_error();
	return found;
}
