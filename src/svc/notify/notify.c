/*
 * Notifications: an outbox in the store, filled inside the transaction of
 * the change it reports, delivered over SMTP by libcurl when [smtp] url is
 * configured. Expiry reminders 30, 7 and 1 days before notAfter.
 */
#include "svc/base/base.h"
#include "svc/notify/notify.h"
#include "svc/pii/pii.h"
#include "svc/base/base_int.h"

#include "config/config.h"
#include "log/log.h"

#include "svc/files/files.h"
#include "store/store.h"

#include <curl/curl.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static enum tk_err queue_row(struct svc_ctx *c, const char *recipient, const char *subject, const char *body, int64_t attachment_id)
{
	struct store_stmt *s = NULL;
	struct buf to;
	int row;
	enum tk_err rc;

	char cut[NOTIFY_MAX_SUBJECT + 1];

	if (recipient == NULL || recipient[0] == '\0')
		return TK_OK; /* nobody to tell (e.g. erased subscriber) */
	if (strlen(subject) > NOTIFY_MAX_SUBJECT) {
		/* Cut between UTF-8 characters and mark it: a long letter subject must not keep its mail from going. */
		size_t n = NOTIFY_MAX_SUBJECT - 3;
		while (n > 0 && ((unsigned char)subject[n] & 0xc0) == 0x80)
			n--;
		memcpy(cut, subject, n);
		memcpy(cut + n, "...", 4);
		subject = cut;
	}
	buf_init(&to, 1024);
	if ((rc = pii_seal(c->inst, "outbox", recipient, &to)) != TK_OK)
		goto out;
	if ((rc = store_prepare(c->st, "INSERT INTO outbox (recipient, subject, body, created_at, attachment_id) VALUES (?, ?, ?, ?, ?)", &s)) != TK_OK ||
	    (rc = store_bind_blob(s, 1, to.p, to.len)) != TK_OK || (rc = store_bind_text(s, 2, subject)) != TK_OK ||
	    (rc = store_bind_text(s, 3, body)) != TK_OK || (rc = store_bind_i64(s, 4, tk_now())) != TK_OK ||
	    (rc = attachment_id > 0 ? store_bind_i64(s, 5, attachment_id) : store_bind_null(s, 5)) != TK_OK)
		goto out;
	rc = store_step(s, &row);
out:
	store_finalize(s);
	buf_free(&to);
	return rc;
}

enum tk_err notify_queue(struct svc_ctx *c, const char *recipient, const char *subject, const char *body)
{
	return queue_row(c, recipient, subject, body, 0);
}

enum tk_err notify_queue_file(struct svc_ctx *c, const char *recipient, const char *subject, const char *body, int64_t attachment_id)
{
	if (attachment_id <= 0)
		return tk_fail_code(TK_ERR_INVALID, "invalid_attachment", "notify: an attachment id is a positive number");
	return queue_row(c, recipient, subject, body, attachment_id);
}

struct mail_src {
	const char *p;
	size_t len, off;
};

static size_t mail_read(char *ptr, size_t size, size_t nmemb, void *userp)
{
	struct mail_src *m = userp;
	size_t n = size * nmemb;

	if (n > m->len - m->off)
		n = m->len - m->off;
	memcpy(ptr, m->p + m->off, n);
	m->off += n;
	return n;
}

/* Header values must not smuggle new headers in. */
static int header_safe(const char *s)
{
	return strchr(s, '\r') == NULL && strchr(s, '\n') == NULL;
}

/* Where and how mail leaves: [smtp] url, from, starttls, ca_file. */
struct smtp_conf {
	const char *url, *from, *ca_file;
	long use_ssl; /* CURLUSESSL_* for smtp:// URLs; smtps:// is TLS from the start */
};

static enum tk_err smtp_conf_load(const struct config *cfg, struct smtp_conf *sc)
{
	const char *st = config_get_or(cfg, "smtp", "starttls", "try");

