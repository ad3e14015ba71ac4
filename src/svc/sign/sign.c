/* Signing service: who signs with which key, the R8 statement, the document registry. */
#include "svc/audit/audit.h"
#include "svc/base/base.h"
#include "svc/ca/ca.h"
#include "svc/pii/pii.h"
#include "svc/policy/policy.h"
#include "svc/ra/ra.h"
#include "svc/report/report.h"
#include "svc/sign/sign.h"
#include "svc/sign/sign_int.h"
#include "svc/trust/trust.h"
#include "svc/base/base_int.h"

#include "cms/cms.h"
#include "config/config.h"
#include "crypto/crypto.h"
#include "log/log.h"
#include "pades/pades.h"
#include "pdf/pdf.h"
#include "x509/x509.h"

#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

/* PKS art. 4(1)j: every signed output says it was signed with a BSrE certificate. */
static const char default_statement[] =
    "Dokumen ini telah ditandatangani secara elektronik menggunakan sertifikat elektronik yang diterbitkan oleh "
    "Balai Besar Sertifikasi Elektronik (BSrE), Badan Siber dan Sandi Negara.";

const char *sign_statement(const struct instance *inst)
{
	const char *s = config_get(inst->cfg, "sign", "statement");

	/* Configurable text, but never absent. */
	return s != NULL && s[0] != '\0' ? s : default_statement;
}

const char *sign_statement_default(void)
{
	return default_statement;
}

/* 128 random bits as RFC 4648 base32, lower case, no padding (26 characters). */
static enum tk_err new_document_id(char out[32])
{
	static const char alphabet[] = "abcdefghijklmnopqrstuvwxyz234567";
	uint8_t r[16];
	size_t i, bits = 0, n = 0;
	uint32_t acc = 0;
	enum tk_err rc;

	if ((rc = rand_bytes(r, sizeof(r))) != TK_OK)
		return rc;
	for (i = 0; i < sizeof(r); i++) {
		acc = (acc << 8) | r[i];
		bits += 8;
		while (bits >= 5) {
			out[n++] = alphabet[(acc >> (bits - 5)) & 31];
			bits -= 5;
		}
	}
	if (bits > 0)
		out[n++] = alphabet[(acc << (5 - bits)) & 31];
	out[n] = '\0';
	return TK_OK;
}

struct signer {
	struct key *key;
	X509 *cert;
	X509 *issuing;
	char name[256];
	char title[300];
	char serial[65];
	char unit[201]; /* the official's registered unit, or the seal's */
	int64_t subscriber_id;
};

static void signer_free(struct signer *s)
{
	key_free(s->key);
	X509_free(s->cert);
	X509_free(s->issuing);
}

/*
 * An official nobody can sign for (unknown, or not active): the same answer,
 * cost and throttling as a wrong passphrase (the unlock path with no key
 * counts the caller's failure), so guessing NIKs is slowed like guessing
 * passphrases and the API confirms nobody's enrolment.
 */
static enum tk_err no_such_signer(struct svc_ctx *c, const char *passphrase)
{
	struct key *k = NULL;
	X509 *x = NULL;
	enum tk_err rc = ra_key_unlock(c, 0, passphrase != NULL ? passphrase : "", &k, &x);

	key_free(k);
	X509_free(x);
	return rc == TK_OK ? ra_passphrase_error() : rc;
}

static enum tk_err subscriber_by_nik(struct svc_ctx *c, const char *nik, const char *passphrase, int64_t *sid)
{
	char idx[65];
	int64_t v = 0;
	enum tk_err rc;

	if ((rc = nik_check(nik)) != TK_OK)
		return rc;
	pii_nik_index(c->inst, nik, idx);
	rc = store_query_i64(c->st, "SELECT id FROM subscribers WHERE nik_index = ? AND status = 'active'", idx, &v);
	if (rc == TK_ERR_NOT_FOUND)
		return no_such_signer(c, passphrase);
	*sid = v;
	return rc;
}

/* The unit a seal belongs to: the OU of its certificate (set from the approved seal request). */
static enum tk_err seal_unit(X509 *cert, char unit[201])
{
	if (X509_NAME_get_text_by_NID(X509_get_subject_name(cert), NID_organizationalUnitName, unit, 201) < 0)
		unit[0] = '\0';
	return TK_OK;
}

/*
 * The seal an application signs with when it names none: the newest valid
 * unit seal of the unit it names, or of its key's only unit.
 */
static enum tk_err default_seal(struct svc_ctx *c, const char *unit, char key_name[64])
{
	struct store_stmt *s = NULL;
	int row = 0;
	enum tk_err rc;

