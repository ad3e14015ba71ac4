/*
 * The public feeds of change notices (docs/notices.md): an Atom 1.0
 * document (RFC 4287) and a JSON feed of the published and withdrawn
 * notices, newest first. Drafts never appear.
 *
 * Identifiers are name-based UUIDs (RFC 9562 5.5, version 5, namespace URL)
 * of the public addresses, so they stay the same for the life of the
 * instance's public base URL and anyone can recompute them:
 *   feed  urn:uuid:uuid5(URL, "<base>/notices.atom")
 *   entry urn:uuid:uuid5(URL, "<base>/notices#n<id>")
 */
#include "svc/notice/notice_int.h"

#include "config/config.h"
#include "store/store.h"

#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

#define FEED_AUTHOR_DEFAULT "Balai Besar Sertifikasi Elektronik (BSrE), BSSN"
#define FEED_EPOCH_ISO "1970-01-01T00:00:00Z" /* updated of a feed with no entry yet */

/* RFC 9562 5.5: SHA-1 over the namespace (6ba7b811-9dad-11d1-80b4-00c04fd430c8, URL) and the name. */
static enum tk_err uuid5_url(const char *name, char out[46])
{
	static const uint8_t ns[16] = { 0x6b, 0xa7, 0xb8, 0x11, 0x9d, 0xad, 0x11, 0xd1, 0x80, 0xb4, 0x00, 0xc0, 0x4f, 0xd4, 0x30, 0xc8 };
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	uint8_t h[EVP_MAX_MD_SIZE];
	unsigned hl = 0;
	char hex[33];
	int ok;

	ok = md != NULL && EVP_DigestInit_ex(md, EVP_sha1(), NULL) == 1 && EVP_DigestUpdate(md, ns, sizeof(ns)) == 1 &&
	     EVP_DigestUpdate(md, name, strlen(name)) == 1 && EVP_DigestFinal_ex(md, h, &hl) == 1 && hl >= 16;
	EVP_MD_CTX_free(md);
	if (!ok)
		return tk_fail_ossl("notice: SHA-1 for a name-based UUID");
	h[6] = (uint8_t)((h[6] & 0x0f) | 0x50);
	h[8] = (uint8_t)((h[8] & 0x3f) | 0x80);
	hex_encode(h, 16, hex);
	return str_fmt(out, 46, "urn:uuid:%.8s-%.4s-%.4s-%.4s-%.12s", hex, hex + 8, hex + 12, hex + 16, hex + 20);
}

/* XML character data and attribute values (XML 1.0 2.4, 3.3.3): the service refused other control characters. */
static enum tk_err xml_text(struct buf *b, const char *s)
{
	enum tk_err rc = TK_OK;

	for (; rc == TK_OK && *s; s++) {
		switch (*s) {
		case '&': rc = buf_puts(b, "&amp;"); break;
		case '<': rc = buf_puts(b, "&lt;"); break;
		case '>': rc = buf_puts(b, "&gt;"); break;
		case '"': rc = buf_puts(b, "&quot;"); break;
		case '\r': rc = buf_puts(b, "&#13;"); break;
		default:
			if ((unsigned char)*s < 0x20 && *s != '\n' && *s != '\t')
				rc = buf_putc(b, ' ');
			else
				rc = buf_putc(b, (uint8_t)*s);
		}
	}
	return rc;
}

/* <name>text</name> */
static enum tk_err xml_el(struct buf *b, const char *indent, const char *name, const char *attrs, const char *text)
{
	enum tk_err rc;

	if ((rc = buf_printf(b, "%s<%s%s>", indent, name, attrs)) != TK_OK || (rc = xml_text(b, text)) != TK_OK)
		return rc;
	return buf_printf(b, "</%s>\n", name);
}

static enum tk_err atom_entry(struct svc_ctx *c, struct buf *b, struct store_stmt *s)
{
	const char *base = instance_base_url(c->inst);
	int64_t id = store_col_i64(s, 0);
	int withdrawn = strcmp(store_col_text(s, 8), "withdrawn") == 0;
	char url[512], uid[46], upd[32], pub[32];
	struct buf t;
	const char *ts = NULL;
	enum tk_err rc;