	sc->url = config_get(cfg, "smtp", "url");
	sc->from = config_get_or(cfg, "smtp", "from", "teken@localhost");
	sc->ca_file = config_get(cfg, "smtp", "ca_file");
	if (strcmp(st, "try") == 0)
		sc->use_ssl = CURLUSESSL_TRY;
	else if (strcmp(st, "required") == 0)
		sc->use_ssl = CURLUSESSL_ALL;
	else if (strcmp(st, "no") == 0)
		sc->use_ssl = CURLUSESSL_NONE;
	else
		return tk_fail(TK_ERR_INVALID, "config [smtp] starttls must be try, required or no");
	return TK_OK;
}

/* The file of an outbox row: RFC 2045 base64 in lines of 76 characters. */
struct mail_file {
	const char *name, *mime;
	const uint8_t *p;
	size_t len;
};

static enum tk_err put_base64(struct buf *msg, const uint8_t *p, size_t len)
{
	unsigned char line[80];
	size_t off;
	enum tk_err rc;

	for (off = 0; off < len; off += 57) {
		size_t n = len - off < 57 ? len - off : 57;
		int w = EVP_EncodeBlock(line, p + off, (int)n);
		if (w < 0)
			return tk_fail(TK_ERR_INTERNAL, "smtp: base64");
		if ((rc = buf_append(msg, line, (size_t)w)) != TK_OK || (rc = buf_puts(msg, "\r\n")) != TK_OK)
			return rc;
	}
	return TK_OK;
}

/*
 * The Subject field: as it is when ASCII (our templates), else RFC 2047
 * encoded-words (UTF-8, base64) of at most 45 input bytes each, cut
 * between UTF-8 characters, folded onto continuation lines.
 */
static enum tk_err put_subject(struct buf *msg, const char *s)
{
	size_t len = strlen(s), off = 0, i;
	unsigned char enc[80];
	enum tk_err rc;

	for (i = 0; i < len && (unsigned char)s[i] < 0x80; i++)
		;
	if (i == len)
		return buf_puts(msg, s);
	while (off < len) {
		size_t n = len - off < 45 ? len - off : 45;
		int w;
		while (off + n < len && n > 1 && ((unsigned char)s[off + n] & 0xc0) == 0x80)
			n--; /* do not split a character */
		w = EVP_EncodeBlock(enc, (const unsigned char *)s + off, (int)n);
		if (w < 0)
			return tk_fail(TK_ERR_INTERNAL, "smtp: base64");
		if ((off > 0 && (rc = buf_puts(msg, "\r\n ")) != TK_OK) || (rc = buf_puts(msg, "=?utf-8?B?")) != TK_OK ||
		    (rc = buf_append(msg, enc, (size_t)w)) != TK_OK || (rc = buf_puts(msg, "?=")) != TK_OK)
			return rc;
		off += n;
	}
	return TK_OK;
}

/* The longest line of text, in bytes (without its line end). */
static size_t longest_line(const char *s)
{
	size_t best = 0, cur = 0;

	for (; *s; s++) {
		if (*s == '\n') {
			cur = 0;
			continue;
		}
		if (*s != '\r' && ++cur > best)
			best = cur;
	}
	return best;
}

/*
 * RFC 2045 6.7 quoted-printable: for a text whose lines are too long for
 * 8bit (RFC 5322 2.1.1 allows 998 octets). Lines at most 76 characters,
 * soft breaks "=", line ends kept as CRLF, trailing blanks encoded.
 */
static enum tk_err put_quoted_printable(struct buf *msg, const char *s)
{
	size_t col = 0;
	enum tk_err rc = TK_OK;

	for (; rc == TK_OK && *s; s++) {
		unsigned char ch = (unsigned char)*s;
		char tok[4];
		size_t n;
		if (ch == '\r')
			continue;
		if (ch == '\n') {
			rc = buf_puts(msg, "\r\n");
			col = 0;
			continue;
		}
		if ((ch >= 33 && ch <= 126 && ch != '=') || ((ch == ' ' || ch == '\t') && s[1] != '\n' && s[1] != '\r' && s[1] != '\0')) {
			tok[0] = (char)ch;
			n = 1;
		} else {
			snprintf(tok, sizeof(tok), "=%02X", ch);
			n = 3;
		}
		if (col + n > 75) {
			rc = buf_puts(msg, "=\r\n");
			col = 0;
		}
		if (rc == TK_OK)
			rc = buf_append(msg, tok, n);
		col += n;
	}
	return rc;
}