	if (unit == NULL || unit[0] == '\0' || strchr(unit, ',') != NULL || strcmp(unit, ACTOR_ALL_UNITS) == 0)
		return tk_fail_code(TK_ERR_INVALID, "missing_field", "name the unit (options.unit) or the seal (options.seal_key) to sign with");
	if ((rc = store_prepare(c->st, "SELECT substr(m.key, 6), c.der FROM meta m JOIN certs c ON c.serial = m.value"
				       " WHERE m.key LIKE 'cert.seal-%' AND c.status = 'valid' AND c.not_after > ? ORDER BY c.not_before DESC",
		 &s)) != TK_OK ||
	    (rc = store_bind_i64(s, 1, tk_now())) != TK_OK)
		goto out;
	key_name[0] = '\0';
	while ((rc = store_step(s, &row)) == TK_OK && row) {
		size_t len = 0;
		const uint8_t *der = store_col_blob(s, 1, &len);
		X509 *x = NULL;
		char u[201];
		if (svc_cert_parse_cached(c->inst, der, len, &x) != TK_OK)
			continue;
		(void)seal_unit(x, u);
		X509_free(x);
		if (strcmp(u, unit) == 0) {
			rc = str_copy(key_name, 64, store_col_text(s, 0));
			break;
		}
	}
	if (rc == TK_OK && key_name[0] == '\0')
		rc = tk_fail_code(TK_ERR_NOT_FOUND, "unknown_seal", "unit '%s' has no valid seal; a seal request for it must be approved first", unit);
out:
	store_finalize(s);
	return rc;
}

/*
 * Seals: the CLI operator may use any seal, the instance seal included; an
 * application only the seals of its units ("seal-<n>"), never the
 * instance's own keys (the instance seal also signs audit checkpoints and
 * reports). Everyone else signs as a person.
 */
static enum tk_err load_seal(struct svc_ctx *c, const struct sign_in *in, struct signer *sg)
{
	const char *org = config_get_or(c->inst->cfg, "instance", "organization", "");
	char kn[64], meta[80];
	enum tk_err rc;

	if (c->actor.kind == ACTOR_APPLICATION) {
		const char *unit = in->unit != NULL ? in->unit : c->actor.units;
		if (in->seal_key != NULL)
			rc = str_copy(kn, sizeof(kn), in->seal_key);
		else if (in->unit != NULL && !actor_may_act_for_unit(&c->actor, in->unit))
			return tk_fail_code(TK_ERR_DENIED, "unit_not_allowed", "this API key may not act for unit '%s'", in->unit);
		else
			rc = default_seal(c, unit, kn);
		if (rc != TK_OK)
			return rc;
		if (strncmp(kn, "seal-", 5) != 0)
			return tk_fail_code(TK_ERR_DENIED, "seal_not_allowed", "applications sign only with the seals of their units ('seal-<n>')");
	} else if (c->actor.kind == ACTOR_OPERATOR) {
		if ((rc = str_copy(kn, sizeof(kn), in->seal_key ? in->seal_key : "seal")) != TK_OK)
			return rc;
		if (strcmp(kn, "seal") != 0 && strncmp(kn, "seal-", 5) != 0)
			return tk_fail_code(TK_ERR_INVALID, "unknown_seal", "seal key must be 'seal' or a 'seal-<n>' from a seal request");
	} else {
		return tk_fail_code(TK_ERR_DENIED, "forbidden", "only applications (with their unit's seal) and the operator sign with a seal");
	}
	if ((rc = str_fmt(meta, sizeof(meta), "cert.%s", kn)) != TK_OK)
		return rc;
	if ((rc = ca_cert_by_meta_valid(c, meta, &sg->cert, sg->serial)) != TK_OK) {
		if (rc == TK_ERR_NOT_FOUND)
			rc = tk_fail_code(TK_ERR_NOT_FOUND, "unknown_seal", "no seal certificate for key '%s'", kn);
		return rc;
	}
	(void)seal_unit(sg->cert, sg->unit);
	if (c->actor.kind == ACTOR_APPLICATION && !actor_may_act_for_unit(&c->actor, sg->unit))
		return tk_fail_code(TK_ERR_DENIED, "seal_not_allowed", "seal '%s' belongs to a unit this API key may not act for", kn);
	if ((rc = svc_key_load(c, kn, &sg->key)) != TK_OK)
		return rc;
	if (X509_NAME_get_text_by_NID(X509_get_subject_name(sg->cert), NID_commonName, sg->name, sizeof(sg->name)) < 0)
		sg->name[0] = '\0';
	return str_copy(sg->title, sizeof(sg->title), org);
}