	if ((rc = notice_url(c, id, url, sizeof(url))) != TK_OK || (rc = uuid5_url(url, uid)) != TK_OK)
		return rc;
	time_iso_utc(store_col_i64(s, 13), upd);
	time_iso_utc(store_col_i64(s, 12), pub);
	buf_init(&t, 4 * NOTICE_MAX_BODY + 1024);
	/* The title in Indonesian (the feed's language); a withdrawn notice says so first. */
	if ((rc = buf_printf(&t, "%s%s", withdrawn ? NOTICE_WITHDRAWN_MARK : "", store_col_text(s, 3))) != TK_OK || (rc = buf_cstr(&t, &ts)) != TK_OK ||
	    (rc = buf_puts(b, "  <entry>\n")) != TK_OK || (rc = xml_el(b, "    ", "id", "", uid)) != TK_OK ||
	    (rc = xml_el(b, "    ", "title", " type=\"text\"", ts)) != TK_OK || (rc = xml_el(b, "    ", "updated", "", upd)) != TK_OK ||
	    (rc = xml_el(b, "    ", "published", "", pub)) != TK_OK || (rc = buf_puts(b, "    <link rel=\"alternate\" type=\"text/html\" href=\"")) != TK_OK ||
	    (rc = xml_text(b, url)) != TK_OK || (rc = buf_puts(b, "\"/>\n    <category term=\"")) != TK_OK ||
	    (rc = xml_text(b, store_col_text(s, 1))) != TK_OK || (rc = buf_puts(b, "\" scheme=\"")) != TK_OK || (rc = xml_text(b, base)) != TK_OK ||
	    (rc = buf_puts(b, "/notices#category\"/>\n    <category term=\"")) != TK_OK || (rc = xml_text(b, store_col_text(s, 2))) != TK_OK ||
	    (rc = buf_puts(b, "\" scheme=\"")) != TK_OK || (rc = xml_text(b, base)) != TK_OK || (rc = buf_puts(b, "/notices#severity\"/>\n")) != TK_OK)
		goto out;
	/* summary: the English title; content: both languages as plain text (rendered escaped by readers). */
	buf_reset(&t);
	if ((rc = buf_printf(&t, "%s%s", withdrawn ? "[WITHDRAWN] " : "", store_col_text(s, 4))) != TK_OK || (rc = buf_cstr(&t, &ts)) != TK_OK ||
	    (rc = xml_el(b, "    ", "summary", " type=\"text\" xml:lang=\"en\"", ts)) != TK_OK)
		goto out;
	buf_reset(&t);
	if ((rc = buf_printf(&t, "%sBerlaku mulai %s.\n\n%s\n\n-- English --\n%s\nEffective %s.\n\n%s",
		 withdrawn ? "PEMBERITAHUAN INI DITARIK / THIS NOTICE HAS BEEN WITHDRAWN.\n\n" : "", store_col_text(s, 7), store_col_text(s, 5),
		 store_col_text(s, 4), store_col_text(s, 7), store_col_text(s, 6))) != TK_OK ||
	    (rc = buf_cstr(&t, &ts)) != TK_OK || (rc = xml_el(b, "    ", "content", " type=\"text\"", ts)) != TK_OK)
		goto out;
	rc = buf_puts(b, "  </entry>\n");
out:
	buf_free(&t);
	return rc;
}

static enum tk_err atom_head(struct svc_ctx *c, struct buf *b, int64_t updated)
{
	const char *base = instance_base_url(c->inst);
	const char *author = config_get_or(c->inst->cfg, "notice", "author", FEED_AUTHOR_DEFAULT);
	char self[512], uid[46], upd[32];
	enum tk_err rc;