/* A file name for a MIME header: printable ASCII without quotes or backslashes, else "lampiran.pdf". */
static const char *mime_name(const char *s)
{
	size_t i;

	if (s == NULL || s[0] == '\0' || strlen(s) > 120)
		return "lampiran.pdf";
	for (i = 0; s[i]; i++)
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] > 0x7e || s[i] == '"' || s[i] == '\\')
			return "lampiran.pdf";
	return s;
}

static enum tk_err smtp_send(const struct smtp_conf *sc, const char *to, const char *subject, const char *body,
    const struct mail_file *file, char *err, size_t errsz)
{
	const char *from = sc->from;
	CURL *curl = curl_easy_init();
	struct curl_slist *rcpt = NULL;
	struct buf msg;
	struct mail_src src;
	char date[64], rcptbuf[300], frombuf[300], bnd[40] = "=_teken_";
	time_t now = time(NULL);
	struct tm tm;
	CURLcode cc;
	enum tk_err rc;

	buf_init(&msg, (1u << 20) + (file != NULL ? file->len / 57 * 78 + 160 : 0));
	if (curl == NULL) {
		rc = tk_fail(TK_ERR_NOMEM, "smtp: out of memory");
		goto out;
	}
	if (!header_safe(to) || !header_safe(from) || !header_safe(subject)) {
		rc = tk_fail(TK_ERR_INVALID, "smtp: line break in a header");
		goto out;
	}
	gmtime_r(&now, &tm);
	strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S +0000", &tm);
	/* RFC 5322 message; the subject is ASCII in our templates, body UTF-8. */
	if ((rc = buf_printf(&msg, "Date: %s\r\nFrom: %s\r\nTo: %s\r\nSubject: ", date, from, to)) != TK_OK || (rc = put_subject(&msg, subject)) != TK_OK ||
	    (rc = buf_puts(&msg, "\r\nMIME-Version: 1.0\r\n")) != TK_OK)
		goto out;
	if (file != NULL) {
		/* RFC 2046 5.1.3 multipart/mixed: the text, then the file. The boundary
		 * cannot occur in base64 lines ('=' and '_' pairs) nor, checked, in the text. */
		uint8_t rnd[12];
		if (RAND_bytes(rnd, sizeof(rnd)) != 1) {
			rc = tk_fail_ossl("smtp: random boundary");
			goto out;
		}
		hex_encode(rnd, sizeof(rnd), bnd + 8);
		if (strstr(body, bnd) != NULL) {
			rc = tk_fail(TK_ERR_INTERNAL, "smtp: boundary collision");
			goto out;
		}
		if ((rc = buf_printf(&msg, "Content-Type: multipart/mixed; boundary=\"%s\"\r\n\r\n--%s\r\n", bnd, bnd)) != TK_OK)
			goto out;
	}
	if (longest_line(body) <= 998) {
		if ((rc = buf_puts(&msg, "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n")) != TK_OK)
			goto out;
		for (const char *p = body; *p; p++) {
			/* Normalise to CRLF and dot-stuff is done by libcurl. */
			if (*p == '\n' && (rc = buf_putc(&msg, '\r')) != TK_OK)
				goto out;
			if ((rc = buf_putc(&msg, (uint8_t)*p)) != TK_OK)
				goto out;
		}
	} else if ((rc = buf_puts(&msg, "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n")) != TK_OK ||
		   (rc = put_quoted_printable(&msg, body)) != TK_OK) {
		goto out;
	}
	if (file != NULL) {
		const char *name = mime_name(file->name);
		if ((rc = buf_printf(&msg, "\r\n--%s\r\nContent-Type: %s; name=\"%s\"\r\nContent-Transfer-Encoding: base64\r\n"
					   "Content-Disposition: attachment; filename=\"%s\"\r\n\r\n",
			 bnd, file->mime, name, name)) != TK_OK ||
		    (rc = put_base64(&msg, file->p, file->len)) != TK_OK || (rc = buf_printf(&msg, "--%s--\r\n", bnd)) != TK_OK)
			goto out;
	}
	if ((rc = str_fmt(rcptbuf, sizeof(rcptbuf), "<%s>", to)) != TK_OK || (rc = str_fmt(frombuf, sizeof(frombuf), "<%s>", from)) != TK_OK)
		goto out;
	rcpt = curl_slist_append(NULL, rcptbuf);
	src.p = (const char *)msg.p;
	src.len = msg.len;
	src.off = 0;
	curl_easy_setopt(curl, CURLOPT_URL, sc->url);
	curl_easy_setopt(curl, CURLOPT_USE_SSL, sc->use_ssl);
	if (sc->ca_file != NULL)
		curl_easy_setopt(curl, CURLOPT_CAINFO, sc->ca_file);
	curl_easy_setopt(curl, CURLOPT_MAIL_FROM, frombuf);
	curl_easy_setopt(curl, CURLOPT_MAIL_RCPT, rcpt);
	curl_easy_setopt(curl, CURLOPT_READFUNCTION, mail_read);
	curl_easy_setopt(curl, CURLOPT_READDATA, &src);
	curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT, 20L);
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	cc = curl_easy_perform(curl);
	if (cc != CURLE_OK) {
		if (str_fmt(err, errsz, "%s", curl_easy_strerror(cc)) != TK_OK)
			err[0] = '\0';
		rc = tk_fail(TK_ERR_IO, "smtp: %s", curl_easy_strerror(cc));
	}