/*
 * Which official signs, decided by the caller: an official signs only as
 * themself; an application only for officials registered in one of its
 * key's units (checked here, before any passphrase is tried); the CLI
 * operator names the official (who types the passphrase). Nobody else.
 */
static enum tk_err official_of(struct svc_ctx *c, const struct sign_in *in, struct signer *sg)
{
	struct store_stmt *s = NULL;
	int row = 0;
	enum tk_err rc;

	if (c->actor.kind == ACTOR_PERSON && strcmp(c->actor.role, "subscriber") == 0)
		rc = ra_subscriber_of(c, c->actor.user, &sg->subscriber_id);
	else if (c->actor.kind == ACTOR_APPLICATION) {
		if (in->unit != NULL && !actor_may_act_for_unit(&c->actor, in->unit))
			return tk_fail_code(TK_ERR_DENIED, "unit_not_allowed", "this API key may not act for unit '%s'", in->unit);
		if (in->subscriber_id != 0) {
			sg->subscriber_id = in->subscriber_id;
			rc = TK_OK;
		} else if (in->nik != NULL)
			rc = subscriber_by_nik(c, in->nik, in->passphrase, &sg->subscriber_id);
		else
			rc = tk_fail_code(TK_ERR_INVALID, "missing_field", "name the official (nik) or sign with a seal");
	} else if (c->actor.kind == ACTOR_OPERATOR && in->subscriber != NULL)
		rc = ra_subscriber_of(c, in->subscriber, &sg->subscriber_id);
	else
		return tk_fail_code(TK_ERR_DENIED, "forbidden", "only officials (for themselves) and applications (for officials of their units) sign");
	if (rc == TK_ERR_NOT_FOUND)
		return no_such_signer(c, in->passphrase);
	if (rc != TK_OK)
		return rc;
	if ((rc = store_prepare(c->st, "SELECT full_name, position, unit FROM subscribers WHERE id = ? AND status = 'active'", &s)) != TK_OK ||
	    (rc = store_bind_i64(s, 1, sg->subscriber_id)) != TK_OK || (rc = store_step(s, &row)) != TK_OK)
		goto out;
	if (!row) {
		rc = no_such_signer(c, in->passphrase);
		goto out;
	}
	/* An official outside the key's units is, to that application, nobody: same answer, cost and count. */
	if (c->actor.kind == ACTOR_APPLICATION && !actor_may_act_for_unit(&c->actor, store_col_text(s, 2))) {
		store_finalize(s); /* no statement may stay open across the throttle's transactions */
		s = NULL;
		rc = no_such_signer(c, in->passphrase);
	} else if (c->actor.kind == ACTOR_APPLICATION && in->unit != NULL && strcmp(in->unit, store_col_text(s, 2)) != 0)
		rc = tk_fail_code(TK_ERR_DENIED, "unit_mismatch", "the official does not belong to unit '%s'", in->unit);
	else if ((rc = str_copy(sg->name, sizeof(sg->name), store_col_text(s, 0))) == TK_OK &&
		 (rc = str_copy(sg->unit, sizeof(sg->unit), store_col_text(s, 2))) == TK_OK)
		rc = str_fmt(sg->title, sizeof(sg->title), "%s, %s", store_col_text(s, 1), store_col_text(s, 2));
out:
	store_finalize(s);
	return rc;
}

static enum tk_err load_signer(struct svc_ctx *c, const struct sign_in *in, struct signer *sg)
{
	enum tk_err rc;

	memset(sg, 0, sizeof(*sg));
	if ((rc = ca_load(c, "issuing", NULL, &sg->issuing, NULL)) != TK_OK)
		return rc;
	if (in->seal)
		return load_seal(c, in, sg);
	if ((rc = official_of(c, in, sg)) != TK_OK)
		return rc;
	if (in->passphrase == NULL)
		return tk_fail_code(TK_ERR_INVALID, "missing_field", "a passphrase is required to sign as an official");
	if ((rc = ra_key_unlock(c, sg->subscriber_id, in->passphrase, &sg->key, &sg->cert)) != TK_OK)
		return rc;
	return x509_serial_hex(sg->cert, sg->serial, sizeof(sg->serial));
}

/* Which front door a document came through (documents.channel, docs/reports.md). */
static const char *sign_channel(const struct svc_ctx *c, const struct sign_in *in)
{
	if (in->channel != NULL)
		return in->channel;
	return c->actor.kind == ACTOR_PERSON ? "web" : c->actor.kind == ACTOR_APPLICATION ? "api"
											  : "cli";
}