	if ((rc = str_fmt(self, sizeof(self), "%s/notices.atom", base)) != TK_OK || (rc = uuid5_url(self, uid)) != TK_OK)
		return rc;
	if (updated != 0)
		time_iso_utc(updated, upd);
	else if ((rc = str_copy(upd, sizeof(upd), FEED_EPOCH_ISO)) != TK_OK)
		return rc;
	if ((rc = buf_puts(b, "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\" xml:lang=\"id\">\n")) != TK_OK ||
	    (rc = xml_el(b, "  ", "id", "", uid)) != TK_OK ||
	    (rc = xml_el(b, "  ", "title", " type=\"text\"", "Pemberitahuan layanan sertifikat elektronik / Certificate service notices")) != TK_OK ||
	    (rc = xml_el(b, "  ", "subtitle", " type=\"text\"",
		 "Perubahan, penambahan dan pengembangan layanan sertifikat elektronik (PKS pasal 4(2)g, 5(1)g)")) != TK_OK ||
	    (rc = xml_el(b, "  ", "updated", "", upd)) != TK_OK || (rc = buf_puts(b, "  <link rel=\"self\" type=\"application/atom+xml\" href=\"")) != TK_OK ||
	    (rc = xml_text(b, self)) != TK_OK || (rc = buf_puts(b, "\"/>\n  <link rel=\"alternate\" type=\"text/html\" href=\"")) != TK_OK ||
	    (rc = xml_text(b, base)) != TK_OK || (rc = buf_puts(b, "/notices\"/>\n  <author>\n")) != TK_OK ||
	    (rc = xml_el(b, "    ", "name", "", author)) != TK_OK || (rc = buf_puts(b, "  </author>\n")) != TK_OK)
		return rc;
	return xml_el(b, "  ", "generator", "", "teken");
}

enum tk_err notice_feed(struct svc_ctx *c, enum notice_feed_format f, struct buf *out, int64_t *updated)
{
	struct store_stmt *s = NULL;
	json_t *arr = NULL;
	char *txt = NULL;
	int row = 0;
	enum tk_err rc;

	*updated = 0;
	if ((rc = store_query_i64(c->st, "SELECT COALESCE(MAX(updated_at), 0) FROM notices WHERE status IN ('published','withdrawn')", NULL, updated)) != TK_OK)
		return rc;
	if (f == NOTICE_FEED_ATOM && (rc = atom_head(c, out, *updated)) != TK_OK)
		return rc;
	if (f == NOTICE_FEED_JSON && (arr = json_array()) == NULL)
		return tk_fail(TK_ERR_NOMEM, "out of memory");
	if ((rc = store_prepare(c->st, "SELECT " NOTICE_COLS " FROM notices WHERE status IN ('published','withdrawn')"
				       " ORDER BY published_at DESC, id DESC LIMIT 500" /* NOTICE_MAX_LIST */,
		 &s)) != TK_OK)
		goto out;
	while ((rc = store_step(s, &row)) == TK_OK && row) {
		if (f == NOTICE_FEED_ATOM) {
			if ((rc = atom_entry(c, out, s)) != TK_OK)
				goto out;
		} else {
			json_t *o = notice_row_json(c, s, NOTICE_VIEW_PUBLIC);
			if (o == NULL || json_array_append_new(arr, o) != 0) {
				rc = tk_fail(TK_ERR_NOMEM, "out of memory");
				goto out;
			}
		}
	}
	if (rc != TK_OK)
		goto out;
	if (f == NOTICE_FEED_ATOM) {
		rc = buf_puts(out, "</feed>\n");
	} else {
		char furl[512];
		json_t *doc = NULL;
		if ((rc = str_fmt(furl, sizeof(furl), "%s/notices.json", instance_base_url(c->inst))) != TK_OK)
			goto out;
		doc = json_pack("{s:s, s:s, s:O}", "title", "Pemberitahuan layanan sertifikat elektronik / Certificate service notices", "feed_url", furl,
		    "notices", arr);
		if ((rc = svc_json_dump(doc, &txt)) == TK_OK)
			rc = buf_puts(out, txt);
	}
out:
	store_finalize(s);
	json_decref(arr);
	free(txt);
	return rc;
}