out:
	curl_slist_free_all(rcpt);
	if (curl != NULL)
		curl_easy_cleanup(curl);
	buf_free(&msg);
	return rc;
}

/* The file an outbox row carries, read through svc/files (opened when sealed). */
static enum tk_err attachment_load(struct svc_ctx *c, int64_t id, struct buf *out, char name[FILES_MAX_NAME + 1], char mime[32])
{
	struct store_stmt *s = NULL;
	char owner[64];
	int64_t owner_id = 0;
	int row = 0;
	enum tk_err rc;

	if ((rc = store_prepare(c->st, "SELECT owner, owner_id FROM attachments WHERE id = ?", &s)) != TK_OK ||
	    (rc = store_bind_i64(s, 1, id)) != TK_OK || (rc = store_step(s, &row)) != TK_OK)
		goto out;
	if (!row) {
		rc = tk_fail_code(TK_ERR_NOT_FOUND, "unknown_file", "notify: attachment %lld not found", (long long)id);
		goto out;
	}
	owner_id = store_col_i64(s, 1);
	if ((rc = str_copy(owner, sizeof(owner), store_col_text(s, 0))) != TK_OK)
		goto out;
	store_finalize(s);
	s = NULL;
	rc = files_get(c, owner, owner_id, id, out, name, mime);
out:
	store_finalize(s);
	return rc;
}

enum tk_err notify_deliver(struct svc_ctx *c, int *sent, int *failed)
{
	struct smtp_conf sc;
	struct store_stmt *s = NULL;
	struct {
		int64_t id, attachment_id;
		char subject[NOTIFY_MAX_SUBJECT + 1];
		char *body;
		struct buf to;
	} batch[32];
	int64_t unreadable[32];
	size_t nbad = 0;
	size_t n = 0, i;
	int row = 0;
	enum tk_err rc;