struct reg_args {
	const struct sign_in *in;
	const struct signer *sg;
	const char *id;
	const char *hash;
	size_t size, pages;
	const char *level;
	const struct buf *tail;
	const char *statement_sha256; /* of the R8 statement placed; NULL for CAdES (no text placed) */
};

static enum tk_err register_tx(struct svc_ctx *c, void *arg)
{
	struct reg_args *a = arg;
	struct store_stmt *s = NULL;
	json_t *d = NULL;
	char *dtxt = NULL;
	int row;
	enum tk_err rc;

	char fname[SIGN_FILENAME_MAX + 1];
	int64_t keep = a->in->keep_seconds;
	int owner_copy = 0;
	uint64_t keep_days = 0;

	sign_filename_clean(a->in->filename, fname);
	/* An official signing through the web may download the file again for [sign] keep_days. */
	if (keep <= 0 && c->actor.kind == ACTOR_PERSON && a->sg->subscriber_id != 0) {
		if ((rc = config_get_u64(c->inst->cfg, "sign", "keep_days", 0, 3650, &keep_days)) != TK_OK)
			return rc;
		keep = (int64_t)keep_days * 86400;
		owner_copy = keep > 0;
	}
	if ((rc = store_prepare(c->st, "INSERT INTO documents (id, sha256, size, pages, kind, level, signer, cert_serial, subscriber_id,"
				       " application, unit, signed_by, signed_at, application_key_id, visible, channel, statement_sha256, filename)"
				       " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
		 &s)) != TK_OK)
		return rc;
	if ((rc = store_bind_text(s, 1, a->id)) != TK_OK || (rc = store_bind_text(s, 2, a->hash)) != TK_OK ||
	    (rc = store_bind_i64(s, 3, (int64_t)a->size)) != TK_OK || (rc = store_bind_i64(s, 4, (int64_t)a->pages)) != TK_OK ||
	    (rc = store_bind_text(s, 5, a->in->cades ? "cades" : "pades")) != TK_OK || (rc = store_bind_text(s, 6, a->level)) != TK_OK ||
	    (rc = store_bind_text(s, 7, a->sg->name)) != TK_OK || (rc = store_bind_text(s, 8, a->sg->serial)) != TK_OK ||
	    (rc = a->sg->subscriber_id ? store_bind_i64(s, 9, a->sg->subscriber_id) : store_bind_null(s, 9)) != TK_OK ||
	    (rc = c->actor.kind == ACTOR_APPLICATION ? store_bind_text(s, 10, c->actor.user) : store_bind_null(s, 10)) != TK_OK ||
	    (rc = a->sg->unit[0] ? store_bind_text(s, 11, a->sg->unit) : store_bind_null(s, 11)) != TK_OK ||
	    (rc = store_bind_text(s, 12, c->actor.user)) != TK_OK || (rc = store_bind_i64(s, 13, tk_now())) != TK_OK ||
	    (rc = c->actor.kind == ACTOR_APPLICATION ? store_bind_i64(s, 14, c->actor.id) : store_bind_null(s, 14)) != TK_OK ||
	    (rc = store_bind_i64(s, 15, !a->in->cades && a->in->visible)) != TK_OK ||
	    (rc = store_bind_text(s, 16, sign_channel(c, a->in))) != TK_OK ||
	    (rc = a->statement_sha256 != NULL ? store_bind_text(s, 17, a->statement_sha256) : store_bind_null(s, 17)) != TK_OK ||
	    (rc = fname[0] ? store_bind_text(s, 18, fname) : store_bind_null(s, 18)) != TK_OK ||
	    (rc = store_step(s, &row)) != TK_OK)
		goto out;
	d = json_pack("{s:s, s:s, s:s, s:s}", "sha256", a->hash, "level", a->level, "cert", a->sg->serial, "kind", a->in->cades ? "cades" : "pades");
	if (d == NULL || (dtxt = json_dumps(d, JSON_COMPACT)) == NULL) {
		rc = tk_fail(TK_ERR_NOMEM, "out of memory");
		goto out;
	}
	if ((rc = audit_append(c, "document.sign", a->id, dtxt)) != TK_OK)
		goto out;
	if (keep > 0) {
		/* The signed file as the client will download it. */
		struct buf whole;
		buf_init(&whole, MAX_PDF_BYTES);
		store_finalize(s);
		s = NULL;
		rc = a->in->cades ? buf_append(&whole, a->tail->p, a->tail->len) : buf_append(&whole, a->in->data, a->in->len);
		if (rc == TK_OK && !a->in->cades)
			rc = buf_append(&whole, a->tail->p, a->tail->len);
		if (rc == TK_OK && (rc = store_prepare(c->st, "INSERT INTO document_files (id, data, expires_at, owner_copy) VALUES (?, ?, ?, ?)", &s)) == TK_OK &&
		    (rc = store_bind_text(s, 1, a->id)) == TK_OK && (rc = store_bind_blob(s, 2, whole.p, whole.len)) == TK_OK &&
		    (rc = store_bind_i64(s, 3, tk_now() + keep)) == TK_OK && (rc = store_bind_i64(s, 4, owner_copy)) == TK_OK)
			rc = store_step(s, &row);
		buf_free(&whole);
	}
out:
	free(dtxt);
	json_decref(d);
	store_finalize(s);
	return rc;
}