	*sent = *failed = 0;
	if ((rc = smtp_conf_load(c->inst->cfg, &sc)) != TK_OK)
		return rc;
	if (sc.url == NULL)
		return TK_OK; /* mail not configured: the outbox keeps everything */
	/* A claim left by a node that died mid-send is released after ten minutes. */
	if ((rc = store_prepare(c->st, "UPDATE outbox SET status = 'queued' WHERE status = 'sending' AND claimed_at < ?", &s)) != TK_OK)
		return rc;
	{
		int r0;
		rc = store_bind_i64(s, 1, tk_now() - 600);
		if (rc == TK_OK)
			rc = store_step(s, &r0);
	}
	store_finalize(s);
	s = NULL;
	if (rc != TK_OK)
		return rc;
	if ((rc = store_prepare(c->st, "SELECT id, recipient, subject, body, attachment_id FROM outbox WHERE status = 'queued' AND attempts < 5 ORDER BY id LIMIT 32", &s)) != TK_OK)
		return rc;
	while ((rc = store_step(s, &row)) == TK_OK && row && n < 32) {
		size_t len = 0;
		const uint8_t *b = store_col_blob(s, 1, &len);
		batch[n].id = store_col_i64(s, 0);
		batch[n].attachment_id = store_col_null(s, 4) ? 0 : store_col_i64(s, 4);
		buf_init_secret(&batch[n].to, 1024);
		batch[n].body = strdup(store_col_text(s, 3));
		if (batch[n].body == NULL || str_copy(batch[n].subject, sizeof(batch[n].subject), store_col_text(s, 2)) != TK_OK ||
		    pii_open(c->inst, "outbox", b, len, &batch[n].to) != TK_OK) {
			/* Never left queued for ever: it would hold its place in every batch. */
			tk_clear_error();
			unreadable[nbad++] = batch[n].id;
			free(batch[n].body);
			buf_free(&batch[n].to);
			continue;
		}
		n++;
	}
	store_finalize(s);
	s = NULL;
	for (i = 0; rc == TK_OK && i < nbad; i++) {
		int r2;
		log_msg(LOG_WARN, "notify.deliver", "outbox %lld cannot be read (recipient or subject); marked failed", (long long)unreadable[i]);
		if ((rc = store_prepare(c->st, "UPDATE outbox SET status = 'failed', last_error = 'unreadable row' WHERE id = ?", &s)) == TK_OK &&
		    (rc = store_bind_i64(s, 1, unreadable[i])) == TK_OK)
			rc = store_step(s, &r2);
		store_finalize(s);
		s = NULL;
	}
	for (i = 0; i < n; i++) {
		char err[200] = "";
		int ok, claimed = 0;
		/* Claim the row first: with several nodes, only one sends it. */
		if (store_prepare(c->st, "UPDATE outbox SET status = 'sending', claimed_at = ? WHERE id = ? AND status = 'queued'", &s) == TK_OK) {
			int r1;
			if (store_bind_i64(s, 1, tk_now()) == TK_OK && store_bind_i64(s, 2, batch[i].id) == TK_OK && store_step(s, &r1) == TK_OK)
				claimed = store_changes(s) == 1;
			store_finalize(s);
			s = NULL;
		}
		if (!claimed) {
			free(batch[i].body);
			buf_free(&batch[i].to);
			continue;
		}
		if (batch[i].attachment_id > 0) {
			struct buf fb;
			char fname[FILES_MAX_NAME + 1], fmime[32];
			struct mail_file mf;
			buf_init(&fb, NOTIFY_MAX_ATTACHMENT);
			if (attachment_load(c, batch[i].attachment_id, &fb, fname, fmime) != TK_OK) {
				ok = 0;
				if (str_fmt(err, sizeof(err), "attachment %lld: %s", (long long)batch[i].attachment_id, tk_errmsg()) != TK_OK)
					err[0] = '\0';
			} else {
				mf.name = fname;
				mf.mime = fmime;
				mf.p = fb.p;
				mf.len = fb.len;
				ok = smtp_send(&sc, (const char *)batch[i].to.p, batch[i].subject, batch[i].body, &mf, err, sizeof(err)) == TK_OK;
			}
			buf_free(&fb);
		} else
			ok = smtp_send(&sc, (const char *)batch[i].to.p, batch[i].subject, batch[i].body, NULL, err, sizeof(err)) == TK_OK;
		if (store_prepare(c->st, ok ? "UPDATE outbox SET status = 'sent', attempts = attempts + 1, sent_at = ? WHERE id = ?" : "UPDATE outbox SET attempts = attempts + 1, last_error = ?, status = CASE WHEN attempts + 1 >= 5 THEN 'failed' ELSE 'queued' END WHERE id = ?",
			&s) == TK_OK) {
			int r2;
			if ((ok ? store_bind_i64(s, 1, tk_now()) : store_bind_text(s, 1, err)) == TK_OK && store_bind_i64(s, 2, batch[i].id) == TK_OK &&
			    store_step(s, &r2) == TK_OK) {
				/* recorded */
			}
			store_finalize(s);
			s = NULL;
		}
		if (ok)
			(*sent)++;
		else {
			(*failed)++;
			log_msg(LOG_WARN, "notify.smtp", "outbox %lld: %s", (long long)batch[i].id, err);
		}
		free(batch[i].body);
		buf_free(&batch[i].to);
	}
	return TK_OK;
}