static enum tk_err ts_over_signature(void *arg, const uint8_t *sigvalue, size_t len, struct buf *token)
{
	return timestamp_token(arg, sigvalue, len, token);
}

enum tk_err svc_doc_ts(void *arg, enum cms_md md, const uint8_t *digest, size_t dlen, struct buf *token)
{
	(void)md; /* chosen from the same setting as timestamp_token_digest() uses */
	return timestamp_token_digest(arg, digest, dlen, token);
}

enum tk_err svc_query_blob(struct svc_ctx *c, const char *sql, const char *arg, struct buf *out)
{
	struct store_stmt *s = NULL;
	int row = 0;
	enum tk_err rc;

	if ((rc = store_prepare(c->st, sql, &s)) != TK_OK)
		return rc;
	if ((rc = store_bind_text(s, 1, arg)) == TK_OK && (rc = store_step(s, &row)) == TK_OK) {
		if (!row)
			rc = tk_fail(TK_ERR_NOT_FOUND, "no stored value for %s", arg);
		else {
			size_t len = 0;
			const uint8_t *p = store_col_blob(s, 0, &len);
			rc = buf_append(out, p, len);
		}
	}
	store_finalize(s);
	return rc;
}

enum tk_err svc_doc_timestamp(struct svc_ctx *c, const uint8_t *pdf, size_t len, struct buf *tail)
{
	struct pades_opts po;
	struct buf t;
	size_t pages = 0;
	enum cms_md md;
	enum tk_err rc;

	if ((rc = cms_md_parse(timestamp_digest_name(c->inst), &md)) != TK_OK)
		return rc;
	memset(&po, 0, sizeof(po));
	po.doc_timestamp = 1;
	po.doc_ts = svc_doc_ts;
	po.ts_arg = c;
	po.md = md;
	po.ts_estimate = 12288;
	buf_init(&t, MAX_PDF_BYTES);
	if ((rc = pades_sign(pdf, len, &po, &t, &pages)) == TK_OK)
		rc = buf_append(tail, t.p, t.len);
	buf_free(&t);
	return rc;
}

/*
 * B-LT and B-LTA go through the same path as `teken ltv extend`: validation
 * data for every signature and timestamp found in the document, whoever
 * made it (an outside TSA's chain included), then the document timestamp.
 */
static enum tk_err add_ltv(struct svc_ctx *c, const uint8_t *pdf, size_t len, struct buf *tail, int lta)
{
	struct ltv_report rep;
	struct buf full;
	enum tk_err rc;

	buf_init(&full, MAX_PDF_BYTES);
	if ((rc = buf_append(&full, pdf, len)) == TK_OK && (rc = buf_append(&full, tail->p, tail->len)) == TK_OK)
		rc = ltv_extend(c, full.p, full.len, lta, tail, &rep);
	buf_free(&full);
	return rc;
}

static enum tk_err sign_document_do(struct svc_ctx *c, const struct sign_in *in, struct sign_out *out);

enum tk_err sign_document(struct svc_ctx *c, const struct sign_in *in, struct sign_out *out)
{
	enum tk_err rc = sign_document_do(c, in, out);

	if (rc != TK_OK) {
		/* Refused attempts count for the usage report, by cause; the unit only when it is the caller's to name. */
		const char *unit = in->unit != NULL && (c->actor.kind != ACTOR_APPLICATION || actor_may_act_for_unit(&c->actor, in->unit)) ? in->unit : NULL;
		const char *code = tk_last_error()->code;
		usage_count(c, USAGE_SIGN_FAILED, code[0] ? code : tk_err_code_default(rc), unit);
	}
	return rc;
}

static enum tk_err sign_document_do(struct svc_ctx *c, const struct sign_in *in, struct sign_out *out)
{
	struct signer sg;
	struct pades_opts po;
	struct reg_args ra;
	enum cms_md md = CMS_MD_SHA256;
	char url[320], hash[65], st_hash[65];
	const char *level = in->level ? in->level : "B-B";
	X509 *chain[1];
	enum tk_err rc;

	memset(out, 0, sizeof(*out));
	buf_init(&out->out, MAX_PDF_BYTES);
	memset(&po, 0, sizeof(po));
	if (strcmp(level, "B-B") != 0 && strcmp(level, "B-T") != 0 && strcmp(level, "B-LT") != 0 && strcmp(level, "B-LTA") != 0)
		return tk_fail_code(TK_ERR_INVALID, "unsupported_level", "signature level must be B-B, B-T, B-LT or B-LTA");
	if (in->cades && strcmp(level, "B-B") != 0 && strcmp(level, "B-T") != 0)
		return tk_fail_code(TK_ERR_INVALID, "unsupported_level", "CAdES signatures are made at B-B or B-T");
	if (!in->cades && !pdf_header_ok(in->data, in->len))
		return tk_fail_code(TK_ERR_INVALID, "not_a_pdf", "the file is not a PDF (no %%PDF- header)");
	/* The application's published signing policy (svc/policy), before any key is touched. */
	{
		struct policy_sign_req pr = { in->cades, level, in->visible, in->unit };
		if ((rc = policy_check_signing(c, &pr)) != TK_OK)
			return rc;
	}
	if ((rc = cms_md_parse(config_get_or(c->inst->cfg, "sign", "digest", "sha256"), &md)) != TK_OK)
		return rc;
	if ((rc = load_signer(c, in, &sg)) != TK_OK)
		goto out;
	if ((rc = new_document_id(out->document_id)) != TK_OK)
		goto out;
	if (in->qr_url != NULL)
		rc = str_copy(url, sizeof(url), in->qr_url);
	else
		rc = str_fmt(url, sizeof(url), "%s/v/%s", c->inst->base_url, out->document_id);
	if (rc != TK_OK)
		goto out;
	chain[0] = sg.issuing;
	if (in->cades) {
		struct cms_sign_opts co = { 0, 1, 0, 0 }; /* CAdES-B keeps signingTime */
		if ((rc = cms_sign_detached(sg.key, sg.cert, chain, 1, md, in->data, in->len, &co, &out->out)) != TK_OK)
			goto out;
		if (strcmp(level, "B-T") == 0) {
			const uint8_t *sv;
			size_t svl;
			struct buf tok, withts;
			buf_init(&tok, CMS_MAX_TOKEN_BYTES);
			buf_init(&withts, CMS_MAX_BYTES);
			if ((rc = cms_signature_value(out->out.p, out->out.len, &sv, &svl)) == TK_OK &&
			    (rc = timestamp_token(c, sv, svl, &tok)) == TK_OK &&
			    (rc = cms_add_unsigned_attr_timestamp(out->out.p, out->out.len, tok.p, tok.len, &withts)) == TK_OK) {
				buf_reset(&out->out);
				rc = buf_append(&out->out, withts.p, withts.len);
			}
			buf_free(&tok);
			buf_free(&withts);
			if (rc != TK_OK)
				goto out;
		}
		sha256_hex(in->data, in->len, hash);
		out->pages = 0;
		if ((rc = str_fmt(out->level, sizeof(out->level), "CAdES-BASELINE-%s", level + 2)) != TK_OK)
			goto out;
	} else {
		EVP_MD_CTX *h;
		uint8_t d[32];
		po.key = sg.key;
		po.cert = sg.cert;
		po.chain = chain;
		po.nchain = 1;
		po.md = md;
		po.reason = in->reason;
		po.location = in->location;
		po.docmdp = in->docmdp;
		po.field_name = in->field;
		po.new_field = in->new_field;
		po.statement = sign_statement(c->inst);
		po.statement_every_page = strcmp(config_get_or(c->inst->cfg, "sign", "statement_pages", "last"), "every") == 0;
		po.verify_url = url;
		po.signer_name = sg.name;
		po.signer_title = sg.title;
		po.visible.enabled = in->visible;
		po.visible.page = in->page;
		memcpy(po.visible.rect, in->rect, sizeof(po.visible.rect));
		po.visible.anchor = in->anchor;
		po.visible.image = in->image;
		po.visible.image_len = in->image_len;
		/* Applications written for BSrE's service send boxes sized for a bare image or QR
		 * code (150 x 50 is common) and cannot be changed: fill them as best they allow. */
		po.visible.min_fs = in->channel != NULL && strcmp(in->channel, "bsre") == 0 ? PADES_STAMP_FLOOR_FS : 0;
		if (strcmp(level, "B-B") != 0) {
			/* The signature-time-stamp over the signature value (ETSI EN 319 142-1 5.4). */
			po.timestamp = ts_over_signature;
			po.ts_arg = c;
			po.ts_estimate = 12288;
		}
		if ((rc = pades_sign(in->data, in->len, &po, &out->out, &out->pages)) != TK_OK)
			goto out;
		if ((strcmp(level, "B-LT") == 0 || strcmp(level, "B-LTA") == 0) &&
		    (rc = add_ltv(c, in->data, in->len, &out->out, strcmp(level, "B-LTA") == 0)) != TK_OK)
			goto out;
		/* The registry keeps the hash of the whole signed file. */
		h = EVP_MD_CTX_new();
		if (h == NULL || EVP_DigestInit_ex(h, EVP_sha256(), NULL) != 1 || EVP_DigestUpdate(h, in->data, in->len) != 1 ||
		    EVP_DigestUpdate(h, out->out.p, out->out.len) != 1 || EVP_DigestFinal_ex(h, d, NULL) != 1) {
			EVP_MD_CTX_free(h);
			rc = tk_fail_ossl("sign: hashing");
			goto out;
		}
		EVP_MD_CTX_free(h);
		hex_encode(d, 32, hash);
		if ((rc = str_fmt(out->level, sizeof(out->level), "PAdES-BASELINE-%s", level + 2)) != TK_OK)
			goto out;
	}
	memset(&ra, 0, sizeof(ra));
	if (!in->cades) {
		/* The registry knows which statement the document carries (the bsre_statement review indicator). */
		sha256_hex((const uint8_t *)po.statement, strlen(po.statement), st_hash);
		ra.statement_sha256 = st_hash;
	}
	ra.in = in;
	ra.sg = &sg;
	ra.id = out->document_id;
	ra.hash = hash;
	ra.size = in->cades ? in->len : in->len + out->out.len;
	ra.pages = out->pages;
	ra.level = out->level;
	ra.tail = &out->out;
	if ((rc = svc_in_tx(c, register_tx, &ra)) != TK_OK)
		goto out;
	log_msg(LOG_INFO, "sign.document", "signed %s (%s) as %s", out->document_id, out->level, sg.serial);
out:
	if (rc != TK_OK)
		buf_free(&out->out);
	signer_free(&sg);
	return rc;
}