enum tk_err notify_expiry_reminders(struct svc_ctx *c, int *queued)
{
	static const int days[3] = { 1, 7, 30 }; /* nearest window first */
	struct store_stmt *s = NULL, *m = NULL;
	int64_t now = tk_now();
	size_t d;
	int row = 0;
	enum tk_err rc;

	*queued = 0;
	if ((rc = store_begin(c->st, STORE_TX_WRITE)) != TK_OK)
		return rc;
	for (d = 0; d < 3; d++) {
		/* Certificates within the window that have not had this reminder. */
		if ((rc = store_prepare(c->st,
			 "SELECT c.serial, c.not_after, s.email FROM certs c JOIN subscribers s ON s.id = c.subscriber_id"
			 " WHERE c.status = 'valid' AND s.status = 'active' AND c.not_after > ? AND c.not_after <= ?"
			 " AND NOT EXISTS (SELECT 1 FROM reminders_sent r WHERE r.serial = c.serial AND r.days = ?)",
			 &s)) != TK_OK ||
		    (rc = store_bind_i64(s, 1, now)) != TK_OK || (rc = store_bind_i64(s, 2, now + (int64_t)days[d] * 86400)) != TK_OK ||
		    (rc = store_bind_i64(s, 3, days[d])) != TK_OK)
			goto fail;
		while ((rc = store_step(s, &row)) == TK_OK && row) {
			struct buf email;
			char serial[65], when[48], body[600], subj[120];
			size_t len = 0;
			const uint8_t *eb = store_col_blob(s, 2, &len);
			int r2;
			buf_init_secret(&email, 512);
			time_wib(store_col_i64(s, 1), when);
			if ((rc = str_copy(serial, sizeof(serial), store_col_text(s, 0))) != TK_OK ||
			    (rc = pii_open(c->inst, "email", eb, len, &email)) != TK_OK ||
			    (rc = str_fmt(subj, sizeof(subj), "Sertifikat berakhir dalam %d hari / Certificate expires in %d days", days[d], days[d])) != TK_OK ||
			    (rc = str_fmt(body, sizeof(body),
				 "Sertifikat elektronik Anda (nomor seri %s) berakhir pada %s. Ajukan pembaruan.\n"
				 "Your electronic certificate (serial %s) expires on %s. Please request a renewal.\n",
				 serial, when, serial, when)) != TK_OK ||
			    (rc = notify_queue(c, (const char *)email.p, subj, body)) != TK_OK) {
				buf_free(&email);
				goto fail;
			}
			buf_free(&email);
			/* This reminder also stands for the wider windows not yet sent. */
			for (size_t w = d; w < 3; w++) {
				if ((rc = store_prepare(c->st, "INSERT INTO reminders_sent (serial, days, at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING", &m)) != TK_OK ||
				    (rc = store_bind_text(m, 1, serial)) != TK_OK || (rc = store_bind_i64(m, 2, days[w])) != TK_OK ||
				    (rc = store_bind_i64(m, 3, now)) != TK_OK || (rc = store_step(m, &r2)) != TK_OK)
					goto fail;
				store_finalize(m);
				m = NULL;
			}
			(*queued)++;
		}
		if (rc != TK_OK)
			goto fail;
		store_finalize(s);
		s = NULL;
	}
	return store_commit(c->st);
fail:
	store_finalize(s);
	store_finalize(m);
	store_rollback(c->st);
	return rc;
}