enum tk_err sign_instance_document(struct svc_ctx *c, const uint8_t *pdf, size_t len, const char *reason, struct buf *tail, char level[24])
{
	struct signer sg;
	struct pades_opts po;
	enum cms_md md = CMS_MD_SHA256;
	char url[320];
	X509 *chain[1];
	size_t pages = 0;
	enum tk_err rc;

	memset(&sg, 0, sizeof(sg));
	memset(&po, 0, sizeof(po));
	level[0] = '\0';
	if (tail->len != 0) /* add_ltv() takes pdf followed by exactly the new revisions */
		return tk_fail(TK_ERR_INTERNAL, "sign: the tail must start empty");
	if (!pdf_header_ok(pdf, len))
		return tk_fail(TK_ERR_INTERNAL, "sign: the generated document is not a PDF");
	if ((rc = cms_md_parse(config_get_or(c->inst->cfg, "sign", "digest", "sha256"), &md)) != TK_OK ||
	    (rc = str_fmt(url, sizeof(url), "%s/verify", c->inst->base_url)) != TK_OK)
		return rc;
	if ((rc = ca_load(c, "issuing", NULL, &sg.issuing, NULL)) != TK_OK)
		goto out;
	if ((rc = ca_cert_by_meta_valid(c, "cert.seal", &sg.cert, sg.serial)) != TK_OK) {
		if (rc == TK_ERR_NOT_FOUND)
			rc = tk_fail_code(TK_ERR_NOT_FOUND, "unknown_seal", "this instance has no valid seal certificate");
		goto out;
	}
	if ((rc = svc_key_load(c, "seal", &sg.key)) != TK_OK)
		goto out;
	if (X509_NAME_get_text_by_NID(X509_get_subject_name(sg.cert), NID_commonName, sg.name, sizeof(sg.name)) < 0)
		sg.name[0] = '\0';
	if ((rc = str_copy(sg.title, sizeof(sg.title), config_get_or(c->inst->cfg, "instance", "organization", ""))) != TK_OK)
		goto out;
	chain[0] = sg.issuing;
	po.key = sg.key;
	po.cert = sg.cert;
	po.chain = chain;
	po.nchain = 1;
	po.md = md;
	po.reason = reason;
	po.statement = sign_statement(c->inst);
	po.verify_url = url;
	po.signer_name = sg.name;
	po.signer_title = sg.title;
	po.timestamp = ts_over_signature;
	po.ts_arg = c;
	po.ts_estimate = 12288;
	if ((rc = pades_sign(pdf, len, &po, tail, &pages)) != TK_OK)
		goto out;
	if ((rc = add_ltv(c, pdf, len, tail, 0)) != TK_OK)
		goto out;
	rc = str_copy(level, 24, "PAdES-BASELINE-LT");
	log_msg(LOG_INFO, "sign.instance", "sealed a generated document (%zu bytes) as %s", len + tail->len, sg.serial);
out:
	signer_free(&sg);
	return rc;
}

struct download_args {
	const char *id;
	int64_t key_id; /* the API key that signed it: names are not unique */
	struct buf *out;
};

static enum tk_err download_tx(struct svc_ctx *c, void *arg)
{
	struct download_args *a = arg;
	struct store_stmt *s = NULL;
	int row = 0;
	enum tk_err rc;

	if ((rc = store_prepare(c->st, "SELECT f.data FROM document_files f JOIN documents d ON d.id = f.id"
				       " WHERE f.id = ? AND d.application_key_id = ? AND f.expires_at > ? AND f.owner_copy = 0",
		 &s)) != TK_OK ||
	    (rc = store_bind_text(s, 1, a->id)) != TK_OK || (rc = store_bind_i64(s, 2, a->key_id)) != TK_OK ||
	    (rc = store_bind_i64(s, 3, tk_now())) != TK_OK || (rc = store_step(s, &row)) != TK_OK)
		goto out;
	if (!row) {
		rc = tk_fail_code(TK_ERR_NOT_FOUND, "unknown_document", "document %s is not available (unknown, expired or already downloaded)", a->id);
		goto out;
	}
	{
		size_t len = 0;
		const uint8_t *p = store_col_blob(s, 0, &len);
		if ((rc = buf_append(a->out, p, len)) != TK_OK)
			goto out;
	}
	store_finalize(s);
	s = NULL;
	/* Single use: the copy goes once it has been handed out. */
	if ((rc = store_prepare(c->st, "DELETE FROM document_files WHERE id = ?", &s)) == TK_OK && (rc = store_bind_text(s, 1, a->id)) == TK_OK) {
		int r2;
		rc = store_step(s, &r2);
	}
	if (rc == TK_OK)
		rc = audit_append(c, "document.download", a->id, NULL);
out:
	store_finalize(s);
	return rc;
}

enum tk_err sign_download(struct svc_ctx *c, const char *document_id, struct buf *out)
{
	struct download_args a = { document_id, c->actor.id, out };

	if (c->actor.kind != ACTOR_APPLICATION)
		return tk_fail_code(TK_ERR_DENIED, "forbidden", "only the application that signed a document downloads it");
	return svc_in_tx(c, download_tx, &a);
}

enum tk_err sign_fields(struct svc_ctx *c, const uint8_t *pdf, size_t len, struct pades_field *out, size_t max, size_t *n)
{
	*n = 0;
	if (!(c->actor.kind == ACTOR_APPLICATION || c->actor.kind == ACTOR_OPERATOR ||
		(c->actor.kind == ACTOR_PERSON && strcmp(c->actor.role, "subscriber") == 0)))
		return tk_fail_code(TK_ERR_DENIED, "forbidden", "only signers list a document's signature fields");
	if (!pdf_header_ok(pdf, len))
		return tk_fail_code(TK_ERR_INVALID, "not_a_pdf", "the file is not a PDF (no %%PDF- header)");
	return pades_fields(pdf, len, out, max, n);
}

json_t *sign_fields_json(const struct pades_field *f, size_t n)
{
	json_t *arr = json_array();
	size_t i;

	for (i = 0; arr != NULL && i < n; i++) {
		json_t *o = json_pack("{s:s, s:o, s:{s:f, s:f, s:f, s:f}, s:b}", "name", f[i].name, "page",
		    f[i].page == PADES_PAGE_LAST ? json_null() : json_integer((json_int_t)f[i].page + 1), "rect", "x", f[i].rect[0], "y",
		    f[i].rect[1], "w", f[i].rect[2], "h", f[i].rect[3], "signed", f[i].has_value);
		if (o == NULL || json_array_append_new(arr, o) != 0) {
			json_decref(arr);
			return NULL;
		}
	}
	return arr != NULL ? json_pack("{s:o}", "fields", arr) : NULL;
}
